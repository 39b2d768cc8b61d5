"""The lines `ln.track()` and `ln.finish()` print: on standard output, as LaminDB 1.5.3 prints them.

LaminDB's logger writes every level to `sys.stdout` with an icon per level: `→` (important: the track and
finish lines), `•` (a hint: the recommendation to pin the uid), `!` (a warning). The package's own logger
(`lamin_core._logger`) writes to standard error; these lines follow its level (`logger.setLevel`), so
silencing the one silences both.
"""

from __future__ import annotations

import logging
import sys

from .._logger import logger


def _emit(level: int, icon: str, message: str) -> None:
    if logger.isEnabledFor(level):
        stream = sys.stdout  # looked up now: redirection and capture work
        stream.write(f"{icon} {message}\n")
        stream.flush()


def important(message: str) -> None:
    """`→ created Transform('…'), started new Run('…') at …`"""
    _emit(logging.INFO, "→", message)


def hint(message: str) -> None:
    """`• recommendation: …`"""
    _emit(logging.INFO, "•", message)


def warning(message: str) -> None:
    """`! cells [(1, 3)] were not run consecutively`"""
    _emit(logging.WARNING, "!", message)
