"""LaminDB 1.5.3's error API: `ln.errors` names, the errors of bad queries, `search()` arguments.

Our errors are supersets: a missing record is the registry's own DoesNotExist and `ln.errors.DoesNotExist`
at once; an unknown constructor field is `FieldValidationError` and `TypeError`.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import FieldError
from django.db import transaction

LAMINDB_ERRORS = (
    "ValidationError",
    "InvalidArgument",
    "TrackNotCalled",
    "NotebookNotSaved",
    "DoesNotExist",
    "InconsistentKey",
    "RecordNameChangeIntegrityError",
    "FieldValidationError",
    "IntegrityError",
    "MissingContextUID",
    "UpdateContext",
    "NoWriteAccess",
)


@pytest.fixture(scope="module")
def labels(ln):
    with transaction.atomic():
        yield [ln.ULabel(name=name).save() for name in ("err T cell", "err t cells", "err B cell")]
        transaction.set_rollback(True)


def test_ln_errors_has_lamindb_names(ln):
    for name in LAMINDB_ERRORS:
        assert issubclass(getattr(ln.errors, name), BaseException), name
    assert issubclass(ln.errors.ValidationError, ValueError)


def test_missing_records_raise_both_does_not_exist_classes(ln, labels):
    for call in (
        lambda: ln.ULabel.filter(name="err nothing").one(),
        lambda: ln.ULabel.get("zzzzzzzz"),
        lambda: ln.ULabel.get(10**9),
        lambda: ln.ULabel.get(name="err nothing"),
    ):
        with pytest.raises(ln.errors.DoesNotExist) as error:
            call()
        assert isinstance(error.value, ln.ULabel.DoesNotExist)
    assert ln.ULabel.filter(name="err nothing").one_or_none() is None


def test_unknown_constructor_field_is_a_field_validation_error(ln):
    with pytest.raises(
        ln.errors.FieldValidationError, match="ULabel has no field 'nam'; did you mean 'name'"
    ):
        ln.ULabel(nam="x")
    with pytest.raises(TypeError):
        ln.ULabel(nam="x")


def test_a_name_given_to_a_relation_suggests_the_name_field(ln, labels):
    with pytest.raises(
        FieldError, match=r"^Invalid lookup 'DMSO' for ulabels\. Did you mean ulabels__name\?$"
    ):
        ln.Artifact.filter(ulabels="DMSO")
    with pytest.raises(FieldError, match=r"Did you mean created_by__handle\?"):
        ln.ULabel.filter(created_by="testuser1")
    assert ln.ULabel.filter(created_by=1, name="err T cell").count() == 1  # an id stays an id


def test_unknown_fields_list_the_available_ones(ln, labels):
    with pytest.raises(
        FieldError, match=r"^Unknown field 'nme'\. Available fields: .*\bname\b.* Did you mean 'name'\?$"
    ):
        ln.ULabel.filter(nme="x")
    with pytest.raises(ln.errors.InvalidArgument) as error:  # also a FieldError, as Django's
        ln.Artifact.filter(nonexistent="value")
    assert isinstance(error.value, FieldError)
    fields = (
        str(error.value).split("\n")[0].removeprefix("You can query either by available fields: ").split(", ")
    )
    assert {"cell_types", "id", "key", "projects", "references", "transform", "ulabels", "visibility"} <= set(
        fields
    )
    assert not any(name.startswith(("_", "links_")) for name in fields) and fields == sorted(fields)
    assert str(error.value).endswith("\nOr fix invalid feature names: nonexistent")
    with pytest.raises(FieldError, match=r"^Unknown field 'nonexistent'\. Available fields: cell_lines, "):
        ln.Artifact.get(nonexistent="value")


def test_search_arguments(ln, labels):
    with pytest.raises(
        ln.errors.InvalidArgument, match=r"^Cannot search for None value! Please pass a valid string\.$"
    ):
        ln.ULabel.search(None)
    with pytest.raises(ValueError):
        ln.ULabel.search(None)
    found = ln.ULabel.filter(name__startswith="err ").search("T cell", case_sensitive=True)
    assert list(found.values_list("name", flat=True)) == ["err T cell"]
    either = set(ln.ULabel.filter(name__startswith="err ").search("T cell").values_list("name", flat=True))
    assert {"err T cell", "err t cells"} <= either


def test_bad_text_and_arguments_are_clear_errors(ln, labels):
    for text, message in (("T\x00cell", "contains a NUL character"), ("T\ud800", "is not valid Unicode")):
        with pytest.raises(ln.errors.InvalidArgument, match=message):
            ln.ULabel.search(text)
        with pytest.raises(ValueError):
            ln.Artifact.search(text)
    with pytest.raises(ln.errors.InvalidArgument, match=r"get\(\) needs an id, a uid or a uid prefix, got"):
        ln.Artifact.get("")  # an empty prefix would match every record
    for call in (lambda: ln.Artifact.filter(123), lambda: ln.ULabel.objects.exclude("x")):
        with pytest.raises(ln.errors.InvalidArgument, match=r"\(\) takes Q objects and field=value keywords"):
            call()
