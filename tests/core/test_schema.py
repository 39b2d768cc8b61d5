"""Schemas: hashing and de-duplication, feature links, and validating DataFrames against a schema.

Everything this module writes happens in one transaction that is rolled back at its end.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def data(ln):
    with transaction.atomic():
        features = {
            name: ln.Feature(name=name, dtype=dtype).save()
            for name, dtype in [
                ("s_temperature", float),
                ("s_count", int),
                ("s_note", str),
                ("s_flag", bool),
                ("s_date", "date"),
                ("s_when", "datetime"),
                ("s_meta", dict),
                ("s_perturbation", ln.ULabel),
                ("s_tags", list[str]),
            ]
        }
        features["s_strict"] = ln.Feature(name="s_strict", dtype="float", nullable=False).save()
        labels = {name: ln.ULabel(name=name).save() for name in ("s_DMSO", "s_IFNG")}
        yield {"features": features, "labels": labels}
        transaction.set_rollback(True)


def schema_of(ln, data, *names, **kwargs):
    return ln.Schema(features=[data["features"][n] for n in names], **kwargs).save()


def lamindb_hash(parts: list[str]) -> str:
    from lamin_core.hashing import hash_string

    return hash_string(":".join(sorted(parts)))


# -- Schema records ------------------------------------------------------------------------------------------


def test_schema_fields_and_hash(ln, data):
    from lamin_core.hashing import hash_set

    f = data["features"]
    schema = ln.Schema(features=[f["s_temperature"], f["s_perturbation"]])
    assert schema._state.adding
    assert (schema.n, schema.itype, schema.dtype, schema.otype) == (2, "Feature", None, None)
    assert (schema.minimal_set, schema.ordered_set, schema.maximal_set) == (True, False, False)
    assert schema._aux == {"af": {"2": False}}  # like the guide's schemas with features
    assert len(schema.uid) == 16
    uids = [f["s_temperature"].uid, f["s_perturbation"].uid]
    expected = lamindb_hash(["b=Feature", "c=True", "d=False", "e=False", "h=2", f"j={hash_set(uids)}"])
    assert schema.hash == expected
    assert [m.name for m in schema.members] == ["s_temperature", "s_perturbation"]
    schema.save()
    assert [m.name for m in schema.members] == ["s_temperature", "s_perturbation"]
    assert set(schema.features.all()) == {f["s_temperature"], f["s_perturbation"]}
    assert ln.Schema.filter(features=f["s_temperature"]).count() >= 1
    assert list(f["s_temperature"].schemas.all()) == [schema]


def test_builtin_schema_hashes_and_uids(ln):
    valid_features = ln.Schema(name="valid_features", itype=ln.Feature)
    assert valid_features.hash == "kMi7B_N88uu-YnbTLDU-DA"
    assert valid_features.uid == "0000000000000000"
    assert (valid_features.n, valid_features._aux) == (-1, {"af": {"2": True}})
    genes = ln.Schema(name="valid_ensembl_gene_ids", itype="bionty.Gene.ensembl_gene_id")
    assert (genes.hash, genes.uid, genes.dtype) == ("1gocc_TJ1RU2bMwDRK-WUA", "0000000000000001", "num")


def test_same_features_give_the_same_schema(ln, data, caplog):
    f = data["features"]
    first = schema_of(ln, data, "s_count", "s_note")
    again = ln.Schema(features=[f["s_note"], f["s_count"]])  # order does not matter for an unordered set
    assert not again._state.adding and again.pk == first.pk
    assert again.save().pk == first.pk
    # two equal schemas built before either is saved
    a = ln.Schema(features=[f["s_count"], f["s_flag"]])
    b = ln.Schema(features=[f["s_flag"], f["s_count"]])
    a.save()
    assert b.save().pk == a.pk and not b._state.adding
    assert ln.Schema.filter(hash=a.hash).count() == 1


def test_options_change_the_hash(ln, data):
    f = data["features"]
    features = [f["s_count"], f["s_note"]]
    base = ln.Schema(features=features).hash
    assert ln.Schema(features=features, maximal_set=True).hash != base
    assert ln.Schema(features=features, minimal_set=False).hash != base
    assert ln.Schema(features=features, coerce_dtype=True).hash != base
    ordered = ln.Schema(features=features, ordered_set=True)
    assert ordered.hash != base
    assert ln.Schema(features=features[::-1], ordered_set=True).hash != ordered.hash
    # informational fields do not
    assert ln.Schema(features=features, name="named", otype="DataFrame").hash == base
    assert ln.Schema(features=features, coerce_dtype=True)._aux == {"af": {"0": True, "2": False}}


def test_saving_a_changed_schema_updates_its_hash(ln, data):
    schema = schema_of(ln, data, "s_count", "s_date")
    old = schema.hash
    schema.maximal_set = True
    schema.save()
    assert schema.hash != old
    assert ln.Schema(
        features=[data["features"]["s_count"], data["features"]["s_date"]], maximal_set=True
    ).pk == (schema.pk)


def test_schema_arguments_are_checked(ln, data):
    from lamin_core.errors import ValidationError

    with pytest.raises(ValidationError, match="save these records"):
        ln.Schema(features=[ln.Feature(name="s_unsaved", dtype="int")])
    with pytest.raises(ValidationError, match="ULabel records cannot be schema members"):
        ln.Schema(features=[data["labels"]["s_DMSO"]])
    with pytest.raises(ValidationError, match="a schema holds records of one registry"):
        ln.Schema(features=[data["features"]["s_count"], data["labels"]["s_DMSO"]])
    with pytest.raises(ValidationError, match="does not fit records of registry 'Feature'"):
        ln.Schema(features=[data["features"]["s_count"]], itype="bionty.Gene")
    with pytest.raises(ValidationError, match="not a single record"):
        ln.Schema(features=data["features"]["s_count"])
    with pytest.raises(TypeError, match="Schema has no field 'minimal'"):
        ln.Schema(features=[data["features"]["s_count"]], minimal=True)
    with pytest.raises(ValidationError, match="maximal_set must be True or False"):
        ln.Schema(features=[data["features"]["s_count"]], maximal_set="yes")
    positional = ln.Schema([data["features"]["s_count"]])
    assert positional.n == 1


def test_schema_of_genes(ln, data):
    """Members of another registry (bionty genes) link through that registry's Schema link table."""
    from django.apps import apps
    from django.db.models import Model

    if not apps.is_installed("lamin_core.bionty"):
        pytest.skip("instance without the bionty module")
    organism_model, gene_model = apps.get_model("bionty", "Organism"), apps.get_model("bionty", "Gene")

    def raw(model, **fields):
        record = model.__new__(model)
        Model.__init__(record, **fields)
        return model.objects.bulk_create([record])[0]

    organism = raw(organism_model, name="s_organism")
    genes = [
        raw(gene_model, symbol=s, ensembl_gene_id=f"S_ENSG{i}", organism=organism)
        for i, s in enumerate("ABC")
    ]
    schema = ln.Schema(features=genes, itype="bionty.Gene.ensembl_gene_id").save()
    assert (schema.n, schema.itype, schema.dtype) == (3, "bionty.Gene.ensembl_gene_id", "num")
    assert [g.symbol for g in schema.members] == ["A", "B", "C"]
    assert ln.Schema(features=genes[::-1], itype="bionty.Gene.ensembl_gene_id").pk == schema.pk


def test_schema_describe(ln, data):
    schema = schema_of(ln, data, "s_temperature", "s_strict", name="described")
    text = schema.describe(return_str=True)
    assert text.splitlines()[0] == "Schema"
    assert f"├── .uid = '{schema.uid}'" in text and "├── .name = 'described'" in text
    assert "└── Feature • 2" in text
    assert "s_strict       float  ✗         ✗         ✗" in text


# -- validate_dataframe --------------------------------------------------------------------------------------


def valid_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "s_temperature": [21.6, 22.6, np.nan],
            "s_count": [1, 2, 3],
            "s_note": ["a", "b", None],
            "s_flag": [True, False, True],
            "s_date": ["2024-12-01", dt.date(2025, 2, 13), None],
            "s_when": pd.to_datetime(["2025-05-08 07:32", "2025-05-09 00:00", "2025-05-10 12:00"]),
            "s_meta": [{"a": 1}, {"b": 2}, None],
            "s_perturbation": pd.Categorical(["s_DMSO", "s_IFNG", "s_DMSO"]),
            "s_tags": [["x"], ["y", "z"], []],
        }
    )


ALL = (
    "s_temperature",
    "s_count",
    "s_note",
    "s_flag",
    "s_date",
    "s_when",
    "s_meta",
    "s_perturbation",
    "s_tags",
)


def test_valid_dataframe_passes(ln, data):
    from lamin_core.features.validation import validate_dataframe

    schema = schema_of(ln, data, *ALL)
    assert validate_dataframe(valid_frame(), schema) is None
    # ints are fine for a float feature, and integral floats (ints next to NaN) for an int feature
    frame = valid_frame().assign(s_temperature=[1, 2, 3], s_count=[1.0, np.nan, 3.0])
    assert validate_dataframe(frame, schema) is None


def test_missing_and_extra_columns(ln, data):
    from lamin_core.errors import ValidationError
    from lamin_core.features.validation import validate_dataframe

    schema = schema_of(ln, data, *ALL)
    frame = valid_frame().drop(columns=["s_count", "s_note"]).assign(other=1)
    with pytest.raises(ValidationError, match=r"columns missing from the dataframe: \['s_count', 's_note'\]"):
        validate_dataframe(frame, schema)
    assert validate_dataframe(valid_frame().assign(other=1), schema) is None  # extra columns are fine
    strict = schema_of(ln, data, *ALL, maximal_set=True)
    with pytest.raises(ValidationError, match=r"columns not in the schema: \['other'\]"):
        validate_dataframe(valid_frame().assign(other=1), strict)
    loose = schema_of(ln, data, *ALL, minimal_set=False)
    assert validate_dataframe(valid_frame()[["s_count"]], loose) is None


def test_invalid_values_are_listed_per_column(ln, data):
    from lamin_core.errors import ValidationError
    from lamin_core.features.validation import validate_dataframe

    schema = schema_of(ln, data, *ALL)
    frame = valid_frame().assign(
        s_temperature=["21.6", 22.6, "warm"],
        s_count=[1, 2.5, 3],
        s_note=["a", 5, "c"],
        s_flag=[True, "no", False],
        s_date=["2024-12-01", "2024-13-01", "01.12.2024"],
        s_meta=[{"a": 1}, "b", None],
        s_perturbation=["s_DMSO", "LPS", "PMA"],
        s_tags=[["x"], "y", [1]],
    )
    with pytest.raises(ValidationError) as error:
        validate_dataframe(frame, schema)
    message = str(error.value)
    assert message.startswith(f"dataframe does not fit schema {schema.uid}:")
    for line in (
        "column 's_temperature' (float): invalid values ['21.6', 'warm']",
        "column 's_count' (int): invalid values [2.5]",
        "column 's_note' (str): invalid values [5]",
        "column 's_flag' (bool): invalid values ['no']",
        "column 's_date' (date): invalid values ['01.12.2024', '2024-13-01']",
        "column 's_meta' (dict): invalid values ['b']",
        "column 's_perturbation' (cat[ULabel]): values not in ULabel: ['LPS', 'PMA']",
        "column 's_tags' (list[str]): invalid values [[1], 'y']",
    ):
        assert line in message, (line, message)
    assert "s_when" not in message


def test_nullable_and_coerce_dtype(ln, data):
    from lamin_core.errors import ValidationError
    from lamin_core.features.validation import validate_dataframe

    strict = schema_of(ln, data, "s_strict", "s_count")
    frame = pd.DataFrame({"s_strict": [1.5, None], "s_count": [1, 2]})
    with pytest.raises(ValidationError, match="non-nullable column 's_strict' contains 1 null values"):
        validate_dataframe(frame, strict)
    as_strings = pd.DataFrame({"s_strict": ["1.5", "2"], "s_count": ["1", "2"]})
    with pytest.raises(ValidationError, match="invalid values"):
        validate_dataframe(as_strings, strict)
    coercing = schema_of(ln, data, "s_strict", "s_count", coerce_dtype=True)
    assert validate_dataframe(as_strings, coercing) is None
    with pytest.raises(ValidationError, match=r"column 's_count' \(int\): invalid values \['1.5'\]"):
        validate_dataframe(pd.DataFrame({"s_strict": [1.0], "s_count": ["1.5"]}), coercing)


def test_ordered_set(ln, data):
    from lamin_core.errors import ValidationError
    from lamin_core.features.validation import validate_dataframe

    schema = schema_of(ln, data, "s_count", "s_note", ordered_set=True)
    assert validate_dataframe(pd.DataFrame({"s_count": [1], "s_note": ["a"]}), schema) is None
    with pytest.raises(ValidationError, match="not in the schema's order"):
        validate_dataframe(pd.DataFrame({"s_note": ["a"], "s_count": [1]}), schema)


def test_from_df_validates_with_the_schema(ln, data):
    if not hasattr(ln.Artifact, "from_df"):
        pytest.skip("Artifact.from_df is not available")
    from lamin_core.errors import ValidationError

    schema = schema_of(ln, data, "s_count", "s_perturbation", name="from_df schema")
    before = ln.Artifact.all_objects.count()
    bad = pd.DataFrame({"s_count": [1, 2], "s_perturbation": ["s_DMSO", "unknown label"]})
    with pytest.raises(ValidationError, match=r"values not in ULabel: \['unknown label'\]"):
        ln.Artifact.from_df(bad, key="s/bad.parquet", schema=schema)
    assert ln.Artifact.all_objects.count() == before
    good = pd.DataFrame({"s_count": [1, 2], "s_perturbation": ["s_DMSO", "s_IFNG"]})
    artifact = ln.Artifact.from_df(good, key="s/good.parquet", schema=schema)
    assert artifact.schema == schema
