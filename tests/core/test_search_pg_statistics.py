"""PostgreSQL search on an analyzed table: a query token that the planner statistics show to be rare drives
the candidate query (`rare_token` in lamin_core/search_index/db.py), and the results are exactly those of
the plain trigram path, for every search step.
"""

from __future__ import annotations

import pytest
from conftest import TEST_DB

pytestmark = pytest.mark.skipif(TEST_DB is None, reason="PostgreSQL only: SQLite searches through FTS5")

N = 600


def name(i: int) -> str:
    return f"zqbatch {i % 7:02d} zqsample {i:06d}"


@pytest.fixture(scope="module")
def analyzed(ln):
    """N labels sharing two common words, the table analyzed (as autovacuum would do at this size)."""
    from django.db import connection

    from lamin_core.search_index import clear_caches

    ln.ULabel.objects.bulk_create([ln.ULabel(name=name(i)) for i in range(N)], batch_size=200)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE lamin_core_ulabel")
    clear_caches()
    yield
    ln.ULabel.all_objects.filter(name__startswith="zqbatch ").delete()
    clear_caches()


def searches(ln, queries: list[str]) -> dict[str, list[int]]:
    return {q: list(ln.ULabel.search(q).values_list("id", flat=True)) for q in queries}


def candidates(ln, queries: list[str]) -> dict[tuple[str, str], list]:
    """What each step of the search engine fetches for each query (before ranking)."""
    from lamin_core.search_index import _field_names, backend_for
    from lamin_core.search_index.ranking import parse

    backend = backend_for(ln.ULabel.objects.all(), _field_names(ln.ULabel, None))
    return {
        (q, step): sorted(backend.fetch(step, parse(q), None))
        for q in queries
        for step in ("exact", "prefix", "tokens", "substring")
    }


def test_rare_token_path_fetches_what_the_trigram_path_fetches(ln, analyzed, monkeypatch):
    import lamin_core.search_index.db as db

    used = []
    rare = db.rare_token

    def spy(*args, **kwargs):
        used.append(rare(*args, **kwargs))
        return used[-1]

    monkeypatch.setattr(db, "rare_token", spy)
    queries = []
    for i in (77, 123, 345, 501):
        number = f"{i:06d}"
        queries += [
            name(i),  # exact
            name(i)[:-1],  # prefix
            f"zqsample {number}",  # whole tokens, in both orders
            f"{number} zqsample",
            f"sample {number}",  # substring
            f"zqbatch {i % 7:02d} zqsampel {number}",  # a typo
        ]
    fetched, ranked = candidates(ln, queries), searches(ln, queries)
    # the labels' numbers are (mostly) in no sampled value of the statistics: rare tokens
    assert sum(token is not None for token in used) >= len(used) // 4, used
    assert fetched[(name(77), "exact")] and ranked[name(77)][0] == ln.ULabel.get(name=name(77)).id

    monkeypatch.setattr(db, "rare_token", lambda *args, **kwargs: None)
    assert candidates(ln, queries) == fetched
    assert searches(ln, queries) == ranked


def test_common_tokens_take_the_trigram_path(ln, analyzed, monkeypatch):
    import lamin_core.search_index.db as db

    used = []
    rare = db.rare_token
    monkeypatch.setattr(db, "rare_token", lambda *a, **k: used.append(rare(*a, **k)) or used[-1])
    hits = ln.ULabel.search("zqbatch zqsample", limit=None)
    assert used and all(token is None for token in used)
    assert hits.count() == N
