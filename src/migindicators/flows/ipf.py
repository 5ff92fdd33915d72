"""Iterative proportional fitting (IPF) of two-way tables to row and column totals.

Plain numpy, no pandas: the kernels that the flow estimators
(:mod:`migindicators.flows.accounting`, :mod:`migindicators.flows.net_totals`) share.
A batch of independent tables (one per place of birth in the demographic-accounting
estimator) is fitted at once along the leading axis, so a 200 × 200 × 200 problem costs a
few array passes per cycle rather than 200 Python loops.

IPF (Deming and Stephan 1940) alternately rescales the rows and the columns of a seed table
until both sets of totals are met. Its limit is the table closest to the seed in the
Kullback–Leibler sense among those with the given totals and the seed's zero pattern
(Bishop, Fienberg and Holland 1975, ch. 3); with a seed of ones on an allowed set of cells
it is the (quasi-)independence fit ``x_ij = a_i b_j``. The limit exists exactly when some
table with the seed's zeros meets the totals; otherwise the cycles never meet the totals
and :func:`ipf2` says so instead of returning a table that does not fit.

References
----------
Deming, W. E. and Stephan, F. F. (1940). On a least squares adjustment of a sampled
frequency table when the expected marginal totals are known. *Annals of Mathematical
Statistics* 11(4), 427–444.
Bishop, Y. M. M., Fienberg, S. E. and Holland, P. W. (1975). *Discrete Multivariate Analysis:
Theory and Practice*. MIT Press, ch. 3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["IpfFit", "ScalingFit", "ipf2", "ipf2_shared_seed", "scale_rows"]


@dataclass(frozen=True)
class IpfFit:
    """The outcome of :func:`ipf2`.

    Attributes
    ----------
    table : numpy.ndarray
        The fitted table(s), same shape as the seed.
    converged : bool
        Whether every row and column total is met within the tolerance.
    iterations : int
        Row-and-column cycles run.
    max_margin_error : float
        Largest absolute difference between a fitted and a target total.
    """

    table: np.ndarray
    converged: bool
    iterations: int
    max_margin_error: float


def _ratio(target: np.ndarray, current: np.ndarray) -> np.ndarray:
    # 0/0 -> 0 (an empty row with a zero target stays empty); t/0 -> 0 as well, the
    # unmet target then shows in the margin error and the fit is reported as not converged.
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(current > 0, target / np.where(current > 0, current, 1.0), 0.0)
    return out


def ipf2(
    seed: np.ndarray,
    row_totals: np.ndarray,
    col_totals: np.ndarray,
    *,
    tol: float = 1e-9,
    max_iter: int = 10_000,
) -> IpfFit:
    """Fit a two-way table (or a batch of them) to row and column totals.

    Parameters
    ----------
    seed : numpy.ndarray
        Non-negative seed, shape ``(n, m)`` or ``(k, n, m)`` for a batch of *k* tables.
    row_totals : numpy.ndarray
        Target row totals, shape ``(n,)`` or ``(k, n)``.
    col_totals : numpy.ndarray
        Target column totals, shape ``(m,)`` or ``(k, m)``. Each table's row and column
        targets must have the same sum.
    tol : float
        Convergence: the largest absolute margin error, relative to the largest target
        total (at least 1), must fall below *tol*.
    max_iter : int
        Most row-and-column cycles.

    Returns
    -------
    IpfFit
        The fitted table(s) and the convergence diagnostics.
    """
    x = np.array(seed, dtype="float64", copy=True)
    rows = np.asarray(row_totals, dtype="float64")
    cols = np.asarray(col_totals, dtype="float64")
    scale = max(1.0, float(np.max(np.abs(rows), initial=0.0)), float(np.max(cols, initial=0.0)))
    error = np.inf
    iterations = 0
    while iterations < max_iter:
        x *= _ratio(rows, x.sum(axis=-1))[..., :, None]
        x *= _ratio(cols, x.sum(axis=-2))[..., None, :]
        iterations += 1
        # after the column step the columns are met exactly where they can be: the rows
        # measure the distance to the fixed point
        error = max(
            float(np.max(np.abs(x.sum(axis=-1) - rows), initial=0.0)),
            float(np.max(np.abs(x.sum(axis=-2) - cols), initial=0.0)),
        )
        if error <= tol * scale:
            break
    return IpfFit(x, bool(error <= tol * scale), iterations, error)


def scale_rows(table: np.ndarray, row_totals: np.ndarray) -> np.ndarray:
    """Rescale each row of *table* to its target total (one-margin IPF, a closed form).

    A row whose table entries are all zero stays zero whatever its target; callers check
    that case themselves, since what to do about it depends on the method.
    """
    x = np.asarray(table, dtype="float64")
    out: np.ndarray = x * _ratio(np.asarray(row_totals, dtype="float64"), x.sum(axis=-1))[..., None]
    return out


@dataclass(frozen=True)
class ScalingFit:
    """The outcome of :func:`ipf2_shared_seed`: table *b* is ``row[b, :, None] * seed *
    col[b, None, :]``.

    Attributes
    ----------
    row, col : numpy.ndarray
        Row and column scaling factors, shape ``(k, n)`` and ``(k, m)``.
    converged, iterations, max_margin_error
        As :class:`IpfFit`.
    """

    row: np.ndarray
    col: np.ndarray
    converged: bool
    iterations: int
    max_margin_error: float

    def tables(self, seed: np.ndarray) -> np.ndarray:
        """The fitted tables, shape ``(k, n, m)``."""
        out: np.ndarray = self.row[:, :, None] * seed[None, :, :] * self.col[:, None, :]
        return out


def ipf2_shared_seed(
    seed: np.ndarray,
    row_totals: np.ndarray,
    col_totals: np.ndarray,
    *,
    tol: float = 1e-9,
    max_iter: int = 100_000,
) -> ScalingFit:
    """IPF of *k* tables that share one seed, in scaling-factor form.

    IPF only ever multiplies rows and columns, so table *b* stays
    ``x_b = diag(r_b) · seed · diag(c_b)`` (Sinkhorn's form of the same iteration): a row
    step is ``r_b = R_b / (seed · c_b)`` and a column step ``c_b = C_b / (seedᵀ · r_b)``,
    two ``(k × n) · (n × m)`` products per cycle for all the tables at once instead of
    passes over ``k × n × m`` cells. The iterates, the limit and the convergence rule are
    those of :func:`ipf2`.

    Parameters
    ----------
    seed : numpy.ndarray
        Non-negative ``(n, m)`` seed shared by every table.
    row_totals, col_totals : numpy.ndarray
        Shapes ``(k, n)`` and ``(k, m)``; each table's two sets of totals have the same sum.
    tol, max_iter : float, int
        As :func:`ipf2`.

    References
    ----------
    Sinkhorn, R. (1964). A relationship between arbitrary positive matrices and doubly
    stochastic matrices. *Annals of Mathematical Statistics* 35(2), 876–879.
    """
    m = np.asarray(seed, dtype="float64")
    rows = np.asarray(row_totals, dtype="float64")
    cols = np.asarray(col_totals, dtype="float64")
    scale = max(1.0, float(np.max(np.abs(rows), initial=0.0)), float(np.max(cols, initial=0.0)))
    row = np.ones_like(rows)
    col = np.ones_like(cols)
    through_cols = col @ m.T  # row sums of each table before the row step
    error = np.inf
    iterations = 0
    while iterations < max_iter:
        row = _ratio(rows, through_cols)
        col_sums = row @ m
        col = _ratio(cols, col_sums)
        through_cols = col @ m.T
        iterations += 1
        # after the column step the columns are met where they can be; the rows measure
        # the distance to the fixed point (and unmet columns, an infeasible table, count too)
        error = max(
            float(np.max(np.abs(row * through_cols - rows), initial=0.0)),
            float(np.max(np.abs(col * col_sums - cols), initial=0.0)),
        )
        if error <= tol * scale:
            break
    return ScalingFit(row, col, bool(error <= tol * scale), iterations, error)
