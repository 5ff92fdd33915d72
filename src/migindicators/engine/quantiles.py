"""Quantiles with R ``svyquantile``'s rules and interval types, by domain.

``quantiles(frame, design, y=..., probs=(0.25, 0.5, 0.75), qrule=..., interval_type=...)``.

Quantile rules (``qrule``, R's ``qrule=``: ``"math"``, ``"school"``, ``"hf1"``–``"hf9"``,
``"shahvaish"``) are defined in :mod:`migindicators.engine.quantile_rules`.

Interval types (``interval_type``, R's ``interval.type=``):

- ``"mean"`` (default), ``"beta"``, ``"xlogit"``, ``"asin"``: Woodruff's interval. The
  proportion :math:`\\hat F = \\hat P(y \\le \\hat q)` and its design SE are estimated, an
  interval for it is built by the proportion method of that name (see
  :mod:`migindicators.engine.intervals`), and its limits are mapped back through the quantile
  rule; a limit outside [0, 1] gives NaN (as R);
- ``"quantile"`` (replicate designs only): the quantile is recomputed with each replicate's
  weights and its replicate variance gives a symmetric t interval (R's ``repCI``);
- ``"score"`` (Taylor designs only, as R): Francisco & Fuller's score-test inversion. With
  :math:`U_i(\\theta) = 1\\{y_i > \\theta\\} - (1 - p)`, the limits are the roots in
  :math:`\\theta` of :math:`\\bar U(\\theta)/se(\\bar U(\\theta)) = \\pm t` (design mean and
  SE, in the domain), searched as R does, by Brent's method on
  :math:`[\\min y + IQR/100, \\max y - IQR/100]` with tolerance :math:`1/(100\\sqrt{n})`
  (*n* the rows of the domain's design; the statistic is a step function, so the root is
  where it jumps and the path decides its side). As R, each root :math:`\\theta` is then
  mapped to a limit by the quantile rule at the **unweighted** share of rows with
  :math:`y \\le \\theta`. On a calibrated design R's domain keeps every row of the design
  (weight 0 outside it), so the range, the tolerance and that share are taken over all rows;
  the library follows. Where the statistic has the same sign at both ends of the range R
  stops with an error; the library raises :class:`~migindicators.core.errors.EstimationError`
  naming the domain.

The reported SE is the interval's width over :math:`2 t_{df}` (as R). By domain on a
calibrated design, the ``"beta"`` type counts all the design's rows in :math:`t_{n-1}` (R's
domain keeps them at weight 0). Difference from R 4.1.1: on replicate designs R ignores
``interval.type`` ``"beta"``, ``"xlogit"`` and ``"asin"`` (its replicate method calls the
Woodruff interval without the type, so they give the ``"mean"`` interval); here the type
asked is applied.

References
----------
Woodruff, R. S. (1952). Confidence intervals for medians and other position measures. *JASA*
47, 635–646. Francisco, C. A. and Fuller, W. A. (1986). Estimation of the distribution
function with a complex survey. Technical report, Iowa State University. Brent, R. P.
(1973). *Algorithms for Minimization without Derivatives*, Prentice-Hall. Hyndman, R. J. and
Fan, Y. (1996). Sample quantiles in statistical packages. *Amer. Statist.* 50, 361–365.
Shah, B. V. and Vaish, A. K. (2006). Confidence intervals for quantile estimation from
complex survey data. *Proceedings of the Section on Survey Research Methods*, American
Statistical Association.
Lumley, T. R ``survey``: ``svyquantile``, ``oldsvyquantile``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.distributions import t_quantile
from migindicators.core.errors import EstimationError, OptionError
from migindicators.core.frames import accepts_any_frame
from migindicators.core.result import Result
from migindicators.engine.calibration import calibrated_weights
from migindicators.engine.estimate import DomainEstimates, replicate_variance
from migindicators.engine.proportion_limits import proportion_interval, zeroin
from migindicators.engine.quantile_rules import QUANTILE_RULES, weighted_quantile
from migindicators.engine.survey import Design, as_design, estimate

__all__ = ["INTERVAL_TYPES", "QUANTILE_RULES", "quantiles", "weighted_quantile"]

#: Quantile interval types: R ``svyquantile``'s ``interval.type``.
INTERVAL_TYPES = ("mean", "beta", "xlogit", "asin", "quantile", "score")


@accepts_any_frame
def quantiles(
    frame: pd.DataFrame,
    design: Design | Mapping[str, Any],
    *,
    y: str,
    probs: Sequence[float] = (0.5,),
    by: str | Sequence[str] | None = None,
    qrule: str = "math",
    interval_type: str = "mean",
    level: float = 0.95,
    unit: str = "",
) -> Result:
    """Quantiles of *y* by domain with R ``svyquantile``'s rules and intervals.

    R equivalent: ``svyquantile(~y, design, quantiles=probs, qrule=, interval.type=,
    alpha=1-level)``; by domain ``svyby(~y, ~by, design, svyquantile, ...)``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sampled unit.
    design : Design or mapping
        The sample design (Taylor, replicate or calibrated).
    y : str
        Numeric column [unit *u*].
    probs : sequence of float
        Probabilities in (0, 1).
    by : str or sequence of str, optional
        Domain columns.
    qrule : str
        One of :data:`QUANTILE_RULES` (see the module docstring); ``"math"`` is R's default.
    interval_type : str
        One of :data:`INTERVAL_TYPES`; ``"quantile"`` needs a replicate design, ``"score"``
        a Taylor one (as R).
    level : float
        Confidence level.

    Returns
    -------
    Result
        One row per domain cell and probability (column ``q``): ``value`` [u], ``se``,
        ``ci_lower``, ``ci_upper``, ``n``, ``df``.
    """
    design = as_design(design)
    if qrule not in QUANTILE_RULES:
        raise OptionError(f"qrule={qrule!r}: choose one of {QUANTILE_RULES}")
    if interval_type not in INTERVAL_TYPES:
        raise OptionError(f"interval_type={interval_type!r}: choose one of {INTERVAL_TYPES}")
    if interval_type == "quantile" and not design.is_replicate:
        raise OptionError("interval_type='quantile' (replicate SEs) needs a replicate design")
    if interval_type == "score" and design.is_replicate:
        raise OptionError(
            "interval_type='score' (Francisco & Fuller's score-test inversion) needs a Taylor "
            "(linearization) design: R's svyquantile has no score interval for replicate "
            "designs. Use "
            "interval_type='quantile' (replicate SEs) or 'mean' (Woodruff)"
        )
    probs = [float(p) for p in probs]
    if not probs or any(not 0.0 < p < 1.0 for p in probs):
        raise OptionError(f"probs={probs}: probabilities must be in (0, 1)")
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    values = pd.to_numeric(frame[y], errors="raise").astype(float)
    w = calibrated_weights(frame, design)
    usable = values.notna() & w.notna()
    for col in by_cols:
        usable &= frame[col].notna()
    if by_cols:
        domain = frame[by_cols].astype(object).apply(tuple, axis=1)
    else:
        domain = pd.Series([()] * len(frame), index=frame.index, dtype=object)
    cells = sorted(set(domain[usable]))
    reps = design.replicate_columns(frame) if interval_type == "quantile" else []
    rep_w = _replicate_weights(frame, design, reps) if reps else None
    parts: list[pd.DataFrame] = []
    alpha = 1 - level
    for p in probs:
        qhat = {}
        for cell in cells:
            rows = (usable & (domain == cell)).to_numpy()
            qhat[cell] = weighted_quantile(values.to_numpy()[rows], w.to_numpy()[rows], p, qrule)
        le = pd.Series(np.nan, index=frame.index)
        mapped = domain[usable].map(qhat)
        le[usable] = (values[usable] <= mapped.astype(float)).astype(float)
        res = _design_mean_of(frame, le.to_numpy(), design, by_cols, level)
        data = res.data.copy()
        keys = (
            [tuple(r) for r in data[by_cols].itertuples(index=False, name=None)]
            if by_cols
            else [()]
        )
        df = data["df"].to_numpy(dtype=float)
        t = np.array([t_quantile(1 - alpha / 2, d) for d in df])
        value = np.array([qhat[k] for k in keys])
        if interval_type == "quantile":
            assert rep_w is not None
            lo, hi = _replicate_interval(
                design, values, rep_w, usable, domain, keys, p, qrule, value, t
            )
        elif interval_type == "score":
            lo, hi = _score_interval(
                frame, design, values, w, usable, domain, keys, by_cols, p, qrule, t, level
            )
        else:
            # svyquantile's beta interval counts the rows of R's domain design: all the
            # design's rows when it is calibrated (weight 0 outside the domain).
            n_rows = (
                float(w.notna().sum())
                if design.calibration and by_cols
                else data["n"].to_numpy(dtype=float)
            )
            plo, phi = proportion_interval(
                data["value"].to_numpy(),
                data["se"].to_numpy(),
                df,
                level,
                interval_type,
                n=n_rows,
            )
            lo = np.full(len(keys), np.nan)
            hi = np.full(len(keys), np.nan)
            for i, cell in enumerate(keys):
                rows = (usable & (domain == cell)).to_numpy()
                xv, wv = values.to_numpy()[rows], w.to_numpy()[rows]
                if np.isfinite(plo[i]) and plo[i] >= 0:
                    lo[i] = weighted_quantile(xv, wv, float(plo[i]), qrule)
                if np.isfinite(phi[i]) and phi[i] <= 1:
                    hi[i] = weighted_quantile(xv, wv, float(phi[i]), qrule)
        out = data[by_cols].copy() if by_cols else pd.DataFrame(index=data.index)
        out["q"] = p
        out["value"] = value
        out["se"] = (hi - lo) / (2 * t)
        out["ci_lower"] = lo
        out["ci_upper"] = hi
        out["n"] = data["n"].to_numpy()
        out["df"] = df
        out["weighted_n"] = data["weighted_n"].to_numpy()
        out["unit"] = unit or "1"
        out["flag"] = data["flag"].to_numpy()
        parts.append(out)
    table = pd.concat(parts, ignore_index=True)
    metadata = dict(res.metadata)
    metadata["indicator"] = metadata["name"] = "survey_quantile"
    metadata["method"] = f"quantile (rule {qrule!r}); interval {interval_type!r} " + (
        "(replicate variance of the replicate quantiles)"
        if interval_type == "quantile"
        else "(Woodruff)"
    )
    metadata["ci"] = f"{level:.0%} svyquantile interval.type={interval_type!r}"
    return Result(data=table, exclusions=res.exclusions, metadata=metadata)


def _design_mean_of(
    frame: pd.DataFrame, indicator: np.ndarray, design: Design, by_cols: list[str], level: float
) -> Result:
    """The design-based mean of a 0/1 row indicator (NaN outside the usable rows), by domain.

    Both Woodruff's interval (F at the estimate) and the score interval (F at a trial value)
    need the estimated CDF with its design SE and domain df; this is that one estimate.
    """
    column = "_le"
    while column in frame.columns:  # never overwrite a user's column
        column = "_" + column
    return estimate(
        frame.assign(**{column: indicator}),
        design,
        parameter="mean",
        y=column,
        by=by_cols or None,
        level=level,
        quality=[],
        deff=False,
    )


def _score_interval(
    frame: pd.DataFrame,
    design: Design,
    values: pd.Series,
    w: pd.Series,
    usable: pd.Series,
    domain: pd.Series,
    keys: list[tuple[Any, ...]],
    by_cols: list[str],
    p: float,
    qrule: str,
    t: np.ndarray,
    level: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Francisco & Fuller's score interval per domain (R's ``ffullerCI``; see the module).

    The roots of all domains are searched together: each round evaluates every domain's
    current point with one design-based estimate by domain.
    """
    x_all = values.to_numpy(dtype=float)
    w_all = w.to_numpy(dtype=float)
    # R's x: the rows of its domain design (all rows when calibrated, weight 0 outside).
    in_cell = [(usable & (domain == cell)).to_numpy() for cell in keys]
    r_rows = [usable.to_numpy() if design.calibration else m for m in in_cell]

    def statistic(theta: np.ndarray) -> np.ndarray:
        """p - F(theta) over its design SE, per domain (R's score statistic)."""
        le = np.full(len(frame), np.nan)
        for k, m in enumerate(in_cell):
            le[m] = (x_all[m] <= theta[k]).astype(float)
        res = _design_mean_of(frame, le, design, by_cols, level).data
        if by_cols:
            pos = {tuple(r): i for i, r in enumerate(res[by_cols].itertuples(index=False))}
            order = [pos[k] for k in keys]
        else:
            order = [0]
        f = res["value"].to_numpy()[order]
        se = res["se"].to_numpy()[order]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.asarray((p - f) / se, dtype=float)

    lows, highs = [], []
    for rows in r_rows:
        xk = x_all[rows]
        q75, q25 = np.percentile(xk, [75, 25])
        iqr = q75 - q25
        lows.append(float(xk.min() + iqr / 100))
        highs.append(float(xk.max() - iqr / 100))
    lower_t, upper_t = np.array(lows), np.array(highs)
    s_low, s_up = statistic(lower_t), statistic(upper_t)
    limits = np.full((2, len(keys)), np.nan)
    for side, sign in enumerate((1.0, -1.0)):
        qlimit = sign * t
        with np.errstate(invalid="ignore"):
            f_low, f_up = s_low - qlimit, s_up - qlimit
        gens: dict[int, Any] = {}
        points: dict[int, float] = {}
        for k in range(len(keys)):
            if not (f_low[k] * f_up[k] <= 0):
                raise EstimationError(
                    f"quantiles: interval_type='score' for p={p} in domain "
                    f"{dict(zip(by_cols, keys[k], strict=True)) if by_cols else 'all'}: the "
                    f"score statistic minus {qlimit[k]:.4g} has the same sign at both ends "
                    f"of the search range [{lower_t[k]:.6g}, {upper_t[k]:.6g}] (R's uniroot "
                    "stops here too); use interval_type='mean' (Woodruff) for this domain"
                )
            tol = 1 / (100 * np.sqrt(int(r_rows[k].sum())))
            gen = zeroin(lower_t[k], upper_t[k], f_low[k], f_up[k], tol)
            try:
                points[k] = next(gen)
                gens[k] = gen
            except StopIteration as stop:
                limits[side, k] = stop.value
        while gens:
            theta = np.array([points.get(k, lower_t[k]) for k in range(len(keys))])
            with np.errstate(invalid="ignore"):
                fx = statistic(theta) - qlimit
            for k in list(gens):
                try:
                    points[k] = gens[k].send(float(fx[k]))
                except StopIteration as stop:
                    limits[side, k] = stop.value
                    del gens[k]
    lo = np.full(len(keys), np.nan)
    hi = np.full(len(keys), np.nan)
    for k, rows in enumerate(r_rows):
        xk, wk = x_all[rows], np.where(in_cell[k], w_all, 0.0)[rows]
        for side, out in ((0, lo), (1, hi)):
            # R maps the root back through the rule at the unweighted share below it.
            share = float(np.mean(xk <= limits[side, k]))
            out[k] = weighted_quantile(xk, wk, share, qrule)
    return lo, hi


def _replicate_weights(frame: pd.DataFrame, design: Design, reps: list[str]) -> np.ndarray:
    """The (calibrated) replicate weights of *frame*'s rows (NaN where not calibrated)."""
    if not design.calibration:
        return frame[reps].to_numpy(dtype=float)
    from migindicators.engine.calibration import apply_calibration

    w = frame[design.weight].to_numpy(dtype=float) if design.weight else np.ones(len(frame))
    ok = ~np.isnan(w)
    out = np.full((len(frame), len(reps)), np.nan)
    _, new, _ = apply_calibration(
        frame.loc[ok], design.calibration, w[ok], frame.loc[ok, reps].to_numpy(float)
    )
    assert new is not None
    out[ok] = new
    return out


def _replicate_interval(
    design: Design,
    values: pd.Series,
    rep_w: np.ndarray,
    usable: pd.Series,
    domain: pd.Series,
    keys: list[tuple[Any, ...]],
    p: float,
    qrule: str,
    value: np.ndarray,
    t: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    scheme = design.scheme(rep_w.shape[1])
    theta = np.zeros((len(keys), rep_w.shape[1]))
    for i, cell in enumerate(keys):
        rows = (usable & (domain == cell)).to_numpy()
        xv = values.to_numpy()[rows]
        for r in range(rep_w.shape[1]):
            theta[i, r] = weighted_quantile(xv, rep_w[rows, r], p, qrule)
    est = DomainEstimates(theta=value, numerator=value, denominator=np.ones_like(value), reps=theta)
    se = np.sqrt(replicate_variance(est, scheme))
    return value - t * se, value + t * se
