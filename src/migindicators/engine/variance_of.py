"""The population variance of a variable (R ``svyvar``).

``variance_of(frame, design, y=...)`` estimates :math:`S^2_y`, the population variance of *y*,
by domain, as R ``svyvar``: the design-weighted mean of
:math:`(y_i - \\bar y)^2\\, n/(n-1)` with :math:`\\bar y` the weighted mean and *n* the rows
with a non-zero weight (of the domain, as ``svyby(~y, ~d, design, svyvar)``); its standard
error is that of this mean, with :math:`\\bar y` held fixed (as R).

References
----------
Kish, L. (1965). *Survey Sampling*, Wiley, §8.2. Lumley, T. (2010). *Complex Surveys*,
Wiley, §2.4; R ``survey``: ``svyvar``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.distributions import t_quantile
from migindicators.core.errors import MissingColumnError
from migindicators.core.frames import accepts_any_frame
from migindicators.core.result import Result
from migindicators.engine.calibration import calibrated_weights
from migindicators.engine.survey import Design, as_design, estimate

__all__ = ["variance_of"]


def _replicate(
    frame: pd.DataFrame,
    design: Design,
    y: str,
    by: list[str],
    data: pd.DataFrame,
    level: float,
) -> pd.DataFrame:
    """Replicate designs: the variance re-estimated with each replicate's own mean (R's
    ``svyvar.svyrep.design``), and the replicate variance of those."""
    from migindicators.core.ledger import RowLedger
    from migindicators.engine.estimate import replicate_estimates, replicate_variance
    from migindicators.engine.survey import _prepare
    from migindicators.engine.tabulate import tabulate

    prep = _prepare(frame, design, [y], by, RowLedger(), "frame")
    work = prep.work
    work[y] = pd.to_numeric(work[y], errors="raise").astype(float)
    work["_yy"] = work[y] * work[y]
    tab = tabulate(work, by, weights=["_w", *prep.reps], values=[y, "_yy"])
    n = tab["n"].to_numpy(dtype=float)
    factor = n / (n - 1)

    def stat(w: str | list[str]) -> np.ndarray:
        cols = [w] if isinstance(w, str) else w
        sw = tab[cols].to_numpy(dtype=float)
        swy = tab[[f"{c}*{y}" for c in cols]].to_numpy(dtype=float)
        swyy = tab[[f"{c}*_yy" for c in cols]].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (swyy / sw - (swy / sw) ** 2) * factor[:, None]
        return np.asarray(out)

    theta = stat("_w")[:, 0]
    est = replicate_estimates(theta, None, stat(prep.reps), None)
    assert prep.scheme is not None
    variance = replicate_variance(est, prep.scheme)
    out = data.copy()
    if by:
        idx = pd.MultiIndex.from_frame(tab[by].reset_index(drop=True))
        pos = idx.get_indexer(pd.MultiIndex.from_frame(out[by]))
    else:
        pos = np.zeros(len(out), dtype=np.intp)
    t = t_quantile(0.5 + level / 2.0, float(prep.df))
    se = np.sqrt(variance[pos])
    out["value"] = theta[pos]
    out["se"] = se
    out["variance"] = variance[pos]
    out["ci_lower"] = out["value"] - t * se
    out["ci_upper"] = out["value"] + t * se
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv"] = se / np.abs(out["value"])
    return out


@accepts_any_frame
def variance_of(
    frame: pd.DataFrame,
    design: Design | Mapping[str, Any],
    *,
    y: str,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
    unit: str = "",
) -> Result:
    """Population variance of *y* by domain, with its design-based SE (R ``svyvar``).

    R equivalent: ``svyvar(~y, design)``; by domain ``svyby(~y, ~by, design, svyvar)``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sampled unit.
    design : Design or mapping
        The sample design (calibrated designs included).
    y : str
        Numeric column [unit *u*; the variance is in *u* squared].
    by : str or sequence of str, optional
        Domain columns.
    level, quality, unit
        As :func:`~migindicators.engine.survey.estimate`.

    Returns
    -------
    Result
        As ``estimate(parameter="mean")`` of the squared deviations: ``value`` is the
        variance [*u* squared], ``se`` its standard error.
    """
    design = as_design(design)
    by_cols = [] if by is None else ([by] if isinstance(by, str) else list(by))
    if y not in frame.columns:
        raise MissingColumnError(f"variance_of: column {y!r} not found")
    values = pd.to_numeric(frame[y], errors="raise").astype(float)
    w = calibrated_weights(frame, design)
    usable = values.notna() & w.notna()
    for col in by_cols:
        usable &= frame[col].notna()
    if by_cols:
        groups = frame.loc[usable, by_cols].astype(object).apply(tuple, axis=1)
    else:
        groups = pd.Series(0, index=frame.index[usable])
    wv, yv = w[usable], values[usable]
    sw = wv.groupby(groups).sum()
    mean = (wv * yv).groupby(groups).sum() / sw
    n = (wv != 0).groupby(groups).sum().astype(float)
    dev = pd.Series(np.nan, index=frame.index)
    g_mean = groups.map(mean)
    g_n = groups.map(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev[usable] = (yv - g_mean) ** 2 * g_n / (g_n - 1)
    # y replaced by its squared deviations: exclusions are still counted under y's name.
    work = frame.assign(**{y: dev})
    res = estimate(
        work,
        design,
        parameter="mean",
        y=y,
        by=by_cols or None,
        level=level,
        quality=quality,
        deff=False,
        unit=unit,
    )
    data = res.data
    if design.is_replicate and len(data):
        data = _replicate(frame, design, y, by_cols, data, level)
    metadata = dict(res.metadata)
    metadata["statistic"] = f"population variance of {y} (svyvar)"
    return Result(data=data, exclusions=res.exclusions, metadata=metadata)
