"""`Registry.search()` and `QuerySet.search()`: records ranked by how well their human-readable fields match.

Ranking: exact name > exact synonym > prefix > whole tokens > substring > fuzzy, insensitive to case,
punctuation and token order. Candidates come from a search index in the database (SQLite FTS5 trigram
tables, PostgreSQL pg_trgm); the engine lives in `lamin_core.search_index`.
"""

from __future__ import annotations

from .search_index import MAX_QUERY_LENGTH, default_fields, normalize, search

__all__ = ["MAX_QUERY_LENGTH", "default_fields", "normalize", "search"]
