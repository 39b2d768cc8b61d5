"""Test helper: the ancestors of a term read from a public ontology's own `parents` column."""

from __future__ import annotations


def ancestors(public, term_id: str) -> set[str]:
    """Every ancestor of a term in the public source (transitively)."""
    parents = public.df()["parents"]
    seen, queue = set(), list(parents[term_id])
    while queue:
        term = queue.pop()
        if term not in seen:
            seen.add(term)
            queue.extend(parents[term])
    return seen
