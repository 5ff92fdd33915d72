"""Sample designs and design-based estimates with standard errors (names follow R ``survey``).

Usage (``frame`` is the survey's person records)::

    import migindicators as mi
    design = mi.survey.Design(weight="w", strata="s", psu="p", fpc="N", lonely_psu="fail")
    res = mi.survey.estimate(frame, design, parameter="mean", y="income", by=["sex"])
    rep = mi.survey.Design(weight="w", replicate_weights=["r1", "r2"], replicate_method="fay",
                           fay_rho=0.3, mse=False)

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

Conventions (R ``survey``, checked against R's own figures in
``tests/reference/test_survey_golden_r.py``; the earlier behaviour of each is an option):

- Taylor variance is the with-replacement ("ultimate cluster") estimator on PSU totals of the
  linearised scores; a PSU is the pair (stratum, PSU), as ``nest=TRUE``; without ``psu`` each
  row is its own PSU; without ``strata`` there is one stratum.
- ``fpc`` names a column of first-stage population sizes per stratum, or of sampling
  fractions when every value is <= 1; ``f_h = 1 - n_h / N_h``.
- Domains are subpopulations of the whole design: rows outside a domain keep their PSU (score
  0), never a subset of the design.
- Rows with a missing ``y`` (or ``x``) leave the estimate but keep their PSU in the design,
  as R's ``na.rm=TRUE`` (``missing="drop"``: dropped from the design). Rows with a missing
  weight or design variable are dropped. All are counted in ``Result.exclusions``. Rows with
  a missing domain value stay in the design (as ``svyby``), unreported and counted.
- Lonely PSUs as R's ``survey.lonely.psu``; ``adjust`` centres the lonely PSU's total at zero
  and ``average`` averages over the strata each domain has rows in, as R's code does.
- Intervals are Student-t with the domain's degrees of freedom, R's ``degf`` of the design
  subset to the domain: its PSUs minus its strata (Taylor), the rank of its replicate weights
  minus one (replicate designs); ``df="design"`` uses the whole design's. Proportions use
  ``svyciprop(method="logit")`` (on replicate designs the replicate SE of the logit, as R's
  GLM fit; ``proportion_ci=`` any other ``svyciprop`` method); quantiles R's Woodruff
  interval on the CDF at the estimate (``quantile_ci="nominal"``: around q).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.distributions import t_quantile
from migindicators.core.errors import (
    InputValidationError,
    MissingColumnError,
    OptionError,
    WeightError,
)
from migindicators.core.flags import add_flag
from migindicators.core.frames import accepts_any_frame
from migindicators.core.ledger import RowLedger
from migindicators.core.provenance import provenance
from migindicators.core.quality import apply_rules
from migindicators.core.result import VALUE_COLUMNS, Result
from migindicators.engine.calibration import CalibrationState, CalibrationStep, apply_calibration
from migindicators.engine.estimate import (
    DomainEstimates,
    ReplicateScheme,
    StrataInfo,
    full_rank_blocks,
    replicate_estimates,
    replicate_rank,
    replicate_variance,
    taylor_df,
    taylor_estimates,
    taylor_variance,
)
from migindicators.engine.multistage import PPSState, StageState, pps_method, pps_state, stage_state
from migindicators.engine.proportion_limits import (
    PROPORTION_METHODS,
    likelihood_dispersion,
    proportion_interval,
    proportion_method,
)
from migindicators.engine.quantile_rules import QUANTILE_RULES, weighted_quantile
from migindicators.engine.tabulate import (
    group_codes,
    replicate_totals,
    stacked_columns,
    tabulate,
)

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
#: What :func:`estimate` can estimate (its *parameter* option).
PARAMETERS = ("total", "mean", "ratio", "proportion", "quantile")
#: Degrees of freedom of an interval: the domain's (R) or the whole design's.
DF_RULES = ("domain", "design")
#: Rows with a missing y or x: outside the domain, PSUs kept (R ``na.rm``), or dropped.
MISSING_RULES = ("domain", "drop")
#: Proportion intervals: R ``svyciprop``'s methods (see :mod:`~migindicators.engine.intervals`).
PROPORTION_CIS = PROPORTION_METHODS
#: Woodruff intervals: on the CDF at the estimate (R) or around the nominal probability.
QUANTILE_CIS = ("cdf", "nominal")
#: Treatments of a stratum with one PSU (R ``options(survey.lonely.psu=)``).
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
        Degrees of freedom of a replicate design, for every cell. Default: R's ``degf``, the
        rank of the replicate weights minus one (of the domain's rows for a domain).
    ssu, fpc2 : str or sequence, optional
        Cluster columns of the stages after the first (one column: the second stage; a
        sequence: stages 2, 3, ..., each nested in the one before) and their population sizes
        per stratum of the stage within each unit of the stage before (or sampling fractions),
        one per ``ssu`` column, ``None`` (or ``""``) for a stage without fpc: the multistage
        variance with an fpc at each stage, R's ``svydesign(ids=~psu+ssu+tsu,
        fpc=~fpc+fpc2+fpc3)`` (a stage without fpc: R's ``Inf``; see
        :mod:`migindicators.engine.multistage`). Without ``fpc2`` the later stages add
        nothing (the ultimate-cluster variance).
    strata2 : str or sequence, optional
        Strata of the later stages within each unit of the stage before, one per ``ssu``
        column (``None``: unstratified), R's ``strata=~s1+s2``.
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
    bad_weights : {"fail", "exclude"}
        Full-sample weights that are negative, zero, infinite or not a number: ``"fail"``
        (default) raises :class:`~migindicators.core.errors.WeightError` listing the first
        rows; ``"exclude"`` drops those rows and counts them in the exclusions (reason
        ``"non-positive or non-finite weight (<column>)"``). Missing weights are always
        excluded and counted.
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
    ssu: str | tuple[str, ...] | None = None
    fpc2: str | tuple[str | None, ...] | None = None
    strata2: str | tuple[str | None, ...] | None = None
    ultimate_cluster: bool = False
    prob: str | None = None
    pps: str | None = None
    pps_psum: float | None = None
    calibration: tuple[CalibrationStep, ...] = ()
    bad_weights: str = "fail"
    _checked: bool = field(default=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.replicate_weights, list):
            object.__setattr__(self, "replicate_weights", tuple(self.replicate_weights))
        if isinstance(self.rscales, list):
            object.__setattr__(self, "rscales", tuple(self.rscales))
        if isinstance(self.calibration, list):
            object.__setattr__(self, "calibration", tuple(self.calibration))
        for name in ("ssu", "fpc2", "strata2"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                # "" stands for None where a file format has no null (TOML run specs).
                object.__setattr__(self, name, tuple(v if v != "" else None for v in value))
        if self.pps is not None:
            object.__setattr__(self, "pps", pps_method(self.pps))
            if self.prob is None:
                raise OptionError("pps= needs prob= (the PSUs' inclusion probabilities)")
            if self.fpc is not None:
                raise OptionError("a PPS design takes its fpc from prob=, not fpc=")
        if self.ssu is not None and self.psu is None:
            raise OptionError("ssu= (second-stage clusters) needs psu= (first stage)")
        if self.fpc2 is not None and self.ssu is None:
            raise OptionError("fpc2= needs ssu= (the second-stage clusters)")
        if self.strata2 is not None and self.ssu is None:
            raise OptionError("strata2= needs ssu= (the second-stage clusters)")
        if self.ssu is not None:
            self.later_stages()  # checks the lengths
        if self.ssu is not None and self.pps is not None:
            raise OptionError("multistage PPS designs are not supported")
        if self.lonely_psu not in LONELY_PSU:
            raise OptionError(f"lonely_psu={self.lonely_psu!r}: choose one of {LONELY_PSU}")
        if self.bad_weights not in ("fail", "exclude"):
            raise OptionError(f"bad_weights={self.bad_weights!r}: choose 'fail' or 'exclude'")
        if self.replicate_weights is not None:
            method = (self.replicate_method or "").lower()
            method = _METHOD_ALIASES.get(method, method)
            if method not in REPLICATE_METHODS:
                raise OptionError(
                    f"replicate_method={self.replicate_method!r}: choose one of "
                    f"{REPLICATE_METHODS} for a replicate-weight design"
                )
            object.__setattr__(self, "replicate_method", method)
            if method == "fay" and not 0.0 < self.fay_rho < 1.0:
                raise OptionError("replicate_method='fay' needs fay_rho in (0, 1), e.g. 0.5")
            if method == "jkn" and self.rscales is None:
                raise OptionError(
                    "replicate_method='jkn' needs rscales: (n_h - 1) / n_h for "
                    "the stratum of each replicate"
                )
            if any(
                c is not None
                for c in (
                    self.strata,
                    self.psu,
                    self.fpc,
                    self.ssu,
                    self.fpc2,
                    self.strata2,
                    self.prob,
                )
            ):
                raise OptionError(
                    "a replicate-weight design takes no strata/psu/fpc: the "
                    "replicate weights carry the design"
                )
        elif self.replicate_method is not None:
            raise OptionError("replicate_method given without replicate_weights")

    def later_stages(self) -> list[tuple[str, str | None, str | None]]:
        """The stages after the first: (cluster, fpc or None, strata or None) per stage."""
        if self.ssu is None:
            return []
        ids = (self.ssu,) if isinstance(self.ssu, str) else tuple(self.ssu)
        out: list[tuple[str, str | None, str | None]] = []
        per_stage: dict[str, tuple[str | None, ...]] = {}
        for name in ("fpc2", "strata2"):
            value = getattr(self, name)
            if value is None:
                given: tuple[str | None, ...] = (None,) * len(ids)
            else:
                given = (value,) if isinstance(value, str) else tuple(value)
            if len(given) != len(ids):
                raise OptionError(
                    f"{name}={list(given)} has {len(given)} entries for {len(ids)} ssu "
                    f"column(s) {list(ids)}: give one per later stage (None for a stage "
                    "without it)"
                )
            per_stage[name] = given
        for k, col in enumerate(ids):
            if not isinstance(col, str):
                raise OptionError(f"ssu={list(ids)}: every later stage needs a cluster column")
            out.append((col, per_stage["fpc2"][k], per_stage["strata2"][k]))
        return out

    def stage_columns(self) -> list[str]:
        """The columns of the stages after the first."""
        return [c for stage in self.later_stages() for c in stage if c is not None]

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
                raise MissingColumnError(
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
            raise OptionError(f"rscales has {len(rscales)} values for {r} replicate weights")
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
        for name in ("rscales", "ssu", "fpc2", "strata2"):
            if isinstance(out.get(name), tuple):
                out[name] = list(out[name])
        return out


def as_design(design: Design | Mapping[str, Any]) -> Design:
    """A :class:`Design` from a Design or a mapping of its keyword arguments (the CLI's)."""
    if isinstance(design, Design):
        return design
    if isinstance(design, Mapping):
        allowed = {f for f in Design.__dataclass_fields__ if not f.startswith("_")}
        unknown = sorted(set(design) - allowed)
        if unknown:
            raise OptionError(f"design: unknown key(s) {unknown}; allowed: {sorted(allowed)}")
        return Design(**dict(design))
    kind = type(design).__name__
    raise OptionError(f"design must be a migindicators.survey.Design or a mapping, got {kind}")


# ---------------------------------------------------------------------------------------------
# Preparation: exclusions, codes, design facts


@dataclass(frozen=True)
class _Conventions:
    """The R-or-not choices of one call (see :func:`estimate`)."""

    df: str | float = "domain"
    missing: str = "domain"
    proportion_ci: str = "logit"
    quantile_ci: str = "cdf"

    def __post_init__(self) -> None:
        if isinstance(self.df, str) and self.df not in DF_RULES:
            raise OptionError(f"df={self.df!r}: choose one of {DF_RULES} or give a number")
        if not isinstance(self.df, str) and not float(self.df) > 0:
            raise OptionError(f"df={self.df!r}: degrees of freedom must be positive")
        if self.missing not in MISSING_RULES:
            raise OptionError(f"missing={self.missing!r}: choose one of {MISSING_RULES}")
        try:
            canonical = proportion_method(self.proportion_ci)
        except OptionError:
            raise OptionError(
                f"proportion_ci={self.proportion_ci!r}: choose one of {PROPORTION_CIS} (R "
                "svyciprop's method=; aliases 'korn-graubard', 'clopper-pearson', 'wald', "
                "'arcsine')"
            ) from None
        object.__setattr__(self, "proportion_ci", canonical)  # aliases resolved
        if self.quantile_ci not in QUANTILE_CIS:
            raise OptionError(f"quantile_ci={self.quantile_ci!r}: choose one of {QUANTILE_CIS}")


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
    conv: _Conventions = field(default_factory=_Conventions)
    #: Rows kept in the design with a missing y or x (weight 0, outside every domain).
    has_missing: bool = False
    #: The design fixes the replicate degrees of freedom (``Design.replicate_df``).
    replicate_df_given: bool = False
    #: The replicate weights have not been checked for missing values yet (see
    #: :class:`_UncheckedReplicates`).
    unchecked: bool = False
    _rank_cache: dict[tuple[str, ...], tuple[np.ndarray, pd.DataFrame]] = field(
        default_factory=dict
    )
    _codes_cache: dict[tuple[str, ...], tuple[np.ndarray, pd.DataFrame]] = field(
        default_factory=dict
    )
    _weight_arrays: list[np.ndarray] | None = None

    def weight_arrays(self) -> list[np.ndarray]:
        """The full-sample weight ``_w`` and the replicate weights as float64 arrays.

        Taken from the frame once per call (neither column changes after preparation).
        """
        if self._weight_arrays is None:
            self._weight_arrays = [
                self.work[c].to_numpy(dtype=np.float64) for c in ["_w", *self.reps]
            ]
        return self._weight_arrays

    def cell_df(self, keys: pd.DataFrame, taylor: np.ndarray | None) -> np.ndarray:
        """Degrees of freedom per cell of *keys* under the call's ``df`` rule.

        *taylor* holds the Taylor domain df of the cells (None on replicate designs).
        """
        if not isinstance(self.conv.df, str):
            return np.full(len(keys), float(self.conv.df))
        if self.conv.df == "design" or (self.scheme is not None and self.replicate_df_given):
            return np.full(len(keys), self.design_df())
        if taylor is not None:
            return taylor
        return self.replicate_cell_df(keys)

    def design_df(self) -> float:
        """The whole design's df (replicate designs: R's degf, rank of the weights - 1)."""
        if np.isnan(self.df) and self.scheme is not None:
            self.require_checked()
            r = len(self.reps)
            known = [dfs for dfs, _ in self._rank_cache.values()]
            if any(len(d) and float(np.max(d)) == r - 1 for d in known):
                self.df = float(r - 1)  # a domain already has full rank: so has the design
            else:
                self.df = float(_replicate_ranks(self, [np.arange(len(self.work))])[0] - 1)
        return self.df

    def require_checked(self) -> None:
        """Raise :class:`_UncheckedReplicates` while the replicate weights are unchecked."""
        if self.unchecked:
            raise _UncheckedReplicates

    def domain_codes(self) -> tuple[np.ndarray, pd.DataFrame]:
        """Domain code of every row and the domains' keys (computed once per call)."""
        cache_key = ("codes", *self.by)
        if cache_key not in self._codes_cache:
            self._codes_cache[cache_key] = group_codes(self.work, self.by)
        return self._codes_cache[cache_key]

    def replicate_cell_df(self, keys: pd.DataFrame) -> np.ndarray:
        """Rank of each domain's replicate weights minus one (R's ``degf`` of the subset)."""
        cache_key = tuple(self.by)
        if cache_key not in self._rank_cache:
            self._rank_cache[cache_key] = _replicate_domain_df(self)
        dfs, dkeys = self._rank_cache[cache_key]
        if not self.by:
            return np.full(len(keys), float(dfs[0]))
        return np.asarray(dfs[_align(dkeys, keys, self.by)], dtype=np.float64)


class _UncheckedReplicates(Exception):
    """The deferred check of the replicate weights could not be skipped: prepare again.

    Checking 80 replicate-weight columns for missing values reads every weight once (as
    much memory traffic as the estimate's own sums). :func:`estimate` therefore prepares
    with the check deferred: the replicate sums are computed first, and since a missing or
    infinite weight makes its cell's sums non-finite (the values are finite, and
    ``nan * 0`` is ``nan``), finite sums prove that no weight is missing and the check is
    skipped. Non-finite sums, or any use of the replicate weights before the sums (their
    rank), raise this signal, and :func:`estimate` prepares again with the exact check,
    which excludes and counts the rows as always.
    """


def _as_list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    return [cols] if isinstance(cols, str) else list(cols)


def _weights(raw: pd.Series, design: Design, input_name: str) -> tuple[np.ndarray, np.ndarray]:
    """The weights as floats, and the mask of rows whose weight is negative, zero, infinite
    or text (missing weights are left to the missing-value accounting).

    Raises
    ------
    WeightError
        When such rows exist and ``design.bad_weights == "fail"``, listing the first rows.
    """
    numeric = pd.to_numeric(raw, errors="coerce")
    wv = numeric.to_numpy(dtype=float, na_value=np.nan)
    text = np.asarray(numeric.isna() & raw.notna(), dtype=bool)
    with np.errstate(invalid="ignore"):
        bad = text | (~np.isnan(wv) & ((wv <= 0) | ~np.isfinite(wv)))
    if bad.any() and design.bad_weights == "fail":
        rows = raw[bad]
        shown = ", ".join(f"row {i}: {v!r}" for i, v in rows.head(5).items())
        more = f" (+{len(rows) - 5} more)" if len(rows) > 5 else ""
        raise WeightError(
            f"{input_name}: {len(rows)} row(s) with a negative, zero, infinite or non-numeric "
            f"weight in {design.weight!r}, e.g. {shown}{more}. Correct the weights, or pass "
            "bad_weights='exclude' in the design to exclude and count those rows.",
            input_kind=input_name,
            failure_cases=pd.DataFrame(
                {
                    "column": design.weight,
                    "check": "weight > 0 and finite",
                    "index": rows.index,
                    "failure_case": rows.to_numpy(),
                }
            ),
        )
    return wv, bad


def _add_column(work: pd.DataFrame, name: str, values: Any) -> None:
    """Add a working column (a frame of many replicate-weight blocks warns; it is fine)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        work[name] = values


def _finite_columns(work: pd.DataFrame, columns: Sequence[str]) -> set[str]:
    """The float64 *columns* that surely have no NaN (their sum is finite).

    Columns adjacent in memory (the rows of one pandas block) are summed by one call on a
    strided view, the rows split between two threads (the sums only decide which columns
    need the exact per-row check, so their rounding does not matter).
    """
    dtypes = work.dtypes
    names = [c for c in columns if dtypes[c] == np.float64]
    if not names:
        return set()
    arrays = [work[c].to_numpy() for c in names]
    views = stacked_columns(arrays)
    n = len(arrays[0])
    half = n // 2

    def sums(rows: slice) -> list[np.ndarray]:
        return [view[:, rows].sum(axis=1) for _, view in views]

    if n >= 1 << 16:
        with ThreadPoolExecutor(max_workers=2) as pool:
            first, second = pool.map(sums, [slice(0, half), slice(half, n)])
        totals = [a + b for a, b in zip(first, second, strict=True)]
    else:
        totals = sums(slice(0, n))
    ok = np.concatenate([np.isfinite(t) for t in totals])
    return {name for name, good in zip(names, ok, strict=True) if good}


def _prepare(
    frame: pd.DataFrame,
    design: Design,
    needed: Sequence[str],
    by: list[str],
    ledger: RowLedger,
    input_name: str,
    conv: _Conventions | None = None,
    defer_replicate_check: bool = False,
) -> _Prepared:
    conv = conv if conv is not None else _Conventions()
    reps = design.replicate_columns(frame)
    design_cols = [
        c
        for c in (
            design.weight,
            design.strata,
            design.psu,
            design.fpc,
            *design.stage_columns(),
            design.prob,
        )
        if c
    ]
    design_cols += [c for step in design.calibration for c in step.columns]
    wanted = list(dict.fromkeys([*needed, *by, *design_cols, *reps]))
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        raise MissingColumnError(
            f"{input_name}: column(s) {absent} not found; the frame has {list(frame.columns)[:20]}"
        )
    # A frame of views of the needed columns: no copy of a wide replicate-weight block, and
    # (copy-on-write) the caller's frame is never mutated.
    work = pd.DataFrame({c: frame[c] for c in wanted}, copy=False)
    bad_weight = np.zeros(len(work), dtype=bool)
    if design.weight is not None:
        wv, bad_weight = _weights(work[design.weight], design, input_name)
    elif design.prob is not None:
        wv = 1.0 / pd.to_numeric(work[design.prob], errors="coerce").to_numpy(dtype=float)
    else:
        wv = np.ones(len(work))
    if bad_weight.any() and design.calibration:
        raise OptionError(
            "bad_weights='exclude' cannot be combined with a calibration: correct the weights"
        )
    calibration = None
    if design.calibration:
        work, wv, calibration = _calibrate(work, design, wv, reps, input_name)
    keep = ~bad_weight
    if bad_weight.any():
        ledger.record(
            input_name,
            f"non-positive or non-finite weight ({design.weight})",
            int(bad_weight.sum()),
        )
    checks: list[tuple[str, str]] = []
    if design.weight is not None:
        checks.append((design.weight, f"missing weight ({design.weight})"))
    checks += [
        (c, f"missing design variable ({c})")
        for c in (design.strata, design.psu, design.fpc, *design.stage_columns(), design.prob)
        if c is not None
    ]
    # (80 replicate columns: one sum per column is cheaper than a mask each; the check of
    # float columns can be deferred to the replicate sums, see _UncheckedReplicates.)
    dtypes = work.dtypes  # (one lookup: a column access per name costs more)
    deferred = (
        {c for c in reps if dtypes[c] == np.float64}
        if defer_replicate_check and design.is_replicate and not design.calibration
        else set()
    )
    finite = deferred | _finite_columns(work, [c for c in reps if c not in deferred])
    checks += [(c, f"missing design variable ({c})") for c in reps if c not in finite]
    for col, reason in checks:
        values = wv if col == design.weight else work[col]
        new = np.asarray(pd.isna(values), dtype=bool) & keep
        if new.any():
            weighted_sum = None if col == design.weight else float(wv[new].sum())
            ledger.record(input_name, reason, int(new.sum()), weighted=weighted_sum)
            keep &= ~new
    # A missing y or x: with missing="domain" (R's na.rm=TRUE) the row leaves the estimate
    # but, in a Taylor design, stays in the design with weight 0, so that its PSU still
    # counts in n_h (R subsets the design and keeps the full design's PSU counts). On a
    # replicate design dropping the row is the same thing.
    absent_y = np.zeros(len(work), dtype=bool)
    for col in needed:
        new = np.asarray(pd.isna(work[col]), dtype=bool) & keep & ~absent_y
        if new.any():
            ledger.record(
                input_name, f"missing {col}", int(new.sum()), weighted=float(wv[new].sum())
            )
            absent_y |= new
    keep_in_design = conv.missing == "domain" and not design.is_replicate
    if absent_y.any() and not keep_in_design:
        keep &= ~absent_y
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
    has_missing = bool(keep_in_design and (absent_y & keep).any())
    valid = np.where(absent_y, 0.0, 1.0)
    if has_missing:
        wv = np.where(absent_y, 0.0, wv)
    if not keep.all():
        work = work.loc[keep]
        wv, valid = wv[keep], valid[keep]
        if calibration is not None:
            calibration = calibration.restrict(keep)
    with warnings.catch_warnings():  # (a frame of many replicate-weight blocks warns)
        warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
        work = work.assign(_w=wv)
    if has_missing:
        work = work.assign(_valid=valid)
    if len(work) == 0 or not valid.any():
        raise InputValidationError(
            f"{input_name}: no rows left to estimate from (see the exclusions)"
        )
    weighted = design.weight is not None
    if design.is_replicate:
        dtypes = work.dtypes
        converted = {
            col: pd.to_numeric(work[col], errors="raise").astype(float)
            for col in reps
            if dtypes[col] != np.float64
        }
        if converted:
            work = work.assign(**converted)
        scheme = design.scheme(len(reps))
        given = design.replicate_df is not None
        df = float(design.replicate_df) if design.replicate_df is not None else float("nan")
        prep = _Prepared(
            work,
            by,
            reps,
            None,
            scheme,
            df,
            weighted or calibration is not None,
            conv=conv,
            replicate_df_given=given,
            unchecked=bool(deferred),
        )
        if not deferred:
            prep.design_df()  # R's degf (rank - 1), for the modules that read prep.df
        return prep
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
            raise InputValidationError(
                f"fpc column {design.fpc!r} must be constant within each stratum"
            )
        values = per_stratum["min"].to_numpy()
        if np.all(values <= 1):
            f = 1.0 - values
        else:
            if np.any(values < n_psu):
                raise InputValidationError(
                    f"fpc column {design.fpc!r}: population size below the "
                    "number of sampled PSUs in some stratum"
                )
            f = 1.0 - n_psu / values
    strata = StrataInfo(n_psu=n_psu, f=f, lonely_psu=design.lonely_psu)
    df = float(len(first) - nstrata)
    prep = _Prepared(
        work,
        by,
        [],
        strata,
        None,
        df,
        weighted or calibration is not None,
        calibration,
        conv=conv,
        has_missing=has_missing,
    )
    if design.pps is not None and design.prob is not None:
        prep.pps = pps_state(work, design.prob, design.pps, design.pps_psum)
    if design.ssu is not None and design.fpc2 is not None and not design.ultimate_cluster:
        prep.stages = stage_state(work, design.later_stages(), strata, calibration)
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


#: Rows drawn per domain for a first, cheap rank test of its replicate weights.
_RANK_SAMPLE = 2


def _replicate_ranks(prep: _Prepared, groups: Sequence[np.ndarray]) -> np.ndarray:
    """Rank of the replicate weights of each group of rows (R's ``qr(...)$rank``).

    A seeded random subset of a few times as many rows as replicates is tested first, all
    groups in one batch: its rank is a lower bound, exact when already full (the usual
    case: many PSUs). Otherwise the rank is taken on all the group's rows.
    """
    prep.require_checked()
    r = len(prep.reps)
    columns = prep.weight_arrays()[1:]
    ranks = np.full(len(groups), -1, dtype=np.int64)
    m = _RANK_SAMPLE * r
    big = [g for g, rows in enumerate(groups) if len(rows) > m]
    if big:
        rng = np.random.default_rng(20261204)
        idx = np.concatenate([np.sort(rng.choice(groups[g], size=m, replace=False)) for g in big])
        full = _sample_full_rank(columns, idx, len(big), m)
        ranks[np.asarray(big)[full]] = r
    for g in np.flatnonzero(ranks < 0):
        rows = groups[int(g)]
        block = np.empty((len(rows), r))
        for j, col in enumerate(columns):
            block[:, j] = col[rows]
        ranks[g] = replicate_rank(block)
    return ranks


def _sample_full_rank(
    columns: Sequence[np.ndarray], idx: np.ndarray, groups: int, m: int
) -> np.ndarray:
    """Whether each of *groups* consecutive runs of *m* rows of *idx* has full column rank."""
    block = np.empty((len(idx), len(columns)))
    for j, col in enumerate(columns):
        block[:, j] = col[idx]
    return full_rank_blocks(block.reshape(groups, m, len(columns)))


def _replicate_domain_df(prep: _Prepared) -> tuple[np.ndarray, pd.DataFrame]:
    """Rank minus one of each domain's replicate weights, and the domains' keys.

    A first, cheap pass draws a seeded sample of rows of the whole frame (a few times the
    rows the rank test needs per domain) and tests each domain on its sampled rows: a full
    rank there is the domain's rank (a subset's rank is a lower bound). Only domains not
    proven so are split out of all the rows (a sort of the domain codes) and ranked by
    :func:`_replicate_ranks`. Either way the rank is exact; the sample only saves work.
    """
    prep.require_checked()
    code, keys = prep.domain_codes()
    ndom, n = len(keys), len(code)
    r = len(prep.reps)
    m = _RANK_SAMPLE * r
    dfs = np.full(ndom, np.nan)
    size = min(n, 4 * m * ndom)
    if ndom and size > m:
        rng = np.random.default_rng(20261205)
        pos = rng.choice(n, size=size, replace=False)
        dcode = code[pos]
        order = np.argsort(dcode, kind="stable")
        bounds = np.searchsorted(dcode[order], np.arange(ndom + 1))
        enough = [d for d in range(ndom) if bounds[d + 1] - bounds[d] > m]
        if enough:
            idx = np.concatenate([np.sort(pos[order[bounds[d] : bounds[d] + m]]) for d in enough])
            full = _sample_full_rank(prep.weight_arrays()[1:], idx, len(enough), m)
            dfs[np.asarray(enough)[full]] = r - 1.0
    todo = np.flatnonzero(np.isnan(dfs))
    if len(todo):
        # Small integer codes sort by radix (numpy's stable sort of 16-bit keys).
        order = np.argsort(code.astype(np.int16) if ndom < 2**15 else code, kind="stable")
        bounds = np.searchsorted(code[order], np.arange(ndom + 1))
        groups = [order[bounds[d] : bounds[d + 1]] for d in todo]
        dfs[todo] = _replicate_ranks(prep, groups).astype(np.float64) - 1.0
    return dfs, keys


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
    df: np.ndarray


def _cells(prep: _Prepared, num: str, den: str | None) -> _Cells:
    """Domain estimates of sum(w*num) / sum(w*den) (den "_one" → sum(w); None → a total)."""
    values = [num] + ([den] if den not in (None, "_one") else [])
    work = prep.work
    if prep.scheme is None:
        weights = ["_w", "_valid"] if prep.has_missing else ["_w"]
        tab = tabulate(work, [*prep.by, "_h", "_psu"], weights=weights, values=values)
        if prep.has_missing:
            # (cell, PSU) rows made only of rows with a missing y are outside the cell.
            tab = tab.loc[tab["_valid"].to_numpy() > 0].reset_index(drop=True)
            tab["n"] = tab["_valid"].to_numpy().round().astype(np.int64)
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
        pos = tab["_w"].to_numpy() > 0
        df = prep.cell_df(keys, taylor_df(cell[pos], tab["_h"].to_numpy(np.intp)[pos], len(keys)))
    else:
        code, keys = prep.domain_codes()
        wanted = (["_w"] if den == "_one" else []) + values
        sums = replicate_totals(
            prep.weight_arrays(),
            code,
            len(keys),
            [None if v == "_w" else work[v].to_numpy(dtype=np.float64) for v in wanted],
        )
        if prep.unchecked:
            if not np.isfinite(sums).all():
                raise _UncheckedReplicates
            prep.unchecked = False
        # sums[:, 0, k] is value k's full-sample total, sums[:, 1:, k] its replicates' totals.
        full = {v: sums[:, 0, k] for k, v in enumerate(wanted)}
        reps = {v: np.ascontiguousarray(sums[:, 1:, k]) for k, v in enumerate(wanted)}
        if "_w" not in full:  # the weighted count is wanted for the full sample only
            full["_w"] = np.bincount(code, weights=prep.weight_arrays()[0], minlength=len(keys))
        a = full[num]
        if den is None:
            est = replicate_estimates(a, None, reps[num], None)
        else:
            dkey = "_w" if den == "_one" else den
            est = replicate_estimates(a, full[dkey], reps[num], reps[dkey])
        variance = replicate_variance(est, prep.scheme)
        lonely = np.zeros(len(keys), dtype=bool)
        n = np.bincount(code, minlength=len(keys)).astype(float)
        wn = full["_w"]
        df = prep.cell_df(keys, None)
    return _Cells(keys, est, variance, lonely, n, wn, df)


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
    if prep.has_missing:
        counts = tabulate(prep.work, prep.by, weights="_valid")
        tab["n"] = counts["_valid"].to_numpy()
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


def _t_values(df: np.ndarray, level: float) -> np.ndarray:
    """Student-t quantiles per cell (NaN where df is not positive)."""
    p = 0.5 + level / 2.0
    return np.array([t_quantile(p, float(d)) for d in np.asarray(df, dtype=float)])


def _symmetric(
    value: np.ndarray, se: np.ndarray, df: np.ndarray, level: float
) -> tuple[np.ndarray, np.ndarray]:
    t = _t_values(df, level)
    return value - t * se, value + t * se


def _replicate_logit_se_of(cells: _Cells, scheme: ReplicateScheme) -> np.ndarray:
    """SE of logit(p) from the replicates, as R's ``svyciprop(method="logit")``.

    R fits ``svyglm(y ~ 1, family=quasibinomial)``: on a replicate design the intercept of
    each replicate fit is the logit of that replicate's proportion, and its variance is the
    replicate variance of those logits (centred as the design says).
    """
    est = cells.est
    assert est.reps is not None
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = DomainEstimates(
            theta=np.log(est.theta / (1 - est.theta)),
            numerator=est.numerator,
            denominator=est.denominator,
            reps=np.log(est.reps / (1 - est.reps)),
        )
        out: np.ndarray = np.sqrt(replicate_variance(logit, scheme))
    # A replicate with no (or only) positives in the cell has an infinite logit: R's refit
    # runs off to a huge coefficient and its interval to (0, 1); the SE is infinite.
    assert logit.reps is not None
    inf = ~np.all(np.isfinite(logit.reps), axis=1) & np.isfinite(logit.theta)
    return np.where(inf, np.inf, out)


def _proportion_limits(
    cells: _Cells, prep: _Prepared, level: float, value: np.ndarray, se: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Interval of each cell's proportion by ``prep.conv.proportion_ci`` (R ``svyciprop``),
    computed by :func:`~migindicators.engine.proportion_limits.proportion_interval`."""
    method = prep.conv.proportion_ci
    logit_se = None
    phi = None
    if method == "logit" and prep.scheme is not None:
        logit_se = _replicate_logit_se_of(cells, prep.scheme)
    if method == "likelihood":
        if prep.scheme is not None:
            raise OptionError(
                "proportion_ci='likelihood' needs a Taylor (linearization) design; R survey "
                "4.1.1's svyciprop gives no likelihood interval on replicate designs (both "
                "limits NA). Use proportion_ci='logit' (R's default) or 'beta' on this "
                "replicate design"
            )
        # R's dispersion counts the domain's rows with a non-zero weight and a known y.
        code, dkeys = prep.domain_codes()
        used = prep.work["_w"].to_numpy(dtype=float) != 0
        if prep.has_missing:
            used &= prep.work["_valid"].to_numpy(dtype=float) > 0
        counts = np.bincount(code[used], minlength=len(dkeys)).astype(float)
        rows = counts[_align(dkeys, cells.keys, prep.by)]
        phi = np.array([likelihood_dispersion(np.ones(int(n))) for n in rows])
    n_rows: np.ndarray | float = cells.n.astype(float)
    if method == "beta" and prep.by and prep.calibration is not None:
        # R's domain of a calibrated design keeps all its rows (weight 0 outside the domain),
        # and svyciprop's t_{n-1} counts them all.
        n_rows = float(len(prep.work))
    return proportion_interval(
        value, se, cells.df, level, method, n=n_rows, logit_se=logit_se, phi=phi
    )


def _frame(
    cells: _Cells, prep: _Prepared, level: float, proportion: bool, srs: np.ndarray | None
) -> pd.DataFrame:
    value = cells.est.theta
    with np.errstate(invalid="ignore"):
        se = np.sqrt(cells.variance)
    if proportion:
        lo, hi = _proportion_limits(cells, prep, level, value, se)
    else:
        lo, hi = _symmetric(value, se, cells.df, level)
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
    out["df"] = cells.df
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
        raise OptionError(f"parameter={parameter!r}: choose one of {PARAMETERS}")
    if parameter == "ratio" and x is None:
        raise OptionError("parameter='ratio' needs x= (the denominator column)")


def _check_level(level: float) -> None:
    if isinstance(level, bool) or not isinstance(level, (int, float)):
        raise OptionError(f"level={level!r}: a confidence level is a number in (0, 1), e.g. 0.95")
    if not 0.0 < level < 1.0:
        raise OptionError(f"level={level}: a confidence level is in (0, 1), e.g. 0.95")


def _numeric(prep: _Prepared, cols: Sequence[str]) -> None:
    for col in cols:
        raw = prep.work[col]
        values = pd.to_numeric(raw, errors="coerce").astype(float)
        text = values.isna() & raw.notna()
        infinite = np.isinf(values.to_numpy())
        if text.any() or infinite.any():
            bad = raw[text | infinite]
            raise InputValidationError(
                f"column {col!r} must hold finite numbers for this estimate; "
                f"{len(bad)} row(s) do not, e.g. "
                + ", ".join(f"row {i}: {v!r}" for i, v in bad.head(5).items())
                + ". For a share of a category, use parameter='proportion'; a text column "
                "cannot be totalled or averaged.",
                failure_cases=pd.DataFrame(
                    {
                        "column": col,
                        "check": "finite number",
                        "index": bad.index,
                        "failure_case": bad.to_numpy(),
                    }
                ),
            )
        # Rows kept in the design for a missing y have weight 0: their value is 0.
        prep.work[col] = values.fillna(0.0) if prep.has_missing else values


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
        raise OptionError(
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
    """Estimate table of one parameter (conventions from ``prep.conv``)."""
    _check_level(level)
    replace = _check_deff(deff)
    if parameter == "proportion":
        cats = pd.Index(pd.unique(prep.work[y].dropna())).sort_values()
        parts, all_cells = [], []
        for k, cat in enumerate(cats):
            col = f"_cat{k}"
            _add_column(prep.work, col, (prep.work[y] == cat).astype(float))
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
    df: str | float = "domain",
    missing: str = "domain",
    proportion_ci: str = "logit",
    quantile_ci: str = "cdf",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The estimate table of :func:`estimate`, for indicator functions that keep their ledger.

    Rows excluded (missing design variables, *y*, *x*, domain) are recorded in *ledger* under
    *input_name*. Returns the data frame (no quality rules applied) and the metadata block
    (design, variance method, df, interval). ``df``, ``missing``, ``proportion_ci`` and
    ``quantile_ci`` are as in :func:`estimate`.
    """
    _check_parameter(parameter, x)
    conv = _Conventions(df, missing, proportion_ci, quantile_ci)
    needed = [y] + ([x] if x else [])
    prep = _prepare(frame, design, needed, list(by), ledger, input_name, conv)
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
    df: str | float = "domain",
    missing: str = "domain",
    proportion_ci: str = "logit",
    quantile_ci: str = "cdf",
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
    qrule : {"math", "school", "hf1", ..., "hf9", "shahvaish"}
        Quantile rule, as R ``svyquantile``'s ``qrule=``
        (:mod:`~migindicators.engine.quantile_rules`): ``"math"`` (default) the smallest
        value whose weighted CDF reaches *q*; ``"school"`` averages with the next value
        when the CDF equals *q* exactly (the textbook median); Hyndman–Fan types and
        Shah–Vaish as R.
        The interval is Woodruff's (:func:`~migindicators.engine.quantiles.quantiles` has
        R's other interval types).
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
    df : {"domain", "design"} or float
        Degrees of freedom of the t intervals. ``"domain"`` (R): per cell, the PSUs with rows
        in the cell minus their strata (Taylor), or the rank of the cell's replicate weights
        minus one (replicate designs), as R's ``degf`` of the domain's subset design, which
        ``svyby`` uses for ``svyciprop`` and ``svyquantile``. ``"design"``: the whole
        design's df for every cell (the convention of Stata and samplics). A number fixes it.
    missing : {"domain", "drop"}
        Rows with a missing *y* (or *x*): ``"domain"`` (R's ``na.rm=TRUE``) takes them out of
        the estimate but keeps their PSUs in the design (n_h unchanged); ``"drop"`` removes
        them from the design first. Either way they are counted in ``Result.exclusions``.
    proportion_ci : {"logit", "likelihood", "xlogit", "mean", "asin", "beta"}
        Interval of each proportion (``parameter="proportion"``), R ``svyciprop``'s
        ``method=`` for the indicator of each category (by domain: ``svyby(~I(y == k), ~by,
        design, svyciprop, method=)``); the methods are described in
        :mod:`~migindicators.engine.intervals`. ``"logit"`` (R's default; on a replicate
        design the SE of logit(p) comes from the replicates, as R's GLM fit), ``"likelihood"``
        (Taylor designs only: R gives no limits on replicate designs, the library raises
        :class:`~migindicators.core.errors.OptionError`), ``"xlogit"`` (delta method:
        logit(p) ± t se/(p(1-p)); the same as ``"logit"`` on Taylor designs), ``"mean"``
        (alias ``"wald"``), ``"asin"`` (alias ``"arcsine"``), ``"beta"`` (Korn–Graubard;
        aliases ``"korn-graubard"``, ``"clopper-pearson"``).
    quantile_ci : {"cdf", "nominal"}
        Woodruff interval as R's ``svyquantile``: ``"cdf"`` inverts F(q̂) ± t se(F(q̂));
        ``"nominal"`` inverts q ± t se (Woodruff 1952, R's ``oldsvyquantile``).

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
    conv = _Conventions(df, missing, proportion_ci, quantile_ci)
    design = as_design(design)
    by_cols = _as_list(by)
    needed = [y] + ([x] if x else [])
    for defer in (True, False):
        ledger = RowLedger()
        ledger.given("frame", frame, weight=design.weight)
        prep = _prepare(frame, design, needed, by_cols, ledger, "frame", conv, defer)
        if parameter == "quantile":
            _numeric(prep, [y])
        try:
            data, _ = _compute_frame(prep, parameter, y, x, q, level, deff, qrule)
        except _UncheckedReplicates:
            continue  # prepare again, checking every replicate weight
        if not prep.unchecked:  # (the replicate sums proved the weights, or were checked)
            break
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
            "df": df,
            "missing": missing,
            "proportion_ci": proportion_ci,
            "quantile_ci": quantile_ci,
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
    df: str | float = "domain",
    missing: str = "domain",
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
    levels : tuple
        ``(a, b)``: the value of *compare* in the first and in the second domain; the result
        is a - b.
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
    The other keyword arguments (``x``, ``by``, ``level``, ``unit``, ``missing``) are as in
    :func:`estimate`. With ``df="domain"`` the degrees of freedom are those of the union of
    the two domains (its PSUs minus its strata; replicate designs: the rank of its replicate
    weights minus one), as R's ``degf`` of the design subset to both.
    """
    if parameter not in ("total", "mean", "ratio"):
        raise OptionError("estimate_difference: parameter must be total, mean or ratio")
    _check_parameter(parameter, x)
    _check_level(level)
    if len(levels) != 2:
        raise OptionError("levels must be a pair (a, b): the result is a - b")
    conv = _Conventions(df, missing)
    design = as_design(design)
    by_cols = _as_list(by)
    ledger = RowLedger()
    ledger.given("frame", frame, weight=design.weight)
    needed = [y] + ([x] if x else [])
    prep = _prepare(frame, design, needed, [*by_cols, compare], ledger, "frame", conv)
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
        raise InputValidationError(f"no cell has both {compare}={levels[0]!r} and {levels[1]!r}")
    pa, mi_ = np.asarray(plus), np.asarray(minus)
    diff = cells.est.contrast(pa, mi_)
    out_keys = other.iloc[rows].reset_index(drop=True)
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
    if prep.scheme is None:
        assert diff.cell is not None and diff.stratum is not None
        dfs = prep.cell_df(out_keys, taylor_df(diff.cell, diff.stratum, len(pa)))
    elif isinstance(prep.conv.df, str) and prep.conv.df == "domain" and not prep.replicate_df_given:
        dfs = _replicate_pair_df(prep, by_cols, compare, levels, out_keys)
    else:
        dfs = prep.cell_df(out_keys, None)
    out_cells = _Cells(
        out_keys,
        diff,
        variance,
        lonely,
        cells.n[pa] + cells.n[mi_],
        cells.weighted_n[pa] + cells.weighted_n[mi_],
        dfs,
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
        f"interval by svyciprop method='{prep.conv.proportion_ci}'"
        if parameter == "proportion"
        else (
            "Woodruff interval, F(q^) +- t se inverted (svyquantile)"
            if prep.conv.quantile_ci == "cdf"
            else "Woodruff interval, q +- t se inverted"
        )
        if parameter == "quantile"
        else "symmetric t interval"
    )
    design_df = prep.design_df()
    if isinstance(prep.conv.df, str) and prep.conv.df == "domain":
        dfs = (
            f"the domain's degrees of freedom (column df; the whole design has {design_df:g})"
            if prep.by or prep.has_missing
            else f"{design_df:g} design degrees of freedom"
        )
    else:
        fixed = design_df if isinstance(prep.conv.df, str) else float(prep.conv.df)
        dfs = f"{fixed:g} degrees of freedom"
    return {
        "design": design.describe(),
        "variance_method": "replicate" if prep.scheme is not None else "taylor",
        "df": design_df,
        "df_rule": prep.conv.df,
        "missing": prep.conv.missing,
        "ci": f"{level:.0%} {ci}, Student t with {dfs}",
        "weighted": prep.weighted,
        "quality_rules": applied,
    }


# ---------------------------------------------------------------------------------------------
# Quantiles (Woodruff)


def _quantile_frame(
    prep: _Prepared, y: str, q: float, level: float, qrule: str = "math"
) -> pd.DataFrame:
    if isinstance(q, bool) or not isinstance(q, (int, float)) or not 0.0 < q < 1.0:
        raise OptionError(f"q={q!r}: a quantile's probability is a number in (0, 1), e.g. 0.5")
    if qrule not in QUANTILE_RULES:
        raise OptionError(f"qrule={qrule!r}: choose one of {QUANTILE_RULES}")
    work = prep.work
    code, keys = group_codes(work, prep.by)
    yv = work[y].to_numpy(dtype=float)
    wv = work["_w"].to_numpy(dtype=float)
    # Rows of weight 0 (e.g. a missing y kept in the design) take no part (R's qrule).
    used = wv > 0
    order = np.lexsort((yv, code))
    order = order[used[order]]
    sc, sy, sw = code[order], yv[order], wv[order]
    bounds = np.searchsorted(sc, np.arange(len(keys) + 1))
    qhat = np.empty(len(keys))
    parts: list[tuple[np.ndarray, np.ndarray]] = []
    for d in range(len(keys)):
        ys, ws = sy[bounds[d] : bounds[d + 1]], sw[bounds[d] : bounds[d + 1]]
        parts.append((ys, ws))
        qhat[d] = weighted_quantile(ys, ws, q, qrule)
    _add_column(work, "_le", (yv <= qhat[code]).astype(float))
    cells = _cells(prep, "_le", "_one")
    align = _align(cells.keys, keys, prep.by)
    with np.errstate(invalid="ignore"):
        se_f = np.sqrt(cells.variance)[align]
    df = cells.df[align]
    t = _t_values(df, level)
    # R (woodruffCI): the interval of the CDF at the estimate, F(q^) +- t se, inverted;
    # an end outside [0, 1] is NaN. "nominal": centred on q instead.
    centre = cells.est.theta[align] if prep.conv.quantile_ci == "cdf" else np.full(len(keys), q)
    p_lo, p_hi = centre - t * se_f, centre + t * se_f
    lo = np.array(
        [
            weighted_quantile(*parts[d], p_lo[d], qrule) if p_lo[d] >= 0 else np.nan
            for d in range(len(keys))
        ]
    )
    hi = np.array(
        [
            weighted_quantile(*parts[d], p_hi[d], qrule) if p_hi[d] <= 1 else np.nan
            for d in range(len(keys))
        ]
    )
    out = keys.reset_index(drop=True).copy()
    out["value"] = qhat
    out["se"] = (hi - lo) / (2 * t)
    out["ci_lower"] = lo
    out["ci_upper"] = hi
    out["n"] = np.bincount(code[used], minlength=len(keys)).astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv"] = np.where(qhat != 0, out["se"] / np.abs(qhat), np.nan)
    out["deff"] = np.nan
    out["effective_n"] = np.nan
    out["variance"] = out["se"] ** 2
    out["df"] = df
    out["weighted_n"] = np.bincount(code, weights=wv, minlength=len(keys))
    out["q"] = q
    flags = pd.Series("", index=out.index, dtype=object)
    if not prep.weighted:
        flags = add_flag(flags, np.ones(len(out), dtype=bool), "unweighted")
    out["flag"] = flags
    return out


def _replicate_pair_df(
    prep: _Prepared,
    by: list[str],
    compare: str,
    levels: tuple[Any, Any],
    keys: pd.DataFrame,
) -> np.ndarray:
    """Rank minus one of the replicate weights of the rows in either compared domain."""
    comp = prep.work[compare]
    both = np.asarray(comp.isin(list(levels)), dtype=bool)
    if by:
        code, cells = group_codes(prep.work, by)
        pos = _align(cells, keys, by)
    else:
        code, pos = np.zeros(len(comp), dtype=np.intp), np.zeros(len(keys), dtype=np.intp)
    rows = [np.flatnonzero(both & (code == g)) for g in pos]
    return _replicate_ranks(prep, rows).astype(np.float64) - 1.0
