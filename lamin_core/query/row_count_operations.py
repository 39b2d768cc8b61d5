"""The migration steps that install the row-count triggers of `row_counts` (PostgreSQL only; nothing on
SQLite): `CountRows` per registry and branch, `CountValues` per registry, branch and column value."""

from __future__ import annotations

from ..setup.postgres_ops import PostgresStatements
from .row_counts import create_statements, drop_statements, value_create_statements, value_drop_statements


class CountRows(PostgresStatements):
    """Keep the rows per branch of a registry's table in `lamin_core_rowcount` (PostgreSQL); reversible."""

    def __init__(self, model_name: str):
        self.model_name = model_name

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name], {})

    def forwards(self, model) -> list[str]:
        return create_statements(model._meta.db_table)

    def backwards(self, model) -> list[str]:
        return drop_statements(model._meta.db_table)

    def describe(self):
        return f"Count the rows of {self.model_name} per branch (PostgreSQL)"


class CountValues(PostgresStatements):
    """Keep the rows per branch and value of a registry's column in `lamin_core_valuecount` (PostgreSQL;
    `counted_value`); reversible. The model names the column in `_counted_values`."""

    def __init__(self, model_name: str, field_name: str):
        self.model_name = model_name
        self.field_name = field_name

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.model_name, self.field_name], {})

    def forwards(self, model) -> list[str]:
        return value_create_statements(model._meta.db_table, model._meta.get_field(self.field_name).column)

    def backwards(self, model) -> list[str]:
        return value_drop_statements(model._meta.db_table, model._meta.get_field(self.field_name).column)

    def describe(self):
        return f"Count the rows of {self.model_name} per branch and {self.field_name} (PostgreSQL)"
