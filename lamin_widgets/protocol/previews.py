"""The `preview` method: an artifact's content on its record page (a thumbnail, the head of a table, the
outline of an AnnData, a folder's files), read by lamin_core's preview service under the request's
budget. A record page asks for it after the page itself, so the page never waits for it
(docs/architecture.md, "The RPC protocol")."""

from __future__ import annotations

from typing import Any

from . import budget
from .errors import BadRequest, NotFound
from .state import get_registry


def preview(ctx: Any, p: dict) -> dict:
    """The preview of one visible artifact: `{kind, ...}` (see lamin_core/artifacts/preview.py); a file
    that cannot be read answers kind `error` with a one-line message, not an error of the request."""
    # imports the models: only once Django is set up (docs/architecture.md, "Function-level imports")
    from lamin_core.artifacts.preview import preview_artifact

    model = get_registry(p["registry"])
    if model.__name__ != "Artifact" or "." in p["registry"]:
        raise BadRequest(f"preview: only artifacts have previews, not {p['registry'][:100]!r} records")
    found = ctx.bases.get(p["registry"], model.objects.all()).filter(id=p["id"]).first()
    if found is None:
        raise NotFound(f"preview: no visible Artifact record with id {p['id']}")
    applied = budget.current()
    return {
        "registry": "Artifact",
        "id": found.pk,
        **preview_artifact(found, applied.check if applied else None),
    }
