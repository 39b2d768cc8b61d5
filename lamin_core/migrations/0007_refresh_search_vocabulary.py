"""PostgreSQL: the search vocabularies keep words of every length (the fuzzy step corrects "cdnk1a" one
run of letters at a time, "cdnk" and "a"); see lamin_core.search_index.ddl.RefreshSearchVocabulary."""

from django.db import migrations

from lamin_core.search_index import RefreshSearchVocabulary


class Migration(migrations.Migration):
    dependencies = [
        ("lamin_core", "0006_transform_predecessors_collection_inputs"),
    ]

    operations = [RefreshSearchVocabulary()]
