"""Create, connect, inspect and delete instances; make sure Django is connected before registries are used."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

from .. import hooks, plugins
from .._logger import logger
from ..errors import DatabaseUnreachableError, InstanceExistsError, InstanceNotFoundError, StorageInUseError
from ..storage.filesystem import check_storage, normalize_root
from ..storage.ownership import check_unclaimed
from .django_config import close_connections, configured_instance, installed_apps, setup_django
from .settings import (
    InstanceSettings,
    UserSettings,
    check_instance_name,
    current_instance_name,
    set_current_instance,
    settings,
)
from .sqlite_template import copy_template, migration_files

KNOWN_MODULES = tuple(plugins.MODULES)


def _parse_modules(modules: str | list[str] | None) -> list[str]:
    if modules is None:
        return []
    names = [m.strip() for m in modules.split(",")] if isinstance(modules, str) else list(modules)
    names = [m for m in names if m]
    unknown = [m for m in names if m not in KNOWN_MODULES]
    if unknown:
        raise ValueError(f"unknown module(s) {unknown}; available modules: {list(KNOWN_MODULES)}")
    return sorted(set(names))


def check_database(instance: InstanceSettings, *, expect_instance: bool) -> None:
    """Raise a clear error if the instance's database is unreachable, or (not) already holds an instance."""
    if instance.is_sqlite:
        if expect_instance and not instance.sqlite_path.exists():
            raise InstanceNotFoundError(
                f"the database of instance {instance.slug} is missing: {instance.sqlite_path} does not exist"
            )
        return
    import psycopg  # heavy: only for a PostgreSQL instance

    try:
        with psycopg.connect(instance.db, connect_timeout=5) as conn:
            exists = conn.execute("select to_regclass('public.lamin_core_storage') is not null").fetchone()[0]
    except psycopg.Error as e:
        reason = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DatabaseUnreachableError(f"cannot reach the database {instance.db_display}: {reason}") from e
    if exists and not expect_instance:
        raise InstanceExistsError(
            f"the database {instance.db_display} already holds a lamin instance; "
            "connect to it with `lamin-core connect` or use another database"
        )
    if not exists and expect_instance:
        raise InstanceNotFoundError(f"the database {instance.db_display} holds no lamin instance")


def _migrate() -> None:
    from django.core.management import call_command  # lazy: `import lamin_core` loads no Django

    call_command("migrate", verbosity=0, interactive=False, skip_checks=True)


def init(
    storage: str | Path,
    db: str | None = None,
    modules: str | list[str] | None = None,
    name: str | None = None,
    use_template: bool = True,
) -> InstanceSettings:
    """Create an instance (storage root + database + settings) and make it the current one.

    `storage` is a local folder or an S3 prefix (`s3://bucket/prefix`; the bucket must exist). A new
    SQLite database is copied from the package's pre-migrated template when it is up to date; with S3
    storage it lives under `$LAMIN_HOME/instances/<name>/` and the bucket holds the instance marker.
    """
    remote = "://" in str(storage)
    if remote:
        root = normalize_root(str(storage))
        default_name = root.rsplit("/", 1)[-1].lower()
    else:
        storage_path = Path(storage).expanduser().resolve()
        root, default_name = str(storage_path), storage_path.name.lower()
    name = check_instance_name(name or default_name)
    instance = InstanceSettings(
        name=name,
        owner=UserSettings.load().handle,
        storage=root,
        db=db,
        modules=_parse_modules(modules),
    )
    if remote:
        check_storage(root)  # the bucket exists and answers
    if instance.marker_exists():
        raise InstanceExistsError(
            f"{root} already holds a lamin instance; connect to it with `lamin-core connect {root}`"
        )
    check_unclaimed(root, what="create an instance")  # files of another instance, LaminDB's markers
    if InstanceSettings.path_for(name).exists():
        raise InstanceExistsError(
            f"an instance named {name!r} already exists; connect with `lamin-core connect {name}` "
            f"or pick another name with --name"
        )
    if remote and instance.is_sqlite and instance.sqlite_path.parent.exists():
        raise InstanceExistsError(
            f"{instance.sqlite_path.parent} (the database folder of an instance named {name!r}) already "
            "exists; remove it or pick another name with --name"
        )
    if not remote and storage_path.exists() and not storage_path.is_dir():
        raise NotADirectoryError(f"storage {storage_path} exists and is not a folder")
    check_database(instance, expect_instance=False)

    # local storage: .lamindb/ in the folder holds marker and SQLite file; S3: the SQLite file is local
    local_dir = instance.sqlite_path.parent if remote else storage_path / ".lamindb"
    created_root = not remote and not storage_path.exists()
    if not remote or instance.is_sqlite:
        _make_empty_dir(local_dir)
    try:
        apps = installed_apps(instance)
        copied = use_template and instance.is_sqlite and copy_template(apps, instance.sqlite_path)
        setup_django(instance)
        if not copied:
            _migrate()
        hooks.seed_records(instance)  # the user, the default space, the storage root
        instance.save()
        set_current_instance(name)
    except BaseException:
        close_connections()
        if not remote or instance.is_sqlite:
            shutil.rmtree(local_dir, ignore_errors=True)
        if remote:
            instance.remove_marker()
        if created_root:
            shutil.rmtree(storage_path, ignore_errors=True)
        InstanceSettings.path_for(name).unlink(missing_ok=True)
        raise
    logger.info(f"initialized lamin instance: {instance.slug}")
    _prepare_modules(instance)
    return instance


def _prepare_modules(instance: InstanceSettings) -> None:
    """What each module of the instance prepares on this machine, outside the database (bionty: the search
    indexes of its public sources, built once per user and shared by every instance; `Plugin.prepare`)."""
    for module in instance.modules:
        plugin = plugins.get(module)
        if plugin is not None and plugin.prepare is not None:
            plugin.prepare()


def _make_empty_dir(path: Path) -> None:
    """Create the instance's folder; an existing empty one is taken, one with files refused (kept as is)."""
    path.mkdir(parents=True, exist_ok=True)
    names = sorted(p.name for p in path.iterdir())
    if names:
        shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
        raise StorageInUseError(
            f"cannot create an instance: {path} already holds {len(names)} entries ({shown}); "
            "nothing was changed; pick another folder"
        )


def resolve_instance(instance: str) -> InstanceSettings:
    """The settings of an instance named as `connect()` takes it: `name`, `owner/name`, storage folder or
    S3 root (nothing is connected)."""
    if "://" in instance:
        return InstanceSettings.load_from_storage(instance)
    path = Path(instance).expanduser()
    if path.is_dir():
        return InstanceSettings.load_from_storage(path.resolve())
    return InstanceSettings.load(instance.split("/")[-1])


def connect(instance: str, *, configure: bool = True) -> InstanceSettings:
    """Connect to an instance by name (`name` or `owner/name`), storage folder or S3 root; make it current.

    With `configure=False` (the CLI) only the current instance changes; this process stays unconnected.
    """
    target = resolve_instance(instance)
    check_database(target, expect_instance=True)
    if configure:
        setup_django(target)
        apply_pending_migrations(target)
    if not InstanceSettings.path_for(target.name).exists():
        target.save()
    set_current_instance(target.name)
    if configure:
        hooks.current_user_id()  # the user's record, created on first use
    logger.success(f"connected lamin instance: {target.slug}")
    if configure:
        _prepare_modules(target)
    return target


def ensure_connected() -> InstanceSettings:
    """Set Django up for the current instance (called on first registry access)."""
    active = configured_instance()
    if active is not None:
        return active
    instance = settings.instance
    check_database(instance, expect_instance=True)
    setup_django(instance)
    apply_pending_migrations(instance)
    return instance


def apply_pending_migrations(instance: InstanceSettings) -> None:
    """Migrate an instance made by an older version of this package, once, on first connection.

    Which migrations a database lacks is one query against the migration files on disk (about a
    millisecond); concurrent processes take a lock (a file next to the SQLite database, or a PostgreSQL
    advisory lock) and look again before they migrate.
    """
    from django.db import connection  # lazy: `import lamin_core` loads no Django

    def pending() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT app, name FROM django_migrations")
            applied = set(cursor.fetchall())
        return sorted(f"{app}.{name}" for app, name in migration_files(installed_apps(instance)) - applied)

    if not pending():
        return
    with _migration_lock(instance, connection):
        missing = pending()
        if missing:
            logger.info(f"migrating instance {instance.slug}: {', '.join(missing)}")
            _migrate()


@contextlib.contextmanager
def _migration_lock(instance: InstanceSettings, connection) -> Iterator[None]:
    """One migrating process per instance at a time."""
    if not instance.is_sqlite:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(hashtext('lamin_core.migrate'))")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(hashtext('lamin_core.migrate'))")
        return
    import fcntl  # POSIX only: loaded where the lock is taken

    with open(instance.sqlite_path.with_name(instance.sqlite_path.name + ".migrate-lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def info() -> str:
    """A few lines on the user and the current instance."""
    user = settings.user
    lines = [
        f"user: {user.handle} ({user.name or 'no name set'}), uid {user.uid}",
        f"settings: {settings.home}",
    ]
    name = current_instance_name()
    if name is None:
        lines.append("instance: none (create one with `lamin-core init --storage DIR`)")
    else:
        inst = InstanceSettings.load(name)
        lines += [
            f"instance: {inst.slug} (uid {inst.uid})",
            f"storage: {inst.storage}",
            f"database: {inst.db_display}",
            f"modules: {', '.join(inst.modules) or 'none'}",
        ]
    return "\n".join(lines)


def set_user(key: str, value: str) -> None:
    """Change the user's `handle` or `name`."""
    if key not in ("handle", "name"):
        raise ValueError(f"unknown setting {key!r}; settable: handle, name")
    user = UserSettings.load()
    setattr(user, key, value)
    user.save()
    logger.success(f"set user {key} to {value!r}")
