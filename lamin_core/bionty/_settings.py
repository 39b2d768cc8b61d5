"""`bt.settings`: the default organism (human, as in bionty) for registries whose records need one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import hooks

if TYPE_CHECKING:
    from .models import Organism


class Settings:
    """Settings of the ontology registries in this process."""

    def __init__(self) -> None:
        self._organism: str | Organism | None = "human"

    @property
    def organism(self) -> Organism | None:
        """The default organism (`"human"`); created from the bundled NCBITaxon subset on first use.

        Used where an organism is needed and none is passed (`bt.Gene(symbol=...)`, `Gene.public()`).
        Set it to another name, or to None to require `organism=` everywhere.
        """
        if isinstance(self._organism, str):
            from django.db import connection  # Django loads on first use: `bt.settings` is cheap to import

            record = hooks.organism_record(self._organism)
            if connection.in_atomic_block:
                # a record created in a transaction that may still roll back is not kept
                return record
            self._organism = record
        return self._organism

    @organism.setter
    def organism(self, value: str | Organism | None) -> None:
        if value is None:
            self._organism = None
            return
        self._organism = hooks.organism_record(value)

    @property
    def organism_name(self) -> str | None:
        """The default organism's name, without touching the database when it is not loaded yet."""
        if self._organism is None or isinstance(self._organism, str):
            return self._organism
        return self._organism.name

    def __repr__(self) -> str:
        return f"bionty settings: organism={self.organism_name!r}"


settings = Settings()
