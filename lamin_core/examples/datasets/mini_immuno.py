"""Two "mini immuno" datasets (LaminDB's `mini_immuno`): three observations each of three genes, with
observation-level metadata in `obs` and study metadata in `uns`; and the guide's ingest of both.

- `get_dataset1(otype="DataFrame" | "AnnData", ...)`, `get_dataset2(...)`: the data (the same values as
  LaminDB's `lamindb.core.datasets.mini_immuno`), optionally with LaminDB's deliberate defects (a typo,
  a cell type synonym, ...) for trying out validation.
- `save_mini_immuno_datasets()` (1.5: `ln.examples.ingest_mini_immuno_datasets()`): features, labels,
  cell types and genes, the built-in AnnData schema, and the two artifacts `examples/dataset1.h5ad` and
  `examples/dataset2.h5ad` validated and annotated by it, plus their study metadata as feature values.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import lamin_core as ln
import lamin_core.bionty as bt

from ...setup.instance import ensure_connected
from .. import schemas

if TYPE_CHECKING:
    import anndata as ad
    import pandas as pd

__all__ = ["get_dataset1", "get_dataset2", "ingest_mini_immuno_datasets", "save_mini_immuno_datasets"]

DATASET1_GENES = ["ENSG00000153563", "ENSG00000010610", "ENSG00000170458"]  # CD8A, CD4, CD14
DATASET2_GENES = ["ENSG00000153563", "ENSG00000010610", "ENSG00000004468"]  # CD8A, CD4, CD38
# (name, dtype) of the guide's features, in the order the ingest creates them
FEATURES = [
    # observation-level metadata
    ("perturbation", "cat[ULabel]"),
    ("sample_note", "str"),
    ("cell_type_by_expert", "cat[bionty.CellType]"),
    ("cell_type_by_model", "cat[bionty.CellType]"),
    # dataset-level metadata
    ("temperature", "float"),
    ("experiment", "cat[ULabel]"),
    ("date_of_study", "date"),
    ("study_note", "str"),
    ("study_metadata", "dict"),
]
STUDY_METADATA = [{"detail1": "123", "detail2": 1}, {"detail1": "456", "detail2": 2}]


def _frame_or_anndata(frame: pd.DataFrame, metadata: dict, otype: str) -> pd.DataFrame | ad.AnnData:
    if otype == "DataFrame":
        frame.attrs.update(metadata)
        return frame
    if otype != "AnnData":
        raise ValueError(f"otype must be 'DataFrame' or 'AnnData', got {otype!r}")
    from ...artifacts.create import import_anndata  # imports the models: only once Django is set up

    anndata = import_anndata()
    return anndata.AnnData(frame.iloc[:, :3], obs=frame.iloc[:, 3:], uns=dict(metadata))


def get_dataset1(
    otype: Literal["DataFrame", "AnnData"] = "DataFrame",
    gene_symbols_in_index: bool = False,
    with_typo: bool = False,
    with_cell_type_synonym: bool = False,
    with_cell_type_typo: bool = False,
    with_gene_typo: bool = False,
) -> pd.DataFrame | ad.AnnData:
    """Dataset 1: expression of CD8A, CD4, CD14 in samples 1-3, their metadata, and study metadata.

    As a DataFrame, genes and metadata are columns and the study metadata sits in `df.attrs`; as an
    AnnData, genes are `var`, metadata `obs`, study metadata `uns`. The flags introduce LaminDB's defects:
    `with_typo` (IFNJ), `with_cell_type_synonym` (B-cell), `with_cell_type_typo`, `with_gene_typo`.
    """
    import pandas as pd  # heavy: loaded when the example is made

    if gene_symbols_in_index:
        genes = ["CD8A", "CD4", "GeneTypo" if with_gene_typo else "CD14"]
    else:
        genes = [*DATASET1_GENES[:2], "GeneTypo" if with_gene_typo else DATASET1_GENES[2]]
    abt_cell = "CD8-pos alpha-beta T cell" if with_cell_type_typo else "CD8-positive, alpha-beta T cell"
    frame = pd.DataFrame(
        {
            genes[0]: [1, 2, 3],
            genes[1]: [3, 4, 5],
            genes[2]: [5, 6, 7],
            "perturbation": pd.Categorical(["DMSO", "IFNJ" if with_typo else "IFNG", "DMSO"]),
            "sample_note": ["was ok", "looks naah", "pretty! 🤩"],
            "cell_type_by_expert": pd.Categorical(
                ["B-cell" if with_cell_type_synonym else "B cell", abt_cell, abt_cell]
            ),
            "cell_type_by_model": pd.Categorical(["B cell", "T cell", "T cell"]),
            "assay_oid": pd.Categorical(["EFO:0008913", "EFO:0008913", "EFO:0008913"]),
            "concentration": ["0.1%", "200 nM", "0.1%"],
            "treatment_time_h": [24, 24, 6],
            "donor": ["D0001", "D0002", None],
        },
        index=["sample1", "sample2", "sample3"],
    )
    metadata = {
        "temperature": 21.6,
        "experiment": "Experiment 1",
        "date_of_study": "2024-12-01",
        "study_note": "We had a great time performing this study and the results look compelling.",
    }
    return _frame_or_anndata(frame, metadata, otype)


def get_dataset2(
    otype: Literal["DataFrame", "AnnData"] = "DataFrame", gene_symbols_in_index: bool = False
) -> pd.DataFrame | ad.AnnData:
    """Dataset 2: expression of CD8A, CD4, CD38 in samples 4-6, their metadata, and study metadata."""
    import pandas as pd  # heavy: loaded when the example is made

    genes = ["CD8A", "CD4", "CD38"] if gene_symbols_in_index else DATASET2_GENES
    frame = pd.DataFrame(
        {
            genes[0]: [2, 3, 3],
            genes[1]: [3, 4, 5],
            genes[2]: [4, 2, 3],
            "perturbation": pd.Categorical(["DMSO", "IFNG", "IFNG"]),
            "cell_type_by_model": pd.Categorical(["B cell", "T cell", "T cell"]),
            "concentration": ["0.1%", "200 nM", "0.1%"],
            "treatment_time_h": [24, 24, 6],
            "donor": ["D0003", "D0003", "D0004"],
        },
        index=["sample4", "sample5", "sample6"],
    )
    metadata = {"temperature": 22.6, "experiment": "Experiment 2", "date_of_study": "2025-02-13"}
    return _frame_or_anndata(frame, metadata, otype)


def save_mini_immuno_datasets() -> None:
    """Save the guide's two mini-immuno datasets, validated and annotated, in one transaction.

    Creates (or reuses) the features of `FEATURES`, the ULabels DMSO, IFNG, Experiment 1, Experiment 2,
    the cell types of the `cell_type_by_*` columns (from the bundled Cell Ontology, with their ancestors),
    the genes of each dataset (Ensembl ids, human), the built-in schemas, and the artifacts
    `examples/dataset1.h5ad` and `examples/dataset2.h5ad` with labels, slot schemas and study metadata.
    If any step fails, nothing is left behind: no records and no stored files. Running it again changes
    nothing.
    """
    ensure_connected()
    from ...artifacts.save import atomic_with_storage  # imports the models: only once Django is set up

    def save_new(records: list) -> None:
        # records that exist stay untouched (their update time too): a second run changes nothing
        ln.save([record for record in records if record._state.adding])

    with atomic_with_storage():
        save_new([ln.Feature(name=name, dtype=dtype) for name, dtype in FEATURES])
        # permissible values of the categoricals
        save_new([ln.ULabel(name="DMSO"), ln.ULabel(name="IFNG")])
        save_new([ln.ULabel(name="Experiment 1"), ln.ULabel(name="Experiment 2")])
        schema = schemas.anndata_ensembl_gene_ids_and_valid_features_in_obs()
        datasets = [get_dataset1(otype="AnnData"), get_dataset2(otype="AnnData")]
        for number, (adata, study_metadata) in enumerate(zip(datasets, STUDY_METADATA, strict=True), 1):
            # the cell types of each column and the dataset's genes, from the public sources
            for column in ("cell_type_by_expert", "cell_type_by_model"):
                if column in adata.obs:
                    save_new(bt.CellType.from_values(adata.obs[column].unique().tolist(), mute=True))
            save_new(
                bt.Gene.from_values(
                    adata.var_names.tolist(), field=bt.Gene.ensembl_gene_id, organism="human", mute=True
                )
            )
            artifact = ln.Artifact.from_anndata(
                adata, key=f"examples/dataset{number}.h5ad", schema=schema
            ).save()
            artifact.features.add_values({**adata.uns, "study_metadata": study_metadata})


ingest_mini_immuno_datasets = save_mini_immuno_datasets
