"""`artifact.params` and `run.params`: values of `ln.Param` parameters, as in LaminDB 1.5.3.

Only artifacts of kind "model" take params (a dataset is described by features); values are checked
against the param's dtype and stored once per distinct value (ParamValue), linked to the host.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from ..dtypes import parse_dtype
from ..errors import ValidationError
from ..models import Artifact, Param, ParamValue
from .values import from_stored, get_or_create_value


class ParamManager:
    """The params of one saved artifact (of kind "model") or run: `add_values({...})`, `get_values()`."""

    def __init__(self, host: Any) -> None:
        self._host = host

    def __repr__(self) -> str:
        return f"ParamManager of {type(self._host).__name__}(id={self._host.pk}): {self.get_values()}"

    def add_values(self, values: Mapping[str, Any]) -> None:
        """Annotate with `{param name: value}`; every value is checked first, then all are written at once."""
        host = self._host
        if isinstance(host, Artifact) and host.kind != "model":
            raise ValidationError("Can only set params for model-like artifacts.")
        if not isinstance(values, Mapping):
            raise TypeError(
                f"add_values() expects a dict of param names to values, got {type(values).__name__}"
            )
        if host.pk is None:
            raise ValidationError(f"save the {type(host).__name__} before annotating it with params")
        params = {p.name: p for p in Param.objects.filter(name__in=list(values)).order_by("id")}
        unknown = sorted(set(values) - set(params))
        if unknown:
            example = f"ln.Param(name={unknown[0]!r}, dtype='float').save()"
            raise ValidationError(
                f"These keys could not be validated: {unknown}; create params first, e.g. {example}"
            )
        for name in values:
            if params[name].dtype is None or parse_dtype(params[name].dtype).is_cat:
                raise ValidationError(
                    f"param {name!r} has dtype {params[name].dtype!r}; params take plain values"
                )
        with transaction.atomic():
            records = [get_or_create_value(ParamValue, "param", params[n], v)[0] for n, v in values.items()]
            host._param_values.add(*records)

    def get_values(self) -> dict[str, Any]:
        """`{param name: value}` (several values of one param as a list), in the order they were added."""
        rows = self._host._param_values.order_by("id").values_list("param__name", "param__dtype", "value")
        found: dict[str, list] = {}
        for name, dtype, value in rows:
            found.setdefault(name, []).append(from_stored(parse_dtype(dtype).base, value))
        return {name: items[0] if len(items) == 1 else items for name, items in found.items()}
