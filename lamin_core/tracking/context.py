"""The run context of this process: which Transform and Run (if any) newly saved records belong to.

`ln.track()` fills it, `ln.finish()` ends the run and empties it. Records with a `run` field get
`context.run` on creation (`models._defaults.current_run_id`). This module imports no models at import
time: model field defaults import it.

Which Transform `track()` uses (uid = 12-character stem + 4-character version suffix):

- ``track("<16 chars>")``: that Transform; created when missing. A script whose saved source differs
  from the file raises `UpdateContext` naming the next free uid.
- ``track("<12 chars>")``: the latest Transform of that stem (the family), else ``stem + "0000"``.
  A script whose source changed since the latest version gets a new version: the next free suffix,
  and `is_latest` moves to it. Notebooks always reuse the latest version (their source is not saved).
- ``track()``: a script whose exact source is already saved (same hash) reuses that Transform; else the
  latest Transform with the same key (file name) and type is reused (a script with changed source
  gets a new version as above); else a new random uid.

A new Transform's description is, as in LaminDB 1.5.3, the notebook's title, else `ln.context.description`
(set before `track()`), else the file name; its version is `ln.context.version`. A reused Transform gets the
current file name as key, the title or `ln.context.description` (never the file name) as description, and
`ln.context.version` if it had none. A version that contradicts the reused Transform's, or that another
version of the family already has, stops with `VersionConflict` (a `SystemExit`, as in 1.5.3) before
anything is written. `ln.finish()` clears `description` and `version`. Every call creates a new Run.
Scripts store `source_code` and `hash` (md5 of the file) at `track()`; notebooks store neither (as the
guide's Transform row shows).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .._logger import logger
from ..errors import InvalidArgument, LaminError, TrackNotCalled, UpdateContext
from ..hashing import hash_file
from ..setup.instance import ensure_connected
from ..uids import BASE62_ALPHABET, FIRST_VERSION_SUFFIX, base62, next_version_suffix
from . import _log
from ._source import (
    _source,
    in_notebook_kernel,
    notebook_imports,
    notebook_path,
    notebook_title,
    read_notebook,
    script_path,
)

STEM_LEN, UID_LEN = 12, 16

function_run: ContextVar = ContextVar("lamin_core_function_run", default=None)
"""The run of the `@ln.tracked()` function running in this thread or task (`lamin_core.tracking.tracked`)."""


class VersionConflict(SystemExit):
    """`ln.context.version` contradicts the tracked Transform's version or is taken in its family.

    A `SystemExit` as in LaminDB 1.5.3: a script stops with the message (exit status 1), without a traceback.
    """


def format_time(value: datetime) -> str:
    """A timestamp as the guide prints it: `2025-05-08 07:32:19 UTC`."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def format_duration(seconds: float) -> str:
    """`3s`, `2m 5s`, `1h 2m`, `2d 3h`: the two largest non-zero units."""
    total = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        amount, total = divmod(total, size)
        if amount or (unit == "s" and not parts):
            parts.append(f"{amount}{unit}")
    return " ".join(parts[:2])


def check_uid(uid: str) -> str:
    """A transform uid as given to `track()`: 12 (stem) or 16 (full) base62 characters."""
    if not isinstance(uid, str) or len(uid) not in (STEM_LEN, UID_LEN):
        length = len(uid) if isinstance(uid, str) else type(uid).__name__
        raise ValueError(
            f"transform uid must be {STEM_LEN} (stem) or {UID_LEN} (stem + version) characters long, "
            f"got {length}: {uid!r}"
        )
    if any(char not in BASE62_ALPHABET for char in uid):
        raise ValueError(f"transform uid must consist of the characters 0-9, A-Z, a-z, got {uid!r}")
    return uid


def _max_suffix(uids: list[str]) -> str:
    # base62 in the alphabet 0-9A-Za-z orders like ASCII; compared in Python, not by DB collation
    return max(uid[STEM_LEN:] for uid in uids)


def _family(manager: Any, stem: str) -> list:
    """All versions of a transform stem, matched with exact case whatever the database's LIKE does."""
    return [t for t in manager.filter(uid__startswith=stem) if t.uid.startswith(stem)]


def _find_saved(model: type, value: Any, missing: str, several: str | None = None) -> Any:
    """The saved record `track(project=...)` or `track(space=...)` names: a record, a name or a uid.

    `missing` is the error when no record has that name or uid; `several` when more than one has (default:
    `missing`)."""
    from django.db.models import Q  # Django on first use: `ln.track` stays cheap to import

    what = model.__name__
    if isinstance(value, model):
        if value._state.adding or value.pk is None:
            raise InvalidArgument(f"{what} must be saved before passing it to track()")
        return value
    if not isinstance(value, str):
        raise InvalidArgument(
            f"{what.lower()} must be a {what}, its name or its uid, got {type(value).__name__}"
        )
    found = list(model.objects.filter(Q(name=value) | Q(uid=value)).order_by("id")[:2])
    if not found:
        raise InvalidArgument(missing)
    if len(found) > 1:
        raise InvalidArgument(several or missing)
    return found[0]


def _find_project(project: Any) -> Any:
    """The saved Project `track(project=...)` names."""
    from ..models import Project  # the models load only once Django is set up (ensure_connected)

    missing = (
        f"Project '{project}' not found, either create it with `ln.Project(name='...').save()` or fix typos."
    )
    several = f"several projects are named '{project}': pass the record or its uid"
    return _find_saved(Project, project, missing, several)


def _find_space(space: Any) -> Any:
    """The Space `track(space=...)` names (spaces are created on LaminHub)."""
    from ..models import Space  # the models load only once Django is set up (ensure_connected)

    missing = f"Space '{space}', please check on the hub UI whether you have the correct `uid` or `name`."
    return _find_saved(Space, space, missing)


def _confirm(question: str) -> bool:
    """Ask a yes/no question on the terminal or notebook; no answer possible counts as no."""
    try:
        return input(f"   {question} (y/n) ").strip().lower() == "y"
    except Exception:  # EOFError without a terminal, StdinNotImplementedError in a headless kernel
        return False


class RunContext:
    """Holds the current Transform and Run set by `ln.track()`."""

    def __init__(self) -> None:
        self.transform: Any = None
        self._run: Any = None
        self.description: str | None = None
        """Description of the Transform `track()` creates (a notebook's title wins, as in LaminDB 1.5.3)."""
        self.version: str | None = None
        """Version of the Transform `track()` creates or loads (checked against the family's versions)."""
        self.path: Path | None = None
        """The script or notebook file being tracked."""
        self.notebook_runner: str | None = None
        """How the notebook path was found: explicit, headless, vscode, jupyter (None for scripts)."""
        self.project: Any = None
        """The Project (`track(project=...)`) that records saved during the run are linked to."""
        self.space: Any = None
        """The Space (`track(space=...)`) that records created during the run belong to."""

    @property
    def run(self) -> Any:
        """The run that newly saved records point to: inside an `@ln.tracked()` function that function's
        run, else the one `ln.track()` started (None before `track()` and after `finish()`)."""
        current = function_run.get()
        return current if current is not None else self._run

    @run.setter
    def run(self, value: Any) -> None:
        self._run = value

    def reset(self) -> None:
        """Forget the current transform and run (records saved afterwards get no run), description and
        version."""
        self.transform = self._run = self.path = self.notebook_runner = None
        self.description = self.version = None
        self.project = self.space = None

    # -- track -----------------------------------------------------------------------------------

    def track(
        self,
        transform: Any = None,
        *,
        project: Any = None,
        space: Any = None,
        params: Mapping[str, Any] | None = None,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        """Create or load the Transform of the running script or notebook and start a new Run."""
        # bad input fails before anything touches the database
        uid = check_uid(transform) if isinstance(transform, str) else None
        if params is not None and not isinstance(params, Mapping):
            raise TypeError(f"params must be a dict of param names to values, got {type(params).__name__}")
        from django.db import transaction  # Django on first use: `ln.track` stays cheap to import

        from .versions import check_version  # Django on first use: `ln.track` stays cheap to import

        check_version(self.version)
        if self.description is not None and not isinstance(self.description, str):
            raise TypeError(f"ln.context.description must be a str, got {type(self.description).__name__}")

        ensure_connected()
        from ..models import Run, Transform  # the models load only once Django is set up (ensure_connected)

        if transform is not None and uid is None and not isinstance(transform, Transform):
            raise TypeError(f"transform must be a uid string or a Transform, got {type(transform).__name__}")
        if isinstance(transform, Transform) and transform.type in ("notebook", "script"):
            raise ValueError(
                "Use `ln.track()` without passing transform in a notebook or script - metadata is "
                "automatically parsed"
            )
        if project is None:
            project = os.environ.get("LAMIN_CURRENT_PROJECT") or None
        project_record = _find_project(project) if project is not None else None
        space_record = _find_space(space) if space is not None else None
        file_path, runner, imports, source = None, None, [], None
        if not isinstance(transform, Transform):
            file_path, kind, runner = self._locate(path)
            source = self._read_source(file_path, kind)
            imports = source.pop("imports")
        # the Transform, its Run, params and project links are written together or not at all; records
        # created meanwhile take the space (`context.space`), so it is set first and restored on failure
        previous_space, self.space = self.space, space_record
        try:
            with transaction.atomic():
                if isinstance(transform, Transform):
                    record, messages = self._given_transform(transform)
                else:
                    record, messages = self._resolve_transform(uid, file_path, kind, source)
                run = Run(transform=record, started_at=datetime.now(UTC))
                run.save()
                if params:
                    run.params.add_values(params)
                if project_record is not None:
                    project_record.transforms.add(record)
                    project_record.runs.add(run)
        except BaseException:
            self.space = previous_space
            raise
        self.transform, self.run, self.project = record, run, project_record
        self.path, self.notebook_runner = file_path, runner
        first = f"{messages[0]}, started new Run('{run.uid[:8]}...') at {format_time(run.started_at)}"
        _log.important(first)
        for message in messages[1:]:
            _log.important(message)
        if params:
            _log.important("params: " + ", ".join(f"{key}={value}" for key, value in params.items()))
        if imports:
            _log.important(f"notebook imports: {' '.join(imports)}")
        if transform is None and record.type in ("notebook", "script"):
            extra = f', project="{project}"' if project is not None else ""
            extra += f', space="{space}"' if space is not None else ""
            extra += ", params={...}" if params is not None else ""
            _log.hint(
                f"recommendation: to identify the {record.type} across renames, pass the uid: "
                f'ln.track("{record.uid[:STEM_LEN]}"{extra})'
            )

    def _given_transform(self, transform: Any) -> tuple[Any, list[str]]:
        if transform.pk is not None and type(transform).all_objects.filter(pk=transform.pk).exists():
            return transform, [f"loaded Transform('{transform.uid}')"]
        transform.save()
        return transform, [f"created Transform('{transform.uid}')"]

    def _locate(self, path: str | os.PathLike[str] | None) -> tuple[Path, str, str | None]:
        """(file, transform type, notebook runner) of the code calling `track()`."""
        if path is None and in_notebook_kernel():
            file_path, runner = notebook_path()
        elif path is not None:
            file_path = Path(path).expanduser().resolve()
            runner = "explicit" if file_path.suffix == ".ipynb" else None
        else:
            found = script_path()
            if found is None:
                raise LaminError(
                    "cannot tell which script is running (interactive session or `python -c`): "
                    "pass its file as `ln.track(path='my_script.py')`"
                )
            file_path, runner = found, None
        if file_path.name == "Untitled.ipynb":
            raise LaminError("please rename the notebook (Untitled.ipynb) before tracking it")
        kind = "notebook" if file_path.suffix in (".ipynb", ".Rmd", ".qmd") else "script"
        return file_path, kind, runner

    def _read_source(self, file_path: Path, kind: str) -> dict:
        """Fields taken from the file: description, and for scripts source_code and hash."""
        fields: dict = {"description": None, "title": None, "source_code": None, "hash": None, "imports": []}
        if file_path.suffix == ".ipynb":
            notebook = read_notebook(file_path)
            if notebook is not None:
                fields["description"] = notebook_title(notebook)
                try:
                    fields["imports"] = notebook_imports(notebook)
                except Exception:  # best effort: never fail tracking over the import list
                    fields["imports"] = []
            else:
                logger.warning(f"could not read notebook {file_path}: no title, no imports")
        elif kind == "script":
            try:
                with open(file_path, encoding="utf-8", errors="replace", newline="") as fp:
                    fields["source_code"] = fp.read()
                fields["hash"] = hash_file(file_path)[0]
            except OSError as error:
                raise LaminError(f"cannot read script {file_path}: {error}") from error
        # as LaminDB 1.5.3: the notebook's title, else ln.context.description, else the file name (the last
        # only for a new Transform: `title` is what a reused one takes)
        fields["title"] = fields["description"] or self.description
        fields["description"] = fields["title"] or file_path.name
        return fields

    def _resolve_transform(self, uid: str | None, file_path: Path, kind: str, source: dict):
        """(Transform, log messages) for the tracked file; the first message is created/loaded."""
        from ..models import Transform  # the models load only once Django is set up (ensure_connected)

        manager = Transform.all_objects
        key, code_hash = file_path.name, source["hash"]
        is_script = kind == "script"

        def changed(record) -> bool:
            return is_script and record.source_code is not None and record.hash != code_hash

        messages: list[str] = []
        target = None
        new_uid: str | None = None
        if uid is not None and len(uid) == UID_LEN:
            target = manager.filter(uid=uid).first()
            if target is not None and self.version is not None:
                self._check_version(target, None)  # before the source check, as in 1.5.3
            if target is not None and changed(target):
                family = [t.uid for t in _family(manager, uid[:STEM_LEN])]
                suggestion = uid[:STEM_LEN] + next_version_suffix(_max_suffix(family))
                raise UpdateContext(
                    f'✗ source code changed, please update the `uid` argument in `track()` to "{suggestion}" '
                    f"(the source code of {file_path.name} differs from the one saved with "
                    f"Transform('{uid}'))"
                )
            new_uid = uid if target is None else None
        else:
            if uid is None and code_hash is not None:
                target = manager.filter(hash=code_hash).first()
            if target is None:
                if uid is not None:
                    members = _family(manager, uid)
                else:
                    same_key = manager.filter(key=key, type=kind).order_by("-created_at", "-id").first()
                    members = _family(manager, same_key.uid[:STEM_LEN]) if same_key is not None else []
                if members:
                    latest = max(members, key=lambda t: (t.is_latest, t.uid[STEM_LEN:]))
                    if changed(latest):
                        stem = latest.uid[:STEM_LEN]
                        new_uid = stem + next_version_suffix(_max_suffix([t.uid for t in members]))
                        messages.append(f"found {kind} {latest.key}, making new version")
                    else:
                        target = latest
                else:
                    new_uid = (uid or base62(STEM_LEN)) + FIRST_VERSION_SUFFIX
        if self.version is not None:
            self._check_version(target, new_uid)
        if target is None:
            record, created = self._create_transform(new_uid, key, kind, source)
            if created:
                return record, [f"created Transform('{record.uid}')", *messages]
            target = record
        return target, [f"loaded Transform('{target.uid}')", *messages, *self._update(target, key, source)]

    def _check_version(self, target: Any, new_uid: str | None) -> None:
        """Stop when `version` contradicts the reused Transform's or another family member has it."""
        from ..models import Transform  # the models load only once Django is set up (ensure_connected)
        from .versions import taken_message, version_owner  # Django on first use

        version = self.version
        if target is not None and target.version is not None and target.version != version:
            raise VersionConflict(
                f"✗ please pass consistent version: ln.context.version = '{target.version}'"
            )
        uid = target.uid if target is not None else new_uid
        owner = version_owner(Transform, uid[:STEM_LEN], version, exclude_uid=uid)
        if owner is not None:
            raise VersionConflict("✗ " + taken_message(version, owner, "ln.context.version"))

    def _create_transform(self, uid: str, key: str, kind: str, source: dict):
        from django.db import IntegrityError, transaction  # Django on first use

        from ..models import Transform  # the models load only once Django is set up (ensure_connected)

        manager = Transform.all_objects
        code_hash = source["hash"]
        if code_hash is not None and manager.filter(hash=code_hash).exists():
            # the same source is saved under another uid; hashes are unique, so this one goes without
            code_hash = None
        # a new version of an existing family takes is_latest on save (lamin_core.tracking.versions)
        record = Transform(
            uid=uid,
            key=key,
            description=source["description"],
            type=kind,
            source_code=source["source_code"],
            hash=code_hash,
            version=self.version,
        )
        if not record._state.adding:  # created meanwhile by another process: the constructor loaded it
            return record, False
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            # another process created the same uid (or saved the same source) concurrently
            existing = manager.filter(uid=uid).first()
            if existing is None and code_hash is not None:
                existing = manager.filter(hash=code_hash).first()
            if existing is None:
                raise
            return existing, False
        return record, True

    def _update(self, record, key: str, source: dict) -> list[str]:
        """Bring a reused Transform up to date with the file; returns log messages."""
        messages, fields = [], []
        if record.key != key:
            messages.append(f"renamed Transform('{record.uid}') key {record.key!r} -> {key!r}")
            record.key = key
            fields.append("key")
        if source["title"] is not None and record.description != source["title"]:
            record.description = source["title"]
            fields.append("description")
        if self.version is not None and record.version is None:  # checked against the family before
            messages.append(f"set version '{self.version}' of Transform('{record.uid}')")
            record.version = self.version
            fields.append("version")
        if record.source_code is None and source["source_code"] is not None:
            from ..models import Transform  # the models load only once Django is set up (ensure_connected)

            record.source_code = source["source_code"]
            fields.append("source_code")
            if not Transform.all_objects.filter(hash=source["hash"]).exclude(pk=record.pk).exists():
                record.hash = source["hash"]
                fields.append("hash")
        if record._branch_code != 1:
            messages.append(f"restored Transform('{record.uid}') from the trash")
            record._branch_code = 1
            fields.append("_branch_code")
        if fields:
            record.save(update_fields=fields)
        return messages

    # -- finish ----------------------------------------------------------------------------------

    def finish(self, ignore_non_consecutive: bool | None = None) -> None:
        """End the current run: `finished_at` now, `_is_consecutive` as far as known; then reset.

        `ignore_non_consecutive` (notebooks, as LaminDB 1.5.3): None warns when the saved cells were not run
        in order and finishes; True finishes without the warning; False asks whether to finish anyway (no
        answer, e.g. without a terminal, is no) and otherwise leaves the run active.
        """
        if self._run is None:
            raise TrackNotCalled("Please run `ln.track()` before `ln.finish()`")
        run = self._run
        is_consecutive, violations = self._consecutiveness()
        if violations and not ignore_non_consecutive:
            _log.warning(f"cells {violations} were not run consecutively")
            if ignore_non_consecutive is False and not _confirm(
                "Do you still want to proceed with finishing?"
            ):
                _log.warning("did not finish the run: cells were not run consecutively")
                return
        run.finished_at = datetime.now(UTC)
        run._is_consecutive = is_consecutive
        # as LaminDB 1.5: _status_code is left at its default 0
        run.save(update_fields=["finished_at", "_is_consecutive"])
        elapsed = format_duration((run.finished_at - run.started_at).total_seconds())
        _log.important(f"finished Run('{run.uid[:8]}') after {elapsed} at {format_time(run.finished_at)}")
        self.reset()

    def _consecutiveness(self) -> tuple[bool | None, list[tuple]]:
        """(is consecutive, violations): True for scripts and headless notebooks; else from the saved
        execution counts, each violation a (previous, count) pair as LaminDB 1.5.3 lists them."""
        if self.transform is None or self.transform.type != "notebook" or self.notebook_runner == "headless":
            return True, []
        if self.path is None or self.path.suffix != ".ipynb":
            return True, []
        notebook = read_notebook(self.path)
        if notebook is None:
            return None, []
        counts = [
            cell.get("execution_count")
            for cell in notebook.get("cells", [])
            if cell.get("cell_type") == "code" and _source(cell).strip() and ".finish(" not in _source(cell)
        ]
        if not counts or all(count is None for count in counts):
            return None, []  # not saved since it ran: unknown
        if counts[-1] is None:
            counts = counts[:-1]  # the cell running now, saved before it ran
        violations, previous = [], 0
        for count in counts:
            if count is None or previous is None or count - previous != 1:
                violations.append((previous, count))
            previous = count
        return not violations, violations


context = RunContext()


def current_context() -> RunContext:
    """`ln.context`, for the records' defaults (the `run_context` hook)."""
    return context
