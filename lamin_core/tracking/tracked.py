"""`@ln.tracked()`: each call of a decorated function is a Run of a Transform of type "function".

As LaminDB 1.5.3's decorator: the global run (`ln.track()`) must be active; the function's Transform has the
key `<module>.<qualified name>.py` (`<key of the tracked script>/<qualified name>.py` for functions of the
running script) and the function's source code; an unchanged source reuses it, a changed one makes the next
version of its family. The Run has `initiated_by_run` = the run that called the function (the global run, or
the run of the tracked function that called this one) and `finished_at` once the function returned. Records
saved during the call point to the function's run (`ln.context.run` is that run meanwhile); loaded
artifacts become its inputs. Calls in parallel threads each get their own run.

The call's arguments (defaults included, but not one named `run`) are the run's params (`run.params`):
numbers, booleans, strings, dates, dicts and lists of one plain type; records, None and other objects are
left out. Each must be a registered `ln.Param`, else the call raises a `ValidationError` naming them, as in
1.5.3, but before anything is written (1.5.3 has saved the run by then).

Differences from 1.5.3: `@ln.tracked` without parentheses works too; two calls creating the function's
Transform at the same time create one Transform (1.5.3 can create two, or fail on the unique source hash); a
function of the running script has one key whoever calls it (see `function_key`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from ..hashing import hash_string
from ..uids import FIRST_VERSION_SUFFIX, base62, next_version_suffix
from .context import STEM_LEN, UID_LEN, UpdateContext, _family, _max_suffix, check_uid, context, function_run

F = TypeVar("F", bound=Callable[..., Any])

NO_RUN_MESSAGE = "Please track the global run context before using @ln.tracked(): ln.track()"


def tracked(uid: str | Callable | None = None) -> Callable[[F], F] | Callable:
    """Track each call of the decorated function as a run of a "function" Transform.

    Args:
        uid: A Transform uid identifying the function across renames: 12 characters (the family; new
            versions follow source changes) or 16 (that exact version).

    Example::

        @ln.tracked()
        def subset(key: str, n: int = 2) -> None:
            df = ln.Artifact.get(key=key).load()  # an input of the function's run
            ln.Artifact.from_df(df.iloc[:n], key=f"subset/{key}").save()  # created by the function's run
    """
    if callable(uid):  # @ln.tracked without parentheses
        return tracked(None)(uid)
    if uid is not None:
        check_uid(uid)

    def decorator(func: F) -> F:
        signature = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            initiated_by_run = context.run  # the calling tracked function's run, else the global run
            if initiated_by_run is None or context._run is None:
                raise RuntimeError(NO_RUN_MESSAGE)
            params = call_params(signature, args, kwargs)
            run = _start_run(func, uid, initiated_by_run, params)
            token = function_run.set(run)
            try:
                result = func(*args, **kwargs)
            finally:
                function_run.reset(token)
            run.finished_at = datetime.now(UTC)
            run.save(update_fields=["finished_at"])
            return result

        return wrapper  # type: ignore[return-value]

    return decorator


def function_key(func: Callable) -> str:
    """The Transform key of a function: `module.qualname.py`; under the tracked script's key for `__main__`.

    The script's key is that of the global run's Transform whoever calls the function (1.5.3 takes the
    calling run's, so a function called from another tracked function got a second Transform).
    """
    if func.__module__ in ("__main__", "__mp_main__"):
        return f"{context._run.transform.key}/{func.__qualname__}.py"
    return f"{func.__module__}.{func.__qualname__}.py"


def call_params(signature: inspect.Signature, args: tuple, kwargs: dict) -> dict[str, Any]:
    """The arguments of a call that are stored as run params: plain values, by parameter name."""
    bound = signature.bind(*args, **kwargs)
    bound.apply_defaults()
    return {name: value for name, value in bound.arguments.items() if name != "run" and _is_plain(value)}


def _is_plain(value: Any) -> bool:
    if isinstance(value, bool | int | float | str | date | dict):
        return True
    if isinstance(value, list | tuple) and value:
        kinds = {type(item) for item in value}
        return len(kinds) == 1 and kinds <= {bool, int, float, str}
    return False


def _start_run(func: Callable, uid: str | None, initiated_by_run: Any, params: dict[str, Any]) -> Any:
    from django.db import transaction  # Django on first use: `ln.track` stays cheap to import

    from ..models import Run  # the models load only once Django is set up (ensure_connected)

    source_code = inspect.getsource(func)
    key = function_key(func)
    with transaction.atomic():
        transform = _function_transform(key, uid, source_code)
        run = Run(transform=transform, initiated_by_run=initiated_by_run, started_at=datetime.now(UTC))
        run.save()
        if params:
            run.params.add_values({k: list(v) if isinstance(v, tuple) else v for k, v in params.items()})
    return run


def _function_transform(key: str, uid: str | None, source_code: str) -> Any:
    """The function's Transform: reused when its source is unchanged, else a new version (or family)."""
    from ..artifacts.versions import latest_with_key, lock  # Django on first use
    from ..models import Transform  # the models load only once Django is set up (ensure_connected)
    from .versions import latest_of  # Django on first use: `ln.track` stays cheap to import

    manager = Transform.all_objects
    code_hash = hash_string(source_code)
    # writers of one function's transform are serialised: concurrent first calls create it once
    lock(Transform, f"function:{uid or key}")
    if uid is not None and len(uid) == UID_LEN:
        existing = manager.filter(uid=uid).first()
        if existing is not None:
            if existing.source_code not in (None, source_code):
                members = [t.uid for t in _family(manager, uid[:STEM_LEN])]
                suggestion = uid[:STEM_LEN] + next_version_suffix(_max_suffix(members))
                raise UpdateContext(
                    f"the source code of {key} differs from the one saved with Transform('{uid}'): "
                    f'pass a new uid, @ln.tracked("{suggestion}")'
                )
            return existing
        latest = None
    elif uid is not None:
        latest = latest_of(Transform, uid)
    else:
        latest = latest_with_key(Transform, key)
    if latest is not None and latest.source_code == source_code:
        return latest
    if code_hash is not None and manager.filter(hash=code_hash).exists():
        code_hash = None  # the same source is saved under another transform; hashes are unique
    fields = {"key": key, "type": "function", "source_code": source_code, "hash": code_hash}
    if latest is not None:
        return Transform(revises=latest, **fields).save()
    new_uid = (
        uid if uid is not None and len(uid) == UID_LEN else (uid or base62(STEM_LEN)) + FIRST_VERSION_SUFFIX
    )
    return Transform(uid=new_uid, **fields).save()
