"""The `lamin` logger: short, readable lines like LaminDB's (`→ info`, `! warning`, `✓ success`)."""

import logging
import sys

_PREFIX = {logging.DEBUG: "· ", logging.INFO: "→ ", logging.WARNING: "! ", logging.ERROR: "✗ "}
SUCCESS = 25
logging.addLevelName(SUCCESS, "SUCCESS")
_PREFIX[SUCCESS] = "✓ "


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return _PREFIX.get(record.levelno, "") + record.getMessage()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever `sys.stderr` is at emit time, so redirection and capture work."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(_Formatter())

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:
        pass


class LaminLogger(logging.Logger):
    """A logger with a `success` level between INFO and WARNING."""

    def success(self, msg: str, *args, **kwargs) -> None:
        """Log a completed action."""
        if self.isEnabledFor(SUCCESS):
            self._log(SUCCESS, msg, args, **kwargs)


logger = LaminLogger("lamin")
logger.setLevel(logging.INFO)
logger.addHandler(_StderrHandler())
logger.propagate = False
