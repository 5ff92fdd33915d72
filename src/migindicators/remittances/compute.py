"""Remittance-cost formulas (SDG 10.c.1): pure functions on arrays, no frames, no metadata.

The indicator functions built on them are in :mod:`migindicators.remittances.costs`
(per-service cost, averages, weighted average, corridors above target, change over time)
and :mod:`migindicators.remittances.smart` (SmaRT).

References
----------
World Bank, SDG indicator metadata 10.c.1, https://unstats.un.org/sdgs/metadata/files/Metadata-10-0c-01.pdf.
World Bank, Remittance Prices Worldwide methodology, https://remittanceprices.worldbank.org.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "fee_percent",
    "fx_margin_percent",
    "mean_of_cheapest",
    "total_cost_money",
    "total_cost_percent",
]

ArrayLike = pd.Series | npt.NDArray[np.float64] | list[float] | float


def _f64(values: ArrayLike) -> npt.NDArray[np.float64]:
    return np.asarray(values, dtype="float64")


def fx_margin_percent(
    interbank_rate: ArrayLike, applied_rate: ArrayLike
) -> npt.NDArray[np.float64]:
    """Exchange-rate margin of a service, percent of the amount sent.

    .. math:: m = 100 \\, (X_{interbank} - X_{applied}) / X_{interbank}

    with X the receive-currency units per unit of send currency. A margin below zero (the
    service's rate better than interbank at collection time) is returned as is, never
    clipped. A zero or missing interbank rate gives NaN.

    Parameters
    ----------
    interbank_rate : array-like
        Interbank rate at collection time [receive currency / send currency].
    applied_rate : array-like
        Rate the service applies, same quotation [receive currency / send currency].

    Returns
    -------
    numpy.ndarray
        FX margin [percent].

    References
    ----------
    World Bank, SDG metadata 10.c.1 ("the margin by which the exchange rate charged to the
    end user is above the current interbank exchange rate").

    Examples
    --------
    >>> fx_margin_percent(100.0, 98.0)
    array(2.)
    """
    x_ib, x = _f64(interbank_rate), _f64(applied_rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x_ib > 0, 100.0 * (x_ib - x) / x_ib, np.nan)


def fee_percent(fee: ArrayLike, amount: ArrayLike) -> npt.NDArray[np.float64]:
    """Fee as a percentage of the amount sent: :math:`f = 100 \\, F / A`.

    Parameters
    ----------
    fee : array-like
        Fee charged to the sender [send currency].
    amount : array-like
        Amount sent [send currency]; zero or missing gives NaN.

    Returns
    -------
    numpy.ndarray
        Fee [percent].

    References
    ----------
    World Bank, SDG metadata 10.c.1.

    Examples
    --------
    >>> fee_percent(5.0, 200.0)
    array(2.5)
    """
    f, a = _f64(fee), _f64(amount)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(a > 0, 100.0 * f / a, np.nan)


def total_cost_percent(
    fee: ArrayLike, amount: ArrayLike, interbank_rate: ArrayLike, applied_rate: ArrayLike
) -> npt.NDArray[np.float64]:
    """Total cost of sending *amount*: fee plus FX margin, percent of the amount sent.

    .. math:: TC = 100 \\, F / A + 100 \\, (X_{interbank} - X_{applied}) / X_{interbank}

    Parameters
    ----------
    fee : array-like
        Fee [send currency].
    amount : array-like
        Amount sent [send currency].
    interbank_rate, applied_rate : array-like
        Rates [receive currency / send currency].

    Returns
    -------
    numpy.ndarray
        Total cost [percent].

    References
    ----------
    World Bank, SDG metadata 10.c.1.

    Examples
    --------
    >>> total_cost_percent([5.0, 10.0], 200.0, 100.0, 98.0)
    array([4.5, 7. ])
    """
    return fee_percent(fee, amount) + fx_margin_percent(interbank_rate, applied_rate)


def total_cost_money(
    fee: ArrayLike, amount: ArrayLike, margin_percent: ArrayLike
) -> npt.NDArray[np.float64]:
    """Total cost in money: :math:`F + A \\, m / 100`, in the send currency.

    Parameters
    ----------
    fee : array-like
        Fee [send currency].
    amount : array-like
        Amount sent [send currency].
    margin_percent : array-like
        FX margin [percent].

    Returns
    -------
    numpy.ndarray
        Total cost [send currency].

    References
    ----------
    World Bank, SDG metadata 10.c.1.

    Examples
    --------
    >>> total_cost_money([5.0, 10.0], 200.0, 2.0)
    array([ 9., 14.])
    """
    return _f64(fee) + _f64(amount) * _f64(margin_percent) / 100.0


def mean_of_cheapest(costs: ArrayLike, k: int = 3, *, fewer: str = "mean_available") -> float:
    """Mean of the *k* lowest costs (the SmaRT rule for one corridor).

    Parameters
    ----------
    costs : array-like
        Total costs of the eligible services of one corridor [percent]; NaN are ignored.
    k : int
        How many of the cheapest services to average (3 for SmaRT).
    fewer : {"mean_available", "undefined"}
        With fewer than *k* costs: their mean, or NaN.

    Returns
    -------
    float
        The mean [percent]; NaN when there is no cost.

    References
    ----------
    World Bank, "Getting SmaRT about remittance price monitoring", June 2016,
    https://remittanceprices.worldbank.org/sites/default/files/smart_methodology.pdf.

    Examples
    --------
    >>> mean_of_cheapest([4.5, 6.0, 9.0, 3.0])
    4.5
    """
    values = _f64(costs).ravel()
    values = np.sort(values[~np.isnan(values)])
    if values.size == 0 or (values.size < k and fewer == "undefined"):
        return float("nan")
    return float(values[:k].mean())
