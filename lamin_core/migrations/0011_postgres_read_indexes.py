"""PostgreSQL only (nothing on SQLite): value-start indexes for the prefix and exact search steps on keys and
roots, the fields without a compact document (`CreateValueStartIndex` in lamin_core/search_index/ddl.py), and
a partial index of the visible artifacts' suffixes, which counts `filter(suffix=...)` from a deduplicated
index (a posting list per suffix) instead of the page index's entry per row."""

from django.db import migrations

from lamin_core.search_index import CreateValueStartIndex

SUFFIX_INDEX = "artifact_suffix_visible_idx"


def create_suffix_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        table = "lamin_core_artifact"
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {SUFFIX_INDEX} ON {table} (suffix) WHERE _branch_code = 1")


def drop_suffix_index(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SUFFIX_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("lamin_core", "0010_artifactulabel_label_idx"),
    ]

    operations = [
        migrations.RunPython(create_suffix_index, drop_suffix_index),
        CreateValueStartIndex("artifact", ["key"]),
        CreateValueStartIndex("collection", ["key"]),
        CreateValueStartIndex("transform", ["key"]),
        CreateValueStartIndex("storage", ["root"]),
    ]
