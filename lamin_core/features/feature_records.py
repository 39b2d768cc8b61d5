"""What the Feature model hands off to: its constructor (the dtype, the saved feature of the same name)
and `save()` (a feature of that name saved meanwhile).

The model calls these through hooks bound in `apps.ready()` (docs/architecture.md, "Layers"); `init` and
`save` are the model's own `super()` methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from .._logger import logger
from ..dtypes import DTYPE_HELP, serialize_dtype
from ..errors import ValidationError
from ..models import Feature
from ..models._validation import check_init_kwargs
from ..models.feature import load_from


def _same_dtype(existing: str | None, given: str | None) -> bool:
    # `cat` matches any categorical, as in LaminDB
    return existing == given or (given == "cat" and (existing or "").startswith("cat"))


def init_feature(feature: Feature, kwargs: dict, init: Callable[..., None]) -> None:
    """`Feature(name=..., dtype=...)`: a new feature, or the saved one with that name (same dtype)."""
    dtype = kwargs.pop("dtype", None)
    default_value = kwargs.pop("default_value", None)
    nullable = kwargs.pop("nullable", True)
    coerce_dtype = kwargs.pop("coerce_dtype", False)
    check_init_kwargs(Feature, kwargs)
    name = kwargs.get("name")
    if not isinstance(name, str) or not name:
        raise ValidationError(f"Feature needs a name (a non-empty string), got {name!r}")
    if not isinstance(nullable, bool) or not isinstance(coerce_dtype, bool):
        raise ValidationError("Feature's nullable and coerce_dtype must be True or False")
    if dtype is None and not kwargs.get("is_type"):
        raise ValidationError(f"Feature(name={name!r}) needs a dtype; {DTYPE_HELP}")
    dtype_str = None if dtype is None else serialize_dtype(dtype)
    existing = Feature.all_objects.filter(name=name).first()
    if existing is not None:
        if not _same_dtype(existing.dtype, dtype_str):
            raise ValidationError(
                f"Feature {name} already exists with dtype {existing.dtype}, you passed {dtype_str}"
            )
        logger.info(f"returning existing Feature record with same name: '{name}'")
        init(*[getattr(existing, f.attname) for f in feature._meta.concrete_fields])
        feature._state.adding = False
        feature._state.db = existing._state.db
        for key, value in kwargs.items():  # e.g. a new description, kept on save() like LaminDB
            if key != "name" and getattr(feature, key) != value:
                setattr(feature, key, value)
        return
    init(dtype=dtype_str, **kwargs)
    feature._aux = {"af": {"0": default_value, "1": nullable, "2": coerce_dtype}}


def save_feature(feature: Feature, save: Callable[..., Any], *args: Any, **kwargs: Any) -> Feature:
    """`feature.save()`; if a feature with this name was saved meanwhile, become that one (same dtype) or
    raise."""
    if feature.dtype is not None:
        feature.dtype = serialize_dtype(feature.dtype)
    if not feature._state.adding:
        return save(*args, **kwargs)
    try:
        with transaction.atomic():
            return save(*args, **kwargs)
    except IntegrityError:
        existing = Feature.all_objects.filter(name=feature.name).first()
        if existing is None:
            raise
        if not _same_dtype(existing.dtype, feature.dtype):
            name, dtype = feature.name, feature.dtype
            raise ValidationError(
                f"Feature {name} already exists with dtype {existing.dtype}, you passed {dtype}"
            ) from None
        logger.info(f"returning existing Feature record with same name: '{feature.name}'")
        load_from(feature, existing)
        return feature
