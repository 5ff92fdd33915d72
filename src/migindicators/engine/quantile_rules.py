"""Weighted quantile rules of R ``svyquantile`` (``qrule=``): the point estimate only.

Shared by :func:`migindicators.engine.quantiles.quantiles` and
:func:`migindicators.engine.survey.estimate` (``parameter="quantile"``), so that both apply
the same arithmetic.

Quantile rules (``qrule``, R's ``qrule=``), over the rows sorted by *y* with weights *w*,
cumulative weights :math:`C_k` and total *W*:

- ``"math"`` = ``"hf1"``: the smallest *y* whose weighted CDF reaches *p* (R's default);
- ``"school"`` = ``"hf2"``: the same, but the mean of the two values when the CDF equals *p*
  exactly (the textbook median);
- ``"hf3"``: weights summed per distinct value; at an exact *p*, the lower value when its rank
  is even (the nearest even order statistic);
- ``"hf4"``: linear interpolation between the two values around *p* on the CDF;
- ``"hf5"`` – ``"hf9"``: linear interpolation of *y* against plotting positions
  :math:`p_k` = :math:`(C_k - w_k/2)/W`; :math:`C_k/(W + w_n)`; :math:`C_{k-1}/C_{n-1}`;
  :math:`(C_{k-1}/3 + 2C_k/3)/(W + w_n/3)`; :math:`(3C_{k-1}/8 + 5C_k/8)/(W + w_n/4)`
  (weighted analogues of Hyndman & Fan's types 5–9, clamped at the ends);
- ``"shahvaish"``: Shah & Vaish's (2006) rule, a step function of plotting positions. With
  the weights scaled to mean 1, :math:`\\bar w_k = w_k / \\bar w`, and their cumulative sums
  :math:`S_k`, row *k* sits at :math:`p_k = (S_k + 1/2 - w_k/2)/(n + 1)` and the quantile is
  the *y* of the last :math:`p_k \\le p` (the first *y* below :math:`p_1`). As R 4.1.1, the
  half weight subtracted is the raw weight :math:`w_k`, not :math:`\\bar w_k` (the two agree
  when the weights average 1); where that makes the :math:`p_k` fall out of order they are
  sorted (ties share the mean of their *y*), as R's ``approx`` does.

References
----------
Hyndman, R. J. and Fan, Y. (1996). Sample quantiles in statistical packages. *Amer.
Statist.* 50, 361–365. Shah, B. V. and Vaish, A. K. (2006). Confidence intervals for
quantile estimation from complex survey data. *Proceedings of the Section on Survey Research
Methods*, American Statistical Association. Lumley, T. R ``survey``: ``svyquantile``.
"""

from __future__ import annotations

import numpy as np

from migindicators.core.errors import OptionError

__all__ = ["QUANTILE_RULES", "weighted_quantile"]

#: Quantile rules: R ``svyquantile``'s ``qrule`` (``"math"``, ``"school"``, ``"hf1"``–``"hf9"``,
#: ``"shahvaish"``).
QUANTILE_RULES = (
    "math",
    "school",
    "hf1",
    "hf2",
    "hf3",
    "hf4",
    "hf5",
    "hf6",
    "hf7",
    "hf8",
    "hf9",
    "shahvaish",
)


def _cumsum(w: np.ndarray) -> np.ndarray:
    # R accumulates in long double and rounds each partial sum to double.
    return np.cumsum(w.astype(np.longdouble)).astype(float)


def _qs(x: np.ndarray, cumw: np.ndarray, total: float, p: float) -> tuple[int, int, float, float]:
    """R's ``qs``: the last position with C_k <= pW (0-based; 0 when none), the next one,
    and the CDF distances below and above p."""
    hit = np.flatnonzero(cumw <= p * total)
    pos = int(hit[-1]) if len(hit) else 0
    nxt = pos if pos == len(x) - 1 else pos + 1
    return pos, nxt, p - cumw[pos] / total, cumw[nxt] / total - p


def weighted_quantile(values: np.ndarray, weights: np.ndarray, p: float, qrule: str) -> float:
    """The *p* quantile of *values* with *weights* by R ``survey``'s rule *qrule*.

    Rows with zero weight are ignored; ``p`` outside [0, 1] or NaN gives NaN.
    """
    if qrule not in QUANTILE_RULES:
        raise OptionError(f"qrule={qrule!r}: choose one of {QUANTILE_RULES}")
    if not np.isfinite(p):
        return float("nan")
    keep = weights != 0
    x = np.asarray(values, dtype=float)[keep]
    w = np.asarray(weights, dtype=float)[keep]
    if not len(x):
        return float("nan")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    if qrule == "hf3":
        x, inverse = np.unique(x, return_inverse=True)
        w = np.bincount(inverse, weights=w)
    if qrule == "shahvaish":
        return _shah_vaish(x, w, p)
    cumw = _cumsum(w)
    total = float(np.sum(w.astype(np.longdouble)))
    n = len(x)
    if qrule in ("math", "hf1", "school", "hf2", "hf3", "hf4"):
        pos, nxt, wlow, wup = _qs(x, cumw, total, p)
        if qrule in ("math", "hf1"):
            return float(x[pos] if wlow == 0 else x[nxt])
        if qrule in ("school", "hf2"):
            return float((x[pos] + x[nxt]) / 2 if wlow == 0 else x[nxt])
        if qrule == "hf3":
            return float(x[pos] if wlow == 0 and (pos + 1) % 2 == 0 else x[nxt])
        gamma = wlow / (wup + wlow)
        return float(x[pos] * (1 - gamma) + x[nxt] * gamma)
    prev = np.concatenate([[0.0], cumw[:-1]])
    if qrule == "hf5":
        pk = (cumw - w / 2) / cumw[-1]
    elif qrule == "hf6":
        pk = cumw / (cumw[-1] + w[-1])
    elif qrule == "hf7":
        pk = prev / cumw[n - 2] if n > 1 else np.zeros(1)
    elif qrule == "hf8":
        pk = (prev / 3 + cumw * 2 / 3) / (cumw[-1] + w[-1] / 3)
    else:  # hf9
        pk = (prev * 3 / 8 + cumw * 5 / 8) / (cumw[-1] + w[-1] / 4)
    return float(np.interp(p, pk, x))


def _shah_vaish(x: np.ndarray, w: np.ndarray, p: float) -> float:
    """Shah & Vaish's quantile of the sorted values *x* with weights *w* (see the module)."""
    n = len(x)
    # R's mean: a long-double sum, then one correction pass.
    mean = np.sum(w.astype(np.longdouble)) / n
    mean += np.sum(w.astype(np.longdouble) - mean) / n
    scaled = w / float(mean)
    pk = (_cumsum(scaled) + 0.5 - w / 2) / (n + 1)
    order = np.argsort(pk, kind="stable")
    pk, xs = pk[order], x[order]
    if np.any(np.diff(pk) == 0):
        pk, inverse = np.unique(pk, return_inverse=True)
        xs = np.bincount(inverse, weights=xs) / np.bincount(inverse)
    # a right-continuous step: the last position at or below p, the first below them all
    k = int(np.searchsorted(pk, p, side="right")) - 1
    return float(xs[max(k, 0)])
