"""Korn–Graubard confidence interval of a proportion from a complex survey.

The Clopper–Pearson ("exact") binomial interval evaluated at the *effective* sample size
:math:`n^* = \\hat p (1 - \\hat p) / v(\\hat p)`, adjusted for the design degrees of freedom,

.. math::
    n^*_{df} = n^* \\Big(\\frac{t_{n-1,\\,1-\\alpha/2}}{t_{df,\\,1-\\alpha/2}}\\Big)^2, \\qquad
    x^* = \\hat p\\, n^*_{df},

    L = B^{-1}_{\\alpha/2}(x^*,\\; n^*_{df} - x^* + 1), \\qquad
    U = B^{-1}_{1-\\alpha/2}(x^* + 1,\\; n^*_{df} - x^*),

with :math:`B^{-1}_q(a, b)` the *q* quantile of the Beta(a, b) distribution, *n* the
unweighted sample size of the estimate and *df* the design degrees of freedom. This is
R ``survey``'s ``svyciprop(method="beta")`` (checked against it in
``tests/golden/r_survey/quality.json``) and the interval of the NCHS presentation standards
for proportions, which in addition truncate :math:`n^*` at *n* (``cap_at_n=True``).

A proportion of exactly 0 or 1 (or a zero variance) has no design-based effective sample
size; *n* is used, as the NCHS standards do, so that the interval is the Clopper–Pearson
interval of 0 or *n* successes out of *n*.

SciPy is not a dependency of the library: the Beta quantile is found here from the
regularised incomplete beta function (continued fraction, modified Lentz), by bisection
refined with Newton steps; the t quantile comes from the same function (if X ~ Beta(df/2,
1/2) then df (1/X − 1) is the square of a t variate with df degrees of freedom).

References
----------
Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions with small
expected number of positive counts estimated from survey data. *Survey Methodology* 24,
193–201.
Parker, J. D., Talih, M., Malec, D. J., et al. (2017). National Center for Health Statistics
data presentation standards for proportions. *Vital Health Stat* 2(175).
Press, W. H. et al. (2007). *Numerical Recipes*, 3rd ed., §6.4.
"""

from __future__ import annotations

import math

import numpy as np

from migindicators.core.errors import OptionError

__all__ = ["beta_quantile", "effective_sample_size", "korn_graubard", "t_quantile"]

_EPS = 1e-15
_TINY = 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def _log_beta_front(a: float, b: float, x: float) -> float:
    return (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function :math:`I_x(a, b)`."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(_log_beta_front(a, b, x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def beta_quantile(q: float, a: float, b: float) -> float:
    """The *q* quantile of the Beta(*a*, *b*) distribution (R ``qbeta(q, a, b)``).

    Returns NaN when a parameter is not positive or *q* is outside [0, 1].

    >>> round(beta_quantile(0.975, 1, 10), 10)  # 1 - 0.025**(1/10)
    0.3084971079
    """
    if not (a > 0 and b > 0) or not (0.0 <= q <= 1.0) or math.isnan(q):
        return math.nan
    if q == 0.0:
        return 0.0
    if q == 1.0:
        return 1.0
    lo, hi = 0.0, 1.0
    x = a / (a + b)
    for _ in range(200):
        f = _betainc(a, b, x) - q
        if f > 0:
            hi = x
        else:
            lo = x
        # Newton step on the cdf, kept inside the bracket (bisection otherwise).
        log_pdf = (
            (a - 1) * math.log(x)
            + (b - 1) * math.log1p(-x)
            - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
            if 0.0 < x < 1.0
            else -math.inf
        )
        step_ok = False
        if log_pdf > -700:
            new = x - f / math.exp(log_pdf)
            if lo < new < hi:
                step_ok = True
        if not step_ok:
            new = 0.5 * (lo + hi)
        if abs(new - x) <= 1e-15 * max(x, 1e-300) or hi - lo <= 1e-300:
            return new
        x = new
    return x


def t_quantile(p: float, df: float) -> float:
    """Quantile of Student's t with *df* degrees of freedom (``inf``: the normal)."""
    if not (0.0 < p < 1.0) or not (df > 0):
        return math.nan
    if p == 0.5:
        return 0.0
    if math.isinf(df) or df > 1e10:
        from statistics import NormalDist

        return NormalDist().inv_cdf(p)
    tail = 2.0 * min(p, 1.0 - p)  # two-sided tail probability
    x = beta_quantile(tail, df / 2.0, 0.5)
    t = math.sqrt(df * (1.0 / x - 1.0)) if x > 0 else math.inf
    return t if p > 0.5 else -t


def effective_sample_size(
    p: np.ndarray, se: np.ndarray, n: np.ndarray, *, cap_at_n: bool = False
) -> np.ndarray:
    """:math:`\\hat p(1-\\hat p)/v(\\hat p)`; *n* where p is 0 or 1 or the variance is 0.

    With ``cap_at_n`` the result is truncated at *n* (NCHS).
    """
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        neff = p * (1.0 - p) / (se * se)
    degenerate = (p <= 0.0) | (p >= 1.0) | (se == 0.0)
    neff = np.where(degenerate, n, neff)
    if cap_at_n:
        neff = np.minimum(neff, n)
    return np.asarray(neff, dtype=float)


def korn_graubard(
    p: np.ndarray,
    se: np.ndarray,
    n: np.ndarray,
    df: np.ndarray | float,
    *,
    level: float = 0.95,
    cap_at_n: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Korn–Graubard interval of proportions *p* with standard errors *se*.

    Parameters
    ----------
    p : array of float
        Estimated proportions, in [0, 1] (not per cent).
    se : array of float
        Their design-based standard errors (same scale as *p*).
    n : array of float
        Unweighted sample sizes (rows) of the estimates: R's ``nrow(design)``.
    df : array of float or float
        Design degrees of freedom; NaN or inf: no degrees-of-freedom adjustment.
    level : float
        Confidence level, in (0, 1).
    cap_at_n : bool
        Truncate the effective sample size at *n* before the adjustment (NCHS).

    Returns
    -------
    (lower, upper, n_eff_df)
        The interval and the degrees-of-freedom-adjusted effective sample size. NaN where
        *p*, *se* or *n* is missing.
    """
    if not 0.0 < level < 1.0:
        raise OptionError(f"level={level}: a confidence level is in (0, 1), e.g. 0.95")
    p = np.asarray(p, dtype=float)
    n = np.broadcast_to(np.asarray(n, dtype=float), p.shape)
    df_arr = np.broadcast_to(np.asarray(df, dtype=float), p.shape)
    neff = effective_sample_size(p, np.asarray(se, dtype=float), n, cap_at_n=cap_at_n)
    alpha = 1.0 - level
    lower = np.full(p.shape, np.nan)
    upper = np.full(p.shape, np.nan)
    adjusted = np.full(p.shape, np.nan)
    for i in np.ndindex(p.shape):
        pi, ni, di, ei = float(p[i]), float(n[i]), float(df_arr[i]), float(neff[i])
        if not (math.isfinite(pi) and math.isfinite(ei) and ei > 0 and ni > 1):
            continue
        if math.isfinite(di) and di > 0:
            ratio = t_quantile(alpha / 2, ni - 1) / t_quantile(alpha / 2, di)
            ei = ei * ratio * ratio
        x = pi * ei
        adjusted[i] = ei
        lower[i] = 0.0 if x <= 0 else beta_quantile(alpha / 2, x, ei - x + 1.0)
        upper[i] = 1.0 if ei - x <= 0 else beta_quantile(1 - alpha / 2, x + 1.0, ei - x)
    return lower, upper, adjusted
