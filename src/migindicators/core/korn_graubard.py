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

from migindicators.core.distributions import beta_quantile, t_quantile
from migindicators.core.errors import OptionError

__all__ = ["beta_quantile", "effective_sample_size", "korn_graubard", "t_quantile"]


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
    tuple of numpy.ndarray
        ``(lower, upper, n_eff_df)``: the interval and the degrees-of-freedom-adjusted
        effective sample size. NaN where *p*, *se* or *n* is missing.
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
