"""Case-sensitive `contains`, `startswith` and `endswith` on SQLite, as on PostgreSQL.

SQLite's LIKE ignores ASCII case, so Django's default SQLite lookups behave like their `i...` twins;
these variants compare exactly there and leave every other database to Django.
"""

from __future__ import annotations

from django.db import models
from django.db.models.lookups import Contains, EndsWith, StartsWith


def _sides(lookup, compiler, connection):
    lhs, lhs_params = lookup.process_lhs(compiler, connection)
    if hasattr(lookup.rhs, "as_sql"):
        rhs, rhs_params = compiler.compile(lookup.rhs)
    else:
        rhs, rhs_params = "%s", [lookup.rhs]
    return lhs, rhs, [*lhs_params, *rhs_params]


class ExactContains(Contains):
    def as_sqlite(self, compiler, connection):
        lhs, rhs, params = _sides(self, compiler, connection)
        return f"INSTR({lhs}, {rhs}) > 0", params


class ExactStartsWith(StartsWith):
    def as_sqlite(self, compiler, connection):
        lhs, rhs, params = _sides(self, compiler, connection)
        return f"SUBSTR({lhs}, 1, LENGTH({rhs})) = {rhs}", params + params[-1:]


class ExactEndsWith(EndsWith):
    def as_sqlite(self, compiler, connection):
        lhs, rhs, params = _sides(self, compiler, connection)
        return f"SUBSTR({lhs}, -LENGTH({rhs})) = {rhs}", params + params[-1:]


def register() -> None:
    """Install the lookups on text fields (called once when the app is ready)."""
    for field in (models.CharField, models.TextField):
        for lookup in (ExactContains, ExactStartsWith, ExactEndsWith):
            field.register_lookup(lookup)
