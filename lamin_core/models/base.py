"""Abstract bases every registry builds on: visibility, tracking, versioning, printing."""

from __future__ import annotations

from datetime import UTC, datetime

from django.db import DatabaseError, models
from django.db.models import DEFERRED
from django.utils import timezone

from .. import hooks, plugins
from ..errors import RecordDeletedError
from ..query.ancestry import HasParents
from ..query.curation import CanCurate
from ..query.manager import RegistryManager, VisibleManager
from ..query.protection import protected_error
from ._defaults import current_run_id, current_user_id
from ._validation import check_init_kwargs as check_init_kwargs  # re-exported for the registries
from ._validation import check_required, positional_error, validate_init
from .pending import PendingSave

_REPR_EXCLUDE = ("id", "updated_at", "source_code")
# _branch_code values
BRANCH_TRASH, BRANCH_ARCHIVE, BRANCH_MAIN = -1, 0, 1


# as LaminDB 1.5.3: records saved while `ln.track(project=...)` is active are linked to the project; records
# created while `ln.track(space=...)` is active belong to the space, except these shared registries
_PROJECT_REGISTRIES = frozenset(
    {"Artifact", "Transform", "Run", "ULabel", "Feature", "Schema", "Collection", "Reference"}
)
_SHARED_REGISTRIES = frozenset({"Storage", "ULabel", "Feature", "Schema", "Param"})


def _default_space(model: type[models.Model], kwargs: dict) -> None:
    if "space" in kwargs or "space_id" in kwargs or model._meta.app_label != "lamin_core":
        return  # given explicitly; ontology records (the bionty app) stay in the common space
    if any(field.name == "space" for field in model._meta.concrete_fields):
        kwargs["space"] = hooks.run_context().space


def _format_value(name: str, value: object) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    if name == "version" or isinstance(value, str):
        return f"'{value}'"
    return str(value)


def deleted_error(record: models.Model) -> RecordDeletedError:
    """The error of saving a loaded record whose row was deleted since (by another process?)."""
    model = type(record)
    name = model.__name__
    uid = record.__dict__.get("uid")
    which = f"{name} '{uid}'" if uid else f"{name} with id {record.pk}"
    prefix = plugins.code_prefix(model._meta.app_label) or model._meta.app_label
    if name == "Artifact":
        how = "a new artifact from its data: ln.Artifact(data, key=...).save()"
    elif name == "Collection":
        how = "a new collection: ln.Collection(artifacts, key=...).save()"
    else:
        how = f"a new record: {prefix}.{name}(...).save()"
    return RecordDeletedError(
        f"{which} was deleted since it was loaded (by another process?); nothing was saved. "
        f"To save it again, create {how}"
    )


class BaseRecord(CanCurate, HasParents, models.Model):
    """A registry record: Django model plus the registry-level verbs (`df`, `filter`, `get`)."""

    objects = RegistryManager()
    _on_load: hooks.Hook | None = None  # called with each row loaded from the database (Artifact's)
    _pending: PendingSave | None = None  # what the constructor prepared for save() (models/pending.py)

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        """A row loaded from the database, built by Django's own `Model.__init__`: the `__init__` of the
        registries sees only the calls of users (and checks them)."""
        if len(values) != len(cls._meta.concrete_fields):
            given = iter(values)
            values = [
                next(given) if f.attname in field_names else DEFERRED for f in cls._meta.concrete_fields
            ]
        record = cls.__new__(cls)
        models.Model.__init__(record, *values)
        record._state.adding = False
        record._state.db = db
        if cls._on_load is not None:
            cls._on_load(record)
        return record

    def __init__(self, *args, **kwargs):
        """`Registry(field=value, ...)`: keyword arguments only, checked (`_validation.validate_init`).

        All concrete field values given positionally (Django's own convention for a row in full) are not
        checked; any other positional call is refused, as in LaminDB 1.5.3. Rows loaded from the database
        do not come here (`from_db`).
        """
        if args:
            if len(args) != len(self._meta.concrete_fields):
                raise positional_error(type(self))
        else:
            # without keywords: an empty record that code fills field by field, checked on save()
            given = bool(kwargs)
            if hooks.run_context().space is not None and type(self).__name__ not in _SHARED_REGISTRIES:
                _default_space(type(self), kwargs)
            if given:
                validate_init(type(self), kwargs)
        super().__init__(*args, **kwargs)

    def save(self, *args, **kwargs):
        """Save the record and return it, so that `Registry(...).save()` chains.

        A record loaded from the database (or saved before) is updated, never inserted again: if another
        process deleted its row since, `RecordDeletedError` says so and nothing is written. Django's own
        `save()`, and so LaminDB 1.5.3's, would insert the row again with its old id and uid (or, with
        `update_fields`, raise a bare `DatabaseError: Save with update_fields did not affect any rows`):
        a label, feature or run someone deleted on purpose would silently come back, a collection without
        its artifacts, an artifact pointing to a file that is gone. The in-memory record keeps its values;
        to keep it, create it anew.
        """
        if self._state.adding:
            check_required(self)
        elif self.pk is not None and not args and not kwargs.get("force_insert"):
            kwargs.setdefault("force_update", True)  # an UPDATE that finds no row raises, never INSERTs
        try:
            super().save(*args, **kwargs)
        except DatabaseError as error:
            if self._state.adding or "did not affect any rows" not in str(error):
                raise
            raise deleted_error(self) from None
        project = hooks.run_context().project
        if project is not None and type(self).__name__ in _PROJECT_REGISTRIES and self._branch_code >= 1:
            self.projects.add(project)  # `ln.track(project=...)`: what the run saves belongs to the project
        return self

    def delete(self, *args, **kwargs):
        """Delete the record for good; one that other records still refer to is refused, naming them."""
        try:
            return super().delete(*args, **kwargs)
        except (models.ProtectedError, models.RestrictedError) as e:
            raise protected_error(repr(self), e) from e

    def __repr__(self) -> str:
        # LaminDB's layout: uid, plain fields, foreign-key ids, created_at; no private or None values
        fields = self._meta.concrete_fields
        names = [f.attname for f in fields if not f.is_relation and f.name not in _REPR_EXCLUDE]
        names += [f.attname for f in fields if f.is_relation]
        names = (["uid"] if "uid" in names else []) + [n for n in names if n not in ("uid", "created_at")]
        names += ["created_at"] if any(f.name == "created_at" for f in fields) else []
        parts = []
        for name in names:
            value = getattr(self, name, None)
            if value is not None and not name.startswith("_"):
                parts.append(f"{name}={_format_value(name, value)}")
        return f"{type(self).__name__}({', '.join(parts)})"

    __str__ = __repr__

    @classmethod
    def filter(cls, *queries, **expressions):
        """The visible records that match (Django lookups)."""
        return cls.objects.filter(*queries, **expressions)

    @classmethod
    def get(cls, idlike: int | str | None = None, **expressions):
        """One visible record by id, uid, uid prefix or fields."""
        return cls.objects.get_record(idlike, **expressions)

    @classmethod
    def df(cls, limit: int | None = 100, **kwargs):
        """The most recently updated records as a DataFrame indexed by id."""
        return cls.objects.df(limit=limit, **kwargs)

    @classmethod
    def to_dataframe(cls, limit: int | None = 100, **kwargs):
        """2.x name of `df()`."""
        return cls.df(limit=limit, **kwargs)

    @classmethod
    def lookup(cls, field: str | None = None, return_field: str | None = None):
        """A Lookup object: records as tab-completable attributes named after `field`."""
        return cls.objects.all().lookup(field=field, return_field=return_field)

    @classmethod
    def search(
        cls,
        string: str,
        field: str | list[str] | None = None,
        limit: int | None = 20,
        case_sensitive: bool = False,
    ):
        """Visible records matching `string`, best first."""
        return cls.objects.all().search(string, field=field, limit=limit, case_sensitive=case_sensitive)


class Record(BaseRecord):
    """A record with a space, a branch (visible, archive, trash) and private auxiliary data."""

    space = models.ForeignKey("lamin_core.Space", models.PROTECT, default=1, db_default=1, related_name="+")
    _aux = models.JSONField(null=True, default=None)
    # not indexed: nearly every row is visible, and without planner statistics SQLite would pick this index
    # for `_branch_code = 1` and walk the whole table instead of using the index of the real filter or order
    _branch_code = models.SmallIntegerField(default=BRANCH_MAIN, db_default=BRANCH_MAIN)

    objects = VisibleManager()
    all_objects = RegistryManager()

    class Meta:
        abstract = True


class TracksCreation(models.Model):
    """Who created a record and when."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    created_by = models.ForeignKey(
        "lamin_core.User", models.PROTECT, default=current_user_id, related_name="+", editable=False
    )

    class Meta:
        abstract = True


class TracksRun(TracksCreation):
    """Creation plus the run that created a record."""

    run = models.ForeignKey(
        "lamin_core.Run", models.PROTECT, null=True, default=current_run_id, related_name="+"
    )

    class Meta:
        abstract = True


class TracksUpdates(models.Model):
    """When a record last changed; set on save, left as given by bulk inserts."""

    updated_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            self.updated_at = timezone.now()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "updated_at"}
        return super().save(*args, **kwargs)


class IsVersioned(models.Model):
    """A version tag and whether a record is the latest of its version family."""

    version = models.CharField(max_length=30, null=True, default=None, db_index=True)
    is_latest = models.BooleanField(default=True, db_default=True, db_index=True)

    class Meta:
        abstract = True


class Link(BaseRecord):
    """A row of a link table: who created it, when, in which run."""

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        "lamin_core.User", models.PROTECT, default=current_user_id, related_name="+", editable=False
    )
    run = models.ForeignKey(
        "lamin_core.Run", models.PROTECT, null=True, default=current_run_id, related_name="+"
    )

    class Meta:
        abstract = True
