"""Features (dimensions of annotation) and the values artifacts are annotated with."""

from __future__ import annotations

import logging
from typing import Any

from django.db import models

from .. import hooks
from .._logger import logger
from ..dtypes import dtype_from_pandas, parse_dtype
from ..errors import ValidationError
from ..hashing import json_hash
from ..query.curation import RecordList
from ._defaults import uid12
from .base import Record, TracksRun, TracksUpdates


def load_from(record: models.Model, existing: models.Model) -> None:
    """Turn `record` into a copy of the saved `existing` row (same class), as if loaded from the database."""
    for field in record._meta.concrete_fields:
        setattr(record, field.attname, getattr(existing, field.attname))
    record._state.adding = False
    record._state.db = existing._state.db


class Feature(Record, TracksRun, TracksUpdates):
    """A named, typed dimension: `temperature: float`, `perturbation: cat[ULabel]`."""

    uid = models.CharField(max_length=12, unique=True, default=uid12, editable=False)
    name = models.CharField(max_length=150, unique=True)
    dtype = models.CharField(max_length=255, null=True, default=None, db_index=True)
    is_type = models.BooleanField(null=True, default=None, db_index=True)  # None, as in LaminDB 1.5
    unit = models.CharField(max_length=30, null=True, default=None, db_index=True)
    description = models.TextField(null=True, default=None)
    array_rank = models.SmallIntegerField(default=0, db_index=True)
    array_size = models.IntegerField(default=0, db_index=True)
    array_shape = models.JSONField(null=True, default=None)
    proxy_dtype = models.CharField(max_length=255, null=True, default=None)
    synonyms = models.TextField(null=True, default=None)
    _expect_many = models.BooleanField(default=True, db_default=True)
    _curation = models.JSONField(null=True, default=None)
    type = models.ForeignKey("self", models.PROTECT, null=True, default=None, related_name="records")

    _name_field = "name"
    # keys of `_aux["af"]` (LaminDB's "aux fields")
    _aux_fields = {"0": ("default_value", Any), "1": ("nullable", bool), "2": ("coerce_dtype", bool)}

    def __init__(self, *args, **kwargs):
        """`Feature(name=..., dtype=...)`; dtype as a string (`"float"`, `"cat[ULabel]"`) or an object
        (`float`, `ln.ULabel`, `list[str]`). A feature with the same name that exists already is returned
        (a different dtype raises), like LaminDB.
        """
        if args:  # a row given in full, else refused (BaseRecord.__init__; database rows: from_db)
            super().__init__(*args, **kwargs)
            return
        hooks.init_feature(self, kwargs, super().__init__)

    def save(self, *args, **kwargs) -> Feature:
        """Save; if a feature with this name was saved meanwhile, become that one (same dtype) or raise."""
        return hooks.save_feature(self, super().save, *args, **kwargs)

    def _get_af(self, key: str, default: Any) -> Any:
        af = (self._aux or {}).get("af", {})
        return af.get(key, default)

    def _set_af(self, key: str, value: Any) -> None:
        self._aux = self._aux or {}
        self._aux.setdefault("af", {})[key] = value

    @property
    def default_value(self) -> Any:
        """Value that replaces missing values when data are standardized (default None: keep them)."""
        return self._get_af("0", None)

    @default_value.setter
    def default_value(self, value: Any) -> None:
        self._set_af("0", value)

    @property
    def nullable(self) -> bool:
        """Whether the feature may hold null values (None, NaN); default True."""
        value = self._get_af("1", True)
        return True if value is None else value

    @nullable.setter
    def nullable(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise ValidationError(f"nullable must be True or False, got {value!r}")
        self._set_af("1", value)

    @property
    def coerce_dtype(self) -> bool:
        """Whether validation may coerce values to the dtype (e.g. strings of numbers); default False."""
        return bool(self._get_af("2", False))

    @coerce_dtype.setter
    def coerce_dtype(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise ValidationError(f"coerce_dtype must be True or False, got {value!r}")
        self._set_af("2", value)

    def with_config(self, optional: bool | None = None) -> tuple[Feature, dict]:
        """The feature with its configuration in a schema, e.g.
        `Schema(features=[f.with_config(optional=True)])`."""
        if optional is not None and not isinstance(optional, bool):
            raise ValidationError(f"optional must be True or False, got {optional!r}")
        return self, ({} if optional is None else {"optional": optional})

    @classmethod
    def from_df(cls, df, field=None):
        """Unsaved Features for the columns of a DataFrame (existing ones by name), dtypes from the
        columns: `str` (text and object columns), `cat` (categorical columns), `int`, `float`, `bool`,
        `datetime`, as LaminDB 1.5.3. A column whose existing feature has another dtype raises."""
        if field is not None and getattr(getattr(field, "field", None), "model", None) is not Feature:
            raise ValueError("field must be a Feature FieldAttr!")
        dtypes = {str(name): dtype_from_pandas(column.dtype) for name, column in df.items()}
        for name, column in df.items():
            if dtypes[str(name)] == "str" and column.nunique(dropna=False) < len(column):
                logger.warning(
                    f"You have few permissible values for feature {name}, "
                    "consider dtype 'cat' instead of 'str'"
                )
        level = logger.level
        logger.setLevel(logging.WARNING)  # no "returning existing Feature" line per column
        try:
            features = [Feature(name=name, dtype=dtype) for name, dtype in dtypes.items()]
        finally:
            logger.setLevel(level)
        return RecordList(features)

    @property
    def parsed_dtype(self):
        """The dtype split into its parts (see `lamin_core.dtypes.ParsedDtype`)."""
        return parse_dtype(self.dtype)


class FeatureValue(Record, TracksRun):
    """One value of a non-categorical feature, shared by every artifact annotated with it."""

    _name_field = "value"
    value = models.JSONField()
    hash = models.CharField(max_length=22, null=True, default=None, db_index=True)
    feature = models.ForeignKey(Feature, models.CASCADE, null=True, default=None, related_name="values")

    class Meta:
        # simple values are unique by value, dicts and lists by their hash
        constraints = [
            models.UniqueConstraint(
                fields=["feature", "value"],
                condition=models.Q(hash__isnull=True),
                name="unique_simple_feature_value",
            ),
            models.UniqueConstraint(
                fields=["feature", "hash"],
                condition=models.Q(hash__isnull=False),
                name="unique_complex_feature_value",
            ),
        ]

    def __init__(self, *args, **kwargs):
        # dicts and lists are identified by their hash (hash_dict: md5 of the JSON with sorted keys)
        if not args and isinstance(kwargs.get("value"), dict | list) and kwargs.get("hash") is None:
            kwargs["hash"] = json_hash(kwargs["value"])
        super().__init__(*args, **kwargs)

    @classmethod
    def get_or_create(cls, feature: Feature, value: Any) -> tuple[FeatureValue, bool]:
        """The value of `feature` (checked against its dtype), created if new: `(record, created)`."""
        return hooks.get_or_create_value(cls, "feature", feature, value)
