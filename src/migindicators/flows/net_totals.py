"""A flow matrix that reproduces given net migration totals: IPF, minimum flow, entropy.

Plain numpy. Net migration of region *i* is inflow minus outflow,
:math:`N_i = \\sum_k F_{ki} - \\sum_j F_{ij}`; the totals must sum to zero. Many flow
matrices have the same nets; each method picks one:

* :func:`net_ipf` — the multiplicative model :math:`F_{ij} = m_{ij} \\alpha_i / \\alpha_j`
  closest to the seed *m*, by the fixed-point iteration on :math:`\\alpha` (each
  :math:`\\alpha_i` is the positive root of a quadratic, given the others).
* :func:`net_entropy` — the flow matrix of least Kullback–Leibler divergence from the seed
  subject to the nets, by Newton's method on the convex dual. Its optimality conditions give
  the same multiplicative model, so it agrees with :func:`net_ipf`; it is a second,
  independent algorithm (quadratic convergence, no step-size tuning).
* :func:`net_min_flow` — the smallest total flow that produces the nets (the linear
  programme ``min sum |F|``). Its optimum is known in closed form: every region with a
  positive net must receive at least that much, so the total is at least
  :math:`\\sum_i \\max(N_i, 0)`, and any shipment from the regions of negative net to
  those of positive net reaches it. The optimum is not unique; this returns the shipment
  closest to the seed (IPF of the seed's sender × receiver block to the two sets of net
  totals), so no region both sends and receives.

References
----------
Abel, G. J., R package ``migest`` 2.0.5: ``net_matrix_ipf``, ``net_matrix_lp``,
``net_matrix_entropy`` (reference pages with the documented example used in the tests).
Bishop, Y. M. M., Fienberg, S. E. and Holland, P. W. (1975). *Discrete Multivariate Analysis*,
MIT Press, ch. 3 (the multiplicative model and IPF).
Hitchcock, F. L. (1941). The distribution of a product from several sources to numerous
localities. *Journal of Mathematics and Physics* 20, 224–230 (the transportation problem).
Boyd, S. and Vandenberghe, L. (2004). *Convex Optimization*, Cambridge University Press,
§5.2 and §10.2 (Lagrange duality; Newton's method with equality constraints).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from migindicators.core.errors import EstimationError, InputValidationError, OptionError
from migindicators.flows.ipf import ipf2

__all__ = ["NET_METHODS", "NetFit", "net_entropy", "net_ipf", "net_matrix", "net_min_flow"]

NET_METHODS = ("ipf", "lp", "entropy")


@dataclass(frozen=True)
class NetFit:
    """A flow matrix fitted to net totals.

    Attributes
    ----------
    flows : numpy.ndarray
        n × n flows [person], origin × destination, zero where the mask forbids a flow.
    iterations : int
        Iterations of the method (1 for the closed form).
    max_net_residual : float
        Largest absolute difference between the matrix's nets and the targets.
    """

    flows: np.ndarray
    iterations: int
    max_net_residual: float


def _nets(flows: np.ndarray) -> np.ndarray:
    out: np.ndarray = flows.sum(axis=0) - flows.sum(axis=1)
    return out


def _prepare(
    net: np.ndarray, seed: np.ndarray | None, zero_mask: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    totals = np.asarray(net, dtype="float64")
    n = totals.shape[0]
    if totals.ndim != 1 or not np.isfinite(totals).all():
        raise InputValidationError("net totals must be a vector of finite numbers")
    scale = max(1.0, float(np.abs(totals).sum()))
    if abs(float(totals.sum())) > 1e-9 * scale:
        raise InputValidationError(
            f"net totals must sum to zero (inflows and outflows of a closed system balance); "
            f"they sum to {float(totals.sum()):g}. Check the region set, or add a region "
            "'rest of the world' that takes the remainder"
        )
    mask = np.eye(n, dtype=bool) if zero_mask is None else np.asarray(zero_mask, dtype=bool)
    m = np.ones((n, n)) if seed is None else np.array(seed, dtype="float64")
    if m.shape != (n, n) or mask.shape != (n, n):
        raise InputValidationError(f"seed and zero mask must be {n} x {n} matrices")
    if (m < 0).any() or not np.isfinite(m).all():
        raise InputValidationError("the seed must hold finite non-negative values")
    m[mask] = 0.0
    return totals, m, mask


def _root(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    # positive root of a x^2 + b x - c = 0 for a, c >= 0, in the cancellation-free form
    disc = np.sqrt(b * b + 4.0 * a * c)
    with np.errstate(divide="ignore", invalid="ignore"):
        big: np.ndarray = np.where(b >= 0, 2.0 * c / (b + disc), (disc - b) / (2.0 * a))
    return big


def net_ipf(
    net: np.ndarray,
    seed: np.ndarray | None = None,
    *,
    zero_mask: np.ndarray | None = None,
    tol: float = 1e-12,
    max_iter: int = 10_000,
) -> NetFit:
    """Fit :math:`F_{ij} = m_{ij}\\alpha_i/\\alpha_j` to the net totals by fixed-point iteration.

    For region *i*, with the other :math:`\\alpha` fixed, the net is
    :math:`C_i/\\alpha_i - A_i\\alpha_i` with :math:`A_i = \\sum_j m_{ij}/\\alpha_j` and
    :math:`C_i = \\sum_k \\alpha_k m_{ki}`; setting it to :math:`N_i` gives the quadratic
    :math:`A_i\\alpha_i^2 + N_i\\alpha_i - C_i = 0`, whose positive root is the update.
    The regions are updated one at a time, each with the latest values of the others
    (Gauss–Seidel): each update minimises the convex dual of :func:`net_entropy` exactly in
    one coordinate, so the sweeps converge. migest's ``net_matrix_ipf`` updates all regions
    at once from the previous sweep, which has the same fixed point but can oscillate
    (with two regions it alternates between two points for ever). The iteration stops when
    no :math:`\\alpha` changes by more than *tol* (relative).

    Parameters
    ----------
    net : numpy.ndarray
        Net migration per region [person] (inflow − outflow), summing to zero.
    seed : numpy.ndarray, optional
        n × n non-negative seed flows (default ones); its zeros stay zero.
    zero_mask : numpy.ndarray of bool, optional
        Cells forced to zero (default: the diagonal).
    tol, max_iter : float, int
        Convergence of :math:`\\alpha` and the most sweeps.

    Raises
    ------
    EstimationError
        If the iteration does not converge (the seed's zeros make the nets unreachable,
        e.g. a region with a positive net and no seeded inflow).

    References
    ----------
    migest ``net_matrix_ipf``.
    """
    totals, m, mask = _prepare(net, seed, zero_mask)
    n = totals.shape[0]
    _check_reachable(totals, m)
    alpha = np.ones(n)
    change = np.inf
    it = 0
    while change > tol and it < max_iter:
        before = alpha.copy()
        for i in range(n):
            a = float(m[i] @ (1.0 / alpha))
            c = float(alpha @ m[:, i])
            root = float(_root(np.array([a]), np.array([totals[i]]), np.array([c]))[0])
            if np.isfinite(root) and root > 0:
                alpha[i] = root
        # the model is invariant to a common factor of alpha: fix its geometric mean at 1
        alpha /= np.exp(np.mean(np.log(alpha)))
        change = float(np.max(np.abs(alpha - before) / before))
        it += 1
    flows = m * alpha[:, None] / alpha[None, :]
    flows[mask] = 0.0
    residual = float(np.max(np.abs(_nets(flows) - totals), initial=0.0))
    scale = max(1.0, float(np.abs(totals).max(initial=0.0)))
    if change > tol or residual > 1e-6 * scale:
        raise EstimationError(
            f"method='ipf' did not reach the net totals after {it} iterations (largest net "
            f"residual {residual:g}); the seed's zero cells may make them unreachable"
        )
    return NetFit(flows, it, residual)


def _check_reachable(totals: np.ndarray, m: np.ndarray) -> None:
    gaining = (totals > 0) & (m.sum(axis=0) <= 0)
    losing = (totals < 0) & (m.sum(axis=1) <= 0)
    if gaining.any() or losing.any():
        raise EstimationError(
            "the seed has no inflow cell for region(s) with a positive net (positions "
            f"{np.flatnonzero(gaining).tolist()}) or no outflow cell for region(s) with a "
            f"negative net (positions {np.flatnonzero(losing).tolist()}): no matrix with the "
            "seed's zeros reaches the net totals"
        )


def net_entropy(
    net: np.ndarray,
    seed: np.ndarray | None = None,
    *,
    zero_mask: np.ndarray | None = None,
    tol: float = 1e-10,
    max_iter: int = 200,
) -> NetFit:
    """Minimum Kullback–Leibler divergence from the seed subject to the net totals.

    Minimise :math:`\\sum_{ij} F_{ij}\\ln(F_{ij}/m_{ij}) - F_{ij} + m_{ij}` subject to
    :math:`\\sum_k F_{ki} - \\sum_j F_{ij} = N_i`. Stationarity of the Lagrangian gives
    :math:`F_{ij} = m_{ij} e^{\\lambda_j - \\lambda_i}`; the multipliers minimise the convex
    dual :math:`\\phi(\\lambda) = \\sum_{ij} m_{ij} e^{\\lambda_j-\\lambda_i} -
    \\sum_i N_i\\lambda_i`, whose gradient is the net residual and whose Hessian is the
    Laplacian of :math:`F + F^T`. Damped Newton steps (backtracking on :math:`\\phi`)
    converge quadratically; the constant direction (a common shift of :math:`\\lambda`) is
    removed by fixing the mean of :math:`\\lambda` at zero.

    Parameters and raises as :func:`net_ipf`.

    References
    ----------
    Boyd and Vandenberghe (2004), §5.2, §9.5; migest ``net_matrix_entropy`` (which calls a
    general conic solver).
    """
    totals, m, mask = _prepare(net, seed, zero_mask)
    n = totals.shape[0]
    _check_reachable(totals, m)
    lam = np.zeros(n)
    scale = max(1.0, float(np.abs(totals).max(initial=0.0)))

    def flows_of(x: np.ndarray) -> np.ndarray:
        out: np.ndarray = m * np.exp(np.clip(x[None, :] - x[:, None], -700.0, 700.0))
        return out

    def dual(x: np.ndarray) -> float:
        return float(flows_of(x).sum() - totals @ x)

    it = 0
    residual = np.inf
    while it < max_iter:
        f = flows_of(lam)
        grad = _nets(f) - totals
        residual = float(np.max(np.abs(grad)))
        if residual <= tol * scale:
            break
        sym = f + f.T
        hess = np.diag(sym.sum(axis=1)) - sym
        # the Hessian is singular along the ones vector (and on disconnected parts): the
        # least-squares step is the Newton step in the complement
        step = -np.linalg.lstsq(hess, grad, rcond=None)[0]
        t, value = 1.0, dual(lam)
        slope = float(grad @ step)
        while t > 1e-12 and dual(lam + t * step) > value + 1e-4 * t * slope:
            t *= 0.5
        lam = lam + t * step
        lam -= lam.mean()
        it += 1
    flows = flows_of(lam)
    flows[mask] = 0.0
    residual = float(np.max(np.abs(_nets(flows) - totals), initial=0.0))
    if residual > 1e-6 * scale:
        raise EstimationError(
            f"method='entropy' did not reach the net totals after {it} Newton steps (largest "
            f"net residual {residual:g}); the seed's zero cells may make them unreachable"
        )
    return NetFit(flows, it, residual)


def net_min_flow(
    net: np.ndarray,
    seed: np.ndarray | None = None,
    *,
    zero_mask: np.ndarray | None = None,
    tol: float = 1e-12,
    max_iter: int = 100_000,
) -> NetFit:
    """The smallest total flow that produces the net totals (closed form of the LP).

    The linear programme :math:`\\min \\sum_{ij}|F_{ij}|` subject to the nets (migest's
    ``net_matrix_lp``) has the optimal value :math:`\\sum_i \\max(N_i, 0)`:

    * lower bound: for a region with :math:`N_i > 0`, inflow :math:`\\ge N_i`, and the
      inflows of distinct regions are distinct cells, so the total is at least the sum of
      positive nets (a negative cell :math:`F_{ij} < 0` counts as :math:`|F_{ij}|` of flow
      :math:`j \\to i`, so allowing signs changes nothing);
    * attained: ship from the regions of negative net (senders, supply :math:`-N_i`) to
      those of positive net (receivers, demand :math:`N_j`) with no other flow; each
      sender's outflow and each receiver's inflow then equal their nets, and the total is
      the sum of positive nets.

    Among the optimal shipments this returns the one closest to the seed: IPF of the seed's
    sender × receiver block to the supplies and demands (with a seed of ones, the
    proportional shipment :math:`F_{ij} = s_i d_j / \\sum d`). No LP solver is needed.

    Parameters and raises as :func:`net_ipf`; the seed's zero cells and the mask must leave
    every sender a route to the receivers (otherwise the minimum needs transit through
    third regions, which this closed form does not cover, and an error says so).

    References
    ----------
    Hitchcock (1941); migest ``net_matrix_lp``.
    """
    totals, m, _ = _prepare(net, seed, zero_mask)
    n = totals.shape[0]
    senders = totals < 0
    receivers = totals > 0
    flows = np.zeros((n, n))
    if not senders.any():
        return NetFit(flows, 1, 0.0)
    block = m[np.ix_(senders, receivers)]
    fit = ipf2(block, -totals[senders], totals[receivers], tol=tol, max_iter=max_iter)
    if not fit.converged:
        raise EstimationError(
            "method='lp': the seed's zero cells (or the zero mask) leave no shipment from the "
            "regions of negative net to those of positive net; give the seed positive cells "
            "between them, or use method='ipf'"
        )
    flows[np.ix_(senders, receivers)] = fit.table
    residual = float(np.max(np.abs(_nets(flows) - totals), initial=0.0))
    return NetFit(flows, fit.iterations, residual)


def net_matrix(
    net: np.ndarray,
    seed: np.ndarray | None = None,
    *,
    method: str = "ipf",
    zero_mask: np.ndarray | None = None,
) -> NetFit:
    """Dispatch to :func:`net_ipf`, :func:`net_min_flow` (``"lp"``) or :func:`net_entropy`."""
    if method not in NET_METHODS:
        raise OptionError(f"method={method!r}: use one of {list(NET_METHODS)}")
    if method == "ipf":
        return net_ipf(net, seed, zero_mask=zero_mask)
    if method == "lp":
        return net_min_flow(net, seed, zero_mask=zero_mask)
    return net_entropy(net, seed, zero_mask=zero_mask)
