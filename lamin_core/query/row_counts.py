"""PostgreSQL: a registry's rows per branch, kept by triggers in the same transactions as the rows
(docs/architecture.md, "Counts").

PostgreSQL has no stored row count: `count(*)` visits every row (or index entry), about 60 ms at a million
artifacts on two cores. Statement-level triggers (with transition tables, so a bulk insert, `COPY` or
`QuerySet.update` adds one row, not one per record) append `(table, branch, +n / -n)` rows to
`lamin_core_rowcount` on insert, delete, a branch change and truncate; a count is the sum of a handful of
such rows. Appending (instead of updating one row per table) means concurrent writers never wait for each
other; a read that finds many rows folds them into one per branch. SQLite needs none of this
(`counting.visible_count`). The migration steps that install the triggers are in `row_count_operations`
(this module is read by every count: it does not load Django's migration framework).
"""

from __future__ import annotations

from django.db import DatabaseError, connections, transaction

TABLE = "lamin_core_rowcount"
FOLD_ABOVE = 64  # rows of one registry's counts beyond which a read folds them into one per branch

_FUNCTIONS = {
    "insert": f"""
        INSERT INTO {TABLE} (table_name, branch_code, delta)
        SELECT TG_TABLE_NAME, _branch_code, count(*) FROM new_rows GROUP BY _branch_code""",
    "delete": f"""
        INSERT INTO {TABLE} (table_name, branch_code, delta)
        SELECT TG_TABLE_NAME, _branch_code, -count(*) FROM old_rows GROUP BY _branch_code""",
    "update": f"""
        INSERT INTO {TABLE} (table_name, branch_code, delta)
        SELECT TG_TABLE_NAME, branch_code, sum(delta) FROM (
            SELECT o._branch_code AS branch_code, -1 AS delta FROM old_rows o JOIN new_rows n ON o.id = n.id
            WHERE o._branch_code IS DISTINCT FROM n._branch_code
            UNION ALL
            SELECT n._branch_code, 1 FROM old_rows o JOIN new_rows n ON o.id = n.id
            WHERE o._branch_code IS DISTINCT FROM n._branch_code
        ) moved GROUP BY branch_code""",
    "truncate": f"DELETE FROM {TABLE} WHERE table_name = TG_TABLE_NAME",
}
_TRANSITIONS = {
    "insert": "REFERENCING NEW TABLE AS new_rows",
    "delete": "REFERENCING OLD TABLE AS old_rows",
    "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "truncate": "",
}


def create_statements(table: str) -> list[str]:
    """The counts table (once), its trigger functions and `table`'s triggers, and its current counts."""
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} "
        "(table_name text NOT NULL, branch_code smallint, delta bigint NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {TABLE}_idx ON {TABLE} (table_name, branch_code)",
    ]
    for event, body in _FUNCTIONS.items():
        statements.append(
            f"CREATE OR REPLACE FUNCTION {TABLE}_{event}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {body}; RETURN NULL; END $$"
        )
        statements.append(
            f'CREATE TRIGGER {table}_rowcount_{event} AFTER {event.upper()} ON "{table}" '
            f"{_TRANSITIONS[event]} FOR EACH STATEMENT EXECUTE FUNCTION {TABLE}_{event}()"
        )
    statements.append(f"DELETE FROM {TABLE} WHERE table_name = '{table}'")
    statements.append(
        f"INSERT INTO {TABLE} (table_name, branch_code, delta) "
        f"SELECT '{table}', _branch_code, count(*) FROM \"{table}\" GROUP BY _branch_code"
    )
    return statements


def drop_statements(table: str) -> list[str]:
    """`table`'s triggers and counts (the functions and the counts table stay for other registries)."""
    return [
        *(f'DROP TRIGGER IF EXISTS {table}_rowcount_{event} ON "{table}"' for event in _FUNCTIONS),
        f"DELETE FROM {TABLE} WHERE table_name = '{table}'",
    ]


def counted_rows(table: str, branch_code: int, using: str) -> int:
    """The rows of `table` on `branch_code`, from the counts the triggers keep; folds them when many."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(sum(delta) FILTER (WHERE branch_code = %s), 0), count(*) FROM {TABLE} "
            "WHERE table_name = %s",
            [branch_code, table],
        )
        total, rows = cursor.fetchone()
        if rows > FOLD_ABOVE:
            _fold(cursor, table)
    return int(total)


def _fold(cursor, table: str) -> None:
    """Replace `table`'s count rows by one per branch, in one statement; skipped where writing is not
    allowed (a read-only transaction): the sum stays right either way."""
    try:
        with transaction.atomic(using=cursor.db.alias):
            cursor.execute(
                f"WITH gone AS (DELETE FROM {TABLE} WHERE table_name = %s RETURNING branch_code, delta) "
                f"INSERT INTO {TABLE} (table_name, branch_code, delta) "
                "SELECT %s, branch_code, sum(delta) FROM gone GROUP BY branch_code",
                [table, table],
            )
    except DatabaseError:
        return


# PostgreSQL: a registry's rows per branch and value of one column (`filter(suffix=".h5ad").count()`) -------

VALUES_TABLE = "lamin_core_valuecount"


def _value_name(table: str, column: str, event: str) -> str:
    return f"{table}_{column}_valuecount_{event}"[:63]


def _value_bodies(table: str, column: str) -> dict[str, str]:
    """The trigger functions' statements for `column` of `table` (the column named in the SQL, so no
    dynamic SQL)."""
    insert = f"INSERT INTO {VALUES_TABLE} (table_name, column_name, branch_code, value, delta)"
    key = f"'{table}', '{column}'"
    return {
        "insert": f'{insert} SELECT {key}, _branch_code, "{column}", count(*) FROM new_rows GROUP BY 3, 4',
        "delete": f'{insert} SELECT {key}, _branch_code, "{column}", -count(*) FROM old_rows GROUP BY 3, 4',
        "update": f"""
            {insert} SELECT {key}, branch_code, value, sum(delta) FROM (
                SELECT o._branch_code AS branch_code, o."{column}" AS value, -1 AS delta
                FROM old_rows o JOIN new_rows n ON o.id = n.id
                WHERE (o._branch_code, o."{column}") IS DISTINCT FROM (n._branch_code, n."{column}")
                UNION ALL
                SELECT n._branch_code, n."{column}", 1 FROM old_rows o JOIN new_rows n ON o.id = n.id
                WHERE (o._branch_code, o."{column}") IS DISTINCT FROM (n._branch_code, n."{column}")
            ) moved GROUP BY 3, 4""",
        "truncate": f"DELETE FROM {VALUES_TABLE} WHERE table_name = '{table}' AND column_name = '{column}'",
    }


def value_create_statements(table: str, column: str) -> list[str]:
    """The per-value counts table (once), `column`'s trigger functions and triggers on `table`, and its
    current counts."""
    statements = [
        f"CREATE TABLE IF NOT EXISTS {VALUES_TABLE} (table_name text NOT NULL, column_name text NOT NULL, "
        "branch_code smallint, value text, delta bigint NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS {VALUES_TABLE}_idx ON {VALUES_TABLE} (table_name, column_name, value)",
    ]
    for event, body in _value_bodies(table, column).items():
        name = _value_name(table, column, event)
        statements.append(
            f'CREATE OR REPLACE FUNCTION "{name}"() RETURNS trigger LANGUAGE plpgsql AS '
            f"$$ BEGIN {body}; RETURN NULL; END $$"
        )
        statements.append(
            f'CREATE TRIGGER "{name}" AFTER {event.upper()} ON "{table}" {_TRANSITIONS[event]} '
            f'FOR EACH STATEMENT EXECUTE FUNCTION "{name}"()'
        )
    statements.append(_value_bodies(table, column)["truncate"])
    statements.append(
        f"INSERT INTO {VALUES_TABLE} (table_name, column_name, branch_code, value, delta) "
        f"SELECT '{table}', '{column}', _branch_code, \"{column}\", count(*) FROM \"{table}\" GROUP BY 3, 4"
    )
    return statements


def value_drop_statements(table: str, column: str) -> list[str]:
    """`column`'s triggers, functions and counts (the counts table stays for other columns)."""
    names = [_value_name(table, column, event) for event in _TRANSITIONS]
    return [
        *(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"' for name in names),
        *(f'DROP FUNCTION IF EXISTS "{name}"()' for name in names),
        _value_bodies(table, column)["truncate"],
    ]


def counted_value(table: str, column: str, branch_code: int, value: str, using: str) -> int:
    """The rows of `table` on `branch_code` whose `column` equals `value`, from the counts the triggers
    keep; folds them when many."""
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT COALESCE(sum(delta) FILTER (WHERE branch_code = %s), 0), count(*) FROM {VALUES_TABLE} "
            "WHERE table_name = %s AND column_name = %s AND value = %s",
            [branch_code, table, column, value],
        )
        total, rows = cursor.fetchone()
        if rows > FOLD_ABOVE:
            _fold_value(cursor, table, column, value)
    return int(total)


def _fold_value(cursor, table: str, column: str, value: str) -> None:
    """Replace the count rows of one value by one per branch (as `_fold`)."""
    try:
        with transaction.atomic(using=cursor.db.alias):
            cursor.execute(
                f"WITH gone AS (DELETE FROM {VALUES_TABLE} WHERE table_name = %s AND column_name = %s "
                "AND value = %s RETURNING branch_code, delta) "
                f"INSERT INTO {VALUES_TABLE} (table_name, column_name, branch_code, value, delta) "
                "SELECT %s, %s, branch_code, %s, sum(delta) FROM gone GROUP BY branch_code",
                [table, column, value, table, column, value],
            )
    except DatabaseError:
        return
