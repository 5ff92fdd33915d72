"""Confidence intervals for proportions by R ``svyciprop``'s methods.

``ciprop(frame, design, y=..., method=...)`` estimates the proportion of rows with ``y == 1``
(a 0/1 or boolean column), by domain, with the interval chosen by *method*:

============  ==========================================================================
``method``    interval (R ``svyciprop(~y, design, method=)``)
============  ==========================================================================
``logit``     (default, as R) Wald interval for the logit of *p* from the design-based
              quasi-binomial GLM, back-transformed. On a Taylor design the logit's SE is
              :math:`se(\\hat p)/(\\hat p(1-\\hat p))`; on a replicate design it is the
              replicate SE of the replicates' logits (R refits the GLM per replicate).
``xlogit``    the delta-method logit interval on any design.
``mean``      symmetric Wald interval :math:`\\hat p \\pm t\\, se`.
``asin``      arcsine square-root transform: :math:`\\sin^2(\\arcsin\\sqrt{\\hat p} \\pm t\\,
              se / (2\\sqrt{\\hat p(1-\\hat p)}))` (as R, no clipping before squaring).
``beta``      Korn & Graubard (1998): the Clopper–Pearson interval with the effective
              sample size :math:`n^* = \\hat p(1-\\hat p)/v(\\hat p) \\cdot (t_{n-1}/t_{df})^2`,
              aliases ``"korn-graubard"`` and ``"clopper-pearson"`` (it *is* Clopper–Pearson
              when the design effect is 1 and :math:`df = n - 1`).
============  ==========================================================================

*t* is Student's quantile with the design degrees of freedom. R's ``"likelihood"`` method
(the Rao–Scott scaled profile likelihood of the GLM) is not provided.

References
----------
Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions with small
expected number of positive counts estimated from survey data. *Survey Methodology* 24,
193–201.
Lumley, T. (2010). *Complex Surveys*, Wiley, §2.3.3; R ``survey``: ``svyciprop``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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

__all__ = ["PROPORTION_METHODS", "ciprop", "proportion_interval"]

#: Interval methods of :func:`ciprop` (R ``svyciprop``'s ``method=``).
PROPORTION_METHODS = ("logit", "xlogit", "mean", "asin", "beta")
_ALIASES = {
    "korn-graubard": "beta",
    "clopper-pearson": "beta",
    "wald": "mean",
    "arcsine": "asin",
}


def _method(method: str) -> str:
    m = _ALIASES.get(method.lower(), method.lower())
    if m == "likelihood":
        raise OptionError(
            "method='likelihood' (R's profile-likelihood interval) is not provided; use "
            "'logit' (R's default), 'xlogit', 'beta', 'asin' or 'mean'"
        )
    if m not in PROPORTION_METHODS:
        raise OptionError(f"method={method!r}: choose one of {PROPORTION_METHODS}")
    return m


def proportion_interval(
    p: np.ndarray,
    se: np.ndarray,
    df: np.ndarray | float,
    level: float,
    method: str,
    *,
    n: np.ndarray | float | None = None,
    logit_se: np.ndarray | None = None,
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
    """
    m = _method(method)
    p = np.asarray(p, dtype=float)
    se = np.asarray(se, dtype=float)
    dfs = np.broadcast_to(np.asarray(df, dtype=float), p.shape)
    t = np.array([t_quantile(0.5 + level / 2.0, float(d)) for d in dfs.ravel()]).reshape(p.shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        if m == "mean":
            return p - t * se, p + t * se
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
    se: np.ndarray = np.sqrt(replicate_variance(logit, scheme))
    if not by:
        return se
    idx = pd.MultiIndex.from_frame(cells.keys[by].reset_index(drop=True))
    return np.asarray(se[idx.get_indexer(pd.MultiIndex.from_frame(keys[by]))])


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
    method : {"logit", "xlogit", "mean", "asin", "beta"}
        Interval method (see the module docstring); aliases ``"korn-graubard"``,
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
    lo, hi = proportion_interval(
        data["value"].to_numpy(),
        data["se"].to_numpy(),
        data["df"].to_numpy(dtype=float),
        level,
        m,
        n=data["n"].to_numpy(dtype=float) if by_cols else float(data["n"].iloc[0]),
        logit_se=logit_se,
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
