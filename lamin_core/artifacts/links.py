"""`add()` of many-to-many relations through link tables, safe when processes add the same link at once.

Django's related manager inserts the rows of a custom through model (every `Link` subclass, e.g.
`ArtifactULabel` behind `artifact.ulabels`, `ArtifactCellType` behind `artifact.cell_types`) after checking
which exist, without ON CONFLICT: two processes adding the same label to the same artifact both pass the
check and one fails with an IntegrityError. Here the check and the insert run in one transaction, and the
insert ignores rows that a concurrent add inserted first (PostgreSQL: ON CONFLICT DO NOTHING on the unique
constraint of the link table; SQLite: writes are serialised by BEGIN IMMEDIATE, so the check is exact).
A link that still does not exist afterwards conflicted with another unique constraint of its table
(e.g. one schema per slot of an artifact): that stays an IntegrityError, as in Django.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, router, transaction
from django.db.models import signals
from django.db.models.fields.related_descriptors import ManyToManyDescriptor
from django.db.models.utils import resolve_callables
from django.utils.functional import cached_property


def _feature_condition(through: type, defaults: dict) -> dict:
    """The link's feature as a filter, if `through_defaults` sets one (links differ by feature)."""
    if "feature" in defaults:
        value = defaults["feature"]
        feature_id = getattr(value, "pk", value)
    elif "feature_id" in defaults:
        feature_id = defaults["feature_id"]
    else:
        return {}
    return {"feature__isnull": True} if feature_id is None else {"feature_id": feature_id}


class IdempotentLinkAdd:
    """Related-manager mixin: `add()` inserts the missing links, ignoring those added concurrently."""

    def _add_items(self, source_field_name, target_field_name, *objs, through_defaults=None) -> None:
        if not objs:
            return
        defaults = dict(resolve_callables(through_defaults or {}))
        target_ids = self._get_target_ids(target_field_name, objs)
        db = router.db_for_write(self.through, instance=self.instance)
        _, must_send_signals, _ = self._get_add_plan(db, source_field_name)
        links = self.through._default_manager.using(db)
        host = {source_field_name: self.related_val[0], **_feature_condition(self.through, defaults)}

        def linked(ids: set) -> set:
            query = links.filter(**host, **{f"{target_field_name}__in": ids})
            return set(query.values_list(target_field_name, flat=True))

        def send(action: str, ids: set) -> None:
            signals.m2m_changed.send(
                sender=self.through,
                action=action,
                instance=self.instance,
                reverse=self.reverse,
                model=self.model,
                pk_set=ids,
                using=db,
            )

        with transaction.atomic(using=db, savepoint=False):
            missing = target_ids - linked(target_ids)
            if must_send_signals:
                send("pre_add", missing)
            links.bulk_create(
                [
                    self.through(
                        **defaults,
                        **{
                            f"{source_field_name}_id": self.related_val[0],
                            f"{target_field_name}_id": target_id,
                        },
                    )
                    for target_id in missing
                ],
                ignore_conflicts=True,
            )
            absent = missing - linked(missing) if missing else set()
            if absent:
                raise IntegrityError(
                    f"could not link {self.instance!r} to {self.model.__name__} {sorted(absent)}: "
                    f"the rows conflict with another unique constraint of {self.through.__name__}"
                )
            if must_send_signals:
                send("post_add", missing)


def install_idempotent_link_adds(link_base: type) -> None:
    """Give `IdempotentLinkAdd` to the related managers of every many-to-many field through a `link_base`.

    Django builds a related manager class per relation on first use (`related_manager_cls`); this wraps
    that builder once, before any relation is used, so models added later (bionty's) are covered too.
    """
    current: Any = ManyToManyDescriptor.__dict__["related_manager_cls"]
    if getattr(current.func, "link_base", None) is not None:
        return
    build = current.func

    def related_manager_cls(self):
        manager = build(self)
        if isinstance(self.through, type) and issubclass(self.through, link_base):
            return type(manager.__name__, (IdempotentLinkAdd, manager), {"__module__": __name__})
        return manager

    related_manager_cls.link_base = link_base
    wrapped = cached_property(related_manager_cls)
    wrapped.__set_name__(ManyToManyDescriptor, "related_manager_cls")
    ManyToManyDescriptor.related_manager_cls = wrapped
