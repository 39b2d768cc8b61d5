"""`ln.examples.datasets`: example files (as `ln.core.datasets`) and the `mini_immuno` datasets."""

from __future__ import annotations

from ...datasets import (
    df_iris,
    df_iris_in_meter,
    df_iris_in_meter_study1,
    df_iris_in_meter_study2,
    file_fastq,
    file_jpg_paradisi05,
)
from . import mini_immuno

__all__ = [
    "df_iris",
    "df_iris_in_meter",
    "df_iris_in_meter_study1",
    "df_iris_in_meter_study2",
    "file_fastq",
    "file_jpg_paradisi05",
    "mini_immuno",
]
