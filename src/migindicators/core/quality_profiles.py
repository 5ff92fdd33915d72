"""Quality profiles: agencies' published reliability standards as quality rules.

Each profile reads a result frame (``value``, ``se``, ``n``, ``cv``, ``df`` …) and returns,
per outcome flag, the cells it flags. They are registered as quality rules by
:mod:`migindicators.core.quality`, so ``quality="nchs"`` (or ``quality={"statcan":
{"min_records": 20}, "suppress": {}}``) works wherever ``quality=`` is accepted, and
combine with the rules ``min_n``, ``max_cv`` and ``suppress``. Every threshold is a
parameter; the defaults are the published values. Outcomes use three shared flag codes of
:data:`migindicators.core.flags.FLAGS`:

``unreliable``
    not to be published (NCHS "suppress", Statistics Canada F, Eurostat below limit A,
    ABS "not for general use"); the ``suppress`` rule withholds these cells by default.
``low_reliability``
    published with a warning (Statistics Canada E, Eurostat between limits A and B, ABS
    "use with caution").
``statistical_review``
    NCHS: to be reviewed by a statistician before publication.

``"nchs"`` — NCHS Data Presentation Standards for Proportions (Parker et al. 2017)
    For a proportion *p* with Korn–Graubard 95 % interval
    (:mod:`~migindicators.core.korn_graubard`, effective sample size truncated at *n*):

    1. effective sample size :math:`n^* = p(1-p)/v(p) < 30` (``min_effective_n``) →
       ``unreliable`` (suppress);
    2. else absolute CI width ≤ 0.05 (``max_width_present``) → present;
    3. else absolute CI width ≥ 0.30 (``max_width``) → ``unreliable``;
    4. else relative CI width (width / p) > 130 % (``max_relative_width``) → ``unreliable``;
    5. presented estimates are flagged ``statistical_review`` when the design degrees of
       freedom are < 8 (``min_df``), when the relative CI width of the complement
       (width / (1 − p)) > 130 % (step 4 passed), or when *p* is 0 or 1.

    Needs ``value`` (a proportion; per cent is rescaled, see ``scale``), ``se``, ``n`` and,
    for the degrees-of-freedom adjustment and check, ``df``. Adds the columns
    ``kg_lower``, ``kg_upper`` (the interval on the value's scale) and ``kg_effective_n``.

``"statcan"`` — Statistics Canada CV bands (CCHS / GSS release guidelines)
    CV in per cent, rounded to one decimal: ≤ 16.5 acceptable; 16.6–33.3 ``E`` "use with
    caution" (``low_reliability``); > 33.3 ``F`` "too unreliable to be published"
    (``unreliable``); fewer than ``min_records`` = 10 unweighted records → ``F``.

``"eurostat"`` — EU-LFS reliability limits
    Per country two limits on the weighted count of the cell (Eurostat publishes them in
    thousands of persons, hence ``scale=1000``): below limit A the estimate is not published
    (``unreliable``); from A to below B it is published with the flag "low reliability"
    (``low_reliability``). ``limits`` maps each ``ref_area`` code to ``(A, B)``; ``default``
    applies to areas not listed. The count is ``value`` (``count_column``); for a rate or a
    share give the column of its numerator count.

``"abs"`` — Australian Bureau of Statistics RSE rules
    Relative standard error (= CV) ≥ 25 % → ``low_reliability`` (annotated, "use with
    caution"); ≥ 50 % → ``unreliable`` ("considered too unreliable for general use").

References
----------
Parker, J. D., Talih, M., Malec, D. J., et al. (2017). *National Center for Health Statistics
data presentation standards for proportions*. Vital Health Stat 2(175), Figure 1.
Statistics Canada, *Canadian Community Health Survey (CCHS) — User Guide*, section
"Guidelines for tabulation, analysis and release": approximate sampling variability tables
and CV quality levels (acceptable / E marginal, use with caution / F unacceptable).
Eurostat, *EU Labour Force Survey — methodology*, "Publication guidelines and thresholds"
(reliability limits A and B per country; flag ``u`` low reliability).
Australian Bureau of Statistics, *Labour Force, Australia — Methodology*, "Reliability of
estimates" (RSE 25 % to 50 %: use with caution; over 50 %: too unreliable for general use).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.errors import OptionError
from migindicators.core.korn_graubard import korn_graubard

__all__ = ["PROFILES", "Profile"]

#: A profile function returns (flag → mask, extra columns to add).
ProfileOutcome = tuple[dict[str, np.ndarray], dict[str, np.ndarray]]


@dataclass(frozen=True)
class Profile:
    """A published standard as a quality rule with several outcome flags."""

    name: str
    flags: tuple[str, ...]
    description: str
    source: str
    func: Callable[..., ProfileOutcome]
    defaults: Mapping[str, Any] = field(default_factory=dict)


def _column(frame: pd.DataFrame, name: str, profile: str) -> np.ndarray:
    if name not in frame.columns:
        raise OptionError(
            f"quality profile {profile!r} needs the column {name!r} in the result; it has "
            f"{list(frame.columns)}"
        )
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _number(profile: str, name: str, value: Any, *, low: float, high: float = np.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise OptionError(
            f"quality profile {profile!r}: {name}={value!r} must be a number in [{low:g}, {high:g}]"
        )
    if not (low <= float(value) <= high):
        raise OptionError(
            f"quality profile {profile!r}: {name}={value!r} is outside [{low:g}, {high:g}]"
        )
    return float(value)


def _cv(frame: pd.DataFrame, profile: str) -> np.ndarray:
    if "cv" in frame.columns:
        return _column(frame, "cv", profile)
    value = _column(frame, "value", profile)
    se = _column(frame, "se", profile)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(value != 0, se / np.abs(value), np.nan))


def _scale(frame: pd.DataFrame, scale: Any, value: np.ndarray) -> float:
    if scale is not None:
        return _number("nchs", "scale", scale, low=1e-12)
    unit = str(frame["unit"].iloc[0]) if "unit" in frame.columns and len(frame) else ""
    if unit in ("percent", "%", "PT"):
        return 100.0
    finite = value[np.isfinite(value)]
    if len(finite) and (finite.max() > 1.0 or finite.min() < 0.0):
        raise OptionError(
            "quality profile 'nchs' is for proportions in [0, 1]; the values run from "
            f"{finite.min():g} to {finite.max():g}: give scale=100 for per cent, or use a "
            "profile for other estimates"
        )
    return 1.0


def _nchs(
    frame: pd.DataFrame,
    *,
    min_effective_n: float = 30,
    max_width_present: float = 0.05,
    max_width: float = 0.30,
    max_relative_width: float = 1.30,
    min_df: float = 8,
    level: float = 0.95,
    scale: float | None = None,
) -> ProfileOutcome:
    min_effective_n = _number("nchs", "min_effective_n", min_effective_n, low=0)
    max_width_present = _number("nchs", "max_width_present", max_width_present, low=0, high=1)
    max_width = _number("nchs", "max_width", max_width, low=max_width_present, high=1)
    max_relative_width = _number("nchs", "max_relative_width", max_relative_width, low=0)
    min_df = _number("nchs", "min_df", min_df, low=0)
    level = _number("nchs", "level", level, low=1e-9, high=1 - 1e-9)
    value = _column(frame, "value", "nchs")
    factor = _scale(frame, scale, value)
    p = value / factor
    se = _column(frame, "se", "nchs") / factor
    n = _column(frame, "n", "nchs")
    df = _column(frame, "df", "nchs") if "df" in frame.columns else np.full(len(frame), np.nan)
    lower, upper, _ = korn_graubard(p, se, n, df, level=level, cap_at_n=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        neff = np.where((p <= 0) | (p >= 1) | (se == 0), n, np.minimum(p * (1 - p) / se**2, n))
        width = upper - lower
        relative = np.where(p > 0, width / p, np.inf)
        complement = np.where(p < 1, width / (1 - p), np.inf)
    extreme = (p == 0) | (p == 1)
    known = np.isfinite(p) & np.isfinite(neff)
    small = known & (neff < min_effective_n)
    present_narrow = known & ~small & (extreme | (width <= max_width_present))
    wide = known & ~small & ~present_narrow & (width >= max_width)
    rel_wide = known & ~small & ~present_narrow & ~wide & (relative > max_relative_width)
    suppress = small | wide | rel_wide
    presented = known & ~suppress
    review = presented & (
        (np.isfinite(df) & (df < min_df))
        | extreme
        | (~present_narrow & (complement > max_relative_width))
    )
    columns = {
        "kg_lower": lower * factor,
        "kg_upper": upper * factor,
        "kg_effective_n": neff,
    }
    return {"unreliable": suppress, "statistical_review": review}, columns


def _statcan(
    frame: pd.DataFrame,
    *,
    caution_cv: float = 16.5,
    unreliable_cv: float = 33.3,
    min_records: float = 10,
) -> ProfileOutcome:
    caution_cv = _number("statcan", "caution_cv", caution_cv, low=0)
    unreliable_cv = _number("statcan", "unreliable_cv", unreliable_cv, low=caution_cv)
    min_records = _number("statcan", "min_records", min_records, low=0)
    cv_pct = np.round(_cv(frame, "statcan") * 100.0, 1)
    n = _column(frame, "n", "statcan")
    f = (n < min_records) | (cv_pct > unreliable_cv)
    e = ~f & (cv_pct > caution_cv)
    return {"unreliable": f, "low_reliability": e}, {}


def _eurostat(
    frame: pd.DataFrame,
    *,
    limits: Mapping[str, tuple[float, float]] | None = None,
    default: tuple[float, float] | None = None,
    scale: float = 1000.0,
    count_column: str = "value",
    area_column: str = "ref_area",
) -> ProfileOutcome:
    scale = _number("eurostat", "scale", scale, low=1e-12)
    table: dict[str, tuple[float, float]] = {}
    for area, pair in {**(dict(limits) if limits else {})}.items():
        table[str(area)] = _limit_pair(area, pair)
    fallback = _limit_pair("default", default) if default is not None else None
    if not table and fallback is None:
        raise OptionError(
            "quality profile 'eurostat' needs the EU-LFS reliability limits: "
            "limits={'DE': (A, B), ...} per ref_area and/or default=(A, B), in thousands of "
            "persons (scale=1000), as Eurostat publishes them"
        )
    count = _column(frame, count_column, "eurostat")
    if area_column in frame.columns:
        areas = frame[area_column].astype(str).to_numpy()
    else:
        areas = np.full(len(frame), "", dtype=object)
    missing = sorted({a for a in areas if a not in table}) if fallback is None else []
    if missing:
        raise OptionError(
            f"quality profile 'eurostat': no reliability limits for {area_column} "
            f"{missing}; add them to limits= or give default=(A, B)"
        )
    a = np.array([table.get(x, fallback or (np.nan, np.nan))[0] for x in areas], dtype=float)
    b = np.array([table.get(x, fallback or (np.nan, np.nan))[1] for x in areas], dtype=float)
    a, b = a * scale, b * scale
    below_a = np.isfinite(count) & (count < a)
    below_b = np.isfinite(count) & ~below_a & (count < b)
    return {"unreliable": below_a, "low_reliability": below_b}, {}


def _limit_pair(area: Any, pair: Any) -> tuple[float, float]:
    try:
        lo, hi = (float(x) for x in pair)
    except (TypeError, ValueError):
        raise OptionError(
            f"quality profile 'eurostat': the limits of {area!r} must be a pair (A, B) of "
            f"numbers, got {pair!r}"
        ) from None
    if not (0 <= lo <= hi):
        raise OptionError(
            f"quality profile 'eurostat': limits of {area!r} must satisfy 0 <= A <= B, "
            f"got A={lo:g}, B={hi:g}"
        )
    return lo, hi


def _abs(
    frame: pd.DataFrame, *, annotate_rse: float = 0.25, unreliable_rse: float = 0.50
) -> ProfileOutcome:
    annotate_rse = _number("abs", "annotate_rse", annotate_rse, low=0)
    unreliable_rse = _number("abs", "unreliable_rse", unreliable_rse, low=annotate_rse)
    rse = _cv(frame, "abs")
    bad = rse >= unreliable_rse
    return {"unreliable": bad, "low_reliability": ~bad & (rse >= annotate_rse)}, {}


#: The built-in profiles, by name.
PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "nchs",
            ("unreliable", "statistical_review"),
            "NCHS Data Presentation Standards for Proportions (Korn-Graubard interval)",
            "Parker et al. (2017), Vital Health Stat 2(175)",
            _nchs,
            {
                "min_effective_n": 30,
                "max_width_present": 0.05,
                "max_width": 0.30,
                "max_relative_width": 1.30,
                "min_df": 8,
                "level": 0.95,
                "scale": None,
            },
        ),
        Profile(
            "statcan",
            ("unreliable", "low_reliability"),
            "Statistics Canada CV quality bands: E use with caution, F too unreliable",
            "Statistics Canada, CCHS User Guide, release guidelines",
            _statcan,
            {"caution_cv": 16.5, "unreliable_cv": 33.3, "min_records": 10},
        ),
        Profile(
            "eurostat",
            ("unreliable", "low_reliability"),
            "EU-LFS reliability limits A (not published) and B (low reliability) per country",
            "Eurostat, EU-LFS methodology, publication thresholds",
            _eurostat,
            {
                "limits": None,
                "default": None,
                "scale": 1000.0,
                "count_column": "value",
                "area_column": "ref_area",
            },
        ),
        Profile(
            "abs",
            ("unreliable", "low_reliability"),
            "ABS relative standard error: >= 25 % use with caution, >= 50 % not for general use",
            "Australian Bureau of Statistics, Labour Force methodology, reliability of estimates",
            _abs,
            {"annotate_rse": 0.25, "unreliable_rse": 0.50},
        ),
    )
}
