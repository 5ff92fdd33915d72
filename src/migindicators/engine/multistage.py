"""Two-stage variance with a finite population correction at each stage, and PPS sampling
without replacement (Brewer, Overton, Hartley–Rao), as R ``survey``.

Multistage: ``Design(psu=, fpc=, ssu=, fpc2=)``, R ``svydesign(ids=~psu+ssu, fpc=~N1+N2)``
    R's default (``options(survey.ultimate.cluster=FALSE)``) adds to the first-stage
    variance of PSU totals the second-stage variance within each sampled PSU, weighted by the
    first-stage sampling fraction:

    .. math:: v = v_1 + \\sum_h \\frac{n_h}{N_h} \\sum_{i \\in h} (1 - m_i/M_i)
              \\frac{m_i}{m_i - 1} \\sum_{j=1}^{m_i} (y_{ij} - \\bar y_i)^2

    over the :math:`m_i` sampled SSUs of PSU *i* (of :math:`M_i`), :math:`y_{ij}` the SSU
    totals of the weighted scores. Without a first-stage fpc (:math:`N_h = \\infty`) the
    second stage adds nothing (the with-replacement, ultimate-cluster variance);
    ``ultimate_cluster=True`` keeps only the first stage as R's
    ``options(survey.ultimate.cluster=TRUE)``. A certainty (self-representing) stratum has
    :math:`N_h = n_h`: no first-stage variance, its full second-stage variance.

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

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from migindicators.core.errors import DesignError, InputValidationError, OptionError
from migindicators.engine.calibration import CalibrationState, row_influence
from migindicators.engine.estimate import DomainEstimates, StrataInfo
from migindicators.engine.tabulate import group_codes

__all__ = ["PPS_METHODS", "PPSState", "StageState", "pps_state", "stage_state"]

#: PPS variance approximations (R ``svydesign(pps=)``).
PPS_METHODS = ("brewer", "overton", "hartley-rao")
_PPS_ALIASES = {"hr": "hartley-rao", "hartley_rao": "hartley-rao"}


def pps_method(name: str) -> str:
    """The canonical PPS method name (errors name the choices)."""
    m = _PPS_ALIASES.get(name.lower(), name.lower())
    if m not in PPS_METHODS:
        raise OptionError(f"pps={name!r}: choose one of {PPS_METHODS}")
    return m


@dataclass
class StageState:
    """Second-stage facts of the analysed rows: SSU codes, per-PSU SSU counts and
    fpc factors, and the first-stage sampling fraction of each PSU."""

    ssu: np.ndarray  # per row, SSU code (unique design-wide)
    ssu_psu: np.ndarray  # per SSU, its PSU
    m: np.ndarray  # per PSU, sampled SSUs
    f2: np.ndarray  # per PSU, 1 - m/M
    frac1: np.ndarray  # per PSU, n_h / N_h of its stratum
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
        """The second-stage variance per cell (added to the first stage's); with
        *contrast* ``(plus, minus)``, of the differences ``cell[plus[k]] - cell[minus[k]]``
        (their scores differenced row by row, so the covariance is included)."""
        x = row_influence(work, by, keys, num, den, est)
        if contrast is not None:
            x = x[:, contrast[0]] - x[:, contrast[1]]
        if self.calibration is not None:
            x = self.calibration.residuals(x)
        nssu = len(self.ssu_psu)
        y = np.zeros((nssu, x.shape[1]))
        np.add.at(y, self.ssu, x)
        npsu = len(self.m)
        sums = np.zeros((npsu, x.shape[1]))
        np.add.at(sums, self.ssu_psu, y)
        m = self.m.astype(float)
        centred = y - (sums / m[:, None])[self.ssu_psu]
        lonely = m == 1
        live = self.f2 >= 1e-7
        if np.any(lonely & live) and self.lonely_psu == "fail":
            raise DesignError(
                f"{int(np.sum(lonely & live))} PSU(s) with a single sampled SSU at stage 2 "
                "(and M > 1); choose lonely_psu='remove', 'certainty' or 'adjust' in the Design"
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(lonely, self.f2, self.f2 * m / (m - 1)) * self.frac1
        scale = np.where(live, scale, 0.0)
        if self.lonely_psu == "adjust":
            # R does not centre a lonely unit under "adjust": its total squared.
            centred = np.where(lonely[self.ssu_psu][:, None], y, centred)
        out: np.ndarray = np.sum(scale[self.ssu_psu][:, None] * centred * centred, axis=0)
        return out


def stage_state(
    work: pd.DataFrame,
    ssu: str,
    fpc2: str,
    strata: StrataInfo,
    calibration: CalibrationState | None,
) -> StageState:
    """Second-stage facts from the analysed rows (``_psu``, ``_h`` codes already set)."""
    psu = work["_psu"].to_numpy(np.intp)
    code, _ = group_codes(pd.DataFrame({"p": psu, "s": work[ssu].to_numpy()}), ["p", "s"])
    nssu = int(code.max()) + 1
    ssu_psu = np.zeros(nssu, dtype=np.intp)
    ssu_psu[code] = psu
    npsu = int(psu.max()) + 1
    m = np.bincount(ssu_psu, minlength=npsu)
    big_m = pd.to_numeric(work[fpc2], errors="raise").to_numpy(dtype=float)
    per_psu = pd.Series(big_m).groupby(psu).agg(["min", "max"])
    if (per_psu["min"] != per_psu["max"]).any():
        raise InputValidationError(f"fpc2 column {fpc2!r} must be constant within each PSU")
    values = per_psu["min"].reindex(range(npsu)).to_numpy()
    if np.all(values <= 1):
        f2 = 1.0 - values
    else:
        if np.any(values < m):
            raise InputValidationError(
                f"fpc2 column {fpc2!r}: fewer SSUs in the population than sampled in some PSU"
            )
        f2 = 1.0 - m / values
    h_of_psu = np.zeros(npsu, dtype=np.intp)
    h_of_psu[psu] = work["_h"].to_numpy(np.intp)
    # The first-stage sampling fraction n_h / N_h = 1 - f_h (0 without an fpc).
    frac1 = 1.0 - np.asarray(strata.f, dtype=float)[h_of_psu]
    return StageState(code, ssu_psu, m, f2, frac1, strata.lonely_psu, calibration)


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
        for h in np.unique(self.stratum):
            idx = np.flatnonzero(self.stratum == h)
            zh, pi = z[idx], self.pi[idx]
            n = float(len(idx))
            if self.method == "brewer":
                if n < 2:
                    continue
                centred = zh - zh.mean(axis=0)
                out += np.sum((1 - pi)[:, None] * n / (n - 1) * centred * centred, axis=0)
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
            out += np.einsum("ic,ij,jc->c", zh, delta, zh)
        return out


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
