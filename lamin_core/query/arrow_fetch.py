"""Columnar fetch: run Django-compiled SQL through an ADBC driver and get an Arrow table.

Big frames (`filter(...).df()` over tens of thousands of rows) spend most of their time turning rows
into Python objects; ADBC returns columns, which pandas takes over without a per-value loop. ADBC uses
its own connection, so inside a transaction (whose uncommitted rows only Django's connection sees) and
for anything it cannot type, callers fall back to the row path.
"""

from __future__ import annotations

import atexit
import threading
from typing import TYPE_CHECKING

from django.db import connections

if TYPE_CHECKING:
    import pyarrow as pa

_local = threading.local()


def _connect(alias: str):
    connection = connections[alias]
    settings = connection.settings_dict
    key = (alias, settings["NAME"], settings.get("HOST"), settings.get("PORT"))
    cache = getattr(_local, "connections", None)
    if cache is None:
        cache = _local.connections = {}
    if key not in cache:
        if connection.vendor == "sqlite":
            import adbc_driver_sqlite.dbapi as adbc  # heavy: only the driver of this vendor loads

            cache[key] = adbc.connect(str(settings["NAME"]), autocommit=True)
        else:
            import adbc_driver_postgresql.dbapi as adbc  # heavy: only the driver of this vendor loads

            user = settings.get("USER") or ""
            password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
            auth = f"{user}{password}@" if user else ""
            port = f":{settings['PORT']}" if settings.get("PORT") else ""
            uri = f"postgresql://{auth}{settings.get('HOST') or 'localhost'}{port}/{settings['NAME']}"
            cache[key] = adbc.connect(uri, autocommit=True)
    return cache[key]


def _placeholders(sql: str, vendor: str, n_params: int) -> str:
    """Django's `%s` placeholders in the driver's style (`?` for SQLite, `$1..` for PostgreSQL)."""
    if vendor == "sqlite":
        parts = sql.split("%s")
        text = "?".join(parts)
    else:
        parts = sql.split("%s")
        text = parts[0] + "".join(f"${i}{part}" for i, part in enumerate(parts[1:], start=1))
    if len(parts) - 1 != n_params:
        raise ValueError("placeholder count does not match the parameters")
    return text.replace("%%", "%")


def fetch_arrow(sql: str, params: tuple, alias: str) -> pa.Table | None:
    """The result of `sql` as an Arrow table, or None when the row path must be used."""
    connection = connections[alias]
    if connection.in_atomic_block or connection.vendor not in ("sqlite", "postgresql"):
        return None
    try:
        text = _placeholders(sql, connection.vendor, len(params))
        cursor = _connect(alias).cursor()
        try:
            cursor.execute(text, list(params))
            return cursor.fetch_arrow_table()
        finally:
            cursor.close()
    except Exception:
        _local.connections = {}
        return None


def close() -> None:
    """Close this thread's ADBC connections."""
    for conn in getattr(_local, "connections", {}).values():
        conn.close()
    _local.connections = {}


atexit.register(close)
