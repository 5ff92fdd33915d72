"""Beta, F and chi-square distribution functions for intervals and tests (no SciPy).

The beta quantile (Clopper–Pearson/Korn–Graubard intervals), the F and chi-square upper tails
(Rao–Scott tests) and the Student t tail (t tests), from the regularised incomplete beta
function of :mod:`migindicators.core.distributions` and a regularised incomplete gamma
function (series and continued fraction).

References
----------
Press, W. H. et al. (2007). *Numerical Recipes*, 3rd ed., §6.2 (incomplete gamma), §6.4
(incomplete beta) and §6.14 (F and chi-square distributions).
"""

from __future__ import annotations

import math

from migindicators.core.distributions import _betainc, t_cdf

__all__ = ["beta_cdf", "beta_quantile", "chisq_sf", "f_sf", "t_sf"]

_EPS = 1e-16
_TINY = 1e-300


def beta_cdf(x: float, a: float, b: float) -> float:
    """:math:`I_x(a, b)`, the Beta(a, b) distribution function."""
    return _betainc(a, b, x)


def beta_quantile(p: float, a: float, b: float) -> float:
    """The *x* with ``beta_cdf(x, a, b) == p`` (R's ``qbeta``); 0 when ``a == 0``, 1 when
    ``b == 0`` (the point masses R gives), NaN for bad arguments."""
    if not (0.0 <= p <= 1.0) or math.isnan(a) or math.isnan(b) or a < 0 or b < 0:
        return math.nan
    if a == 0:
        return 0.0
    if b == 0:
        return 1.0
    if p in (0.0, 1.0):
        return p
    lo, hi = 0.0, 1.0
    for _ in range(200):  # bisection to the last bit: robust for any (a, b)
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if _betainc(a, b, mid) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def f_sf(x: float, d1: float, d2: float) -> float:
    """Upper tail :math:`P(F > x)` of the F distribution with (d1, d2) degrees of freedom."""
    if math.isnan(x) or not (d1 > 0 and d2 > 0):
        return math.nan
    if x <= 0:
        return 1.0
    if math.isinf(d2):
        return chisq_sf(x * d1, d1)
    return _betainc(d2 / 2.0, d1 / 2.0, d2 / (d2 + d1 * x))


def _gamma_series(a: float, x: float) -> float:
    term = total = 1.0 / a
    ap = a
    for _ in range(100_000):
        ap += 1.0
        term *= x / ap
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _gamma_cf(a: float, x: float) -> float:
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = d if abs(d) > _TINY else _TINY
        c = b + an / c
        c = c if abs(c) > _TINY else _TINY
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return math.exp(-x + a * math.log(x) - math.lgamma(a)) * h


def chisq_sf(x: float, df: float) -> float:
    """Upper tail :math:`P(X > x)` of the chi-square distribution with *df* degrees of
    freedom (the regularised upper incomplete gamma :math:`Q(df/2, x/2)`)."""
    if math.isnan(x) or not df > 0:
        return math.nan
    if x <= 0:
        return 1.0
    a, half = df / 2.0, x / 2.0
    if half < a + 1.0:
        return 1.0 - _gamma_series(a, half)
    return _gamma_cf(a, half)


def t_sf(t: float, df: float) -> float:
    """Upper tail :math:`P(T > t)` of Student's t (two-sided p-value: ``2 * t_sf(|t|)``)."""
    if math.isnan(t) or not df > 0:
        return math.nan
    return 1.0 - t_cdf(t, df) if t < 0 else t_cdf(-t, df)
