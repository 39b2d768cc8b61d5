"""PostgreSQL only (nothing on SQLite): the whole tokens of the artifacts' search documents (key,
description) as inverted tables in id order, kept by triggers (`CreateTokenIndex` in
lamin_core/search_index/ddl.py, `tokens.py`), for the whole-token search step."""

from django.db import migrations

from lamin_core.search_index import CreateTokenIndex


class Migration(migrations.Migration):
    dependencies = [
        ("lamin_core", "0012_postgres_counts_search_starts"),
    ]

    operations = [
        CreateTokenIndex("artifact", ["key", "description"]),
    ]
