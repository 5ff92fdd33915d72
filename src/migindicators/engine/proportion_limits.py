"""Limits of a proportion's confidence interval by R ``svyciprop``'s methods: the arithmetic.

Given an estimate, its design SE and degrees of freedom, :func:`proportion_interval` gives the
limits by any ``svyciprop`` method (the methods are described in
:mod:`migindicators.engine.intervals`, whose :func:`~migindicators.engine.intervals.ciprop`
estimates the proportion and calls it). It lives below :mod:`migindicators.engine.survey` so
that ``estimate(parameter="proportion", proportion_ci=...)`` and ``ciprop`` share one
implementation; the quantile intervals (:mod:`migindicators.engine.quantiles`) use it too,
and the score interval Brent's root finder :func:`zeroin`.

References
----------
Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions with small
expected number of positive counts estimated from survey data. *Survey Methodology* 24,
193–201.
Lumley, T. (2010). *Complex Surveys*, Wiley, §2.3.3; R ``survey``: ``svyciprop``.
Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, Prentice-Hall, ch. 4.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import Any

import numpy as np

from migindicators.core.distributions import t_quantile
from migindicators.core.errors import OptionError
from migindicators.engine.probability import beta_quantile

__all__ = [
    "PROPORTION_METHODS",
    "likelihood_dispersion",
    "proportion_interval",
    "proportion_method",
    "zeroin",
]

#: Interval methods of :func:`ciprop` (R ``svyciprop``'s ``method=``).
PROPORTION_METHODS = ("logit", "likelihood", "xlogit", "mean", "asin", "beta")
_ALIASES = {
    "korn-graubard": "beta",
    "clopper-pearson": "beta",
    "wald": "mean",
    "arcsine": "asin",
}


#: Effective sample size beyond which the ``beta`` limits are the Wald limits (see there).
_HUGE_NEFF = 1e15


def proportion_method(method: str) -> str:
    """The canonical name of an interval method (aliases resolved); unknown names raise
    :class:`~migindicators.core.errors.OptionError` listing the choices."""
    m = _ALIASES.get(method.lower(), method.lower())
    if m not in PROPORTION_METHODS:
        raise OptionError(f"method={method!r}: choose one of {PROPORTION_METHODS}")
    return m


def zeroin(
    a: float, b: float, fa: float, fb: float, tol: float, maxiter: int = 1000
) -> Generator[float, float, float]:
    """Brent's root finder as a generator: it yields each point to evaluate, is sent the
    function's value there, and returns the root.

    The bracketing algorithm of Brent (1973), as R's ``uniroot`` runs it: secant or inverse
    quadratic interpolation steps, bisection when they do not shrink the bracket fast enough,
    stopping when the bracket is within ``2 eps |b| + tol / 2``. Following the same steps
    matters where the function is a step function (the score quantile interval): which side
    of a jump the root lands on is decided by the path. A generator lets callers evaluate many
    roots' functions together (one design-variance pass per round).

    Parameters
    ----------
    a, b : float
        The bracket.
    fa, fb : float
        The function at *a* and *b*, of opposite signs (checked by the caller).
    tol : float
        Absolute tolerance (R's ``tol``).
    maxiter : int
        Evaluations allowed; the current best point is returned when they run out.
    """
    # Python floats: IEEE arithmetic on infinite statistics (a domain's empty tail gives
    # an SE of 0) as in C, without numpy's warnings.
    a, b, fa, fb = float(a), float(b), float(fa), float(fb)
    if fa == 0:
        return a
    if fb == 0:
        return b
    c, fc = a, fa
    eps = np.finfo(float).eps
    for _ in range(maxiter + 1):
        prev_step = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * eps * abs(b) + tol / 2
        new_step = (c - b) / 2
        if abs(new_step) <= tol_act or fb == 0:
            return b
        if abs(prev_step) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                num = cb * t1
                den = 1 - t1
            else:
                qa = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                num = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1))
                den = (qa - 1) * (t1 - 1) * (t2 - 1)
            if num > 0:
                den = -den
            else:
                num = -num
            if num < 0.75 * cb * den - abs(tol_act * den) / 2 and num < abs(prev_step * den / 2):
                new_step = num / den
        if abs(new_step) < tol_act:
            new_step = tol_act if new_step > 0 else -tol_act
        a, fa = b, fb
        b += new_step
        fb = float((yield b))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def _solve(gen: Generator[float, float, float], f: Any) -> float:
    """Run a :func:`zeroin` generator on a plain function *f*."""
    try:
        x = next(gen)
        while True:
            x = gen.send(f(x))
    except StopIteration as stop:
        return float(stop.value)


def _kl(p: float, b: float) -> float:
    """Binomial Kullback–Leibler divergence of expit(*b*) from *p*, stable in the logit *b*."""
    # log(mu) = -log(1 + e^-b), log(1 - mu) = -log(1 + e^b), without overflow
    log_mu = -np.logaddexp(0.0, -b)
    log_1mu = -np.logaddexp(0.0, b)
    out = 0.0
    if p > 0:
        out += p * (math.log(p) - log_mu)
    if p < 1:
        out += (1 - p) * (math.log(1 - p) - log_1mu)
    return float(out)


def _likelihood_limits(p: float, var: float, t: float, phi: float) -> tuple[float, float]:
    """The two roots of :math:`KL(p\\|\\mu) = \\phi t^2 v / (2p(1-p))` (see the module)."""
    if not (np.isfinite(p) and 0 < p < 1 and np.isfinite(var) and var > 0 and phi > 0):
        return float("nan"), float("nan")
    c = phi * t * t * var / (2 * p * (1 - p))
    b0 = math.log(p / (1 - p))
    step = math.sqrt(var) / (p * (1 - p))
    limits = []
    for sign in (-1.0, 1.0):
        far = b0 + sign * step
        while _kl(p, far) - c <= 0:
            step *= 2
            far = b0 + sign * step
            if step > 1e3:
                return float("nan"), float("nan")
        root = _solve(zeroin(b0, far, -c, _kl(p, far) - c, 0.0), lambda b: _kl(p, b) - c)
        limits.append(1 / (1 + math.exp(-root)))
    return limits[0], limits[1]


def likelihood_dispersion(w: np.ndarray) -> float:
    """R's dispersion of the quasi-binomial fit behind ``svyciprop(method="likelihood")``.

    R takes the design-weighted population variance (``svyvar``, divisor :math:`n - 1`) of
    the fit's Pearson residuals :math:`(y_i - \\hat p)/\\sqrt{\\hat p(1-\\hat p)}`. For a
    0/1 variable their weighted mean is 0 and their weighted mean square 1, so the dispersion
    is :math:`n/(n-1)`, *n* the rows with a non-zero weight.

    Parameters
    ----------
    w : numpy.ndarray
        The (calibrated) weights of the domain's rows.

    Returns
    -------
    float
        The dispersion (dimensionless); NaN with fewer than two weighted rows.
    """
    n = int(np.count_nonzero(np.asarray(w, dtype=float)))
    return n / (n - 1) if n > 1 else float("nan")


def proportion_interval(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray | float,
    level: float,
    method: str,
    *,
    n: np.ndarray | float | None = None,
    logit_se: np.ndarray | None = None,
    phi: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits of a proportion's interval by *method* (see the module).

    Parameters
    ----------
    p, se : numpy.ndarray
        Estimates and standard errors.
    df : float or numpy.ndarray
        Design degrees of freedom.
    level : float
        Confidence level.
    method : str
        One of :data:`PROPORTION_METHODS` (or an alias).
    n : float or numpy.ndarray, optional
        Rows of the design (``beta``: :math:`t_{n-1}` in the effective sample size).
    logit_se : numpy.ndarray, optional
        SE of the logit (``logit`` on replicate designs); default the delta method.
    phi : numpy.ndarray, optional
        ``likelihood`` only (required): R's dispersion per estimate, from
        :func:`likelihood_dispersion`.

    Returns
    -------
    tuple of numpy.ndarray
        Lower and upper limits, in the unit of *p*.
    """
    m = proportion_method(method)
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    dfs = np.broadcast_to(np.asarray(df, dtype=float), p.shape)
    t = np.array([t_quantile(0.5 + level / 2.0, float(d)) for d in dfs.ravel()]).reshape(p.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        if m == "mean":
            return p - t * se, p + t * se
        if m == "likelihood":
            if phi is None:
                raise OptionError("method='likelihood' needs phi, R's dispersion of the fit")
            ph = np.broadcast_to(np.asarray(phi, dtype=float), p.shape)
            lims = [
                _likelihood_limits(float(p[i]), float(se[i]) ** 2, float(t[i]), float(ph[i]))
                for i in np.ndindex(p.shape)
            ]
            lo_l = np.array([a for a, _ in lims], dtype=float).reshape(p.shape)
            hi_l = np.array([b for _, b in lims], dtype=float).reshape(p.shape)
            return lo_l, hi_l
        if m in ("logit", "xlogit"):
            lse = se / (p * (1 - p)) if logit_se is None or m == "xlogit" else logit_se
            centre = np.log(p / (1 - p))
            return 1 / (1 + np.exp(-(centre - t * lse))), 1 / (1 + np.exp(-(centre + t * lse)))
        if m == "asin":
            centre = np.arcsin(np.sqrt(p))
            half = t * se / (2 * np.sqrt(p * (1 - p)))
            return np.sin(centre - half) ** 2, np.sin(centre + half) ** 2
        # beta (Korn-Graubard)
        if n is None:
            raise OptionError("method='beta' needs n, the rows of the design")
        alpha = 1 - level
        nn = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
        lo = np.full(p.shape, np.nan)
        hi = np.full(p.shape, np.nan)
        for i in np.ndindex(p.shape):
            var = se[i] ** 2
            if not (np.isfinite(p[i]) and var > 0):
                continue
            ratio = t_quantile(alpha / 2, float(nn[i]) - 1) / t_quantile(alpha / 2, float(dfs[i]))
            neff = p[i] * (1 - p[i]) / var * ratio**2
            if neff <= _HUGE_NEFF:
                try:
                    lo[i] = beta_quantile(alpha / 2, neff * p[i], neff * (1 - p[i]) + 1)
                    hi[i] = beta_quantile(1 - alpha / 2, neff * p[i] + 1, neff * (1 - p[i]))
                    continue
                except OverflowError:
                    pass
            # An SE at rounding level (e.g. the share of a stratum whose weights are fixed):
            # the incomplete beta function's continued fraction no longer converges (or
            # overflows), and the beta limits are p within a few such SEs; the Wald limits
            # are as good.
            lo[i] = p[i] - t[i] * se[i]
            hi[i] = p[i] + t[i] * se[i]
        return lo, hi
