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

*t* is Student's quantile with the design degrees of freedom. The same methods give the
intervals of ``estimate(parameter="proportion", proportion_ci=...)`` (each category's share);
the arithmetic of the limits is in :mod:`migindicators.engine.proportion_limits`, shared by
both.

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

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.frames import accepts_any_frame
from migindicators.core.result import Result
from migindicators.engine.proportion_limits import (
    PROPORTION_METHODS,
    likelihood_dispersion,
    proportion_interval,
    proportion_method,
    zeroin,
)
from migindicators.engine.survey import Design, as_design, estimate

__all__ = ["PROPORTION_METHODS", "ciprop", "likelihood_dispersion", "proportion_interval", "zeroin"]


def _replicate_logit_se(
    frame: pd.DataFrame, design: Design, y: str, by: list[str], keys: pd.DataFrame
) -> np.ndarray:
    """Replicate SE of the logit of the proportion per cell (R's replicate GLM refits)."""
    from migindicators.core.ledger import RowLedger
    from migindicators.engine.survey import _cells, _prepare, _replicate_logit_se_of

    prep = _prepare(frame, design, [y], by, RowLedger(), "frame")
    prep.work[y] = pd.to_numeric(prep.work[y], errors="raise").astype(float)
    cells = _cells(prep, y, "_one")
    assert prep.scheme is not None
    se = _replicate_logit_se_of(cells, prep.scheme)
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
    m = proportion_method(method)
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
