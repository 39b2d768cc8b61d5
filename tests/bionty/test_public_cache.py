"""The cache files of the public sources' search indexes (lamin_core/bionty/public.py, "the cache of indexed
sources"): real files of real sources, damaged, stale or foreign in the ways they get so, are detected
and rebuilt, never read; `init --modules bionty` leaves every source a first search needs with a valid file.

Small sources (the Cell Ontology, HANCESTRO, PATO) keep the builds quick.
"""

from __future__ import annotations

import shutil

import pytest

from lamin_core.bionty import public
from lamin_core.bionty.sources import catalog


def current(name: str, organism: str = "all"):
    return next(s for s in catalog() if s.name == name and s.organism == organism and s.currently_used)


def older(name: str):
    return next(s for s in catalog() if s.name == name and not s.currently_used)


QUERIES = ["T cell", "tcell", "lymphocite", "CL:0000084", "B-lymphocyte", "hepatoc"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache folder of this test's own (not the suite's)."""
    monkeypatch.setenv("LAMIN_CORE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / public.CACHE_FOLDER


@pytest.fixture(scope="module")
def cl_fresh():
    """The Cell Ontology read from its package and indexed, as a reference."""
    terms = public._LOADERS["ontology"](current("cl"))
    terms.vocabulary  # noqa: B018
    return terms


def load(spec):
    """What a new process's first search does (`load_terms` without its per-process memo)."""
    return public.load_terms.__wrapped__(spec)


def same_as_fresh(terms, fresh) -> bool:
    return all(terms.vocabulary.rank(q) == fresh.vocabulary.rank(q) for q in QUERIES) and terms.rows(
        [0, 7, 3]
    ).equals(fresh.frame.iloc[[0, 7, 3]])


def test_a_first_search_reads_the_file_the_first_build_wrote(cache, cl_fresh):
    spec = current("cl")
    assert public._read_cache(spec) is None
    built = load(spec)
    path = public.cache_path(spec)
    assert path.is_file() and path.parent == cache
    assert path.name.startswith("cl-all-2026-03-26-")  # the source and its release in the name
    assert built._frame is not None  # read from the package
    read = load(spec)
    assert read._frame is None and read._columns is not None  # read from the file
    assert same_as_fresh(read, cl_fresh)


@pytest.mark.parametrize(
    "damage",
    ["truncated", "truncated_in_header", "appended", "empty", "not_an_index", "another_key_inside"],
)
def test_a_damaged_file_is_rebuilt(cache, cl_fresh, damage, capsys):
    spec = current("cl")
    load(spec)
    path = public.cache_path(spec)
    data = path.read_bytes()
    damaged = {
        "truncated": data[: len(data) // 2],  # a copy cut short, a disk that filled up
        "truncated_in_header": data[:40],
        "appended": data + b"\0" * 64,
        "empty": b"",
        "not_an_index": b"PK\3\4 some zip file" * 100,
        # the description inside names another key (a file renamed by hand, a hash collision)
        "another_key_inside": data.replace(
            public.cache_key(spec).encode(), b"f" * len(public.cache_key(spec))
        ),
    }[damage]
    path.write_bytes(damaged)
    assert public._read_cache(spec) is None
    assert f"ignoring the search index {path.name}" in capsys.readouterr().err
    rebuilt = load(spec)
    assert same_as_fresh(rebuilt, cl_fresh)
    assert path.read_bytes() == data  # replaced by a whole file again
    assert same_as_fresh(load(spec), cl_fresh)


def test_a_file_of_other_code_is_not_read(cache, cl_fresh, monkeypatch):
    """Another lamin-core version (other loaders or index code): its files have another key, and one
    copied in place of this version's file is refused by its header."""
    spec = current("cl")
    with monkeypatch.context() as patch:
        patch.setattr(public, "_code_fingerprint", lambda: "0123456789abcdef")
        public.cache_key.cache_clear()
        load(spec)
        other = public.cache_path(spec)
    public.cache_key.cache_clear()
    assert other.is_file() and public.cache_path(spec) != other
    assert public._read_cache(spec) is None  # not this version's file
    shutil.copyfile(other, public.cache_path(spec))  # a file of the other version under this one's name
    assert public._read_cache(spec) is None
    assert same_as_fresh(load(spec), cl_fresh)
    assert public._read_cache(spec) is not None
    assert other.is_file()  # kept for the other version, which may still be installed elsewhere


def test_a_file_of_another_source_or_release_is_not_read(cache, cl_fresh):
    spec = current("cl")
    old = older("cl")
    load(old)
    assert public._read_cache(spec) is None  # its own name: another release has another file
    shutil.copyfile(public.cache_path(old), public.cache_path(spec))
    assert public._read_cache(spec) is None  # another release's file under this one's name
    load(current("pato"))
    shutil.copyfile(public.cache_path(current("pato")), public.cache_path(spec))
    assert public._read_cache(spec) is None  # another ontology's
    assert same_as_fresh(load(spec), cl_fresh)
    assert len(public._read_cache(old)) != len(cl_fresh)  # the older release is still its own


def test_the_key_follows_the_data(cache, tmp_path, monkeypatch):
    """Changed data files (another release under the same version string) make another key; the same
    files installed elsewhere (another venv) make the same key, so environments share one file."""
    import dataclasses

    spec = current("hancestro", "human")
    copy = tmp_path / "copy" / spec.path.name
    copy.parent.mkdir()
    shutil.copyfile(spec.path, copy)
    elsewhere = dataclasses.replace(spec, path=copy)
    assert public.cache_key(elsewhere) == public.cache_key(spec)
    changed = tmp_path / "changed" / spec.path.name
    changed.parent.mkdir()
    changed.write_bytes(spec.path.read_bytes() + b"\0")
    assert public.cache_key(dataclasses.replace(spec, path=changed)) != public.cache_key(spec)


def test_older_files_of_a_source_are_removed_beyond_a_few(cache, monkeypatch):
    spec = current("hancestro", "human")
    paths = []
    for version in range(public._KEEP + 2):
        with monkeypatch.context() as patch:
            patch.setattr(public, "_code_fingerprint", lambda version=version: f"{version:016d}")
            public.cache_key.cache_clear()
            public._index(spec)
            paths.append(public.cache_path(spec))
    public.cache_key.cache_clear()
    assert [p.is_file() for p in paths] == [False] * 2 + [True] * public._KEEP
    assert not list(cache.glob(".*.tmp"))


def test_an_unwritable_cache_only_costs_the_build(cache, cl_fresh, capsys):
    cache.parent.mkdir(parents=True)
    cache.write_text("a file where the folder should be")
    assert same_as_fresh(load(current("cl")), cl_fresh)
    assert public.prepare_search() == []  # nothing built ahead, for nothing, at every init
    assert "cannot write the search indexes" in capsys.readouterr().err


def test_worker_processes_build_the_files(cache):
    specs = [current("cl"), current("hancestro", "human"), current("pato")]
    public._index_in_processes(specs, workers=2)
    assert all(public._cache_meta(s) is not None for s in specs)
    assert public.build_caches(["bionty.CellType", "bionty.Phenotype"], missing_only=True) == []


def test_init_with_bionty_leaves_every_file_a_first_search_needs(instance):
    """The suite's instance was made with `init(modules="bionty")`: every source `public()` uses by
    default has a valid file (the suite's cache folder), the gene tables of human and mouse too, and
    `prepare_search()` has nothing left to do."""
    wanted = [
        s
        for s in catalog()
        if s.currently_used and (s.kind != "genes" or s.organism in public.PREPARED_ORGANISMS)
    ]
    assert {s.name for s in wanted} >= {"cl", "uberon", "mondo", "efo", "cellosaurus", "gencode"}
    assert all(public._cache_meta(s) is not None for s in wanted)
    assert public.prepare_search() == []
