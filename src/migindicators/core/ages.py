"""Age groups: edges, SDMX-style labels (``Y0T4`` … ``Y_GE75``), assignment and parsing.

Shared by the census pass (which tabulates by age group) and every family that reports by age
group, so it sits with the infrastructure.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError, OptionError

__all__ = ["age_group_edges", "age_group_labels", "assign_age_groups", "parse_age_group"]


def age_group_edges(width: int = 5, top: int = 75) -> np.ndarray:
    """Lower bounds of the age groups 0–(width−1), …, top+ (the last one open)."""
    if width < 1 or top < width or top % width:
        raise OptionError(
            f"age groups need width >= 1 and top a multiple of width, got width={width}, top={top}"
        )
    return np.arange(0, top + 1, width, dtype="int64")


def age_group_labels(edges: Sequence[int] | np.ndarray) -> list[str]:
    """SDMX-style labels of the groups starting at *edges*: ``Y0T4``, …, ``Y_GE75``."""
    e = [int(x) for x in edges]
    labels = [f"Y{lo}T{hi - 1}" for lo, hi in itertools.pairwise(e)]
    labels.append(f"Y_GE{e[-1]}")
    return labels


def assign_age_groups(
    age: np.ndarray | pd.Series, edges: Sequence[int] | np.ndarray
) -> pd.Categorical[str]:
    """Age group of each age (completed years) as a categorical with :func:`age_group_labels`.

    Missing ages give a missing group; ages below the first edge give a missing group.
    """
    a = np.asarray(age, dtype="float64")
    e = np.asarray(edges, dtype="float64")
    codes = np.searchsorted(e, a, side="right") - 1
    codes = np.where(np.isnan(a) | (codes < 0), -1, codes).astype(
        "int8" if len(e) < 127 else "int16"
    )
    return pd.Categorical.from_codes(
        codes, categories=pd.Index(age_group_labels(edges)), validate=False
    )


def parse_age_group(label: str) -> tuple[float, float]:
    """Lower bound and width of an age-group label: ``Y15T19`` → (15, 5), ``Y_GE75`` → (75, inf).

    Also accepts ``"15-19"`` and ``"75+"``.
    """
    text = str(label).strip()
    if text.startswith("Y_GE"):
        return float(text[4:]), float("inf")
    if text.endswith("+"):
        return float(text[:-1]), float("inf")
    body = text[1:] if text.startswith("Y") else text
    sep = "T" if "T" in body else "-"
    lo, _, hi = body.partition(sep)
    try:
        low, high = float(lo), float(hi)
    except ValueError:
        raise InputValidationError(
            f"cannot read age group {label!r}; use labels like Y15T19, Y_GE75, 15-19 or 75+"
        ) from None
    return low, high - low + 1
