"""The search loop every backend shares: candidates step by step from an index, ranked in Python.

A backend answers `fetch(step, query, cap)` with `(id, raw values)` rows, in ascending id, at most `cap`
of them (None: all), for these steps:

- "prefix":    values that start with the query (exact matches included), also without spaces
- "exact":     values equal to the query (asked only when "prefix" was cut at `cap`)
- "tokens":    every query token is a whole token of some searched value
- "substring": every long query token (>= 3 characters) occurs in some searched value, or the compact
               query does
- "fuzzy":     every long token occurs, or a correction of it as a whole word (`vocabulary.corrections`);
               short tokens as whole tokens. Not asked when the "tokens" step found records: no
               corrections where the query as typed matches

Each step's rows are ranked by `ranking.record_key`; the loop stops as soon as `limit` records are known
to rank at least as well as anything a later step can add. A step whose matches exceed `cap` contributes
its first `cap` matches by id, so results are deterministic at any size.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Protocol

from .fields import SearchField
from .ranking import TIER_FUZZY, TIER_PREFIX, TIER_SUBSTRING, TIER_TOKENS, Query, record_key
from .text import values as split_values

# candidates ranked per step; a step with more matches keeps its first CANDIDATES by id
CANDIDATES = 1000
_STEPS = (
    ("prefix", TIER_PREFIX),
    ("tokens", TIER_TOKENS),
    ("substring", TIER_SUBSTRING),
    ("fuzzy", TIER_FUZZY),
)


class Backend(Protocol):
    fields: Sequence[SearchField]
    primary: int | None  # position of the record's name field in `fields` (tie-breaks by its length)

    def fetch(self, step: str, query: Query, cap: int | None) -> list[tuple[Hashable, tuple]]: ...


def rank(backend: Backend, query: Query, limit: int | None, candidates: int = CANDIDATES) -> list:
    """Record ids best first (at most `limit`; None: every match)."""
    if limit is not None and limit <= 0:
        return []
    roles = [f.role for f in backend.fields]
    primary = backend.primary
    keys: dict[Hashable, tuple | None] = {}

    def add(rows) -> None:
        for pk, raw in rows:
            if pk in keys:
                continue
            pairs = [
                (role, value) for role, item in zip(roles, raw, strict=True) for value in split_values(item)
            ]
            key = record_key(query, pairs)
            if key is not None:
                name = raw[primary] if primary is not None else None
                keys[pk] = (*key, len(str(name)) if name is not None else 0, pk)
            else:
                keys[pk] = None

    cap = None if limit is None else max(candidates, limit)
    typed_matches = False
    for step, tier in _STEPS:
        if step == "fuzzy" and typed_matches:
            break  # no corrections where the query as typed matches: "IL6R" finds IL6R, not IL6
        rows = backend.fetch(step, query, cap)
        add(rows)
        typed_matches = typed_matches or (step == "tokens" and bool(rows))
        if step == "prefix" and cap is not None and len(rows) >= cap:
            add(backend.fetch("exact", query, None))
        if limit is not None and sum(1 for k in keys.values() if k is not None and k[0] <= tier) >= limit:
            break
    ranked = sorted(k for k in keys.values() if k is not None)
    ids = [k[-1] for k in ranked]
    return ids if limit is None else ids[:limit]
