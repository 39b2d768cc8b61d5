"""Lookup objects for public sources: tab-completable attributes named after terms (`cell_types.t_cell`)."""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from typing import Any

from .._logger import logger

_NON_ALNUM = re.compile(r"[^0-9a-zA-Z]+")


def to_attribute(name: str) -> str:
    """A Python attribute for a name: lowercase, non-alphanumerics to `_`, `LOOKUP_` before a leading
    digit, `_` after a keyword: "CD8-positive, alpha-beta T cell" -> "cd8_positive_alpha_beta_t_cell".
    """
    attribute = _NON_ALNUM.sub("_", name.lower()).strip("_")
    if not attribute:
        return ""
    if attribute[0].isdigit():
        attribute = "LOOKUP_" + attribute
    if keyword.iskeyword(attribute):
        attribute += "_"
    return attribute


class Lookup:
    """Attribute access to items by sanitized name, built from (name, key) pairs; items load on access."""

    def __init__(self, pairs: list[tuple[str, Any]], load: Callable[[Any], Any], what: str):
        self._load = load
        self._what = what
        self._keys: dict[str, Any] = {}
        self._names: dict[str, str] = {}
        duplicates = set()
        for name, key in pairs:
            if not isinstance(name, str) or not name:
                continue
            attribute = to_attribute(name)
            if not attribute:
                continue
            if attribute in self._keys:
                duplicates.add(attribute)
                continue  # the first one wins, as in a dict built in order
            self._keys[attribute] = key
            self._names[attribute] = name
        if duplicates:
            shown = ", ".join(sorted(duplicates)[:5])
            logger.warning(
                f"{len(duplicates)} names of {what} share an attribute with another ({shown}, ...); "
                "the first one is kept — use .dict() or search() for the others"
            )

    def __getattr__(self, attribute: str) -> Any:
        keys = self.__dict__.get("_keys", {})
        if attribute in keys:
            return self._load(keys[attribute])
        raise AttributeError(f"{self.__dict__.get('_what', 'lookup')} has no entry {attribute!r}")

    def __getitem__(self, attribute: str) -> Any:
        if attribute not in self._keys:
            raise KeyError(attribute)
        return self._load(self._keys[attribute])

    def __dir__(self) -> list[str]:
        return sorted(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    def dict(self) -> dict[str, Any]:
        """Original names -> items."""
        return {self._names[a]: self._load(k) for a, k in self._keys.items()}

    def __repr__(self) -> str:
        shown = ", ".join(sorted(self._keys)[:5])
        return f"Lookup of {self._what}: {len(self._keys)} entries ({shown}, ...); use tab completion"
