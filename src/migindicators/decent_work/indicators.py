"""Decent work by migratory status: SDG 8.8.1 (occupational injuries) and 8.8.2 (labour rights)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.aggregate import normalise_groupings
from migindicators.core.assemble import make_result
from migindicators.core.errors import InputValidationError, MissingColumnError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.ratio import (
    add_aggregates,
    check_by,
    collapse_to_totals,
    exclude_unknown_countries,
    match_cells,
)
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.schemas.decent_work import INJURY_CASES, LABOUR_RIGHTS_CODING, WORKERS

__all__ = [
    "labour_rights_compliance",
    "labour_rights_score_values",
    "occupational_injury_rate_fatal",
    "occupational_injury_rate_nonfatal",
    "occupational_injury_rate_values",
]

_BASE_KEYS = ("ref_area", "time_period")
_ALLOWED_BY = ("sex", "migratory_status")

#: The ILO score caps the weighted sum at this value (score = 10 · min(x, 95) / 95).
LABOUR_RIGHTS_CAP = 95.0


def occupational_injury_rate_values(
    cases: pd.Series | np.ndarray,
    workers: pd.Series | np.ndarray,
) -> np.ndarray:
    """Occupational injuries per 100 000 workers.

    .. math:: 10^5 \\cdot C / W

    The same formula gives the fatal and the non-fatal rate; the two are computed
    separately, from their own sources. A zero or missing number of workers gives NaN.

    Parameters
    ----------
    cases : array-like
        New cases of fatal (or non-fatal) occupational injury in the reference year,
        :math:`C` [person].
    workers : array-like
        Average number of workers in the reference group covered by the source (full-time
        equivalents where part-time work is converted), :math:`W` [person].

    Returns
    -------
    numpy.ndarray
        Cases per 100 000 workers [per_100000].

    References
    ----------
    ILO, SDG indicator metadata 8.8.1, "Fatal and non-fatal occupational injuries per
    100,000 workers, by sex and migrant status",
    https://unstats.un.org/sdgs/metadata/files/Metadata-08-08-01.pdf.
    ILO, *Resolution concerning statistics of occupational injuries (resulting from
    occupational accidents)*, 16th ICLS, 1998.

    Examples
    --------
    >>> occupational_injury_rate_values(np.array([12.0]), np.array([400_000.0]))
    array([3.])
    """
    c = np.asarray(cases, dtype="float64")
    w = np.asarray(workers, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(w > 0, 1e5 * c / w, np.nan)
    return np.asarray(out, dtype="float64")


@accepts_any_frame
@typed_options("occupational_injury_rate_fatal")
def occupational_injury_rate_fatal(
    cases: pd.DataFrame,
    workers: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    use_fte: bool = True,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Fatal occupational injuries per 100 000 workers (SDG 8.8.1, series SL_EMP_FTLINJUR).

    .. math:: 10^5 \\cdot C_{fatal} / W

    A fatal case is a death within one year of the occupational accident. See
    :func:`occupational_injury_rate_nonfatal` for the rules shared by both rates.

    Parameters
    ----------
    cases : pandas.DataFrame
        Input kind ``occupational_injuries``: ``ref_area``, ``time_period``, ``cases``
        [person], optionally ``sex``, ``migratory_status`` and ``coverage``.
    workers : pandas.DataFrame
        Input kind ``workers``: ``ref_area``, ``time_period``, ``workers`` [person],
        optionally ``workers_fte`` [person], ``sex``, ``migratory_status``, ``coverage``.
    by : sequence of str, optional
        Any of ``sex``, ``migratory_status`` (MS_MIGRANT, MS_NOMIGRANT, _T).
    use_fte : bool
        Divide by ``workers_fte`` where it is given (default, as the metadata asks), else
        by the head count.
    aggregate : str or sequence of str, optional
        Sum-then-divide aggregates: ``"world"``, ``"sdg_region"``, … or ``"all"``.

    Returns
    -------
    Result
        ``value`` in cases per 100 000 workers; extra columns ``cases``, ``workers`` (the
        denominator used) and ``workers_basis`` (``fte``, ``headcount`` or ``mixed``).

    References
    ----------
    ILO, SDG indicator metadata 8.8.1,
    https://unstats.un.org/sdgs/metadata/files/Metadata-08-08-01.pdf.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("decent_work_demo")
    >>> result = mi.decent_work.occupational_injury_rate_fatal(
    ...     cases=data["fatal"],
    ...     workers=data["workers"],
    ...     by=["migratory_status"],
    ... )
    >>> cols = ["ref_area", "time_period", "coverage", "migratory_status", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  coverage migratory_status  value
         ARE         2021 employees       MS_MIGRANT  5.814
         ARE         2021 employees     MS_NOMIGRANT  5.278
         ARE         2022 employees       MS_MIGRANT  5.114
    """
    return _injury_rate(
        "occupational_injury_rate_fatal",
        cases,
        workers,
        by=by,
        use_fte=use_fte,
        aggregate=aggregate,
    )


@accepts_any_frame
@typed_options("occupational_injury_rate_nonfatal")
def occupational_injury_rate_nonfatal(
    cases: pd.DataFrame,
    workers: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
    use_fte: bool = True,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Non-fatal occupational injuries per 100 000 workers (SDG 8.8.1, series SL_EMP_INJUR).

    .. math:: 10^5 \\cdot C_{non-fatal} / W

    **Coverage rule.** Numerator and denominator must cover the same workers (e.g. when the
    injury source covers employees only, the self-employed are left out of the
    denominator). When both inputs carry a ``coverage`` column, rows are matched on it, so a
    case count is only ever divided by the workers of the same coverage; when exactly one
    input has it, :class:`~migindicators.InputValidationError` is raised; when neither has
    it, the caller asserts that the coverage is the same. Workers are taken in full-time
    equivalents where ``workers_fte`` is given (``use_fte=True``). Breakdowns not asked for
    are removed using the ``_T`` rows where present, otherwise summed.

    Parameters
    ----------
    cases, workers, by, use_fte, aggregate
        As for :func:`occupational_injury_rate_fatal`.

    Returns
    -------
    Result
        As for :func:`occupational_injury_rate_fatal`.

    References
    ----------
    ILO, SDG indicator metadata 8.8.1,
    https://unstats.un.org/sdgs/metadata/files/Metadata-08-08-01.pdf.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("decent_work_demo")
    >>> result = mi.decent_work.occupational_injury_rate_nonfatal(
    ...     cases=data["nonfatal"],
    ...     workers=data["workers"],
    ...     by=["sex", "migratory_status"],
    ... )
    >>> cols = ["ref_area", "time_period", "coverage", "sex", "migratory_status", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  coverage sex migratory_status    value
         ARE         2021 employees   F       MS_MIGRANT  282.365
         ARE         2021 employees   F     MS_NOMIGRANT  181.481
         ARE         2021 employees   M       MS_MIGRANT 2450.344
    """
    return _injury_rate(
        "occupational_injury_rate_nonfatal",
        cases,
        workers,
        by=by,
        use_fte=use_fte,
        aggregate=aggregate,
    )


def _injury_rate(
    indicator_id: str,
    cases: pd.DataFrame,
    workers: pd.DataFrame,
    *,
    by: Sequence[str] | None,
    use_fte: bool,
    aggregate: str | Sequence[str] | None,
) -> Result:
    by_cols = check_by(indicator_id, by, _ALLOWED_BY)
    groupings = normalise_groupings(aggregate)
    ledger = RowLedger()
    ledger.given("cases", cases)
    ledger.given("workers", workers)
    c = INJURY_CASES.validate(cases, input_name="cases")
    w = WORKERS.validate(workers, input_name="workers")
    for name, frame in (("cases", c), ("workers", w)):
        absent = [col for col in by_cols if col not in frame.columns]
        if absent:
            raise MissingColumnError(f"by={by_cols}: input {name!r} has no column(s) {absent}")
    with_coverage = ("coverage" in c.columns) + ("coverage" in w.columns)
    if with_coverage == 1:
        has, lacks = ("cases", "workers") if "coverage" in c.columns else ("workers", "cases")
        raise InputValidationError(
            f"{indicator_id}: input {has!r} has a 'coverage' column but {lacks!r} does not. "
            "Numerator and denominator must cover the same workers (SDG 8.8.1): give the "
            "coverage in both inputs so rows are matched on it, or in neither.",
            input_kind=WORKERS.name if lacks == "workers" else INJURY_CASES.name,
        )
    keys = [*_BASE_KEYS, *(["coverage"] if with_coverage == 2 else []), *by_cols]

    c = exclude_unknown_countries(c, ledger, "cases")
    w = exclude_unknown_countries(w, ledger, "workers")
    dropped = [d for d in _ALLOWED_BY if d not in by_cols]
    c = collapse_to_totals(c, dropped, keys, ledger, "cases")
    w = collapse_to_totals(w, dropped, keys, ledger, "workers")

    w = w.copy()
    fte = (
        w["workers_fte"]
        if use_fte and "workers_fte" in w.columns
        else pd.Series(np.nan, index=w.index)
    )
    w["_fte_rows"] = fte.notna().astype("int64")
    w["_den_rows"] = 1
    w["workers"] = fte.where(fte.notna(), w["workers"])

    cells = match_cells(
        c,
        w,
        num_input="cases",
        den_input="workers",
        num_values=["cases"],
        den_values=["workers", "_fte_rows", "_den_rows"],
        keys=keys,
        den_keys=keys,
        ledger=ledger,
    )
    valid = cells["workers"] > 0
    cells = add_aggregates(
        cells,
        values=["cases", "workers", "_fte_rows", "_den_rows", "n"],
        keys=keys[1:],
        groupings=groupings,
        valid=valid,
    )

    cells["value"] = occupational_injury_rate_values(cells["cases"], cells["workers"])
    flags = cells["flag"] if "flag" in cells.columns else pd.Series("", index=cells.index)
    cells["flag"] = add_flag(flags, cells["value"].isna(), "zero_denominator")
    fte_rows, den_rows = cells["_fte_rows"], cells["_den_rows"]
    cells["workers_basis"] = np.where(
        fte_rows == 0, "headcount", np.where(fte_rows == den_rows, "fte", "mixed")
    )
    cells = cells.drop(columns=["_fte_rows", "_den_rows"])
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        indicator_id,
        cells,
        ledger,
        group_columns=keys,
        options={"by": by_cols, "use_fte": use_fte, "aggregate": groupings},
        inputs={"cases": cases, "workers": workers},
        method="100000 * cases / workers (FTE where given; numerator and denominator of the "
        "same coverage); aggregates 100000 * sum(cases) / sum(workers)",
    )


def labour_rights_score_values(
    weighted_sum: pd.Series | np.ndarray, *, cap: float = LABOUR_RIGHTS_CAP
) -> np.ndarray:
    """ILO score of national compliance with labour rights (freedom of association).

    .. math:: S = 10 \\cdot \\min(x, 95) / 95

    where :math:`x` is the sum of the Delphi weights of the evaluation criteria with at
    least one coded violation. 0 is the best score, 10 the worst.

    Parameters
    ----------
    weighted_sum : array-like
        :math:`x`, the sum of the weights of the violated criteria [dimensionless].
    cap : float
        The normalisation constant (95 in the ILO methodology).

    Returns
    -------
    numpy.ndarray
        Scores from 0 to 10 [dimensionless].

    References
    ----------
    ILO, SDG indicator metadata 8.8.2, "Level of national compliance with labour rights
    (freedom of association and collective bargaining)",
    https://unstats.un.org/sdgs/metadata/files/Metadata-08-08-02.pdf.
    Kucera, D. and Sari, D., "New Labour Rights Indicators: Method and Trends for
    2000–2015", *International Labour Review* 158(3), 2019.

    Examples
    --------
    >>> labour_rights_score_values(np.array([27.05])).round(2)
    array([2.85])
    """
    x = np.asarray(weighted_sum, dtype="float64")
    return np.asarray(10.0 * np.minimum(x, cap) / cap, dtype="float64")


@accepts_any_frame
@typed_options("labour_rights_compliance")
def labour_rights_compliance(
    coding: pd.DataFrame,
    *,
    by: Sequence[str] | None = None,
) -> Result:
    """Level of national compliance with labour rights (SDG 8.8.2, series SL_LBR_NTLCPL).

    .. math:: S = 10 \\cdot \\min(x, 95) / 95, \\quad x = \\sum_k w_k \\, v_k

    Each evaluation criterion :math:`k` counts once, as violated (:math:`v_k = 1`) when any
    textual source codes a violation, with its Delphi weight :math:`w_k`. A violated
    "general prohibition" criterion gives the automatic score 10. The value is not rounded
    (the ILO publishes two decimals: the official worked example x = 27.05 gives 2.847…,
    published 2.85).

    Parameters
    ----------
    coding : pandas.DataFrame
        Input kind ``labour_rights_coding``: ``ref_area``, ``time_period``, ``criterion``,
        ``weight``, ``violation`` (0/1), optionally ``source`` and ``general_prohibition``.
    by : sequence of str, optional
        Not used: the score is national (only ``None`` or ``[]``).

    Returns
    -------
    Result
        ``value`` the score 0 (best) to 10 (worst); extra columns ``weighted_sum`` and
        ``violated_criteria``.

    Raises
    ------
    InputValidationError
        When one criterion is given two different weights in the same country and year.

    References
    ----------
    ILO, SDG indicator metadata 8.8.2,
    https://unstats.un.org/sdgs/metadata/files/Metadata-08-08-02.pdf.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("decent_work_demo")
    >>> result = mi.decent_work.labour_rights_compliance(coding=data["coding"])
    >>> cols = ["ref_area", "time_period", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area  time_period  value
         ARE         2021  5.714
         ARE         2022  6.186
         DEU         2021  6.838
    """
    check_by("labour_rights_compliance", by, ())
    ledger = RowLedger()
    ledger.given("coding", coding)
    frame = LABOUR_RIGHTS_CODING.validate(coding, input_name="coding")
    frame = exclude_unknown_countries(frame, ledger, "coding")
    keys = [*_BASE_KEYS]
    if "general_prohibition" not in frame.columns:
        frame = frame.assign(general_prohibition=0)
    per_criterion = (
        frame.groupby([*keys, "criterion"], sort=False)
        .agg(
            weight_min=("weight", "min"),
            weight_max=("weight", "max"),
            violation=("violation", "max"),
            general=("general_prohibition", "max"),
            n=("weight", "size"),
        )
        .reset_index()
    )
    clash = per_criterion["weight_min"] != per_criterion["weight_max"]
    if clash.any():
        sample = per_criterion.loc[clash, [*keys, "criterion"]].head(5)
        raise InputValidationError(
            "input 'coding' (labour_rights_coding): a criterion has different weights in "
            f"the same country and year, e.g. {sample.to_dict('records')}; give one Delphi "
            "weight per criterion",
            input_kind=LABOUR_RIGHTS_CODING.name,
        )
    per_criterion["_x"] = per_criterion["weight_min"] * per_criterion["violation"]
    per_criterion["_general"] = per_criterion["general"] * per_criterion["violation"]
    cells = (
        per_criterion.groupby(keys, sort=False)
        .agg(
            weighted_sum=("_x", "sum"),
            violated_criteria=("violation", "sum"),
            general=("_general", "max"),
            n=("n", "sum"),
        )
        .reset_index()
    )
    cells["value"] = labour_rights_score_values(cells["weighted_sum"])
    cells.loc[cells["general"] > 0, "value"] = 10.0
    cells = cells.drop(columns=["general"])
    cells["n"] = cells["n"].astype("int64")
    return make_result(
        "labour_rights_compliance",
        cells,
        ledger,
        group_columns=keys,
        options={"by": []},
        inputs={"coding": coding},
        method="10 * min(x, 95) / 95, x = sum of Delphi weights of violated criteria; "
        "10 when a general-prohibition criterion is violated",
    )
