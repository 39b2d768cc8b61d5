"""Schemas as LaminDB 1.5.3 updates them: `n` and the hash after member changes, `index`, `optionals`,
redefinition by name, and the alternative constructors `Feature.from_df`, `Schema.from_values`,
`Schema.from_df`.

Everything this module writes happens in one transaction that is rolled back at its end.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from django.db import transaction

_counter = itertools.count()


@pytest.fixture(scope="module")
def data(ln):
    with transaction.atomic():
        features = {
            name: ln.Feature(name=name, dtype=dtype).save()
            for name, dtype in [
                ("sc_a", int),
                ("sc_b", float),
                ("sc_c", str),
                ("sc_d", str),
                ("sc_sample", str),
                ("sc_label", ln.ULabel),
            ]
        }
        ln.ULabel(name="sc_L1").save()
        yield {"features": features}
        transaction.set_rollback(True)


@pytest.fixture
def f(data):
    return data["features"]


@pytest.fixture
def rollback():
    """Roll back what one test writes (inside the module's transaction)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def fresh_hash(ln, **kwargs) -> str:
    """The hash a new schema with these arguments gets (computed, not looked up)."""
    return ln.Schema._compute(**kwargs).fields["hash"]


def name_of(ln) -> str:
    return f"sc-schema-{next(_counter)}"


def artifact_validated_by(ln, schema):
    """A saved artifact row (no file) whose validating schema is `schema`."""
    from django.db.models import Model

    i = next(_counter)
    artifact = ln.Artifact.__new__(ln.Artifact)
    Model.__init__(
        artifact,
        key=f"schema-compat/{i}.parquet",
        suffix=".parquet",
        size=i + 1,
        hash=f"sc{i:020d}",
        storage=ln.Storage.get(1),
        schema=schema,
    )
    return ln.Artifact.objects.bulk_create([artifact])[0]


def err(capsys) -> str:
    return capsys.readouterr().err


# -- n and hash follow the members ---------------------------------------------------------------------------


def test_features_add_and_remove_update_n_and_hash(ln, f, rollback, capsys):
    schema = ln.Schema(features=[f["sc_a"], f["sc_b"]], name=name_of(ln)).save()
    original = schema.hash
    artifact = artifact_validated_by(ln, schema)
    err(capsys)
    schema.features.add(f["sc_c"])
    schema.save()
    assert schema.n == 3
    assert schema.hash == fresh_hash(ln, features=[f["sc_a"], f["sc_b"], f["sc_c"]])
    assert ln.Schema.get(schema.id).n == 3  # saved, not only in memory
    out = err(capsys)
    assert "you updated the schema hash and might invalidate datasets" in out and artifact.uid in out
    schema.features.remove(f["sc_c"])
    schema.save()
    assert (schema.n, schema.hash) == (2, original)
    assert "you updated the schema hash" in err(capsys)
    schema.save()  # nothing changed: no warning
    assert "you updated the schema hash" not in err(capsys)


def test_flexible_and_coerce_dtype_change_the_hash_and_back(ln, f, rollback):
    schema = ln.Schema(features=[f["sc_a"]], name=name_of(ln)).save()
    original = schema.hash
    schema.flexible = True
    schema.save()
    assert schema.hash == fresh_hash(ln, features=[f["sc_a"]], flexible=True) != original
    schema.flexible = False
    schema.coerce_dtype = True
    schema.save()
    assert schema.hash == fresh_hash(ln, features=[f["sc_a"]], coerce_dtype=True) != original
    schema.coerce_dtype = False
    schema.save()
    assert schema.hash == original


# -- index ---------------------------------------------------------------------------------------------------


def test_index_assignment_is_saved(ln, f, rollback):
    schema = ln.Schema(features=[f["sc_a"], f["sc_b"]], name=name_of(ln)).save()
    original = schema.hash
    assert schema.index is None
    schema.index = f["sc_sample"]
    schema.save()
    assert schema.n == 3 and schema.hash != original
    reloaded = ln.Schema.get(schema.id)
    assert reloaded.index == f["sc_sample"]
    assert {m.name for m in reloaded.members} == {"sc_a", "sc_b", "sc_sample"}
    reloaded.index = None
    reloaded.save()
    assert (reloaded.n, reloaded.hash, reloaded.index) == (2, original, None)
    assert [m.name for m in ln.Schema.get(schema.id).members] == ["sc_a", "sc_b"]
    with pytest.raises(ln.errors.ValidationError, match="index must be a Feature"):
        reloaded.index = ln.ULabel.get(name="sc_L1")


def test_index_in_the_constructor_validates_the_dataframe_index(ln, f, rollback):
    schema = ln.Schema(features=[f["sc_a"]], index=f["sc_label"], name=name_of(ln))
    assert schema.index == f["sc_label"] and schema.n == 2
    assert [m.name for m in schema.members] == ["sc_label", "sc_a"]
    schema.save()
    assert [m.name for m in schema.members] == ["sc_label", "sc_a"] and schema.index == f["sc_label"]
    from lamin_core.features.validation import validate_dataframe

    good = pd.DataFrame({"sc_a": [1, 2]}, index=pd.Index(["sc_L1", "sc_L1"]))
    validate_dataframe(good, schema)  # the index feature is not a required column
    bad = pd.DataFrame({"sc_a": [1, 2]}, index=pd.Index(["sc_L1", "nope"]))
    with pytest.raises(
        ln.errors.ValidationError, match=r"index \(cat\[ULabel\]\): values not in ULabel: \['nope'\]"
    ):
        validate_dataframe(bad, schema)


# -- optionals -----------------------------------------------------------------------------------------------


def test_optional_features(ln, f, rollback):
    from lamin_core.features.validation import validate_dataframe

    schema = ln.Schema(features=[f["sc_a"], f["sc_c"].with_config(optional=True)], name=name_of(ln))
    assert schema.optionals.get_uids() == [f["sc_c"].uid]
    required = fresh_hash(ln, features=[f["sc_a"], f["sc_c"]])
    assert schema.hash != required
    schema.save()
    assert list(schema.optionals.get()) == [f["sc_c"]]
    table = schema.describe(return_str=True).splitlines()
    assert table[-3].split() == ["name", "dtype", "optional", "nullable", "coerce_dtype"]
    assert table[-2].split() == ["sc_a", "int", "✗", "✓", "✗"]
    assert table[-1].split() == ["sc_c", "str", "✓", "✓", "✗"]
    validate_dataframe(pd.DataFrame({"sc_a": [1]}), schema)  # the optional column may be missing
    with pytest.raises(ln.errors.ValidationError, match="columns missing"):
        validate_dataframe(pd.DataFrame({"sc_c": ["x"]}), schema)
    validate_dataframe(pd.DataFrame({"sc_a": [1], "sc_c": ["x"]}), schema)

    schema.optionals.remove(f["sc_c"])
    schema.save()
    assert schema.hash == required and schema.optionals.get_uids() == []
    schema.optionals.add([f["sc_a"], f["sc_c"]])
    schema.save()
    assert [x.name for x in schema.optionals.get()] == ["sc_a", "sc_c"]
    schema.optionals.set([])
    schema.save()
    assert schema.hash == required
    with pytest.raises(TypeError, match="must be a list of Feature records"):
        schema.optionals.set(f["sc_a"])
    with pytest.raises(ValueError, match="not optional"):
        schema.optionals.remove(f["sc_a"])
    with pytest.raises(ln.errors.ValidationError, match="not features of this schema"):
        schema.optionals.add(f["sc_d"])
    assert f["sc_a"].with_config() == (f["sc_a"], {})


# -- redefinition by name ------------------------------------------------------------------------------------


def test_same_name_returns_the_schema_redefined(ln, f, rollback, capsys):
    name = name_of(ln)
    first = ln.Schema(features=[f["sc_a"], f["sc_b"], f["sc_c"]], name=name).save()
    original = first.hash
    err(capsys)
    again = ln.Schema(features=[f["sc_a"], f["sc_d"]], name=name)
    assert not again._state.adding and again.id == first.id
    assert "returning existing Schema record with same name" in err(capsys)
    again.save()
    assert ln.Schema.filter(name=name).count() == 1
    got = ln.Schema.get(name=name)
    assert got.n == 2 and [m.name for m in got.members] == ["sc_a", "sc_d"]
    assert got.hash == fresh_hash(ln, features=[f["sc_a"], f["sc_d"]])
    # back to the first definition: its hash again
    ln.Schema(features=[f["sc_a"], f["sc_b"], f["sc_c"]], name=name).save()
    got = ln.Schema.get(name=name)
    assert got.hash == original and [m.name for m in got.members] == ["sc_a", "sc_b", "sc_c"]
    # the same hash under another name: that schema, renamed on save
    other = ln.Schema(features=[f["sc_a"], f["sc_b"], f["sc_c"]], name=name + "-renamed").save()
    assert other.id == first.id and ln.Schema.get(first.id).name == name + "-renamed"
    # ... unless another schema has the name: then the name stays unique
    taken = ln.Schema(features=[f["sc_d"]], name=name_of(ln)).save()
    same_hash = ln.Schema(features=[f["sc_a"], f["sc_b"], f["sc_c"]], name=taken.name).save()
    assert same_hash.id == first.id and same_hash.name == name + "-renamed"
    assert "not renaming schema" in err(capsys)
    assert ln.Schema.get(name=taken.name).id == taken.id


def test_same_name_for_a_composite_replaces_its_slots(ln, f, rollback):
    name = name_of(ln)
    obs1 = ln.Schema(features=[f["sc_a"]]).save()
    obs2 = ln.Schema(features=[f["sc_b"]]).save()
    first = ln.Schema(name=name, otype="AnnData", slots={"obs": obs1}).save()
    second = ln.Schema(name=name, otype="AnnData", slots={"obs": obs2}).save()
    assert second.id == first.id and ln.Schema.get(name=name).slots == {"obs": obs2}
    assert second.hash == fresh_hash(ln, slots={"obs": obs2}, otype="AnnData")


def test_positional_arguments(ln, f):
    with pytest.raises(ValueError, match="one positional argument"):
        ln.Schema([f["sc_a"]], 1)
    with pytest.raises(ValueError, match="not a single record"):
        ln.Schema(f["sc_a"])
    with pytest.raises(ValueError, match="save these records"):
        ln.Schema([ln.Feature(name="sc_unsaved", dtype=int)])


def test_same_name_for_an_itype_schema(ln, rollback):
    name = name_of(ln)
    first = ln.Schema(name=name, itype=ln.Feature).save()
    second = ln.Schema(name=name, itype=ln.Feature).save()
    assert first.id == second.id and ln.Schema.filter(name=name).count() == 1


# -- Feature.from_df -----------------------------------------------------------------------------------------


def test_feature_from_df(ln, data, rollback, capsys):
    df = pd.DataFrame(
        {
            "fd_int": np.array([1, 2, 3], dtype="int32"),
            "fd_float": np.array([1.0, 2.5, 3.0], dtype="float32"),
            "fd_bool": [True, False, True],
            "fd_str": ["x", "y", "x"],
            "fd_cat": pd.Categorical(["u", "v", "u"]),
            "fd_when": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "sc_c": ["a", "b", "c"],  # an existing feature
        }
    )
    features = ln.Feature.from_df(df)
    assert [(x.name, x.dtype) for x in features] == [
        ("fd_int", "int"),
        ("fd_float", "float"),
        ("fd_bool", "bool"),
        ("fd_str", "str"),
        ("fd_cat", "cat"),
        ("fd_when", "datetime"),
        ("sc_c", "str"),
    ]
    assert features[-1] == data["features"]["sc_c"] and not features[-1]._state.adding
    assert all(x._state.adding for x in features[:-1])
    assert "few permissible values for feature fd_str, consider dtype 'cat'" in err(capsys)
    features.save()
    assert ln.Feature.get(name="fd_cat").dtype == "cat"
    with pytest.raises(ln.errors.ValidationError, match="already exists with dtype str, you passed float"):
        ln.Feature.from_df(pd.DataFrame({"sc_c": [1.5]}))
    with pytest.raises(ValueError, match="field must be a Feature"):
        ln.Feature.from_df(df, field=ln.ULabel.name)


# -- Schema.from_values and Schema.from_df -------------------------------------------------------------------


def test_schema_from_values_of_features(ln, f, rollback):
    schema = ln.Schema.from_values(["sc_a", "sc_b"], ln.Feature.name, name=name_of(ln))
    assert schema._state.adding and schema.itype == "Feature" and schema.dtype is None
    assert [m.name for m in schema.members] == ["sc_a", "sc_b"]
    schema.save()
    assert ln.Schema.from_values(["sc_a", "sc_b"]).id == schema.id  # same hash: the saved one
    with pytest.raises(ln.errors.ValidationError, match=r"could not be validated: \['weird_name'\]"):
        ln.Schema.from_values(["sc_a", "weird_name"], ln.Feature.name)
    partial = ln.Schema.from_values(["sc_a", "weird_name"], ln.Feature.name, raise_validation_error=False)
    assert [m.name for m in partial.members] == ["sc_a"]
    assert ln.Schema.from_values(["weird_name"], raise_validation_error=False) is None
    with pytest.raises(ValueError, match="at least one value"):
        ln.Schema.from_values([])
    with pytest.raises(TypeError, match="must be a registry field"):
        ln.Schema.from_values(["sc_a"], field="name")
    with pytest.raises(ln.errors.ValidationError, match=r"could not be validated: \[1\]\nType mismatch"):
        ln.Schema.from_values([1], field=ln.Feature.name)


def test_schema_from_values_of_genes(ln, rollback):
    import lamin_core.bionty as bt

    symbols = ["TCF7", "MYC"]
    with pytest.raises(ln.errors.ValidationError, match="could not be validated"):
        ln.Schema.from_values(symbols, bt.Gene.symbol, type=int, organism="human")
    bt.Gene.from_values(symbols, "symbol", organism="human", mute=True).save()
    schema = ln.Schema.from_values(symbols, bt.Gene.symbol, organism="human")
    assert (schema.dtype, schema.itype, schema.n) == ("num", "bionty.Gene", 2)
    schema = ln.Schema.from_values(symbols, bt.Gene.symbol, type=int, organism="human").save()
    assert schema.dtype == "int" and [g.symbol for g in schema.members] == symbols
    assert set(schema.genes.all()) == set(schema.members)
    again = ln.Schema.from_values(symbols, bt.Gene.symbol, type=int, organism="human")
    assert not again._state.adding and again.id == schema.id


def test_schema_from_df(ln, f, rollback, capsys):
    import lamin_core.bionty as bt

    df = pd.DataFrame({"sc_a": [1], "sc_b": [2.0], "not_a_feature": ["x"]})
    schema = ln.Schema.from_df(df, name=name_of(ln))
    assert schema.otype == "DataFrame" and schema.dtype is None
    assert [m.name for m in schema.members] == ["sc_a", "sc_b"]
    err(capsys)
    assert ln.Schema.from_df(pd.DataFrame({"nope": [1]})) is None
    assert "no validated features, skip creating schema" in err(capsys)
    bt.Gene.from_values(["TCF7", "MYC", "CD4"], "symbol", organism="human", mute=True).save()
    genes = pd.DataFrame({"TCF7": [1, 2], "MYC": [3, 4], "CD4": [0.5, 1.0], "other": ["a", "b"]})
    with pytest.raises(ValueError, match="data types are heterogeneous"):
        ln.Schema.from_df(genes, field=bt.Gene.symbol, organism="human")
    schema = ln.Schema.from_df(genes[["TCF7", "MYC"]], field=bt.Gene.symbol, organism="human")
    assert (schema.dtype, schema.itype, [g.symbol for g in schema.members]) == (
        "int",
        "bionty.Gene",
        ["TCF7", "MYC"],
    )


# -- artifact.features.add_schema / add_feature_set / [slot] (deprecated in 1.5.3) ---------------------------


def test_add_feature_set_and_getitem(ln, f, rollback, capsys):
    artifact = artifact_validated_by(ln, None)
    schema = ln.Schema(features=[f["sc_a"], f["sc_b"]])
    artifact.features.add_feature_set(schema, slot="columns")
    assert "add_feature_set() is deprecated" in err(capsys)
    assert not schema._state.adding and artifact.features.slots == {"columns": schema}
    assert [x.name for x in artifact.features["columns"]] == ["sc_a", "sc_b"]
    artifact.features.add_schema(schema, slot="columns")  # the same link: nothing changes
    other = ln.Schema(features=[f["sc_c"]]).save()
    artifact.features.add_schema(other, slot="columns")  # a slot holds one schema
    assert artifact.features.slots == {"columns": other}
    with pytest.raises(ln.errors.ValidationError, match="in slot 'columns'"):
        artifact.features.add_schema(other, slot="obs")
    with pytest.raises(ValueError, match="No linked feature set for slot: obs"):
        artifact.features["obs"]
    unsaved = ln.Artifact.__new__(ln.Artifact)
    from django.db.models import Model

    Model.__init__(
        unsaved, key="x.parquet", suffix=".parquet", size=1, hash="x" * 22, storage=ln.Storage.get(1)
    )
    with pytest.raises(ValueError, match="save the artifact"):
        unsaved.features.add_feature_set(other, slot="columns")


def test_list_for_hashing(ln, f):
    schema = ln.Schema(name="valid_features", itype=ln.Feature)
    assert schema._list_for_hashing == ["b=Feature", "c=True", "d=False", "e=False"]
    assert schema.hash == "kMi7B_N88uu-YnbTLDU-DA"
    flexible = ln.Schema(features=[f["sc_a"], f["sc_b"]], flexible=True)
    assert flexible._list_for_hashing[:5] == ["b=Feature", "c=True", "d=False", "e=False", "f=True"]
    assert flexible._list_for_hashing[5] == "h=2" and flexible._list_for_hashing[6].startswith("j=")
