"""Migrant smuggling: fees paid to smugglers, by route and means of transport.

Fees are reported in the currency they were paid in. They are converted to one currency with
dated exchange rates passed as data (never mixed), then summarised per route × means of
transport × year by their quartiles, with the number of reports and distribution-free
confidence intervals from order statistics. Reports are administrative records, not a
probability sample: the quartiles describe the reports received, and cells are flagged
``unweighted``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

from migindicators.core.assemble import make_result
from migindicators.core.errors import MissingColumnError, OptionError, UnitError
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.registry import typed_options
from migindicators.core.result import Result
from migindicators.core.units import is_currency
from migindicators.schemas.smuggling import EXCHANGE_RATES, SMUGGLING_REPORTS

__all__ = ["quantile_confidence_interval", "smuggling_fees"]

_BASE_KEYS = ("time_period", "route", "transport")
_ALLOWED_BY = ("ref_area", "origin", "destination", "sex")
QUANTILE_METHODS = ("linear", "inverted_cdf", "hazen", "weibull", "median_unbiased")


def quantile_confidence_interval(
    values: np.ndarray | Sequence[float], q: float, *, level: float = 0.95
) -> tuple[float, float]:
    """Distribution-free confidence interval of the *q*-quantile from order statistics.

    With :math:`x_{(1)} \\le \\dots \\le x_{(n)}` and :math:`B \\sim \\mathrm{Bin}(n, q)`,
    take :math:`l = F_B^{-1}(\\alpha/2)` and :math:`u = F_B^{-1}(1 - \\alpha/2) + 1`; then
    :math:`P(x_{(l)} \\le \\xi_q < x_{(u)}) = P(l \\le B \\le u - 1) \\ge 1 - \\alpha` for
    any continuous distribution. An end that falls outside :math:`1..n` (too few
    observations) is NaN.

    Parameters
    ----------
    values : array-like
        The observations (any unit; NaN not allowed).
    q : float
        The quantile, in (0, 1).
    level : float
        Confidence level :math:`1 - \\alpha`.

    Returns
    -------
    tuple of float
        Lower and upper bounds, in the unit of *values*.

    References
    ----------
    Conover, W. J. (1999), *Practical Nonparametric Statistics*, 3rd ed., Wiley, section 3.2
    (confidence interval for a quantile).
    Hyndman, R. J. and Fan, Y. (1996), "Sample quantiles in statistical packages",
    *The American Statistician* 50(4), 361–365.

    Examples
    --------
    >>> quantile_confidence_interval(np.arange(1.0, 21.0), 0.5)
    (6.0, 15.0)
    """
    x = np.sort(np.asarray(values, dtype="float64"))
    n = len(x)
    if n == 0:
        return (math.nan, math.nan)
    alpha = 1.0 - level
    k = np.arange(n + 1)
    log_pmf = np.array([_log_binom_pmf(int(i), n, q) for i in k])
    cdf = np.cumsum(np.exp(log_pmf))
    lower_rank = int(np.searchsorted(cdf, alpha / 2))  # smallest k with F(k) >= alpha/2
    upper_rank = int(np.searchsorted(cdf, 1 - alpha / 2 - 1e-12)) + 1
    lower = float(x[lower_rank - 1]) if lower_rank >= 1 else math.nan
    upper = float(x[upper_rank - 1]) if upper_rank <= n else math.nan
    return (lower, upper)


def _log_binom_pmf(k: int, n: int, p: float) -> float:
    log_comb = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    return log_comb + k * math.log(p) + (n - k) * math.log1p(-p)


@accepts_any_frame
@typed_options("smuggling_fees")
def smuggling_fees(
    reports: pd.DataFrame,
    exchange_rates: pd.DataFrame | None = None,
    *,
    by: Sequence[str] | None = None,
    currency: str = "USD",
    quantiles: Sequence[float] | None = None,
    max_rate_age_days: int = 31,
    quantile_method: str = "linear",
    confidence_level: float = 0.95,
) -> Result:
    """Fees paid to migrant smugglers: quartiles by route and means of transport.

    For each report *i* the fee per migrant, in the common currency *c*, is

    .. math:: f_i = \\frac{F_i}{p_i \\, r_{k_i, c}(t_i)}

    with :math:`F_i` the fee paid in currency :math:`k_i`, :math:`p_i` the number of migrants
    it covers (1 when not given), and :math:`r_{k,c}(t)` the latest rate (units of *k* per
    unit of *c*) dated on or before the report date :math:`t_i` and at most
    ``max_rate_age_days`` older. Per year × route × means of transport (× ``by``) the
    function returns the requested sample quantiles of :math:`f_i` (Hyndman–Fan definition
    chosen by ``quantile_method``; the default ``"linear"`` is their type 7), the number of
    reports, and a distribution-free confidence interval for each quantile from order
    statistics. There is no standard error (the reports are not a probability sample).

    Reports with no fee, no currency, no date (when a conversion is needed) or no rate within
    ``max_rate_age_days`` are excluded and counted by reason. Missing ``route`` or
    ``transport`` are grouped as ``"unknown"``, not dropped.

    Parameters
    ----------
    reports : pandas.DataFrame
        Input kind ``smuggling_reports``: ``report_id``, ``ref_area`` (reporting State),
        ``time_period``, ``date``, ``route``, ``transport``, ``fee`` [currency of payment],
        ``currency`` (ISO 4217), optionally ``persons``, ``origin``, ``destination``, ``sex``.
    exchange_rates : pandas.DataFrame, optional
        Input kind ``exchange_rates``: ``currency``, ``base``, ``date``, ``rate`` (units of
        ``currency`` per one ``base``). Rows whose ``base`` is not *currency* are not used.
        Needed unless every fee is already in *currency*.
    by : sequence of str, optional
        Further disaggregations: ``ref_area``, ``origin``, ``destination``, ``sex``.
    currency : str
        ISO 4217 code of the common currency (default ``"USD"``).
    quantiles : sequence of float, optional
        Quantiles to report, each in (0, 1); ``None`` (default) gives the quartiles
        0.25, 0.5, 0.75.
    max_rate_age_days : int
        Largest gap, in days, between a report date and the rate used for it.
    quantile_method : str
        ``numpy.quantile`` method: ``linear`` (type 7), ``inverted_cdf`` (type 1, always an
        observed fee), ``hazen`` (type 5), ``weibull`` (type 6), ``median_unbiased`` (type 8).
    confidence_level : float
        Level of the order-statistic confidence intervals.

    Returns
    -------
    Result
        One row per cell × ``statistic`` (``"P25"``, ``"P50"``, ``"P75"``, …): ``value`` in
        *currency* per migrant, ``ci_lower``/``ci_upper`` the confidence interval, ``n`` the
        number of reports; extra column ``persons`` (migrants covered by those reports).

    References
    ----------
    UNODC, Voluntary Reporting System on Migrant Smuggling and Related Conduct (VRS-MSRC),
    https://www.unodc.org/unodc/en/human-trafficking/migrant-smuggling/vrs-msrc.html.
    UNODC (2018), *Global Study on Smuggling of Migrants 2018*, United Nations publication
    Sales No. E.18.IV.9 (fees by route, chapter on smuggling routes).
    Hyndman, R. J. and Fan, Y. (1996), "Sample quantiles in statistical packages",
    *The American Statistician* 50(4), 361–365.

    Examples
    --------
    On a bundled, seeded demo dataset (see :func:`migindicators.datasets.load`):

    >>> import migindicators as mi
    >>> data = mi.datasets.load("smuggling_reports_demo")
    >>> result = mi.protection.smuggling_fees(
    ...     reports=data["reports"],
    ...     exchange_rates=data["exchange_rates"],
    ... )
    >>> cols = ["time_period", "route", "transport", "statistic", "value"]
    >>> print(result.data[cols].head(3).round(3).to_string(index=False))
     time_period                 route transport statistic     value
            2022 Air to Western Europe       air       P25  6433.836
            2022 Air to Western Europe       air       P50  8102.457
            2022 Air to Western Europe       air       P75 11058.862
    """
    by_cols = _check_by(by)
    if not is_currency(currency):
        raise UnitError(f"currency={currency!r} is not an ISO 4217 code migindicators knows")
    qs = [0.25, 0.5, 0.75] if quantiles is None else [float(q) for q in quantiles]
    if not qs or not all(0.0 < q < 1.0 for q in qs):
        raise OptionError(f"quantiles={qs}: give values strictly between 0 and 1")
    if quantile_method not in QUANTILE_METHODS:
        raise OptionError(f"quantile_method={quantile_method!r}: use one of {QUANTILE_METHODS}")
    if not 0.0 < confidence_level < 1.0:
        raise OptionError(f"confidence_level={confidence_level!r} must be in (0, 1)")
    if max_rate_age_days < 0:
        raise OptionError("max_rate_age_days must be zero or positive")

    ledger = RowLedger()
    ledger.given("reports", reports)
    rep = SMUGGLING_REPORTS.validate(reports, input_name="reports")
    absent = [c for c in by_cols if c not in rep.columns]
    if absent:
        raise MissingColumnError(f"by={by_cols}: input 'reports' has no column(s) {absent}")
    rates: pd.DataFrame | None = None
    if exchange_rates is not None:
        ledger.given("exchange_rates", exchange_rates)
        rates = EXCHANGE_RATES.validate(exchange_rates, input_name="exchange_rates")

    rep = rep.copy()
    for col in ("route", "transport"):
        rep[col] = rep[col].fillna("unknown")
    rep = ledger.exclude("reports", rep, rep["fee"].isna(), "fee not reported")
    rep = ledger.exclude("reports", rep, rep["currency"].isna(), "currency not reported")
    persons = rep["persons"] if "persons" in rep.columns else pd.Series(1.0, index=rep.index)
    rep["persons"] = persons.fillna(1.0).astype("float64")
    rep["_date"] = pd.to_datetime(rep["date"], format="%Y-%m-%d", errors="coerce")
    bad_date = rep["date"].notna() & rep["_date"].isna()
    rep = ledger.exclude(
        "reports", rep, bad_date, "invalid calendar date", detail=_sample(rep.loc[bad_date, "date"])
    )

    same = rep["currency"] == currency
    needs_rate = ~same
    rep = ledger.exclude(
        "reports", rep, needs_rate & rep["_date"].isna(), "no date to pick an exchange rate"
    )
    needs_rate = rep["currency"] != currency
    rep["_rate"] = np.where(needs_rate, np.nan, 1.0)
    if needs_rate.any():
        rep = _attach_rates(ledger, rep, rates, currency, max_rate_age_days)
    elif rates is not None:
        ledger.exclude(
            "exchange_rates",
            rates,
            np.ones(len(rates), dtype=bool),
            "not needed: every fee is in the target currency",
        )
    missing_rate = rep["_rate"].isna() | ~(rep["_rate"] > 0)
    rep = ledger.exclude(
        "reports",
        rep,
        missing_rate,
        f"no exchange rate to {currency} within {max_rate_age_days} days",
        detail=_sample(rep.loc[missing_rate, "currency"]),
    )

    rep["fee_common"] = rep["fee"].to_numpy() / (rep["_rate"].to_numpy() * rep["persons"])
    keys = [*_BASE_KEYS, *by_cols]
    rows = []
    for key, group in rep.groupby(keys, dropna=False, sort=True):
        values = group["fee_common"].to_numpy()
        key_tuple = key if isinstance(key, tuple) else (key,)
        estimates = np.quantile(values, qs, method=cast(Any, quantile_method))
        for q, estimate in zip(qs, estimates, strict=True):
            low, high = quantile_confidence_interval(values, q, level=confidence_level)
            rows.append(
                {
                    **dict(zip(keys, key_tuple, strict=True)),
                    "statistic": _label(q),
                    "value": float(estimate),
                    "ci_lower": low,
                    "ci_upper": high,
                    "n": len(values),
                    "persons": float(group["persons"].sum()),
                }
            )
    cells = pd.DataFrame(
        rows, columns=[*keys, "statistic", "value", "ci_lower", "ci_upper", "n", "persons"]
    )
    cells["flag"] = add_flag(
        pd.Series("", index=cells.index, dtype="object"),
        np.ones(len(cells), dtype=bool),
        "unweighted",
    )
    cells["n"] = cells["n"].astype("int64")
    inputs: dict[str, pd.DataFrame] = {"reports": reports}
    if exchange_rates is not None:
        inputs["exchange_rates"] = exchange_rates
    return make_result(
        "smuggling_fees",
        cells,
        ledger,
        group_columns=[*keys, "statistic"],
        unit=currency,
        options={
            "by": by_cols,
            "currency": currency,
            "quantiles": qs,
            "max_rate_age_days": max_rate_age_days,
            "quantile_method": quantile_method,
            "confidence_level": confidence_level,
        },
        inputs=inputs,
        method=f"quantiles ({quantile_method}) of fee / (persons * rate to {currency}); "
        "order-statistic confidence intervals",
    )


def _attach_rates(
    ledger: RowLedger, rep: pd.DataFrame, rates: pd.DataFrame | None, currency: str, max_age: int
) -> pd.DataFrame:
    """Give each report needing conversion the latest rate on or before its date."""
    if rates is None:
        return rep  # every report needing a rate is excluded by the caller, with its reason
    other_base = rates["base"] != currency
    usable = ledger.exclude(
        "exchange_rates",
        rates,
        other_base,
        f"base currency is not {currency}",
        detail=_sample(rates.loc[other_base, "base"]),
    )
    usable = usable.assign(
        _rate_date=pd.to_datetime(usable["date"], format="%Y-%m-%d", errors="coerce")
    )
    bad = usable["_rate_date"].isna()
    usable = ledger.exclude("exchange_rates", usable, bad, "invalid calendar date")
    usable = usable.assign(_row=np.arange(len(usable)))
    need = rep.loc[rep["currency"] != currency].assign(_order=lambda f: np.arange(len(f)))
    matched = pd.merge_asof(
        need.sort_values("_date"),
        usable[["currency", "_rate_date", "rate", "_row"]].sort_values("_rate_date"),
        left_on="_date",
        right_on="_rate_date",
        by="currency",
        direction="backward",
        tolerance=pd.Timedelta(days=max_age),
    ).sort_values("_order")
    rep.loc[rep["currency"] != currency, "_rate"] = matched["rate"].to_numpy()
    used_rows = set(matched["_row"].dropna().astype(int))
    ledger.exclude(
        "exchange_rates", usable, ~usable["_row"].isin(used_rows), "not matched to any report"
    )
    return rep


def _label(q: float) -> str:
    pct = q * 100
    return f"P{pct:g}" if not float(pct).is_integer() else f"P{int(pct)}"


def _check_by(by: Sequence[str] | None) -> list[str]:
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    bad = [c for c in by_cols if c not in _ALLOWED_BY]
    if bad:
        raise OptionError(
            f"smuggling_fees cannot be disaggregated by {bad}; "
            f"allowed: {list(_ALLOWED_BY)} (route, means of transport and year "
            "are always used)"
        )
    return by_cols


def _sample(values: pd.Series, limit: int = 5) -> str:
    return ", ".join(sorted(values.astype(str).unique())[:limit])
