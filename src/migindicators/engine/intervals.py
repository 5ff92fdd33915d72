"""Confidence intervals for proportions by R ``svyciprop``'s methods.

``ciprop(frame, design, y=..., method=...)`` estimates the proportion of rows with ``y == 1``
(a 0/1 or boolean column), by domain, with the interval chosen by *method*:

==============  ========================================================================
``method``      interval (R ``svyciprop(~y, design, method=)``)
==============  ========================================================================
``logit``       (default, as R) Wald interval for the logit of *p* from the design-based
                quasi-binomial GLM, back-transformed. On a Taylor design the logit's SE is
                :math:`se(\\hat p)/(\\hat p(1-\\hat p))`; on a replicate design it is the
                replicate SE of the replicates' logits (R refits the GLM per replicate).
``likelihood``  the design-adjusted (Rao–Scott scaled) likelihood-ratio interval of the
                quasi-binomial GLM: the *μ* with
                :math:`2\\,\\mathrm{KL}(\\hat p\\,\\|\\,\\mu) = \\phi\\, t^2\\, v(\\hat p) /
                (\\hat p(1-\\hat p))`, where
                :math:`\\mathrm{KL}(\\hat p\\|\\mu) = \\hat p\\log(\\hat p/\\mu) + (1-\\hat p)
                \\log((1-\\hat p)/(1-\\mu))` is half the change in binomial deviance per unit
                weight and :math:`\\phi` R's dispersion (see below). Taylor designs only.
``xlogit``      the delta-method logit interval on any design.
``mean``        symmetric Wald interval :math:`\\hat p \\pm t\\, se`.
``asin``        arcsine square-root transform: :math:`\\sin^2(\\arcsin\\sqrt{\\hat p} \\pm t\\,
                se / (2\\sqrt{\\hat p(1-\\hat p)}))` (as R, no clipping before squaring).
``beta``        Korn & Graubard (1998): the Clopper–Pearson interval with the effective
                sample size :math:`n^* = \\hat p(1-\\hat p)/v(\\hat p) \\cdot (t_{n-1}/t_{df})^2`,
                aliases ``"korn-graubard"`` and ``"clopper-pearson"`` (it *is* Clopper–Pearson
                when the design effect is 1 and :math:`df = n - 1`).
==============  ========================================================================

*t* is Student's quantile with the design degrees of freedom.

The likelihood interval, as R: R profiles the binomial deviance of the intercept-only GLM,
divides its change by the fit's dispersion :math:`\\phi` (the design-weighted variance,
``svyvar``, of the Pearson residuals, which for a 0/1 variable is :math:`n/(n-1)`, *n* the
domain's rows) and keeps the *μ* where it stays below :math:`t^2` times the ratio of the
design-based to the model-based variance of the logit (Rao & Scott's scaling); the weights'
scale cancels. Here the equation is solved to machine precision; R reads the root off a
cubic spline through at most ten profile points on each side, so R's limits differ from
the exact ones, by up to about :math:`3 \\times 10^{-3}` relative where :math:`\\hat p` is
small. A domain with :math:`\\hat p` = 0 or 1 gets NaN limits, as with ``logit`` (R stops
with an error there: the GLM does not converge). On replicate designs R 4.1.1 gives no
interval (its replicate GLM's dispersion is *n* times too large, so the profile never
reaches the cut-off and both limits are ``NA``); ``ciprop`` raises
:class:`~migindicators.core.errors.OptionError` there.

References
----------
Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions with small
expected number of positive counts estimated from survey data. *Survey Methodology* 24,
193–201.
Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency tables
with cell proportions estimated from survey data. *Ann. Statist.* 12, 46–60.
Lumley, T. (2010). *Complex Surveys*, Wiley, §2.3.3; R ``survey``: ``svyciprop``.
Brent, R. P. (1973). *Algorithms for Minimization without Derivatives*, Prentice-Hall, ch. 4
(the root finder, as R's ``uniroot``).
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.distributions import t_quantile
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.frames import accepts_any_frame
from migindicators.core.result import Result
from migindicators.engine.estimate import DomainEstimates, ReplicateScheme, replicate_variance
from migindicators.engine.probability import beta_quantile
from migindicators.engine.survey import Design, as_design, estimate

__all__ = ["PROPORTION_METHODS", "ciprop", "likelihood_dispersion", "proportion_interval", "zeroin"]

#: Interval methods of :func:`ciprop` (R ``svyciprop``'s ``method=``).
PROPORTION_METHODS = ("logit", "likelihood", "xlogit", "mean", "asin", "beta")
_ALIASES = {
    "korn-graubard": "beta",
    "clopper-pearson": "beta",
    "wald": "mean",
    "arcsine": "asin",
}


def _method(method: str) -> str:
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
    m = _method(method)
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
            lo[i] = beta_quantile(alpha / 2, neff * p[i], neff * (1 - p[i]) + 1)
            hi[i] = beta_quantile(1 - alpha / 2, neff * p[i] + 1, neff * (1 - p[i]))
        return lo, hi


def _replicate_logit_se(
    frame: pd.DataFrame, design: Design, y: str, by: list[str], keys: pd.DataFrame
) -> np.ndarray:
    """Replicate SE of the logit of the proportion per cell (R's replicate GLM refits)."""
    from migindicators.core.ledger import RowLedger
    from migindicators.engine.survey import _cells, _prepare

    prep = _prepare(frame, design, [y], by, RowLedger(), "frame")
    prep.work[y] = pd.to_numeric(prep.work[y], errors="raise").astype(float)
    cells = _cells(prep, y, "_one")
    assert cells.est.reps is not None and prep.scheme is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = DomainEstimates(
            theta=np.log(cells.est.theta / (1 - cells.est.theta)),
            numerator=cells.est.numerator,
            denominator=cells.est.denominator,
            reps=np.log(cells.est.reps / (1 - cells.est.reps)),
        )
    scheme: ReplicateScheme = prep.scheme
    with np.errstate(invalid="ignore"):
        se: np.ndarray = np.sqrt(replicate_variance(logit, scheme))
    # A replicate with no (or only) positives in the cell has an infinite logit: R's refit
    # runs off to a huge coefficient and its interval to (0, 1); the SE is infinite.
    assert logit.reps is not None
    inf = ~np.all(np.isfinite(logit.reps), axis=1) & np.isfinite(logit.theta)
    se = np.where(inf, np.inf, se)
    if not by:
        return se
    idx = pd.MultiIndex.from_frame(cells.keys[by].reset_index(drop=True))
    return np.asarray(se[idx.get_indexer(pd.MultiIndex.from_frame(keys[by]))])


def _dispersions(
    frame: pd.DataFrame, design: Design, y: str, by: list[str], keys: pd.DataFrame
) -> np.ndarray:
    """:func:`likelihood_dispersion` per row of *keys* (the estimate table's domains)."""
    from migindicators.engine.calibration import calibrated_weights

    w = calibrated_weights(frame, design)
    usable = pd.to_numeric(frame[y], errors="coerce").notna() & w.notna()
    for col in by:
        usable &= frame[col].notna()
    out = np.full(len(keys), np.nan)
    for i in range(len(keys)):
        rows = usable.copy()
        for col in by:
            rows &= frame[col] == keys[col].iloc[i]
        out[i] = likelihood_dispersion(w[rows].to_numpy())
    return out


@accepts_any_frame
def ciprop(
    frame: pd.DataFrame,
    design: Design | Mapping[str, Any],
    *,
    y: str,
    by: str | Sequence[str] | None = None,
    method: str = "logit",
    level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
    unit: str = "1",
) -> Result:
    """Proportion of rows with ``y == 1`` by domain, with R ``svyciprop``'s interval.

    R equivalent: ``svyciprop(~y, design, method=, level=)`` (by domain:
    ``svyby(~y, ~by, design, svyciprop, method=, vartype="ci")``).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sampled unit.
    design : Design or mapping
        The sample design (calibrated designs included).
    y : str
        A 0/1 or boolean column (missing values are excluded and counted).
    by : str or sequence of str, optional
        Domain columns.
    method : {"logit", "likelihood", "xlogit", "mean", "asin", "beta"}
        Interval method (see the module docstring; ``"likelihood"`` needs a Taylor design);
        aliases ``"korn-graubard"``,
        ``"clopper-pearson"`` (= ``"beta"``), ``"wald"`` (= ``"mean"``), ``"arcsine"``.
    level : float
        Confidence level.
    quality, unit
        As :func:`~migindicators.engine.survey.estimate`.

    Returns
    -------
    Result
        As :func:`~migindicators.engine.survey.estimate` with ``parameter="mean"``; the
        interval columns follow *method*, named in ``metadata["ci"]``.
    """
    m = _method(method)
    design = as_design(design)
    if m == "likelihood" and design.is_replicate:
        raise OptionError(
            "ciprop: method='likelihood' needs a Taylor (linearization) design; R survey "
            "4.1.1's svyciprop gives no likelihood interval on replicate designs (both limits "
            "NA). Use method='logit' (R's default) or 'beta' on this replicate design"
        )
    values = pd.to_numeric(frame[y], errors="coerce") if y in frame.columns else None
    if values is not None:
        bad = values.notna() & ~values.isin([0, 1])
        if bad.any():
            raise InputValidationError(
                f"ciprop: y={y!r} must be 0/1 or boolean; found {sorted(values[bad].unique())[:5]}"
            )
    res = estimate(
        frame,
        design,
        parameter="mean",
        y=y,
        by=by,
        level=level,
        quality=quality,
        deff=False,
        unit=unit,
    )
    data = res.data.copy()
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    logit_se = None
    if m == "logit" and design.is_replicate and len(data):
        logit_se = _replicate_logit_se(frame, design, y, by_cols, data)
    phi = _dispersions(frame, design, y, by_cols, data) if m == "likelihood" else None
    n_rows = data["n"].to_numpy(dtype=float) if by_cols else float(data["n"].iloc[0])
    if m == "beta" and by_cols and design.calibration and len(data):
        # R's domain of a calibrated design keeps all its rows (weight 0 outside the domain),
        # and svyciprop's t_{n-1} counts them all.
        from migindicators.engine.calibration import calibrated_weights

        n_rows = float(calibrated_weights(frame, design).notna().sum())
    lo, hi = proportion_interval(
        data["value"].to_numpy(),
        data["se"].to_numpy(),
        data["df"].to_numpy(dtype=float),
        level,
        m,
        n=n_rows,
        logit_se=logit_se,
        phi=phi,
    )
    data["ci_lower"] = lo
    data["ci_upper"] = hi
    metadata = dict(res.metadata)
    metadata["ci"] = (
        f"{level:.0%} interval by svyciprop method={m!r}, Student t with the design degrees "
        "of freedom"
    )
    metadata["ci_method"] = m
    return Result(data=data, exclusions=res.exclusions, metadata=metadata)
