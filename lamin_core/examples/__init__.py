"""`ln.examples`: example schemas and datasets, and the guide's mini-immuno ingest.

- `ln.examples.ingest_mini_immuno_datasets()` (LaminDB 1.5; 2.x:
  `ln.examples.datasets.mini_immuno.save_mini_immuno_datasets()`) saves the guide's two `.h5ad` datasets
  with their features, labels, cell types, genes and schemas, all or nothing.
- `ln.examples.schemas`: the built-in schemas (`valid_features()`, `valid_ensembl_gene_ids()`,
  `anndata_ensembl_gene_ids_and_valid_features_in_obs()`).
- `ln.examples.datasets`: the example files of `ln.core.datasets` plus `mini_immuno`.
"""

from __future__ import annotations

from . import datasets, schemas

__all__ = ["datasets", "ingest_mini_immuno_datasets", "schemas"]


def ingest_mini_immuno_datasets() -> None:
    """Save the guide's two "mini immuno" datasets (`datasets.mini_immuno.save_mini_immuno_datasets`)."""
    datasets.mini_immuno.save_mini_immuno_datasets()
