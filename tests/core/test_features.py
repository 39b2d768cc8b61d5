"""Features and labels: dtypes, Feature records, artifact.features (add/get/remove values), describe.

Everything this module writes happens in one transaction that is rolled back at its end, so other modules
see none of its features, labels or artifacts.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

GUIDE_VALUES = {
    "temperature": 21.6,
    "perturbation": ["DMSO", "IFNG"],
    "study_note": "We had a great time performing this study and the results look compelling.",
    "date_of_study": "2024-12-01",
    "study_metadata": {"detail1": "123", "detail2": 1},
}
_counter = itertools.count()


@pytest.fixture(scope="module")
def data(ln):
    """The guide's features and labels plus a few more, rolled back after this module."""
    with transaction.atomic():
        features = {
            name: ln.Feature(name=name, dtype=dtype).save()
            for name, dtype in [
                ("temperature", float),
                ("perturbation", ln.ULabel),
                ("study_note", str),
                ("date_of_study", "date"),
                ("study_metadata", dict),
                ("f_count", int),
                ("f_flag", bool),
                ("f_score", "num"),
                ("f_when", dt.datetime),
                ("f_ints", list[int]),
                ("f_tags", list[str]),
                ("f_label_list", "list[cat[ULabel]]"),
            ]
        }
        labels = {name: ln.ULabel(name=name).save() for name in ("DMSO", "IFNG", "TNF", "Experiment X")}
        yield {"features": features, "labels": labels}
        transaction.set_rollback(True)


def new_artifact(ln, suffix: str = ".csv"):
    """A saved artifact without a file (fields only), like the benchmark's bulk records."""
    from django.db.models import Model

    i = next(_counter)
    artifact = ln.Artifact.__new__(ln.Artifact)
    Model.__init__(
        artifact,
        key=f"features-test/{i}{suffix}",
        suffix=suffix,
        size=i + 1,
        hash=f"ft{i:020d}",
        storage=ln.Storage.get(1),
    )
    return ln.Artifact.objects.bulk_create([artifact])[0]


def counts(ln):
    from lamin_core.models import ArtifactFeatureValue, ArtifactULabel

    return (
        ln.FeatureValue.all_objects.count(),
        ArtifactFeatureValue.objects.count(),
        ArtifactULabel.objects.count(),
    )


# -- dtypes --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "dtype",
    [
        "str",
        "int",
        "float",
        "num",
        "bool",
        "date",
        "datetime",
        "dict",
        "cat",
        "cat[ULabel]",
        "cat[ULabel[parent_label]]",
        "cat[bionty.CellType]",
        "cat[bionty.CellType.ontology_id]",
        "cat[ULabel|bionty.CellType]",
        "cat[bionty.CellType[source__uid='abc']]",
        "list[int]",
        "list[str]",
        "list[cat[ULabel]]",
    ],
)
def test_dtype_strings_are_accepted(dtype):
    from lamin_core.features import parse_dtype, serialize_dtype

    assert serialize_dtype(dtype) == dtype
    parsed = parse_dtype(dtype)
    assert parsed.is_cat == ("cat" in dtype)
    assert parsed.is_list == dtype.startswith("list[")


def test_dtype_parts():
    from lamin_core.features import parse_dtype

    parsed = parse_dtype("cat[ULabel[Perturbation]|bionty.CellType.ontology_id]")
    assert [(t.registry, t.subtype, t.field) for t in parsed.targets] == [
        ("ULabel", "Perturbation", None),
        ("bionty.CellType", None, "ontology_id"),
    ]
    assert parse_dtype("cat[bionty.CellType[source__uid='abc']]").targets[0].filters == (
        ("source__uid", "abc"),
    )


@pytest.mark.parametrize(
    "dtype", ["integer", "cat[Foo]", "cat[]", "list[list[int]]", "list[nope]", "Float", ""]
)
def test_unknown_dtype_lists_the_valid_ones(ln, dtype):
    from lamin_core.errors import ValidationError

    with pytest.raises(ValidationError, match=r"is invalid.*valid dtypes: 'str', 'int', 'float', 'num'"):
        ln.Feature(name="f_invalid_dtype", dtype=dtype)


def test_python_objects_as_dtypes(ln, data):
    from lamin_core.features import serialize_dtype

    assert [serialize_dtype(t) for t in (str, int, float, bool, dict, dt.date, dt.datetime)] == [
        "str",
        "int",
        "float",
        "bool",
        "dict",
        "date",
        "datetime",
    ]
    assert serialize_dtype(ln.ULabel) == "cat[ULabel]"
    assert serialize_dtype(ln.ULabel.name) == "cat[ULabel]"
    assert serialize_dtype(list[str]) == "list[str]"
    assert serialize_dtype(list[ln.ULabel]) == "list[cat[ULabel]]"
    assert serialize_dtype([ln.ULabel]) == "cat[ULabel]"
    perturbation_type = ln.ULabel(name="PerturbationType", is_type=True).save()
    assert serialize_dtype(perturbation_type) == "cat[ULabel[PerturbationType]]"
    from lamin_core.errors import ValidationError

    with pytest.raises(ValidationError, match="must be a type"):
        serialize_dtype(data["labels"]["DMSO"])
    with pytest.raises(ValidationError, match="is invalid"):
        serialize_dtype(object)
    with pytest.raises(ValidationError, match="is invalid"):
        serialize_dtype(ln.Storage)


# -- Feature records -----------------------------------------------------------------------------------------


def test_feature_records_like_the_guide(ln, data):
    temperature = data["features"]["temperature"]
    assert (temperature.dtype, len(temperature.uid)) == ("float", 12)
    fresh = ln.Feature(name="f_fresh", dtype="float").save()
    assert fresh._aux == {"af": {"0": None, "1": True, "2": False}}
    assert ln.Feature.get(name="f_fresh")._aux == {"af": {"0": None, "1": True, "2": False}}
    assert (fresh.default_value, fresh.nullable, fresh.coerce_dtype) == (None, True, False)
    assert data["features"]["perturbation"].dtype == "cat[ULabel]"
    assert data["features"]["f_ints"].dtype == "list[int]"
    assert data["features"]["f_when"].dtype == "datetime"
    strict = ln.Feature(name="f_strict", dtype="int", nullable=False, coerce_dtype=True).save()
    assert strict._aux == {"af": {"0": None, "1": False, "2": True}}
    assert repr(temperature).startswith(f"Feature(uid='{temperature.uid}', name='temperature', dtype='float'")


def test_feature_with_existing_name_is_returned(ln, data, caplog):
    first = data["features"]["temperature"]
    again = ln.Feature(name="temperature", dtype=float)
    assert not again._state.adding and again.pk == first.pk and again.uid == first.uid
    assert again.save().pk == first.pk
    assert ln.Feature.filter(name="temperature").count() == 1
    # "cat" matches any categorical dtype
    assert ln.Feature(name="perturbation", dtype="cat").pk == data["features"]["perturbation"].pk


def test_feature_with_existing_name_and_other_dtype_raises(ln, data):
    from lamin_core.errors import ValidationError

    with pytest.raises(
        ValidationError, match="Feature temperature already exists with dtype float, you passed int"
    ):
        ln.Feature(name="temperature", dtype=int)


def test_feature_saved_twice_concurrently(ln, data):
    from lamin_core.errors import ValidationError

    a = ln.Feature(name="f_race", dtype="str")
    b = ln.Feature(name="f_race", dtype="str")
    c = ln.Feature(name="f_race", dtype="int")
    a.save()
    assert b.save().pk == a.pk and not b._state.adding
    with pytest.raises(ValidationError, match="already exists with dtype str, you passed int"):
        c.save()
    assert ln.Feature.filter(name="f_race").count() == 1


def test_feature_needs_name_and_dtype(ln):
    from lamin_core.errors import ValidationError

    with pytest.raises(ValidationError, match="needs a dtype"):
        ln.Feature(name="f_no_dtype")
    with pytest.raises(ValidationError, match="needs a name"):
        ln.Feature(dtype="str")
    with pytest.raises(TypeError, match="Feature has no field 'dtyp'"):
        ln.Feature(name="f_typo", dtyp="str")
    assert ln.Feature(name="FIsType", is_type=True).dtype is None  # a type is named in PascalCase (1.5.3)


# -- add_values / get_values ---------------------------------------------------------------------------------


def test_guide_values(ln, data):
    from lamin_core.models import ArtifactFeatureValue, ArtifactULabel

    artifact = new_artifact(ln, ".h5ad")
    artifact.features.add_values(GUIDE_VALUES)
    values = artifact.features.get_values()
    assert values == {
        "perturbation": {"DMSO", "IFNG"},
        "date_of_study": dt.date(2024, 12, 1),
        "study_metadata": {"detail1": "123", "detail2": 1},
        "study_note": GUIDE_VALUES["study_note"],
        "temperature": 21.6,
    }
    # categoricals first, then the others, each sorted by name (LaminDB's order)
    assert list(values) == ["perturbation", "date_of_study", "study_metadata", "study_note", "temperature"]
    rows = {
        fv.feature.name: (fv.value, fv.hash)
        for fv in ln.FeatureValue.filter(links_artifact__artifact=artifact).select_related("feature")
    }
    assert rows == {
        "temperature": (21.6, None),
        "date_of_study": ("2024-12-01", None),
        "study_note": (GUIDE_VALUES["study_note"], None),
        "study_metadata": ({"detail1": "123", "detail2": 1}, "nJ33A6k51yp-1ZlqFabWdw"),
    }
    assert ArtifactFeatureValue.objects.filter(artifact=artifact).count() == 4
    links = ArtifactULabel.objects.filter(artifact=artifact).values_list("ulabel__name", "feature__name")
    assert sorted(links) == [("DMSO", "perturbation"), ("IFNG", "perturbation")]
    # the second dataset of the guide
    artifact2 = new_artifact(ln, ".h5ad")
    artifact2.features.add_values({"study_metadata": {"detail1": "456", "detail2": 2}, "temperature": 22.6})
    assert ln.FeatureValue.get(links_artifact__artifact=artifact2, feature__name="study_metadata").hash == (
        "QAU2Is6uXBBgz8zC_p-rAQ"
    )


def test_values_are_shared_between_artifacts(ln, data):
    a, b = new_artifact(ln), new_artifact(ln)
    a.features.add_values({"temperature": 31.5, "study_metadata": {"x": 1, "y": [1, 2]}, "f_ints": [1, 2, 3]})
    before = ln.FeatureValue.all_objects.count()
    b.features.add_values({"temperature": 31.5, "study_metadata": {"y": [1, 2], "x": 1}, "f_ints": (1, 2, 3)})
    assert ln.FeatureValue.all_objects.count() == before
    # ints are accepted for float features and stored as floats, so 30 and 30.0 are one value
    a.features.add_values({"temperature": 30})
    b.features.add_values({"temperature": 30.0})
    assert ln.FeatureValue.filter(feature__name="temperature", value=30.0).count() == 1
    assert (
        ln.FeatureValue.get(feature__name="temperature", links_artifact__artifact=b, value=30.0).value == 30.0
    )
    # adding the same values again changes nothing
    snapshot = counts(ln)
    a.features.add_values({"temperature": 30, "study_metadata": {"x": 1, "y": [1, 2]}})
    assert counts(ln) == snapshot


def test_several_values_are_a_set(ln, data):
    artifact = new_artifact(ln)
    artifact.features.add_values({"temperature": 20.5, "perturbation": "TNF"})
    artifact.features.add_values({"temperature": 21.5, "perturbation": ["DMSO"]})
    values = artifact.features.get_values()
    assert values == {"perturbation": {"TNF", "DMSO"}, "temperature": {20.5, 21.5}}
    artifact.features.add_values({"study_metadata": {"a": 1}})
    artifact.features.add_values({"study_metadata": {"a": 2}})
    assert artifact.features.get_values()["study_metadata"] == [{"a": 1}, {"a": 2}]  # dicts cannot form a set


def test_typed_values(ln, data):
    artifact = new_artifact(ln)
    when = dt.datetime(2025, 5, 8, 7, 32, 21, tzinfo=dt.UTC)
    artifact.features.add_values(
        {
            "date_of_study": dt.date(2025, 2, 13),
            "f_count": 3,
            "f_flag": False,
            "f_score": 7,
            "f_when": when,
            "f_ints": [1, 2],
            "f_tags": ["a", "b"],
        }
    )
    values = artifact.features.get_values()
    assert values["date_of_study"] == dt.date(2025, 2, 13)
    assert values["f_count"] == 3 and isinstance(values["f_count"], int)
    assert values["f_flag"] is False
    assert values["f_score"] == 7 and isinstance(values["f_score"], int)  # num keeps ints
    assert values["f_when"] == when
    assert values["f_ints"] == [1, 2]
    assert values["f_tags"] == ["a", "b"]
    other = new_artifact(ln)
    other.features.add_values({"f_when": "2025-05-08T07:32:21+00:00"})
    assert other.features.get_values()["f_when"] == when


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("temperature", "21.6", "expected a number"),
        ("temperature", True, "expected a number"),
        ("temperature", float("nan"), "expected a number"),
        ("temperature", [21.6], "expected a number"),
        ("f_count", 1.5, "expected an integer"),
        ("f_count", True, "expected an integer"),
        ("f_flag", 1, "expected a bool"),
        ("study_note", 5, "expected a string"),
        ("date_of_study", "2024-13-01", "expected a datetime.date or a 'YYYY-MM-DD' string"),
        ("date_of_study", "01.12.2024", "expected a datetime.date"),
        ("date_of_study", dt.datetime(2024, 12, 1, 10), "expected a datetime.date"),
        ("f_when", "yesterday", "expected a datetime.datetime or an ISO 8601 string"),
        ("study_metadata", "{}", "expected a dict"),
        ("study_metadata", {"a": {1, 2}}, "expected a dict"),
        ("f_ints", [1, "2"], "expected a list whose elements are each an integer"),
        ("f_ints", 1, "expected a list"),
        ("perturbation", 5, "expected a label name, a record, or a list of them"),
        ("perturbation", [], "expected a label name"),
        ("perturbation", None, "expected a label name"),
    ],
)
def test_wrong_type_names_feature_value_and_dtype(ln, data, name, value, expected):
    from lamin_core.errors import ValidationError

    artifact = new_artifact(ln)
    dtype = data["features"][name].dtype
    snapshot = counts(ln)
    with pytest.raises(ValidationError) as error:
        artifact.features.add_values({name: value})
    message = str(error.value)
    assert f"  {name}: got {value!r}"[:30] in message
    assert expected in message and f"(dtype '{dtype}')" in message
    assert counts(ln) == snapshot


def test_unknown_features_are_listed_with_the_valid_ones(ln, data):
    from lamin_core.errors import ValidationError

    artifact = new_artifact(ln)
    snapshot = counts(ln)
    with pytest.raises(ValidationError) as error:
        artifact.features.add_values({"temperature": 20.0, "temprature": 20.0, "cell_count": 5})
    message = str(error.value)
    assert message.startswith("These keys could not be validated: ['temprature', 'cell_count']\n")
    assert "Valid feature names:" in message and "'temperature'" in message and "'study_note'" in message
    assert "ln.Feature(name='cell_count', dtype='int').save()" in message
    assert counts(ln) == snapshot


def test_unknown_labels_are_listed_and_nothing_is_written(ln, data):
    from lamin_core.errors import ValidationError

    artifact = new_artifact(ln)
    snapshot = counts(ln)
    with pytest.raises(ValidationError) as error:
        artifact.features.add_values(
            {"temperature": 25.0, "perturbation": ["DMSO", "LPS", "PMA"], "f_count": "many"}
        )
    message = str(error.value)
    assert "perturbation: labels not found in ULabel: 'LPS', 'PMA' (dtype 'cat[ULabel]')" in message
    assert "ln.ULabel(name='LPS').save()" in message
    assert "f_count: got 'many' (str), expected an integer (dtype 'int')" in message
    assert counts(ln) == snapshot
    assert artifact.features.get_values() == {}


def test_failure_while_writing_leaves_nothing(ln, data, monkeypatch):
    """A database error after the values were inserted rolls everything back (fault injection)."""
    from django.db import IntegrityError

    from lamin_core.models import ArtifactULabel

    artifact = new_artifact(ln)
    snapshot = counts(ln)

    def failing_bulk_create(*args, **kwargs):
        raise IntegrityError("injected failure")

    # the label links are written last: values and value links exist by then
    monkeypatch.setattr(ArtifactULabel.objects, "bulk_create", failing_bulk_create)
    with pytest.raises(IntegrityError, match="injected failure"):
        artifact.features.add_values({"temperature": 99.5, "perturbation": "DMSO", "study_note": "unique 1"})
    monkeypatch.undo()
    assert counts(ln) == snapshot
    assert not ln.FeatureValue.filter(value="unique 1").exists()
    artifact.features.add_values({"temperature": 99.5, "perturbation": "DMSO", "study_note": "unique 1"})
    assert artifact.features.get_values() == {
        "perturbation": "DMSO",
        "study_note": "unique 1",
        "temperature": 99.5,
    }


def test_label_records_as_values(ln, data):
    from lamin_core.errors import ValidationError

    labels = data["labels"]
    artifact = new_artifact(ln)
    artifact.features.add_values({"perturbation": labels["IFNG"]})
    artifact.features.add_values({"perturbation": [labels["TNF"], "DMSO"]})
    assert artifact.features.get_values() == {"perturbation": {"IFNG", "TNF", "DMSO"}}
    with pytest.raises(ValidationError, match="save ULabel"):
        artifact.features.add_values({"perturbation": ln.ULabel(name="unsaved")})
    with pytest.raises(ValidationError, match=r"is not a record of ULabel \(dtype 'cat\[ULabel\]'\)"):
        artifact.features.add_values({"perturbation": data["features"]["temperature"]})


def test_list_of_labels(ln, data):
    artifact = new_artifact(ln)
    artifact.features.add_values({"f_label_list": ["DMSO", "TNF"]})
    assert artifact.features.get_values() == {"f_label_list": {"DMSO", "TNF"}}


def test_label_sub_types(ln, data):
    from lamin_core.errors import ValidationError

    medium_type = ln.ULabel(name="CellMedium", is_type=True).save()
    ln.ULabel(name="RPMI", type=medium_type).save()
    feature = ln.Feature(name="f_medium", dtype=medium_type).save()
    assert feature.dtype == "cat[ULabel[CellMedium]]"
    artifact = new_artifact(ln)
    artifact.features.add_values({"f_medium": "RPMI"})
    assert artifact.features.get_values() == {"f_medium": "RPMI"}
    with pytest.raises(ValidationError, match="labels not found in ULabel of type 'CellMedium': 'DMSO'"):
        artifact.features.add_values({"f_medium": "DMSO"})
    with pytest.raises(ValidationError, match="is not of type 'CellMedium'"):
        artifact.features.add_values({"f_medium": data["labels"]["DMSO"]})


def test_bare_cat_becomes_cat_ulabel(ln, data):
    feature = ln.Feature(name="f_bare_cat", dtype="cat").save()
    artifact = new_artifact(ln)
    artifact.features.add_values({"f_bare_cat": "DMSO"})
    assert ln.Feature.get(name="f_bare_cat").dtype == "cat[ULabel]"
    assert feature.pk == ln.Feature.get(name="f_bare_cat").pk


def test_module_registries_are_checked_when_values_arrive(ln, data):
    from lamin_core.errors import ValidationError

    ln.Feature(name="f_sample", dtype="cat[wetlab.Biosample]").save()  # accepted by syntax
    artifact = new_artifact(ln)
    with pytest.raises(
        ValidationError, match=r"registry 'wetlab\.Biosample' of a categorical feature is not available"
    ):
        artifact.features.add_values({"f_sample": "sample 1"})


def bionty_models():
    """The bionty registries if this instance has the module, else skip."""
    from django.apps import apps

    if not apps.is_installed("lamin_core.bionty"):
        pytest.skip("instance without the bionty module")
    return apps.get_app_config("bionty")


def raw_record(model, **fields):
    """A record saved with Django's plain init (no source look-ups)."""
    from django.db.models import Model

    record = model.__new__(model)
    Model.__init__(record, **fields)
    return model.objects.bulk_create([record])[0]


def test_ontology_registry_values(ln, data):
    from lamin_core.errors import ValidationError

    cell_type = bionty_models().get_model("CellType")
    t_cell = raw_record(cell_type, name="test T cell", ontology_id="CL:9990084")
    raw_record(cell_type, name="test B cell", ontology_id="CL:9990236")
    by_expert = ln.Feature(name="f_cell_type_by_expert", dtype="cat[bionty.CellType]").save()
    by_id = ln.Feature(name="f_cell_type_id", dtype="cat[bionty.CellType.ontology_id]").save()
    either = ln.Feature(name="f_label_or_cell_type", dtype="cat[ULabel|bionty.CellType]").save()
    artifact = new_artifact(ln)
    artifact.features.add_values(
        {
            by_expert.name: ["test T cell", "test B cell"],
            by_id.name: "CL:9990084",
            either.name: ["DMSO", "test B cell"],
            "perturbation": "IFNG",
        }
    )
    assert artifact.features.get_values() == {
        "f_cell_type_by_expert": {"test T cell", "test B cell"},
        "f_cell_type_id": "test T cell",  # labels are shown by name, like LaminDB
        "f_label_or_cell_type": {"DMSO", "test B cell"},
        "perturbation": "IFNG",
    }
    assert set(artifact.cell_types.values_list("name", flat=True)) == {"test T cell", "test B cell"}
    with pytest.raises(ValidationError, match=r"labels not found in bionty\.CellType: 'test NK cell'"):
        artifact.features.add_values({by_expert.name: "test NK cell"})
    with pytest.raises(ValidationError, match=r"is not a record of bionty\.CellType"):
        artifact.features.add_values({by_expert.name: data["labels"]["DMSO"]})
    artifact.features.remove_values(by_id.name, value="CL:9990084")
    assert by_id.name not in artifact.features.get_values()
    artifact.features.remove_values(by_expert.name, value=t_cell)
    assert artifact.features.get_values()["f_cell_type_by_expert"] == "test B cell"
    text = artifact.describe(return_str=True)
    features = artifact.features.describe(return_str=True)
    assert features.startswith("Features\n└── Linked features\n")
    assert "f_cell_type_by_expert  cat[bionty.CellType]         test B cell" in features
    assert ".cell_types  bionty.CellType  test B cell" in text
    assert ".ulabels     ULabel           DMSO, IFNG" in text
    with CaptureQueriesContext(connection) as queries:
        artifact.features.get_values()
    assert len(queries.captured_queries) == 2  # one query over all label link tables


def test_feature_link_replaces_plain_label_link(ln, data):
    from lamin_core.models import ArtifactULabel

    artifact = new_artifact(ln)
    artifact.ulabels.add(data["labels"]["DMSO"], data["labels"]["Experiment X"])
    artifact.features.add_values({"perturbation": "DMSO"})
    links = sorted(
        ArtifactULabel.objects.filter(artifact=artifact).values_list("ulabel__name", "feature__name"),
        key=str,
    )
    assert links == [("DMSO", "perturbation"), ("Experiment X", None)]
    assert set(artifact.ulabels.values_list("name", flat=True)) == {"DMSO", "Experiment X"}
    # plain labels are not feature values
    assert artifact.features.get_values() == {"perturbation": "DMSO"}


def test_unsaved_artifact(ln, data):
    from django.db.models import Model

    from lamin_core.errors import ValidationError

    artifact = ln.Artifact.__new__(ln.Artifact)
    Model.__init__(artifact, key="unsaved.csv", suffix=".csv", storage=ln.Storage.get(1))
    with pytest.raises(ValidationError, match="save the Artifact before annotating it"):
        artifact.features.add_values({"temperature": 1.0})
    assert artifact.features.get_values() == {}
    with pytest.raises(TypeError, match="expects a dict"):
        new_artifact(ln).features.add_values([("temperature", 1.0)])


def test_add_values_needs_few_queries(ln, data):
    artifact = new_artifact(ln)
    values = {
        "temperature": 30.5,
        "perturbation": "IFNG",
        "study_note": "note q",
        "study_metadata": {"d": "q"},
    }
    with CaptureQueriesContext(connection) as queries:
        artifact.features.add_values(values)
    statements = [
        q["sql"] for q in queries.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    # features, labels, existing values, new values, value links, label links, stale label links
    assert len(statements) <= 8, statements
    with CaptureQueriesContext(connection) as queries:
        artifact.features.get_values()
    assert len(queries.captured_queries) == 2


# -- remove_values -------------------------------------------------------------------------------------------


def test_remove_values(ln, data):
    from lamin_core.errors import ValidationError

    artifact = new_artifact(ln)
    artifact.features.add_values({**GUIDE_VALUES, "perturbation": ["DMSO", "IFNG", "TNF"]})
    artifact.features.remove_values("perturbation", value="TNF")
    artifact.features.remove_values("perturbation", value=data["labels"]["IFNG"])
    assert artifact.features.get_values()["perturbation"] == "DMSO"
    artifact.features.remove_values(data["features"]["perturbation"])
    assert "perturbation" not in artifact.features.get_values()
    artifact.features.remove_values("temperature", value=22.0)  # not annotated: nothing happens
    assert artifact.features.get_values()["temperature"] == 21.6
    artifact.features.remove_values("temperature", value=21.6)
    artifact.features.remove_values("study_metadata", value={"detail2": 1, "detail1": "123"})
    artifact.features.remove_values("date_of_study")
    assert artifact.features.get_values() == {"study_note": GUIDE_VALUES["study_note"]}
    # the values themselves stay for other artifacts
    assert ln.FeatureValue.filter(feature__name="temperature", value=21.6).exists()
    with pytest.raises(ValidationError, match=r"These keys could not be validated: \['nope'\]"):
        artifact.features.remove_values("nope")
    with pytest.raises(ValidationError, match="is not a value of feature 'temperature'"):
        artifact.features.remove_values("temperature", value="hot")


# -- FeatureValue.get_or_create (used by bulk loaders such as the benchmark) ---------------------------------


def test_feature_value_get_or_create(ln, data):
    from lamin_core.errors import ValidationError

    temperature, metadata = data["features"]["temperature"], data["features"]["study_metadata"]
    value, created = ln.FeatureValue.get_or_create(feature=temperature, value=41.5)
    assert created and value.value == 41.5 and value.hash is None
    again, created = ln.FeatureValue.get_or_create(feature=temperature, value=41.5)
    assert not created and again.pk == value.pk
    meta, _ = ln.FeatureValue.get_or_create(feature=metadata, value={"detail1": "123", "detail2": 1})
    assert meta.hash == "nJ33A6k51yp-1ZlqFabWdw"
    assert (
        ln.FeatureValue.get_or_create(feature=metadata, value={"detail2": 1, "detail1": "123"})[0].pk
        == meta.pk
    )
    with pytest.raises(ValidationError, match="expected a number"):
        ln.FeatureValue.get_or_create(feature=temperature, value="warm")
    assert ln.FeatureValue(feature=metadata, value={"a": 1}).hash is not None


# -- describe ------------------------------------------------------------------------------------------------


def test_describe(ln, data, capsys):
    artifact = new_artifact(ln, ".h5ad")
    artifact.features.add_values(GUIDE_VALUES)
    artifact.ulabels.add(data["labels"]["Experiment X"])
    assert artifact.describe() is None
    text = capsys.readouterr().out
    lines = text.splitlines()
    assert lines[0] == "Artifact .h5ad"
    for expected in (
        f"│   ├── .uid = '{artifact.uid}'",
        f"│   ├── .key = '{artifact.key}'",
        "│   ├── .suffix = '.h5ad'",
        f"│   ├── .size = {artifact.size}",
        f"│   ├── .hash = '{artifact.hash}'",
        f"│   ├── .storage = {ln.Storage.get(1).root}",
        "│   ├── .created_by = testuser1 (Test User1)",
        "├── Linked features",
        "└── Labels",
    ):
        assert expected in lines, (expected, text)
    joined = "\n".join(lines)
    assert "date_of_study   date         2024-12-01" in joined
    assert "perturbation    cat[ULabel]  DMSO, IFNG" in joined
    assert "study_metadata  dict         {'detail1': '123', 'detail2': 1}" in joined
    assert "temperature     float        21.6" in joined
    assert ".ulabels  ULabel  DMSO, Experiment X, IFNG" in joined
    assert artifact.describe(return_str=True) == text.rstrip("\n")


def test_describe_shows_schema_features_as_dataset_features(ln, data):
    from lamin_core.models import ArtifactSchema

    artifact = new_artifact(ln)
    artifact.features.add_values({"temperature": 23.5, "study_note": "in a schema"})
    schema = ln.Schema(features=[data["features"]["temperature"], data["features"]["f_count"]]).save()
    ArtifactSchema(artifact=artifact, schema=schema, slot="columns").save()
    text = artifact.describe(return_str=True)
    assert "├── Dataset features\n│   └── columns • 2  [Feature]" in text
    assert "temperature  float  23.5" in text
    assert "f_count      int" in text
    assert "└── study_note  str  in a schema" in text
    assert repr(artifact.features).startswith("Features\n")


def test_filters_and_frames_read_every_label_link_table(ln, data):
    """Ontology-typed features are found by feature filters and shown by `df(features=[...])`."""
    import math

    from django.db.models import Q

    from lamin_core.errors import ValidationError

    cell_type = bionty_models().get_model("CellType")
    t_cell = raw_record(cell_type, name="flt T cell", ontology_id="CL:9991084")
    b_cell = raw_record(cell_type, name="flt B cell", ontology_id="CL:9991236")
    raw_record(cell_type, name="flt CD8 T cell", ontology_id="CL:9991625")
    ln.Feature(name="flt_by_expert", dtype=cell_type).save()
    ln.Feature(name="flt_by_model", dtype="cat[bionty.CellType.ontology_id]").save()
    ln.Feature(name="flt_mixed", dtype="cat[ULabel|bionty.CellType]").save()
    first, second, third = new_artifact(ln), new_artifact(ln), new_artifact(ln)
    first.features.add_values(
        {
            "flt_by_expert": ["flt CD8 T cell", "flt B cell"],
            "flt_by_model": ["CL:9991084", "CL:9991236"],
            "flt_mixed": "DMSO",
        }
    )
    second.features.add_values({"flt_by_expert": "flt T cell", "flt_mixed": "flt B cell"})
    ours = ln.Artifact.filter(id__in=[first.id, second.id, third.id])

    def ids(queryset) -> list[int]:
        return sorted(queryset.values_list("id", flat=True))

    one, two, three = first.id, second.id, third.id
    assert ids(ours.filter(flt_by_expert=b_cell)) == [one]
    assert ids(ours.filter(flt_by_expert=t_cell)) == [two]
    assert ids(ours.filter(flt_by_expert__in=[t_cell, b_cell])) == [one, two]
    assert ids(ours.filter(flt_by_expert="flt T cell")) == [two]  # by name, as LaminDB 2.x
    assert ids(ours.filter(flt_by_expert__in=["flt T cell", "flt B cell"])) == [one, two]
    assert ids(ours.filter(flt_by_model="CL:9991084")) == [one]  # the dtype's field
    assert ids(ours.filter(flt_by_model=t_cell)) == [one]
    assert ids(ours.filter(flt_by_expert__ontology_id="CL:9991625")) == [one]
    assert ids(ours.filter(flt_by_expert__name__icontains="cd8")) == [one]
    assert ids(ours.filter(Q(flt_by_expert=t_cell) | Q(flt_mixed="DMSO"))) == [one, two]
    assert ids(ours.exclude(flt_by_expert=b_cell)) == [two, three]
    assert ids(ours.filter(flt_by_expert=b_cell, key__startswith="features-test/")) == [one]
    assert ids(ours.filter(flt_mixed=b_cell)) == [two]  # through ArtifactCellType
    assert ids(ours.filter(flt_mixed=data["labels"]["DMSO"])) == [one]  # through ArtifactULabel
    assert ids(ours.filter(flt_mixed__in=["DMSO", "flt B cell"])) == [one, two]
    with pytest.raises(ValidationError, match=r"takes labels of bionty\.CellType; got a ULabel record"):
        ours.filter(flt_by_expert=data["labels"]["DMSO"])

    frame = ours.df(features=["flt_by_expert", "flt_by_model", "flt_mixed"])
    assert frame.loc[one, "flt_by_expert"] == {"flt CD8 T cell", "flt B cell"}
    assert frame.loc[one, "flt_by_model"] == {"flt T cell", "flt B cell"}  # shown by name
    assert (frame.loc[one, "flt_mixed"], frame.loc[two, "flt_mixed"]) == ("DMSO", "flt B cell")
    assert frame.loc[two, "flt_by_expert"] == "flt T cell"
    assert math.isnan(frame.loc[two, "flt_by_model"]) and math.isnan(frame.loc[three, "flt_by_expert"])
    # features=True keeps LaminDB 1.5.3's rule: only cat[ULabel...] and non-categorical features
    shown = ours.df(features=True)
    assert not {"flt_by_expert", "flt_by_model"} & set(shown.columns)
    assert shown.loc[two, "flt_mixed"] == "flt B cell"  # cat[ULabel|...]: every registry it names
