"""Search indexes of the ontology registries (SQLite FTS5 trigram tables + triggers; PostgreSQL pg_trgm).

Written by the search work (lamin_core.search_index); the fields are `search_index.default_fields()`.
"""

from django.db import migrations

from lamin_core.search_index import CreateSearchIndex

_ONTOLOGY = ["name", "synonyms", "ontology_id", "abbr"]


class Migration(migrations.Migration):
    dependencies = [
        ("bionty", "0001_initial"),
        ("lamin_core", "0002_search_index"),
    ]

    operations = [
        CreateSearchIndex("source", ["name", "description"], compact=["name"]),
        CreateSearchIndex(
            "organism",
            ["name", "synonyms", "ontology_id", "scientific_name"],
            compact=["name", "synonyms", "ontology_id", "scientific_name"],
        ),
        CreateSearchIndex(
            "gene",
            ["symbol", "synonyms", "ensembl_gene_id"],
            compact=["symbol", "synonyms", "ensembl_gene_id"],
        ),
        CreateSearchIndex(
            "protein", ["name", "synonyms", "uniprotkb_id"], compact=["name", "synonyms", "uniprotkb_id"]
        ),
        CreateSearchIndex(
            "cellmarker", ["name", "synonyms", "uniprotkb_id"], compact=["name", "synonyms", "uniprotkb_id"]
        ),
        *(
            CreateSearchIndex(model, _ONTOLOGY, compact=_ONTOLOGY)
            for model in (
                "celltype",
                "tissue",
                "disease",
                "cellline",
                "phenotype",
                "pathway",
                "experimentalfactor",
                "developmentalstage",
                "ethnicity",
            )
        ),
    ]
