"""Errors of the ontology registries: each names what went wrong and what would be right."""

from ..errors import LaminError


class NoPublicSourceError(LaminError):
    """A registry has no offline public source installed (e.g. Protein, Pathway, CellMarker)."""


class OrganismError(LaminError, ValueError):
    """An organism is needed but not given, or it is not covered by the installed sources."""


class TermNotFoundError(LaminError, LookupError):
    """A name or identifier is not in the public source."""


class AmbiguousTermError(LaminError, ValueError):
    """A name matches several terms of the public source; the message lists their identifiers."""
