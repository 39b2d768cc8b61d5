"""Registry constructors as in LaminDB 1.5.3: keyword arguments only, known fields, required fields, field
types and literal choices are checked before a record exists, on every registry (the base class).

Every test runs in a transaction that is rolled back: the session instance is left as it was.
"""

from __future__ import annotations

import re
import warnings

import pytest
from django.db import transaction


@pytest.fixture
def ln(instance):
    import lamin_core

    with transaction.atomic():
        yield lamin_core
        transaction.set_rollback(True)


@pytest.fixture
def transform(ln):
    return ln.Transform(key="constructors/t.py", type="script").save()


# -- positional arguments ------------------------------------------------------------------------------------


def test_run_takes_the_transform_positionally_and_never_as_its_id(ln, transform):
    run = ln.Run(transform)
    assert run.id is None and run.transform == transform and run.reference is None
    run.save()
    assert ln.Run.get(run.id).transform_id == transform.id
    second = ln.Run(transform, reference="test1", reference_type="test2")
    assert (second.reference, second.reference_type) == ("test1", "test2") and second.uid != run.uid


def test_run_argument_errors(ln, transform):
    from lamin_core.errors import FieldValidationError

    with pytest.raises(ValueError, match=re.escape("Only one non-keyword arg allowed: transform")):
        ln.Run(1, 2)
    with pytest.raises(FieldValidationError, match="Only one non-keyword arg allowed"):
        ln.Run(transform, transform=transform)
    with pytest.raises(TypeError, match="Pass transform parameter"):
        ln.Run()
    with pytest.raises(TypeError, match="Pass transform parameter"):
        ln.Run(reference="r")
    unsaved = ln.Transform(key="constructors/unsaved.py")
    with pytest.raises(ValueError, match="Please save transform record before creating a run"):
        ln.Run(unsaved)
    with pytest.raises(ValueError, match="Please save transform record before creating a run"):
        ln.Run(transform=unsaved)
    with pytest.raises(TypeError, match="transform must be a Transform record, got str"):
        ln.Run(transform="my transform")
    assert ln.Run.filter(transform=transform).count() == 0


@pytest.mark.parametrize("registry", ["User", "ULabel", "Project", "Param", "Reference", "Storage"])
def test_positional_arguments_are_refused(ln, registry):
    from lamin_core.errors import FieldValidationError

    model = getattr(ln, registry)
    name_field = getattr(model, "_name_field", "name")
    message = f"Use keyword arguments instead of positional arguments, e.g.: {registry}({name_field}='...')"
    with pytest.raises(FieldValidationError, match=re.escape(message)) as error:
        model("an arg")
    assert isinstance(error.value, ValueError)  # 1.5.3's registries raise ValueError here


def test_rows_loaded_from_the_database_are_built_positionally(ln, transform):
    label = ln.ULabel(name="constructors-row").save()
    values = [getattr(label, f.attname) for f in ln.ULabel._meta.concrete_fields]
    copy = ln.ULabel(*values)  # Django's path: every concrete field, in order
    assert copy.pk == label.pk and copy.name == "constructors-row" and copy.uid == label.uid
    with pytest.raises(ValueError, match="keyword arguments"):
        ln.ULabel(*values[:-1])
    # what the ORM builds: deferred fields, select_related, refresh_from_db
    assert ln.ULabel.objects.only("name").get(pk=label.pk).name == "constructors-row"
    run = ln.Run(transform=transform).save()
    assert ln.Run.objects.select_related("transform").get(pk=run.pk).transform.key == transform.key
    label.refresh_from_db()


# -- required fields -----------------------------------------------------------------------------------------


def test_required_fields(ln):
    from lamin_core.errors import FieldValidationError

    with pytest.raises(FieldValidationError, match=r"name is required, e\.g\. ULabel\(name='\.\.\.'\)"):
        ln.ULabel()
    with pytest.raises(FieldValidationError, match="name is required"):
        ln.ULabel(description="test")
    with pytest.raises(FieldValidationError, match="name is required"):
        ln.ULabel(name=None)
    with pytest.raises(FieldValidationError, match="name must not be empty"):
        ln.ULabel(name="  ")
    with pytest.raises(FieldValidationError, match="name is required"):
        ln.Reference(abbr="no name")
    with pytest.raises(FieldValidationError, match="handle is required"):
        ln.User(name="Nobody")
    assert ln.ULabel.filter(description="test").count() == 0


def test_an_empty_record_is_checked_when_saved(ln):
    from lamin_core.errors import FieldValidationError

    before = ln.Project.objects.count()
    project = ln.Project()  # code may build a record empty and fill it; saving it unfilled is refused
    with pytest.raises(FieldValidationError, match="Project: name is required"):
        project.save()
    project.name = "constructors-filled"
    project.save()
    assert ln.Project.objects.count() == before + 1


def test_unknown_fields_name_the_closest_one(ln):
    from lamin_core.errors import FieldValidationError

    with pytest.raises(FieldValidationError, match=r"ULabel has no field 'x'"):
        ln.ULabel(x=1)
    with pytest.raises(FieldValidationError, match=r"has no field 'descripton'; did you mean 'description'"):
        ln.ULabel(name="p", descripton="typo")
    with pytest.raises(FieldValidationError, match="has no field 'artifacts'"):
        ln.ULabel(name="p", artifacts=[])  # a many-to-many field is set after saving, not in the constructor


# -- types and choices ---------------------------------------------------------------------------------------


def test_literal_choices(ln, transform):
    from lamin_core.errors import FieldValidationError

    with pytest.raises(FieldValidationError, match="type: 'invalid' is not a valid value; valid values are:"):
        ln.Transform(key="constructors/new-name-not-existing-123", type="invalid")
    # also where the key exists and the constructor would return that transform
    with pytest.raises(FieldValidationError, match="'Script' is not a valid value"):
        ln.Transform(key=transform.key, type="Script")
    for kind in ("pipeline", "notebook", "upload", "script", "function", "linker"):
        assert ln.Transform(key=f"constructors/{kind}", type=kind).type == kind
    assert ln.Transform.filter(key__startswith="constructors/new-name").count() == 0


def test_wrong_types(ln, transform):
    import datetime as dt

    from lamin_core.errors import FieldValidationError

    with pytest.raises(ValueError, match="`version` parameter must be `None` or `str`"):
        ln.Transform(key="constructors/v.py", version=0)
    with pytest.raises(FieldValidationError, match="key must be a str, got int 12"):
        ln.Transform(key=12)
    with pytest.raises(FieldValidationError, match="name must be a str, got int 3"):
        ln.ULabel(name=3)
    with pytest.raises(FieldValidationError, match="is_type must be True or False, got str 'yes'"):
        ln.ULabel(name="Thing", is_type="yes")
    with pytest.raises(FieldValidationError, match="is_type must not be None"):
        ln.ULabel(name="Thing", is_type=None)
    with pytest.raises(FieldValidationError, match="type must be a ULabel record, got Transform"):
        ln.ULabel(name="child", type=transform)
    with pytest.raises(FieldValidationError, match="start_date must be a date, got str"):
        ln.Project(name="p", start_date="2024-01-01")
    with pytest.raises(FieldValidationError, match="started_at must be a datetime"):
        ln.Run(transform=transform, started_at=dt.date(2024, 1, 1))
    with pytest.raises(FieldValidationError, match="transform_id must be an int"):
        ln.Run(transform_id="1")
    # every problem at once
    with pytest.raises(FieldValidationError) as error:
        ln.Project(name=1, abbr=2)
    assert "name must be a str" in str(error.value) and "abbr must be a str" in str(error.value)
    # the right types pass, as do ids and numpy scalars
    import numpy as np

    ln.Project(name="p", start_date=dt.date(2024, 1, 1), abbr="P")
    assert ln.Run(transform_id=np.int64(transform.id)).transform == transform
    assert not ln.ULabel(name="flag", is_type=np.bool_(False)).is_type


def test_values_that_do_not_fit(ln):
    from lamin_core.errors import ValidationError

    with pytest.raises(ValidationError, match="name has 151 characters, at most 150 fit"):
        ln.ULabel(name="x" * 151)
    with pytest.raises(ValidationError, match=r"`uid` must be exactly 8 characters long, got 3\."):
        ln.ULabel(name="short uid", uid="abc")
    assert len(ln.ULabel(name="x" * 150).name) == 150


def test_type_names(ln, caplog):
    from lamin_core.errors import ValidationError

    with pytest.raises(ValidationError, match="'my_type' should start with a capital letter"):
        ln.ULabel(name="my_type", is_type=True)
    with pytest.raises(ValueError, match="'sample' should start with a capital letter"):
        ln.Project(name="lab.sample", is_type=True)
    assert ln.ULabel(name="script[test_script.py]", is_type=True).is_type  # 1.5.3's exception
    assert ln.ULabel(name="my_label").name == "my_label"  # only types


def test_plural_type_name_warns(ln, capsys):
    ln.ULabel(name="MyThings", is_type=True)
    assert "name 'MyThings' for type ends with 's'" in capsys.readouterr().err


def test_bionty_and_link_registries_are_checked_too(ln, transform):
    import lamin_core.bionty as bt
    from lamin_core.errors import FieldValidationError

    with pytest.raises(FieldValidationError, match="name must be a str"):
        bt.CellType(name=5)
    artifact_link = ln.models.ArtifactULabel
    with pytest.raises(FieldValidationError, match="ulabel must be a ULabel record"):
        artifact_link(artifact_id=1, ulabel=transform)


def test_deprecated_name_of_transform(ln):
    with pytest.warns(
        FutureWarning, match="`name` will be removed soon, please pass 'constructors/old.py' to `key`"
    ):
        old = ln.Transform(name="constructors/old.py")
    assert old.key == "constructors/old.py" and old.description is None
    with pytest.warns(FutureWarning, match="please pass 'My old name' to `description` instead"):
        both = ln.Transform(key="constructors/both.py", name="My old name")
    assert both.key == "constructors/both.py" and both.description == "My old name"
    with warnings.catch_warnings(), pytest.raises(TypeError, match="either `name` or `description`"):
        warnings.simplefilter("ignore")
        ln.Transform(key="constructors/both.py", name="a", description="b")
