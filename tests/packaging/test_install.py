"""Install as users install: the sdist and the wheel built with pip's build isolation from a fresh tree,
the wheel with `[bionty,jupyter]` in a fresh venv (guide notebook, both Jupyter extensions), the sdist in a
fresh venv with no node on PATH, and the wheel next to LaminDB 1.5 in either install order.

These tests run once per `make test` (the SQLite pass; scripts/test.sh leaves them out of the PostgreSQL
pass). Packages come from PyPI through pip's cache.
"""

from __future__ import annotations

import json
import re
import tarfile
import zipfile
from pathlib import Path

import pytest
from conftest import GUIDE_USER, run, write_user
from install_helpers import ROOT, clean_env, copy_work_tree, new_venv, pip, sh

ARTIFACT_COLUMNS = (
    "uid key description suffix kind otype size hash n_files n_observations _hash_type _key_is_virtual "
    "_overwrite_versions space_id storage_id schema_id version is_latest run_id created_at created_by_id "
    "_aux _branch_code"
)
LABEXTENSION = "share/jupyter/labextensions/lamin-widgets"
WIDGETS = {"browser", "filter_builder", "lookup", "search", "view"}
LAMINDB = "lamindb==1.5.3"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """`python -m build` (sdist, then the wheel from the sdist) of a fresh copy of the work tree, from a
    venv of its own, with build isolation: the build hook's requirements come from PyPI."""
    tmp = tmp_path_factory.mktemp("dists")
    tree = copy_work_tree(ROOT, tmp / "lamin-widgets")
    tool = new_venv(tmp / "build-venv")
    pip(tool, "build>=1.2")
    out = tmp / "dist"
    sh([tool / "bin" / "python", "-m", "build", "-o", out, tree], "python -m build (sdist, wheel from it)")
    (sdist,) = out.glob("lamin_widgets-*.tar.gz")
    (wheel,) = out.glob("lamin_widgets-*.whl")
    return {"sdist": sdist, "wheel": wheel}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, dists: dict[str, Path]) -> Path:
    """A fresh venv with the wheel and its `bionty` and `jupyter` extras, in one pip command."""
    venv = new_venv(tmp_path_factory.mktemp("wheel") / "venv")
    pip(venv, f"{dists['wheel']}[bionty,jupyter]", what="pip install 'wheel[bionty,jupyter]'")
    return venv


def test_sdist_carries_the_built_front_ends(dists):
    with tarfile.open(dists["sdist"]) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {f"lamin_widgets/static/{w}.js" for w in WIDGETS} <= names
    assert "lamin_widgets/labextension/package.json" in names
    assert any(n.startswith("lamin_widgets/labextension/static/remoteEntry.") for n in names)
    assert "lamin_core/bionty/data/genes/genes_homo_sapiens.tsv.gz" in names
    assert not any(n.startswith(("node_modules/", ".venv/", "js/lib/")) for n in names)


def test_wheel_ships_front_ends_extensions_and_gene_tables(dists):
    with zipfile.ZipFile(dists["wheel"]) as wheel:
        infos = {i.filename: i for i in wheel.infolist()}
        entry_points = wheel.read("lamin_widgets-0.1.0.dist-info/entry_points.txt").decode()
    data = "lamin_widgets-0.1.0.data/data/"
    assert {f"lamin_widgets/static/{w}.js" for w in WIDGETS} <= set(infos)
    assert f"{data}{LABEXTENSION}/package.json" in infos
    assert f"{data}{LABEXTENSION}/install.json" in infos
    assert f"{data}etc/jupyter/jupyter_server_config.d/lamin_widgets.json" in infos
    assert not any(n.startswith("lamin_widgets/labextension/") for n in infos)
    genes = [i for n, i in infos.items() if n.startswith("lamin_core/bionty/data/genes/")]
    assert len(genes) == 17  # 16 tables and gene_info.json
    assert sum(i.compress_size for i in genes) < 8_000_000
    assert "lamin-core = lamin_core.setup.cli:main" in entry_points
    assert "lamin =" not in entry_points  # lamin-cli's name
    assert dists["wheel"].stat().st_size < 10_000_000


def test_both_jupyter_extensions_are_enabled(venv):
    env = clean_env([str(venv / "bin"), *clean_env()["PATH"].split(":")], JUPYTER_CONFIG_DIR="/nonexistent")
    env.pop("JUPYTER_PATH", None)
    lab = sh([venv / "bin" / "jupyter", "labextension", "list"], env=env)
    text = ANSI.sub("", lab.stdout + lab.stderr)
    lines = [line.split() for line in text.splitlines() if "lamin-widgets" in line]
    assert len(lines) == 1 and lines[0][:4] == ["lamin-widgets", "v0.1.0", "enabled", "OK"], text
    server = sh([venv / "bin" / "jupyter", "server", "extension", "list"], env=env)
    lines = [line.split() for line in ANSI.sub("", server.stdout + server.stderr).splitlines()]
    assert ["lamin_widgets.server", "enabled"] in lines, lines
    assert ["lamin_widgets.server", "0.1.0", "OK"] in lines, lines


def test_the_guide_notebook_runs_in_the_wheel_venv(venv, tmp_path):
    """docs/registries.ipynb, unchanged, headless (nbclient of the venv), every cell without an error."""
    home = tmp_path / "lamin-home"
    write_user(home, GUIDE_USER)
    notebook = tmp_path / "registries.ipynb"
    notebook.write_text((ROOT / "docs" / "registries.ipynb").read_text())
    code = (
        "import nbformat, sys\n"
        "from nbclient import NotebookClient\n"
        "nb = nbformat.read(sys.argv[1], as_version=4)\n"
        "client = NotebookClient(nb, kernel_name='python3', timeout=300,"
        " resources={'metadata': {'path': sys.argv[2]}})\n"
        "client.execute()\n"
        "nbformat.write(nb, sys.argv[1])\n"
    )
    env = clean_env(
        [str(venv / "bin"), *clean_env()["PATH"].split(":")],
        LAMIN_HOME=str(home),
        LAMIN_NOTEBOOK_PATH=str(notebook),
        JUPYTER_PATH=str(venv / "share" / "jupyter"),
        JUPYTER_DATA_DIR=str(tmp_path / "jupyter-data"),  # no kernel spec of the user's
    )
    sh([venv / "bin" / "python", "-c", code, notebook, tmp_path], "guide notebook (nbclient)", env=env)
    cells = json.loads(notebook.read_text())["cells"]
    outputs = [o for c in cells if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o["output_type"] == "error"]
    text = "".join("".join(o.get("text", "")) for o in outputs)
    assert "initialized lamin instance: testuser1/test-registries" in text
    assert (tmp_path / "test-registries" / ".lamindb" / "instance.json").is_file()


def test_installed_lamin_core_init_and_empty_artifact_frame(venv, tmp_path):
    home = tmp_path / "home"
    write_user(home)
    args = [str(venv / "bin" / "lamin-core"), "init", "--storage", "./test-registries", "--modules", "bionty"]
    result = run(args, home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "initialized lamin instance: testuser1/test-registries" in result.stderr
    code = "import lamin_core as ln; print(list(ln.Artifact.df().columns)); print(ln.Artifact.df())"
    result = run([str(venv / "bin" / "python"), "-c", code], home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == repr(ARTIFACT_COLUMNS.split())
    assert rest[0] == "Empty DataFrame"
    result = run([str(venv / "bin" / "python"), "-m", "lamin_core", "info"], home, cwd=tmp_path)
    assert result.returncode == 0 and "test-registries" in result.stdout + result.stderr, result.stderr


def test_gene_tables_come_with_the_wheel(venv):
    code = (
        "import importlib.util, lamin_core.bionty.sources as s\n"
        "print(importlib.util.find_spec('cellxgene_schema') is None)\n"
        "print(sorted({spec.organism for spec in s.specs_for('bionty.Gene')}))\n"
        "print('site-packages' in str(s.GENES_DIR))"
    )
    out = sh([venv / "bin" / "python", "-c", code], cwd="/").stdout.splitlines()
    assert out[0] == "True"
    assert len(eval(out[1])) == 14 and "human" in out[1] and "zebrafish" in out[1]
    assert out[2] == "True"


def test_sdist_installs_with_no_node_on_path(tmp_path, dists):
    """pip builds the wheel from the sdist (isolated) with neither node nor npm on PATH."""
    from install_helpers import path_without_node

    venv = new_venv(tmp_path / "venv")
    env = clean_env([str(venv / "bin"), *path_without_node(tmp_path / "bin-without-node")])
    assert "node" not in {p.name for p in Path(env["PATH"].split(":")[1]).iterdir()}
    pip(venv, "--no-deps", dists["sdist"], what="pip install --no-deps sdist (no node on PATH)", env=env)
    assert (venv / LABEXTENSION / "package.json").is_file()
    assert (venv / "etc/jupyter/jupyter_server_config.d/lamin_widgets.json").is_file()
    site = next((venv / "lib").glob("python3*/site-packages"))
    assert {p.stem for p in (site / "lamin_widgets" / "static").glob("*.js")} == WIDGETS


@pytest.mark.parametrize("order", ["lamindb-first", "lamin-widgets-first"])
def test_next_to_lamindb(tmp_path, dists, order):
    """LaminDB 1.5 (with lamin-cli's `lamin`) and this wheel in one venv, installed in either order: both
    import, both command lines answer, `pip check` is clean, and each keeps its settings folder."""
    venv = new_venv(tmp_path / "venv")
    ours = f"{dists['wheel']}[bionty]"
    # lamindb 1.5 pins anndata<=0.11.4, which cannot write pandas 3's strings and does not import next to
    # zarr 3 (which anndata 0.12 brings when this package comes first): README, next to LaminDB
    for requirement in [LAMINDB, ours] if order == "lamindb-first" else [ours, LAMINDB]:
        what = f"pip install {requirement.split('/')[-1]} 'pandas<3' 'zarr<3' ({order})"
        pip(venv, requirement, "pandas<3", "zarr<3", what=what)
    sh([venv / "bin" / "python", "-m", "pip", "check"])
    home = tmp_path / "home"
    home.mkdir()
    env = clean_env([str(venv / "bin"), *clean_env()["PATH"].split(":")], HOME=str(home))
    for name in ("LAMIN_HOME", "LAMIN_SETTINGS_DIR", "LAMIN_ENV"):
        env.pop(name, None)
    lamindb = sh([venv / "bin" / "python", "-c", "import lamindb; print(lamindb.__version__)"], env=env)
    assert lamindb.stdout.split()[-1] == "1.5.3"
    assert "Configure LaminDB" in sh([venv / "bin" / "lamin", "--help"], env=env).stdout
    sh([venv / "bin" / "lamin-core", "settings", "set", "handle", "testuser1"], env=env, cwd=tmp_path)
    init = sh(
        [venv / "bin" / "lamin-core", "init", "--storage", "reg", "--modules", "bionty"],
        env=env,
        cwd=tmp_path,
    )
    assert "initialized lamin instance: testuser1/reg" in init.stderr
    code = (
        "import lamin_core as ln, lamin_core.bionty as bt\n"
        "ln.examples.ingest_mini_immuno_datasets()\n"
        "print(len(ln.Artifact.df()), bt.Gene.filter().count())"
    )
    assert sh([venv / "bin" / "python", "-c", code], env=env, cwd=tmp_path).stdout.split()[-2:] == ["2", "4"]
    ours_files = {p.name for p in (home / ".lamin-core").iterdir()}
    assert {"user.json", "current_instance.txt", "instances"} <= ours_files
    theirs = home / ".lamin"  # lamindb-setup's folder (made on import): none of our files in it
    assert not theirs.exists() or not ({p.name for p in theirs.iterdir()} & ours_files)
