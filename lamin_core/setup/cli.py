"""The `lamin` command line: init, connect, info, delete, cleanup, settings."""

from __future__ import annotations

import argparse
import sys

from ..errors import LaminError
from . import instance
from .deletion import delete
from .orphans import cleanup


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lamin-core", description="Manage lamin instances.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create an instance and make it current")
    p.add_argument(
        "--storage",
        required=True,
        help="storage root: a local folder or s3://bucket/prefix (S3 credentials and endpoint from the "
        "AWS_* environment variables, e.g. AWS_ENDPOINT_URL for MinIO)",
    )
    p.add_argument("--db", default=None, help="postgresql://user:password@host:port/dbname (default: SQLite)")
    p.add_argument("--modules", default=None, help="comma-separated modules, e.g. bionty")
    p.add_argument("--name", default=None, help="instance name (default: the storage folder's name)")
    p = sub.add_parser(
        "connect", help="make an instance current (by name, storage folder or s3://bucket/prefix)"
    )
    p.add_argument("instance")
    sub.add_parser("info", help="show the user and the current instance")
    p = sub.add_parser(
        "delete",
        help="delete an instance: its settings and its SQLite database; data files only with --delete-data",
        description=(
            "Delete an instance. Removes its settings file and, for SQLite, its database and marker (the "
            "records are lost); a PostgreSQL database and its marker are kept. Artifact files are kept "
            "unless --delete-data is given, and files outside <root>/.lamindb/ are never removed. On a "
            "terminal it lists what it removes and keeps and asks first; elsewhere it refuses to remove a "
            "database or files unless --yes is given."
        ),
    )
    p.add_argument("instance")
    p.add_argument(
        "--delete-data",
        action="store_true",
        help="also remove the artifact files in <root>/.lamindb/ of every storage root the instance owns",
    )
    p.add_argument("--yes", action="store_true", help="do not ask; needed to delete without a terminal")
    p = sub.add_parser(
        "cleanup",
        help="remove files in <storage>/.lamindb/ that no artifact record owns (left by killed saves)",
        description=(
            "Remove, from the .lamindb/ folder of each storage root of the current instance, the files no "
            "artifact record owns: staged copies (.*.tmp) and deletions (.*.deleting) of interrupted saves "
            "and deletes, and <uid><suffix> files whose uid has no record (in any branch, trash included); "
            "the file of a delete that never committed (its record still exists) is renamed back instead. "
            "Only roots whose marker names this instance are cleaned; others are refused, naming the owner. "
            "Only files older than --older-than seconds are removed (a save may be in progress); the "
            "instance's own files (instance.json, the SQLite database) and anything outside .lamindb/ are "
            "never touched."
        ),
    )
    p.add_argument(
        "--older-than",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="only files last modified more than SECONDS ago (default: 3600)",
    )
    p.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    p.add_argument(
        "--storage",
        default=None,
        metavar="ROOT",
        help="only this storage root of the instance (default: every root the instance manages)",
    )
    p = sub.add_parser("settings", help="change user settings")
    settings_sub = p.add_subparsers(dest="action", required=True)
    s = settings_sub.add_parser("set", help="set handle or name")
    s.add_argument("key", choices=["handle", "name"])
    s.add_argument("value")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the `lamin` command; errors print one line and exit with status 1."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "init":
            instance.init(storage=args.storage, db=args.db, modules=args.modules, name=args.name)
        elif args.command == "connect":
            instance.connect(args.instance, configure=False)
        elif args.command == "info":
            print(instance.info())
        elif args.command == "delete":
            delete(args.instance, delete_data=args.delete_data, yes=args.yes)
        elif args.command == "cleanup":
            instance.ensure_connected()
            report = cleanup(older_than=args.older_than, dry_run=args.dry_run, storage=args.storage)
            print(report.summary())
            if report.errors:
                return 1
        elif args.command == "settings":
            instance.set_user(args.key, args.value)
    except (LaminError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
