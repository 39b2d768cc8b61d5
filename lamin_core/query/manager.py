"""The QuerySet subclass and managers every registry uses (`Registry.filter().df()`, `Registry.df()`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from .._logger import logger
from .columns import has_updated_at
from .dataframe import queryset_to_frame

if TYPE_CHECKING:
    import pandas as pd

VISIBLE = 1


class RegistryQuerySet(models.QuerySet):
    """A Django QuerySet with the registry verbs (`df`, `to_dataframe`, `one`, ...)."""

    def df(self, limit: int | None = None) -> pd.DataFrame:
        """The whole result in this QuerySet's order (ascending id when unordered), as a DataFrame."""
        queryset = self if self.ordered else self.order_by("id")
        if limit is not None:
            total = queryset.count()
            if total > limit:
                logger.warning(
                    f"truncated query result to limit={limit} of {total} {self.model.__name__} records"
                )
            queryset = queryset[:limit]
        return queryset_to_frame(queryset)

    def to_dataframe(self, limit: int | None = None) -> pd.DataFrame:
        """2.x name of `df()`."""
        return self.df(limit=limit)


class RegistryManager(models.Manager.from_queryset(RegistryQuerySet)):
    """Manager with registry-level reads: the latest records and flexible `get`."""

    def df(self, limit: int | None = 100) -> pd.DataFrame:
        """The `limit` most recently updated records (ties by ascending id) as a DataFrame."""
        model = self.model
        if has_updated_at(model):
            queryset = self.get_queryset().order_by("-updated_at", "id")
            return queryset_to_frame(queryset if limit is None else queryset[:limit])
        # no update times: the newest rows by id, shown in ascending order
        queryset = self.get_queryset().order_by("-id")
        ids = list((queryset if limit is None else queryset[:limit]).values_list("id", flat=True))
        return queryset_to_frame(self.get_queryset().filter(id__in=ids).order_by("id"))

    def get_record(self, idlike: int | str | None = None, **expressions):
        """One record by id (int), uid or uid prefix (str), or keyword fields."""
        model = self.model
        queryset = self.get_queryset()
        if idlike is None:
            if not expressions:
                raise TypeError(f"{model.__name__}.get() needs an id, a uid or field=value arguments")
            return queryset.get(**expressions)
        if expressions:
            raise TypeError(
                f"{model.__name__}.get() takes either an id/uid or field=value arguments, not both"
            )
        if isinstance(idlike, bool) or not isinstance(idlike, int | str):
            raise TypeError(
                f"{model.__name__}.get() expects an int id or a str uid, got {type(idlike).__name__}"
            )
        if isinstance(idlike, int):
            return queryset.get(id=idlike)
        uid_field = model._meta.get_field("uid")
        # a full-length uid is an exact (indexed) match; a shorter one a prefix
        exact = len(idlike) >= uid_field.max_length
        matches = list(queryset.filter(**{"uid" if exact else "uid__startswith": idlike}).order_by("id")[:3])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            how = "uid" if exact else "a uid starting with"
            raise model.DoesNotExist(f"no {model.__name__} record with {how} {idlike!r}")
        uids = ", ".join(m.uid for m in matches)
        raise model.MultipleObjectsReturned(
            f"several {model.__name__} records have a uid starting with {idlike!r} ({uids}, ...); "
            "give more characters"
        )


class VisibleManager(RegistryManager):
    """The default manager: hides archived and trashed records on every read path."""

    def get_queryset(self) -> RegistryQuerySet:
        return super().get_queryset().filter(_branch_code=VISIBLE)
