"""The ontology registries as the guide's `ln.view()` shows them: columns, uids, links, migrations."""

from __future__ import annotations

import sqlite3

import pytest
from conftest import python

GUIDE_COLUMNS = {
    "CellType": "uid name ontology_id abbr synonyms description space_id source_id run_id created_at "
    "created_by_id _aux _branch_code",
    "Gene": "uid symbol stable_id ensembl_gene_id ncbi_gene_ids biotype synonyms description space_id "
    "source_id organism_id run_id created_at created_by_id _aux _branch_code",
    "Organism": "uid name ontology_id scientific_name synonyms description space_id source_id run_id "
    "created_at created_by_id _aux _branch_code",
    "Source": "uid entity organism name in_db currently_used description url md5 source_website space_id "
    "dataframe_artifact_id version run_id created_at created_by_id _aux _branch_code",
}
ONTOLOGY_REGISTRIES = [
    "CellLine",
    "CellType",
    "DevelopmentalStage",
    "Disease",
    "Ethnicity",
    "ExperimentalFactor",
    "Pathway",
    "Phenotype",
    "Tissue",
]
ARTIFACT_ACCESSORS = {
    "organisms": "Organism",
    "genes": "Gene",
    "proteins": "Protein",
    "cell_markers": "CellMarker",
    "cell_types": "CellType",
    "tissues": "Tissue",
    "diseases": "Disease",
    "cell_lines": "CellLine",
    "phenotypes": "Phenotype",
    "pathways": "Pathway",
    "experimental_factors": "ExperimentalFactor",
    "developmental_stages": "DevelopmentalStage",
    "ethnicities": "Ethnicity",
}


@pytest.fixture(scope="module")
def bt(instance):
    import lamin_core.bionty

    return lamin_core.bionty


@pytest.mark.parametrize("registry", sorted(GUIDE_COLUMNS))
def test_df_columns_follow_the_guide(bt, registry):
    assert list(getattr(bt, registry).df().columns) == GUIDE_COLUMNS[registry].split()


@pytest.mark.parametrize("registry", ONTOLOGY_REGISTRIES)
def test_ontology_registries_have_the_celltype_columns(bt, registry):
    model = getattr(bt, registry)
    columns = list(model.df().columns)
    expected = GUIDE_COLUMNS["CellType"].split()
    if registry == "ExperimentalFactor":
        expected = [*expected[:6], "molecule", "instrument", "measurement", *expected[6:]]
    assert columns == expected
    assert model._meta.db_table == f"bionty_{registry.lower()}"
    assert model._meta.get_field("parents").remote_field.related_name == "children"


def test_every_registry_is_a_table_of_the_bionty_app(bt):
    from django.apps import apps

    app = apps.get_app_config("bionty")
    assert app.name == "lamin_core.bionty"
    names = {m.__name__ for m in app.get_models()}
    assert set(bt._REGISTRIES) <= names
    for name in bt._REGISTRIES:
        assert getattr(bt, name)._meta.db_table.startswith("bionty_")


@pytest.mark.parametrize(
    ("registry", "kwargs", "uid"),
    [
        ("CellType", {"name": "T cell", "ontology_id": "CL:0000084"}, "22LvKd01"),
        ("CellType", {"name": "cell", "ontology_id": "CL:0000000"}, "4bKGljt0"),
        ("CellType", {"name": "leukocyte", "ontology_id": "CL:0000738"}, "3VEAlFdi"),
        ("Organism", {"name": "human", "ontology_id": "NCBITaxon:9606"}, "1dpCL6Td"),
    ],
)
def test_deterministic_uids_of_the_guide(bt, registry, kwargs, uid):
    record = getattr(bt, registry)(**kwargs)
    assert record.uid == uid
    assert record._state.adding  # constructing saves nothing


def test_gene_uids_of_the_guide(bt):
    assert bt.Gene(symbol="CD8A", ensembl_gene_id="ENSG00000153563", organism="human").uid == "6Aqvc8ckDYeN"
    assert bt.Gene(symbol="CD38", ensembl_gene_id="ENSG00000004468", organism="human").uid == "iFxDa8hoEWuW"


def test_uid_without_an_identifier_hashes_name_and_organism(bt):
    from lamin_core.uids import hash_uid

    assert bt.CellType(name="my cell").uid == hash_uid("my cell", 8)
    assert bt.Gene(symbol="MYGENE", organism="human").uid == hash_uid("MYGENEhuman", 12)
    assert bt.CellMarker(name="CD8", organism="human").uid == hash_uid("CD8human", 12)
    assert bt.Source(entity="bionty.CellType", name="cl", organism="all", version="1").uid == hash_uid(
        "bionty.CellTypeclall1", 8
    )
    given = bt.CellType(name="my cell", uid="abcdefgh")
    assert given.uid == "abcdefgh"


def test_records_save_get_filter_and_print(bt):
    record = bt.CellType(name="my saved cell", description="made in a test").save()
    assert bt.CellType.get(name="my saved cell") == record
    assert bt.CellType.get(record.uid) == record
    assert list(bt.CellType.filter(name__startswith="my saved")) == [record]
    text = repr(record)
    assert text.startswith(f"CellType(uid='{record.uid}', name='my saved cell', description='made in a test'")
    assert "space_id=1" in text and "created_by_id=1" in text
    row = bt.CellType.df().loc[record.id]
    assert (row["name"], row["_branch_code"]) == ("my saved cell", 1)
    assert row["ontology_id"] is None or row["ontology_id"] != row["ontology_id"]  # None or NaN


def test_unknown_constructor_field_names_the_registry(bt):
    with pytest.raises(TypeError, match="CellType has no field 'nmae'"):
        bt.CellType(nmae="x")
    with pytest.raises(ValueError, match="CellType needs 'ontology_id' or 'name'"):
        bt.CellType(description="no name")
    with pytest.raises(TypeError, match=r"CellType\(parents=\.\.\.\) takes a list of ontology ids"):
        bt.CellType(name="x", parents="CL:0000000")


@pytest.mark.parametrize(("accessor", "registry"), sorted(ARTIFACT_ACCESSORS.items()))
def test_artifacts_link_to_each_registry_with_a_feature(ln, bt, accessor, registry):
    field = ln.Artifact._meta.get_field(accessor)
    model = getattr(bt, registry)
    assert field.related_model is model
    through = field.through
    assert through._meta.app_label == "bionty"
    feature = through._meta.get_field("feature")
    assert feature.null and feature.related_model is ln.Feature
    assert through._meta.get_field("artifact").related_model is ln.Artifact
    # the accessor works in queries (the guide: include=["cell_types__name"])
    assert list(ln.Artifact.filter(**{f"{accessor}__id": -1})) == []


def test_schemas_link_to_genes_proteins_markers_and_pathways(ln, bt):
    for accessor, registry in [
        ("genes", "Gene"),
        ("proteins", "Protein"),
        ("cell_markers", "CellMarker"),
        ("pathways", "Pathway"),
    ]:
        assert ln.Schema._meta.get_field(accessor).related_model is getattr(bt, registry)
    assert bt.Pathway._meta.get_field("genes").related_model is bt.Gene


def test_migrations_are_complete(bt):
    from django.core.management import call_command

    call_command("makemigrations", "bionty", "--check", "--dry-run", verbosity=0)


def test_shipped_bionty_template_matches_a_migrated_database(home, tmp_path):
    from lamin_core.setup.sqlite_template import copy_template, migration_files, recorded_migrations

    apps = ["lamin_core", "lamin_core.bionty"]
    shipped = tmp_path / "shipped.db"
    assert copy_template(apps, shipped), "the bionty SQLite template is outdated: run `make sqlite-templates`"
    assert recorded_migrations(shipped) == migration_files(apps)
    result = python(
        "from lamin_core.setup.instance import init; init(storage='m', modules='bionty', use_template=False)",
        home=home,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr

    def schema(path):
        with sqlite3.connect(path) as conn:
            query = "SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name"
            return list(conn.execute(query))

    assert schema(shipped) == schema(tmp_path / "m" / ".lamindb" / "lamin.db")


def test_import_is_cheap_and_lazy(home, tmp_path):
    code = (
        "import sys, lamin_core.bionty as bt\n"
        "heavy = ('django.db.models', 'pandas', 'numpy', 'rapidfuzz', 'zstandard')\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    result = python(code, home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_instance_without_the_module_says_how_to_get_it(home, tmp_path):
    code = (
        "import lamin_core as ln, lamin_core.bionty as bt\n"
        "ln.setup.init(storage='plain')\n"
        "try:\n    bt.CellType\nexcept Exception as e:\n    print(type(e).__name__, e)\n"
    )
    result = python(code, home=home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "LaminError" in result.stdout
    assert "--modules bionty" in result.stdout
