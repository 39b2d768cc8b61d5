"""QuerySet -> pandas DataFrame with the registry's columns, indexed by id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .columns import df_columns

if TYPE_CHECKING:
    import pandas as pd
    from django.db.models import QuerySet


def queryset_to_frame(queryset: QuerySet) -> pd.DataFrame:
    """All rows of `queryset`, in its order, as a frame with `df_columns` and an `id` index."""
    import pandas as pd

    columns = df_columns(queryset.model)
    rows = list(queryset.values_list("id", *columns))
    frame = pd.DataFrame.from_records(rows, columns=["id", *columns])
    return frame.set_index("id")
