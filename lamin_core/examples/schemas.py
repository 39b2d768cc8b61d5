"""The built-in schemas with LaminDB's reserved uids; each call returns the saved schema (created once).

- `0000000000000000` valid_features: columns whose names are registered features (itype Feature, flexible)
- `0000000000000001` valid_ensembl_gene_ids: identifiers that are Ensembl gene ids of `bt.Gene`
- `0000000000000002` anndata_ensembl_gene_ids_and_valid_features_in_obs: AnnData with slots `obs` (valid
  features) and `var.T` (valid Ensembl gene ids)

The uids follow from the schemas' hashes (`lamin_core.models.schema.KNOWN_SCHEMAS`). Built-in schemas are
shared definitions, not outputs of an analysis: they are saved without a run, as in the guide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lamin_core as ln
import lamin_core.bionty as bt

if TYPE_CHECKING:
    from ..models import Schema

__all__ = ["anndata_ensembl_gene_ids_and_valid_features_in_obs", "valid_ensembl_gene_ids", "valid_features"]


def _builtin(schema: Schema) -> Schema:
    if schema._state.adding:
        schema.run = None
        schema.save()
    return schema


def valid_features() -> Schema:
    """`Schema(name="valid_features", itype=ln.Feature)`: columns that are registered features."""
    return _builtin(ln.Schema(name="valid_features", itype=ln.Feature))


def valid_ensembl_gene_ids() -> Schema:
    """`Schema(name="valid_ensembl_gene_ids", itype=bt.Gene.ensembl_gene_id)` (needs the bionty module)."""
    return _builtin(ln.Schema(name="valid_ensembl_gene_ids", itype=bt.Gene.ensembl_gene_id))


def anndata_ensembl_gene_ids_and_valid_features_in_obs() -> Schema:
    """The composite AnnData schema: slot `obs` valid features, slot `var.T` valid Ensembl gene ids."""
    obs_schema = valid_features()
    var_schema = valid_ensembl_gene_ids()
    return _builtin(
        ln.Schema(
            name="anndata_ensembl_gene_ids_and_valid_features_in_obs",
            otype="AnnData",
            slots={"obs": obs_schema, "var.T": var_schema},
        )
    )
