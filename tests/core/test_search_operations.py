"""The search index's migration operations (outside a transaction: SQLite's schema editor needs that)."""

from __future__ import annotations

from django.db import connection

from lamin_core.search_index import backend_for, indexed_fields


def test_drop_and_create_search_index_operations(ln):
    """The migration operations: dropping falls back to scanning, creating re-indexes the table's rows."""
    from django.db.migrations.state import ProjectState

    from lamin_core.search_index import CreateSearchIndex, DropSearchIndex

    state = ProjectState.from_apps(ln.ULabel._meta.apps)
    table = "lamin_core_ulabel"
    spec = ("ulabel", ["name", "description"])
    label = ln.ULabel(name="zq operations").save()
    try:
        with connection.schema_editor() as editor:
            DropSearchIndex(*spec, compact=["name"]).database_forwards("lamin_core", editor, state, state)
        assert indexed_fields(connection, table) is None
        assert type(backend_for(ln.ULabel.objects.all(), ["name"])).__name__ == "ScanBackend"
        assert ln.ULabel.search("zq operations").first() == label
    finally:
        with connection.schema_editor() as editor:
            CreateSearchIndex(*spec, compact=["name"]).database_forwards("lamin_core", editor, state, state)
    assert set(indexed_fields(connection, table)) == {"name", "description"}
    assert ln.ULabel.search("zqoperations").first() == label  # compact: only through the index
    label.delete()
