"""Migration flows from two bilateral stock tables: differencing, rates and demographic accounting.

Plain numpy: the estimators take arrays in a fixed region order and return arrays; the
indicator functions of :mod:`migindicators.flows.estimators` check the inputs, build the
arrays and wrap the results. A *stock table* ``S`` is place of birth (rows) × place of
residence (columns), in persons, with the native-born on the diagonal; a *flow matrix* is
origin (rows) × destination (columns).

Three families of estimators (compared in Abel and Cohen 2019):

* :func:`stock_difference` — the increase of the stock born in *i* living in *j* is read as
  a flow from *i* to *j*; decreases are dropped (Bertoli and Fernández-Huertas Moraga 2015)
  or read as return flows from *j* to *i* (Beine and Parsons 2015).
* :func:`stock_rates` — flows from rates: a given total number of migrants shared in
  proportion to the bilateral stocks (Dennett 2016), or flows implied by the transition
  matrix that carries one stock table into the other (Rogers and von Rabenau 1971).
* :func:`migindicators.flows.accounting.demographic_account` — the flows by place of birth
  that are consistent with both stock tables and with births and deaths in between (Abel
  2013; Abel and Sander 2014; Abel 2018; Azose and Raftery 2019 for the independence
  variant), in its own module.

References
----------
Abel, G. J. (2013). Estimating global migration flow tables using place of birth data.
*Demographic Research* 28(18), 505–546. doi:10.4054/DemRes.2013.28.18.
Abel, G. J. and Sander, N. (2014). Quantifying global international migration flows.
*Science* 343(6178), 1520–1522. doi:10.1126/science.1248676.
Abel, G. J. (2018). Estimates of global bilateral migration flows by gender between 1960 and
2015. *International Migration Review* 52(3), 809–852. doi:10.1111/imre.12327.
Abel, G. J. and Cohen, J. E. (2019). Bilateral international migration flow estimates for
200 countries. *Scientific Data* 6, 82. doi:10.1038/s41597-019-0089-3.
Azose, J. J. and Raftery, A. E. (2019). Estimation of emigration, return migration, and
transit migration between all pairs of countries. *PNAS* 116(1), 116–122.
doi:10.1073/pnas.1722334116.
Beine, M. and Parsons, C. (2015). Climatic factors as determinants of international
migration. *Scandinavian Journal of Economics* 117(2), 723–767.
Bertoli, S. and Fernández-Huertas Moraga, J. (2015). The size of the cliff at the border.
*Regional Science and Urban Economics* 51, 1–6.
Dennett, A. (2016). Estimating an annual time series of global migration flows — an
alternative methodology for using migrant stock data. In *Global Dynamics*, Wiley, 125–142.
Rogers, A. and von Rabenau, B. (1971). Estimation of interregional migration streams from
place-of-birth-by-residence data. *Demography* 8(2), 185–194.
"""

from __future__ import annotations

import numpy as np

from migindicators.core.errors import EstimationError, OptionError

__all__ = ["DECREASES", "RATE_METHODS", "choice", "off_diagonal", "stock_difference", "stock_rates"]

DECREASES = ("zero", "return")
RATE_METHODS = ("dennett", "rogers_von_rabenau")


def choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    """Raise :class:`OptionError` unless *value* is one of *allowed*."""
    if value not in allowed:
        raise OptionError(f"{name}={value!r}: use one of {list(allowed)}")


def off_diagonal(matrix: np.ndarray) -> np.ndarray:
    """A float copy of *matrix* with a zero diagonal."""
    out = np.array(matrix, dtype="float64", copy=True)
    np.fill_diagonal(out, 0.0)
    return out


def stock_difference(
    stock_start: np.ndarray, stock_end: np.ndarray, *, decrease: str = "zero"
) -> np.ndarray:
    """Flows from the change of each foreign-born stock between two dates.

    With :math:`\\Delta_{ij} = S^{t+1}_{ij} - S^{t}_{ij}` over the foreign-born cells
    (:math:`i \\ne j`; the native-born diagonal is not used),

    .. math::

        F_{ij} = \\max(\\Delta_{ij}, 0) \\quad (\\texttt{decrease="zero"}), \\qquad
        F_{ij} = \\max(\\Delta_{ij}, 0) + \\max(-\\Delta_{ji}, 0)
        \\quad (\\texttt{decrease="return"})

    i.e. a growing stock of persons born in *i* living in *j* is a flow *i* → *j*; a
    shrinking one is ignored (Bertoli and Fernández-Huertas Moraga 2015) or read as a
    return flow *j* → *i* (Beine and Parsons 2015).

    Parameters
    ----------
    stock_start, stock_end : numpy.ndarray
        n × n stock tables [person], place of birth in rows, residence in columns.
    decrease : {"zero", "return"}
        What a decrease of a stock means.

    Returns
    -------
    numpy.ndarray
        n × n flows [person], origin in rows, destination in columns, zero diagonal.

    References
    ----------
    Abel and Cohen (2019), methods "stock differencing"; migest ``ffs_diff``.
    """
    choice("decrease", decrease, DECREASES)
    delta = off_diagonal(stock_end) - off_diagonal(stock_start)
    flows: np.ndarray = np.maximum(delta, 0.0)
    if decrease == "return":
        flows = flows + np.maximum(-delta, 0.0).T
    return flows


def stock_rates(
    stock_start: np.ndarray,
    stock_end: np.ndarray | None = None,
    *,
    method: str = "dennett",
    total: float | None = None,
) -> np.ndarray:
    """Flows from migration rates implied by stock tables.

    ``method="dennett"`` shares a given total of migrants *M* over the corridors in
    proportion to the foreign-born stocks at the start (Dennett 2016):

    .. math:: F_{ij} = M \\, S^t_{ij} / \\textstyle\\sum_{k \\ne l} S^t_{kl}, \\quad i \\ne j

    ``method="rogers_von_rabenau"`` takes the transition matrix
    :math:`G = (S^t)^{-1} S^{t+1}` that carries the start table into the end table, and
    applies it to the population of each region at the start,
    :math:`F_{ij} = G_{ij} \\sum_b S^t_{bi}` for :math:`i \\ne j` (Rogers and von Rabenau
    1971). Nothing constrains *G* to be non-negative: flows can be negative, and are
    returned as computed.

    Parameters
    ----------
    stock_start : numpy.ndarray
        n × n start stock table [person] (birth × residence).
    stock_end : numpy.ndarray, optional
        n × n end stock table; required by ``"rogers_von_rabenau"``.
    method : {"dennett", "rogers_von_rabenau"}
    total : float, optional
        The total migration count *M* [person]; required by ``"dennett"``.

    Returns
    -------
    numpy.ndarray
        n × n flows [person], origin × destination, zero diagonal.

    Raises
    ------
    EstimationError
        If the start stock table is singular (``"rogers_von_rabenau"``) or holds no
        foreign-born (``"dennett"``).

    References
    ----------
    Dennett (2016); Rogers and von Rabenau (1971); migest ``ffs_rates``.
    """
    choice("method", method, RATE_METHODS)
    start = np.asarray(stock_start, dtype="float64")
    if method == "dennett":
        if total is None:
            raise OptionError("method='dennett' needs total= (the number of migrants to share out)")
        foreign = off_diagonal(start)
        mass = float(foreign.sum())
        if mass <= 0:
            raise EstimationError(
                "method='dennett': the start stock table has no foreign-born (all cells off "
                "the diagonal are zero), so there is nothing to share the total over"
            )
        return float(total) * foreign / mass
    if stock_end is None:
        raise OptionError("method='rogers_von_rabenau' needs the end stock table")
    try:
        transition = np.linalg.solve(start, np.asarray(stock_end, dtype="float64"))
    except np.linalg.LinAlgError:
        raise EstimationError(
            "method='rogers_von_rabenau': the start stock table is singular (e.g. a region "
            "with no population, or two proportional rows), so no transition matrix carries "
            "it into the end table; use method='dennett' or the demographic account"
        ) from None
    population = start.sum(axis=0)
    return off_diagonal(transition * population[:, None])
