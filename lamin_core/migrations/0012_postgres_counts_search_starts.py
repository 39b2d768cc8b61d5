"""PostgreSQL only (nothing on SQLite): value-start indexes for the prefix and exact search steps on keys and
roots, the fields without a compact document (`CreateValueStartIndex` in lamin_core/search_index/ddl.py), and
the artifacts per branch and suffix, kept by triggers (`CountValues` in lamin_core/query/row_counts.py), which
answer `filter(suffix=...).count()`."""

from django.db import migrations

from lamin_core.query.row_count_operations import CountValues
from lamin_core.search_index import CreateValueStartIndex


class Migration(migrations.Migration):
    dependencies = [
        ("lamin_core", "0011_artifact_suffix_page_idx_size"),
    ]

    operations = [
        CountValues("artifact", "suffix"),
        CreateValueStartIndex("artifact", ["key"]),
        CreateValueStartIndex("collection", ["key"]),
        CreateValueStartIndex("transform", ["key"]),
        CreateValueStartIndex("storage", ["root"]),
    ]
