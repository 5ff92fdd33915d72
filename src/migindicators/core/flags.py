"""The vocabulary of cell flags.

A result cell's ``flag`` column holds zero or more of these codes joined by ``";"``
(an empty string means no flag). Codes are stable: they are part of the public API and are
mapped to SDMX ``OBS_STATUS`` by :mod:`migindicators.publish`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from migindicators.core.errors import UnknownNameError

__all__ = ["CONFIDENTIAL_FLAGS", "FLAGS", "add_flag", "combine_flags", "has_flag"]

#: Flag code → meaning.
FLAGS: dict[str, str] = {
    "zero_denominator": "the denominator is zero or missing: the value is undefined (NaN)",
    "missing_input": "a required input value is missing for this cell: the value is NaN",
    "low_n": "fewer unweighted observations than the quality rule's minimum",
    "high_cv": "coefficient of variation above the quality rule's maximum",
    "suppressed": "value withheld by a suppression rule",
    "negative_margin": "exchange-rate margin below zero (rate better than interbank)",
    "source_disagreement": "recomputed value differs from the value given in the source",
    "incomplete_coverage": "an aggregate that lacks some of its member areas",
    "unweighted": "computed from unweighted data",
    "fewer_than_three_services": "SmaRT from fewer than three qualifying services",
    "no_qualifying_service": "no service meets the eligibility rules",
    "above_100_percent": "a ratio above 100 %, which is genuine for this indicator",
    "imputed": "value imputed by the custodian's rule",
    "estimated": "value is a model or survey estimate",
    "lonely_psu": "a stratum with a single PSU was handled by the lonely-PSU rule",
    "partial_reporting": "compiled from partner reports (mirror data) that some partners did "
    "not send: the count is a lower bound",
    # Quality profiles (migindicators.core.quality_profiles): one code per outcome, shared by
    # the agencies' standards so that outputs map them to one SDMX status.
    "unreliable": "too unreliable to publish under the quality profile applied (NCHS "
    "'suppress', Statistics Canada F, Eurostat below limit A, ABS RSE >= 50 %)",
    "low_reliability": "publish with a warning under the quality profile applied (Statistics "
    "Canada E 'use with caution', Eurostat between limits A and B, ABS RSE 25-50 %)",
    "statistical_review": "NCHS standards: the estimate needs statistical review before "
    "publication (degrees of freedom < 8, complement's relative CI width > 130 %, 0 % or 100 %)",
    # Disclosure control (migindicators.disclosure)
    "confidential_frequency": "withheld for confidentiality: too few contributors "
    "(frequency rule) or too small a weighted count (threshold rule)",
    "confidential_dominance": "withheld for confidentiality: a few contributors dominate the "
    "cell's magnitude ((n,k) dominance or p% rule)",
    "secondary_suppressed": "withheld for confidentiality so that a primary-suppressed cell "
    "cannot be derived from the table's totals (complementary suppression)",
    "perturbed": "value perturbed by the cell-key method for confidentiality",
}

#: Flags of cells withheld for confidentiality (disclosure control); their value is NaN.
CONFIDENTIAL_FLAGS = ("confidential_frequency", "confidential_dominance", "secondary_suppressed")


def add_flag(flags: pd.Series, mask: pd.Series | np.ndarray, code: str) -> pd.Series:
    """Return *flags* with *code* appended where *mask* is true.

    Raises
    ------
    KeyError
        If *code* is not in :data:`FLAGS` (flags are a closed vocabulary).
    """
    if code not in FLAGS:
        raise UnknownNameError(f"unknown flag code {code!r}; known: {sorted(FLAGS)}")
    mask_array = np.asarray(mask, dtype=bool)
    out = flags.astype("object").fillna("").copy()
    current = out.to_numpy()[mask_array]
    out.iloc[np.flatnonzero(mask_array)] = [
        code if not f else (f if code in f.split(";") else f"{f};{code}") for f in current
    ]
    return out


def combine_flags(parts: Iterable[str]) -> str:
    """Join flag codes into one cell value, dropping blanks and duplicates."""
    seen: list[str] = []
    for part in parts:
        for code in str(part).split(";"):
            if code and code not in seen:
                seen.append(code)
    return ";".join(seen)


def has_flag(flags: pd.Series, code: str) -> pd.Series:
    """Boolean Series: whether each cell carries *code*."""
    return flags.fillna("").astype(str).str.split(";").apply(lambda codes: code in codes)
