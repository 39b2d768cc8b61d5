"""The built wheel in a fresh virtual environment: `lamin` and the registries work as installed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEST_DB, new_database_url, run, write_user

ROOT = Path(__file__).resolve().parents[2]
ARTIFACT_COLUMNS = (
    "uid key description suffix kind otype size hash n_files n_observations _hash_type _key_is_virtual "
    "_overwrite_versions space_id storage_id schema_id version is_latest run_id created_at created_by_id "
    "_aux _branch_code"
)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with only the project's wheel (and its dependencies) installed."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            tmp / "dist",
            ROOT,
        ],
        check=True,
    )
    (wheel,) = (tmp / "dist").glob("lamin_widgets-*.whl")
    subprocess.run([sys.executable, "-m", "venv", tmp / "venv"], check=True)
    pip = [tmp / "venv" / "bin" / "python", "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, wheel], check=True)
    return tmp / "venv"


def test_wheel_ships_data_files(venv):
    code = (
        "import lamin_core, pathlib; root = pathlib.Path(lamin_core.__file__).parent\n"
        "print((root / 'setup/sqlite_templates/lamin_core.sqlite3.gz').exists(),"
        " (root / 'datasets/data/iris.csv').exists(), (root / 'migrations/0001_initial.py').exists())"
    )
    result = subprocess.run([venv / "bin" / "python", "-c", code], capture_output=True, text=True, cwd="/")
    assert result.stdout.split() == ["True", "True", "True"], result.stderr
    assert "site-packages" in subprocess.check_output(
        [venv / "bin" / "python", "-c", "import lamin_core; print(lamin_core.__file__)"], text=True, cwd="/"
    )


@pytest.mark.parametrize("database", ["sqlite", "postgresql"] if TEST_DB else ["sqlite"])
def test_installed_lamin_init_and_empty_artifact_frame(venv, tmp_path, database):
    db_url = new_database_url() if database == "postgresql" else None
    home = tmp_path / "home"
    write_user(home)
    args = [str(venv / "bin" / "lamin"), "init", "--storage", "./test-registries", "--modules", "bionty"]
    result = run(args + (["--db", db_url] if db_url else []), home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "initialized lamin instance: testuser1/test-registries" in result.stderr

    code = "import lamin_core as ln; print(list(ln.Artifact.df().columns)); print(ln.Artifact.df())"
    result = run([str(venv / "bin" / "python"), "-c", code], home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, *rest = result.stdout.splitlines()
    assert first == repr(ARTIFACT_COLUMNS.split())
    assert rest[0] == "Empty DataFrame"
