"""`Registry.search()` and `QuerySet.search()`: records ranked by how well their human-readable fields match.

Ranking: exact name or id > exact synonym > exact full name (a gene's "tumor protein p53") > prefix >
whole tokens > substring > fuzzy (close spellings, fewer edits first; words with digits corrected in their
letters only) > a query token found only inside words, insensitive to case, punctuation and token order.
Candidates come from a search index in the database (SQLite FTS5 trigram tables, PostgreSQL pg_trgm); the
engine lives in `lamin_core.search_index` (`ranking` has the rules), and the public ontologies search the
same engine in memory.
"""

from __future__ import annotations

from .search_index import MAX_QUERY_LENGTH, default_fields, normalize, search

__all__ = ["MAX_QUERY_LENGTH", "default_fields", "normalize", "search"]
