"""The labels of a record in every label registry, read in one query: `artifact.labels`, `describe()`,
`artifact.features` and the widgets' record pages list them."""

from __future__ import annotations

from django.db import models
from django.db.models import IntegerField, Value

from ..query.label_links import LabelLink, label_links, name_field


def label_rows(
    host: models.Model, *, with_feature: bool
) -> list[tuple[LabelLink, str | None, str | None, str]]:
    """(label link, feature name, feature dtype, label name) of the host's labels in every label registry.

    One query however many label registries there are (a UNION ALL over their link tables), in link order
    within each registry. `with_feature=True` keeps only labels that are feature values.
    """
    links = list(label_links(type(host)).values())
    querysets = []
    for i, link in enumerate(links):
        rows = link.through.objects.filter(**{link.host_field: host.pk})
        if with_feature:
            rows = rows.filter(feature__isnull=False)
        label = f"{link.label_fk}__{name_field(link.registry)}"
        rows = rows.annotate(registry_index=Value(i, output_field=IntegerField()))
        querysets.append(rows.values_list("registry_index", "id", "feature__name", "feature__dtype", label))
    if not querysets:
        return []
    if len(querysets) == 1:
        result = list(querysets[0].order_by("id"))
    else:
        result = list(querysets[0].order_by().union(*(q.order_by() for q in querysets[1:]), all=True))
        result.sort(key=lambda row: (row[0], row[1]))
    return [(links[i], name, dtype, label) for i, _, name, dtype, label in result]
