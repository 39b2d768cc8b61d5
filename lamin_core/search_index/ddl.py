"""Creating, dropping, checking and repairing the search index of a table, per database vendor.

SQLite, per table T:
  search_fts_T     FTS5 trigram table (contentless): one column per searched field holding its index
                   document (`text.doc`), plus `<field>__c` columns with compact documents
  search_words_T   FTS5 unicode61 table (contentless, digits as separators) over the raw values, and
  search_vocab_T   its fts5vocab view: the distinct words, for the fuzzy step
  search_T_insert / _delete / _update   triggers that keep both tables in sync with T
  search_version   one row per table, incremented by the triggers (tells cached vocabularies to reload)

PostgreSQL: the `pg_trgm` extension, the IMMUTABLE functions `lamin_search_doc(text)` and
`lamin_search_compact(text)`, per searched field a generated (stored) column `_search_<field>` holding
its document (and `_search_<field>__c` its compact document) with a GIN trigram index on it, named
`search_T_<field>` / `search_T_<field>__c`; and `search_vocabulary` (tbl, word), the distinct words of
the searched fields, filled by statement-level triggers (append-only: a word that disappears stays, which
costs nothing but a useless correction candidate). Fields without a compact document (keys, roots) can also
get value-start indexes (`CreateValueStartIndex`, below) for the prefix and exact steps, which pg_trgm alone
cannot anchor at a value's start; a searched field can get an inverted table of its documents' whole
tokens (`CreateTokenIndex`, the `tokens` module) for the whole-token step, whose matches a trigram index
cannot give in id order. Stored documents keep the index recheck a plain `LIKE` (an expression index
would re-run the normalization for every candidate row: 100x slower on broad terms). Django never
selects these columns. A migration that changes the type of a searched column must drop the search index
first (PostgreSQL refuses to alter a column a generated column depends on).

`CreateSearchIndex` is the migration operation that runs this; any app's migration can use it. Table
names do not start with an app prefix on purpose (tools that empty `lamin_core_*` tables must not touch
an FTS index's shadow tables).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from django.db import connections, migrations, models

from .._logger import logger
from ..setup.postgres_ops import PostgresStatements
from .text import postgres_functions, sqlite_compact, sqlite_doc
from .tokens import EVENTS, PREFIX, like_escaped
from .tokens import create_statements as token_create_statements
from .tokens import drop_statements as token_drop_statements
from .tokens import quoted as _q

VERSION_TABLE = "search_version"
_lock = threading.Lock()
# (alias, database name, table) -> {field: has compact document} or None (no usable index)
_INDEX_CACHE: dict[tuple, dict[str, bool] | None] = {}
# (alias, database name, table) -> fields with value-start indexes (PostgreSQL)
_START_CACHE: dict[tuple, frozenset[str]] = {}
# (alias, database name, table) -> {field: its inverted table} (PostgreSQL, `tokens`)
_TOKEN_CACHE: dict[tuple, dict[str, str]] = {}
# the per-process caches of what is known about indexed tables (`db`'s planner statistics, `vocabulary`'s
# word lists; each with its lock), emptied with this module's by clear_caches()
_TABLE_CACHES: list[tuple[threading.Lock, dict]] = []


def table_cache(lock: threading.Lock) -> dict:
    """A new per-process cache about indexed tables, guarded by `lock`, that `clear_caches()` empties."""
    cache: dict = {}
    _TABLE_CACHES.append((lock, cache))
    return cache


def fts_table(table: str) -> str:
    return f"search_fts_{table}"


def words_table(table: str) -> str:
    return f"search_words_{table}"


def vocab_table(table: str) -> str:
    return f"search_vocab_{table}"


def _triggers(table: str) -> list[str]:
    return [f"search_{table}_insert", f"search_{table}_delete", f"search_{table}_update"]


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


# SQLite -----------------------------------------------------------------------------------------


def _sqlite_columns(fields: Sequence[str], compact: Sequence[str]) -> list[str]:
    return [*fields, *(f"{name}__c" for name in compact)]


def _sqlite_values(row: str, fields: Sequence[str], compact: Sequence[str]) -> list[str]:
    docs = [sqlite_doc(f"{row}{_q(name)}") for name in fields]
    return docs + [sqlite_compact(f"{row}{_q(name)}") for name in compact]


def _sqlite_words(row: str, fields: Sequence[str]) -> str:
    return " || ' ' || ".join(f"coalesce({row}{_q(name)}, '')" for name in fields)


def sqlite_trigger_statements(
    table: str, pk: str, fields: Sequence[str], compact: Sequence[str]
) -> list[str]:
    """The three triggers that keep the FTS tables of `table` in sync."""
    fts, words = _q(fts_table(table)), _q(words_table(table))
    columns = ", ".join(_q(c) for c in _sqlite_columns(fields, compact))
    insert_fts = (
        f"INSERT INTO {fts}(rowid, {columns}) "
        f"VALUES (new.{_q(pk)}, {', '.join(_sqlite_values('new.', fields, compact))});"
    )
    delete_fts = (
        f"INSERT INTO {fts}({fts}, rowid, {columns}) "
        f"VALUES ('delete', old.{_q(pk)}, {', '.join(_sqlite_values('old.', fields, compact))});"
    )
    insert_words = (
        f"INSERT INTO {words}(rowid, words) VALUES (new.{_q(pk)}, {_sqlite_words('new.', fields)});"
    )
    delete_words = (
        f"INSERT INTO {words}({words}, rowid, words) "
        f"VALUES ('delete', old.{_q(pk)}, {_sqlite_words('old.', fields)});"
    )
    bump = f"UPDATE {VERSION_TABLE} SET version = version + 1 WHERE tbl = {_lit(table)};"
    on = _q(table)
    insert, delete, update = (_q(t) for t in _triggers(table))
    watched = ", ".join(_q(c) for c in dict.fromkeys([pk, *fields]))
    return [
        f"CREATE TRIGGER {insert} AFTER INSERT ON {on} BEGIN {insert_fts} {insert_words} {bump} END",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {on} BEGIN {delete_fts} {delete_words} {bump} END",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {watched} ON {on} "
        f"BEGIN {delete_fts} {delete_words} {insert_fts} {insert_words} {bump} END",
    ]


def sqlite_fill_statements(table: str, pk: str, fields: Sequence[str], compact: Sequence[str]) -> list[str]:
    """Index the rows `table` already holds."""
    fts, words = _q(fts_table(table)), _q(words_table(table))
    columns = ", ".join(_q(c) for c in _sqlite_columns(fields, compact))
    values = ", ".join(_sqlite_values("", fields, compact))
    return [
        f"INSERT INTO {fts}(rowid, {columns}) SELECT {_q(pk)}, {values} FROM {_q(table)}",
        f"INSERT INTO {words}(rowid, words) SELECT {_q(pk)}, {_sqlite_words('', fields)} FROM {_q(table)}",
    ]


def sqlite_create_statements(table: str, pk: str, fields: Sequence[str], compact: Sequence[str]) -> list[str]:
    """FTS tables, vocabulary view, version row, triggers, and the index of the existing rows."""
    columns = ", ".join(_q(c) for c in _sqlite_columns(fields, compact))
    return [
        f"CREATE TABLE IF NOT EXISTS {VERSION_TABLE} "
        "(tbl TEXT PRIMARY KEY, version INTEGER NOT NULL DEFAULT 0)",
        f"INSERT OR IGNORE INTO {VERSION_TABLE} (tbl, version) VALUES ({_lit(table)}, 0)",
        f"CREATE VIRTUAL TABLE {_q(fts_table(table))} USING fts5({columns}, content='', columnsize=0, "
        "tokenize='trigram')",
        f"CREATE VIRTUAL TABLE {_q(words_table(table))} USING fts5(words, content='', columnsize=0, "
        "tokenize=\"unicode61 remove_diacritics 0 separators '0123456789'\")",
        f"CREATE VIRTUAL TABLE {_q(vocab_table(table))} USING fts5vocab({_q(words_table(table))}, 'row')",
        *sqlite_trigger_statements(table, pk, fields, compact),
        *sqlite_fill_statements(table, pk, fields, compact),
    ]


def sqlite_drop_statements(table: str) -> list[str]:
    return [
        *(f"DROP TRIGGER IF EXISTS {_q(t)}" for t in _triggers(table)),
        f"DROP TABLE IF EXISTS {_q(vocab_table(table))}",
        f"DROP TABLE IF EXISTS {_q(words_table(table))}",
        f"DROP TABLE IF EXISTS {_q(fts_table(table))}",
        f"DELETE FROM {VERSION_TABLE} WHERE tbl = {_lit(table)}",
    ]


# PostgreSQL -------------------------------------------------------------------------------------


def _pg_index_name(table: str, field: str, compact: bool = False) -> str:
    name = f"search_{table}_{field}" + ("__c" if compact else "")
    return name[:63]


def pg_column(field: str, compact: bool = False) -> str:
    """The generated column holding a field's index document on PostgreSQL."""
    return f"_search_{field}" + ("__c" if compact else "")


PG_VOCABULARY = "search_vocabulary"
# statement-level triggers add the words (runs of letters, any length: "cdkn1a" gives "cdkn" and "a") of
# new and updated rows
_PG_WORDS_FUNCTION = f"""
CREATE OR REPLACE FUNCTION lamin_search_words() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE columns text;
BEGIN
  SELECT string_agg(format('%I', a), ', ') INTO columns FROM unnest(TG_ARGV) AS a;
  EXECUTE format(
    'INSERT INTO {PG_VOCABULARY} (tbl, word) SELECT DISTINCT %L, w FROM new_rows, '
    'regexp_split_to_table(lower(concat_ws('' '', %s)), ''[^[:alpha:]]+'') AS w '
    'WHERE length(w) > 0 ON CONFLICT DO NOTHING', TG_TABLE_NAME, columns);
  RETURN NULL;
END $$
"""


def _pg_fill_words(table: str, fields: Sequence[str]) -> str:
    """Add the words of the rows `table` holds to the vocabulary."""
    return (
        f"INSERT INTO {PG_VOCABULARY} (tbl, word) SELECT DISTINCT {_lit(table)}, w FROM {_q(table)}, "
        f"regexp_split_to_table(lower(concat_ws(' ', {', '.join(_q(f) for f in fields)})), '[^[:alpha:]]+') "
        "AS w WHERE length(w) > 0 ON CONFLICT DO NOTHING"
    )


def _pg_word_triggers(table: str) -> list[str]:
    return [f"search_{table}_words_insert"[:63], f"search_{table}_words_update"[:63]]


def postgres_create_statements(table: str, fields: Sequence[str], compact: Sequence[str]) -> list[str]:
    statements = ["CREATE EXTENSION IF NOT EXISTS pg_trgm", *postgres_functions()]
    arguments = ", ".join(_lit(f) for f in fields)
    on_insert, on_update = (_q(t) for t in _pg_word_triggers(table))
    statements += [
        f"CREATE TABLE IF NOT EXISTS {PG_VOCABULARY} "
        "(id bigserial PRIMARY KEY, tbl text NOT NULL, word text NOT NULL, UNIQUE (tbl, word))",
        f"CREATE INDEX IF NOT EXISTS {PG_VOCABULARY}_tbl_id ON {PG_VOCABULARY} (tbl, id)",
        _PG_WORDS_FUNCTION,
        f"CREATE TRIGGER {on_insert} AFTER INSERT ON {_q(table)} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION lamin_search_words({arguments})",
        f"CREATE TRIGGER {on_update} AFTER UPDATE ON {_q(table)} REFERENCING NEW TABLE AS new_rows "
        f"FOR EACH STATEMENT EXECUTE FUNCTION lamin_search_words({arguments})",
        _pg_fill_words(table, fields),
    ]
    for name, is_compact in [*((f, False) for f in fields), *((f, True) for f in compact)]:
        column = pg_column(name, is_compact)
        function = "lamin_search_compact" if is_compact else "lamin_search_doc"
        statements += [
            f"ALTER TABLE {_q(table)} ADD COLUMN IF NOT EXISTS {_q(column)} text "
            f"GENERATED ALWAYS AS ({function}({_q(name)})) STORED",
            f"CREATE INDEX IF NOT EXISTS {_q(_pg_index_name(table, name, is_compact))} ON {_q(table)} "
            f"USING gin ({_q(column)} gin_trgm_ops) WITH (fastupdate = off)",
        ]
    return statements


# PostgreSQL, value starts: pg_trgm drops the `|` markers of a document, so its GIN index cannot tell "a
# value starts with q" (`LIKE '%| q%'`) from "a word starts with q": for a query whose words most documents
# hold ("batch 07" over keys that all hold "batch") it returns those rows for a recheck each. A field
# without a compact document (whose words are whole values) gets two more indexes for the prefix and
# exact steps: a btree (`text_pattern_ops`) on the start of the document, where `LIKE '| q%'` finds the
# first value's matches by range, and a GIN trigram index of the documents holding several values (the only
# ones where a later value can start with q: values are separated by " | ").
START_CHARS = 256  # characters of the document's start in the btree (beyond any query: MAX_QUERY_LENGTH)
MULTIPLE_VALUES = "% | %"  # LIKE pattern of a document with several values (the partial index condition)


def _pg_start_index_names(table: str, field: str) -> tuple[str, str]:
    return f"search_{table}_{field}__v"[:63], f"search_{table}_{field}__m"[:63]


def postgres_start_statements(table: str, fields: Sequence[str]) -> list[str]:
    """The value-start indexes of `fields` (which have search documents), then fresh planner statistics
    (the btree's expression has none before)."""
    statements = []
    for name in fields:
        column = _q(pg_column(name))
        start, several = (_q(n) for n in _pg_start_index_names(table, name))
        statements += [
            f"CREATE INDEX IF NOT EXISTS {start} ON {_q(table)} "
            f"(left({column}, {START_CHARS}) text_pattern_ops)",
            f"CREATE INDEX IF NOT EXISTS {several} ON {_q(table)} USING gin ({column} gin_trgm_ops) "
            f"WITH (fastupdate = off) WHERE {column} LIKE {_lit(MULTIPLE_VALUES)}",
        ]
    return [*statements, f"ANALYZE {_q(table)}"]


def postgres_start_drop_statements(table: str, fields: Sequence[str]) -> list[str]:
    names = [n for name in fields for n in _pg_start_index_names(table, name)]
    return [f"DROP INDEX IF EXISTS {_q(n)}" for n in names]


def postgres_drop_statements(table: str, fields: Sequence[str], compact: Sequence[str]) -> list[str]:
    """The vocabulary triggers and words, the documents and their indexes, and the inverted tables of
    the `tokens` module that read the documents (their triggers would fail without them)."""
    pairs = [*((f, False) for f in fields), *((f, True) for f in compact)]
    return [
        *token_drop_statements(table, fields),
        *(f"DROP TRIGGER IF EXISTS {_q(t)} ON {_q(table)}" for t in _pg_word_triggers(table)),
        f"DELETE FROM {PG_VOCABULARY} WHERE tbl = {_lit(table)}",
        *(f"DROP INDEX IF EXISTS {_q(_pg_index_name(table, f, c))}" for f, c in pairs),
        *(f"ALTER TABLE {_q(table)} DROP COLUMN IF EXISTS {_q(pg_column(f, c))}" for f, c in pairs),
    ]


# introspection ----------------------------------------------------------------------------------


def clear_caches() -> None:
    """Forget what is known about indexes and vocabularies (after creating or dropping an index)."""
    with _lock:
        _INDEX_CACHE.clear()
        _START_CACHE.clear()
        _TOKEN_CACHE.clear()
    for lock, cache in _TABLE_CACHES:
        with lock:
            cache.clear()


def _cache_key(connection, table: str) -> tuple:
    return (connection.alias, str(connection.settings_dict.get("NAME")), table)


_PG_INDEXED = re.compile(r"USING gin \(\"?_search_(\w+?)(__c)?\"? gin_trgm_ops\)")


def indexed_fields(connection, table: str) -> dict[str, bool] | None:
    """Fields of `table` in its search index ({field: has a compact document}), None without an index.

    An SQLite index whose triggers are missing (a table rebuilt by a migration) counts as no index until
    `repair()` runs, so that search never answers from a stale index.
    """
    key = _cache_key(connection, table)
    if key in _INDEX_CACHE:
        return _INDEX_CACHE[key]
    if connection.vendor == "sqlite":
        found = _sqlite_indexed(connection, table)
    elif connection.vendor == "postgresql":
        found = _postgres_indexed(connection, table)
    else:
        found = None
    with _lock:
        _INDEX_CACHE[key] = found
    return found


def _sqlite_indexed(connection, table: str) -> dict[str, bool] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT type, name FROM sqlite_master WHERE (type = 'table' AND name = %s) OR "
            "(type = 'trigger' AND tbl_name = %s AND name LIKE 'search\\_%%' ESCAPE '\\')",
            [fts_table(table), table],
        )
        found = {(kind, name) for kind, name in cursor.fetchall()}
        if ("table", fts_table(table)) not in found:
            return None
        if not all(("trigger", t) in found for t in _triggers(table)):
            logger.warning(
                f"the search index of {table} has no triggers (was the table rebuilt?); searching without "
                "it until `lamin_core.search_index.repair()` runs"
            )
            return None
        cursor.execute(f"PRAGMA table_info({_q(fts_table(table))})")
        columns = [row[1] for row in cursor.fetchall()]
    fields = [c for c in columns if not c.endswith("__c")]
    return {name: f"{name}__c" in columns for name in fields}


def _postgres_indexed(connection, table: str) -> dict[str, bool] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
            "AND indexname LIKE 'search\\_%%'",
            [table],
        )
        definitions = [row[0] for row in cursor.fetchall()]
    docs: set[str] = set()
    compacts: set[str] = set()
    for definition in definitions:
        for name, compact in _PG_INDEXED.findall(definition):
            (compacts if compact else docs).add(name)
    if not docs:
        return None
    return {name: name in compacts for name in sorted(docs)}


def start_indexed(connection, table: str) -> frozenset[str]:
    """PostgreSQL: the fields of `table` with both value-start indexes (`postgres_start_statements`)."""
    key = _cache_key(connection, table)
    with _lock:
        if key in _START_CACHE:
            return _START_CACHE[key]
    found: frozenset[str] = frozenset()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s "
                "AND indexname LIKE 'search\\_%%'",
                [table],
            )
            names = {row[0] for row in cursor.fetchall()}
        fields = indexed_fields(connection, table) or {}
        found = frozenset(f for f in fields if set(_pg_start_index_names(table, f)) <= names)
    with _lock:
        _START_CACHE[key] = found
    return found


def token_indexed(connection, table: str) -> dict[str, str]:
    """{field: its inverted table} of `table` when its triggers exist, else {} (cached per process)."""
    key = _cache_key(connection, table)
    with _lock:
        if key in _TOKEN_CACHE:
            return _TOKEN_CACHE[key]
    found = _token_tables(connection, table) if connection.vendor == "postgresql" else {}
    with _lock:
        _TOKEN_CACHE[key] = found
    return found


def _token_tables(connection, table: str) -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
            [like_escaped(f"{PREFIX}{table}__") + "%"],
        )
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE %s",
            [_q(table), like_escaped(f"{PREFIX}{table}_") + "%"],
        )
        triggers = cursor.fetchone()[0]
    if triggers < len(EVENTS):
        return {}
    start = len(f"{PREFIX}{table}__")
    return {name[start:]: name for name in names}


def repair(using: str = "default", verbosity: int = 0) -> list[str]:
    """Recreate missing SQLite triggers and re-index their tables; returns the repaired tables.

    Django rebuilds an SQLite table for many schema changes (copy, drop, rename), which drops its
    triggers; this runs after every `migrate` (post_migrate) so that the index follows such changes.
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        return []
    repaired = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name LIKE 'search\\_fts\\_%' ESCAPE '\\' AND sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
        tables = [name[len("search_fts_") :] for (name,) in cursor.fetchall()]
        for table in tables:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = %s AND name IN (%s, %s, %s)",
                [table, *_triggers(table)],
            )
            if cursor.fetchone()[0] == 3:
                continue
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
            if not cursor.fetchone()[0]:
                continue
            cursor.execute(f"PRAGMA table_info({_q(fts_table(table))})")
            columns = [row[1] for row in cursor.fetchall()]
            fields = [c for c in columns if not c.endswith("__c")]
            compact = [c[:-3] for c in columns if c.endswith("__c")]
            cursor.execute(f"PRAGMA table_info({_q(table)})")
            pk = next((row[1] for row in cursor.fetchall() if row[5] == 1), "id")
            statements = [
                *(f"DROP TRIGGER IF EXISTS {_q(t)}" for t in _triggers(table)),
                f"INSERT INTO {_q(fts_table(table))}({_q(fts_table(table))}) VALUES ('delete-all')",
                f"INSERT INTO {_q(words_table(table))}({_q(words_table(table))}) VALUES ('delete-all')",
                *sqlite_trigger_statements(table, pk, fields, compact),
                *sqlite_fill_statements(table, pk, fields, compact),
                f"UPDATE {VERSION_TABLE} SET version = version + 1 WHERE tbl = {_lit(table)}",
            ]
            for statement in statements:
                cursor.execute(statement)
            repaired.append(table)
            if verbosity:
                print(f"  re-indexed {table} for search")
    if repaired:
        clear_caches()
    return repaired


# the migration operation ------------------------------------------------------------------------


class CreateSearchIndex(migrations.operations.base.Operation):
    """Create the search index of a model (and index its rows); reversible.

    `fields`: the searched fields; `compact`: those that also get a compact ("no spaces") document.
    """

    reversible = True
    reduces_to_sql = True

    def __init__(self, model_name: str, fields: Sequence[str], compact: Sequence[str] = ()):
        self.model_name = model_name
        self.fields = list(fields)
        self.compact = [name for name in compact if name in fields]

    def deconstruct(self):
        kwargs = {"compact": self.compact} if self.compact else {}
        return (self.__class__.__qualname__, [self.model_name, self.fields], kwargs)

    def state_forwards(self, app_label, state):
        pass

    def _columns(self, model) -> tuple[str, list[str], list[str]]:
        field = model._meta.get_field
        return (
            model._meta.pk.column,
            [field(name).column for name in self.fields],
            [field(name).column for name in self.compact],
        )

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        model = to_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        pk, fields, compact = self._columns(model)
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            statements = sqlite_create_statements(table, pk, fields, compact)
        elif vendor == "postgresql":
            statements = postgres_create_statements(table, fields, compact)
        else:
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)
        clear_caches()

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        model = from_state.apps.get_model(app_label, self.model_name)
        table = model._meta.db_table
        _, fields, compact = self._columns(model)
        vendor = schema_editor.connection.vendor
        if vendor == "sqlite":
            statements = sqlite_drop_statements(table)
        elif vendor == "postgresql":
            statements = postgres_drop_statements(table, fields, compact)
        else:
            return
        for statement in statements:
            schema_editor.execute(statement, params=None)
        clear_caches()

    def describe(self):
        return f"Create the search index of {self.model_name} ({', '.join(self.fields)})"

    @property
    def migration_name_fragment(self):
        return f"search_index_{self.model_name.lower()}"


class DropSearchIndex(CreateSearchIndex):
    """Drop the search index of a model (reversible: re-creates it).

    On PostgreSQL, a migration that changes the type of a searched column runs this before the
    `AlterField` and `CreateSearchIndex` after it (the stored documents depend on the column).
    """

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        super().database_backwards(app_label, schema_editor, to_state, from_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        super().database_forwards(app_label, schema_editor, to_state, from_state)

    def describe(self):
        return f"Drop the search index of {self.model_name}"

    @property
    def migration_name_fragment(self):
        return f"drop_search_index_{self.model_name.lower()}"


class RefreshSearchVocabulary(migrations.operations.base.Operation):
    """PostgreSQL: the word triggers' function as this version writes it, and the words of every indexed
    table added again with it (words of 1-2 letters were left out before: corrections of "cdnk1a" edit
    the runs "cdnk" and "a"). SQLite's word tables keep runs of every length already. Reversing does
    nothing (extra words in the vocabulary cost nothing)."""

    reversible = True
    reduces_to_sql = False

    def deconstruct(self):
        return (self.__class__.__qualname__, [], {})

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        connection = schema_editor.connection
        if connection.vendor != "postgresql":
            return
        schema_editor.execute(_PG_WORDS_FUNCTION, params=None)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND indexname LIKE 'search\\_%%' ORDER BY tablename, indexname"
            )
            rows = cursor.fetchall()
        fields: dict[str, list[str]] = {}
        for table, definition in rows:
            for name, compact in _PG_INDEXED.findall(definition):
                if not compact and name not in fields.setdefault(table, []):
                    fields[table].append(name)
        for table, names in fields.items():
            schema_editor.execute(_pg_fill_words(table, names), params=None)
        clear_caches()

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return "Refresh the search vocabularies (words of every length)"

    @property
    def migration_name_fragment(self):
        return "refresh_search_vocabulary"


class _FieldStatements(PostgresStatements):
    """A PostgreSQL-only step for some searched fields of one model (their database columns)."""

    def __init__(self, model_name: str, fields: Sequence[str]):
        self.model_name = model_name
        self.fields = list(fields)

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name, self.fields], {})

    def _columns(self, model) -> list[str]:
        return [model._meta.get_field(name).column for name in self.fields]

    def after(self) -> None:
        clear_caches()


class CreateValueStartIndex(_FieldStatements):
    """PostgreSQL: the value-start indexes of searched fields without a compact document (keys, roots;
    `postgres_start_statements`); nothing on SQLite, whose FTS5 phrases keep the `|` markers. Reversible.
    The indexes go with the document column: a migration that re-creates a field's search index
    (`DropSearchIndex`, `CreateSearchIndex`) runs this again after it."""

    def forwards(self, model) -> list[str]:
        return postgres_start_statements(model._meta.db_table, self._columns(model))

    def backwards(self, model) -> list[str]:
        return postgres_start_drop_statements(model._meta.db_table, self._columns(model))

    def describe(self):
        return f"Create the value-start search indexes of {self.model_name} ({', '.join(self.fields)})"

    @property
    def migration_name_fragment(self):
        return f"search_start_index_{self.model_name.lower()}"


class CreateTokenIndex(_FieldStatements):
    """PostgreSQL: the inverted tables of searched fields (`create_statements`) and their triggers;
    nothing on SQLite, whose FTS5 index already gives a phrase's matches in id order. Reversible. The
    tables go with the documents: dropping a search index (`DropSearchIndex`) drops them too, and a
    migration that re-creates it runs this again after it."""

    def forwards(self, model) -> list[str]:
        pk = model._meta.pk
        big = isinstance(pk, models.BigAutoField | models.BigIntegerField)
        return token_create_statements(
            model._meta.db_table, pk.column, self._columns(model), "bigint" if big else "integer"
        )

    def backwards(self, model) -> list[str]:
        return token_drop_statements(model._meta.db_table, self._columns(model))

    def describe(self):
        return f"Create the whole-token search tables of {self.model_name} ({', '.join(self.fields)})"

    @property
    def migration_name_fragment(self):
        return f"search_token_index_{self.model_name.lower()}"
