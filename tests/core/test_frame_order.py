"""Frames come in the QuerySet's order (ascending id when unordered) on the Arrow path and the row path.

A QuerySet ordered by its primary key alone (and not sliced) is fetched without `ORDER BY` and put in id
order in memory; the rows' sizes are a permutation of their ids, so a plan that walks the `size` index
returns them out of id order.
"""

from __future__ import annotations

import random

import pytest
from django.db import transaction

N_ROWS = 1300  # above ARROW_MIN_ROWS, so that a long slice takes the Arrow path too
BASE_SIZE = 10**12  # above any other artifact's size in the session


@pytest.fixture(scope="module")
def sizes(ln, delete_new_artifacts) -> dict[int, int]:
    """id -> size of this module's artifacts."""
    from django.db.models import Model

    storage = ln.Storage.get(1)
    shuffled = list(range(N_ROWS))
    random.Random(7).shuffle(shuffled)
    artifacts = []
    for i, rank in enumerate(shuffled):
        artifact = ln.Artifact.__new__(ln.Artifact)
        fields = {"key": f"order/{i:04d}.csv", "suffix": ".csv", "size": BASE_SIZE + rank}
        Model.__init__(artifact, storage=storage, hash=f"order{i:017d}", **fields)
        artifacts.append(artifact)
    ln.Artifact.objects.bulk_create(artifacts)
    return dict(ln.Artifact.filter(size__gte=BASE_SIZE).values_list("id", "size"))


def frames(queryset, **kwargs):
    """The frame of `queryset` from the Arrow path and from the row path, and the SQL each sent."""
    from django.db import connection

    from lamin_core.query import dataframe

    sent = []
    fetch = dataframe.fetch_arrow

    def fetch_arrow(sql, params, alias):
        sent.append(sql)
        return fetch(sql, params, alias)

    def capture(execute, sql, params, many, context):
        if "lamin_core_artifact" in sql and '"size"' in sql:
            sent.append(sql)
        return execute(sql, params, many, context)

    dataframe.fetch_arrow = fetch_arrow
    try:
        with connection.execute_wrapper(capture):
            columnar = queryset.df(**kwargs)
            with transaction.atomic():  # inside a transaction only Django's connection sees the rows
                rows = queryset.df(**kwargs)
    finally:
        dataframe.fetch_arrow = fetch
    return columnar, rows, sent


def by_size(sizes: dict[int, int], reverse: bool = False) -> list[int]:
    return sorted(sizes, key=sizes.__getitem__, reverse=reverse)


@pytest.mark.parametrize(
    "order, descending",
    [(None, False), ("id", False), ("pk", False), ("-id", True), ("-pk", True)],
)
def test_id_ordered_frames_are_fetched_without_order_by(ln, sizes, order, descending):
    queryset = ln.Artifact.filter(size__gte=BASE_SIZE)
    if order is not None:
        queryset = queryset.order_by(order)
    columnar, rows, sent = frames(queryset)
    expected = sorted(sizes, reverse=descending)
    assert list(columnar.index) == expected
    assert list(rows.index) == expected
    assert list(columnar["size"]) == [sizes[i] for i in expected]
    assert len(sent) == 3  # the Arrow query; then, in the transaction, the Arrow attempt and the rows
    assert not any("ORDER BY" in sql for sql in sent)


def test_frames_out_of_index_order_are_sorted(ln, sizes):
    # the size index gives the rows in size order, a permutation of the id order
    queryset = ln.Artifact.filter(size__gte=BASE_SIZE, size__lt=BASE_SIZE + N_ROWS)
    columnar, rows, _ = frames(queryset)
    assert list(columnar.index) == sorted(sizes)
    assert list(rows.index) == sorted(sizes)
    columnar, rows, _ = frames(queryset.order_by("-id"))
    assert list(columnar.index) == sorted(sizes, reverse=True)
    assert list(rows.index) == sorted(sizes, reverse=True)


@pytest.mark.parametrize("limit", [100, 1200])  # the row path below ARROW_MIN_ROWS, Arrow above
def test_sliced_frames_keep_their_order_by(ln, sizes, limit):
    base = ln.Artifact.filter(size__gte=BASE_SIZE)
    for queryset, expected in [
        (base.order_by("-id")[:limit], sorted(sizes, reverse=True)[:limit]),
        (base.order_by("id")[10 : 10 + limit], sorted(sizes)[10 : 10 + limit]),
        (base.order_by("size")[:limit], by_size(sizes)[:limit]),
    ]:
        columnar, rows, sent = frames(queryset)
        assert list(columnar.index) == expected
        assert list(rows.index) == expected
        assert sent and all("ORDER BY" in sql for sql in sent)
    columnar, rows, _ = frames(base, limit=limit)  # df(limit=...) slices the id order
    assert list(columnar.index) == sorted(sizes)[:limit]
    assert list(rows.index) == sorted(sizes)[:limit]


@pytest.mark.parametrize(
    "order, key",
    [
        (("size",), lambda sizes: by_size(sizes)),
        (("-size",), lambda sizes: by_size(sizes, reverse=True)),
        (("-size", "id"), lambda sizes: by_size(sizes, reverse=True)),
        (("id", "size"), lambda sizes: sorted(sizes)),
        (("-key",), lambda sizes: sorted(sizes, reverse=True)),  # keys follow the ids
    ],
)
def test_user_ordered_frames_keep_their_order_by(ln, sizes, order, key):
    queryset = ln.Artifact.filter(size__gte=BASE_SIZE).order_by(*order)
    columnar, rows, sent = frames(queryset)
    assert list(columnar.index) == key(sizes)
    assert list(rows.index) == key(sizes)
    assert sent and all("ORDER BY" in sql for sql in sent)


def test_to_dataframe_and_empty_results(ln, sizes):
    queryset = ln.Artifact.filter(size__gte=BASE_SIZE, size__lt=BASE_SIZE + N_ROWS).order_by("-pk")
    assert list(queryset.to_dataframe().index) == sorted(sizes, reverse=True)
    empty = ln.Artifact.filter(size__gt=BASE_SIZE + 2 * N_ROWS)
    columnar, rows, _ = frames(empty.order_by("-id"))
    assert columnar.empty and rows.empty
    assert list(columnar.columns) == list(rows.columns)
