"""PostgreSQL: the artifacts per branch, kept by triggers (lamin_core.query.row_counts); nothing on SQLite."""

from django.db import migrations

from lamin_core.query.row_count_operations import CountRows


class Migration(migrations.Migration):
    dependencies = [
        ("lamin_core", "0008_artifact_hidden_idx"),
    ]

    operations = [CountRows("artifact")]
