"""Public sources in memory: `bt.CellType.public()` -> a PublicOntology with `df`, `search`, `lookup`.

Terms are read from the installed data packages (genes: the bundled tables) on first use and kept for
the process; nothing is read at import time. Reading a source and building its search index takes up to
~2 s (MONDO, human genes, Cellosaurus), so both are kept in a cache file per source, per user and shared by
every instance (`~/.cache/lamin-core/public-search/`), which later processes map in milliseconds. Setting
up the bionty module (`lamin-core init --modules bionty`, `connect`) builds the files that a first search
would otherwise build: see "the cache of indexed sources" below.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import namedtuple
from pathlib import Path
from typing import TYPE_CHECKING

from .._logger import logger
from ..search_index.arrayfile import read_array_bytes, write_arrays
from ._lookup import Lookup
from ._settings import settings
from .errors import NoPublicSourceError, OrganismError
from .sources import (
    GENES_INSTALL_HINT,
    INSTALL_HINT,
    ONTOLOGIES,
    SourceSpec,
    catalog,
    gene_info_path,
    ncbitaxon_terms,
    spec_for,
    specs_for,
    sync_sources,
)

if TYPE_CHECKING:
    import numpy as np  # numpy loads on first use, not with the module
    import pandas as pd  # pandas loads on first use, not with the module

    from ..search_index import MemoryIndex
    from .models import BioRecord, Organism, Source


class Terms:
    """The terms of one source: a frame indexed by identifier, plus what search and parents need.

    Made from the bundled data (`frame`, `deprecated`), or from a cache file (`columns`: the frame's
    columns as stored there, made a DataFrame only when a caller needs the whole frame; `index`: the
    search index).
    """

    def __init__(
        self,
        kind: str,
        frame: pd.DataFrame | None = None,
        deprecated: dict[str, list[str]] | None = None,
        *,
        columns: _StoredFrame | None = None,
        index: MemoryIndex | None = None,
    ):
        self.kind = kind
        self._frame = frame
        self._columns = columns
        self.deprecated = deprecated or {}  # id -> replacement ids
        self._index = index
        self._names: list[str] | None = None
        self._synonyms: list[list[str]] | None = None
        self._parents: dict[str, list[str]] | None = None
        self._positions: dict[str, int] | None = None
        self._synonym_maps: dict[bool, dict[str, str]] = {}

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            self._frame = self._columns.frame()
        return self._frame

    def __len__(self) -> int:
        return len(self._columns) if self._frame is None else len(self._frame)

    @property
    def id_field(self) -> str:
        return "ensembl_gene_id" if self.kind == "genes" else "ontology_id"

    @property
    def names(self) -> list[str]:
        if self._names is None:
            if self.kind == "genes":
                self._names = [s or "" for s in self.frame["symbol"].tolist()]
            else:
                self._names = self.frame["name"].tolist()
        return self._names

    @property
    def synonyms(self) -> list[list[str]]:
        if self._synonyms is None:
            split = [s.split("|") if isinstance(s, str) else [] for s in self.frame["synonyms"].tolist()]
            if self.kind == "ncbitaxon":  # the scientific name finds an organism like a synonym does
                split = [[n, *s] for n, s in zip(self.frame["scientific_name"].tolist(), split, strict=True)]
            self._synonyms = split
        return self._synonyms

    @property
    def parents(self) -> dict[str, list[str]]:
        if self._parents is None:
            frame = self.frame
            if "parents" in frame.columns:
                self._parents = dict(zip(frame.index.tolist(), frame["parents"].tolist(), strict=True))
            else:
                self._parents = {}
        return self._parents

    @property
    def vocabulary(self) -> MemoryIndex:
        """The search index over identifiers, names, synonyms (and a gene's full name)."""
        if self._index is None:
            from ..search_index import Vocabulary  # the index brings numpy: loaded on first search

            frame = self.frame
            full_names = frame["description"].tolist() if self.kind == "genes" else None
            # the "|"-joined column as it is (faster to index than lists), but for NCBITaxon's extra name
            synonyms = self.synonyms if self.kind == "ncbitaxon" else frame["synonyms"].tolist()
            self._index = Vocabulary(frame.index.tolist(), self.names, synonyms, full_names)
        return self._index

    def rows(self, positions: list[int]) -> pd.DataFrame:
        """The frame's rows at `positions`, in that order (without reading the whole frame)."""
        if self._frame is not None:
            return self._frame.iloc[positions].copy()
        return self._columns.rows(positions)

    def synonym_map(self, case_sensitive: bool = False) -> dict[str, str]:
        """Synonym (and name) -> name; a synonym shared by several terms maps to none of them."""
        if case_sensitive not in self._synonym_maps:
            mapping: dict[str, str] = {}
            ambiguous: set[str] = set()
            for name, synonyms in zip(self.names, self.synonyms, strict=True):
                for text in synonyms:
                    key = text if case_sensitive else text.casefold()
                    if key in mapping and mapping[key] != name:
                        ambiguous.add(key)
                    mapping.setdefault(key, name)
            for key in ambiguous:
                del mapping[key]
            # a term's own name always maps to itself, whatever other terms call a synonym
            for name in self.names:
                if name:
                    mapping[name if case_sensitive else name.casefold()] = name
            self._synonym_maps[case_sensitive] = mapping
        return self._synonym_maps[case_sensitive]

    def ambiguous_synonyms(self, values: list, case_sensitive: bool = False) -> dict[str, list[str]]:
        """{value: names} for values that are a synonym of several terms (so `synonym_map` maps them to
        none); one pass over the synonyms."""
        keys = {(v if case_sensitive else v.casefold()): v for v in values if isinstance(v, str)}
        found: dict[str, list[str]] = {}
        for name, synonyms in zip(self.names, self.synonyms, strict=True):
            for text in synonyms:
                value = keys.get(text if case_sensitive else text.casefold())
                if value is not None and name not in found.setdefault(value, []):
                    found[value].append(name)
        return {v: names for v, names in found.items() if len(names) > 1}

    def position(self, term_id: str) -> int | None:
        """Row of an identifier in the frame."""
        if self._positions is None:
            self._positions = {t: i for i, t in enumerate(self.frame.index)}
        return self._positions.get(term_id)


def _read_zstd_json(path) -> dict:
    import zstandard  # zstandard loads on first use, with the first source read

    with open(path, "rb") as f:
        return json.loads(zstandard.ZstdDecompressor().stream_reader(f).read())


def _load_ontology(spec: SourceSpec) -> Terms:
    import pandas as pd  # pandas loads on first use, not with the module

    data = _read_zstd_json(spec.path)
    ids, names, synonyms, descriptions, parents = [], [], [], [], []
    deprecated: dict[str, list[str]] = {}
    for term_id, term in data.items():
        if term.get("deprecated"):
            replaced = term.get("replaced_by")
            deprecated[term_id] = [replaced] if isinstance(replaced, str) else list(replaced or [])
            continue
        ids.append(term_id)
        names.append(term.get("label"))
        texts = term.get("synonyms")
        synonyms.append("|".join(texts) if texts else None)
        descriptions.append(term.get("description"))
        ancestors = term.get("ancestors")
        parents.append(sorted([a for a, distance in ancestors.items() if distance == 1]) if ancestors else [])
    frame = pd.DataFrame(
        {"name": names, "synonyms": synonyms, "description": descriptions, "parents": parents},
        index=pd.Index(ids, name="ontology_id"),
    )
    return Terms("ontology", frame, deprecated)


def _load_ncbitaxon(spec: SourceSpec) -> Terms:
    import pandas as pd  # pandas loads on first use, not with the module

    terms = ncbitaxon_terms(spec.path)
    ids = list(terms)
    rows = [terms[t] for t in ids]
    frame = pd.DataFrame(
        {
            "name": [r["name"] for r in rows],
            "scientific_name": [r["scientific_name"] for r in rows],
            "synonyms": ["|".join(r["synonyms"]) or None for r in rows],
            "description": [r.get("description") for r in rows],
            "parents": [[] for _ in rows],
        },
        index=pd.Index(ids, name="ontology_id"),
    )
    return Terms("ncbitaxon", frame)


def _load_genes(spec: SourceSpec) -> Terms:
    import pandas as pd  # pandas loads on first use, not with the module

    # the bundled gene tables (data/genes/): ensembl_gene_id, symbol, biotype
    table = pd.read_csv(spec.path, sep="\t", dtype=str, keep_default_na=False).drop_duplicates(
        "ensembl_gene_id"
    )
    table = table.set_index("ensembl_gene_id").replace("", None)
    frame = pd.DataFrame(index=table.index)
    frame["symbol"] = table["symbol"]
    frame["ncbi_gene_ids"] = None
    frame["biotype"] = table["biotype"]
    frame["synonyms"] = None
    frame["description"] = None
    info = gene_info_path(spec.organism)
    if info is not None:  # NCBI ids, aliases and names (human)
        extra = pd.read_csv(info, sep="\t", dtype=str, keep_default_na=False, index_col="ensembl_gene_id")
        extra = extra.reindex(frame.index).replace("", None)
        for column in ("ncbi_gene_ids", "synonyms", "description"):
            frame[column] = extra[column].astype(object).where(extra[column].notna(), None)
    return Terms("genes", frame)


_LOADERS = {"ontology": _load_ontology, "ncbitaxon": _load_ncbitaxon, "genes": _load_genes}


class _StoredFrame:
    """A frame's columns as a cache file holds them: per column its values as UTF-8 with offsets (lists,
    the parents, joined with "|") and which are None; rows are read without making the whole frame."""

    def __init__(self, data, layout: dict):
        self.data = data  # name -> array
        self.layout = layout  # {"index": name, "columns": [[name, "str" | "list"], ...], "n": rows}
        self._views: dict[str, tuple] = {}

    @staticmethod
    def arrays(frame: pd.DataFrame) -> tuple[dict, dict]:
        """(arrays, layout) of a frame of strings, None and lists of strings."""
        import numpy as np  # numpy loads on first use, not with the module

        columns = [[frame.index.name, "str"]]
        values = {frame.index.name: frame.index.tolist()}
        for name in frame.columns:
            column = frame[name].tolist()
            kind = "list" if any(isinstance(v, list) for v in column) else "str"
            columns.append([name, kind])
            values[name] = ["|".join(v) if isinstance(v, list) else v for v in column]
        arrays = {}
        for i, (name, _) in enumerate(columns):
            items = values[name]
            texts = [v if isinstance(v, str) else "" for v in items]
            joined = "".join(texts)
            data = joined.encode()
            # a byte per character when the column is ASCII (one encode for all, not one per value)
            encoded = texts if len(data) == len(joined) else map(str.encode, texts)
            starts = np.zeros(len(texts) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(texts)), out=starts[1:])
            arrays[f"column{i}.data"] = np.frombuffer(data, dtype=np.uint8)
            arrays[f"column{i}.starts"] = starts
            arrays[f"column{i}.null"] = np.array([v is None for v in items], dtype=np.uint8)
        layout = {"index": frame.index.name, "columns": columns[1:], "n": len(frame)}
        return arrays, layout

    def __len__(self) -> int:
        return self.layout["n"]

    def _view(self, i: int) -> tuple:
        if i not in self._views:
            starts = self.data[f"column{i}.starts"]
            self._views[i] = (
                self.data[f"column{i}.data"].tobytes(),
                memoryview(starts).cast("B").cast("q"),
                self.data[f"column{i}.null"],
            )
        return self._views[i]

    def _value(self, i: int, kind: str, row: int):
        data, at, null = self._view(i)
        if null[row]:
            return None
        text = data[at[row] : at[row + 1]].decode()
        return (text.split("|") if text else []) if kind == "list" else text

    def _kinds(self) -> list[tuple[int, str, str]]:
        return [(i + 1, name, kind) for i, (name, kind) in enumerate(self.layout["columns"])]

    def rows(self, positions: list[int]) -> pd.DataFrame:
        import numpy as np  # numpy loads on first use, not with the module
        import pandas as pd  # pandas loads on first use, not with the module

        kinds = self._kinds()
        cells = np.empty((len(positions), len(kinds)), dtype=object)  # one block, as the frame's
        for j, (i, _, kind) in enumerate(kinds):
            for r, position in enumerate(positions):
                cells[r, j] = self._value(i, kind, position)
        index = pd.Index(
            [self._value(0, "str", p) for p in positions], dtype=object, name=self.layout["index"]
        )
        return pd.DataFrame(cells, index=index, columns=[name for _, name, _ in kinds])

    def frame(self) -> pd.DataFrame:
        import pandas as pd  # pandas loads on first use, not with the module

        n = len(self)
        columns = {
            name: pd.Series([self._value(i, kind, r) for r in range(n)], dtype=object)
            for i, name, kind in self._kinds()
        }
        index = pd.Index(
            [self._value(0, "str", r) for r in range(n)], dtype=object, name=self.layout["index"]
        )
        return pd.DataFrame({name: column.to_numpy() for name, column in columns.items()}, index=index)


# --- the cache of indexed sources ------------------------------------------------------------------------
#
# Reading MONDO and indexing it takes ~1.5 s, the human genes ~2 s; a cache file holds a source's frame
# and search index, which a new process maps in milliseconds. Where and when these files are made:
#
# - Per user, shared by every instance and settings folder: `$LAMIN_CORE_CACHE_DIR/public-search/`, by
#   default `~/.cache/lamin-core/public-search/` (`$XDG_CACHE_HOME` if set). The files depend on nothing
#   of an instance, only on the source and on this package's code, so a user pays each build once per
#   machine, not once per instance (or per `LAMIN_HOME`, which tests and benchmarks make by the dozen).
# - Named after the source and a key: a hash of the source's data files (their contents: the same
#   release installed in two environments shares one file) and of the code that shapes the file (the
#   loaders here, the index in search_index: a new lamin-core version with other such code makes a new
#   file, one with the same code reuses it). The header repeats key and source; a file whose header
#   does not match, that is shorter than its header says, or that is not a cache file at all is
#   ignored, and the source is read and indexed again (and the file replaced).
# - Built when the bionty module is set up (`lamin-core init --modules bionty`, `connect` to an instance
#   with it): `prepare_search()`, whose docstring says why then.
# - Written to a temporary file and renamed: readers see a whole file or none; a failed write (read-only
#   home, full disk) leaves the source indexed in memory for the process. At most `_KEEP` files per
#   source release are kept (other versions of this package still installed elsewhere use theirs).

CACHE_ENV = "LAMIN_CORE_CACHE_DIR"
CACHE_FOLDER = "public-search"
# files kept per source release (named by other keys: other code versions), the newest
_KEEP = 3
# the gene tables `prepare_search()` indexes ahead of use
PREPARED_ORGANISMS = ("human", "mouse")


def cache_dir():
    """The folder of the public sources' search indexes: `$LAMIN_CORE_CACHE_DIR/public-search`, else
    `$XDG_CACHE_HOME/lamin-core/public-search`, else `~/.cache/lamin-core/public-search` (a folder in
    the temporary directory for an account without a home)."""
    root = os.environ.get(CACHE_ENV)
    if not root:
        try:
            base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        except RuntimeError:  # no $HOME and no passwd entry (a container's arbitrary uid)
            base = Path(tempfile.gettempdir()) / "lamin-core-cache"
        root = Path(base) / "lamin-core"
    return Path(root) / CACHE_FOLDER


def _writable(folder) -> bool:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK)


@functools.cache
def _code_fingerprint() -> str:
    """A hash of the code that shapes a cache file (loaders, index layout, normalization, file format)."""
    digest = hashlib.sha1()
    here = Path(__file__)
    engine = here.parents[1] / "search_index"  # not imported: this runs in `init` before numpy is
    for path in (here, here.parent / "sources.py", *(engine / f for f in ENGINE_FILES)):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# the search_index modules whose code decides what a cache file holds
ENGINE_FILES = ("memory.py", "text.py", "fields.py", "vocabulary.py", "arrayfile.py")


def _data_files(spec: SourceSpec) -> list:
    extra = gene_info_path(spec.organism) if spec.kind == "genes" else None
    return [spec.path] + ([extra] if extra is not None else [])


@functools.cache
def cache_key(spec: SourceSpec) -> str:
    """The key of a source's cache file: its data files' contents and the code that reads and indexes
    them (a few ms: MONDO's data is 1.8 MB)."""
    digest = hashlib.sha1(f"{_code_fingerprint()}:{json.dumps(spec.key)}".encode())
    for path in _data_files(spec):
        digest.update(path.name.encode())
        with open(path, "rb") as f:
            digest.update(hashlib.file_digest(f, "sha1").digest())
    return digest.hexdigest()[:20]


def cache_path(spec: SourceSpec):
    """The cache file of a source's terms and search index (see the comment above `CACHE_ENV`)."""
    return cache_dir() / f"{_stem(spec)}-{cache_key(spec)}.idx"


def _stem(spec: SourceSpec) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", f"{spec.name}-{spec.organism}-{spec.version}")


def _cache_meta(spec: SourceSpec) -> dict | None:
    """The description a source's cache file holds of itself if the file is whole and made for this
    source and code, else None (a damaged or foreign file is logged; the source is indexed again). Reads
    the file's header and description only, without numpy (`prepare_search` checks every file)."""
    path = cache_path(spec)
    if not path.is_file():
        return None
    try:  # ValueError: not a cache file, or shorter or longer than its header says
        meta = json.loads(read_array_bytes(path, "terms.meta"))
        if meta.get("key") != cache_key(spec) or meta.get("source") != list(spec.key):
            raise ValueError(f"made for {meta.get('source')} with key {meta.get('key')}")
    except Exception as e:
        _ignoring(spec, e)
        return None
    return meta


def _ignoring(spec: SourceSpec, error: Exception) -> None:
    logger.info(f"ignoring the search index {cache_path(spec).name} ({error}); indexing {spec.name} again")


def _read_cache(spec: SourceSpec) -> Terms | None:
    from ..search_index.memory import MemoryIndex, read_arrays  # brings numpy: loaded on first search

    meta = _cache_meta(spec)
    if meta is None:
        return None
    try:
        data = read_arrays(cache_path(spec))
        if json.loads(data["terms.meta"].tobytes()) != meta:  # replaced since: read the new one next time
            raise ValueError("the file changed while it was read")
        index = MemoryIndex.from_arrays({k[6:]: v for k, v in data.items() if k.startswith("index.")})
        columns = _StoredFrame({k[6:]: v for k, v in data.items() if k.startswith("frame.")}, meta["frame"])
        if index.n != len(columns):
            raise ValueError(f"{index.n} indexed terms for {len(columns)} rows")
    except Exception as e:
        _ignoring(spec, e)
        return None
    return Terms(meta["kind"], deprecated=meta["deprecated"], columns=columns, index=index)


def _write_cache(spec: SourceSpec, terms: Terms) -> None:
    import numpy as np  # numpy loads on first use, not with the module

    path = cache_path(spec)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays = {f"index.{k}": v for k, v in terms.vocabulary.arrays().items()}
        frame_arrays, layout = _StoredFrame.arrays(terms.frame)
        arrays.update({f"frame.{k}": v for k, v in frame_arrays.items()})
        meta = {
            "key": cache_key(spec),
            "source": list(spec.key),
            "code": _code_fingerprint(),
            "kind": terms.kind,
            "deprecated": terms.deprecated,
            "frame": layout,
        }
        arrays["terms.meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        os.close(handle)
        try:
            write_arrays(temporary, arrays)
            os.chmod(temporary, 0o644)  # mkstemp's 0600 would keep the file from other accounts
            os.replace(temporary, path)  # readers see the whole file or none
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
        others = [p for p in path.parent.glob(f"{_stem(spec)}-{'?' * len(cache_key(spec))}.idx") if p != path]
        for old in sorted(others, key=lambda p: p.stat().st_mtime, reverse=True)[_KEEP - 1 :]:
            old.unlink(missing_ok=True)
        for stale in path.parent.glob(".*.tmp"):  # left by a process killed while writing
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink(missing_ok=True)
    except OSError as e:  # a read-only home, a full disk: the next process indexes the source again
        logger.debug(f"could not write the search index {path}: {e}")


def _index(spec: SourceSpec) -> Terms:
    """A source read from its data package and indexed, written to the cache."""
    terms = _LOADERS[spec.kind](spec)
    terms.vocabulary  # noqa: B018 (builds the index)
    _write_cache(spec, terms)
    return terms


@functools.cache
def load_terms(spec: SourceSpec) -> Terms:
    """The terms of a bundled source with their search index, once per process: from the cache file,
    else read from the data package, indexed and written to the cache (with a line saying so: the only
    search that waits for an index, see `prepare_search()`)."""
    terms = _read_cache(spec)
    if terms is None:
        start = time.perf_counter()
        terms = _index(spec)
        logger.info(
            f"indexed {spec.name} {spec.version} ({spec.organism}) for search in "
            f"{time.perf_counter() - start:.1f} s, once: kept in {cache_dir()}"
        )
    return terms


def build_caches(
    entities: list[str] | None = None, organisms: list[str] | None = None, *, missing_only: bool = False
) -> list[SourceSpec]:
    """Read, index and cache the bundled sources currently used (of `entities`, e.g. `["bionty.Gene"]`,
    and `organisms`; default: all) ahead of use, so that no first search waits for them; with
    `missing_only`, only those without a valid cache file. Returns the sources indexed. The indexes are
    written, not kept in this process's memory."""
    specs = [
        s
        for s in catalog()
        if s.currently_used
        and (entities is None or s.entity in entities)
        and (organisms is None or s.organism in organisms or s.organism == "all")
    ]
    if missing_only:
        specs = [s for s in specs if _cache_meta(s) is None]
    for spec in specs:
        _index(spec)
    return specs


def prepare_search() -> list[SourceSpec]:
    """What setting up the bionty module does (`init`, `connect`): index the currently used sources that
    have no cache file yet, all but the gene tables of species other than human and mouse, in up to 4
    worker processes. Two lines say what is built and how long it took (~9 s of CPU the first time on a
    machine, for 12 files, ~210 MB); afterwards it only checks the files (~25 ms). Never raises: a
    failure only costs the first search the time to index its source.

    Why then: a first search should map a file (10-50 ms), never index its source (up to ~2 s for
    MONDO, the human genes or Cellosaurus). Setting up the module is when the sources are installed for
    a user (their `bt.Source` rows are made then) and when a user expects setup work; the files are per
    user and shared by every instance, so only the first setup on a machine (and the first after an
    upgrade that changes how they are made) pays, not every `init` (tests and benchmarks make dozens).
    Not at install time: pip runs no code when it installs a wheel. Not in the wheel: the files would add
    ~210 MB to it, and the ontologies come from another package (cellxgene-ontology-guide) that the
    wheel's build does not have. Not on the first search, as before: that is the cost users met. Only
    human and mouse genes: the other 12 species' tables would add ~6 s and ~190 MB for few users; their
    first search indexes them once (0.3-0.7 s each), and `build_caches()` makes any ahead."""
    try:
        start = time.perf_counter()
        wanted = [
            s
            for s in catalog()
            if s.currently_used and (s.kind != "genes" or s.organism in PREPARED_ORGANISMS)
        ]
        missing = [s for s in wanted if _cache_meta(s) is None]
        if not missing:
            return []
        if not _writable(cache_dir()):  # else every init would index them again, for nothing
            logger.info(
                f"cannot write the search indexes of public sources to {cache_dir()}; each process indexes "
                f"a source on its first search (set {CACHE_ENV} to a writable folder)"
            )
            return []
        logger.info(
            f"indexing {len(missing)} public sources for search, once for this version of lamin-core "
            f"(shared by all instances, in {cache_dir()})"
        )
        _index_in_processes(missing)
        logger.info(f"indexed them in {time.perf_counter() - start:.1f} s")
        return missing
    except Exception as e:  # the instance is fine without them
        logger.warning(f"could not index the public sources ahead of use ({e}); a first search will")
        return []


# sources indexed first, as they take longest (a few seconds each); the rest take under a second
_SLOW = ("cellosaurus", "gencode", "mondo", "uberon")


def _index_in_processes(specs: list[SourceSpec], workers: int | None = None) -> None:
    """Index `specs` in parallel: worker processes (`python -m lamin_core.bionty.public`, which read a
    source's key per line and answer when it is written) take the next source as they finish one, the
    slowest first. Worker processes, not a multiprocessing pool: its "spawn" imports the caller's main
    script again (a script calling `init()` without a `__main__` guard would run twice) and "fork" is
    unsafe in a process with threads (Jupyter, Django). Sources no worker could index are indexed here."""
    order = sorted(specs, key=lambda s: (s.name not in _SLOW, _SLOW.index(s.name) if s.name in _SLOW else 0))
    if workers is None:
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        workers = min(len(order), cpus, 4)
    failed: list[SourceSpec] = []
    if workers > 1 and sys.executable:
        queue = list(order)
        lock = threading.Lock()
        package_root = str(Path(__file__).resolve().parents[2])  # this lamin_core, whatever sys.path says
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
        }

        def work() -> None:
            try:
                process = subprocess.Popen(
                    [sys.executable, "-m", "lamin_core.bionty.public"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=env,
                    text=True,
                )
            except OSError:
                return
            while True:
                with lock:
                    if not queue:
                        break
                    spec = queue.pop(0)
                try:
                    process.stdin.write(json.dumps(spec.key) + "\n")
                    process.stdin.flush()
                    answer = process.stdout.readline().strip()
                except OSError:
                    answer = ""
                if answer != "indexed":  # the worker failed: this thread stops, the source is left over
                    with lock:
                        failed.append(spec)
                    break
            with contextlib.suppress(OSError):
                process.communicate()  # closes its input: the worker ends

        threads = [threading.Thread(target=work, daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failed += queue  # none left unless every worker failed
    else:
        failed = order
    for spec in failed:
        _index(spec)


def _worker() -> None:
    """`python -m lamin_core.bionty.public`: index the source of each key read from stdin (a JSON list per
    line), answering "indexed" on stdout once its cache file is written (see `_index_in_processes`)."""
    for line in sys.stdin:
        spec = spec_for(tuple(json.loads(line)))
        if spec is None:
            print("unknown", flush=True)
            continue
        _index(spec)
        print("indexed", flush=True)


class PublicOntology:
    """A bundled public source of a registry: its terms as a DataFrame, ranked search, lookup."""

    def __init__(self, registry: type[BioRecord], spec: SourceSpec, source: Source | None = None):
        self.registry = registry
        self.spec = spec
        self._source = source

    @property
    def _terms(self) -> Terms:
        return load_terms(self.spec)

    @property
    def entity(self) -> str:
        """The registry this source serves (`bionty.CellType`)."""
        return self.spec.entity

    @property
    def organism(self) -> str:
        return self.spec.organism

    @property
    def name(self) -> str:
        """The source's short name (`cl`)."""
        return self.spec.name

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def source(self) -> Source:
        """The `bt.Source` record of this source."""
        if self._source is None:
            from .models import Source  # the models need Django: public sources are read without an instance

            sync_sources()
            entity, name, organism, version = self.spec.key
            self._source = Source.all_objects.get(
                entity=entity, name=name, organism=organism, version=version
            )
        return self._source

    @property
    def id_field(self) -> str:
        """The column identifying a term (`ontology_id`, or `ensembl_gene_id` for genes)."""
        return self._terms.id_field

    def __len__(self) -> int:
        return len(self._terms)

    def df(self) -> pd.DataFrame:
        """Every non-deprecated term by identifier: name, synonyms ("|"-joined), description, parents."""
        return self._terms.frame.copy()

    def search(self, string: str, limit: int = 20) -> pd.DataFrame:
        """Terms ranked by relevance to `string` (exact > synonym > prefix > tokens > substring > fuzzy)."""
        positions = self._terms.vocabulary.rank(string, limit=limit)
        return self._terms.rows(positions)

    def lookup(self, field: str | None = None) -> Lookup:
        """Tab-completable terms by name (or another column): `bt.CellType.public().lookup().t_cell`."""
        frame = self._terms.frame
        column = field or self.registry._name_field
        keys = frame.index.tolist() if column == self.id_field else frame[column].tolist()
        row_type = namedtuple("Term", [self.id_field, *frame.columns])

        def load(position: int):
            return row_type(frame.index[position], *frame.iloc[position].tolist())

        return Lookup(list(zip(keys, range(len(frame)), strict=True)), load, f"{self.entity} ({self})")

    def _column(self, field) -> list:
        name = _field_name(field) or self.registry._name_field
        frame = self._terms.frame
        if name == self.id_field:
            return frame.index.tolist()
        if name not in frame.columns:
            valid = ", ".join([self.id_field, *frame.columns])
            raise ValueError(f"{self.entity} public source has no field {name!r}; valid: {valid}")
        return frame[name].tolist()

    def validate(self, values, field=None) -> np.ndarray:
        """Whether each value is a term of this source (by name by default)."""
        import numpy as np  # numpy loads on first use, not with the module

        known = set(self._column(field))
        return np.array([v in known for v in _as_list(values)], dtype=bool)

    def standardize(self, values, field=None, *, case_sensitive: bool = False) -> list:
        """Values with synonyms replaced by term names; values that match nothing are kept."""
        mapping = self.synonym_map(case_sensitive=case_sensitive)
        names = set(self._column(field))
        out = []
        for value in _as_list(values):
            if value in names or not isinstance(value, str):
                out.append(value)
                continue
            key = value if case_sensitive else value.casefold()
            out.append(mapping.get(key, value))
        return out

    def synonym_map(self, case_sensitive: bool = False) -> dict[str, str]:
        """Synonym (and name) -> name; a synonym shared by several terms maps to none of them."""
        return self._terms.synonym_map(case_sensitive)

    def __repr__(self) -> str:
        return (
            f"PublicOntology\nEntity: {self.entity.removeprefix('bionty.')}\nOrganism: {self.organism}\n"
            f"Source: {self.name}, {self.version}\n#terms: {len(self)}"
        )

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


def _field_name(field) -> str | None:
    """A field given as a string or as a registry attribute (`bt.Gene.ensembl_gene_id`)."""
    if field is None or isinstance(field, str):
        return field
    inner = getattr(field, "field", None)
    if inner is not None and hasattr(inner, "name"):
        return inner.name
    raise TypeError(f"field must be a field name or a registry field, got {type(field).__name__}")


def _as_list(values) -> list:
    if isinstance(values, str):
        return [values]
    if hasattr(values, "tolist"):
        return values.tolist()
    return list(values)


# choosing a source -----------------------------------------------------------------------------------


def organism_name(value: str | Organism | None) -> str | None:
    """A name as the bundled sources know it, from a record, name, scientific name, synonym or id."""
    if value is None:
        return None
    if not isinstance(value, str):
        name = getattr(value, "name", None)
        if not isinstance(name, str):
            raise TypeError(f"organism must be a name or a bt.Organism record, got {type(value).__name__}")
        return name
    text = value.strip()
    spec = next((s for s in catalog() if s.kind == "ncbitaxon"), None)
    if spec is not None:
        folded = text.casefold()
        for term_id, term in ncbitaxon_terms(spec.path).items():
            names = [term["name"], term["scientific_name"], term_id, *term["synonyms"]]
            if folded in (n.casefold() for n in names):
                return term["name"]
    return text


def _no_source_error(entity: str) -> NoPublicSourceError:
    name = entity.removeprefix("bionty.")
    bundled = sorted({s.entity.removeprefix("bionty.") for s in catalog()})
    if name in ONTOLOGIES and not specs_for(entity):
        return NoPublicSourceError(f"the public source of bionty.{name} is not installed: {INSTALL_HINT}")
    if name == "Gene":
        return NoPublicSourceError(f"the gene tables of bionty.Gene are not installed: {GENES_INSTALL_HINT}")
    return NoPublicSourceError(
        f"no public source is installed for bionty.{name}; its records are the ones you create, e.g. "
        f"bt.{name}(name=...).save(). Registries with a bundled source: {', '.join(bundled) or 'none'}"
    )


def choose_spec(registry: type[BioRecord], organism=None, source: Source | None = None) -> SourceSpec:
    """The bundled source to use: `source` if given, else the currently used one for the organism."""
    entity = f"bionty.{registry.__name__}"
    if source is not None:
        if source.entity != entity:
            raise ValueError(
                f"source {source.name} {source.version} is a source of {source.entity}, not {entity}"
            )
        spec = spec_for((source.entity, source.name, source.organism, source.version))
        if spec is None:
            raise NoPublicSourceError(
                f"source {source.name} {source.version} ({source.organism}) of {entity} is not bundled with "
                "this installation"
            )
        return spec
    specs = specs_for(entity)
    if not specs:
        raise _no_source_error(entity)
    organisms = sorted({s.organism for s in specs})
    wanted = organism_name(organism)
    if wanted is None:
        from ._records import requires_organism  # it imports the models, which need Django

        default = settings.organism_name
        if "all" in organisms:
            wanted = "all"
        elif default is not None and default in organisms:
            wanted = default
        elif requires_organism(registry):
            raise OrganismError(
                f"bionty.{registry.__name__} needs an organism: pass organism= "
                f"(bundled: {', '.join(organisms)})"
            )
        else:
            wanted = organisms[0]
    elif wanted not in organisms:
        if "all" in organisms:
            wanted = "all"
        else:
            raise OrganismError(
                f"no bundled source of bionty.{registry.__name__} covers organism {wanted!r}; "
                f"bundled organisms: {', '.join(organisms)}"
            )
    candidates = [s for s in specs if s.organism == wanted]
    from .models import Source  # the models need Django: public sources are read without an instance

    sync_sources()
    row = (
        Source.objects.filter(entity=entity, organism=wanted, currently_used=True)
        .values_list("entity", "name", "organism", "version")
        .first()
    )
    chosen = spec_for(tuple(row)) if row is not None else None
    if chosen is None:
        chosen = next((s for s in candidates if s.currently_used), candidates[0])
    return chosen


def public_ontology(registry: type[BioRecord], organism=None, source: Source | None = None) -> PublicOntology:
    """`Registry.public()`: the chosen bundled source of a registry."""
    return PublicOntology(registry, choose_spec(registry, organism=organism, source=source), source)


if __name__ == "__main__":
    _worker()
