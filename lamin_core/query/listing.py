"""QuerySet verbs of LaminDB 1.5.3 for lists and versions: `list()`, the 2.x `to_list()`, `latest_version()`.

A mixin of `RegistryQuerySet`: the registries' managers copy its methods, and so do the related managers of
relations (`artifact.ulabels.list("name")`, `transform.runs.list()`), whose class Django derives from the
related registry's default manager.
"""

from __future__ import annotations

from typing import Any

from .columns import field_name


class ListingMixin:
    """`list(field=None)`, `to_list(field=None)`, `latest_version()` on a Django QuerySet."""

    def list(self, field: Any = None) -> list:
        """The records as a list, or with `field` (a name such as `"name"`, `"run__uid"`, or a field
        attribute such as `ln.ULabel.name`) the list of that field's values, in this QuerySet's order.

        As in LaminDB 1.5.3, an unordered QuerySet gives the database's order: use `order_by()` when the
        order matters.
        """
        if field is None:
            return list(self)
        return list(self.values_list(field_name(field), flat=True))

    def to_list(self, field: Any = None) -> list:
        """LaminDB 2.x name of `list()`."""
        return self.list(field)

    def latest_version(self):
        """The records of this QuerySet that are the latest version of their family (`is_latest`).

        As in LaminDB 1.5.3 this is `filter(is_latest=True)`: a family whose latest version is not in this
        QuerySet contributes no record (its older versions here are not the latest). Registries without
        versions raise a ValueError.
        """
        if not any(f.name == "is_latest" for f in self.model._meta.concrete_fields):
            raise ValueError(
                f"{self.model.__name__} has no versions: latest_version() applies to Artifact, Collection "
                "and Transform"
            )
        return self.filter(is_latest=True)
