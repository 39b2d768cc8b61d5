"""Errors raised by lamin_core: each names what went wrong and what would be right."""


class LaminError(Exception):
    """Base class of every lamin_core error."""


class NoInstanceError(LaminError):
    """No current instance is configured in this settings directory."""


class InstanceNotFoundError(LaminError):
    """The named instance or storage folder holds no lamin instance."""


class InstanceExistsError(LaminError):
    """`init` was asked to create an instance where one already exists."""


class SettingsError(LaminError):
    """A settings file cannot be read (corrupt JSON or missing keys)."""


class DatabaseUnreachableError(LaminError):
    """The instance's database cannot be reached."""


class InstanceSwitchError(LaminError):
    """Django is already set up for another instance in this process."""


class ValidationError(LaminError, ValueError):
    """Values do not fit a feature's dtype, a registry or a schema; the message lists the bad values."""


class StorageError(LaminError):
    """Storage cannot be read or written; nothing was recorded."""


class StorageInUseError(StorageError):
    """A storage root belongs to another instance (or to LaminDB), or holds files no instance claims."""


class UnsafePathError(StorageError, ValueError):
    """A stored or remote name would become a path outside its root (`..`, absolute, empty segments)."""


# --- LaminDB 1.5.3's `ln.errors` names. Where one of ours means the same, it is both (a superset): code
# that catches LaminDB's class or Python's builtin one catches ours.


class InvalidArgument(LaminError, ValueError, TypeError):
    """An argument of the wrong type or value (`search(None)`, an unknown option)."""


class DoesNotExist(LaminError):
    """No record matches; `one()` and `get()` raise a class that is also the registry's own DoesNotExist."""


class RecordDeletedError(DoesNotExist):
    """A record loaded from the database was deleted there (by another process?) before `save()`.

    Nothing was saved, and the record is not inserted again: someone deleted it on purpose (LaminDB 1.5.3,
    through Django, would re-insert it, an artifact pointing to a file that is gone). Create it anew to keep
    it. Also a `DoesNotExist`: the row does not exist any more.
    """


class FieldValidationError(LaminError, TypeError):
    """A registry was given a field it does not have, or lacks one it needs."""


class InconsistentKey(LaminError):
    """A key contradicts the data it names (another suffix, a changed key of stored data)."""


class IntegrityError(LaminError):
    """A write would break the registry's integrity."""


class RecordNameChangeIntegrityError(LaminError):
    """Renaming a record would break the data annotated with it."""


class NoWriteAccess(LaminError):
    """The user may not write to this instance or space."""


class TrackNotCalled(LaminError):
    """`ln.finish()` was called without an active run."""


class NotebookNotSaved(LaminError):
    """A notebook must be saved before it is tracked or finished."""


class MissingContextUID(SystemExit):
    """LaminDB asks for a context uid here; lamin_core never raises it (kept for `except` clauses)."""


class UpdateContext(LaminError):
    """The tracked file no longer matches the Transform it asks for; the message names the uid to use."""
