"""The QuerySet subclass and managers every registry uses (`Registry.filter().df()`, `Registry.df()`)."""

from __future__ import annotations

import difflib
import functools
from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist, FieldError
from django.db import models
from django.db.models import Q

from .. import errors
from .._logger import logger
from ..errors import InvalidArgument, LaminError
from ..lookup import Lookup
from .columns import available_fields, field_name, has_updated_at, name_field
from .counting import (
    counts_visible_only,
    default_branch_first,
    has_hidden_records_index,
    ids_subquery,
    visible_count,
    visible_count_in,
    visible_value_count,
)
from .curation import CurationQuerySetMixin
from .dataframe import queryset_to_frame
from .descendants import expand as expand_descendants
from .feature_filter import translate
from .features_frame import add_feature_columns
from .include import cyclic_gc_paused, include_frame
from .listing import ListingMixin
from .protection import protected_error

if TYPE_CHECKING:
    import pandas as pd

VISIBLE = 1
_SHOWN_UIDS = 3


def _split_include(include: str | list[str] | None, features: bool | list[str]) -> tuple[list[str], object]:
    """Separate the 2.x `include="features"` spelling from Django paths."""
    paths = [include] if isinstance(include, str) else list(include or [])
    if "features" in paths:
        paths.remove("features")
        features = features or True
    return paths, features


@functools.cache
def does_not_exist(model: type[models.Model]) -> type[Exception]:
    """The error of a missing record: the registry's own DoesNotExist and `ln.errors.DoesNotExist` at once."""
    return type("DoesNotExist", (model.DoesNotExist, errors.DoesNotExist), {"__module__": model.__module__})


def _keys(args: tuple, kwargs: dict) -> list[str]:
    """Every lookup key of a filter call: keyword names and the keys inside Q objects."""
    keys = list(kwargs)
    stack = [a for a in args if isinstance(a, Q)]
    while stack:
        node = stack.pop()
        for child in node.children:
            if isinstance(child, Q):
                stack.append(child)
            elif isinstance(child, tuple):  # else an expression (a `descendant_of` condition)
                keys.append(child[0])
    return keys


def _renamed(key: str, aliases: dict[str, str]) -> str:
    first, _, rest = key.partition("__")
    return aliases[first] + (f"__{rest}" if rest else "") if first in aliases else key


def _rename_q(node: Q, aliases: dict[str, str]) -> Q:
    def child(c: object) -> object:
        if isinstance(c, Q):
            return _rename_q(c, aliases)
        return (_renamed(c[0], aliases), c[1]) if isinstance(c, tuple) else c  # else an expression

    clone = node.copy()
    clone.children = [child(c) for c in node.children]
    return clone


def _check_relation_strings(model: type[models.Model], kwargs: dict) -> None:
    """`filter(ulabels="DMSO")`: a name given to a relation is a FieldError suggesting `ulabels__name`."""
    for key, value in kwargs.items():
        if "__" in key or not isinstance(value, str) or value.strip().isdigit():
            continue
        try:
            field = model._meta.get_field(key)
        except FieldDoesNotExist:
            continue
        if field.is_relation and field.related_model is not None:
            target = name_field(field.related_model) or "id"
            raise FieldError(f"Invalid lookup '{value}' for {key}. Did you mean {key}__{target}?")


def _fields_of(model: type[models.Model]) -> set[str]:
    return {f.name for f in model._meta.get_fields()} | {"pk"} | set(getattr(model, "_filter_aliases", {}))


def _unknown_field(model: type[models.Model], name: str) -> FieldError:
    """LaminDB's error for an unknown field: it lists the fields (and the closest ones)."""
    fields = available_fields(model)
    close = difflib.get_close_matches(name, fields, n=3)
    hint = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
    return FieldError(f"Unknown field '{name}'. Available fields: {', '.join(fields)}{hint}")


class RegistryQuerySet(CurationQuerySetMixin, ListingMixin, models.QuerySet):
    """A Django QuerySet with the registry verbs (`df`, `to_dataframe`, `one`, `one_or_none`, ...).

    A QuerySet of the default manager starts with the visibility condition `_branch_code=1`; a filter that
    names `_branch_code` itself (or LaminDB 1.x's `visibility`) replaces it, as in LaminDB 1.5:
    `filter(_branch_code=-1)` lists the trash, `filter(_branch_code=None)` every record.
    """

    _default_branch = False  # this QuerySet carries the default visibility condition, first in WHERE

    def _clone(self):
        clone = super()._clone()
        clone._default_branch = self._default_branch
        return clone

    def _without_default_branch(self) -> RegistryQuerySet:
        """This QuerySet without the default visibility condition (other conditions stay)."""
        clone = self._chain()
        if default_branch_first(clone):
            clone.query.where.children = clone.query.where.children[1:]
        clone._default_branch = False
        return clone

    def count(self) -> int:
        """The number of records; a large registry's visible records, alone or those a subquery of ids
        selects, are counted without visiting each record (`query.counting`): the same number."""
        if self._result_cache is None and has_hidden_records_index(self.model):
            if counts_visible_only(self):
                return visible_count(self.model, self.db)
            counted = visible_value_count(self)
            if counted is not None:
                return counted
            subquery = ids_subquery(self)
            if subquery is not None:
                return visible_count_in(self.model, subquery, self.db)
        return super().count()

    def _filter_or_exclude(self, negate, args, kwargs):
        bad = [a for a in args if not isinstance(a, Q) and not hasattr(a, "resolve_expression")]
        if bad:
            verb = "exclude" if negate else "filter"
            raise InvalidArgument(
                f"{verb}() takes Q objects and field=value keywords (e.g. {verb}(key='x.csv')), "
                f"got {type(bad[0]).__name__} {bad[0]!r}"
            )
        target = self
        aliases = getattr(self.model, "_filter_aliases", None)
        if aliases:  # LaminDB 1.x names: `visibility`, Artifact's `transform`
            kwargs = {_renamed(key, aliases): value for key, value in kwargs.items()}
            args = tuple(_rename_q(a, aliases) if isinstance(a, Q) else a for a in args)
        args, kwargs = expand_descendants(self.model, args, kwargs)
        if self._default_branch and any(k.split("__", 1)[0] == "_branch_code" for k in _keys(args, kwargs)):
            target = self._without_default_branch()
            if "_branch_code" in kwargs and kwargs["_branch_code"] is None:
                kwargs = {k: v for k, v in kwargs.items() if k != "_branch_code"}  # None: every branch
        return target._filter_with_features(negate, args, kwargs)

    def _filter_with_features(self, negate, args, kwargs):
        _check_relation_strings(self.model, kwargs)
        # registries with features (Artifact) accept feature names next to fields
        if getattr(self.model, "_has_features", False) and (kwargs or any(isinstance(a, Q) for a in args)):
            queries = [a for a in args if isinstance(a, Q)]
            others = tuple(a for a in args if not isinstance(a, Q))
            combined = Q()
            for query in queries:
                combined &= translate(self.model, query)
            combined &= translate(self.model, None, **kwargs)
            return super()._filter_or_exclude(negate, (*others, combined), {})
        try:
            return super()._filter_or_exclude(negate, args, kwargs)
        except FieldError as e:
            if "Cannot resolve keyword" not in str(e):
                raise
            raise _unknown_field(self.model, str(e).split("'")[1]) from None

    def df(
        self,
        include: str | list[str] | None = None,
        features: bool | list[str] = False,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """The whole result in this QuerySet's order (ascending id when unordered), as a DataFrame.

        `include` adds related fields (to-many paths as sets); `features=True` (or a list of names, or
        `include="features"`) adds one column per feature that has values on the rows.
        """
        paths, features = _split_include(include, features)
        queryset = self if self.ordered else self.order_by("id")
        if limit is not None:
            total = queryset.count()
            if total > limit:
                logger.warning(
                    f"truncated query result to limit={limit} of {total} {self.model.__name__} records"
                )
            queryset = queryset[:limit]
        if not paths and not features:
            return queryset_to_frame(queryset)
        with cyclic_gc_paused():
            frame = include_frame(queryset, paths)
            if features:
                frame = add_feature_columns(frame, queryset, None if features is True else list(features))
        return frame

    def load(self, join: str = "outer", **kwargs):
        """The records' data concatenated in this QuerySet's order, as `Collection.load()` does; for
        registries whose records hold data (`ln.Artifact.filter(...).load()`)."""
        load_many = getattr(self.model, "_load_many", None)
        if load_many is None:
            raise AttributeError(f"{self.model.__name__} records hold no data to load()")
        return load_many(list(self), join=join, **kwargs)

    def to_dataframe(
        self,
        include: str | list[str] | None = None,
        features: bool | list[str] = False,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """2.x name of `df()`."""
        return self.df(include=include, features=features, limit=limit)

    def delete(self, permanent: bool | None = None, storage: bool | None = None):
        """Delete the records as one `record.delete()` each would, as LaminDB does.

        Artifacts and collections go to the trash (restorable, listed by `all_objects`); with
        `permanent=True` each record goes with its stored files in a transaction of its own, and one that
        other records still use is refused. Registries without a trash delete for good, as Django does,
        refusing records that others still refer to (returns Django's `(count, per model)`).
        """
        name = self.model.__name__
        if getattr(self.model, "_delete_record_by_record", False):  # Transform: versions move on
            for record in list(self):
                record.delete()
            return None
        if getattr(self.model, "_has_trash", False):
            options = {} if storage is None else {"storage": storage}
            records = list(self)
            for done, record in enumerate(records):
                try:
                    record.delete(permanent=permanent, **options)
                except LaminError as e:
                    if not done:
                        raise
                    raise type(e)(f"{e} ({done} of {len(records)} {name} records were deleted before)") from e
            return None
        if permanent is False:
            raise ValueError(f"{name} has no trash: its records can only be deleted for good (delete())")
        if storage is not None:
            raise TypeError(f"delete(storage=...) applies to artifacts, not to {name} records")
        try:
            return super().delete()
        except (models.ProtectedError, models.RestrictedError) as e:
            raise protected_error(f"these {name} records", e) from e

    def lookup(self, field: object = None, return_field: object = None):
        """A Lookup object over this QuerySet's records (see `lamin_core.lookup.Lookup`), keyed by `field`
        (a name or a field attribute such as `ln.User.handle`; default: the registry's name field)."""
        field = field_name(field) or name_field(self.model)
        if field is None:
            raise ValueError(f"{self.model.__name__} has no name field; pass field=")
        return Lookup(self, field=field, return_field=field_name(return_field))

    def search(
        self,
        string: str,
        field: str | list[str] | None = None,
        limit: int | None = 20,
        case_sensitive: bool = False,
    ):
        """This QuerySet's records matching `string`, best first (see `lamin_core.search`)."""
        from ..search import search  # the search index code (and rapidfuzz) loads on the first search

        return search(self, string, field=field, limit=limit, case_sensitive=case_sensitive)

    def _few_uids(self) -> str:
        field = "uid" if any(f.name == "uid" for f in self.model._meta.concrete_fields) else "id"
        shown = [str(v) for v in self.values_list(field, flat=True)[: _SHOWN_UIDS + 1]]
        more = ", ..." if len(shown) > _SHOWN_UIDS else ""
        return f"{field}s {', '.join(shown[:_SHOWN_UIDS])}{more}"

    def exactly_one(self, what: str = "this query"):
        """The single record of this QuerySet; errors name the registry, `what` was asked and the count."""
        records = list(self[:2])
        if len(records) == 1:
            return records[0]
        name = self.model.__name__
        if not records:
            raise does_not_exist(self.model)(f"no {name} record matches {what}")
        raise self.model.MultipleObjectsReturned(
            f"{self.count()} {name} records match {what} (expected exactly one): {self._few_uids()}"
        )

    def one(self):
        """Exactly one record; an error names the registry and the count otherwise."""
        return self.exactly_one()

    def one_or_none(self):
        """One record, or None for no match; several matches are an error naming the count."""
        records = list(self[:2])
        if len(records) <= 1:
            return records[0] if records else None
        raise self.model.MultipleObjectsReturned(
            f"{self.count()} {self.model.__name__} records match this query (expected one or none): "
            f"{self._few_uids()}"
        )


class RegistryManager(models.Manager.from_queryset(RegistryQuerySet)):
    """Manager with registry-level reads: the latest records and flexible `get`."""

    def latest_queryset(self, limit: int | None = 100) -> RegistryQuerySet:
        """The `limit` most recently updated records (ties by ascending id; newest ids if no update times)."""
        queryset = self.get_queryset()
        if has_updated_at(self.model):
            if limit is not None:
                # SQLite's planner sorts the whole table for the mixed-direction ORDER BY with a small
                # LIMIT; the cutoff comes from the updated_at index alone, and bounds the sort to ~limit rows
                cutoff = list(
                    queryset.order_by("-updated_at").values_list("updated_at", flat=True)[limit - 1 : limit]
                )
                if cutoff:
                    queryset = queryset.filter(updated_at__gte=cutoff[0])
            queryset = queryset.order_by("-updated_at", "id")
            return queryset if limit is None else queryset[:limit]
        if limit is None:
            return queryset.order_by("id")
        # no update times: the newest rows by id, shown in ascending order
        newest = queryset.order_by("-id")[:limit]
        return queryset.filter(id__in=newest.values("id")).order_by("id")[:limit]

    def df(
        self,
        include: str | list[str] | None = None,
        features: bool | list[str] = False,
        limit: int | None = 100,
    ) -> pd.DataFrame:
        """The `limit` most recently updated records as a DataFrame (see `RegistryQuerySet.df`)."""
        return self.latest_queryset(limit).df(include=include, features=features)

    def get_record(self, idlike: int | str | None = None, **expressions):
        """One record by id (int), uid or uid prefix (str), or keyword fields."""
        model = self.model
        queryset = self.get_queryset()
        if idlike is None:
            if not expressions:
                raise TypeError(f"{model.__name__}.get() needs an id, a uid or field=value arguments")
            what = ", ".join(f"{key}={value!r}" for key, value in expressions.items())
            try:
                found = queryset.filter(**expressions)
            except InvalidArgument as e:  # a feature filter's error: get() names fields only, as LaminDB
                if not isinstance(e, FieldError):
                    raise
                names = [k.split("__", 1)[0] for k in expressions]
                unknown = next((n for n in names if n not in _fields_of(model)), names[0])
                raise _unknown_field(model, unknown) from None
            records = list(found[:2])
            if len(records) == 1:
                return records[0]
            if records and hasattr(model, "is_latest") and "is_latest" not in expressions:
                # several versions of one family match (`get(key=...)`): the latest, as in LaminDB 1.5
                latest = list(found.filter(is_latest=True)[:2])
                if len(latest) == 1:
                    return latest[0]
            return found.exactly_one(what)  # the error, naming the count
        if expressions:
            raise TypeError(
                f"{model.__name__}.get() takes either an id/uid or field=value arguments, not both"
            )
        if isinstance(idlike, bool) or not isinstance(idlike, int | str):
            raise TypeError(
                f"{model.__name__}.get() expects an int id or a str uid, got {type(idlike).__name__}"
            )
        # by id or uid, trashed and archived records are found too (LaminDB 1.5): `get(uid).restore()`
        queryset = queryset._without_default_branch()
        if isinstance(idlike, int):
            return queryset.filter(id=idlike).exactly_one(f"id={idlike}")
        if not idlike.strip():  # an empty prefix would match every record
            raise InvalidArgument(
                f"{model.__name__}.get() needs an id, a uid or a uid prefix, got {idlike!r}"
            )
        uid_field = model._meta.get_field("uid")
        # a full-length uid is an exact (indexed) match; a shorter one a prefix
        exact = len(idlike) >= uid_field.max_length
        found = queryset.filter(**{"uid" if exact else "uid__startswith": idlike})
        matches = list(found.order_by("id")[:3])
        if len(matches) > 1 and hasattr(model, "is_latest"):
            # a version family's stem: its latest version, as in LaminDB
            matches = list(found.filter(is_latest=True).order_by("id")[:3]) or matches
        if len(matches) == 1:
            return matches[0]
        if not matches:
            how = "uid" if exact else "a uid starting with"
            raise does_not_exist(model)(f"no {model.__name__} record with {how} {idlike!r}")
        uids = ", ".join(m.uid for m in matches)
        raise model.MultipleObjectsReturned(
            f"several {model.__name__} records have a uid starting with {idlike!r} ({uids}, ...); "
            "give more characters"
        )


class VisibleManager(RegistryManager):
    """The default manager: hides archived and trashed records on every read path."""

    def get_queryset(self) -> RegistryQuerySet:
        queryset = super().get_queryset().filter(_branch_code=VISIBLE)
        queryset._default_branch = True
        return queryset
