"""The `lamin` command line: init, connect, info, delete, settings."""

from __future__ import annotations

import argparse
import sys

from ..errors import LaminError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lamin", description="Manage lamin instances.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("init", help="create an instance and make it current")
    p.add_argument("--storage", required=True, help="storage root folder")
    p.add_argument("--db", default=None, help="postgresql://user:password@host:port/dbname (default: SQLite)")
    p.add_argument("--modules", default=None, help="comma-separated modules, e.g. bionty")
    p.add_argument("--name", default=None, help="instance name (default: the storage folder's name)")
    p = sub.add_parser("connect", help="make an instance current (by name or storage folder)")
    p.add_argument("instance")
    sub.add_parser("info", help="show the user and the current instance")
    p = sub.add_parser("delete", help="delete an instance's settings and SQLite database")
    p.add_argument("instance")
    p = sub.add_parser("settings", help="change user settings")
    settings_sub = p.add_subparsers(dest="action", required=True)
    s = settings_sub.add_parser("set", help="set handle or name")
    s.add_argument("key", choices=["handle", "name"])
    s.add_argument("value")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the `lamin` command; errors print one line and exit with status 1."""
    args = _parser().parse_args(argv)
    from . import instance

    try:
        if args.command == "init":
            instance.init(storage=args.storage, db=args.db, modules=args.modules, name=args.name)
        elif args.command == "connect":
            instance.connect(args.instance, configure=False)
        elif args.command == "info":
            print(instance.info())
        elif args.command == "delete":
            instance.delete(args.instance)
        elif args.command == "settings":
            instance.set_user(args.key, args.value)
    except (LaminError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
