"""A gene's full name (`description`, e.g. "tumor protein p53") is searched: the Gene search index gains
the field (lamin_core.search_index; the fields are `search_index.default_fields(Gene)`)."""

from django.db import migrations

from lamin_core.search_index import CreateSearchIndex, DropSearchIndex

_COMPACT = ["symbol", "synonyms", "ensembl_gene_id"]


class Migration(migrations.Migration):
    dependencies = [
        ("bionty", "0002_search_index"),
    ]

    operations = [
        DropSearchIndex("gene", ["symbol", "synonyms", "ensembl_gene_id"], compact=_COMPACT),
        CreateSearchIndex("gene", ["symbol", "synonyms", "description", "ensembl_gene_id"], compact=_COMPACT),
    ]
