"""Recruitment costs, SDG 10.7.1: recruitment cost borne by the worker in months of earnings.

Per migrant worker *k* in scope, the cost paid to be recruited, :math:`C_k`, is divided by the
monthly earnings of the same worker's first job abroad, :math:`E_k`; the indicator is a
survey-weighted summary of :math:`C_k / E_k` (mean by default, median, or fourth quintile),
with design-based standard errors (:mod:`migindicators.engine.survey`). Out-of-scope workers and
workers whose ratio is undefined stay in the sample design (as a complement domain, never a
subset) and are counted in ``Result.exclusions`` by reason.

Zero-cost workers
    The official rule is not settled (methodology §2): the Lao PDR 2017 pilot reported the
    indicator only for workers with non-zero costs. The default here, ``include_zero_cost=True``,
    keeps them, because the indicator's target population is every migrant worker in scope,
    and workers recruited at no cost to themselves (the employer-pays principle) are the
    outcome SDG target 10.7 aims at: dropping them would hide progress. The share of zero-cost
    workers is reported in every cell either way (``zero_cost_share``), so both readings can
    be published; ``include_zero_cost=False`` reproduces the pilot's definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.assemble import make_result
from migindicators.core.errors import MissingColumnError, OptionError, UnitError
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.quality import apply_rules
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.engine.survey import Design, as_design, estimate_cells
from migindicators.schemas.recruitment import COST_ITEMS, RECRUITMENT_SURVEY
from migindicators.schemas.smuggling import EXCHANGE_RATES

__all__ = [
    "ALLOWED_BY",
    "STATISTICS",
    "recruitment_cost_indicator",
    "recruitment_cost_ratio_of_totals",
    "recruitment_cost_values",
]

#: Official disaggregations (SDG metadata 10.7.1) available as ``by`` columns.
ALLOWED_BY = (
    "ref_area",
    "sex",
    "age_group",
    "education",
    "destination",
    "occupation",
    "occupation_group",
    "industry",
    "documented",
)
#: Summary statistic → quantile probability (``None``: the weighted mean).
STATISTICS: dict[str, float | None] = {"mean": None, "median": 0.5, "fourth_quintile": 0.8}


def recruitment_cost_values(
    cost: pd.Series | np.ndarray, earnings: pd.Series | np.ndarray
) -> np.ndarray:
    """Recruitment cost of each worker in months of earnings.

    .. math:: r_k = C_k / E_k

    Parameters
    ----------
    cost : array-like
        Recruitment costs paid by worker *k* [currency].
    earnings : array-like
        Monthly earnings of the same worker in the first job abroad, net [same currency].

    Returns
    -------
    numpy.ndarray
        :math:`r_k` [month_of_earnings]; NaN where earnings are zero or missing, or the cost
        is missing.

    References
    ----------
    ILO and World Bank, SDG indicator metadata 10.7.1,
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-01.pdf.

    Examples
    --------
    >>> recruitment_cost_values(np.array([600.0, 0.0]), np.array([300.0, 0.0]))
    array([ 2., nan])
    """
    c = np.asarray(cost, dtype="float64")
    e = np.asarray(earnings, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(e > 0, c / np.where(e > 0, e, 1.0), np.nan)


def _check_by(by: str | Sequence[str] | None) -> list[str]:
    cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [c for c in cols if c not in ALLOWED_BY]
    if bad:
        raise OptionError(
            f"recruitment costs cannot be disaggregated by {bad}; allowed: {list(ALLOWED_BY)}"
        )
    return cols


def _with_survey_keys(survey: pd.DataFrame, by_cols: list[str]) -> list[str]:
    """Lead the cell keys with ``ref_area`` and ``time_period`` when the survey has them.

    SDG 10.7.1 is published per country and survey year (no aggregates), so every estimate
    belongs to one survey: the keys must say which, or the result cannot be published.
    """
    columns = survey.columns if isinstance(survey, pd.DataFrame) else ()
    lead = [c for c in ("ref_area", "time_period") if c in columns and c not in by_cols]
    return [*lead, *by_cols]


def _default_design(frame: pd.DataFrame, design: Design | Mapping[str, Any] | None) -> Design:
    if design is None:
        return Design(weight="weight") if "weight" in frame.columns else Design()
    return as_design(design)


def _annual_rates(
    rates: pd.DataFrame | None, currency: str, ledger: RowLedger
) -> dict[tuple[str, int], float]:
    """Mean rate per (currency, year): units of the currency per one unit of *currency*."""
    if rates is None:
        return {}
    other = rates["base"] != currency
    usable = ledger.exclude("exchange_rates", rates, other, f"base currency is not {currency}")
    year = pd.to_numeric(usable["date"].str.slice(0, 4), errors="coerce")
    bad = year.isna() | ~(usable["rate"] > 0)
    usable = ledger.exclude(
        "exchange_rates", usable.assign(_year=year), bad.to_numpy(), "invalid date or rate"
    )
    means = usable.groupby(["currency", "_year"])["rate"].mean()
    keys = means.index.to_frame(index=False)
    return {
        (str(c), int(y)): float(r)
        for c, y, r in zip(keys["currency"], keys["_year"], means.to_numpy(), strict=True)
    }


def _to_common(
    amount: np.ndarray,
    cur: np.ndarray,
    year: np.ndarray,
    currency: str,
    table: Mapping[tuple[str, int], float],
) -> np.ndarray:
    """*amount* in *currency* (NaN where no rate for the year is given)."""
    out = np.full(len(amount), np.nan)
    for i, (a, c, y) in enumerate(zip(amount, cur, year, strict=True)):
        if c == currency:
            out[i] = a
        else:
            rate = table.get((str(c), int(y)))
            if rate is not None:
                out[i] = a / rate
    return out


def _workers(
    survey: pd.DataFrame,
    exchange_rates: pd.DataFrame | None,
    design: Design,
    by_cols: list[str],
    include_zero_cost: bool,
    max_years: int | None,
    currency: str,
    common: bool,
    ledger: RowLedger,
) -> tuple[pd.DataFrame, str]:
    """The worker frame with the domain flag ``_in`` and ratio/common-currency columns."""
    ledger.given("survey", survey, weight=design.weight)
    frame = RECRUITMENT_SURVEY.validate(survey, input_name="survey")
    rates = None
    if exchange_rates is not None:
        ledger.given("exchange_rates", exchange_rates)
        rates = EXCHANGE_RATES.validate(exchange_rates, input_name="exchange_rates")
    if "occupation_group" in by_cols:
        if "occupation" not in frame.columns:
            raise MissingColumnError(
                "by='occupation_group' needs the column 'occupation' (ISCO-08)"
            )
        frame["occupation_group"] = frame["occupation"].str.slice(0, 1)
    absent = [c for c in by_cols if c not in frame.columns]
    if absent:
        raise MissingColumnError(f"by={by_cols}: the survey frame has no column(s) {absent}")
    items = [c for c in (*COST_ITEMS, "recruitment_cost") if c in frame.columns]
    if not items:
        raise MissingColumnError(
            f"the survey frame has no cost column: give any of {list(COST_ITEMS)} or "
            "'recruitment_cost'"
        )
    # Rows the design cannot place are dropped (nothing else can be done with them).
    weight = design.weight
    keep = np.ones(len(frame), dtype=bool)
    for col in [c for c in (design.weight, design.strata, design.psu, design.fpc) if c] + (
        design.replicate_columns(frame)
    ):
        if col not in frame.columns:
            raise MissingColumnError(f"design column {col!r} is not in the survey frame")
        new = frame[col].isna().to_numpy() & keep
        if new.any():
            lost = frame.loc[new, weight].sum() if weight and col != weight else None
            ledger.record(
                "survey",
                f"missing design variable ({col})",
                int(new.sum()),
                weighted=None if lost is None else float(lost),
            )
            keep &= ~new
    if not keep.all():
        frame = frame.loc[keep]
    w = frame[weight].to_numpy(dtype=float) if weight else np.ones(len(frame))
    # An item left missing makes the total unknown (never silently understated).
    item_values = frame[items].to_numpy(dtype=float)
    cost = np.where(np.isnan(item_values).any(axis=1), np.nan, np.nansum(item_values, axis=1))
    earn = frame["earnings"].to_numpy(dtype=float)
    first = pd.to_numeric(frame["first_job_year"], errors="coerce").to_numpy(dtype=float)
    year = np.where(np.isnan(first), frame["time_period"].to_numpy(dtype=float), first)
    cost_cur = frame["cost_currency"].to_numpy(dtype=object)
    earn_cur = frame["earnings_currency"].to_numpy(dtype=object)

    mixed_within = cost_cur != earn_cur
    table = _annual_rates(rates, currency, ledger)
    if rates is None:
        if mixed_within.any():
            raise UnitError(
                f"{int(mixed_within.sum())} worker(s) have costs and earnings in different "
                "currencies; pass exchange_rates= (input kind 'exchange_rates': currency, "
                f"base, date, rate) to convert them to {currency!r}"
            )
        found = sorted(set(cost_cur) | set(earn_cur))
        if common and len(found) > 1:
            raise UnitError(
                f"amounts in several currencies {found} cannot be summed across workers; pass "
                f"exchange_rates= to convert them to {currency!r}"
            )
        currency = found[0] if common else currency
    need = mixed_within | common if rates is not None else np.zeros(len(frame), dtype=bool)
    cost_c = np.where(need, _to_common(cost, cost_cur, year, currency, table), cost)
    earn_c = np.where(need, _to_common(earn, earn_cur, year, currency, table), earn)
    ratio = recruitment_cost_values(cost_c, earn_c)

    reasons: list[tuple[str, np.ndarray]] = []
    status = frame["employment_status"].to_numpy() if "employment_status" in frame else None
    if status is not None:
        reasons.append(("out of scope: self-employed", status == "self_employed"))
    survey_year = frame["time_period"].to_numpy(dtype=float)
    if max_years is not None:
        reasons.append(("first job year missing", np.isnan(first)))
        reasons.append(
            (
                f"out of scope: first job began more than {max_years} years before the survey",
                survey_year - first > max_years,
            )
        )
    reasons.append(("missing recruitment cost (an item is missing)", np.isnan(cost)))
    reasons.append(("missing earnings", np.isnan(earn)))
    reasons.append(("zero earnings", earn == 0))
    reasons.append(
        (f"no exchange rate to {currency} for the year", np.isnan(cost_c) | np.isnan(earn_c))
    )
    for col in by_cols:
        reasons.append((f"missing {col}", frame[col].isna().to_numpy()))
    out = np.zeros(len(frame), dtype=bool)
    for reason, mask in reasons:
        new = np.asarray(mask, dtype=bool) & ~out
        ledger.record("survey", reason, int(new.sum()), weighted=float(w[new].sum()))
        out |= new
    in_all = ~out
    zero = in_all & (cost_c == 0)
    in_dom = in_all.copy()
    if not include_zero_cost:
        ledger.record(
            "survey",
            "zero cost (include_zero_cost=False)",
            int(zero.sum()),
            weighted=float(w[zero].sum()),
        )
        in_dom &= ~zero
    work = frame.copy()
    for col in by_cols:
        work[col] = work[col].astype(object).where(work[col].notna(), "_missing")
    work["_ratio"] = np.where(in_dom, ratio, 0.0)
    work["_cost"] = np.where(in_dom, cost_c, 0.0)
    work["_earn"] = np.where(in_dom, earn_c, 0.0)
    work["_zero"] = zero.astype(float)
    work["_in"] = in_dom
    work["_in_all"] = in_all
    return work, currency


def _domain(data: pd.DataFrame, flag: str) -> pd.DataFrame:
    return data[data[flag].astype(bool)].drop(columns=[flag]).reset_index(drop=True)


def _check_common(aggregate: object, statistic: str | None, max_years: int | None) -> None:
    if aggregate is not None:
        raise OptionError(
            "recruitment costs have no regional or world aggregate: the custodians (ILO, World "
            "Bank) publish country figures only, from national surveys; compute each country "
            "separately"
        )
    if statistic is not None and statistic not in STATISTICS:
        raise OptionError(f"statistic={statistic!r}: choose one of {list(STATISTICS)}")
    if max_years is not None and max_years < 0:
        raise OptionError("max_years_since_first_job must be zero or positive (or None)")


def _zero_share(
    work: pd.DataFrame, design: Design, by_cols: list[str], data: pd.DataFrame, level: float
) -> pd.DataFrame:
    share, _ = estimate_cells(
        work,
        design,
        parameter="mean",
        y="_zero",
        by=[*by_cols, "_in_all"],
        ledger=RowLedger(),
        input_name="survey",
        level=level,
        deff=False,
    )
    share = _domain(share, "_in_all")[[*by_cols, "value", "se"]].rename(
        columns={"value": "zero_cost_share", "se": "zero_cost_share_se"}
    )
    return _attach(data, share, by_cols)


def _attach(data: pd.DataFrame, part: pd.DataFrame, by_cols: list[str]) -> pd.DataFrame:
    """Add the value columns of *part* to *data*, matching cells on *by_cols*."""
    if by_cols:
        return data.merge(part, on=by_cols, how="left")
    extra = {c: (part[c].iloc[0] if len(part) else np.nan) for c in part.columns}
    return data.assign(**extra)


@accepts_any_frame
@typed_options("recruitment_cost_indicator")
def recruitment_cost_indicator(
    survey: pd.DataFrame,
    *,
    design: Design | Mapping[str, Any] | None = None,
    exchange_rates: pd.DataFrame | None = None,
    by: str | Sequence[str] | None = None,
    statistic: str = "mean",
    include_zero_cost: bool = True,
    max_years_since_first_job: int | None = 3,
    currency: str = "USD",
    level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Recruitment cost borne by employee as a proportion of monthly income (SDG 10.7.1).

    .. math:: \\text{RCI} = f\\left(C_k / E_k\\right), \\quad k \\in \\text{workers in scope}

    with *f* the survey-weighted mean (default), median or fourth quintile (80th
    percentile).

    Parameters
    ----------
    survey : pandas.DataFrame
        Input kind ``recruitment_survey``: one row per migrant worker.
    design : Design or mapping, optional
        The sample design (a mapping of :class:`~migindicators.engine.survey.Design` arguments is
        accepted). Default: the ``weight`` column if present, else unweighted (flagged).
    exchange_rates : pandas.DataFrame, optional
        Input kind ``exchange_rates`` (units of ``currency`` per one unit of ``base``, dated);
        needed when a worker's costs and earnings are in different currencies. The mean rate of
        the year the first job began is used.
    by : str or sequence of str, optional
        Any of :data:`ALLOWED_BY` (the official disaggregations).
    statistic : {"mean", "median", "fourth_quintile"}
    include_zero_cost : bool
        Keep workers who paid nothing (default; see the module docstring for the reasoning).
    max_years_since_first_job : int or None
        Workers whose first job abroad began more than this many years before the survey are
        out of scope (recall bias; 3 per the ILO/World Bank guidance). ``None``: no limit.
    currency : str
        Common currency (ISO 4217) that exchange rates convert to [currency].
    level : float
        Confidence level.
    quality : mapping or sequence, optional
        Quality rules (default ``min_n`` 30 and ``max_cv`` 0.3, flags only).
    aggregate : None
        Regional or world aggregates do not exist for this indicator: any value is an error.

    Returns
    -------
    Result
        ``value`` [month_of_earnings] with ``se``, ``ci_lower``, ``ci_upper`` (t, design df),
        ``n`` (workers in the cell), ``cv``, ``deff``, ``df``, ``weighted_n``,
        ``zero_cost_share`` and ``zero_cost_share_se``. Exclusions: out of scope, missing
        first-job year, missing cost, missing or zero earnings, no exchange rate, zero cost
        (when excluded), missing design variables.

    References
    ----------
    ILO and World Bank, SDG indicator metadata 10.7.1 (2018, rev. 2022),
    https://unstats.un.org/sdgs/metadata/files/Metadata-10-07-01.pdf.
    ILO (2019), *General principles and operational guidelines for fair recruitment and
    Definition of recruitment fees and related costs*.
    Habiyakare, T. and Zhong, N. (2019), Measuring recruitment costs: the Lao PDR LFS pilot,
    ISI World Statistics Congress.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("lfs_migration_module")
    >>> result = mi.recruitment.recruitment_cost_indicator(
    ...     survey=data["survey"],
    ...     exchange_rates=data["exchange_rates"],
    ...     design={"weight": "weight", "strata": "stratum", "psu": "psu"},
    ...     by=["sex", "destination"],
    ... )
    >>> cols = ["ref_area", "time_period", "sex", "destination", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area time_period sex destination  value
         NPL        2024   F         ARE  1.665
         NPL        2024   F         KOR  0.631
         NPL        2024   F         KWT  2.099
    """
    _check_common(aggregate, statistic, max_years_since_first_job)
    by_cols = _with_survey_keys(survey, _check_by(by))
    the_design = _default_design(survey, design)
    ledger = RowLedger()
    work, currency_used = _workers(
        survey,
        exchange_rates,
        the_design,
        by_cols,
        include_zero_cost,
        max_years_since_first_job,
        currency,
        False,
        ledger,
    )
    q = STATISTICS[statistic]
    data, meta = estimate_cells(
        work,
        the_design,
        parameter="mean" if q is None else "quantile",
        y="_ratio",
        by=[*by_cols, "_in"],
        q=q if q is not None else 0.5,
        qrule="school",
        ledger=ledger,
        input_name="survey",
        level=level,
    )
    data = _domain(data, "_in")
    data = _zero_share(work, the_design, by_cols, data, level)
    data, applied = apply_rules(data, quality, key_columns=by_cols)
    meta.update(
        {
            "quality_rules": applied,
            "statistic": statistic,
            "include_zero_cost": include_zero_cost,
            "zero_cost_rule": "not settled officially (methodology §2); default keeps zero-cost "
            "workers and reports their share",
            "currency": currency_used,
        }
    )
    inputs: dict[str, Any] = {"survey": survey}
    if exchange_rates is not None:
        inputs["exchange_rates"] = exchange_rates
    return make_result(
        "recruitment_cost_indicator",
        data,
        ledger,
        group_columns=by_cols,
        options={
            "by": by_cols,
            "statistic": statistic,
            "include_zero_cost": include_zero_cost,
            "max_years_since_first_job": max_years_since_first_job,
            "currency": currency,
            "level": level,
            "design": the_design.describe(),
        },
        inputs=inputs,
        method=f"{statistic} of C_k / E_k over workers in scope; {meta['method']}",
        extra_metadata={k: v for k, v in meta.items() if k != "method"},
    )


@accepts_any_frame
@typed_options("recruitment_cost_ratio_of_totals")
def recruitment_cost_ratio_of_totals(
    survey: pd.DataFrame,
    *,
    design: Design | Mapping[str, Any] | None = None,
    exchange_rates: pd.DataFrame | None = None,
    by: str | Sequence[str] | None = None,
    include_zero_cost: bool = True,
    max_years_since_first_job: int | None = 3,
    currency: str = "USD",
    level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
    aggregate: str | Sequence[str] | None = None,
) -> Result:
    """Recruitment costs as a ratio of totals, with mean cost and mean earnings.

    .. math:: \\hat R = \\sum_k w_k C_k \\Big/ \\sum_k w_k E_k

    over the same workers as :func:`recruitment_cost_indicator`, with amounts in a common
    currency. Also reports the weighted mean cost and mean monthly earnings [currency], each
    with its standard error. Parameters are those of :func:`recruitment_cost_indicator`
    (without ``statistic``). Amounts in several currencies need ``exchange_rates``; without
    them a :class:`~migindicators.core.errors.UnitError` says so.

    Returns
    -------
    Result
        ``value`` [month_of_earnings], ``se``, intervals, ``n``, ``mean_cost``,
        ``mean_cost_se``, ``mean_earnings``, ``mean_earnings_se`` (in
        ``metadata["currency"]``), ``zero_cost_share``.

    References
    ----------
    ILO and World Bank, SDG indicator metadata 10.7.1; the Lao PDR 2017 pilot reports both the
    mean of ratios (0.33) and the totals (ratio 0.328) (Habiyakare and Zhong, 2019).

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("lfs_migration_module")
    >>> result = mi.recruitment.recruitment_cost_ratio_of_totals(
    ...     survey=data["survey"],
    ...     exchange_rates=data["exchange_rates"],
    ...     design={"weight": "weight", "strata": "stratum", "psu": "psu"},
    ...     by=["destination"],
    ... )
    >>> cols = ["ref_area", "time_period", "destination", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
    ref_area time_period destination  value
         NPL        2024         ARE  2.376
         NPL        2024         KOR  0.818
         NPL        2024         KWT  2.819
    """
    _check_common(aggregate, None, max_years_since_first_job)
    by_cols = _with_survey_keys(survey, _check_by(by))
    the_design = _default_design(survey, design)
    ledger = RowLedger()
    work, currency_used = _workers(
        survey,
        exchange_rates,
        the_design,
        by_cols,
        include_zero_cost,
        max_years_since_first_job,
        currency,
        True,
        ledger,
    )
    dom = [*by_cols, "_in"]
    data, meta = estimate_cells(
        work,
        the_design,
        parameter="ratio",
        y="_cost",
        x="_earn",
        by=dom,
        ledger=ledger,
        input_name="survey",
        level=level,
    )
    data = _domain(data, "_in")
    for name, col in (("mean_cost", "_cost"), ("mean_earnings", "_earn")):
        part, _ = estimate_cells(
            work,
            the_design,
            parameter="mean",
            y=col,
            by=dom,
            ledger=RowLedger(),
            input_name="survey",
            level=level,
            deff=False,
        )
        part = _domain(part, "_in")[[*by_cols, "value", "se"]].rename(
            columns={"value": name, "se": f"{name}_se"}
        )
        data = _attach(data, part, by_cols)
    data = _zero_share(work, the_design, by_cols, data, level)
    data, applied = apply_rules(data, quality, key_columns=by_cols)
    meta.update(
        {
            "quality_rules": applied,
            "include_zero_cost": include_zero_cost,
            "currency": currency_used,
            "mean_amounts_unit": currency_used,
        }
    )
    inputs: dict[str, Any] = {"survey": survey}
    if exchange_rates is not None:
        inputs["exchange_rates"] = exchange_rates
    return make_result(
        "recruitment_cost_ratio_of_totals",
        data,
        ledger,
        group_columns=by_cols,
        options={
            "by": by_cols,
            "include_zero_cost": include_zero_cost,
            "max_years_since_first_job": max_years_since_first_job,
            "currency": currency,
            "level": level,
            "design": the_design.describe(),
        },
        inputs=inputs,
        method=f"sum(w C) / sum(w E) in {currency_used}; {meta['method']}",
        extra_metadata={k: v for k, v in meta.items() if k != "method"},
    )
