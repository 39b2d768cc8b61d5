"""Search indexes of the core registries (SQLite FTS5 trigram tables + triggers; PostgreSQL pg_trgm)."""

from django.db import migrations

from lamin_core.search_index import CreateSearchIndex


class Migration(migrations.Migration):
    dependencies = [
        ("lamin_core", "0001_initial"),
    ]

    operations = [
        CreateSearchIndex("artifact", ["key", "description"]),
        CreateSearchIndex("collection", ["key", "description"]),
        CreateSearchIndex("transform", ["key", "description"]),
        CreateSearchIndex("run", ["name"], compact=["name"]),
        CreateSearchIndex("ulabel", ["name", "description"], compact=["name"]),
        CreateSearchIndex("feature", ["name", "synonyms", "description"], compact=["name", "synonyms"]),
        CreateSearchIndex("schema", ["name", "description"], compact=["name"]),
        CreateSearchIndex("storage", ["root", "description"]),
        CreateSearchIndex("user", ["name", "handle"], compact=["name", "handle"]),
    ]
