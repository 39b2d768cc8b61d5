"""Candidates from the database for the search steps (see `engine`): SQLite FTS5, PostgreSQL pg_trgm, or
plain `LIKE` scans for fields without an index.

Every step runs inside the caller's QuerySet (its filters, the visibility of records), in ascending id,
at most `cap` rows: SQLite reads the FTS index in id windows and filters each window through the
QuerySet; PostgreSQL puts the trigram condition into the QuerySet's WHERE clause.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import and_, or_

from django.db import connections
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL

from .fields import TEXT, SearchField
from .ranking import SHORT_TOKEN, Query, has_digit

# SQLite: ids read from the FTS index per round trip (grows 4x per window up to the maximum)
_FIRST_WINDOW = 1000
_MAX_WINDOW = 20_000


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


class _QuerySetBackend:
    def __init__(self, queryset, fields: Sequence[SearchField], primary: int | None, compact: set[str]):
        self.queryset = queryset
        self.fields = list(fields)
        self.primary = primary
        self.names = [f.name for f in self.fields]
        self.compact = [f.name for f in self.fields if f.name in compact]
        self.labels = [f.name for f in self.fields if f.role != TEXT]
        self.connection = connections[queryset.db]

    def _rows(self, queryset, cap: int | None) -> list[tuple]:
        queryset = queryset.order_by("pk").values_list("pk", *self.names)
        rows = queryset if cap is None else queryset[:cap]
        return [(row[0], row[1:]) for row in rows]


class SQLiteBackend(_QuerySetBackend):
    """FTS5 trigram table `search_fts_T` (documents per field) and the word list for the fuzzy step."""

    def __init__(self, queryset, fields, primary, compact, table: str):
        super().__init__(queryset, fields, primary, compact)
        from .ddl import fts_table

        self.table = table
        self.fts = fts_table(table)

    @staticmethod
    def _columns(names: Sequence[str]) -> str:
        return "{" + " ".join(names) + "}"

    def _match(self, step: str, query: Query) -> str | None:
        q, qc = query.text, query.compact
        every = self._columns(self.names)
        compact = self._columns(f"{n}__c" for n in self.compact) if self.compact else None
        parts = []
        if step in ("prefix", "exact"):
            end = " |" if step == "exact" else ""
            if self.labels:
                parts.append(f"{self._columns(self.labels)} : {_phrase(f'| {q}{end}')}")
            if compact and len(qc) >= 2:
                parts.append(f"{compact} : {_phrase(f'|{qc}' + end.strip())}")
        elif step == "tokens":
            tokens = " AND ".join(_phrase(f" {t} ") for t in sorted(query.token_set))
            parts.append(f"{every} : ({tokens})")
        elif step == "substring":
            if query.long_tokens:
                parts.append(f"{every} : ({' AND '.join(_phrase(t) for t in sorted(query.long_tokens))})")
            if compact and len(qc) >= SHORT_TOKEN:
                parts.append(f"{compact} : {_phrase(qc)}")
        elif step == "fuzzy":
            return self._fuzzy_match(query, every)
        return " OR ".join(parts) or None

    def _fuzzy_match(self, query: Query, every: str) -> str | None:
        from .vocabulary import sqlite_words

        if not query.long_tokens:
            return None
        words = sqlite_words(self.connection, self.table)
        groups = []
        for token in sorted(query.token_set):
            if len(token) < SHORT_TOKEN:
                groups.append(_phrase(f" {token} "))
                continue
            close = [] if has_digit(token) else words.close(token)
            spellings = [token, *(w for w in close if w != token and len(w) >= SHORT_TOKEN)]
            groups.append("(" + " OR ".join(_phrase(s) for s in spellings) + ")")
        return f"{every} : ({' AND '.join(groups)})"

    def fetch(self, step: str, query: Query, cap: int | None) -> list[tuple]:
        match = self._match(step, query)
        if match is None:
            return []
        fts = '"' + self.fts + '"'
        rows: list[tuple] = []
        last, window = None, _FIRST_WINDOW if cap is None else max(cap, 1)
        with self.connection.cursor() as cursor:
            while True:
                after = "" if last is None else " AND rowid > %s"
                params = [match] + ([] if last is None else [last]) + [window]
                cursor.execute(
                    f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s{after} ORDER BY rowid LIMIT %s", params
                )
                ids = [row[0] for row in cursor.fetchall()]
                if not ids:
                    break
                rows.extend(self._rows(self.queryset.filter(pk__in=ids), None))
                if cap is not None and len(rows) >= cap:
                    return rows[:cap]
                if len(ids) < window:
                    break
                last, window = ids[-1], min(window * 4, _MAX_WINDOW)
        return rows


class PostgresBackend(_QuerySetBackend):
    """GIN trigram indexes on the stored documents `_search_<field>` / `_search_<field>__c`."""

    def __init__(self, queryset, fields, primary, compact, table: str):
        super().__init__(queryset, fields, primary, compact)
        self.table = table

    def _doc(self, name: str, compact: bool = False) -> str:
        from .ddl import pg_column

        quote = self.connection.ops.quote_name
        return f"{quote(self.table)}.{quote(pg_column(name, compact))}"

    def _like_any(self, names: Sequence[str], pattern: str, compact: bool = False) -> tuple[str, list]:
        sql = " OR ".join(f"{self._doc(n, compact)} LIKE %s" for n in names)
        return f"({sql})", [pattern] * len(names)

    @staticmethod
    def _escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")

    def _condition(self, step: str, query: Query) -> tuple[str, list] | None:
        q, qc = self._escape(query.text), self._escape(query.compact)
        parts: list[tuple[str, list]] = []
        if step in ("prefix", "exact"):
            end = " |" if step == "exact" else ""
            if self.labels:
                parts.append(self._like_any(self.labels, f"%| {q}{end}%"))
            if self.compact and len(query.compact) >= 2:
                parts.append(self._like_any(self.compact, f"%|{qc}{end.strip()}%", compact=True))
        elif step == "tokens":
            terms = [self._like_any(self.names, f"% {self._escape(t)} %") for t in sorted(query.token_set)]
            parts.append(("(" + " AND ".join(s for s, _ in terms) + ")", [p for _, ps in terms for p in ps]))
        elif step == "substring":
            if query.long_tokens:
                terms = [
                    self._like_any(self.names, f"%{self._escape(t)}%") for t in sorted(query.long_tokens)
                ]
                parts.append(
                    ("(" + " AND ".join(s for s, _ in terms) + ")", [p for _, ps in terms for p in ps])
                )
            if self.compact and len(query.compact) >= SHORT_TOKEN:
                parts.append(self._like_any(self.compact, f"%{qc}%", compact=True))
        if not parts:
            return None
        return " OR ".join(s for s, _ in parts), [p for _, ps in parts for p in ps]

    def fetch(self, step: str, query: Query, cap: int | None) -> list[tuple]:
        if step == "fuzzy":
            return self._fuzzy(query, cap)
        condition = self._condition(step, query)
        if condition is None:
            return []
        sql, params = condition
        queryset = self.queryset.filter(RawSQL(sql, params, output_field=BooleanField()))
        return self._rows(queryset, cap)

    def _fuzzy(self, query: Query, cap: int | None) -> list[tuple]:
        """Records holding every long token or a close spelling of it (from the table's word list)."""
        from .vocabulary import postgres_words

        if not query.long_tokens:
            return []
        words = postgres_words(self.connection, self.table)
        terms = []
        for token in sorted(query.token_set):
            if len(token) < SHORT_TOKEN:
                terms.append(self._like_any(self.names, f"% {self._escape(token)} %"))
                continue
            close = [] if has_digit(token) else words.close(token)
            spellings = [token, *(w for w in close if w != token and len(w) >= SHORT_TOKEN)]
            alternatives = [self._like_any(self.names, f"%{self._escape(s)}%") for s in spellings]
            terms.append(
                (
                    "(" + " OR ".join(s for s, _ in alternatives) + ")",
                    [p for _, ps in alternatives for p in ps],
                )
            )
        sql = " AND ".join(s for s, _ in terms)
        params = [p for _, ps in terms for p in ps]
        return self._rows(self.queryset.filter(RawSQL(sql, params, output_field=BooleanField())), cap)


class ScanBackend(_QuerySetBackend):
    """No index for these fields: case-insensitive `LIKE` through the ORM (prefix and substring steps)."""

    def fetch(self, step: str, query: Query, cap: int | None) -> list[tuple]:
        raw = query.raw.strip()
        if step in ("prefix", "exact"):
            lookup = "iexact" if step == "exact" else "istartswith"
            targets = self.labels or self.names
            condition = reduce(or_, (Q(**{f"{n}__{lookup}": v}) for n in targets for v in {raw, query.text}))
        elif step == "substring":
            terms = query.tokens or [raw]
            condition = reduce(
                and_, (reduce(or_, (Q(**{f"{n}__icontains": t}) for n in self.names)) for t in set(terms))
            )
        else:
            return []
        return self._rows(self.queryset.filter(condition), cap)
