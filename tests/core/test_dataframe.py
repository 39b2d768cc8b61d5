"""Frames from the columnar (ADBC) path equal frames from the row path, value for value and type for type."""

from __future__ import annotations

import pandas as pd
from django.db import transaction


def test_arrow_and_row_paths_give_the_same_frame(ln):
    from django.db.models import Model

    from lamin_core.query import arrow_fetch

    storage = ln.Storage.get(1)
    for i in range(1200):  # above ARROW_MIN_ROWS when sliced, and a full result
        artifact = ln.Artifact.__new__(ln.Artifact)
        fields = {"key": f"arrow/{i:04d}.csv", "suffix": ".csv", "size": i, "hash": f"arrow{i:017d}"}
        if i % 3 == 0:
            fields.update(description=f"row {i}", n_observations=i, _aux={"af": {"0": None, "1": True}})
        if i % 5 == 0:
            fields.update(_key_is_virtual=False, kind="dataset")
        Model.__init__(artifact, storage=storage, **fields)
        artifact.save()
    queryset = ln.Artifact.filter(key__startswith="arrow/").order_by("-size")
    sql, params = queryset.values_list("id").query.get_compiler(queryset.db).as_sql()
    assert arrow_fetch.fetch_arrow(sql, params, queryset.db) is not None  # the columnar path is taken
    columnar = queryset.df()
    with transaction.atomic():  # inside a transaction only Django's connection sees the rows: row path
        assert arrow_fetch.fetch_arrow(sql, params, queryset.db) is None
        rows = queryset.df()
    pd.testing.assert_frame_equal(columnar, rows)
    assert len(columnar) == 1200
    assert columnar["_aux"].iloc[-1] == {"af": {"0": None, "1": True}}
    assert columnar["schema_id"].iloc[0] is None
    assert str(columnar["created_at"].dtype) in ("datetime64[us, UTC]", "datetime64[ns, UTC]")
    assert set(columnar["_key_is_virtual"]) == {True, False}
