"""`df(include=[...])`: columns from related registries, with to-many paths aggregated into sets."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from django.core.exceptions import FieldDoesNotExist, FieldError

if TYPE_CHECKING:
    import pandas as pd
    from django.db import models
    from django.db.models import QuerySet


def label_field(model: type[models.Model]) -> str | None:
    """The human-readable field shown next to `uid` (`key`, `name`, or `symbol`)."""
    names = {f.name for f in model._meta.concrete_fields}
    return next((n for n in ("key", "name", "symbol") if n in names), None)


def is_to_many(model: type[models.Model], path: str) -> bool:
    """Whether a Django path crosses a to-many relation (then its values aggregate into sets)."""
    current = model
    for part in path.split("__"):
        try:
            field = current._meta.get_field(part)
        except FieldDoesNotExist:
            if current is model:
                raise FieldError(f"cannot include {path!r}: {model.__name__} has no field {part!r}") from None
            return False  # a lookup or transform on the previous field
        if field.many_to_many or field.one_to_many:
            return True
        if not field.is_relation:
            return False
        current = field.related_model
    return False


MAX_LISTED_IDS = 10_000


def ids_for_in(index, queryset: QuerySet):
    """The rows' ids for an `id__in` condition: the list itself when short (an index lookup per id, whatever
    SQLite's planner guesses without statistics), else the queryset as a subquery."""
    return list(index) if len(index) <= MAX_LISTED_IDS else queryset.values("id")


def include_frame(queryset: QuerySet, include: list[str]) -> pd.DataFrame:
    """`uid`, the label field and the included paths for the rows of `queryset`, indexed by id."""
    import pandas as pd

    model = queryset.model
    label = label_field(model)
    base = [n for n in ("uid", label) if n and n not in include]
    to_many = [p for p in include if is_to_many(model, p)]
    to_one = [p for p in include if p not in to_many]
    rows = list(queryset.values_list("id", *base, *to_one))
    frame = pd.DataFrame.from_records(rows, columns=["id", *base, *to_one]).set_index("id")
    if to_many:
        # one query per path over the same rows: the queryset as a subquery keeps its filters and slice
        ids = ids_for_in(frame.index, queryset)
        manager = model._base_manager
        for path in to_many:
            groups: dict[int, set] = defaultdict(set)
            for pk, value in manager.filter(id__in=ids).values_list("id", path):
                groups[pk].add(value)
            frame[path] = [groups.get(pk, {None}) for pk in frame.index]
    return frame[[*base, *include]]
