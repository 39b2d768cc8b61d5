"""Settings on disk: the user, the instances and the current instance, all under `LAMIN_HOME`."""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .. import hooks
from ..errors import InstanceNotFoundError, NoInstanceError, SettingsError
from ..storage.filesystem import fs_path, normalize_root, remote_errors, storage_filesystem
from ..uids import base62
from .django_config import configured_instance

INSTANCE_MARKER = Path(".lamindb") / "instance.json"
SQLITE_FILE = Path(".lamindb") / "lamin.db"
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def lamin_home() -> Path:
    """The settings directory: `$LAMIN_HOME`, else `~/.lamin-core`.

    Not `~/.lamin`, which LaminDB's lamindb-setup (`$LAMIN_SETTINGS_DIR/.lamin`) keeps its own settings
    in: the two packages never read or write each other's settings.
    """
    return Path(os.environ.get("LAMIN_HOME") or Path.home() / ".lamin-core")


def cache_dir() -> Path:
    """Folder for files written before they are saved (`from_df`, `from_anndata`): `$LAMIN_HOME/cache`.

    Downloaded copies of S3 artifacts live below it too, under `<bucket>/<key>`.
    """
    path = lamin_home() / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read_json(path: Path, what: str) -> dict:
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise SettingsError(f"the {what} file {path} is corrupt ({e}); fix or delete it") from e
    if not isinstance(data, dict):
        raise SettingsError(f"the {what} file {path} is corrupt (expected a JSON object)")
    return data


def _write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2))
    tmp.replace(path)


@dataclass
class UserSettings:
    """The local user: a stable uid, a handle and a display name."""

    uid: str
    handle: str = "anonymous"
    name: str | None = None

    @classmethod
    def path(cls) -> Path:
        return lamin_home() / "user.json"

    @classmethod
    def load(cls) -> UserSettings:
        """The saved user, created (and saved) on first use."""
        path = cls.path()
        if not path.exists():
            user = cls(uid=base62(8))
            user.save()
            return user
        data = _read_json(path, "user settings")
        try:
            return cls(uid=data["uid"], handle=data["handle"], name=data.get("name"))
        except KeyError as e:
            raise SettingsError(f"the user settings file {path} lacks the key {e}; fix or delete it") from e

    def save(self) -> None:
        _write_json(self.path(), asdict(self))


@dataclass
class InstanceSettings:
    """One instance: where its files live and which database holds its registries."""

    name: str
    owner: str
    storage: str
    db: str | None = None
    modules: list[str] = field(default_factory=list)
    uid: str = field(default_factory=lambda: base62(12))

    @property
    def slug(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def is_sqlite(self) -> bool:
        return self.db is None

    @property
    def is_remote(self) -> bool:
        """True if the storage root is an object-store prefix (`s3://bucket/prefix`)."""
        return "://" in self.storage

    @property
    def sqlite_path(self) -> Path:
        """The SQLite file: in the storage folder; for S3 storage, `$LAMIN_HOME/instances/<name>/lamin.db`.

        A database cannot live in a bucket (SQLite needs file locks), so an SQLite instance on S3 storage
        exists on the machine that created it; teams use PostgreSQL with S3 storage.
        """
        if self.is_remote:
            return lamin_home() / "instances" / self.name / SQLITE_FILE.name
        return Path(self.storage) / SQLITE_FILE

    @property
    def db_display(self) -> str:
        """The database URL without its password, safe to print."""
        if self.db is None:
            return f"sqlite:///{self.sqlite_path}"
        return re.sub(r"(//[^:/@]+):[^@]*@", r"\1:***@", self.db)

    @staticmethod
    def path_for(name: str) -> Path:
        return lamin_home() / "instances" / f"{name}.json"

    @classmethod
    def from_dict(cls, data: dict, source: Path) -> InstanceSettings:
        try:
            # the name becomes a settings file name: a marker from storage must not lead elsewhere
            check_instance_name(str(data["name"]))
        except ValueError as e:
            raise SettingsError(f"the instance settings file {source} names no valid instance: {e}") from e
        except KeyError:
            pass
        try:
            return cls(
                name=data["name"],
                owner=data["owner"],
                storage=data["storage"],
                db=data.get("db"),
                modules=list(data.get("modules") or []),
                uid=data["uid"],
            )
        except KeyError as e:
            raise SettingsError(
                f"the instance settings file {source} lacks the key {e}; fix or delete it"
            ) from e

    @classmethod
    def load(cls, name: str) -> InstanceSettings:
        """The saved instance called `name`."""
        path = cls.path_for(name)
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in path.parent.glob("*.json"))) or "none"
            raise InstanceNotFoundError(
                f"no lamin instance named {name!r} in {lamin_home()} (known instances: {known})"
            )
        return cls.from_dict(_read_json(path, "instance settings"), path)

    @classmethod
    def load_from_storage(cls, storage: Path | str) -> InstanceSettings:
        """The instance whose storage root is `storage` (read from its marker file, also on S3)."""
        if "://" in str(storage):
            return cls._load_from_remote(str(storage))
        marker = storage / INSTANCE_MARKER  # type: ignore[operator]
        if not marker.exists():
            raise InstanceNotFoundError(f"no lamin instance in {storage} (no {INSTANCE_MARKER} there)")
        return cls.from_dict(_read_json(marker, "instance marker"), marker)

    @classmethod
    def _load_from_remote(cls, root: str) -> InstanceSettings:
        root = normalize_root(root)
        marker = f"{fs_path(root)}/{INSTANCE_MARKER.as_posix()}"
        with remote_errors(root):
            try:
                text = storage_filesystem(root).cat_file(marker).decode()
            except FileNotFoundError as e:
                raise InstanceNotFoundError(
                    f"no lamin instance in {root} (no {INSTANCE_MARKER} there)"
                ) from e
        try:
            data = json.loads(text)
        except json.JSONDecodeError as e:
            raise SettingsError(f"the instance marker file {root}/{INSTANCE_MARKER} is corrupt ({e})") from e
        return cls.from_dict(data, Path(marker))

    def marker_exists(self) -> bool:
        """True if the storage root holds an instance marker (local folder or S3 prefix)."""
        if not self.is_remote:
            return (Path(self.storage) / INSTANCE_MARKER).exists()
        with remote_errors(self.storage):
            return storage_filesystem(self.storage).exists(
                f"{fs_path(self.storage)}/{INSTANCE_MARKER.as_posix()}"
            )

    def remove_marker(self) -> bool:
        """Remove the marker from the storage root; never raises, False if that failed."""
        try:
            if not self.is_remote:
                (Path(self.storage) / INSTANCE_MARKER).unlink(missing_ok=True)
                return True
            fs = storage_filesystem(self.storage)
            marker = f"{fs_path(self.storage)}/{INSTANCE_MARKER.as_posix()}"
            if fs.exists(marker):
                fs.rm(marker)
            return True
        except Exception:
            return False

    def save(self) -> None:
        """Write the settings file and the marker in the storage root (a local folder or an S3 prefix)."""
        _write_json(self.path_for(self.name), asdict(self))
        if not self.is_remote:
            _write_json(Path(self.storage) / INSTANCE_MARKER, asdict(self))
            return
        with remote_errors(self.storage, "writing the instance marker"):
            storage_filesystem(self.storage).pipe_file(
                f"{fs_path(self.storage)}/{INSTANCE_MARKER.as_posix()}",
                json.dumps(asdict(self), indent=2).encode(),
            )


def current_instance_file() -> Path:
    return lamin_home() / "current_instance.txt"


def current_instance_name() -> str | None:
    """The name of the current instance, or None."""
    path = current_instance_file()
    if not path.exists():
        return None
    return path.read_text().strip() or None


def set_current_instance(name: str | None) -> None:
    """Make `name` the current instance (None clears it)."""
    path = current_instance_file()
    if name is None:
        path.unlink(missing_ok=True)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(name + "\n")


def check_instance_name(name: str) -> str:
    """Validate an instance name (letters, digits, `_ . -`)."""
    if not _NAME_RE.match(name):
        raise ValueError(f"invalid instance name {name!r}: use letters, digits, '_', '.', '-'")
    return name


@dataclass(frozen=True)
class StorageSettings:
    """A storage root of the connected instance: `root` (local folder or `s3://bucket/prefix`), record id."""

    root: str
    id: int

    @property
    def type(self) -> str:
        return self.root.split("://", 1)[0] if "://" in self.root else "local"

    @property
    def root_as_str(self) -> str:
        """The root as a string (LaminDB's name; `root` is one already)."""
        return self.root

    def __str__(self) -> str:
        return self.root


class CreationSettings:
    """`ln.settings.creation`: how new records are made in this process (LaminDB 1.5.3's fields).

    - `search_names` (default True): a new record whose name exists already is that record (`ULabel`:
      "returning existing ULabel record with same name"). False creates a new record every time, faster and
      with possible duplicates, as in 1.5.3.
    - `artifact_silence_missing_run_warning` (default False): lamin_core never warns about artifacts saved
      without `ln.track()`, so this changes nothing here; it is accepted for LaminDB code that sets it.
    - `artifact_skip_size_hash` (default False): accepted; artifacts are always hashed here (their content
      decides whether an artifact exists already).
    """

    _FIELDS = {
        "search_names": True,
        "artifact_skip_size_hash": False,
        "artifact_silence_missing_run_warning": False,
        "_artifact_use_virtual_keys": True,
    }

    def __init__(self) -> None:
        for name, default in self._FIELDS.items():
            object.__setattr__(self, name, default)

    def __setattr__(self, name: str, value: object) -> None:
        if name not in self._FIELDS:
            raise AttributeError(
                f"ln.settings.creation has no setting {name!r}; settings: "
                + ", ".join(n for n in self._FIELDS if not n.startswith("_"))
            )
        if not isinstance(value, bool):
            raise TypeError(f"ln.settings.creation.{name} must be True or False, got {type(value).__name__}")
        if name == "_artifact_use_virtual_keys" and not value:
            raise ValueError("artifact files are always stored under their uid here: keys are virtual")
        object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        fields = ", ".join(f"{n}={getattr(self, n)}" for n in self._FIELDS if not n.startswith("_"))
        return f"CreationSettings({fields})"


creation_settings = CreationSettings()


class Settings:
    """`ln.setup.settings` (also `ln.settings`): the user and the current instance, read fresh from disk."""

    @property
    def creation(self) -> CreationSettings:
        """Record creation settings of this process, e.g. `ln.settings.creation.search_names = False`."""
        return creation_settings

    @property
    def home(self) -> Path:
        return lamin_home()

    @property
    def cache_dir(self) -> Path:
        """Where S3 data and files made from DataFrames are cached: `$LAMIN_HOME/cache` (LaminDB's name)."""
        return cache_dir()

    @property
    def user(self) -> UserSettings:
        return UserSettings.load()

    @property
    def instance(self) -> InstanceSettings:
        active = configured_instance()
        if active is not None:
            return active
        name = current_instance_name()
        if name is None:
            raise NoInstanceError(
                "no lamin instance is set up: create one with `lamin-core init --storage ./mydata` "
                "(or `ln.setup.init(storage='./mydata')`), or connect one with `lamin-core connect NAME`"
            )
        return InstanceSettings.load(name)

    @property
    def storage(self) -> StorageSettings:
        """The default storage of new artifacts in this process (`.root`: a folder or `s3://bucket/prefix`).

        Set it to another root, as in LaminDB (`ln.settings.storage = "s3://bucket/prefix"`), to store new
        artifacts there; its Storage record is created if needed. It applies to this process only.
        """
        storage_id, root = hooks.default_storage()
        return StorageSettings(root=root, id=storage_id)

    @storage.setter
    def storage(self, root: str | Path | StorageSettings) -> None:
        hooks.set_default_storage(root.root if isinstance(root, StorageSettings) else root)

    def __repr__(self) -> str:
        user = self.user
        try:
            inst = self.instance
            inst_text = f"{inst.slug} (storage {inst.storage}, db {inst.db_display}, modules {inst.modules})"
        except NoInstanceError:
            inst_text = "none"
        return f"Settings(user={user.handle!r}, name={user.name!r}, instance={inst_text}, home={self.home})"


settings = Settings()
