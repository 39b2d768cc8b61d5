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
