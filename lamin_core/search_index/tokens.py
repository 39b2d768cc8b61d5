"""PostgreSQL: the whole tokens of a field's search documents as an inverted table, read in id order.

The whole-token step asks for the first `cap` records by id where every query token is a whole token of
some searched document (`doc LIKE '% t %'`). When the query's tokens are common ("batch 07": every key
holds "batch", 2 % hold "07"), the trigram index cannot narrow that down and the primary-key walk visits
~50 rows per match (45 800 rows for the first 1000 at a million artifacts). Per searched field, the table
`search_tokens_T__<field>` (token, id) holds the distinct words of the stored document `_search_<field>`
(its space-separated parts other than the `|` markers): "t is a whole token of doc" is exactly "(t, id)
is a row". Its primary key (token, id) gives a token's records in id order, so the step reads the
rarest query token's first ids there (by the planner statistics of these tables) and checks the other
tokens by primary-key probes — about one index entry per match.

Statement-level triggers (with transition tables: a `COPY` or a bulk update runs them once) keep the
tables in the same transaction as the rows: an insert adds the new documents' tokens, a delete removes
the old ones, an update replaces those of the rows whose document changed, a truncate empties them.
Words longer than the longest query (LONGEST_TOKEN characters) are left out: no query token can equal
them (and a btree entry has a size limit).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

PREFIX = "search_tokens_"
# words longer than the longest query (`ranking.MAX_QUERY_LENGTH`, which loads rapidfuzz: migrations import
# this module) are left out
LONGEST_TOKEN = 200


def quoted(name: str) -> str:
    """An SQL identifier, quoted."""
    return '"' + name.replace('"', '""') + '"'


def token_table(table: str, field: str) -> str:
    """The inverted table of one searched field of `table`."""
    return f"{PREFIX}{table}__{field}"


def _function(table: str) -> str:
    return f"{PREFIX}{table}_sync"


def _trigger(table: str, event: str) -> str:
    return f"{PREFIX}{table}_{event}"


EVENTS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
    "truncate": "",
}


def _words(rows: str, pk: str, column: str) -> str:
    """(token, id) of the documents in `rows` (a relation with `pk` and `column`), each pair once."""
    return (
        f'SELECT DISTINCT w COLLATE "C", r.{quoted(pk)} '
        f"FROM {rows} r, unnest(string_to_array(r.{quoted(column)}, ' ')) AS w "
        f"WHERE w <> '|' AND w <> '' AND char_length(w) <= {LONGEST_TOKEN}"
    )


def _add(target: str, rows: str, pk: str, column: str) -> str:
    # in key order: a bulk insert (COPY of 50 000 artifacts) appends to each token's end of the index
    return f"INSERT INTO {quoted(target)} (token, id) {_words(rows, pk, column)} ORDER BY 1, 2"


def _remove(target: str, rows: str, pk: str, column: str) -> str:
    return (
        f"DELETE FROM {quoted(target)} t USING ({_words(rows, pk, column)}) AS d (token, id) "
        "WHERE t.token = d.token AND t.id = d.id"
    )


def _body(table: str, pk: str, fields: Sequence[str]) -> str:
    """The trigger function's statements per event (TG_OP)."""
    inserts, deletes, updates, truncates = [], [], [], []
    for field in fields:
        target, column = token_table(table, field), f"_search_{field}"
        inserts.append(_add(target, "new_rows", pk, column))
        deletes.append(_remove(target, "old_rows", pk, column))
        # the rows whose document changed (or whose id did): old tokens out, new ones in
        pair = f"{quoted(pk)}, {quoted(column)}"
        gone = f"(SELECT {pair} FROM old_rows EXCEPT SELECT {pair} FROM new_rows)"
        came = f"(SELECT {pair} FROM new_rows EXCEPT SELECT {pair} FROM old_rows)"
        updates += [_remove(target, gone, pk, column), _add(target, came, pk, column)]
        truncates.append(f"TRUNCATE {quoted(target)}")
    # an update that changes no document (most: a branch, a size, updated_at) stops at one check
    row = ", ".join(quoted(c) for c in [pk, *(f"_search_{f}" for f in fields)])
    changed = f"EXISTS (SELECT {row} FROM old_rows EXCEPT SELECT {row} FROM new_rows)"
    updates = [f"IF {changed} THEN {'; '.join(updates)}; END IF"]
    parts = [("INSERT", inserts), ("UPDATE", updates), ("DELETE", deletes), ("TRUNCATE", truncates)]
    branches = " ".join(
        f"{'IF' if i == 0 else 'ELSIF'} TG_OP = '{op}' THEN {'; '.join(statements)};"
        for i, (op, statements) in enumerate(parts)
    )
    return f"BEGIN {branches} END IF; RETURN NULL; END"


def create_statements(table: str, pk: str, fields: Sequence[str], pk_type: str = "integer") -> list[str]:
    """The inverted tables of `fields` (which have search documents; `pk_type`: the SQL type of the
    table's primary key), filled from the rows `table` holds, analyzed, and the triggers that keep them;
    any earlier ones dropped first (a search index dropped for some fields only leaves the others)."""
    statements = drop_statements(table, fields)
    for field in fields:
        target = token_table(table, field)
        statements += [
            # byte order (only equality is asked): cheaper comparisons than the database's collation
            f'CREATE TABLE {quoted(target)} (token text COLLATE "C" NOT NULL, id {pk_type} NOT NULL)',
            _add(target, quoted(table), pk, f"_search_{field}"),
            f"ALTER TABLE {quoted(target)} ADD PRIMARY KEY (token, id)",  # built once, after the fill
            f"ANALYZE {quoted(target)}",
        ]
    statements.append(
        f"CREATE OR REPLACE FUNCTION {quoted(_function(table))}() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ {_body(table, pk, fields)} $$"
    )
    for event, transition in EVENTS.items():
        statements.append(
            f"CREATE TRIGGER {quoted(_trigger(table, event))} AFTER {event.upper()} ON {quoted(table)} "
            f"{transition} FOR EACH STATEMENT EXECUTE FUNCTION {quoted(_function(table))}()"
        )
    return statements


def drop_statements(table: str, fields: Sequence[str]) -> list[str]:
    """The triggers, function and inverted tables (IF EXISTS: also run when a search index is dropped)."""
    return [
        *(f"DROP TRIGGER IF EXISTS {quoted(_trigger(table, event))} ON {quoted(table)}" for event in EVENTS),
        f"DROP FUNCTION IF EXISTS {quoted(_function(table))}()",
        *(f"DROP TABLE IF EXISTS {quoted(token_table(table, field))}" for field in fields),
    ]


def like_escaped(text: str) -> str:
    """`text` to match itself in a LIKE pattern (ESCAPE '\\', PostgreSQL's default)."""
    return re.sub(r"([\\%_])", r"\\\1", text)
