"""Student's t (cdf and quantile) and the beta quantile in plain Python, for intervals.

SciPy is not a dependency of the library; the design-based intervals need the t quantile and
the Korn–Graubard and Clopper–Pearson intervals the beta quantile, computed here from the
regularised incomplete beta function (continued fraction, modified Lentz) and refined
by Newton steps to full double precision.

References
----------
Press, W. H. et al. (2007). *Numerical Recipes*, 3rd ed., §6.4 (incomplete beta function) and
§6.14 (Student's t distribution).
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

__all__ = ["beta_quantile", "t_cdf", "t_quantile"]

_EPS = 1e-16
_TINY = 1e-300


def _betacf(a: float, b: float, x: float) -> float:
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 100_000):
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


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta function :math:`I_x(a, b)`."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def beta_quantile(q: float, a: float, b: float) -> float:
    """The *q* quantile of the Beta(*a*, *b*) distribution (R ``qbeta(q, a, b)``).

    Returns NaN when a parameter is not positive or *q* is outside [0, 1].

    >>> round(beta_quantile(0.975, 1, 10), 10)  # 1 - 0.025**(1/10)
    0.3084971078
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


def t_cdf(t: float, df: float) -> float:
    """Cumulative distribution function of Student's t with *df* degrees of freedom."""
    if math.isinf(df):
        return NormalDist().cdf(t)
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def _t_pdf(t: float, df: float) -> float:
    log_c = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_c - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=1024)
def t_quantile(p: float, df: float) -> float:
    """Quantile of Student's t: the *t* with ``t_cdf(t, df) == p``.

    Parameters
    ----------
    p : float
        Probability in (0, 1).
    df : float
        Degrees of freedom (> 0); ``inf`` gives the standard normal quantile.

    Returns
    -------
    float
        NaN when ``df`` is not positive or *p* is outside (0, 1).

    Examples
    --------
    >>> round(t_quantile(0.975, 39), 6)
    2.022691
    """
    if not (0.0 < p < 1.0) or not (df > 0):
        return math.nan
    z = NormalDist().inv_cdf(p)
    if math.isinf(df) or df > 1e9:
        return z
    # Cornish-Fisher start, then Newton on the exact cdf.
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    t = z + g1 / df + g2 / df**2
    if df < 3:
        t = math.tan(math.pi * (p - 0.5)) if df == 1 else t
    for _ in range(100):
        step = (t_cdf(t, df) - p) / max(_t_pdf(t, df), _TINY)
        t -= step
        if abs(step) <= 1e-14 * max(1.0, abs(t)):
            break
    return t
