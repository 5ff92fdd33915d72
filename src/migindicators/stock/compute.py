"""Pure compute functions of the international migrant stock indicators (UN DESA definitions).

Plain arrays in, arrays out; zero or missing denominators give NaN, never inf. The
indicator functions of :mod:`migindicators.stock.indicators` call these on tabulated census totals;
other packages can call them directly on published tables.

References
----------
United Nations, Department of Economic and Social Affairs, Population Division (2020).
*International Migrant Stock 2020*, POP/DB/MIG/Stock/Rev.2020, notes and definitions.
United Nations (1998). *Recommendations on Statistics of International Migration, Revision 1*,
Statistical Papers Series M No. 58/Rev.1.
Preston, S. H., Heuveline, P. and Guillot, M. (2001). *Demography: Measuring and Modeling
Population Processes*, Blackwell, §1.5 (growth rates).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.errors import OptionError

__all__ = [
    "GROWTH_METHODS",
    "female_share_values",
    "growth_rate_values",
    "median_age_from_groups",
    "migrant_share_values",
    "sex_ratio_values",
]

GROWTH_METHODS = ("exponential", "geometric", "linear")


def _ratio(num: np.ndarray, den: np.ndarray, scale: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, scale * num / np.where(den > 0, den, 1.0), np.nan)


def migrant_share_values(
    migrants: np.ndarray | pd.Series, population: np.ndarray | pd.Series
) -> np.ndarray:
    """International migrants as a percentage of the total population.

    .. math:: 100 \\cdot M / P

    Parameters
    ----------
    migrants : array-like
        International migrant stock M [person].
    population : array-like
        Total population P, migrants included [person].

    Returns
    -------
    numpy.ndarray
        Percentage [percent]; NaN where P is zero or missing.

    References
    ----------
    UN DESA, *International Migrant Stock 2020*, Table 3.

    Examples
    --------
    >>> migrant_share_values(np.array([280_598_105.0]), np.array([7_794_798_729.0]))
    array([3.59981206])
    """
    m = np.asarray(migrants, dtype="float64")
    p = np.asarray(population, dtype="float64")
    return _ratio(m, p, 100.0)


def female_share_values(
    female_migrants: np.ndarray | pd.Series, migrants: np.ndarray | pd.Series
) -> np.ndarray:
    """Female migrants as a percentage of the international migrant stock.

    .. math:: 100 \\cdot M_F / M

    Parameters
    ----------
    female_migrants : array-like
        Female international migrants M_F [person].
    migrants : array-like
        International migrants of both sexes M [person].

    Returns
    -------
    numpy.ndarray
        Percentage [percent]; NaN where M is zero.

    References
    ----------
    UN DESA, *International Migrant Stock 2020*, Table 4.

    Examples
    --------
    >>> female_share_values(np.array([117_584_801.0]), np.array([243_700_236.0])).round(4)
    array([48.2498])
    """
    return _ratio(np.asarray(female_migrants, float), np.asarray(migrants, float), 100.0)


def sex_ratio_values(
    male_migrants: np.ndarray | pd.Series, female_migrants: np.ndarray | pd.Series
) -> np.ndarray:
    """Sex ratio of the migrant stock: male migrants per 100 female migrants.

    .. math:: 100 \\cdot M_M / M_F

    Parameters
    ----------
    male_migrants, female_migrants : array-like
        Male and female international migrants [person].

    Returns
    -------
    numpy.ndarray
        Males per 100 females [dimensionless × 100]; NaN where M_F is zero.

    References
    ----------
    UN DESA, *International Migrant Stock 2020* (sex ratio derived from Table 1).

    Examples
    --------
    >>> sex_ratio_values(np.array([126_115_435.0]), np.array([117_584_801.0])).round(3)
    array([107.255])
    """
    return _ratio(np.asarray(male_migrants, float), np.asarray(female_migrants, float), 100.0)


def growth_rate_values(
    stock_start: np.ndarray | pd.Series | float,
    stock_end: np.ndarray | pd.Series | float,
    years: np.ndarray | pd.Series | float,
    method: str = "exponential",
) -> np.ndarray:
    """Annual rate of change of the migrant stock between two dates, in percent.

    .. math::
        r_{exp} = 100 \\, \\frac{\\ln(M_2/M_1)}{t_2 - t_1}, \\quad
        r_{geo} = 100 \\left[(M_2/M_1)^{1/(t_2-t_1)} - 1\\right], \\quad
        r_{lin} = 100 \\, \\frac{M_2 - M_1}{M_1 (t_2 - t_1)}

    UN DESA's Table 5 uses the exponential form: recomputing every cell of the 2020 edition
    from its Table 1 reproduces it (methodology.md §3).

    Parameters
    ----------
    stock_start, stock_end : array-like
        Migrant stock at the first and second date, M_1 and M_2 [person].
    years : array-like
        Length of the period t_2 − t_1 [year].
    method : {"exponential", "geometric", "linear"}
        Growth model.

    Returns
    -------
    numpy.ndarray
        Percent per year [percent]; NaN when M_1 ≤ 0, when M_2 ≤ 0 for the exponential and
        geometric forms (the log of zero is undefined), or when t_2 − t_1 ≤ 0.

    References
    ----------
    UN DESA, *International Migrant Stock 2020*, Table 5; Preston, Heuveline and Guillot
    (2001), §1.5.

    Examples
    --------
    >>> growth_rate_values(221_714_243.0, 243_700_236.0, 5).round(4)
    array([1.891])
    """
    if method not in GROWTH_METHODS:
        raise OptionError(f"method must be one of {GROWTH_METHODS}, got {method!r}")
    m1 = np.atleast_1d(np.asarray(stock_start, dtype="float64"))
    m2 = np.atleast_1d(np.asarray(stock_end, dtype="float64"))
    t = np.atleast_1d(np.asarray(years, dtype="float64"))
    m1, m2, t = np.broadcast_arrays(m1, m2, t)
    ok = (m1 > 0) & (t > 0)
    if method != "linear":
        ok &= m2 > 0
    safe1 = np.where(ok, m1, 1.0)
    safe2 = np.where(ok, m2, 1.0)
    safet = np.where(ok, t, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method == "exponential":
            r = 100.0 * np.log(safe2 / safe1) / safet
        elif method == "geometric":
            r = 100.0 * ((safe2 / safe1) ** (1.0 / safet) - 1.0)
        else:
            r = 100.0 * (safe2 - safe1) / (safe1 * safet)
    return np.where(ok, r, np.nan)


def median_age_from_groups(
    lower: np.ndarray | Sequence[float],
    width: np.ndarray | Sequence[float],
    counts: np.ndarray | Sequence[float],
) -> float:
    """Median age from counts by age interval, by linear interpolation in the median interval.

    .. math:: \\tilde a = L_k + \\frac{N/2 - C_{k-1}}{n_k} \\, h_k

    where k is the first interval whose cumulative count C_k reaches N/2, L_k its lower
    bound, h_k its width and n_k its count. With single years of age (h = 1, ages in
    completed years read as the interval [a, a + 1)), this is the standard demographic
    median age computed exactly from the single-year distribution; with 5-year groups it is
    the interpolated median DESA uses.

    Parameters
    ----------
    lower : array-like
        Lower bound of each interval [year], ascending.
    width : array-like
        Width of each interval [year]; ``inf`` for an open last interval (``75+``).
    counts : array-like
        Persons (weighted) in each interval [person].

    Returns
    -------
    float
        Median age [year]; NaN when the total is zero or the median falls in an open
        interval.

    References
    ----------
    Shryock, H. S. and Siegel, J. S. (1976). *The Methods and Materials of Demography*,
    Academic Press, ch. 7 (median of grouped data).

    Examples
    --------
    >>> median_age_from_groups([0, 5, 10], [5, 5, 5], [10, 20, 10])
    7.5
    """
    lo = np.asarray(lower, dtype="float64")
    h = np.asarray(width, dtype="float64")
    n = np.nan_to_num(np.asarray(counts, dtype="float64"))
    order = np.argsort(lo, kind="stable")
    lo, h, n = lo[order], h[order], n[order]
    total = n.sum()
    if not total > 0:
        return float("nan")
    cum = np.cumsum(n)
    k = int(np.searchsorted(cum, total / 2.0, side="left"))
    k = min(k, len(n) - 1)
    while k < len(n) - 1 and n[k] == 0:
        k += 1
    if not np.isfinite(h[k]) or n[k] == 0:
        return float("nan")
    before = cum[k - 1] if k > 0 else 0.0
    return float(lo[k] + (total / 2.0 - before) / n[k] * h[k])
