"""Summary indices of a migration flow matrix: intensity, impact, connectivity, distance.

Pure numpy functions. Every function takes an n × n flow matrix ``m`` [person] with origins in
rows and destinations in columns (the diagonal is ignored) and, where needed, the population at
risk of each region [person]. Notation (Bell et al. 2002): :math:`M = \\sum_{i \\ne j} M_{ij}`,
:math:`O_i = \\sum_j M_{ij}`, :math:`D_i = \\sum_j M_{ji}`, :math:`N_i = D_i - O_i`,
:math:`T_i = D_i + O_i`, :math:`P = \\sum_i P_i`. A zero denominator gives NaN, never inf.

References
----------
Bell, M., Blake, M., Boyle, P., Duke-Williams, O., Rees, P., Stillwell, J. and Hugo, G.
(2002). Cross-national comparison of internal migration: issues and measures. *Journal of the
Royal Statistical Society A* 165(3), 435–464. doi:10.1111/1467-985X.00247.
Abel, G. J., R package ``migest`` (``index_intensity``, ``index_impact``,
``index_connectivity``, ``index_distance``).
Courgeau, D. (1973). Migrations et découpages du territoire. *Population* 28(3), 511–537;
Courgeau, D. (1973). Migrants et migrations. *Population* 28(1), 95–129 (cited by migest).
"""

from __future__ import annotations

import numpy as np

from migindicators.core.errors import OptionError
from migindicators.flows.gini import off_diagonal

__all__ = [
    "INEQUALITY_EXPECTED",
    "aggregate_net_migration_rate",
    "connectivity",
    "courgeau_k",
    "crude_migration_intensity",
    "effectiveness",
    "expected_independence",
    "inequality",
    "mean_distance",
    "net_migration_rate",
    "regional_effectiveness",
    "zero_diagonal",
]

#: Values of the ``expected`` option of :func:`inequality`.
INEQUALITY_EXPECTED = ("equal", "independence")


def zero_diagonal(m: np.ndarray) -> np.ndarray:
    """A float copy of *m* with its diagonal set to zero."""
    a = np.array(m, dtype="float64")
    np.fill_diagonal(a, 0.0)
    return a


def _div(num: np.ndarray | float, den: np.ndarray | float) -> np.ndarray:
    num_a = np.asarray(num, dtype="float64")
    den_a = np.asarray(den, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out: np.ndarray = np.where(den_a > 0, num_a / np.where(den_a > 0, den_a, 1.0), np.nan)
    return out


def crude_migration_intensity(m: np.ndarray, population: np.ndarray) -> float:
    """Crude migration intensity (crude migration probability), per 100.

    .. math:: CMI = 100 \\, M / P

    Parameters
    ----------
    m : numpy.ndarray
        n × n flows [person].
    population : numpy.ndarray
        Population at risk of each region [person]; NaN anywhere gives NaN.

    Returns
    -------
    float
        [percent].

    References
    ----------
    Bell et al. (2002), §4.1; migest ``index_intensity`` (``cmp``).
    """
    p = float(np.sum(population))
    return float(100.0 * _div(zero_diagonal(m).sum(), p))


def courgeau_k(m: np.ndarray, population: np.ndarray) -> float:
    """Courgeau's k: the crude intensity scaled by the number of regions.

    .. math:: k = CMI / \\ln(n^2)

    References
    ----------
    Courgeau (1973); Bell et al. (2002); migest ``index_intensity`` (``courgeau_k``).
    """
    n = np.asarray(m).shape[0]
    if n < 2:
        return float("nan")
    return crude_migration_intensity(m, population) / float(np.log(n**2))


def net_migration_rate(m: np.ndarray, population: np.ndarray, *, per: float = 1000.0) -> np.ndarray:
    """Crude net migration rate of each region.

    .. math:: NMR_i = \\text{per} \\cdot (D_i - O_i) / P_i

    Returns
    -------
    numpy.ndarray
        Net migrants per *per* population [per 1000 by default].

    References
    ----------
    United Nations (1970), *Methods of measuring internal migration*, Manual VI, ST/SOA/Ser.A/47.
    """
    a = zero_diagonal(m)
    return per * _div(a.sum(axis=0) - a.sum(axis=1), np.asarray(population, dtype="float64"))


def effectiveness(m: np.ndarray) -> float:
    """Migration effectiveness index (MEI) of the system.

    .. math:: MEI = 100 \\, \\sum_i |N_i| / \\sum_i T_i

    Returns
    -------
    float
        0 (flows balanced in every region) to 100 (all one-way) [percent].

    References
    ----------
    Bell et al. (2002), §4.3; migest ``index_impact``; migration.indices
    ``migration.effectiveness``.
    """
    a = zero_diagonal(m)
    net = a.sum(axis=0) - a.sum(axis=1)
    turnover = a.sum(axis=0) + a.sum(axis=1)
    return float(100.0 * _div(np.abs(net).sum(), turnover.sum()))


def regional_effectiveness(m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Regional migration effectiveness :math:`100 N_i / T_i`, with N and T.

    Returns
    -------
    (mei, net, turnover) : tuple of numpy.ndarray
        MEI_i [percent] (−100 to 100; NaN when T_i = 0), N_i and T_i [person].
    """
    a = zero_diagonal(m)
    net = a.sum(axis=0) - a.sum(axis=1)
    turnover = a.sum(axis=0) + a.sum(axis=1)
    return 100.0 * _div(net, turnover), net, turnover


def aggregate_net_migration_rate(m: np.ndarray, population: np.ndarray) -> float:
    """Aggregate net migration rate (ANMR), per 100.

    .. math:: ANMR = 100 \\cdot \\tfrac12 \\sum_i |N_i| / P = CMI \\cdot MEI / 100

    References
    ----------
    Bell et al. (2002), §4.3; migest ``index_impact`` (``anmr``).
    """
    a = zero_diagonal(m)
    net = a.sum(axis=0) - a.sum(axis=1)
    return float(100.0 * _div(0.5 * np.abs(net).sum(), float(np.sum(population))))


def connectivity(m: np.ndarray) -> float:
    """Migration connectivity: the share of the n(n − 1) flows that are non-zero.

    .. math:: I_{MC} = \\#\\{i \\ne j : M_{ij} > 0\\} / (n(n-1))

    References
    ----------
    Bell et al. (2002), §4.4; migration.indices ``migration.connectivity``.
    """
    x = off_diagonal(m)
    if x.size == 0:
        return float("nan")
    return float((x > 0).sum() / x.size)


def expected_independence(
    m: np.ndarray, *, tol: float = 1e-12, max_iter: int = 10_000
) -> np.ndarray:
    """Expected flows of the quasi-independence model ``flow ~ origin + destination``.

    The Poisson maximum-likelihood fit of the log-linear model with origin and destination
    main effects over the off-diagonal cells (the diagonal a structural zero) reproduces the
    observed row and column totals; iterative proportional fitting from a matrix of ones with
    a zero diagonal converges to it (Bishop, Fienberg and Holland 1975, ch. 5).

    Returns
    -------
    numpy.ndarray
        n × n expected flows with a zero diagonal.

    References
    ----------
    Bishop, Y. M. M., Fienberg, S. E. and Holland, P. W. (1975). *Discrete Multivariate
    Analysis*. MIT Press. migest ``index_connectivity`` fits the same model with
    ``glm(round(flow) ~ orig + dest, family = poisson)`` (identical for integer flows).
    """
    a = zero_diagonal(m)
    n = a.shape[0]
    rows, cols = a.sum(axis=1), a.sum(axis=0)
    fit = np.ones((n, n)) - np.eye(n)
    for _ in range(max_iter):
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(fit.sum(axis=1) > 0, rows / fit.sum(axis=1), 0.0)
        fit = fit * r[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = np.where(fit.sum(axis=0) > 0, cols / fit.sum(axis=0), 0.0)
        fit = fit * c[None, :]
        if np.abs(fit.sum(axis=1) - rows).max(initial=0.0) <= tol * max(float(rows.sum()), 1.0):
            break
    return fit


def inequality(m: np.ndarray, *, expected: str = "equal") -> float:
    """Migration inequality index: distance between observed and expected flow distributions.

    .. math:: I_{MI} = \\tfrac12 \\sum_{i \\ne j} |M_{ij}/M - E_{ij}/E|

    with :math:`E_{ij}` equal flows (``expected="equal"``, migest ``inequality_equal``) or the
    quasi-independence fit of :func:`expected_independence` (``"independence"``, migest
    ``inequality_sim``).

    Returns
    -------
    float
        0 (observed = expected) to below 1 [dimensionless].

    References
    ----------
    Bell et al. (2002), §4.4; migest ``index_connectivity``.
    """
    if expected not in INEQUALITY_EXPECTED:
        raise OptionError(f"expected={expected!r}: use one of {list(INEQUALITY_EXPECTED)}")
    x = off_diagonal(m).ravel()
    total = x.sum()
    if not total > 0:
        return float("nan")
    if expected == "equal":
        e = np.full(x.size, 1.0 / x.size)
    else:
        fit = off_diagonal(expected_independence(m)).ravel()
        e = fit / fit.sum()
    return float(0.5 * np.abs(x / total - e).sum())


def mean_distance(m: np.ndarray, distance: np.ndarray) -> float:
    """Flow-weighted mean migration distance.

    .. math:: \\bar d = \\sum_{i \\ne j} M_{ij} d_{ij} / \\sum_{i \\ne j} M_{ij}

    Parameters
    ----------
    m : numpy.ndarray
        n × n flows [person].
    distance : numpy.ndarray
        n × n distances [kilometer or any length unit]; a missing distance where the flow is
        positive gives NaN.

    References
    ----------
    Bell et al. (2002), §4.5; migest ``index_distance`` (``mean``).
    """
    a = off_diagonal(m).ravel()
    d = off_diagonal(distance).ravel()
    used = a > 0
    if np.isnan(d[used]).any():
        return float("nan")
    return float(_div((a[used] * d[used]).sum(), a.sum()))
