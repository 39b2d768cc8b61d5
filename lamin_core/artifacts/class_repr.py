"""`repr(ln.Artifact)`: the registry's fields, laid out as LaminDB 1.5.3 prints a registry class.

    Artifact
      Simple fields
        .uid: CharField
        ...
      Relational fields
        .space: Space
        ...
      Bionty fields
        .organisms: bionty.Organism

Simple fields are the non-relational ones (not `id`, not private), the registry's own first and then
those of its bases in base order. Relational fields are the forward foreign keys and many-to-many
fields first, then the reverse relations; link tables (`links_*`) and private names are left out, and
relations to another module's registries get a section of their own.
"""

from __future__ import annotations

from django.db import models


def _base_order(registry: type[models.Model]) -> dict[str, int]:
    """Field name -> index of the first abstract base (in `__bases__` order) that declares it."""
    order: dict[str, int] = {}
    for index, base in enumerate(registry.__bases__):
        meta = getattr(base, "_meta", None)
        if meta is None:
            continue
        for field in meta.get_fields():
            order.setdefault(field.name, index)
    return order


def _module_name(model: type[models.Model]) -> str:
    app = model._meta.app_label
    return model.__name__ if app == "lamin_core" else f"{app}.{model.__name__}"


def _visible(name: str | None) -> bool:
    return bool(name) and not name.startswith(("_", "links_"))  # type: ignore[union-attr]


def registry_repr(registry: type[models.Model]) -> str:
    """The fields of a registry class, as LaminDB 1.5.3's `repr(ln.Artifact)`."""
    base_order = _base_order(registry)
    fields = registry._meta.get_fields()

    simple = [f for f in fields if not f.is_relation and _visible(f.name) and f.name != "id"]
    own = [f for f in simple if f.name not in base_order]
    inherited = sorted(
        (f for f in simple if f.name in base_order), key=lambda f: (base_order[f.name], simple.index(f))
    )
    lines = [registry.__name__, "  Simple fields"]
    lines += [f"    .{f.name}: {f.get_internal_type()}" for f in own + inherited]

    declared = [*registry._meta.fields, *registry._meta.many_to_many]
    forward = [f for f in declared if f.is_relation and _visible(f.name)]
    # reverse many-to-many relations; reverse foreign keys would be clutter (LaminDB leaves them out too)
    reverse = [f for f in fields if f.many_to_many and not f.concrete and _visible(f.name)]
    reverse = [f for f in reverse if f not in forward]
    by_section: dict[str, list[str]] = {}
    for field in forward + reverse:
        model = field.related_model
        section = (
            "Relational fields"
            if model._meta.app_label == "lamin_core"
            else (f"{model._meta.app_label.capitalize()} fields")
        )
        by_section.setdefault(section, []).append(f"    .{field.name}: {_module_name(model)}")
    if "Relational fields" in by_section:
        lines += ["  Relational fields", *by_section.pop("Relational fields")]
    for section in sorted(by_section):
        lines += [f"  {section}", *by_section[section]]
    return "\n".join(lines)
