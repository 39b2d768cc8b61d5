"""Candidates from the database for the search steps (see `engine`): SQLite FTS5, PostgreSQL pg_trgm, or
plain `LIKE` scans for fields without an index.

Every step runs inside the caller's QuerySet (its filters, the visibility of records), in ascending id,
at most `cap` rows: SQLite reads the FTS index in id windows and filters each window through the
QuerySet; PostgreSQL puts the trigram condition into the QuerySet's WHERE clause, except for the
whole-token step of fields with inverted tables (`tokens`), which it reads in id windows as SQLite does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from functools import reduce
from operator import and_, or_
from typing import TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, F, Q
from django.db.models.expressions import RawSQL

from ..query.include import AmongIds
from .ddl import MULTIPLE_VALUES, START_CHARS, fts_table, pg_column, table_cache
from .fields import TEXT, SearchField
from .ranking import SHORT_TOKEN, Query
from .tokens import like_escaped
from .vocabulary import corrections, postgres_words, sqlite_words

# SQLite: ids read from the FTS index per round trip (grows 4x per window up to the maximum)
_FIRST_WINDOW = 1000
_MAX_WINDOW = 20_000


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# the partial index's condition as RawSQL text (its `%` doubled): written literally, so that the planner
# can match it to the index
_SEVERAL = MULTIPLE_VALUES.replace("%", "%%")

# PostgreSQL: a token is "rare" when the planner statistics' sample of the documents puts it in fewer than
# this share of the rows (a token in no sampled value of 100-bucket statistics); they are re-read after
# _STATS_SECONDS
_RARE = 0.005
_STATS_SECONDS = 60.0
_stats_lock = threading.Lock()
T = TypeVar("T")
# (alias, database, table) -> (time read, {column: (null_frac, [(value, frequency)], [sampled value])})
_STATS: dict[tuple, tuple[float, dict]] = table_cache(_stats_lock)


def _recent(cache: dict, connection, table: str, read: Callable[[], T]) -> T:
    """`read()` of `table`'s planner statistics, kept in `cache` for _STATS_SECONDS per process."""
    key = (connection.alias, str(connection.settings_dict.get("NAME")), table)
    now = time.monotonic()
    with _stats_lock:
        cached = cache.get(key)
    if cached is not None and now - cached[0] < _STATS_SECONDS:
        return cached[1]
    value = read()
    with _stats_lock:
        cache[key] = (now, value)
    return value


def _column_stats(connection, table: str) -> dict:
    """The sampled values of the search documents of `table` in `pg_stats` (most common values with their
    frequencies, histogram bounds), per column (`_recent`)."""

    def read() -> dict:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT attname, null_frac, most_common_vals::text::text[], most_common_freqs, "
                "histogram_bounds::text::text[] FROM pg_stats WHERE schemaname = current_schema() "
                "AND tablename = %s AND attname LIKE '\\_search\\_%%'",
                [table],
            )
            return {
                column: (null_frac or 0.0, list(zip(common or [], freqs or [], strict=False)), bounds or [])
                for column, null_frac, common, freqs, bounds in cursor.fetchall()
            }

    return _recent(_STATS, connection, table, read)


def rare_token(connection, table: str, columns: Sequence[str], tokens: Sequence[str]) -> str | None:
    """The token fewest rows hold in any of `columns` by the planner statistics, if fewer than _RARE of
    them; None without statistics for every column (a table not analyzed yet) or without a rare token."""
    if not tokens:
        return None
    stats = _column_stats(connection, table)
    if not all(c in stats for c in columns):
        return None
    best = None
    for token in tokens:
        share = 0.0
        for column in columns:
            null_frac, common, bounds = stats[column]
            share += sum(f for v, f in common if token in v)
            if bounds:
                rest = max(0.0, 1.0 - null_frac - sum(f for _, f in common))
                share += rest * sum(1 for v in bounds if token in v) / len(bounds)
        # ties (no sampled value holds either): the longer token has more trigrams, so fewer false hits
        rank = (share, -len(token), token)
        if best is None or rank < best:
            best = rank
    return best[2] if best is not None and best[0] < _RARE else None


# (alias, database, inverted table) -> (time read, (rows, {token: share of rows}, share of any other token))
_TOKEN_STATS: dict[tuple, tuple[float, tuple]] = table_cache(_stats_lock)


def _token_stats(connection, table: str) -> tuple[float, dict[str, float], float]:
    """An inverted table's estimated rows, the shares of its most common tokens and the share of any other
    token, from the planner statistics (`_recent`)."""

    def read() -> tuple[float, dict[str, float], float]:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.reltuples, s.n_distinct, s.most_common_vals::text::text[], s.most_common_freqs "
                "FROM pg_class c LEFT JOIN pg_stats s ON s.schemaname = current_schema() "
                "AND s.tablename = c.relname AND s.attname = 'token' "
                "WHERE c.oid = %s::regclass",
                [connection.ops.quote_name(table)],
            )
            row = cursor.fetchone()
        rows, distinct, common, freqs = row if row else (0.0, None, None, None)
        rows = max(float(rows or 0.0), 0.0)
        shares = dict(zip(common or [], freqs or [], strict=False))
        distinct = -float(distinct) * rows if distinct is not None and distinct < 0 else float(distinct or 0)
        rest = max(0.0, 1.0 - sum(shares.values())) / max(1.0, distinct - len(shares))
        return rows, shares, rest

    return _recent(_TOKEN_STATS, connection, table, read)


def token_counts(connection, tables: Sequence[str], tokens: Sequence[str]) -> dict[str, float]:
    """The estimated rows holding each token in the inverted `tables` (0 for every token without
    statistics: the longest token then drives)."""
    stats = [_token_stats(connection, t) for t in tables]
    return {token: sum(rows * shares.get(token, rest) for rows, shares, rest in stats) for token in tokens}


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

    def _among(self, ids: list):
        """The QuerySet's records among `ids`."""
        return self.queryset.filter(pk__in=ids)

    def _rows_among(self, ids: list) -> list[tuple]:
        """The QuerySet's rows among `ids`, in id order."""
        return self._rows(self._among(ids), None) if ids else []

    def _windows(
        self, read: Callable[[object, int], tuple[list[tuple], object, bool]], cap: int | None
    ) -> list:
        """The rows of the QuerySet among the ids an index gives in ascending order, window by window:
        `read(last id or None, window)` gives the QuerySet's rows among the index's next `window` ids
        after `last`, the last of those ids and whether the index may have more. Stops when `cap` rows are
        found or the index has no more."""
        rows: list[tuple] = []
        last, window = None, _FIRST_WINDOW if cap is None else max(cap, 1)
        while True:
            found, last, more = read(last, window)
            rows.extend(found)
            if cap is not None and len(rows) >= cap:
                return rows[:cap]
            if not more:
                break
            window = min(window * 4, _MAX_WINDOW)
        return rows


class SQLiteBackend(_QuerySetBackend):
    """FTS5 trigram table `search_fts_T` (documents per field) and the word list for the fuzzy step."""

    def __init__(self, queryset, fields, primary, compact, table: str):
        super().__init__(queryset, fields, primary, compact)
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
        if not query.long_tokens:
            return None
        words = sqlite_words(self.connection, self.table)
        groups = []
        for token in sorted(query.token_set):
            if len(token) < SHORT_TOKEN:
                groups.append(_phrase(f" {token} "))
                continue
            spellings = [_phrase(token)]  # as typed, anywhere; a correction as a whole word
            spellings += [_phrase(f" {w} ") for w in corrections(token, words)]
            groups.append("(" + " OR ".join(spellings) + ")")
        return f"{every} : ({' AND '.join(groups)})"

    def fetch(self, step: str, query: Query, cap: int | None) -> list[tuple]:
        match = self._match(step, query)
        if match is None:
            return []
        fts = '"' + self.fts + '"'

        def read(last, window: int) -> tuple[list[tuple], object, bool]:
            after = "" if last is None else " AND rowid > %s"
            params = [match] + ([] if last is None else [last]) + [window]
            with self.connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s{after} ORDER BY rowid LIMIT %s", params
                )
                ids = [row[0] for row in cursor.fetchall()]
            return self._rows_among(ids), ids[-1] if ids else None, len(ids) == window

        return self._windows(read, cap)


class PostgresBackend(_QuerySetBackend):
    """GIN trigram indexes on the stored documents `_search_<field>` / `_search_<field>__c`.

    A `LIKE` on a document makes the GIN index intersect the posting lists of every trigram of the pattern:
    for a query with common words ("batch 07 sample 000077" over keys that all hold "batch" and "sample")
    that reads most of the index (40 ms at 1M rows) to find a handful of rows. When the planner statistics
    show a query token that (almost) no sampled document holds, a step therefore asks the index for that
    token alone (`LIKE '%000077%'` on any searched document, which every match of the prefix, exact,
    whole-token and substring steps holds) and checks its full condition with `strpos()` on the rows found.
    Otherwise the prefix and exact steps of a field with value-start indexes (`starts`) ask the btree for
    the first value and the partial trigram index for later ones, since pg_trgm drops the `|` markers.
    """

    def __init__(
        self,
        queryset,
        fields,
        primary,
        compact,
        table: str,
        starts: frozenset[str] = frozenset(),
        tokens: dict[str, str] | None = None,
    ):
        super().__init__(queryset, fields, primary, compact)
        self.table = table
        self.starts = starts  # fields with value-start indexes (`ddl.postgres_start_statements`)
        self.tokens = tokens or {}  # {field: its inverted table} (`ddl.token_indexed`)

    def _doc(self, name: str, compact: bool = False) -> str:
        quote = self.connection.ops.quote_name
        return f"{quote(self.table)}.{quote(pg_column(name, compact))}"

    def _contains_any(
        self, names: Sequence[str], text: str, compact: bool = False, indexed: bool = True
    ) -> tuple[str, list]:
        """Some of the documents of `names` contain `text`: through the trigram index (`LIKE`) or not
        (`strpos`, checked on the rows another condition found)."""
        if indexed:
            sql = " OR ".join(f"{self._doc(n, compact)} LIKE %s" for n in names)
            return f"({sql})", [f"%{like_escaped(text)}%"] * len(names)
        sql = " OR ".join(f"strpos({self._doc(n, compact)}, %s) > 0" for n in names)
        return f"({sql})", [text] * len(names)

    def _starts_any(self, names: Sequence[str], text: str) -> tuple[str, list]:
        """Some value of the documents of `names` starts with `text` ("| q"), through the value-start
        indexes where a field has them: the document starts with it (btree range), or it holds several
        values and one of them does (the partial trigram index); else as `_contains_any`."""
        pattern = like_escaped(text)
        sql, params = [], []
        for name in names:
            doc = self._doc(name)
            if name in self.starts and len(text) <= START_CHARS:
                sql.append(
                    f"(left({doc}, {START_CHARS}) LIKE %s OR ({doc} LIKE '{_SEVERAL}' AND {doc} LIKE %s))"
                )
                params += [f"{pattern}%", f"%{pattern}%"]
            else:
                sql.append(f"{doc} LIKE %s")
                params.append(f"%{pattern}%")
        return f"({' OR '.join(sql)})", params

    def _condition(self, step: str, query: Query, indexed: bool = True) -> tuple[str, list] | None:
        q, qc = query.text, query.compact
        parts: list[tuple[str, list]] = []

        def every(terms: list[tuple[str, list]]) -> tuple[str, list]:
            return "(" + " AND ".join(s for s, _ in terms) + ")", [p for _, ps in terms for p in ps]

        if step in ("prefix", "exact"):
            end = " |" if step == "exact" else ""
            if self.labels:
                start = f"| {q}{end}"
                if indexed:
                    parts.append(self._starts_any(self.labels, start))
                else:
                    parts.append(self._contains_any(self.labels, start, indexed=False))
            if self.compact and len(qc) >= 2:
                parts.append(self._contains_any(self.compact, f"|{qc}{end.strip()}", True, indexed))
        elif step == "tokens":
            words = sorted(query.token_set)
            parts.append(every([self._contains_any(self.names, f" {t} ", indexed=indexed) for t in words]))
        elif step == "substring":
            if query.long_tokens:
                words = sorted(query.long_tokens)
                parts.append(every([self._contains_any(self.names, t, indexed=indexed) for t in words]))
            if self.compact and len(qc) >= SHORT_TOKEN:
                parts.append(self._contains_any(self.compact, qc, True, indexed))
        if not parts:
            return None
        return " OR ".join(s for s, _ in parts), [p for _, ps in parts for p in ps]

    def _driver(self, query: Query) -> tuple[str, list] | None:
        """An indexed condition every match of the prefix, exact, tokens and substring steps meets: a long
        query token in some document (each of those steps needs every long token in a document, or the
        compact query, which holds them all, in a compact document); None unless a token is rare."""
        columns = [pg_column(n) for n in self.names] + [pg_column(n, True) for n in self.compact]
        token = rare_token(self.connection, self.table, columns, query.long_tokens)
        if token is None:
            return None
        docs = self._contains_any(self.names, token)
        if not self.compact:
            return docs
        compact = self._contains_any(self.compact, token, compact=True)
        return f"({docs[0]} OR {compact[0]})", docs[1] + compact[1]

    def fetch(self, step: str, query: Query, cap: int | None) -> list[tuple]:
        if step == "fuzzy":
            return self._fuzzy(query, cap)
        if step == "tokens" and query.token_set and all(n in self.tokens for n in self.names):
            return self._whole_tokens(query, cap)
        driver = self._driver(query) if query.long_tokens else None
        condition = self._condition(step, query, indexed=driver is None)
        if condition is None:
            return []
        sql, params = condition
        if driver is not None:
            sql, params = f"{driver[0]} AND ({sql})", driver[1] + params
        queryset = self.queryset.filter(RawSQL(sql, params, output_field=BooleanField()))
        return self._rows(queryset, cap)

    def _among(self, ids: list):
        """The QuerySet's records among `ids` (integers from an inverted table): one array parameter, not
        one parameter per id (psycopg splits a statement of 1000 placeholders in ~5 ms)."""
        return self.queryset.filter(AmongIds(F("pk"), ids))

    def _whole_tokens(self, query: Query, cap: int | None) -> list[tuple]:
        """The whole-token step through the inverted tables (`tokens` module): per searched field, the
        ids of the rarest query token in id order, each checked for the other tokens by primary-key
        probes; the fields' ids merged and the QuerySet's rows among them read in the same statement
        (`_joined_rows`) or by a second one."""
        quote = self.connection.ops.quote_name
        tables = [quote(self.tokens[n]) for n in self.names]
        words = sorted(query.token_set)
        counts = token_counts(self.connection, [self.tokens[n] for n in self.names], words)
        driver = min(words, key=lambda t: (counts[t], -len(t), t))
        checks, check_params = "", []
        for token in words:
            if token != driver:
                probes = [f"EXISTS (SELECT 1 FROM {t} p WHERE p.token = %s AND p.id = d.id)" for t in tables]
                checks += " AND (" + " OR ".join(probes) + ")"
                check_params += [token] * len(tables)

        joined = self._joined_rows()

        def read(last, window: int) -> tuple[list[tuple], object, bool]:
            # a branch per field, each walking its primary key in id order (one ordered scan of the
            # fields together needs a Merge Append, which the planner does not pick reliably)
            after = "" if last is None else " AND d.id > %s"
            branch = [driver, *([] if last is None else [last]), *check_params, window]
            sql = " UNION ALL ".join(
                f"(SELECT {i}, d.id FROM {t} d WHERE d.token = %s{after}{checks} ORDER BY d.id LIMIT %s)"
                for i, t in enumerate(tables)
            )
            params = branch * len(tables)
            if joined is not None:  # each id's row of the QuerySet in the same statement (NULLs: not in it)
                columns = ", ".join(f"c{i}" for i in range(len(self.names) + 1))
                sql = f"SELECT * FROM ({sql}) w (n, id) LEFT JOIN ({joined[0]}) r ({columns}) ON r.c0 = w.id"
                params += joined[1]
            with self.connection.cursor() as cursor:
                cursor.execute(sql, params)
                found = cursor.fetchall()
            # a full branch may have more ids after its last one: the merged window ends there
            per_branch: dict[int, list] = {}
            for n, pk, *_ in found:
                per_branch.setdefault(n, []).append(pk)
            end = min((max(ids) for ids in per_branch.values() if len(ids) == window), default=None)
            ids = sorted({row[1] for row in found if end is None or row[1] <= end})
            last = ids[-1] if ids else None
            if joined is None:
                return self._rows_among(ids), last, end is not None
            rows = {
                row[2]: tuple(row[3:])
                for row in found
                if row[2] is not None and (end is None or row[2] <= end)
            }
            return sorted(rows.items()), last, end is not None

        return self._windows(read, cap)

    def _joined_rows(self) -> tuple[str, list] | None:
        """The SQL and parameters of the QuerySet's (pk, *fields) rows, to join to an inverted table's ids
        in one statement, when it reads its table alone (no join, DISTINCT, grouping or slice) and its
        values need no conversion: the planner then probes the primary key per id (one round trip and no
        1000-id array less than reading the rows by a second statement). None otherwise."""
        queryset = self.queryset.order_by().values_list("pk", *self.names)
        query = queryset.query
        if query.distinct or query.is_sliced or query.group_by is not None or query.combinator:
            return None
        compiler = query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # `.none()`: the second statement answers without a query
            return None
        if sum(1 for alias in query.alias_map if query.alias_refcount[alias]) != 1:
            return None
        if compiler.get_converters([expression for expression, _, _ in compiler.select]):
            return None
        return sql, list(params)

    def _fuzzy(self, query: Query, cap: int | None) -> list[tuple]:
        """Records holding every long token (anywhere) or a correction of it (a whole word)."""
        if not query.long_tokens:
            return []
        words = postgres_words(self.connection, self.table)
        terms = []
        for token in sorted(query.token_set):
            if len(token) < SHORT_TOKEN:
                terms.append(self._contains_any(self.names, f" {token} "))
                continue
            alternatives = [self._contains_any(self.names, token)]
            alternatives += [self._contains_any(self.names, f" {w} ") for w in corrections(token, words)]
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
