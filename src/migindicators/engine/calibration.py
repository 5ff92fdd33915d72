"""Calibration of survey weights to population totals, and its Taylor variance.

Three ways to make the weights of a sample reproduce known population totals (for example
census or UN DESA counts by sex × age group × region), as R ``survey`` (Lumley) does them:

``post_stratify``  (R ``postStratify``)
    :math:`w_i^* = w_i N_c / \\hat N_c` in the cell *c* of one cross-classification.
``rake``  (R ``rake``)
    Iterative proportional fitting: post-stratify on each margin in turn until the weighted
    cross-table of all margin variables changes by less than ``epsilon`` (R's ``control``).
``calibrate``  (R ``calibrate``)
    Generalised regression (GREG) calibration, :math:`w_i^* = g_i w_i` with
    :math:`g_i = 1 + F^{-1}(x_i^\\top \\eta)` solving :math:`\\sum_i w_i^* x_i = T_x` by Newton
    steps (R's ``grake``), for the calibration functions ``"linear"``, ``"raking"`` and
    ``"logit"``, with ``bounds`` on *g*, R's ``bounds.const``, and ``trim`` (weights trimmed
    to the range and the excess spread over the others, as R).

A calibration is a step appended to a :class:`~migindicators.engine.survey.Design`, so the
calibrated design is used as any design is (``estimate``, ``estimate_difference``,
``estimate_cells``); the weights are computed from the frame when it is estimated from.

Variance
    Taylor designs: the linearised scores are replaced by their calibration residuals before
    the PSU variance, as R's ``svyrecvar``: GREG (and post-stratification) regress the scores
    on the calibration variables with the *input* weights, :math:`e_i = g_i w_i (s_i -
    x_i^\\top \\hat B)`; raking applies ten sweeps of the per-margin centring. Replicate
    designs: every replicate is recalibrated to the same totals (R's
    ``calibrate.svyrep.design``, ``postStratify.svyrep.design``).

References
----------
Deville, J.-C. and Särndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA*
87, 376–382.
Lumley, T. (2010). *Complex Surveys*, Wiley, ch. 7; R package ``survey``: ``postStratify``,
``rake``, ``calibrate``, ``grake``, ``svyrecvar``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from migindicators.core.errors import DesignError, OptionError
from migindicators.core.frames import accepts_any_frame, to_pandas
from migindicators.core.user_warning import warn_user
from migindicators.engine.estimate import DomainEstimates
from migindicators.engine.grake_scale import RESCALE_THRESHOLD, RScale
from migindicators.engine.tabulate import group_codes

__all__ = [
    "CALFUNS",
    "CalibrationError",
    "CalibrationState",
    "CalibrationStep",
    "Margin",
    "apply_calibration",
    "calibrate",
    "calibrated_weights",
    "post_stratify",
    "rake",
]

#: Calibration functions of :func:`calibrate` (R ``calfun=``).
CALFUNS = ("linear", "raking", "logit")
#: Iterations of the per-margin centring of raking residuals (fixed in R's ``svyrecvar``).
_RAKE_SWEEPS = 10


class CalibrationError(DesignError):
    """Weights cannot be calibrated as asked (a margin's categories or totals do not fit the
    sample, or the iterations did not converge); the message names the margin."""


@dataclass(frozen=True)
class Margin:
    """Population totals of one classification: ``totals`` maps each category to its count.

    Attributes
    ----------
    columns : tuple of str
        The frame's columns classifying a row (several: their cross-classification).
    totals : tuple of (tuple, float)
        ``((category values...), population total)`` per category.
    """

    columns: tuple[str, ...]
    totals: tuple[tuple[tuple[Any, ...], float], ...]

    @property
    def name(self) -> str:
        return " × ".join(self.columns)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, count: str) -> Margin:
        """A margin from a frame of categories and a *count* column (R's ``Freq``)."""
        if not isinstance(frame, pd.DataFrame):
            raise CalibrationError(
                f"population totals must be a DataFrame of categories and a {count!r} column, "
                f"got {type(frame).__name__}"
            )
        if count not in frame.columns:
            raise CalibrationError(
                f"population totals {list(frame.columns)}: no count column {count!r} (pass "
                "count= to name it; R's data frames call it 'Freq')"
            )
        cols = tuple(str(c) for c in frame.columns if c != count)
        if not cols:
            raise CalibrationError("population totals need at least one category column")
        values = pd.to_numeric(frame[count], errors="coerce").to_numpy(dtype=float)
        name = " × ".join(cols)
        if np.isnan(values).any() or np.isinf(values).any():
            raise CalibrationError(f"margin {name}: missing or infinite population totals")
        if (values < 0).any():
            bad = frame.loc[values < 0, list(cols)].to_dict("records")
            raise CalibrationError(f"margin {name}: negative population totals for {bad}")
        if frame.duplicated(list(cols)).any():
            dup = frame.loc[frame.duplicated(list(cols)), list(cols)].to_dict("records")
            raise CalibrationError(f"margin {name}: categories given twice: {dup}")
        rows = tuple(
            (tuple(_py(v) for v in key), float(t))
            for key, t in zip(
                frame[list(cols)].itertuples(index=False, name=None), values, strict=True
            )
        )
        return cls(columns=cols, totals=rows)


def _py(value: Any) -> Any:
    """A plain Python scalar (JSON-able, hashable) from a numpy/pandas one."""
    return value.item() if hasattr(value, "item") else value


@dataclass(frozen=True)
class CalibrationStep:
    """One calibration of a design's weights (see :func:`calibrate`, :func:`rake`,
    :func:`post_stratify`); a design keeps its steps in order."""

    kind: str
    margins: tuple[Margin, ...]
    numeric: tuple[tuple[str, float], ...] = ()
    population: float | None = None
    calfun: str = "linear"
    bounds: tuple[float, float] = (-math.inf, math.inf)
    bounds_const: bool = False
    trim: tuple[float, float] | None = None
    maxit: int = 50
    epsilon: float = 1e-7
    force: bool = False
    partial: bool = False

    @property
    def columns(self) -> list[str]:
        cols = [c for m in self.margins for c in m.columns] + [c for c, _ in self.numeric]
        return list(dict.fromkeys(cols))

    def describe(self) -> dict[str, Any]:
        """A JSON-able description (infinite bounds as ``None``)."""
        return {
            "kind": self.kind,
            "r_equivalent": {
                "poststratify": "postStratify",
                "rake": "rake",
                "calibrate": "calibrate",
            }[self.kind],
            "margins": [
                {"columns": list(m.columns), "totals": [[list(k), t] for k, t in m.totals]}
                for m in self.margins
            ],
            "numeric": [[c, t] for c, t in self.numeric],
            "population": self.population,
            "calfun": self.calfun,
            "bounds": [b if math.isfinite(b) else None for b in self.bounds],
            "bounds_const": self.bounds_const,
            "trim": None if self.trim is None else list(self.trim),
            "maxit": self.maxit,
            "epsilon": self.epsilon,
            "force": self.force,
            "partial": self.partial,
        }


class _HasCalibration(Protocol):
    @property
    def calibration(self) -> tuple[CalibrationStep, ...]: ...


D = TypeVar("D", bound=_HasCalibration)


def _margins(
    margins: pd.DataFrame | Sequence[pd.DataFrame] | Sequence[Margin], count: str
) -> tuple[Margin, ...]:
    # The decorator on the entry points converts whole arguments; the frames of a list
    # (polars, pyarrow, DuckDB margins) cross the boundary here.
    if isinstance(margins, pd.DataFrame):
        margins = [margins]
    return tuple(
        m if isinstance(m, Margin) else Margin.from_frame(to_pandas(m), count) for m in margins
    )


def _append(design: D, step: CalibrationStep) -> D:
    if getattr(design, "is_replicate", False) is False and not hasattr(design, "calibration"):
        raise OptionError("calibration needs a migindicators.survey.Design")
    return dataclasses.replace(design, calibration=(*design.calibration, step))  # type: ignore[type-var]


@accepts_any_frame
def post_stratify(
    design: D,
    population: pd.DataFrame,
    *,
    count: str = "Freq",
    partial: bool = False,
) -> D:
    """Post-stratify a design to population counts of one cross-classification.

    R equivalent: ``postStratify(design, ~a + b, population, partial=)``.

    Parameters
    ----------
    design : Design
        The design to calibrate (Taylor or replicate).
    population : pandas.DataFrame
        One row per post-stratum: the classifying columns (named as in the sample frame) and
        the population count in *count* [persons or the weights' unit].
    count : str
        Column of *population* holding the counts (R's ``Freq``).
    partial : bool
        Ignore post-strata of *population* that have no sample row (R's ``partial=TRUE``);
        by default they are an error naming them.

    Returns
    -------
    Design
        The design with the post-stratification appended (weights computed from the frame
        at estimation; Taylor variance from the residuals within post-strata).
    """
    margin = _margins(population, count)
    return _append(design, CalibrationStep(kind="poststratify", margins=margin, partial=partial))


@accepts_any_frame
def rake(
    design: D,
    margins: Sequence[pd.DataFrame],
    *,
    count: str = "Freq",
    maxit: int = 10,
    epsilon: float = 1.0,
    force: bool = False,
) -> D:
    """Rake (iterative proportional fitting) a design to several margins.

    R equivalent: ``rake(design, list(~a, ~b), list(pop_a, pop_b),
    control=list(maxit=10, epsilon=1))``.

    Parameters
    ----------
    margins : sequence of pandas.DataFrame
        One frame per margin: its classifying column(s) and *count*.
    maxit : int
        Maximum number of sweeps over the margins (R's ``control$maxit``).
    epsilon : float
        Convergence when the weighted cross-table of all margin variables changes by less
        than *epsilon* in a sweep; below 1 it is a fraction of the total weight (as R).
    force : bool
        Without convergence after *maxit* sweeps, an error names the margins (R only
        warns); ``force=True`` keeps the last sweep's weights with a warning.
    """
    if maxit < 1:
        raise CalibrationError(f"rake: maxit={maxit} must be at least 1")
    if not epsilon > 0:
        raise CalibrationError(f"rake: epsilon={epsilon} must be positive")
    step = CalibrationStep(
        kind="rake", margins=_margins(margins, count), maxit=maxit, epsilon=epsilon, force=force
    )
    if not step.margins:
        raise CalibrationError("rake: give at least one margin")
    return _append(design, step)


@accepts_any_frame
def calibrate(
    design: D,
    margins: pd.DataFrame | Sequence[pd.DataFrame] = (),
    *,
    totals: Mapping[str, float] | None = None,
    population: float | None = None,
    count: str = "Freq",
    calfun: str = "linear",
    bounds: tuple[float, float] = (-math.inf, math.inf),
    bounds_const: bool = False,
    trim: tuple[float, float] | None = None,
    maxit: int = 50,
    epsilon: float = 1e-7,
    force: bool = False,
) -> D:
    """Calibrate a design (GREG, raking ratio or logit distance) to population totals.

    R equivalent: ``calibrate(design, formula, population, calfun=, bounds=, bounds.const=,
    trim=, maxit=, epsilon=, force=)``, with the formula's terms given as *margins* (a
    categorical term, or an interaction ``a:b``, per frame) and *totals* (numeric variables),
    e.g. R's ``calibrate(d, ~stype + api99, c(6194, 755, 1018, 3914069))`` is
    ``calibrate(d, [stype_counts], totals={"api99": 3914069})``.

    Parameters
    ----------
    margins : DataFrame or sequence of DataFrame
        Population counts per category of each categorical term (all categories).
    totals : mapping of str to float, optional
        Population totals of numeric variables [the variable's unit].
    population : float, optional
        Population size, an intercept term (implied by any margin: give it only without one).
    calfun : {"linear", "raking", "logit"}
        Calibration function (R's ``calfun``); ``"logit"`` needs finite *bounds*.
    bounds : tuple of float
        Range of the g-weights :math:`w^*/w` (or of the weights with *bounds_const*).
    bounds_const : bool
        *bounds* are on the calibrated weights, not on the ratio (R's ``bounds.const``).
        Weights far below the totals (every total over 20 times its weighted sample total)
        are first rescaled by the mean of those ratios over R's model-matrix terms, as R's
        ``grake`` does, and the bounds apply after that (with a warning); see
        ``engine/grake_scale.py``.
    trim : tuple of float, optional
        After calibration, g-weights outside the range are set to its ends and the excess
        weight is spread proportionally over the others (R's ``trim=``; totals are then only
        approximately met).
    maxit, epsilon : int, float
        Newton iterations, and the relative misfit :math:`|T - \\hat T|/(1 + |T|)` at which
        they stop (R's defaults 50 and 1e-7).
    force : bool
        Without convergence, an error names the misfit (as R's ``stop("Calibration
        failed")``); ``force=True`` keeps the last iterate with a warning.

    Returns
    -------
    Design
        The design with the calibration appended.
    """
    if calfun not in CALFUNS:
        raise CalibrationError(f"calfun={calfun!r}: choose one of {CALFUNS}")
    lower, upper = (float(b) for b in bounds)
    if not lower < upper:
        raise CalibrationError(f"bounds={bounds}: lower must be below upper")
    if calfun == "logit" and not (math.isfinite(lower) and math.isfinite(upper)):
        raise CalibrationError("calfun='logit' needs finite bounds, e.g. bounds=(0.5, 2)")
    if calfun == "logit" and not lower < 1 < upper:
        raise CalibrationError(f"calfun='logit': bounds={bounds} must contain 1")
    if trim is not None:
        trim = (float(trim[0]), float(trim[1]))
        if not trim[0] < trim[1]:
            raise CalibrationError(f"trim={trim}: lower must be below upper")
    numeric = tuple((str(k), float(v)) for k, v in (totals or {}).items())
    for name, value in numeric:
        if not math.isfinite(value):
            raise CalibrationError(f"totals[{name!r}] = {value}: a total must be finite")
    margin = _margins(margins, count)
    if not margin and not numeric and population is None:
        raise CalibrationError("calibrate: give margins, totals or population")
    if population is not None and not population > 0:
        raise CalibrationError(f"population={population}: a population size must be positive")
    step = CalibrationStep(
        kind="calibrate",
        margins=margin,
        numeric=numeric,
        population=None if population is None else float(population),
        calfun=calfun,
        bounds=(lower, upper),
        bounds_const=bounds_const,
        trim=trim,
        maxit=maxit,
        epsilon=epsilon,
        force=force,
    )
    return _append(design, step)


# ---------------------------------------------------------------------------------------------
# Applying the steps to a frame


@dataclass
class _Op:
    """The residual operator of one step on a rows × k matrix of weighted scores."""

    kind: str
    codes: list[np.ndarray]
    psw: list[np.ndarray]
    oldw: np.ndarray | None = None
    mm: np.ndarray | None = None

    def apply(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "greg":
            assert self.mm is not None and self.oldw is not None
            # R: qr.resid(qr(mm * sqrt(w)), x / (g sqrt(w))) * g sqrt(w): the scores'
            # residuals from their regression on the calibration variables, input weights w.
            gw = self.psw[0]
            whalf = np.sqrt(self.oldw)
            # (linear calibration may give negative weights: they are weights all the same)
            with np.errstate(divide="ignore", invalid="ignore"):
                s = np.where(gw[:, None] != 0, x / np.where(gw != 0, gw, 1.0)[:, None], 0.0)
            a = self.mm * whalf[:, None]
            coef, *_ = np.linalg.lstsq(a, s * whalf[:, None], rcond=None)
            return np.asarray(gw[:, None] * (s - self.mm @ coef))
        if self.kind == "poststratify":
            assert self.oldw is not None
            codes, psw, oldw = self.codes[0], self.psw[0].copy(), self.oldw
            psw[(psw == 0) & (oldw == 0)] = 1.0
            k = int(codes.max()) + 1
            ratio = x * (oldw / psw)[:, None]
            sums = np.stack([np.bincount(codes, ratio[:, j], k) for j in range(x.shape[1])], 1)
            means = sums / np.bincount(codes, oldw, k)[:, None]
            return np.asarray(x - means[codes] * psw[:, None])
        # raking: ten sweeps of the unweighted centring of x / psw within each margin
        for _ in range(_RAKE_SWEEPS):
            for codes, psw in zip(self.codes, self.psw, strict=True):
                k = int(codes.max()) + 1
                counts = np.bincount(codes, minlength=k)
                xs = x / psw[:, None]
                means = (
                    np.stack([np.bincount(codes, xs[:, j], k) for j in range(x.shape[1])], 1)
                    / counts[:, None]
                )
                x = x - psw[:, None] * means[codes]
        return x


@dataclass
class CalibrationState:
    """What the Taylor variance of a calibrated design needs (built by
    :func:`apply_calibration`): the residual operators over the calibration rows, and which of
    those rows are analysed."""

    ops: list[_Op]
    nrows: int
    analysed: np.ndarray  # positions, among the calibration rows, of the analysed rows

    def restrict(self, keep: np.ndarray) -> CalibrationState:
        """The state after the analysis dropped rows (``keep`` over the analysed rows)."""
        return CalibrationState(self.ops, self.nrows, self.analysed[np.asarray(keep, bool)])

    def residuals(self, x: np.ndarray) -> np.ndarray:
        """Calibration residuals of weighted scores *x* (analysed rows × k)."""
        full = np.zeros((self.nrows, x.shape[1]))
        full[self.analysed] = x
        for op in self.ops:
            full = op.apply(full)
        return np.asarray(full[self.analysed])

    def scores(
        self,
        work: pd.DataFrame,
        by: Sequence[str],
        keys: pd.DataFrame,
        num: str,
        den: str | None,
        est: DomainEstimates,
    ) -> DomainEstimates:
        """PSU scores of *est* replaced by the PSU totals of their calibration residuals.

        Every PSU gets a score in every cell (a residual spreads over all rows), so the
        result is dense: cells × PSUs.
        """
        e = self.residuals(row_influence(work, by, keys, num, den, est))
        ncells = len(est.theta)
        psu = work["_psu"].to_numpy(np.intp)
        h = work["_h"].to_numpy(np.intp)
        npsu = int(psu.max()) + 1
        stratum = np.zeros(npsu, dtype=np.intp)
        stratum[psu] = h
        z = np.stack([np.bincount(psu, e[:, j], npsu) for j in range(ncells)], 0)
        return DomainEstimates(
            theta=est.theta,
            numerator=est.numerator,
            denominator=est.denominator,
            cell=np.repeat(np.arange(ncells, dtype=np.intp), npsu),
            stratum=np.tile(stratum, ncells),
            psu=np.tile(np.arange(npsu, dtype=np.intp), ncells),
            z=z.ravel(),
        )


def row_influence(
    work: pd.DataFrame,
    by: Sequence[str],
    keys: pd.DataFrame,
    num: str,
    den: str | None,
    est: DomainEstimates,
) -> np.ndarray:
    """Weighted linearised scores of every row in every cell (rows × cells, dense):
    :math:`w_i (y_i - \\hat\theta_d x_i) / \\hat B_d` for rows of cell *d* (``w_i y_i`` for a
    total), 0 elsewhere — R's influence functions before ``svyrecvar``."""
    code, row_keys = group_codes(work, list(by))
    if by:
        idx = pd.MultiIndex.from_frame(keys[list(by)].reset_index(drop=True))
        code = np.asarray(
            idx.get_indexer(pd.MultiIndex.from_frame(row_keys[list(by)]))[code], np.intp
        )
    ncells = len(est.theta)
    w = work["_w"].to_numpy(dtype=float)
    y = work[num].to_numpy(dtype=float)
    x = np.zeros((len(work), ncells))
    rows = np.arange(len(work))
    if den is None:
        x[rows, code] = w * y
    else:
        d = np.ones(len(work)) if den == "_one" else work[den].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            score = (y - est.theta[code] * d) / est.denominator[code]
        x[rows, code] = np.where(np.isfinite(score), w * score, 0.0)
    return x


def _codes(
    work: pd.DataFrame, margin: Margin, weights: np.ndarray, partial: bool, label: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row, the index of its category in *margin*; the population totals; sample totals.

    Errors name the margin: a sample category without a population total, a population
    category with population > 0 but no sample row (unless *partial*), a category with
    zero population but sample rows.
    """
    cols = list(margin.columns)
    absent = [c for c in cols if c not in work.columns]
    if absent:
        raise CalibrationError(f"{label} margin {margin.name}: column(s) {absent} not in the frame")
    for c in cols:
        if work[c].isna().any():
            raise CalibrationError(
                f"{label} margin {margin.name}: {int(work[c].isna().sum())} row(s) with a "
                f"missing {c!r}; a calibration variable cannot be missing"
            )
    pop_keys = [k for k, _ in margin.totals]
    pop_index = {k: i for i, k in enumerate(pop_keys)}
    code, keys = group_codes(work, cols)
    sample_keys = [tuple(_py(v) for v in row) for row in keys.itertuples(index=False, name=None)]
    lookup = np.array([pop_index.get(k, -1) for k in sample_keys], dtype=np.intp)
    if (lookup < 0).any():
        bad = [sample_keys[i] for i in np.flatnonzero(lookup < 0)]
        raise CalibrationError(
            f"{label} margin {margin.name}: sample categories {bad[:10]} have no population "
            "total; add them to the population frame"
        )
    row = lookup[code]
    pop = np.array([t for _, t in margin.totals], dtype=float)
    sample = np.bincount(row, weights=weights, minlength=len(pop))
    seen = np.bincount(row, minlength=len(pop)) > 0
    missing = ~seen & (pop > 0)
    if missing.any() and not partial:
        bad = [pop_keys[i] for i in np.flatnonzero(missing)]
        raise CalibrationError(
            f"{label} margin {margin.name}: population categories {bad[:10]} have no sample "
            "row, so no weight can reach their total (collapse categories, or pass "
            "partial=True to post_stratify to ignore them)"
        )
    zero = seen & (pop == 0)
    if zero.any():
        bad = [pop_keys[i] for i in np.flatnonzero(zero)]
        raise CalibrationError(
            f"{label} margin {margin.name}: categories {bad[:10]} have a population total of "
            "zero but sample rows; a zero total cannot be calibrated to (drop those rows or "
            "correct the total)"
        )
    return row, pop, sample


def _poststratify_weights(
    work: pd.DataFrame, margin: Margin, w: np.ndarray, partial: bool, label: str
) -> tuple[np.ndarray, np.ndarray]:
    row, pop, sample = _codes(work, margin, w, partial, label)
    if np.any((sample <= 0) & (pop > 0) & (np.bincount(row, minlength=len(pop)) > 0)):
        raise CalibrationError(f"{label} margin {margin.name}: a category has zero sample weight")
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(sample > 0, pop / np.where(sample > 0, sample, 1.0), 0.0)
    return w * factor[row], row


def _rake_weights(
    work: pd.DataFrame,
    step: CalibrationStep,
    w: np.ndarray,
    label: str,
    sweeps: int | None = None,
) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray], int]:
    """Raked weights, each margin's codes and weights after its last post-stratification,
    and the sweeps made. With *sweeps* given (replicates), exactly that many sweeps are made:
    R rakes the replicate weights in the same sweeps as the full sample."""
    for margin in step.margins:  # categories first: the errors that name one margin
        _codes(work, margin, w, False, label)
    sums = [sum(t for _, t in m.totals) for m in step.margins]
    if sweeps is None and not np.allclose(sums, sums[0], rtol=1e-9, atol=0):
        detail = ", ".join(f"{m.name}: {t:.10g}" for m, t in zip(step.margins, sums, strict=True))
        raise CalibrationError(
            f"{label}: rake margins disagree on the population size ({detail}); raking "
            "cannot meet them all (correct the totals, or calibrate(...) to one and rake to "
            "the others' shares)"
        )
    all_cols = step.columns
    joint, _ = group_codes(work, all_cols)
    k = int(joint.max()) + 1
    eps = step.epsilon * w.sum() if step.epsilon < 1 else step.epsilon
    old = np.bincount(joint, w, k)
    codes: list[np.ndarray] = []
    psws: list[np.ndarray] = []
    converged = False
    delta = math.inf
    done = 0
    for _ in range(step.maxit if sweeps is None else sweeps):
        codes, psws = [], []
        for margin in step.margins:
            w, row = _poststratify_weights(work, margin, w, False, label)
            codes.append(row)
            psws.append(w)
        done += 1
        if sweeps is not None:
            continue
        new = np.bincount(joint, w, k)
        delta = float(np.max(np.abs(old - new)))
        if delta < eps:
            converged = True
            break
        old = new
    if sweeps is not None:
        return w, codes, psws, done
    if not converged:
        msg = (
            f"{label}: raking over margins {[m.name for m in step.margins]} did not converge "
            f"in maxit={step.maxit} sweeps (largest change in a cell {delta:.6g} >= epsilon "
            f"{eps:.6g}); raise maxit, check that the margins' totals agree with each other"
        )
        if not step.force:
            raise CalibrationError(msg + ", or pass force=True to keep the last sweep")
        warn_user(msg)
    return w, codes, psws, done


def _model_matrix(
    work: pd.DataFrame, step: CalibrationStep, w: np.ndarray, label: str
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The calibration variables (rows × p), their population totals and names."""
    cols: list[np.ndarray] = []
    pop: list[float] = []
    names: list[str] = []
    if step.population is not None:
        cols.append(np.ones(len(work)))
        pop.append(step.population)
        names.append("(population)")
    for margin in step.margins:
        row, totals, _ = _codes(work, margin, w, False, label)
        present = np.bincount(row, minlength=len(totals)) > 0
        for i in np.flatnonzero(present):
            cols.append((row == i).astype(float))
            pop.append(float(totals[i]))
            names.append(f"{margin.name}={margin.totals[i][0]}")
    for name, total in step.numeric:
        if name not in work.columns:
            raise CalibrationError(f"{label} total {name!r}: no such column in the frame")
        v = pd.to_numeric(work[name], errors="coerce").to_numpy(dtype=float)
        if np.isnan(v).any():
            raise CalibrationError(
                f"{label} total {name!r}: {int(np.isnan(v).sum())} row(s) missing; a "
                "calibration variable cannot be missing"
            )
        cols.append(v)
        pop.append(total)
        names.append(name)
    return np.column_stack(cols), np.asarray(pop), names


def _calfun(name: str, lower: float, upper: float) -> tuple[Any, Any]:
    """R ``survey``'s calibration functions: (F^{-1}(u) = g - 1, its derivative)."""
    if name == "linear":

        def fm1(u: np.ndarray) -> np.ndarray:
            return np.asarray(np.minimum(np.maximum(u + 1, lower), upper) - 1)

        def df(u: np.ndarray) -> np.ndarray:
            return ((u < upper - 1) & (u > lower - 1)).astype(float)

    elif name == "raking":

        def fm1(u: np.ndarray) -> np.ndarray:
            with np.errstate(over="ignore"):
                return np.asarray(np.minimum(np.maximum(np.exp(u), lower), upper) - 1)

        def df(u: np.ndarray) -> np.ndarray:
            with np.errstate(over="ignore"):
                return np.where((u < upper - 1) & (u > lower - 1), np.exp(u), 0.0)

    else:
        a = (upper - lower) / ((upper - 1) * (1 - lower))

        def fm1(u: np.ndarray) -> np.ndarray:
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(a * u)
                return np.asarray(
                    (lower * (upper - 1) + upper * (1 - lower) * e) / (upper - 1 + (1 - lower) * e)
                    - 1
                )

        def df(u: np.ndarray) -> np.ndarray:
            with np.errstate(over="ignore", invalid="ignore"):
                e = np.exp(a * u)
                den = upper - 1 + (1 - lower) * e
                return np.asarray(
                    upper * (1 - lower) * e * a / den
                    - (lower * (upper - 1) + upper * (1 - lower) * e)
                    * ((1 - lower) * e * a)
                    / den**2
                )

    return fm1, df


def _grake(
    mm: np.ndarray,
    ww: np.ndarray,
    population: np.ndarray,
    step: CalibrationStep,
    lower: np.ndarray | float,
    upper: np.ndarray | float,
    r_scale: RScale,
    label: str | None,
) -> tuple[np.ndarray, float | None]:
    """g-weights by Newton's method on the Lagrange multipliers (R's ``grake``).

    *r_scale* gives the factor R rescales weights far below the totals by (the mean ratio
    over R's own calibration terms, :mod:`.grake_scale`); with bounds, that is said in a
    warning naming *label* (None: the caller has said it already).
    Returns the g-weights and, if the iterations did not converge, the misfit reached.
    """
    sample_total = mm.T @ ww
    scale = r_scale.factor(ww)
    if scale is not None:
        if label is not None and any(math.isfinite(b) for b in step.bounds):
            warn_user(
                f"{label}: every weighted sample total is under 1/{RESCALE_THRESHOLD:g} of its "
                f"population total, so the weights are first multiplied by {scale:.6g} (as "
                f"R's grake does) and the bounds {step.bounds} apply after that rescaling; "
                "scale the input weights to the population for bounds on the ratio to them"
            )
        ww = ww * scale
        sample_total = sample_total * scale
    lo = np.asarray(lower, dtype=float)
    hi = np.asarray(upper, dtype=float)
    fm1, dfun = _calfun(step.calfun, lo, hi)  # type: ignore[arg-type]
    eta = np.zeros(mm.shape[1])
    xeta = mm @ eta
    deriv = dfun(xeta)
    it = 1
    failed: float | None = None
    while True:
        tmat = (mm * (ww * deriv)[:, None]).T @ mm
        misfit = population - sample_total - mm.T @ (ww * fm1(xeta))
        deta = np.linalg.pinv(tmat, rcond=256 * np.finfo(float).eps) @ misfit
        eta = eta + deta
        xeta = mm @ eta
        g = 1 + fm1(xeta)
        deriv = dfun(xeta)
        while it < step.maxit and not (np.all(np.isfinite(g)) and np.all(np.isfinite(deriv))):
            it += 1
            deta = deta / 2
            eta = eta - deta
            xeta = mm @ eta
            g = 1 + fm1(xeta)
            deriv = dfun(xeta)
        misfit = population - sample_total - mm.T @ (ww * fm1(xeta))
        rel = np.abs(misfit) / (1 + np.abs(population))
        if np.all(rel < step.epsilon):
            break
        it += 1
        if it > step.maxit:
            failed = float(np.max(rel))
            break
    if scale is not None:
        g = g * scale
    return np.asarray(g, dtype=float), failed


def _trim(g: np.ndarray, ww: np.ndarray, trim: tuple[float, float]) -> np.ndarray:
    gnew = np.clip(g, trim[0], trim[1])
    outside = (g < trim[0]) | (g > trim[1])
    if outside.any():
        spill = float(np.sum((g - gnew) * ww))
        gnew[~outside] += spill / float(np.sum(ww[~outside]))
    return np.asarray(gnew)


def _greg(
    work: pd.DataFrame,
    step: CalibrationStep,
    w: np.ndarray,
    reps: np.ndarray | None,
    label: str,
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    mm, pop, names = _model_matrix(work, step, w, label)
    lower, upper = step.bounds
    lo: np.ndarray | float = lower
    hi: np.ndarray | float = upper
    if step.bounds_const:
        with np.errstate(divide="ignore", invalid="ignore"):
            lo = np.where(w > 0, lower / np.where(w > 0, w, 1.0), lower)
            hi = np.where(w > 0, upper / np.where(w > 0, w, 1.0), upper)

    r_scale = RScale(
        work, [(m.columns, m.totals) for m in step.margins], step.numeric, step.population
    )

    def one(weights: np.ndarray, which: str) -> np.ndarray:
        g, failed = _grake(mm, weights, pop, step, lo, hi, r_scale, None if which else label)
        if step.trim is not None:
            g = _trim(g, weights, step.trim)
            failed = None
        if failed is not None:
            misfit = pop - mm.T @ (weights * g)
            worst = int(np.argmax(np.abs(misfit) / (1 + np.abs(pop))))
            msg = (
                f"{label}{which}: calibration ({step.calfun}, bounds {step.bounds}) did not "
                f"converge in maxit={step.maxit} iterations: relative misfit {failed:.3g} "
                f"(worst term {names[worst]}: total {pop[worst]:.6g}, reached "
                f"{pop[worst] - misfit[worst]:.6g}); widen the bounds or raise maxit"
            )
            if not step.force:
                raise CalibrationError(msg + ", or pass force=True to keep the last iterate")
            warn_user(msg)
        return g

    g = one(w, "")
    new_reps = None
    if reps is not None:
        new_reps = np.column_stack(
            [reps[:, r] * one(reps[:, r], f" (replicate {r + 1})") for r in range(reps.shape[1])]
        )
    return w * g, new_reps, mm


def apply_calibration(
    work: pd.DataFrame,
    steps: Sequence[CalibrationStep],
    w: np.ndarray,
    reps: np.ndarray | None,
    *,
    label: str = "frame",
) -> tuple[np.ndarray, np.ndarray | None, CalibrationState]:
    """Calibrated weights (and replicate weights) of the rows of *work*, and the residual
    operators for the Taylor variance.

    Parameters
    ----------
    work : pandas.DataFrame
        The rows calibrated (every row with its design variables present).
    steps : sequence of CalibrationStep
        The design's calibrations, applied in order.
    w : numpy.ndarray
        Input weights.
    reps : numpy.ndarray, optional
        Input replicate weights (rows × replicates), recalibrated each in turn.
    """
    if (w < 0).any():
        raise CalibrationError(f"{label}: negative weights cannot be calibrated")
    ops: list[_Op] = []
    for step in steps:
        old = w
        if step.kind == "poststratify":
            margin = step.margins[0]
            w, row = _poststratify_weights(work, margin, w, step.partial, label)
            ops.append(_Op("poststratify", [row], [w], oldw=old))
            if reps is not None:
                reps = np.column_stack(
                    [
                        _poststratify_weights(work, margin, reps[:, r], step.partial, label)[0]
                        for r in range(reps.shape[1])
                    ]
                )
        elif step.kind == "rake":
            w, codes, psws, done = _rake_weights(work, step, w, label)
            ops.append(_Op("rake", codes, psws))
            if reps is not None:
                reps = np.column_stack(
                    [
                        _rake_weights(work, step, reps[:, r], label, sweeps=done)[0]
                        for r in range(reps.shape[1])
                    ]
                )
        else:
            w, reps, mm = _greg(work, step, w, reps, label)
            ops.append(_Op("greg", [], [w], oldw=old, mm=mm))
    return w, reps, CalibrationState(ops, len(work), np.arange(len(work)))


@accepts_any_frame
def calibrated_weights(frame: pd.DataFrame, design: Any) -> pd.Series:
    """The calibrated weights of *frame*'s rows under *design* (NaN where a design variable is
    missing), e.g. for a function that takes a weight column rather than a design.

    Such a column gives the calibrated point estimates; only the design-aware functions
    (``estimate``, ``estimate_difference``) also take the calibration into the variance.
    """
    steps: tuple[CalibrationStep, ...] = design.calibration
    weight = design.weight
    w = (
        pd.to_numeric(frame[weight], errors="coerce").to_numpy(dtype=float)
        if weight
        else np.ones(len(frame))
    )
    ok = ~np.isnan(w)
    for col in (design.strata, design.psu, design.fpc):
        if col:
            ok &= frame[col].notna().to_numpy()
    out = np.full(len(frame), np.nan)
    if steps:
        cw, _, _ = apply_calibration(frame.loc[ok], steps, w[ok], None)
        out[ok] = cw
    else:
        out[ok] = w[ok]
    return pd.Series(out, index=frame.index, name="calibrated_weight")
