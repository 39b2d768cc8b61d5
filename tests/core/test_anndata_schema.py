"""Ontology-typed features, gene schemas, composite AnnData schemas, and annotating artifacts on save.

Everything this module writes (records and stored files) happens in one transaction that is rolled back
at its end (`atomic_with_storage`), so other modules see the instance as before.
"""

from __future__ import annotations

import pandas as pd
import pytest


class _Rollback(Exception):
    pass


@pytest.fixture(scope="module")
def bt(instance):
    import lamin_core.bionty

    return lamin_core.bionty


@pytest.fixture(scope="module")
def data(ln, bt):
    from lamin_core.artifacts.save import atomic_with_storage

    try:
        with atomic_with_storage():
            features = {
                name: ln.Feature(name=name, dtype=dtype).save()
                for name, dtype in [
                    ("ad_perturbation", "cat[ULabel]"),
                    ("ad_note", "str"),
                    ("ad_cell_type", "cat[bionty.CellType]"),
                    ("ad_cell_type_id", "cat[bionty.CellType.ontology_id]"),
                    ("ad_dose", "float"),
                ]
            }
            ln.save([ln.ULabel(name="ad_DMSO"), ln.ULabel(name="ad_IFNG")])
            ln.save([r for r in bt.CellType.from_values(["B cell", "T cell"], mute=True) if r._state.adding])
            genes = bt.Gene.from_values(
                ["ENSG00000153563", "ENSG00000010610"], field=bt.Gene.ensembl_gene_id, organism="human"
            )
            ln.save([g for g in genes if g._state.adding])
            yield {"features": features}
            raise _Rollback
    except _Rollback:
        pass


def adata_of(obs: dict, genes=("ENSG00000153563", "ENSG00000010610")):
    import anndata

    n = len(next(iter(obs.values())))
    obs_frame = pd.DataFrame(obs, index=[f"obs{i}" for i in range(n)])
    x = pd.DataFrame([[i, i + 1] for i in range(n)], index=obs_frame.index, columns=list(genes))
    return anndata.AnnData(x.astype("float32"), obs=obs_frame)


GOOD_OBS = {
    "ad_perturbation": pd.Categorical(["ad_DMSO", "ad_IFNG", "ad_DMSO"]),
    "ad_note": ["a", "b", "c"],
    "ad_cell_type": pd.Categorical(["B cell", "T cell", "T cell"]),
    "ad_cell_type_id": ["CL:0000236", "CL:0000084", "CL:0000084"],
    "not_a_feature": [1, 2, 3],  # ignored: the obs schema validates registered features only
}


# -- schemas -------------------------------------------------------------------------------------------------


def test_gene_schema_from_a_field(ln, bt, data):
    schema = ln.Schema(name="valid_ensembl_gene_ids", itype=bt.Gene.ensembl_gene_id)
    assert (schema.itype, schema.dtype, schema.n) == ("bionty.Gene.ensembl_gene_id", "num", -1)
    assert (schema.hash, schema.uid) == ("1gocc_TJ1RU2bMwDRK-WUA", "0000000000000001")
    assert ln.Schema(itype=ln.Feature.name).itype == "Feature"  # Feature.name is Feature, like LaminDB
    genes = list(bt.Gene.filter(ensembl_gene_id__in=["ENSG00000153563", "ENSG00000010610"]).order_by("id"))
    members = ln.Schema(features=genes, itype=bt.Gene.ensembl_gene_id).save()
    assert [g.symbol for g in members.members] == ["CD8A", "CD4"]
    assert set(members.genes.all()) == set(genes)


def test_builtin_schemas_and_composite(ln, data):
    from lamin_core.examples import schemas
    from lamin_core.hashing import hash_string
    from lamin_core.models import SchemaComponent

    composite = schemas.anndata_ensembl_gene_ids_and_valid_features_in_obs()
    obs, var = schemas.valid_features(), schemas.valid_ensembl_gene_ids()
    assert [s.uid for s in (obs, var, composite)] == [f"000000000000000{i}" for i in range(3)]
    assert (composite.itype, composite.otype, composite.dtype, composite.n) == (
        "Composite",
        "AnnData",
        "num",
        -1,
    )
    assert composite.hash == "GTxxM36n9tocphLfdbNt9g" == hash_string(":".join(sorted([obs.hash, var.hash])))
    assert composite._aux == {"af": {"2": True}} and composite.run_id is None  # built-in: no run
    assert composite.slots == {"obs": obs, "var.T": var}
    assert set(composite.components.all()) == {obs, var} and list(obs.composites.all()) == [composite]
    links = SchemaComponent.objects.filter(composite=composite).order_by("id")
    assert [(link.slot, link.component_id) for link in links] == [("obs", obs.id), ("var.T", var.id)]
    assert obs.composite_id is None and var.composite_id is None  # the legacy pointer stays empty
    assert composite.members == []
    assert "obs: Feature" in composite.describe(return_str=True)
    # the same components give the same composite; saving it again keeps its hash
    again = ln.Schema(slots={"var.T": var, "obs": obs}, otype="AnnData")
    assert again.pk == composite.pk
    composite.description = "AnnData with genes and features"
    composite.save()
    assert ln.Schema.get(composite.pk).hash == "GTxxM36n9tocphLfdbNt9g"


def test_composite_schema_errors(ln, data):
    from lamin_core.errors import ValidationError
    from lamin_core.examples import schemas

    obs = schemas.valid_features()
    with pytest.raises(ValidationError, match="pass otype"):
        ln.Schema(slots={"obs": obs})
    with pytest.raises(ValidationError, match="save the schema of slot 'var'"):
        ln.Schema(
            slots={"obs": obs, "var": ln.Schema(features=[data["features"]["ad_note"]])}, otype="AnnData"
        )
    with pytest.raises(ValidationError, match="takes slots, not features"):
        ln.Schema(features=[data["features"]["ad_note"]], slots={"obs": obs}, otype="AnnData")
    with pytest.raises(ValidationError, match="non-empty dict"):
        ln.Schema(slots=[obs], otype="AnnData")
    with pytest.raises(ValidationError, match="slot 'obs' must be a Schema"):
        ln.Schema(slots={"obs": "valid_features"}, otype="AnnData")


# -- ontology-typed features --------------------------------------------------------------------------------


def test_ontology_features_in_add_values(ln, bt, data):
    from lamin_core.errors import ValidationError
    from lamin_core.models import Artifact

    artifact = Artifact.from_df(pd.DataFrame({"x": [1.5]}), key="ad/values.parquet").save()
    artifact.features.add_values({"ad_cell_type": ["B cell", "T cell"], "ad_cell_type_id": "CL:0000084"})
    links = artifact.links_cell_type.order_by("id").values_list("celltype__name", "feature__name")
    assert sorted(links) == [
        ("B cell", "ad_cell_type"),
        ("T cell", "ad_cell_type"),
        ("T cell", "ad_cell_type_id"),
    ]
    assert artifact.features.get_values()["ad_cell_type"] == {"B cell", "T cell"}
    # adding them again links nothing twice (SQLite has no unique constraint with a nullable feature)
    artifact.features.add_values({"ad_cell_type": ["B cell", "T cell"]})
    assert artifact.links_cell_type.count() == 3
    with pytest.raises(ValidationError, match=r"labels not found in bionty\.CellType: 'NK cell'"):
        artifact.features.add_values({"ad_cell_type": "NK cell"})


def test_ontology_features_in_validate_dataframe(ln, data):
    from lamin_core.errors import ValidationError
    from lamin_core.features.validation import validate_dataframe

    f = data["features"]
    schema = ln.Schema(features=[f["ad_cell_type"], f["ad_cell_type_id"]]).save()
    ok = pd.DataFrame({"ad_cell_type": ["B cell", "T cell"], "ad_cell_type_id": ["CL:0000236", "CL:0000084"]})
    assert validate_dataframe(ok, schema) is None
    bad = pd.DataFrame(
        {"ad_cell_type": ["B cell", "natural killer cell"], "ad_cell_type_id": ["CL:0000236", "X:1"]}
    )
    with pytest.raises(ValidationError) as error:
        validate_dataframe(bad, schema)
    text = str(error.value)
    assert (
        "column 'ad_cell_type' (cat[bionty.CellType]): values not in bionty.CellType: ['natural killer cell']"
        in text
    )
    assert "are in the public source: save them with ln.save(bt.CellType.from_values(" in text
    assert (
        "column 'ad_cell_type_id' (cat[bionty.CellType.ontology_id]): values not in bionty.CellType: ['X:1']"
        in text
    )


# -- AnnData validated and annotated by a composite schema ----------------------------------------------


def test_from_anndata_with_a_composite_schema(ln, bt, data):
    from lamin_core.examples import schemas
    from lamin_core.models import ArtifactSchema

    schema = schemas.anndata_ensembl_gene_ids_and_valid_features_in_obs()
    artifact = ln.Artifact.from_anndata(adata_of(GOOD_OBS), key="ad/good.h5ad", schema=schema)
    assert artifact.schema == schema and artifact._state.adding
    artifact.save()
    assert getattr(artifact._pending, "annotation", None) is None and artifact.schema_id == schema.id
    f = data["features"]
    slots = {
        link.slot: link.schema
        for link in ArtifactSchema.objects.filter(artifact=artifact).select_related("schema")
    }
    assert set(slots) == {"obs", "var.T"}
    obs, var = slots["obs"], slots["var.T"]
    assert [m.name for m in obs.members] == ["ad_perturbation", "ad_note", "ad_cell_type", "ad_cell_type_id"]
    assert (obs.itype, obs.dtype, obs.n, obs._aux) == ("Feature", None, 4, {"af": {"2": False}})
    assert [g.symbol for g in var.members] == ["CD8A", "CD4"]
    assert (var.itype, var.dtype, var.n) == ("bionty.Gene.ensembl_gene_id", "num", 2)
    # the gene schema is the one LaminDB builds for these genes (deterministic gene uids)
    assert var.composite_id is None and obs.slot is None
    labels = sorted(artifact.links_ulabel.values_list("ulabel__name", "feature__name"))
    assert labels == [("ad_DMSO", "ad_perturbation"), ("ad_IFNG", "ad_perturbation")]
    cell_types = sorted(artifact.links_cell_type.values_list("celltype__name", "feature__name"))
    assert cell_types == [
        ("B cell", "ad_cell_type"),
        ("B cell", "ad_cell_type_id"),
        ("T cell", "ad_cell_type"),
        ("T cell", "ad_cell_type_id"),
    ]
    assert artifact.features.get_values() == {
        "ad_cell_type": {"B cell", "T cell"},
        "ad_cell_type_id": {"B cell", "T cell"},
        "ad_perturbation": {"ad_DMSO", "ad_IFNG"},
    }
    assert not artifact.genes.exists()  # var genes go into the slot schema, not the artifact's labels
    assert set(ln.Artifact.filter(feature_sets__itype="bionty.Gene.ensembl_gene_id")) >= {artifact}
    assert f["ad_note"] in obs.features.all()


def test_from_anndata_path_with_schema(ln, data, tmp_path):
    from lamin_core.examples import schemas

    schema = schemas.anndata_ensembl_gene_ids_and_valid_features_in_obs()
    path = tmp_path / "on_disk.h5ad"
    obs = {**GOOD_OBS, "ad_note": ["d", "e", "f"]}
    adata_of(obs).write_h5ad(path)
    artifact = ln.Artifact.from_anndata(path, key="ad/on_disk.h5ad", schema=schema).save()
    assert {link.slot for link in artifact.links_schema.all()} == {"obs", "var.T"}
    # the same content saved again: the existing artifact, annotated the same way
    again = ln.Artifact.from_anndata(path, key="ad/on_disk.h5ad", schema=schema).save()
    assert again.pk == artifact.pk and again.links_schema.count() == 2


def test_invalid_anndata_lists_every_problem_and_saves_nothing(ln, data, instance):
    from lamin_core.errors import ValidationError
    from lamin_core.examples import schemas
    from lamin_core.models import Schema

    schema = schemas.anndata_ensembl_gene_ids_and_valid_features_in_obs()
    obs = {
        **GOOD_OBS,
        "ad_perturbation": pd.Categorical(["ad_DMSO", "ad_IFNJ", "ad_DMSO"]),
        "ad_cell_type": pd.Categorical(["B cell", "CD8-pos alpha-beta T cell", "T cell"]),
        "ad_dose": ["high", 1.0, 2.0],
    }
    before = (ln.Artifact.all_objects.count(), Schema.objects.count())
    with pytest.raises(ValidationError) as error:
        ln.Artifact.from_anndata(
            adata_of(obs, genes=("ENSG00000153563", "GeneTypo")), key="ad/bad.h5ad", schema=schema
        )
    text = str(error.value)
    assert text.startswith(
        "AnnData does not fit schema 'anndata_ensembl_gene_ids_and_valid_features_in_obs':"
    )
    assert "slot 'obs': column 'ad_perturbation' (cat[ULabel]): values not in ULabel: ['ad_IFNJ']" in text
    assert "slot 'obs': column 'ad_cell_type' (cat[bionty.CellType]): values not in bionty.CellType: " in text
    assert "'CD8-pos alpha-beta T cell'" in text
    assert "slot 'obs': column 'ad_dose' (float): invalid values ['high']" in text
    assert "slot 'var.T': 1 of 2 values are not in bionty.Gene.ensembl_gene_id: ['GeneTypo']" in text
    assert (ln.Artifact.all_objects.count(), Schema.objects.count()) == before


def test_anndata_needs_an_anndata_schema(ln, data):
    from lamin_core.errors import ValidationError
    from lamin_core.examples import schemas

    with pytest.raises(ValidationError, match="needs a composite schema with otype 'AnnData'"):
        ln.Artifact.from_anndata(adata_of(GOOD_OBS), key="ad/x.h5ad", schema=schemas.valid_features())
    odd = ln.Schema(slots={"uns": schemas.valid_features()}, otype="AnnData").save()
    with pytest.raises(ValidationError, match=r"slots \['uns'\] are not supported"):
        ln.Artifact.from_anndata(adata_of(GOOD_OBS), key="ad/x.h5ad", schema=odd)


def test_failed_annotation_leaves_no_artifact(ln, data, instance, monkeypatch):
    import lamin_core.features.manager as manager
    from lamin_core.examples import schemas

    schema = schemas.anndata_ensembl_gene_ids_and_valid_features_in_obs()
    obs = {**GOOD_OBS, "ad_note": ["x", "y", "z"]}
    artifact = ln.Artifact.from_anndata(adata_of(obs), key="ad/fails.h5ad", schema=schema)
    stored = set((instance_storage(instance)).iterdir())

    def broken(*args, **kwargs):
        raise RuntimeError("injected failure while annotating")

    monkeypatch.setattr(manager, "link_labels", broken)
    with pytest.raises(RuntimeError, match="injected failure"):
        artifact.save()
    assert not ln.Artifact.all_objects.filter(key="ad/fails.h5ad").exists()
    assert set(instance_storage(instance).iterdir()) == stored
    monkeypatch.undo()
    artifact.save()  # a retry saves and annotates
    assert {link.slot for link in artifact.links_schema.all()} == {"obs", "var.T"}


def instance_storage(instance):
    from pathlib import Path

    return Path(instance.storage) / ".lamindb"


# -- DataFrames validated and annotated by a schema ----------------------------------------------------------


def test_from_df_with_schema_annotates_columns(ln, data):
    f = data["features"]
    schema = ln.Schema(features=[f["ad_perturbation"], f["ad_dose"]], name="ad dataframe").save()
    frame = pd.DataFrame({"ad_perturbation": ["ad_DMSO", "ad_DMSO"], "ad_dose": [0.1, 0.2], "other": [1, 2]})
    artifact = ln.Artifact.from_df(frame, key="ad/frame.parquet", schema=schema).save()
    (link,) = artifact.links_schema.all()
    assert link.slot == "columns" and [m.name for m in link.schema.members] == ["ad_perturbation", "ad_dose"]
    assert link.schema.pk == schema.pk  # the same features give the validating schema
    assert list(artifact.links_ulabel.values_list("ulabel__name", "feature__name")) == [
        ("ad_DMSO", "ad_perturbation")
    ]


# -- ln.save ------------------------------------------------------------------------------------------------


def test_save_inserts_new_records_in_bulk(ln, bt, data):
    labels = [ln.ULabel(name="ad_bulk_a"), ln.ULabel(name="ad_bulk_b")]
    ln.save(labels)
    assert all(not label._state.adding for label in labels)
    assert labels[0].created_at == labels[1].created_at and labels[0].id + 1 == labels[1].id
    latest = list(ln.ULabel.objects.latest_queryset(2).values_list("name", flat=True))
    assert latest == ["ad_bulk_a", "ad_bulk_b"]  # one bulk: ties listed by ascending id, like the guide
    # an ontology record brings its ancestors along, in one bulk ordered by ontology id
    (record,) = bt.CellType.from_values(["alpha-beta T cell"], mute=True)
    ln.save([record])
    assert {p.name for p in record.parents.all()} >= {"T cell"}
    with pytest.raises(TypeError, match="takes a list of records"):
        ln.save(ln.ULabel(name="ad_single"))


# -- ln.view ------------------------------------------------------------------------------------------------


def test_view_prints_the_bionty_module_after_core(ln, data, capsys):
    ln.view(limit=2)
    out = capsys.readouterr().out
    core, bionty = out.index("* module: core *"), out.index("* module: bionty *")
    assert core < bionty
    bionty_part = out[bionty:]
    assert "\nCellType\n" in bionty_part and "\nGene\n" in bionty_part and "\nOrganism\n" in bionty_part
    registries = [line for line in bionty_part.splitlines() if line and line[0].isupper() and " " not in line]
    assert registries == sorted(registries)  # alphabetical order
    assert ln.core.datasets.mini_immuno.get_dataset1().shape == (3, 11)
