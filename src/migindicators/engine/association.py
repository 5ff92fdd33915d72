"""Design-based tests: association in a two-way table (R ``svychisq``) and the t test of a
difference in means between two groups (R ``svyttest``).

``chisq_test(frame, design, rows=, cols=, statistic=)`` tests independence of two categorical
variables, for example migratory status × employment status, with the Pearson statistic
:math:`X^2` of the weighted table scaled to the *n* rows, corrected for the design:

=============  =============================================================================
``statistic``  (R ``svychisq(~rows + cols, design, statistic=)``)
=============  =============================================================================
``"F"``        (default, as R) Rao–Scott second-order correction: :math:`F = X^2 /
               \\mathrm{tr}(\\Delta)` on :math:`(d, d\\,\\nu)` degrees of freedom,
               :math:`d = \\mathrm{tr}(\\Delta)^2 / \\mathrm{tr}(\\Delta^2)`
``"Chisq"``    Rao–Scott first-order: :math:`X^2 / \\bar\\delta` on
               :math:`(r-1)(c-1)` degrees of freedom (reported statistic :math:`X^2`, as R)
``"Wald"``     design-based Wald test of the interaction contrasts of the cell totals,
               :math:`W / ((r-1)(c-1))` on :math:`((r-1)(c-1), \\nu)` degrees of freedom
``"adjWald"``  the same scaled by :math:`(\\nu - k + 1)/(k\\nu)` on :math:`(k, \\nu - k + 1)`
=============  =============================================================================

:math:`\\Delta` is the generalised design-effect matrix of the interaction contrasts of the
cell proportions (their design covariance against the multinomial one), :math:`\\nu` the
design degrees of freedom (PSUs minus strata; replicates: as the design's).

The covariance is the design's full one, as R's ``svymean``/``svytotal`` give ``svychisq``:
replicate covariance; or the first stage's (PSU totals within strata, with the fpc; PPS
designs: Brewer, Overton or Hartley–Rao) plus, on a multistage design, every later stage's
(R's ``multistage``); on a calibrated design, of the calibration residuals.

References
----------
Rao, J. N. K. and Scott, A. J. (1984). On chi-squared tests for multiway contingency tables
with cell proportions estimated from survey data. *Ann. Statist.* 12, 46–60.
Koch, G. G., Freeman, D. H. and Freeman, J. L. (1975). Strategies in the multivariate
analysis of data from complex surveys. *Int. Statist. Rev.* 43, 59–78.
Lumley, T. (2010). *Complex Surveys*, Wiley, §6.1; R ``survey``: ``svychisq``, ``svyttest``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.distributions import t_quantile
from migindicators.core.errors import DesignError, InputValidationError, OptionError
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.result import Result
from migindicators.engine.calibration import row_influence
from migindicators.engine.probability import chisq_sf, f_sf, t_sf
from migindicators.engine.survey import (
    Design,
    _Cells,
    _cells,
    _prepare,
    _Prepared,
    as_design,
    estimate_difference,
)

__all__ = ["CHISQ_STATISTICS", "ChisqTest", "chisq_test", "ttest"]

#: Statistics of :func:`chisq_test` (R ``svychisq``'s ``statistic=``).
CHISQ_STATISTICS = ("F", "Chisq", "Wald", "adjWald")


@dataclass(frozen=True)
class ChisqTest:
    """The result of :func:`chisq_test`.

    Attributes
    ----------
    statistic : float
        The test statistic (R's ``statistic``).
    parameter : dict
        Degrees of freedom: ``{"ndf", "ddf"}`` for F statistics, ``{"df"}`` for ``Chisq``.
    p_value : float
        Upper-tail p-value.
    method : str
        What was computed, with its R equivalent.
    pearson : float
        Pearson's :math:`X^2` of the table scaled to the *n* rows.
    table : pandas.DataFrame
        The estimated population table (weighted counts), rows × columns.
    """

    statistic: float
    parameter: dict[str, float]
    p_value: float
    method: str
    pearson: float
    table: pd.DataFrame


def _covariance(prep: _Prepared, parts: Sequence[tuple[str, str | None, _Cells]]) -> np.ndarray:
    """Design covariance matrix of several whole-population estimates, each given as
    ``(numerator, denominator, cells)`` of :func:`~migindicators.engine.survey._cells`.

    The design's full variance, as R's ``svymean``/``svytotal`` behind ``svychisq``: replicate
    covariance; or the first stage's (with-replacement PSU totals within strata with the
    fpc, or the PPS variance) plus, on a multistage design, each later stage's (R's
    ``multistage``); calibrated designs through their residuals."""
    ests = [cells.est for _, _, cells in parts]
    k = len(ests)
    if prep.scheme is not None:
        reps = np.vstack([e.reps for e in ests if e.reps is not None])
        theta = np.array([float(e.theta[0]) for e in ests])
        centre = theta[:, None] if prep.scheme.mse else reps.mean(axis=1, keepdims=True)
        dev = reps - centre
        out: np.ndarray = prep.scheme.scale * (dev * prep.scheme.rscales) @ dev.T
        return out
    strata = prep.strata
    assert strata is not None
    psu = prep.work["_psu"].to_numpy(np.intp)
    h = prep.work["_h"].to_numpy(np.intp)
    npsu = int(psu.max()) + 1
    z = np.zeros((npsu, k))
    for j, e in enumerate(ests):
        assert e.psu is not None and e.z is not None
        np.add.at(z[:, j], e.psu, e.z)
    if prep.pps is not None:
        cov: np.ndarray = prep.pps.covariance(z)
    else:
        if np.any(strata.n_psu == 1) and strata.lonely_psu in ("fail", "adjust", "average"):
            raise DesignError(
                "a stratum has a single PSU: the covariance of a test of association supports "
                "lonely_psu='remove' or 'certainty' (or 'fail', which stops here)"
            )
        stratum = np.zeros(npsu, dtype=np.intp)
        stratum[psu] = h
        nstrata = len(strata.n_psu)
        sums = np.zeros((nstrata, k))
        np.add.at(sums, stratum, z)
        n_h = strata.n_psu.astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            centred = z - (sums / n_h[:, None])[stratum]
            factor = np.where(n_h > 1, strata.f * n_h / (n_h - 1), 0.0)
        factor = np.where(strata.f < 1e-7, 0.0, factor)
        weighted = centred * factor[stratum][:, None]
        cov = weighted.T @ centred
    if prep.stages is not None:
        scores = np.column_stack(
            [
                row_influence(prep.work, [], cells.keys, num, den, cells.est)
                for num, den, cells in parts
            ]
        )
        cov = cov + prep.stages.covariance(scores)
    return cov


def _design_df(prep: _Prepared) -> float:
    return float(prep.df)


@accepts_any_frame
def chisq_test(
    frame: pd.DataFrame,
    design: Design | Mapping[str, Any],
    *,
    rows: str,
    cols: str,
    statistic: str = "F",
) -> ChisqTest:
    """Design-based test of independence of *rows* and *cols* (R ``svychisq``).

    R equivalent: ``svychisq(~rows + cols, design, statistic=)``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sampled unit.
    design : Design or mapping
        The sample design (Taylor, replicate or calibrated).
    rows, cols : str
        The two categorical columns (rows with either missing are left out).
    statistic : {"F", "Chisq", "Wald", "adjWald"}
        See the module docstring; ``"F"`` is R's default.

    Returns
    -------
    ChisqTest
    """
    if statistic not in CHISQ_STATISTICS:
        raise OptionError(f"statistic={statistic!r}: choose one of {CHISQ_STATISTICS}")
    design = as_design(design)
    if rows == cols:
        raise OptionError("rows and cols must be two different columns")
    prep = _prepare(frame, design, [rows, cols], [], RowLedger(), "frame")
    work = prep.work
    rlev = pd.Index(pd.unique(work[rows])).sort_values()
    clev = pd.Index(pd.unique(work[cols])).sort_values()
    nr, nc = len(rlev), len(clev)
    if nr < 2 or nc < 2:
        raise InputValidationError(
            f"a test of association needs two or more categories in each of {rows!r} "
            f"({nr}) and {cols!r} ({nc})"
        )
    r_code = rlev.get_indexer(pd.Index(work[rows]))
    c_code = clev.get_indexer(pd.Index(work[cols]))
    names: list[str] = []
    # Cells in R's order: the row variable varies fastest.
    for j in range(nc):
        for i in range(nr):
            name = f"_cell{i}_{j}"
            work[name] = ((r_code == i) & (c_code == j)).astype(float)
            names.append(name)
    n_rows = float(len(work))
    nu = _design_df(prep)
    w = work["_w"].to_numpy(dtype=float)
    table = np.bincount(r_code + nr * c_code, weights=w, minlength=nr * nc).reshape(nc, nr).T
    scaled = table / table.sum() * n_rows
    expected = np.outer(scaled.sum(1), scaled.sum(0)) / n_rows
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.sum((scaled - expected) ** 2 / expected))
    out_table = pd.DataFrame(table, index=rlev, columns=clev)
    k = (nr - 1) * (nc - 1)
    if statistic in ("Wald", "adjWald"):
        for i in range(nr):
            work[f"_row{i}"] = (r_code == i).astype(float)
        for j in range(nc):
            work[f"_col{j}"] = (c_code == j).astype(float)
        work["_all"] = 1.0
        cols_all = names + [f"_row{i}" for i in range(nr)] + [f"_col{j}" for j in range(nc)]
        totals = [(c, None, _cells(prep, c, None)) for c in [*cols_all, "_all"]]
        tot = np.array([float(cells.est.theta[0]) for _, _, cells in totals])
        cov = _covariance(prep, totals)
        cells, rt, ct, big_n = (
            tot[: nr * nc],
            tot[nr * nc : nr * nc + nr],
            tot[-nc - 1 : -1],
            tot[-1],
        )
        ri = np.tile(np.arange(nr), nc)
        ci = np.repeat(np.arange(nc), nr)
        jac = np.zeros((nr * nc, len(tot)))
        jac[:, : nr * nc] = np.eye(nr * nc)
        for cell in range(nr * nc):
            jac[cell, nr * nc + ri[cell]] = -ct[ci[cell]] / big_n
            jac[cell, nr * nc + nr + ci[cell]] = -rt[ri[cell]] / big_n
            jac[cell, -1] = rt[ri[cell]] * ct[ci[cell]] / big_n**2
        y = cells - rt[ri] * ct[ci] / big_n
        v = jac @ cov @ jac.T
        use = np.arange(nr * nc).reshape(nc, nr).T[1:, 1:].T.ravel()
        use = np.sort(use)
        wald = float(y[use] @ np.linalg.solve(v[np.ix_(use, use)], y[use]))
        if statistic == "Wald":
            stat, ndf, ddf = wald / k, float(k), nu
        else:
            ddf = nu - k + 1
            stat, ndf = wald * ddf / (k * nu), float(k)
        return ChisqTest(
            statistic=stat,
            parameter={"ndf": ndf, "ddf": ddf},
            p_value=f_sf(stat, ndf, ddf),
            method=f"Design-based {statistic} test of association (R svychisq statistic="
            f"{statistic!r})",
            pearson=pearson,
            table=out_table,
        )
    means = [(c, "_one", _cells(prep, c, "_one")) for c in names]
    mean = np.array([float(cells.est.theta[0]) for _, _, cells in means])
    cov = _covariance(prep, means)
    # Interaction contrasts orthogonal to the main effects (R: qr.resid(qr(X1), X12[, ...])).
    ri = np.tile(np.arange(nr), nc)
    ci = np.repeat(np.arange(nc), nr)
    x1 = np.column_stack(
        [np.ones(nr * nc)]
        + [(ri == i).astype(float) for i in range(1, nr)]
        + [(ci == j).astype(float) for j in range(1, nc)]
    )
    x12 = np.column_stack(
        [((ri == i) & (ci == j)).astype(float) for j in range(1, nc) for i in range(1, nr)]
    )
    coef, *_ = np.linalg.lstsq(x1, x12, rcond=None)
    cmat = x12 - x1 @ coef
    with np.errstate(divide="ignore"):
        inv = np.where(mean == 0, 0.0, 1.0 / np.where(mean == 0, 1.0, mean))
    idm = np.diag(inv)
    denom = cmat.T @ (idm / n_rows) @ cmat
    numr = cmat.T @ idm @ cov @ idm @ cmat
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    d0 = tr**2 / float(np.trace(delta @ delta))
    if statistic == "F":
        stat = pearson / tr
        return ChisqTest(
            statistic=stat,
            parameter={"ndf": d0, "ddf": d0 * nu},
            p_value=f_sf(stat, d0, d0 * nu),
            method="Pearson's X^2: Rao & Scott second-order adjustment (R svychisq statistic='F')",
            pearson=pearson,
            table=out_table,
        )
    mean_delta = tr / delta.shape[0]
    return ChisqTest(
        statistic=pearson,
        parameter={"df": float(delta.shape[0])},
        p_value=chisq_sf(pearson / mean_delta, float(delta.shape[0])),
        method="Pearson's X^2: Rao & Scott first-order adjustment (R svychisq "
        "statistic='Chisq'); p-value of X^2 / mean(delta)",
        pearson=pearson,
        table=out_table,
    )


@accepts_any_frame
def ttest(
    frame: pd.DataFrame,
    design: Design | Mapping[str, Any],
    *,
    y: str,
    group: str,
    levels: tuple[Any, Any] | None = None,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
) -> Result:
    """Design-based t test of a difference in means between two groups (R ``svyttest``).

    R equivalent: ``svyttest(y ~ group, design)``: the estimate is the mean of the second
    level minus the mean of the first (R's reference level, the first in sorted order), its
    SE the design-based SE of the difference (with the covariance of the two domains), and
    the test is Student's t on the design degrees of freedom minus one (the residual df of
    R's ``svyglm``).

    Parameters
    ----------
    y : str
        Numeric column [any unit].
    group : str
        The column with the two groups.
    levels : tuple, optional
        ``(a, b)``: test mean(b) − mean(a); default the two values of *group* in sorted order.
    by : str or sequence of str, optional
        One test per cell of these domain columns (R: ``svyby`` of the test).
    level : float
        Confidence level of the interval of the difference.

    Returns
    -------
    Result
        Per *by* cell: ``value`` (the difference), ``se``, ``ci_lower``, ``ci_upper``,
        ``statistic`` (t), ``df``, ``p_value`` (two-sided), ``estimate_a``, ``estimate_b``.
    """
    design = as_design(design)
    if levels is None:
        found = pd.unique(frame[group].dropna())
        if len(found) != 2:
            raise InputValidationError(
                f"ttest: group={group!r} must have exactly two values, found {len(found)} "
                "(pass levels=(a, b) to choose two)"
            )
        a, b = sorted(found)
        levels = (a, b)
    res = estimate_difference(
        frame,
        design,
        parameter="mean",
        y=y,
        compare=group,
        levels=(levels[1], levels[0]),
        by=by,
        level=level,
        quality=[],
    )
    data = res.data.copy()
    data = data.rename(columns={"estimate_a": "estimate_b", "estimate_b": "estimate_a"})
    df = data["df"].to_numpy(dtype=float) - 1
    se = data["se"].to_numpy(dtype=float)
    value = data["value"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = value / se
    t = np.array([t_quantile(0.5 + level / 2.0, d) for d in df])
    data["df"] = df
    data["statistic"] = stat
    data["p_value"] = [2 * t_sf(abs(s), d) for s, d in zip(stat, df, strict=True)]
    data["ci_lower"] = value - t * se
    data["ci_upper"] = value + t * se
    metadata = dict(res.metadata)
    metadata["test"] = (
        f"design-based t test (R svyttest) of mean({levels[1]}) - mean({levels[0]}) = 0, "
        "Student t on the design df minus one"
    )
    return Result(data=data, exclusions=res.exclusions, metadata=metadata)
