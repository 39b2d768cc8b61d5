"""A base for migration steps that are SQL statements on PostgreSQL only, nothing on SQLite: the triggers
that keep row counts (`query/row_counts.py`) and the value-start search indexes (`search_index/ddl.py`)."""

from __future__ import annotations

from django.db import migrations


class PostgresStatements(migrations.operations.base.Operation):
    """A reversible migration step of SQL statements for one model, run on PostgreSQL only.

    A subclass sets `model_name` and gives the statements (`forwards`, `backwards`), its constructor's
    arguments (`deconstruct`) and `describe`.
    """

    reversible = True
    reduces_to_sql = True
    model_name: str

    def forwards(self, model) -> list[str]:
        raise NotImplementedError

    def backwards(self, model) -> list[str]:
        raise NotImplementedError

    def after(self) -> None:
        """Runs after the statements (nothing unless a subclass says)."""

    def state_forwards(self, app_label, state):
        pass

    def _run(self, schema_editor, state, app_label: str, statements) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements(state.apps.get_model(app_label, self.model_name)):
            schema_editor.execute(statement, params=None)
        self.after()

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, to_state, app_label, self.forwards)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        self._run(schema_editor, from_state, app_label, self.backwards)
