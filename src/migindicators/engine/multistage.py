"""Multistage variance with a finite population correction at each stage, and PPS sampling
without replacement (Brewer, Overton, Hartley–Rao), as R ``survey``.

Multistage: ``Design(psu=, fpc=, ssu=, fpc2=, strata2=)``
    R ``svydesign(ids=~psu+ssu+..., strata=~s1+s2+..., fpc=~N1+N2+...)``. R's default
    (``options(survey.ultimate.cluster=FALSE)``, its ``multistage`` recursion)
    adds to the first-stage variance of PSU totals the variance of each later stage within
    the sampled units of the stage before, weighted by the product of the sampling fractions
    of the stages above. For stage *k* within a unit *u* of stage *k* - 1, with strata *g* of
    :math:`n_g` sampled units of :math:`N_g`, and :math:`y_j` the unit totals of the weighted
    scores:

    .. math:: v = v_1 + \\sum_{k \\ge 2} \\sum_u \\Big(\\prod_{j<k} \\frac{n_j}{N_j}\\Big)
              \\sum_{g \\in u} (1 - n_g/N_g) \\frac{n_g}{n_g - 1}
              \\sum_{j \\in g} (y_j - \\bar y_g)^2

    where the product runs over the strata of *u*'s ancestors (stage 1: :math:`n_h/N_h`).
    A stage without fpc (``None`` in ``fpc2``, R's ``Inf``) is sampled with replacement:
    its own variance has no correction and the stages below it add nothing; without a
    first-stage fpc (:math:`N_h = \\infty`) no later stage adds anything (the
    with-replacement, ultimate-cluster variance). ``ultimate_cluster=True`` keeps only the
    first stage as R's ``options(survey.ultimate.cluster=TRUE)``. A certainty
    (self-representing) stratum has :math:`N_h = n_h`: no variance of its own, the full
    variance of the stage below. Stage-*k* strata (``strata2``) are strata within each unit
    of stage *k* - 1 (R: ``interaction(s_k, ids_{k-1})``). Strata of one sampled unit at a
    later stage follow ``lonely_psu`` as R's ``onestrat``: ``"fail"`` raises, ``"certainty"``
    and ``"remove"`` add nothing, ``"adjust"`` adds the unit's uncentred total squared and
    ``"average"`` scales up the other strata of the same parent unit (an error where there
    is none: R gives NaN).

PPS without replacement (``Design(prob=, pps=)``, R ``svydesign(id=~1, fpc=~p, pps=)``)
    *prob* holds each PSU's inclusion probability :math:`\\pi_i` (the weight is
    :math:`1/\\pi_i` unless a weight column is given). With :math:`\\check z_i` the PSU totals of
    the weighted scores and *n* the PSUs of the stratum:

    - ``"brewer"`` (R ``pps="brewer"``): :math:`\\frac{n}{n-1} \\sum_i (1 - \\pi_i)
      (\\check z_i - \\bar{\\check z})^2`, Brewer's approximation;
    - ``"overton"`` (R ``pps="overton"``) and ``"hartley-rao"`` (R ``pps=HR(psum)``; without
      ``pps_psum``, R's ``HR()``, the sample mean of :math:`\\pi`): the Horvitz–Thompson
      variance :math:`\\sum_{ij} \\check\\Delta_{ij} \\check z_i \\check z_j` with
      :math:`\\check\\Delta_{ii} = 1 - \\pi_i` and, for :math:`i \\ne j`, Overton's
      :math:`1 - (n - (\\pi_i + \\pi_j)/2)/(n - 1)` or Hartley–Rao's
      :math:`1 - (n - \\pi_i - \\pi_j + \\bar{\\pi^2})/(n - 1)` with
      :math:`\\bar{\\pi^2} = \\sum_U \\pi_k^2 / n` (``pps_psum``).
      As R, a pair has a zero off-diagonal term when its sum of probabilities
      (Overton: their mean) equals 1.

References
----------
Brewer, K. R. W. (2002). *Combined Survey Sampling Inference*, Arnold, §9.
Hartley, H. O. and Rao, J. N. K. (1962). Sampling with unequal probabilities and without
replacement. *Ann. Math. Statist.* 33, 350–374.
Overton, W. S. (1985). A sampling plan for streams in the National Stream Survey. Technical
Report 114, Oregon State University.
Lumley, T. (2010). *Complex Surveys*, Wiley, §3.2; R ``survey``: ``svydesign``,
``multistage``, ``onestrat``, ``ppsvar``, ``HR``.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from migindicators.core.errors import DesignError, InputValidationError, OptionError
from migindicators.engine.calibration import CalibrationState, row_influence
from migindicators.engine.estimate import DomainEstimates, StrataInfo
from migindicators.engine.tabulate import group_codes

__all__ = ["PPS_METHODS", "PPSState", "Stage", "StageState", "pps_state", "stage_state"]

#: PPS variance approximations (R ``svydesign(pps=)``).
PPS_METHODS = ("brewer", "overton", "hartley-rao")
_PPS_ALIASES = {"hr": "hartley-rao", "hartley_rao": "hartley-rao"}


def pps_method(name: str) -> str:
    """The canonical PPS method name (errors name the choices)."""
    m = _PPS_ALIASES.get(name.lower(), name.lower())
    if m not in PPS_METHODS:
        raise OptionError(f"pps={name!r}: choose one of {PPS_METHODS}")
    return m


#: A later stage of a design: (cluster column, fpc column or None, strata column or None).
Stage = tuple[str, str | None, str | None]


@dataclass
class _Level:
    """One stage k >= 2 of the analysed rows: its units, their strata within the parent
    units (stage k - 1), and the factors of their within-stratum variance."""

    unit: np.ndarray  # per row, the stage-k unit (codes design-wide)
    group: np.ndarray  # per unit, its (parent unit, stage-k stratum)
    parent: np.ndarray  # per group, its parent unit at stage k - 1
    n: np.ndarray  # per group, sampled units
    f: np.ndarray  # per group, 1 - n/N (1 without an fpc)
    frac: np.ndarray  # per group, n/N (0 without an fpc)
    mult: np.ndarray  # per group, the product of the sampling fractions of its ancestors


@dataclass
class StageState:
    """The stages after the first of the analysed rows (see :func:`stage_state`)."""

    levels: list[_Level]
    lonely_psu: str
    calibration: CalibrationState | None

    def variance(
        self,
        work: pd.DataFrame,
        by: Sequence[str],
        keys: pd.DataFrame,
        num: str,
        den: str | None,
        est: DomainEstimates,
        contrast: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> np.ndarray:
        """The variance of the later stages per cell (added to the first stage's); with
        *contrast* ``(plus, minus)``, of the differences ``cell[plus[k]] - cell[minus[k]]``
        (their scores differenced row by row, so the covariance is included)."""
        x = row_influence(work, by, keys, num, den, est)
        if contrast is not None:
            x = x[:, contrast[0]] - x[:, contrast[1]]
        if self.calibration is not None:
            x = self.calibration.residuals(x)
        out = np.zeros(x.shape[1])
        for k, level in enumerate(self.levels, start=2):
            weight, centred = self._stage(level, x, k)
            out += np.sum(weight[:, None] * centred * centred, axis=0)
        return out

    def covariance(self, x: np.ndarray) -> np.ndarray:
        """The later stages' covariance matrix of several estimates, from their weighted
        linearised scores *x* (rows × estimates, before calibration), as R's ``svyrecvar``
        on a matrix of influence functions; its diagonal is :meth:`variance`."""
        if self.calibration is not None:
            x = self.calibration.residuals(x)
        out = np.zeros((x.shape[1], x.shape[1]))
        for k, level in enumerate(self.levels, start=2):
            weight, centred = self._stage(level, x, k)
            out += (weight[:, None] * centred).T @ centred
        return out

    def _stage(self, level: _Level, x: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Stage *k*'s variance terms within its parent units: per stage-*k* unit, its
        weight (the stratum's factor times ``mult``) and its centred totals (units ×
        columns of *x*); the variance is the weighted sum of their squares."""
        nunits, ngroups = len(level.group), len(level.n)
        y = np.zeros((nunits, x.shape[1]))
        np.add.at(y, level.unit, x)
        sums = np.zeros((ngroups, x.shape[1]))
        np.add.at(sums, level.group, y)
        n = level.n.astype(float)
        centred = y - (sums / n[:, None])[level.group]
        live = level.f >= 1e-7  # R: a stratum sampled whole (f = 0) has no variance
        lonely = (n == 1) & live
        if np.any(lonely) and self.lonely_psu == "fail":
            raise DesignError(
                f"{int(np.sum(lonely))} stratum/strata with a single sampled unit at stage {k} "
                f"(a PSU with a single sampled SSU at stage {k}, and N > 1); choose "
                "lonely_psu='remove', 'certainty', 'adjust' or 'average' in the Design"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(n > 1, level.f * n / (n - 1), level.f)
        scale = np.where(live, scale, 0.0)
        if self.lonely_psu == "adjust":
            # R does not centre a lonely unit under "adjust": its total squared.
            centred = np.where(lonely[level.group][:, None], y, centred)
        elif self.lonely_psu == "average":
            # R (onestage) leaves a lonely stratum out and scales the others of the same
            # parent unit up by (strata / strata kept).
            nparents = int(level.parent.max()) + 1
            total = np.bincount(level.parent, minlength=nparents).astype(float)
            kept = np.bincount(level.parent, weights=(~lonely).astype(float), minlength=nparents)
            if np.any((kept == 0) & (total > 0)):
                raise DesignError(
                    f"lonely_psu='average': a stage-{k - 1} unit has only strata with a single "
                    f"sampled unit at stage {k}, so there is nothing to average (R gives NaN); "
                    "choose lonely_psu='certainty', 'remove' or 'adjust'"
                )
            with np.errstate(divide="ignore", invalid="ignore"):
                boost = np.where(kept > 0, total / kept, 0.0)
            scale = np.where(lonely, 0.0, scale * boost[level.parent])
        else:  # certainty, remove: a lonely unit centred on itself adds nothing
            scale = np.where(lonely, 0.0, scale)
        weight = (scale * level.mult)[level.group]
        return weight, centred


def stage_state(
    work: pd.DataFrame,
    stages: Sequence[Stage],
    strata: StrataInfo,
    calibration: CalibrationState | None,
) -> StageState:
    """Facts of the stages after the first from the analysed rows (``_psu``, ``_h`` codes
    already set): R ``svydesign(ids=~psu+ssu+..., strata=~s1+s2+..., fpc=~N1+N2+...)``.

    Each stage's units are nested in the previous stage's (codes may restart within them);
    its strata, when given, are strata within each unit of the previous stage.
    """
    parent = work["_psu"].to_numpy(np.intp)
    nparent = int(parent.max()) + 1
    h_of_psu = np.zeros(nparent, dtype=np.intp)
    h_of_psu[parent] = work["_h"].to_numpy(np.intp)
    # R multiplies stage 2 by the first-stage sampling fraction n_h / N_h (0 without fpc).
    parent_mult = (1.0 - np.asarray(strata.f, dtype=float))[h_of_psu]
    levels: list[_Level] = []
    for k, (ids, fpc, stratum_col) in enumerate(stages, start=2):
        where = "PSU" if k == 2 else f"stage-{k - 1} unit"
        unit, _ = group_codes(pd.DataFrame({"p": parent, "u": work[ids].to_numpy()}), ["p", "u"])
        s_row = (
            np.zeros(len(work), dtype=np.intp)
            if stratum_col is None
            else pd.factorize(work[stratum_col], sort=True)[0]
        )
        group_row, _ = group_codes(pd.DataFrame({"p": parent, "s": s_row}), ["p", "s"])
        per_unit = pd.Series(group_row).groupby(unit).agg(["min", "max"])
        if (per_unit["min"] != per_unit["max"]).any():
            raise InputValidationError(
                f"strata2 column {stratum_col!r}: a stage-{k} unit ({ids!r}) lies in several "
                f"strata; the stage-{k} strata must be constant within each unit"
            )
        group = per_unit["min"].to_numpy(np.intp)
        ngroups = int(group.max()) + 1
        group_parent = np.zeros(ngroups, dtype=np.intp)
        group_parent[group_row] = parent
        n = np.bincount(group, minlength=ngroups)
        if fpc is None:
            f, frac = np.ones(ngroups), np.zeros(ngroups)
        else:
            values = pd.to_numeric(work[fpc], errors="raise").to_numpy(dtype=float)
            per_group = pd.Series(values).groupby(group_row).agg(["min", "max"])
            if (per_group["min"] != per_group["max"]).any():
                bad = int(np.flatnonzero(per_group["min"] != per_group["max"])[0])
                lo, hi = per_group["min"].iloc[bad], per_group["max"].iloc[bad]
                raise InputValidationError(
                    f"fpc2 column {fpc!r} must be constant within each {where}"
                    + ("" if stratum_col is None else f" and stage-{k} stratum")
                    + f" (stage {k}; one has values from {lo:g} to {hi:g})"
                )
            big_n = per_group["min"].to_numpy()
            if np.any(~(big_n > 0)):
                raise InputValidationError(
                    f"fpc2 column {fpc!r} (stage {k}): population sizes and sampling "
                    "fractions must be positive"
                )
            if np.all(big_n <= 1):  # sampling fractions
                f, frac = 1.0 - big_n, big_n.copy()
            else:
                short = big_n < n
                if np.any(short):
                    i = int(np.flatnonzero(short)[0])
                    raise InputValidationError(
                        f"fpc2 column {fpc!r} (stage {k}): fewer units in the population "
                        f"than sampled in some {where} ({big_n[i]:g} < {int(n[i])} sampled "
                        f"units of {ids!r}); give population sizes N >= n, or sampling "
                        "fractions (all <= 1)"
                    )
                frac = n / big_n
                f = 1.0 - frac
        levels.append(_Level(unit, group, group_parent, n, f, frac, parent_mult[group_parent]))
        # The next stage's parents are this stage's units.
        unit_group = group
        parent_mult = parent_mult[group_parent][unit_group] * frac[unit_group]
        parent = unit
    return StageState(levels, strata.lonely_psu, calibration)


@dataclass
class PPSState:
    """PSU inclusion probabilities and strata for the PPS variance."""

    method: str
    pi: np.ndarray  # per PSU
    stratum: np.ndarray  # per PSU
    psum: float | None

    def variance(self, est: DomainEstimates) -> np.ndarray:
        """Variance per cell from the PSU scores of *est*."""
        assert est.cell is not None and est.psu is not None and est.z is not None
        ncells = len(est.theta)
        npsu = len(self.pi)
        z = np.zeros((npsu, ncells))
        np.add.at(z, (est.psu, est.cell), est.z)
        out = np.zeros(ncells)
        for zh, pi, delta in self._strata(z):
            if delta is None:  # Brewer
                centred = zh - zh.mean(axis=0)
                n = float(len(pi))
                out += np.sum((1 - pi)[:, None] * n / (n - 1) * centred * centred, axis=0)
            else:
                out += np.einsum("ic,ij,jc->c", zh, delta, zh)
        return out

    def covariance(self, z: np.ndarray) -> np.ndarray:
        """Covariance matrix of several estimates from their PSU scores *z* (PSUs ×
        estimates); its diagonal is :meth:`variance`'s."""
        out = np.zeros((z.shape[1], z.shape[1]))
        for zh, pi, delta in self._strata(z):
            if delta is None:
                centred = zh - zh.mean(axis=0)
                n = float(len(pi))
                out += (centred * ((1 - pi) * n / (n - 1))[:, None]).T @ centred
            else:
                out += zh.T @ delta @ zh
        return out

    def _strata(
        self, z: np.ndarray
    ) -> Generator[tuple[np.ndarray, np.ndarray, np.ndarray | None], None, None]:
        """Per stratum: its PSUs' scores, their probabilities and the Horvitz–Thompson
        weights :math:`\\check\\Delta_{ij}` (None for Brewer's approximation, which needs
        none; strata of one PSU are left out there, as R)."""
        for h in np.unique(self.stratum):
            idx = np.flatnonzero(self.stratum == h)
            zh, pi = z[idx], self.pi[idx]
            n = float(len(idx))
            if self.method == "brewer":
                if n >= 2:
                    yield zh, pi, None
                continue
            if self.method == "overton":
                fbar = (pi[:, None] + pi[None, :]) / 2
                delta = 1 - (n - fbar) / (n - 1) if n > 1 else np.zeros((1, 1))
            else:
                fbar = pi[:, None] + pi[None, :]
                p2bar = float(np.mean(pi)) if self.psum is None else self.psum
                delta = 1 - (n - fbar + p2bar) / (n - 1) if n > 1 else np.zeros((1, 1))
            delta = np.where(fbar == 1, 0.0, delta)
            np.fill_diagonal(delta, 1 - pi)
            yield zh, pi, delta


def pps_state(work: pd.DataFrame, prob: str, method: str, psum: float | None) -> PPSState:
    """PPS facts of the analysed rows (``_psu``, ``_h`` codes already set)."""
    psu = work["_psu"].to_numpy(np.intp)
    pi = pd.to_numeric(work[prob], errors="raise").to_numpy(dtype=float)
    if np.any(~(pi > 0) | (pi > 1)):
        raise InputValidationError(
            f"prob column {prob!r}: inclusion probabilities must be in (0, 1]"
        )
    per_psu = pd.Series(pi).groupby(psu).agg(["min", "max"])
    if (per_psu["min"] != per_psu["max"]).any():
        raise InputValidationError(f"prob column {prob!r} must be constant within each PSU")
    npsu = int(psu.max()) + 1
    stratum = np.zeros(npsu, dtype=np.intp)
    stratum[psu] = work["_h"].to_numpy(np.intp)
    return PPSState(pps_method(method), per_psu["min"].to_numpy(), stratum, psum)
