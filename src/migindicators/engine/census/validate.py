"""Stage 2 of the census pass: fix the pass's configuration, validate and exclude rows.

:func:`configure` decides, from the first chunk's columns, the basis (birthplace or
citizenship), whether the census is weighted, the variance method and the table's keys.
:func:`validate_and_exclude` validates a chunk against the ``census`` input kind and
removes, recording them in the row ledger with their weighted totals, the rows that cannot
enter the estimate: unknown country of enumeration, missing weight, unknown sex or age (or
any other missing ``by`` value) when the table is by it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.countries import is_country
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.ledger import RowLedger
from migindicators.schemas.census import validate_census

from .spec import BASES, INPUT, CensusPass

__all__ = ["Config", "configure", "countries", "exclude_rows", "validate_and_exclude"]


@dataclass(frozen=True)
class Config:
    """A pass's resolved options: fixed by the first chunk, the same for every chunk."""

    spec: CensusPass
    basis: str
    weighted: bool
    variance: str
    keys: tuple[str, ...]

    @property
    def weight(self) -> str | None:
        """The ledger's weight column (None for an unweighted count)."""
        return "weight" if self.weighted else None

    @property
    def taylor(self) -> bool:
        """Whether the pass accumulates Taylor moments."""
        return self.variance == "taylor" and self.spec.estimand is not None


def configure(spec: CensusPass, columns: Sequence[str]) -> Config:
    """The configuration of a pass over chunks with *columns* (standard names)."""
    if spec.basis not in ("auto", *BASES):
        raise OptionError(
            f"basis must be 'auto', 'birthplace' or 'citizenship', got {spec.basis!r}"
        )
    basis = spec.basis
    if basis == "auto":
        basis = "birthplace" if "country_of_birth" in columns else "citizenship"
    column = BASES[basis][0]
    if column not in columns:
        raise InputValidationError(
            f"census: basis={basis!r} needs the column {column!r}; the frame has "
            f"{list(columns)}. Migrants are the foreign-born (country_of_birth) or, "
            "where birthplace was not collected, foreign citizens (citizenship)",
            input_kind="census",
        )
    weighted = "weight" in columns
    missing_reps = [c for c in spec.replicate_weights if c not in columns]
    if missing_reps:
        raise InputValidationError(
            f"census: replicate weight column(s) {missing_reps} are missing",
            input_kind="census",
        )
    variance = spec.variance
    if variance == "auto":
        if spec.replicate_weights:
            variance = "replicate"
        elif weighted and spec.estimand is not None:
            variance = "taylor"
        else:
            variance = "none"
    if variance == "replicate" and not spec.replicate_weights:
        raise OptionError("variance='replicate' needs replicate_weights=[...]")
    if variance == "taylor" and not weighted:
        raise OptionError(
            "variance='taylor' needs a weight column (a full census count "
            "has no sampling variance: use variance='none')"
        )
    if variance not in ("none", "taylor", "replicate"):
        raise OptionError(f"variance must be auto, taylor, replicate or none, got {variance!r}")
    keys = ["ref_area", "time_period", *[b for b in spec.by if b != "origin"]]
    if "migratory_status" not in keys:
        keys.append("migratory_status")
    if spec.origin or "origin" in spec.by:
        keys.append("origin")
    if spec.single_age:
        keys.append("age")
    if spec.arrival:
        keys.append("year_of_arrival")
    return Config(spec, basis, weighted, variance, tuple(keys))


def validate_and_exclude(raw: pd.DataFrame, config: Config, ledger: RowLedger) -> pd.DataFrame:
    """The chunk's rows that enter the estimate (validated); the others go to *ledger*.

    *raw* is counted as given first, so that given = used + excluded.
    """
    ledger.given(INPUT, raw, weight=config.weight)
    frame = validate_census(raw, input_name=INPUT)
    return _exclude(frame, config, ledger)


def exclude_rows(frame: pd.DataFrame, config: Config, ledger: RowLedger) -> pd.DataFrame:
    """The rows of a validated *frame* that enter the table of *config*; the others go to
    *ledger* (without counting *frame* as given: :func:`validate_and_exclude` does)."""
    return _exclude(frame, config, ledger)


def _exclude(frame: pd.DataFrame, config: Config, ledger: RowLedger) -> pd.DataFrame:
    spec, weight = config.spec, config.weight
    area = frame["ref_area"]
    if isinstance(area.dtype, pd.CategoricalDtype):
        areas = np.asarray(area.cat.categories, dtype=object)
    else:
        areas = np.asarray(pd.unique(area.dropna()), dtype=object)
    known_mask = countries(areas)
    if not known_mask.all() or area.hasnans:
        known = set(areas[known_mask])
        bad = ~area.isin(known).to_numpy()
        if bad.any():
            codes = sorted({str(a) for a in areas[~known_mask] if a in set(area[bad])})
            frame = ledger.exclude(
                INPUT,
                frame,
                bad,
                "unknown country code (ref_area)",
                weight=weight,
                detail=", ".join(codes[:10]),
            )
    if config.weighted:
        frame = _exclude_if(ledger, frame, _missing(frame["weight"]), "missing weight", None)
    for col in spec.by:
        if col in ("migratory_status", "origin"):
            continue
        if col == "age_group" and "age" in frame.columns:
            missing = _missing(frame["age"])
            reason = "unknown age"
        elif col not in frame.columns:
            raise InputValidationError(
                f"census: by={list(spec.by)} needs a column {col!r} (or 'age' for "
                f"age_group); the frame has {list(frame.columns)}",
                input_kind="census",
            )
        else:
            missing = _missing(frame[col])
            reason = "unknown sex" if col == "sex" else f"missing {col}"
        frame = _exclude_if(ledger, frame, missing, reason, weight)
    if spec.single_age:
        if "age" not in frame.columns:
            raise InputValidationError(
                "census: single years of age need an 'age' column", input_kind="census"
            )
        frame = _exclude_if(ledger, frame, _missing(frame["age"]), "unknown age", weight)
    return frame


def countries(codes: np.ndarray) -> np.ndarray:
    """Which of a chunk's distinct codes are known countries (cached: chunks share them)."""
    return _countries_cached(tuple(codes)).copy()


@lru_cache(maxsize=256)
def _countries_cached(codes: tuple[Any, ...]) -> np.ndarray:
    return np.asarray(is_country(pd.Series(list(codes), dtype=object)).to_numpy(), dtype=bool)


def _missing(series: pd.Series) -> np.ndarray | None:
    """The rows where *series* is missing, or None when no row is (the common case).

    Decided in one pass without a mask where possible: a float sum is NaN only when some
    value is NaN (or +inf meets -inf, which the exact mask then sorts out), a categorical's
    smallest code is -1 only when some value is missing.
    """
    values = series.array
    if isinstance(values, pd.Categorical):
        codes = np.asarray(values.codes)
        if not len(codes) or codes.min() >= 0:
            return None
    elif isinstance(series.dtype, np.dtype):
        if series.dtype.kind in "iub":
            return None  # NumPy integers and booleans cannot be missing
        if series.dtype.kind == "f" and not np.isnan(series.to_numpy().sum()):
            return None
    mask = series.isna().to_numpy()
    return mask if mask.any() else None


def _exclude_if(
    ledger: RowLedger,
    frame: pd.DataFrame,
    mask: np.ndarray | None,
    reason: str,
    weight: str | None,
) -> pd.DataFrame:
    """``ledger.exclude`` only when some row is excluded (it always copies the frame)."""
    if mask is None or not mask.any():
        return frame
    return ledger.exclude(INPUT, frame, mask, reason, weight=weight)
