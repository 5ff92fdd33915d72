"""Sample designs and design-based estimates with standard errors (names follow R ``survey``).

>>> import migindicators as mi  # doctest: +SKIP
>>> design = mi.survey.Design(weight="w", strata="s", psu="p", fpc="N", lonely_psu="fail")
>>> res = mi.survey.estimate(frame, design, parameter="mean", y="income", by=["sex"])
>>> rep = mi.survey.Design(weight="w", replicate_weights=["r1", "r2"], replicate_method="fay",
...                        fay_rho=0.3, mse=False)  # doctest: +SKIP

``estimate(frame, design, parameter, y, x=None, by=None, *, q=0.5, level=0.95, quality=None,
deff=True, unit="")`` returns a :class:`~migindicators.core.result.Result` with, per domain cell,
``value``, ``se``, ``ci_lower``, ``ci_upper``, ``n`` (unweighted rows) and the extra columns
``variance``, ``cv``, ``deff``, ``effective_n`` (n / deff), ``df`` and ``weighted_n``.
``parameter`` is ``total``, ``mean``,
``ratio`` (total of *y* over total of *x*), ``proportion`` (one row per category of *y*, in a
column named after *y*) or ``quantile`` (``q=``, Woodruff interval).

``estimate_difference(frame, design, parameter, y, compare, levels, x=None, by=None, ...)``
estimates ``theta(levels[0]) - theta(levels[1])`` between two domains defined by the column
*compare*, within each cell of *by*; its variance includes the covariance of the two domain
estimates (PSU scores differenced within PSU; replicate estimates differenced per replicate).

Conventions (R ``survey``, checked against golden figures in ``tests/reference``):

- Taylor variance is the with-replacement ("ultimate cluster") estimator on PSU totals of the
  linearised scores; a PSU is the pair (stratum, PSU), as ``nest=TRUE``; without ``psu`` each
  row is its own PSU; without ``strata`` there is one stratum.
- ``fpc`` names a column of first-stage population sizes per stratum, or of sampling
  fractions when every value is <= 1; ``f_h = 1 - n_h / N_h``.
- Domains are subpopulations of the whole design: rows outside a domain keep their PSU (score
  0), never a subset of the design.
- Rows with a missing ``y`` (or ``x``), weight or design variable are left out first and
  counted in ``Result.exclusions``; degrees of freedom are counted on the rows analysed. Rows
  with a missing domain value stay in the design (as ``svyby``), unreported and counted.
- Intervals are Student-t with the design degrees of freedom: PSUs minus strata (Taylor),
  replicates minus one (replicate designs; R uses the rank of the replicate weights minus one,
  equal to it for full-rank designs; override with ``replicate_df``). Proportions use the logit
  interval, as ``svyciprop(method="logit")``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.provenance import provenance
from migindicators.core.quality import apply_rules
from migindicators.core.result import VALUE_COLUMNS, Result
from migindicators.engine.calibration import CalibrationState, CalibrationStep, apply_calibration
from migindicators.engine.distributions import t_quantile
from migindicators.engine.estimate import (
    DomainEstimates,
    ReplicateScheme,
    StrataInfo,
    replicate_estimates,
    replicate_variance,
    taylor_estimates,
    taylor_variance,
)
from migindicators.engine.multistage import PPSState, StageState, pps_method, pps_state, stage_state
from migindicators.engine.tabulate import group_codes, tabulate

__all__ = [
    "LONELY_PSU",
    "PARAMETERS",
    "REPLICATE_METHODS",
    "Design",
    "as_design",
    "estimate",
    "estimate_cells",
    "estimate_difference",
]

#: Placeholder of a missing domain value: such rows stay in the design, their cell is dropped.
MISSING_DOMAIN = "<missing domain>"  # numeric domain columns use +inf
PARAMETERS = ("total", "mean", "ratio", "proportion", "quantile")
LONELY_PSU = ("fail", "remove", "certainty", "adjust", "average")
#: Replicate method → variance scale given R replicates (R ``survey``'s ``svrepdesign``).
REPLICATE_METHODS = ("jk1", "jkn", "brr", "fay", "bootstrap", "sdr")
_METHOD_ALIASES = {
    "successive-difference": "sdr",
    "acs": "sdr",
    "jackknife": "jk1",
    "fay-brr": "fay",
}


@dataclass(frozen=True)
class Design:
    """A sample design: weights with strata/PSU/fpc (Taylor), or replicate weights.

    Parameters
    ----------
    weight : str, optional
        Full-sample weight column. ``None``: unweighted (every row weight 1, said so in the
        result).
    strata, psu : str, optional
        Stratum and first-stage cluster columns (PSU codes may restart within strata).
    fpc : str, optional
        Population size of first-stage units per stratum, or sampling fraction if all <= 1.
    lonely_psu : {"fail", "remove", "certainty", "adjust", "average"}
        Strata with one PSU, as R's ``options(survey.lonely.psu=)``; default ``"fail"``.
    replicate_weights : sequence of str or str, optional
        Replicate weight columns (final weights, not factors), or a regular expression that
        selects them (e.g. ``"REPWTP[0-9]+"``).
    replicate_method : {"jk1", "jkn", "brr", "fay", "bootstrap", "sdr"}, optional
        Variance scale: JK1 (R-1)/R, JKn 1 with ``rscales`` (n_h-1)/n_h, BRR 1/R, Fay
        1/(R(1-rho)^2), bootstrap 1/(R-1), SDR (ACS/IPUMS REPWTP) 4/R.
    fay_rho : float
        Fay coefficient for ``"fay"`` (the weights already carry the Fay factors).
    mse : bool
        Centre replicate variance on the full-sample estimate (True) or on the mean of the
        replicate estimates (False, R's default).
    scale, rscales : optional
        Override the overall scale and per-replicate factors (as R's ``svrepdesign``).
    replicate_df : int, optional
        Degrees of freedom of a replicate design (default: replicates minus one).
    ssu, fpc2 : str, optional
        Second-stage cluster column and its population sizes per PSU (or sampling fractions):
        the two-stage variance with an fpc at each stage, R's ``svydesign(ids=~psu+ssu,
        fpc=~fpc+fpc2)`` (see :mod:`migindicators.engine.multistage`).
    ultimate_cluster : bool
        Keep only the first-stage (ultimate-cluster) variance, as R's
        ``options(survey.ultimate.cluster=TRUE)``.
    prob, pps : str, optional
        PSU inclusion probabilities and the PPS-without-replacement variance
        (``"brewer"``, ``"overton"``, ``"hartley-rao"``), R's ``svydesign(fpc=~prob, pps=)``;
        the weight defaults to ``1/prob``.
    pps_psum : float, optional
        Hartley–Rao's population mean of squared probabilities (R's ``HR(psum)``).
    calibration : tuple of CalibrationStep
        Calibrations of the weights, in order (made by :func:`~migindicators.survey.calibrate`,
        :func:`~migindicators.survey.rake`, :func:`~migindicators.survey.post_stratify`).
    """

    weight: str | None = None
    strata: str | None = None
    psu: str | None = None
    fpc: str | None = None
    lonely_psu: str = "fail"
    replicate_weights: tuple[str, ...] | str | None = None
    replicate_method: str | None = None
    fay_rho: float = 0.0
    mse: bool = False
    scale: float | None = None
    rscales: tuple[float, ...] | None = None
    replicate_df: int | None = None
    ssu: str | None = None
    fpc2: str | None = None
    ultimate_cluster: bool = False
    prob: str | None = None
    pps: str | None = None
    pps_psum: float | None = None
    calibration: tuple[CalibrationStep, ...] = ()
    _checked: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.replicate_weights, list):
            object.__setattr__(self, "replicate_weights", tuple(self.replicate_weights))
        if isinstance(self.rscales, list):
            object.__setattr__(self, "rscales", tuple(self.rscales))
        if isinstance(self.calibration, list):
            object.__setattr__(self, "calibration", tuple(self.calibration))
        if self.pps is not None:
            object.__setattr__(self, "pps", pps_method(self.pps))
            if self.prob is None:
                raise ValueError("pps= needs prob= (the PSUs' inclusion probabilities)")
            if self.fpc is not None:
                raise ValueError("a PPS design takes its fpc from prob=, not fpc=")
        if self.ssu is not None and self.psu is None:
            raise ValueError("ssu= (second-stage clusters) needs psu= (first stage)")
        if self.fpc2 is not None and self.ssu is None:
            raise ValueError("fpc2= needs ssu= (the second-stage clusters)")
        if self.ssu is not None and self.pps is not None:
            raise ValueError("multistage PPS designs are not supported")
        if self.lonely_psu not in LONELY_PSU:
            raise ValueError(f"lonely_psu={self.lonely_psu!r}: choose one of {LONELY_PSU}")
        if self.replicate_weights is not None:
            method = (self.replicate_method or "").lower()
            method = _METHOD_ALIASES.get(method, method)
            if method not in REPLICATE_METHODS:
                raise ValueError(
                    f"replicate_method={self.replicate_method!r}: choose one of "
                    f"{REPLICATE_METHODS} for a replicate-weight design"
                )
            object.__setattr__(self, "replicate_method", method)
            if method == "fay" and not 0.0 < self.fay_rho < 1.0:
                raise ValueError("replicate_method='fay' needs fay_rho in (0, 1), e.g. 0.5")
            if method == "jkn" and self.rscales is None:
                raise ValueError(
                    "replicate_method='jkn' needs rscales: (n_h - 1) / n_h for "
                    "the stratum of each replicate"
                )
            if any(
                c is not None
                for c in (self.strata, self.psu, self.fpc, self.ssu, self.fpc2, self.prob)
            ):
                raise ValueError(
                    "a replicate-weight design takes no strata/psu/fpc: the "
                    "replicate weights carry the design"
                )
        elif self.replicate_method is not None:
            raise ValueError("replicate_method given without replicate_weights")

    @property
    def is_replicate(self) -> bool:
        """Whether variance comes from replicate weights."""
        return self.replicate_weights is not None

    def replicate_columns(self, frame: pd.DataFrame) -> list[str]:
        """The replicate weight columns of *frame* (resolving a regular expression)."""
        if self.replicate_weights is None:
            return []
        if isinstance(self.replicate_weights, str):
            pattern = re.compile(self.replicate_weights)
            cols = [c for c in frame.columns if pattern.fullmatch(str(c))]
            if not cols:
                raise ValueError(
                    f"no column matches replicate_weights pattern {self.replicate_weights!r}"
                )
            return cols
        return list(self.replicate_weights)

    def scheme(self, replicates: int) -> ReplicateScheme:
        """The replicate variance factors for *replicates* replicate columns."""
        r = replicates
        default = {
            "jk1": (r - 1) / r,
            "jkn": 1.0,
            "brr": 1.0 / r,
            "fay": 1.0 / (r * (1.0 - self.fay_rho) ** 2),
            "bootstrap": 1.0 / (r - 1) if r > 1 else float("nan"),
            "sdr": 4.0 / r,
        }[str(self.replicate_method)]
        rscales = np.ones(r) if self.rscales is None else np.asarray(self.rscales, float)
        if len(rscales) != r:
            raise ValueError(f"rscales has {len(rscales)} values for {r} replicate weights")
        return ReplicateScheme(
            scale=self.scale if self.scale is not None else default, rscales=rscales, mse=self.mse
        )

    def describe(self) -> dict[str, Any]:
        """A JSON-able description for result metadata."""
        out = {
            k: v for k, v in asdict(self).items() if not k.startswith("_") and k != "calibration"
        }
        if self.calibration:
            out["calibration"] = [step.describe() for step in self.calibration]
        if isinstance(out.get("replicate_weights"), tuple):
            out["replicate_weights"] = list(out["replicate_weights"])
        if isinstance(out.get("rscales"), tuple):
            out["rscales"] = list(out["rscales"])
        return out


def as_design(design: Design | Mapping[str, Any]) -> Design:
    """A :class:`Design` from a Design or a mapping of its keyword arguments (the CLI's)."""
    if isinstance(design, Design):
        return design
    if isinstance(design, Mapping):
        allowed = {f for f in Design.__dataclass_fields__ if not f.startswith("_")}
        unknown = sorted(set(design) - allowed)
        if unknown:
            raise ValueError(f"design: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
        return Design(**dict(design))
    kind = type(design).__name__
    raise TypeError(f"design must be a migindicators.survey.Design or a mapping, got {kind}")


# ---------------------------------------------------------------------------------------------
# Preparation: exclusions, codes, design facts


@dataclass
class _Prepared:
    work: pd.DataFrame
    by: list[str]
    reps: list[str]
    strata: StrataInfo | None
    scheme: ReplicateScheme | None
    df: float
    weighted: bool
    calibration: CalibrationState | None = None
    pps: PPSState | None = None
    stages: StageState | None = None


def _as_list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    return [cols] if isinstance(cols, str) else list(cols)


def _prepare(
    frame: pd.DataFrame,
    design: Design,
    needed: Sequence[str],
    by: list[str],
    ledger: RowLedger,
    input_name: str,
) -> _Prepared:
    reps = design.replicate_columns(frame)
    design_cols = [
        c
        for c in (
            design.weight,
            design.strata,
            design.psu,
            design.fpc,
            design.ssu,
            design.fpc2,
            design.prob,
        )
        if c
    ]
    design_cols += [c for step in design.calibration for c in step.columns]
    wanted = list(dict.fromkeys([*needed, *by, *design_cols, *reps]))
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise ValueError(
            f"{input_name}: column(s) {absent} not found; the frame has {list(frame.columns)[:20]}"
        )
    # A frame of views of the needed columns: no copy of a wide replicate-weight block, and
    # (copy-on-write) the caller's frame is never mutated.
    work = pd.DataFrame({c: frame[c] for c in wanted}, copy=False)
    if design.weight is not None:
        wv = pd.to_numeric(work[design.weight], errors="coerce").to_numpy(dtype=float)
        if (wv < 0).any():
            raise ValueError(f"{input_name}: negative weights in {design.weight!r}")
    elif design.prob is not None:
        wv = 1.0 / pd.to_numeric(work[design.prob], errors="coerce").to_numpy(dtype=float)
    else:
        wv = np.ones(len(work))
    calibration = None
    if design.calibration:
        work, wv, calibration = _calibrate(work, design, wv, reps, input_name)
    keep = np.ones(len(work), dtype=bool)
    checks: list[tuple[str, str]] = []
    if design.weight is not None:
        checks.append((design.weight, f"missing weight ({design.weight})"))
    checks += [
        (c, f"missing design variable ({c})")
        for c in (design.strata, design.psu, design.fpc, design.ssu, design.fpc2, design.prob)
        if c is not None
    ]
    checks += [(c, f"missing design variable ({c})") for c in reps]
    checks += [(c, f"missing {c}") for c in needed]
    for col, reason in checks:
        values = wv if col == design.weight else work[col]
        new = np.asarray(pd.isna(values), dtype=bool) & keep
        if new.any():
            weighted_sum = None if col == design.weight else float(wv[new].sum())
            ledger.record(input_name, reason, int(new.sum()), weighted=weighted_sum)
            keep &= ~new
    # A row with a missing domain value stays in the design (as R's svyby keeps it): its
    # domain is not reported, and the row is counted as excluded from the estimates.
    outside = np.zeros(len(work), dtype=bool)
    filled: dict[str, pd.Series] = {}
    for col in by:
        missing = np.asarray(work[col].isna(), dtype=bool)
        new = missing & keep & ~outside
        if new.any():
            ledger.record(
                input_name, f"missing domain ({col})", int(new.sum()), weighted=float(wv[new].sum())
            )
        if missing.any():
            # A placeholder of the column's kind, so that domain keys still sort.
            numeric = pd.api.types.is_numeric_dtype(work[col]) and not isinstance(
                work[col].dtype, pd.CategoricalDtype
            )
            filled[col] = (
                work[col].astype(float).fillna(np.inf)
                if numeric
                else work[col].astype(object).where(~missing, MISSING_DOMAIN)
            )
        outside |= missing
    if filled:
        work = work.assign(**filled)
    if not keep.all():
        work = work.loc[keep]
        wv = wv[keep]
        if calibration is not None:
            calibration = calibration.restrict(keep)
    work = work.assign(_w=wv)
    if len(work) == 0:
        raise ValueError(f"{input_name}: no rows left to estimate from (see the exclusions)")
    weighted = design.weight is not None
    if design.is_replicate:
        converted = {
            col: pd.to_numeric(work[col], errors="raise").astype(float)
            for col in reps
            if work[col].dtype != np.float64
        }
        if converted:
            work = work.assign(**converted)
        scheme = design.scheme(len(reps))
        df = float(design.replicate_df if design.replicate_df is not None else len(reps) - 1)
        return _Prepared(work, by, reps, None, scheme, df, weighted or calibration is not None)
    h = (
        pd.factorize(work[design.strata], sort=True)[0]
        if design.strata
        else np.zeros(len(work), dtype=np.intp)
    )
    if design.psu:
        psu = group_codes(pd.DataFrame({"h": h, "p": work[design.psu].to_numpy()}), ["h", "p"])[0]
    else:
        psu = np.arange(len(work), dtype=np.intp)
    work["_h"] = h.astype(np.intp)
    work["_psu"] = psu
    nstrata = int(h.max()) + 1
    first = np.zeros(int(psu.max()) + 1, dtype=np.intp)
    first[psu[::-1]] = np.arange(len(psu) - 1, -1, -1)
    n_psu = np.bincount(h[first], minlength=nstrata)
    f = np.ones(nstrata)
    if design.fpc:
        fpc = pd.to_numeric(work[design.fpc], errors="raise").to_numpy(dtype=float)
        per_stratum = pd.Series(fpc).groupby(h).agg(["min", "max"])
        if (per_stratum["min"] != per_stratum["max"]).any():
            raise ValueError(f"fpc column {design.fpc!r} must be constant within each stratum")
        values = per_stratum["min"].to_numpy()
        if np.all(values <= 1):
            f = 1.0 - values
        else:
            if np.any(values < n_psu):
                raise ValueError(
                    f"fpc column {design.fpc!r}: population size below the "
                    "number of sampled PSUs in some stratum"
                )
            f = 1.0 - n_psu / values
    strata = StrataInfo(n_psu=n_psu, f=f, lonely_psu=design.lonely_psu)
    df = float(len(first) - nstrata)
    prep = _Prepared(
        work, by, [], strata, None, df, weighted or calibration is not None, calibration
    )
    if design.pps is not None and design.prob is not None:
        prep.pps = pps_state(work, design.prob, design.pps, design.pps_psum)
    if design.ssu is not None and design.fpc2 is not None and not design.ultimate_cluster:
        prep.stages = stage_state(work, design.ssu, design.fpc2, strata, calibration)
    return prep


def _calibrate(
    work: pd.DataFrame, design: Design, wv: np.ndarray, reps: list[str], input_name: str
) -> tuple[pd.DataFrame, np.ndarray, CalibrationState]:
    """Calibrate the weights (and replicate weights) of the rows with their design variables.

    Rows with a missing weight or design variable are excluded later (and counted); they
    take no part in the calibration, as R cannot build a design with them.
    """
    ok = ~np.isnan(wv)
    for col in [c for c in (design.strata, design.psu, design.fpc) if c] + reps:
        ok &= np.asarray(work[col].notna(), dtype=bool)
    rep_in = (
        np.column_stack([pd.to_numeric(work[c], errors="raise").to_numpy(float) for c in reps])[ok]
        if reps
        else None
    )
    new_w, new_reps, state = apply_calibration(
        work.loc[ok], design.calibration, wv[ok], rep_in, label=input_name
    )
    out = wv.copy()
    out[ok] = new_w
    if new_reps is not None:
        cols = {}
        for j, col in enumerate(reps):
            values = np.full(len(work), np.nan)
            values[ok] = new_reps[:, j]
            cols[col] = values
        work = work.assign(**cols)
    # Each row's position among the calibrated rows (-1: not calibrated, excluded below).
    analysed = np.full(len(work), -1, dtype=np.intp)
    analysed[ok] = np.arange(int(ok.sum()))
    return work, out, CalibrationState(state.ops, state.nrows, analysed)


# ---------------------------------------------------------------------------------------------
# Core: estimates per domain for one or more numerator columns


@dataclass
class _Cells:
    keys: pd.DataFrame
    est: DomainEstimates
    variance: np.ndarray
    lonely: np.ndarray
    n: np.ndarray
    weighted_n: np.ndarray


def _cells(prep: _Prepared, num: str, den: str | None) -> _Cells:
    """Domain estimates of sum(w*num) / sum(w*den) (den "_one" → sum(w); None → a total)."""
    values = [num] + ([den] if den not in (None, "_one") else [])
    work = prep.work
    if prep.scheme is None:
        tab = tabulate(work, [*prep.by, "_h", "_psu"], weights="_w", values=values)
        cell, keys = group_codes(tab, prep.by)
        b = None if den is None else tab["_w" if den == "_one" else f"_w*{den}"].to_numpy()
        est = taylor_estimates(
            cell,
            tab["_h"].to_numpy(np.intp),
            tab["_psu"].to_numpy(np.intp),
            tab[f"_w*{num}"].to_numpy(),
            b,
            len(keys),
        )
        assert prep.strata is not None
        if prep.calibration is not None:
            est = prep.calibration.scores(work, prep.by, keys, num, den, est)
        if prep.pps is not None:
            variance, lonely = prep.pps.variance(est), np.zeros(len(keys), dtype=bool)
        else:
            variance, lonely = taylor_variance(est, prep.strata)
        if prep.stages is not None:
            variance = variance + prep.stages.variance(work, prep.by, keys, num, den, est)
        n = np.bincount(cell, weights=tab["n"].to_numpy(), minlength=len(keys))
        wn = np.bincount(cell, weights=tab["_w"].to_numpy(), minlength=len(keys))
    else:
        tab = tabulate(work, prep.by, weights=["_w", *prep.reps], values=values)
        keys = tab[prep.by].reset_index(drop=True)
        if not prep.by:
            keys = pd.DataFrame(index=pd.RangeIndex(len(tab)))

        def block(suffix: str | None) -> np.ndarray:
            cols = [r if suffix is None else f"{r}*{suffix}" for r in prep.reps]
            return tab[cols].to_numpy(dtype=float)

        a = tab[f"_w*{num}"].to_numpy()
        if den is None:
            est = replicate_estimates(a, None, block(num), None)
        else:
            b = tab["_w" if den == "_one" else f"_w*{den}"].to_numpy()
            est = replicate_estimates(a, b, block(num), block(None if den == "_one" else den))
        variance = replicate_variance(est, prep.scheme)
        lonely = np.zeros(len(keys), dtype=bool)
        n = tab["n"].to_numpy(dtype=float)
        wn = tab["_w"].to_numpy()
    return _Cells(keys, est, variance, lonely, n, wn)


def _srs_variance(
    prep: _Prepared, parameter: str, y: str, x: str | None, cells: _Cells, replace: bool = False
) -> np.ndarray:
    """Variance under simple random sampling of the same size (R ``survey``'s deff).

    Without replacement (R's ``deff=TRUE``, factor (N - n)/N) unless *replace* (R's
    ``deff="replace"``).
    """
    products = [(y, y)] + ([(x, y), (x, x)] if x else [])
    tab = tabulate(
        prep.work, prep.by, weights="_w", values=[y] + ([x] if x else []), products=products
    )
    code = _align(tab[prep.by], cells.keys, prep.by)
    big_n = tab["_w"].to_numpy()[code]
    n = tab["n"].to_numpy(dtype=float)[code]
    swy, swyy = tab[f"_w*{y}"].to_numpy()[code], tab[f"_w*{y}*{y}"].to_numpy()[code]
    with np.errstate(divide="ignore", invalid="ignore"):
        if parameter == "ratio" and x:
            swx = tab[f"_w*{x}"].to_numpy()[code]
            swxy = tab[f"_w*{x}*{y}"].to_numpy()[code]
            swxx = tab[f"_w*{x}*{x}"].to_numpy()[code]
            r = cells.est.theta
            resid = swyy - 2 * r * swxy + r * r * swxx
            xbar = swx / big_n
            s2 = resid / big_n * n / (n - 1) / xbar**2
        else:
            ybar = swy / big_n
            s2 = (swyy / big_n - ybar * ybar) * n / (n - 1)
        v = s2 / n if replace else s2 / n * (big_n - n) / big_n
        if parameter == "total":
            v = v * big_n**2
    return np.asarray(v)


def _align(tab_keys: pd.DataFrame, keys: pd.DataFrame, by: list[str]) -> np.ndarray:
    if not by:
        return np.zeros(len(keys), dtype=np.intp)
    idx = pd.MultiIndex.from_frame(tab_keys.reset_index(drop=True))
    return np.asarray(idx.get_indexer(pd.MultiIndex.from_frame(keys[by])), dtype=np.intp)


def _intervals(
    value: np.ndarray, se: np.ndarray, df: float, level: float, logit: bool
) -> tuple[np.ndarray, np.ndarray]:
    t = t_quantile(0.5 + level / 2.0, df)
    if not logit:
        return value - t * se, value + t * se
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = np.log(value / (1 - value)) - t * se / (value * (1 - value))
        hi = np.log(value / (1 - value)) + t * se / (value * (1 - value))
        return 1 / (1 + np.exp(-lo)), 1 / (1 + np.exp(-hi))


def _frame(
    cells: _Cells, prep: _Prepared, level: float, logit: bool, srs: np.ndarray | None
) -> pd.DataFrame:
    value = cells.est.theta
    with np.errstate(invalid="ignore"):
        se = np.sqrt(cells.variance)
    lo, hi = _intervals(value, se, prep.df, level, logit)
    out = cells.keys.reset_index(drop=True).copy()
    out["value"] = value
    out["se"] = se
    out["ci_lower"] = lo
    out["ci_upper"] = hi
    out["n"] = cells.n.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv"] = np.where(value != 0, se / np.abs(value), np.nan)
        out["deff"] = (
            np.where(srs > 0, cells.variance / np.where(srs > 0, srs, 1.0), np.nan)
            if srs is not None
            else np.nan
        )
        # Kish's effective sample size n / deff (reliability of the estimate, issue 16).
        deff_values = out["deff"].to_numpy(dtype=float)
        out["effective_n"] = np.where(deff_values > 0, cells.n / deff_values, np.nan)
    out["variance"] = cells.variance
    out["df"] = prep.df
    out["weighted_n"] = cells.weighted_n
    flags = pd.Series("", index=out.index, dtype=object)
    flags = add_flag(flags, ~np.isfinite(value), "zero_denominator")
    flags = add_flag(flags, cells.lonely, "lonely_psu")
    if not prep.weighted:
        flags = add_flag(flags, np.ones(len(out), dtype=bool), "unweighted")
    out["flag"] = flags
    return out


# ---------------------------------------------------------------------------------------------
# Public estimators


def _check_parameter(parameter: str, x: str | None) -> None:
    if parameter not in PARAMETERS:
        raise ValueError(f"parameter={parameter!r}: choose one of {PARAMETERS}")
    if parameter == "ratio" and x is None:
        raise ValueError("parameter='ratio' needs x= (the denominator column)")


def _check_level(level: float) -> None:
    if not 0.0 < level < 1.0:
        raise ValueError(f"level={level}: a confidence level is in (0, 1), e.g. 0.95")


def _numeric(prep: _Prepared, cols: Sequence[str]) -> None:
    for col in cols:
        prep.work[col] = pd.to_numeric(prep.work[col], errors="raise").astype(float)


def _drop_missing_domains(data: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    if not by or not len(data):
        return data
    hit = np.zeros(len(data), dtype=bool)
    for col in by:
        values = data[col]
        if pd.api.types.is_numeric_dtype(values) and not isinstance(
            values.dtype, pd.CategoricalDtype
        ):
            hit |= np.asarray(np.isinf(values.astype(float)), dtype=bool)
        else:
            hit |= np.asarray(values.astype(object) == MISSING_DOMAIN, dtype=bool)
    return data.loc[~hit].reset_index(drop=True) if hit.any() else data


def _check_deff(deff: bool | str) -> bool:
    """Whether the SRS variance of the design effect is with replacement."""
    if deff not in (True, False, "replace"):
        raise ValueError(
            f"deff={deff!r}: choose True (SRS without replacement, R's deff=TRUE), "
            "'replace' (SRS with replacement, R's deff='replace') or False"
        )
    return deff == "replace"


def _compute_frame(
    prep: _Prepared,
    parameter: str,
    y: str,
    x: str | None,
    q: float,
    level: float,
    deff: bool | str,
    qrule: str = "math",
) -> tuple[pd.DataFrame, list[_Cells]]:
    _check_level(level)
    replace = _check_deff(deff)
    if parameter == "proportion":
        cats = pd.Index(pd.unique(prep.work[y])).sort_values()
        parts, all_cells = [], []
        for k, cat in enumerate(cats):
            col = f"_cat{k}"
            prep.work[col] = (prep.work[y] == cat).astype(float)
            cells = _cells(prep, col, "_one")
            srs = _srs_variance(prep, "mean", col, None, cells, replace) if deff else None
            part = _frame(cells, prep, level, True, srs)
            part.insert(len(prep.by), y, cat)
            parts.append(part)
            all_cells.append(cells)
        return pd.concat(parts, ignore_index=True), all_cells
    if parameter == "quantile":
        return _quantile_frame(prep, y, q, level, qrule), []
    _numeric(prep, [y] + ([x] if x else []))
    den = None if parameter == "total" else ("_one" if parameter == "mean" else x)
    cells = _cells(prep, y, den)
    srs = _srs_variance(prep, parameter, y, x, cells, replace) if deff else None
    return _frame(cells, prep, level, False, srs), [cells]


@accepts_any_frame
def estimate_cells(
    frame: pd.DataFrame,
    design: Design,
    *,
    parameter: str,
    y: str,
    x: str | None = None,
    by: Sequence[str] = (),
    ledger: RowLedger,
    input_name: str,
    q: float = 0.5,
    qrule: str = "math",
    level: float = 0.95,
    deff: bool | str = True,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The estimate table of :func:`estimate`, for indicator functions that keep their ledger.

    Rows excluded (missing design variables, *y*, *x*, domain) are recorded in *ledger* under
    *input_name*. Returns the data frame (no quality rules applied) and the metadata block
    (design, variance method, df, interval).
    """
    _check_parameter(parameter, x)
    needed = [y] + ([x] if x else [])
    prep = _prepare(frame, design, needed, list(by), ledger, input_name)
    if parameter == "quantile":
        _numeric(prep, [y])
    data, _ = _compute_frame(prep, parameter, y, x, q, level, deff, qrule)
    data = _drop_missing_domains(data, prep.by)
    meta = _metadata(prep, design, level, [], parameter)
    meta["method"] = _method_text(prep, design, parameter)
    return data, meta


@accepts_any_frame
def estimate(
    frame: pd.DataFrame,
    design: Design | Mapping[str, Any],
    *,
    parameter: str = "mean",
    y: str,
    x: str | None = None,
    by: str | Sequence[str] | None = None,
    q: float = 0.5,
    qrule: str = "math",
    level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
    deff: bool | str = True,
    unit: str = "",
) -> Result:
    """Design-based estimate of a total, mean, ratio, proportion or quantile, by domain.

    .. math:: \\hat\\theta_d = \\sum_{i \\in d} w_i y_i \\Big/ \\sum_{i \\in d} w_i x_i

    (:math:`x = 1` for a mean or proportion; no denominator for a total.)

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per sampled unit (not modified).
    design : Design or mapping
        The sample design (a mapping is passed to :class:`Design`).
    parameter : {"total", "mean", "ratio", "proportion", "quantile"}
    y : str
        Analysis variable [any unit; categories for a proportion].
    x : str, optional
        Denominator variable of a ratio.
    by : str or sequence of str, optional
        Domain columns (subpopulations of the whole design).
    q : float
        Probability of a quantile (0.5: the median).
    qrule : {"math", "school"}
        Quantile rule, as R ``svyquantile``: ``"math"`` (default) the smallest value whose
        weighted CDF reaches *q*; ``"school"`` averages with the next value when the CDF
        equals *q* exactly (the textbook median).
    level : float
        Confidence level of the t-based interval.
    quality : mapping or sequence, optional
        Quality rules (:mod:`migindicators.core.quality`); ``None`` applies the defaults
        (``min_n`` 30, ``max_cv`` 0.3, flags only).
    deff : bool or "replace"
        Report the design effect: the design variance (with-replacement PSU estimator) over
        the variance under simple random sampling of the same size, without replacement
        (``True``, R's ``deff=TRUE``) or with replacement (``"replace"``, R's
        ``deff="replace"``); and the effective sample size ``effective_n`` = n / deff.
    unit : str
        Unit of the estimate, written to the result.

    Returns
    -------
    Result
        ``data``: domain columns (and *y* for proportions), ``value``, ``unit``, ``se``,
        ``ci_lower``, ``ci_upper``, ``n``, ``flag``, ``cv``, ``deff``, ``effective_n``,
        ``variance``, ``df``, ``weighted_n``. ``metadata`` states the variance method, the
        design, the degrees of freedom and the interval used.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys*, Wiley. R package ``survey``: ``svytotal``,
    ``svymean``, ``svyratio``, ``svyciprop``, ``svyquantile``, ``svyby``.
    Woodruff, R. S. (1952). Confidence intervals for medians and other position measures.
    *JASA* 47, 635–646.
    """
    _check_parameter(parameter, x)
    design = as_design(design)
    by_cols = _as_list(by)
    ledger = RowLedger()
    ledger.given("frame", frame, weight=design.weight)
    needed = [y] + ([x] if x else [])
    prep = _prepare(frame, design, needed, by_cols, ledger, "frame")
    if parameter == "quantile":
        _numeric(prep, [y])
    data, _ = _compute_frame(prep, parameter, y, x, q, level, deff, qrule)
    data = _drop_missing_domains(data, prep.by)
    keys = [*by_cols, *([y] if parameter == "proportion" else [])]
    data, applied = apply_rules(data, quality, key_columns=keys)
    return _result(
        f"survey_{parameter}",
        data,
        ledger,
        group_columns=keys,
        options={
            "parameter": parameter,
            "y": y,
            "x": x,
            "by": by_cols,
            "q": q,
            "level": level,
            "design": design.describe(),
        },
        inputs={"frame": frame},
        unit=unit or "1",
        method=_method_text(prep, design, parameter),
        extra_metadata=_metadata(prep, design, level, applied, parameter),
    )


@accepts_any_frame
def estimate_difference(
    frame: pd.DataFrame,
    design: Design | Mapping[str, Any],
    *,
    parameter: str = "mean",
    y: str,
    compare: str,
    levels: tuple[Any, Any],
    x: str | None = None,
    by: str | Sequence[str] | None = None,
    level: float = 0.95,
    quality: Mapping[str, Mapping[str, Any]] | Sequence[str] | None = None,
    unit: str = "",
) -> Result:
    """Difference of one estimate between two domains, with the covariance in its SE.

    .. math:: \\hat\\Delta = \\hat\\theta_{a} - \\hat\\theta_{b}, \\quad
              v(\\hat\\Delta) = v(\\hat\\theta_a) + v(\\hat\\theta_b) - 2\\,c(\\hat\\theta_a,
              \\hat\\theta_b)

    computed directly: Taylor scores of the two domains are differenced within each PSU
    before the variance is taken; replicate estimates are differenced per replicate.

    Signature: ``estimate_difference(frame, design, *, parameter="mean", y, compare, levels,
    x=None, by=None, level=0.95, quality=None, unit="") -> Result``, e.g.
    ``estimate_difference(lfs, design, parameter="mean", y="earnings", compare=
    "migratory_status", levels=("MS_MIGRANT", "MS_NOMIGRANT"), by=["sex"])``.

    Parameters
    ----------
    compare : str
        Column defining the two domains compared.
    levels : (a, b)
        The value of *compare* in the first and in the second domain; the result is a - b.
    parameter : {"total", "mean", "ratio"}
        What is compared (proportions: use the mean of a 0/1 column).
    quality : mapping or sequence, optional
        Quality rules; ``None`` applies ``min_n`` only (a CV is not meaningful for a
        difference that may be near zero).

    Returns
    -------
    Result
        One row per *by* cell: ``value`` (a − b), ``se``, ``ci_lower``, ``ci_upper``, ``n``
        (rows in both domains), ``estimate_a``, ``estimate_b``, ``df``. Rows with another value
        of *compare* stay in the design (their scores are zero).

    Notes
    -----
    The other keyword arguments (``x``, ``by``, ``level``, ``unit``) are as in
    :func:`estimate`.
    """
    if parameter not in ("total", "mean", "ratio"):
        raise ValueError("estimate_difference: parameter must be total, mean or ratio")
    _check_parameter(parameter, x)
    _check_level(level)
    if len(levels) != 2:
        raise ValueError("levels must be a pair (a, b): the result is a - b")
    design = as_design(design)
    by_cols = _as_list(by)
    ledger = RowLedger()
    ledger.given("frame", frame, weight=design.weight)
    needed = [y] + ([x] if x else [])
    prep = _prepare(frame, design, needed, [*by_cols, compare], ledger, "frame")
    _numeric(prep, needed)
    den = None if parameter == "total" else ("_one" if parameter == "mean" else x)
    cells = _cells(prep, y, den)
    keys = cells.keys.reset_index(drop=True)
    comp = keys[compare].to_numpy()
    if by_cols:
        other_code, other = group_codes(keys, by_cols)
    else:
        other_code, other = np.zeros(len(keys), dtype=np.intp), pd.DataFrame(index=[0])
    plus, minus, rows = [], [], []
    for g in range(len(other)):
        ia = np.flatnonzero((other_code == g) & (comp == levels[0]))
        ib = np.flatnonzero((other_code == g) & (comp == levels[1]))
        if len(ia) and len(ib):
            plus.append(int(ia[0]))
            minus.append(int(ib[0]))
            rows.append(g)
    if not rows:
        raise ValueError(f"no cell has both {compare}={levels[0]!r} and {levels[1]!r}")
    pa, mi_ = np.asarray(plus), np.asarray(minus)
    diff = cells.est.contrast(pa, mi_)
    if prep.pps is not None:
        variance, lonely = prep.pps.variance(diff), np.zeros(len(pa), bool)
    elif prep.scheme is None:
        assert prep.strata is not None
        variance, lonely = taylor_variance(diff, prep.strata)
    else:
        variance, lonely = replicate_variance(diff, prep.scheme), np.zeros(len(pa), bool)
    if prep.stages is not None:
        variance = variance + prep.stages.variance(
            prep.work, prep.by, cells.keys, y, den, cells.est, contrast=(pa, mi_)
        )
    out_cells = _Cells(
        other.iloc[rows].reset_index(drop=True),
        diff,
        variance,
        lonely,
        cells.n[pa] + cells.n[mi_],
        cells.weighted_n[pa] + cells.weighted_n[mi_],
    )
    data = _frame(out_cells, prep, level, False, None).drop(columns=["deff", "cv", "effective_n"])
    data["estimate_a"] = cells.est.theta[pa]
    data["estimate_b"] = cells.est.theta[mi_]
    data = _drop_missing_domains(data, by_cols)
    data, applied = apply_rules(
        data, quality if quality is not None else ["min_n"], key_columns=by_cols
    )
    meta = _metadata(prep, design, level, applied, parameter)
    meta["contrast"] = {
        "compare": compare,
        "levels": list(levels),
        "covariance": "included (scores differenced within PSU / replicate)",
    }
    return _result(
        f"survey_{parameter}_difference",
        data,
        ledger,
        group_columns=by_cols,
        options={
            "parameter": parameter,
            "y": y,
            "x": x,
            "by": by_cols,
            "compare": compare,
            "levels": list(levels),
            "level": level,
            "design": design.describe(),
        },
        inputs={"frame": frame},
        unit=unit or "1",
        method=_method_text(prep, design, parameter) + f"; difference {levels[0]} - {levels[1]}",
        extra_metadata=meta,
    )


def _result(
    result_id: str,
    data: pd.DataFrame,
    ledger: RowLedger,
    *,
    group_columns: Sequence[str],
    options: Mapping[str, Any],
    inputs: Mapping[str, Any],
    unit: str,
    method: str,
    extra_metadata: Mapping[str, Any],
) -> Result:
    """The standard Result layout for an estimate that is not a registry indicator."""
    out = data.copy()
    out["unit"] = unit
    groups = [g for g in group_columns if g in out.columns]
    extra = [c for c in out.columns if c not in groups and c not in VALUE_COLUMNS]
    out = out[[*groups, *VALUE_COLUMNS, *extra]]
    if groups and len(out):
        out = out.sort_values(groups, kind="stable").reset_index(drop=True)
    metadata: dict[str, Any] = {
        "indicator": result_id,
        "name": result_id,
        "unit": unit,
        "sdg": None,
        "sdmx_series": None,
        "agenda_points": [],
        "method": method,
        "rows": ledger.summary(),
    }
    metadata.update(provenance(result_id, options=options, inputs=inputs))
    metadata.update(extra_metadata)
    return Result(data=out, exclusions=ledger.frame(), metadata=metadata)


def _method_text(prep: _Prepared, design: Design, parameter: str) -> str:
    if prep.scheme is not None:
        centre = "full-sample estimate (mse)" if prep.scheme.mse else "replicate mean"
        return (
            f"{parameter}; replicate variance ({design.replicate_method}, scale "
            f"{prep.scheme.scale:.6g}, centred on the {centre})"
        )
    return (
        f"{parameter}; Taylor linearisation, with-replacement PSU variance within strata"
        f" (lonely PSU: {design.lonely_psu})"
    )


def _metadata(
    prep: _Prepared, design: Design, level: float, applied: list[dict[str, Any]], parameter: str
) -> dict[str, Any]:
    ci = (
        "logit-transformed t interval (svyciprop method='logit')"
        if parameter == "proportion"
        else "Woodruff interval on the CDF scale (t)"
        if parameter == "quantile"
        else "symmetric t interval"
    )
    return {
        "design": design.describe(),
        "variance_method": "replicate" if prep.scheme is not None else "taylor",
        "df": prep.df,
        "ci": f"{level:.0%} {ci}, Student t with {prep.df:g} design degrees of freedom",
        "weighted": prep.weighted,
        "quality_rules": applied,
    }


# ---------------------------------------------------------------------------------------------
# Quantiles (Woodruff)


QRULES = ("math", "school")


def _weighted_quantile(
    y_sorted: np.ndarray, cumw: np.ndarray, p: float, qrule: str = "math"
) -> float:
    """Weighted quantile as R ``survey``'s ``qrule``.

    ``"math"``: the smallest y whose weighted CDF reaches p (R's default). ``"school"``: the
    same, except that when the CDF equals p exactly at a value, the mean of that value and the
    next (the textbook median of an even number of equal-weight values).
    """
    if not len(y_sorted) or not np.isfinite(p):
        return float("nan")
    p = min(max(p, 0.0), 1.0)
    total = cumw[-1]
    target = p * total
    tol = 1e-12 * total
    idx = min(int(np.searchsorted(cumw, target - tol, side="left")), len(y_sorted) - 1)
    value = float(y_sorted[idx])
    if qrule == "school":
        nxt = int(np.searchsorted(y_sorted, value, side="right"))  # past the ties of value
        if nxt < len(y_sorted) and abs(cumw[nxt - 1] - target) <= tol:
            value = (value + float(y_sorted[nxt])) / 2
    return value


def _quantile_frame(
    prep: _Prepared, y: str, q: float, level: float, qrule: str = "math"
) -> pd.DataFrame:
    if not 0.0 < q < 1.0:
        raise ValueError(f"q={q}: a quantile's probability must be in (0, 1)")
    if qrule not in QRULES:
        raise ValueError(f"qrule={qrule!r}: choose one of {QRULES}")
    work = prep.work
    code, keys = group_codes(work, prep.by)
    yv = work[y].to_numpy(dtype=float)
    wv = work["_w"].to_numpy(dtype=float)
    order = np.lexsort((yv, code))
    sc, sy, sw = code[order], yv[order], wv[order]
    bounds = np.searchsorted(sc, np.arange(len(keys) + 1))
    qhat = np.empty(len(keys))
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for d in range(len(keys)):
        ys, ws = sy[bounds[d] : bounds[d + 1]], sw[bounds[d] : bounds[d + 1]]
        cum = np.cumsum(ws)
        parts.append((ys, cum))
        qhat[d] = _weighted_quantile(ys, cum, q, qrule)
    work["_le"] = (yv <= qhat[code]).astype(float)
    cells = _cells(prep, "_le", "_one")
    align = _align(cells.keys, keys, prep.by)
    with np.errstate(invalid="ignore"):
        se_f = np.sqrt(cells.variance)[align]
    t = t_quantile(0.5 + level / 2.0, prep.df)
    lo = np.array([_weighted_quantile(*parts[d], q - t * se_f[d], qrule) for d in range(len(keys))])
    hi = np.array([_weighted_quantile(*parts[d], q + t * se_f[d], qrule) for d in range(len(keys))])
    out = keys.reset_index(drop=True).copy()
    out["value"] = qhat
    out["se"] = (hi - lo) / (2 * t)
    out["ci_lower"] = lo
    out["ci_upper"] = hi
    out["n"] = np.bincount(code, minlength=len(keys)).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv"] = np.where(qhat != 0, out["se"] / np.abs(qhat), np.nan)
    out["deff"] = np.nan
    out["effective_n"] = np.nan
    out["variance"] = out["se"] ** 2
    out["df"] = prep.df
    out["weighted_n"] = np.bincount(code, weights=wv, minlength=len(keys))
    out["q"] = q
    flags = pd.Series("", index=out.index, dtype=object)
    if not prep.weighted:
        flags = add_flag(flags, np.ones(len(out), dtype=bool), "unweighted")
    out["flag"] = flags
    return out
