"""The rescaling R's ``grake`` applies to weights far below the population totals.

When every population total is more than 20 times its weighted sample total (weights scaled
to sum to the sample size, say), R ``survey``'s ``grake`` multiplies the weights by the
*mean* of the ratios population / sample total before it iterates, and the ``bounds`` then
apply to the g-weights of the rescaled weights (R warns: "Bounds were set but will be
interpreted after rescaling"). Unbounded calibrations reach the same weights whatever the
scale; bounded ones do not, so the mean must be taken over the same totals as R's.

R takes it over the columns of its model matrix: the intercept, and for each margin's
variables the treatment-coded (first level as reference) main effects and interactions
(``~a*b`` for a joint margin of *a* and *b*, as R's ``calibrate`` builds it from a list of
margins), then the numeric calibration variables. The library's own calibration variables
are one indicator per category, which span the same space (so the calibrated weights are
R's) but have other totals; this module rebuilds R's columns to take the mean over them.

Level order is R's: a pandas ``Categorical`` keeps its categories' order; other columns are
sorted (numbers numerically, anything else by its text, as R's ``factor`` in the C locale).

References
----------
Lumley, T. R package ``survey``: ``grake``, ``calibrate.survey.design2`` (formula built from
a list of margins as ``~ a*b + c``; ``margins2totals``).
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["RESCALE_THRESHOLD", "RScale", "r_scale_terms", "rescale_factor"]

#: R's ``SOMETHRESHOLD``: the weights are rescaled when every ratio of a population total
#: to its sample total exceeds it.
RESCALE_THRESHOLD = 20.0

MarginTotals = Sequence[tuple[tuple[Hashable, ...], float]]


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def _level_order(column: pd.Series) -> list[Any]:
    """The levels of *column* in R's order (its first is the reference level)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [_plain(v) for v in column.cat.categories]
    present = [_plain(v) for v in pd.unique(column)]
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return sorted(present)
    return sorted(present, key=str)


def _term_total(
    margin_totals: MarginTotals, positions: tuple[int, ...], levels: tuple[Any, ...]
) -> float:
    """The population total of the categories whose key has *levels* at *positions*."""
    return float(
        sum(
            total
            for key, total in margin_totals
            if all(key[i] == lv for i, lv in zip(positions, levels, strict=True))
        )
    )


def r_scale_terms(
    work: pd.DataFrame,
    margins: Sequence[tuple[tuple[str, ...], MarginTotals]],
    numeric: Sequence[tuple[str, float]],
    population: float | None,
) -> tuple[np.ndarray, np.ndarray]:
    """R's calibration variables (rows × q) and their population totals.

    Parameters
    ----------
    work : pandas.DataFrame
        The rows calibrated, with the margins' columns and the numeric variables.
    margins : sequence of (columns, totals)
        Each margin's category columns and its ``(key, total)`` pairs (keys are tuples of
        plain Python values over the columns, as :class:`.calibration.Margin` keeps them).
    numeric : sequence of (column, total)
        Numeric calibration variables and their totals.
    population : float, optional
        The population size; without it, the sum of the first margin's totals stands for
        R's ``(Intercept)`` total (none without margins either).

    Returns
    -------
    tuple of numpy.ndarray
        The columns and their totals, in R's order, a term shared by two margins once (its
        total from the first, as R's ``margins2totals``).
    """
    cols: list[np.ndarray] = []
    totals: list[float] = []
    if population is not None or margins:
        cols.append(np.ones(len(work)))
        totals.append(
            float(population) if population is not None else float(sum(t for _, t in margins[0][1]))
        )
    seen: set[tuple[tuple[str, Any], ...]] = set()
    for columns, margin_totals in margins:
        # Per column: each row's level as a code into the levels present (factorize is
        # vectorised; the frame can hold millions of rows).
        code: dict[str, np.ndarray] = {}
        index: dict[str, dict[Any, int]] = {}
        non_reference: dict[str, list[Any]] = {}
        for c in columns:
            code[c], uniques = pd.factorize(work[c])
            index[c] = {_plain(v): i for i, v in enumerate(uniques)}
            non_reference[c] = [lv for lv in _level_order(work[c])[1:] if lv in index[c]]
        for size in range(1, len(columns) + 1):
            for subset in itertools.combinations(range(len(columns)), size):
                names = [columns[i] for i in subset]
                choices = [non_reference[c] for c in names]
                for combo in itertools.product(*choices):
                    term = tuple(zip(names, combo, strict=True))
                    if term in seen:
                        continue
                    seen.add(term)
                    indicator = np.ones(len(work), dtype=bool)
                    for name, lv in term:
                        indicator &= code[name] == index[name][lv]
                    cols.append(indicator.astype(float))
                    totals.append(_term_total(margin_totals, subset, combo))
    for name, total in numeric:
        cols.append(pd.to_numeric(work[name], errors="coerce").to_numpy(dtype=float))
        totals.append(float(total))
    if not cols:
        return np.zeros((len(work), 0)), np.zeros(0)
    return np.column_stack(cols), np.asarray(totals)


def rescale_factor(terms: np.ndarray, totals: np.ndarray, weights: np.ndarray) -> float | None:
    """R's rescaling of *weights* (``mean(population / sample.total)``), or None.

    None when some ratio is at most :data:`RESCALE_THRESHOLD` (R then keeps the weights).
    """
    if terms.shape[1] == 0:
        return None
    sample = terms.T @ weights
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = totals / sample
    if not np.min(scales) > RESCALE_THRESHOLD:
        return None
    return float(np.mean(scales))


class RScale:
    """R's rescaling factor of one calibration's weights, its terms built only when needed.

    R's intercept is one of its terms whenever there is a margin or a population size, so
    weights summing to more than 1/:data:`RESCALE_THRESHOLD` of that total are never
    rescaled: the usual case (weights at the population's scale) is decided from their sum,
    without the rows × terms matrix of :func:`r_scale_terms`, which is built once on first
    need and kept for the replicate weights.
    """

    def __init__(
        self,
        work: pd.DataFrame,
        margins: Sequence[tuple[tuple[str, ...], MarginTotals]],
        numeric: Sequence[tuple[str, float]],
        population: float | None,
    ) -> None:
        self._args = (work, margins, numeric, population)
        self._intercept: float | None = None
        if population is not None:
            self._intercept = float(population)
        elif margins:
            self._intercept = float(sum(t for _, t in margins[0][1]))
        self._terms: tuple[np.ndarray, np.ndarray] | None = None

    def factor(self, weights: np.ndarray) -> float | None:
        """See :func:`rescale_factor`."""
        if self._intercept is not None and not (
            self._intercept > RESCALE_THRESHOLD * float(np.sum(weights))
        ):
            return None
        if self._terms is None:
            self._terms = r_scale_terms(*self._args)
        return rescale_factor(*self._terms, weights)
