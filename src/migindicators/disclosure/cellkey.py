"""Cell-key perturbation of frequency tables (the method of the ABS and the ONS).

Every record carries a fixed random *record key*; a cell's *cell key* is the sum of the
record keys of its contributors modulo the key range, so it is uniform and depends only on
which records are in the cell. The perturbation of a cell with count *i* is read from a
*perturbation table* (ptable): for each *i* a discrete distribution of perturbations *v*,
cut into consecutive intervals of [0, 1); the cell key picks the interval. Hence

* the same cell gets the same perturbation in every table and every run (a total that
  appears in two tables is published identically: consistent by design), and from the same
  record keys the perturbed table is reproduced exactly;
* a different cell — even one with the same count — gets an independent perturbation, so
  differencing two tables does not reveal a person.

Margins are perturbed from their own cell keys like any cell: tables stay consistent with
each other but are no longer exactly additive (ABS: "totals may not equal the sum of their
components").

Record keys are integers in [0, 2**32) (sums modulo 2**32 are exact whatever the order of
summation); the cell key is that sum divided by 2**32.

The default ptable (:func:`perturbation_table`): zero cells are never perturbed; for a count
*i* the perturbation *v* ∈ {−min(i, D), …, D} has probability ∝ exp(−v²/(2s²)), made
unbiased (mean 0) by restricting the support to the symmetric {−min(i, D), …, min(i, D)}
for small counts, with *s* chosen so that the variance is *V* for large counts (``D=2``,
``V=1`` by default, bounds of the ABS census TableBuilder scale); results are never
negative. Parameters are recorded with the result.

References
----------
Fraser, B. and Wooton, J. (2005). A proposed method for confidentialising tabular output to
protect against differencing. UNECE Work Session on Statistical Data Confidentiality.
Office for National Statistics (2021). *Cell key perturbation in Census 2021*.
Thompson, G., Broadfoot, S. and Elazar, D. (2013). Methodology for the automatic
confidentialisation of statistical outputs from remote servers at the ABS. UNECE SDC.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from migindicators.core.errors import OptionError

__all__ = ["KEY_RANGE", "cell_keys", "perturb", "perturbation_table", "record_keys"]

KEY_RANGE = 2**32


def record_keys(n: int, *, seed: int) -> np.ndarray:
    """*n* record keys, integers in [0, 2**32), from a seeded generator (keep them with the
    microdata: the same keys give the same perturbed tables)."""
    if n < 0:
        raise OptionError(f"record_keys: n={n} must be >= 0")
    rng = np.random.default_rng(seed)
    return rng.integers(0, KEY_RANGE, size=n, dtype=np.uint64)


def _variance(s: float, support: np.ndarray) -> float:
    w = np.exp(-(support**2) / (2 * s * s))
    w /= w.sum()
    return float((w * support**2).sum())


def perturbation_table(*, max_perturbation: int = 2, variance: float = 1.0) -> pd.DataFrame:
    """The ptable: rows ``i`` (original count; the last row applies to every larger count),
    ``v`` (perturbation), ``p`` (probability), ``lower``/``upper`` (cell-key interval).

    Parameters
    ----------
    max_perturbation : int
        D, the largest absolute perturbation (>= 1).
    variance : float
        V, the variance of the perturbation of large counts (0 < V < D**2).
    """
    if (
        isinstance(max_perturbation, bool)
        or not isinstance(max_perturbation, int)
        or max_perturbation < 1
    ):
        raise OptionError(f"max_perturbation={max_perturbation!r} must be an integer >= 1")
    if not (0 < float(variance) < max_perturbation**2):
        raise OptionError(
            f"variance={variance!r} must be in (0, max_perturbation**2 = {max_perturbation**2})"
        )
    d = max_perturbation
    full = np.arange(-d, d + 1, dtype=float)
    lo, hi = 1e-3, 1e3
    for _ in range(200):  # the variance grows with s: bisect for V
        mid = math.sqrt(lo * hi)
        if _variance(mid, full) < variance:
            lo = mid
        else:
            hi = mid
    s = math.sqrt(lo * hi)
    rows: list[dict[str, float]] = []
    for i in range(d + 1):
        width = min(i, d)
        support = np.arange(-width, width + 1, dtype=float)
        w = np.exp(-(support**2) / (2 * s * s))
        w /= w.sum()
        upper = np.cumsum(w)
        upper[-1] = 1.0
        lower = np.concatenate([[0.0], upper[:-1]])
        rows.extend(
            {"i": i, "v": int(v), "p": float(p), "lower": float(lo_), "upper": float(up)}
            for v, p, lo_, up in zip(support, w, lower, upper, strict=True)
        )
    return pd.DataFrame(rows)


def cell_keys(
    records: pd.DataFrame,
    dimensions: Sequence[str],
    key: str,
    cells: pd.DataFrame,
    *,
    total_code: str = "_T",
) -> tuple[np.ndarray, np.ndarray]:
    """Count of records and cell key of every row of *cells* (margins ``_T`` included)."""
    dims = list(dimensions)
    missing = [c for c in [*dims, key] if c not in records.columns]
    if missing:
        raise OptionError(
            f"microdata= lacks the columns {missing}; it needs the table's dimensions {dims} "
            f"and the record key column {key!r}"
        )
    keys = records[key].to_numpy()
    if keys.dtype.kind not in "iu" or (len(keys) and (keys.min() < 0 or keys.max() >= KEY_RANGE)):
        raise OptionError(
            f"record keys {key!r} must be integers in [0, 2**32): make them with "
            "migindicators.disclosure.record_keys(n, seed=...)"
        )
    work = records[dims].astype(str)
    work["_key"] = keys.astype(np.uint64)
    target = cells[dims].astype(str).reset_index(drop=True)
    counts = np.zeros(len(target), dtype=np.int64)
    sums = np.zeros(len(target), dtype=np.uint64)
    is_total = target == total_code
    patterns = is_total.drop_duplicates()
    for _, pattern in patterns.iterrows():
        open_dims = [d for d in dims if not pattern[d]]
        rows = np.flatnonzero((is_total == pattern).all(axis=1).to_numpy())
        if open_dims:
            grouped = work.groupby(open_dims, sort=False)["_key"]
            # Keys < 2**32, so uint64 sums are exact below 2**32 records per cell; the
            # residue modulo 2**32 (< 2**53) survives the float of a merge exactly.
            residue = (grouped.sum().to_numpy(dtype=np.uint64) % np.uint64(KEY_RANGE)).astype(
                np.int64
            )
            table = pd.DataFrame(
                {"n": grouped.size().to_numpy(), "s": residue}, index=grouped.size().index
            ).reset_index()
            merged = target.iloc[rows][open_dims].merge(table, on=open_dims, how="left")
            counts[rows] = merged["n"].fillna(0).to_numpy(dtype=np.int64)
            sums[rows] = merged["s"].fillna(0).to_numpy(dtype=np.int64).astype(np.uint64)
        else:
            counts[rows] = len(work)
            sums[rows] = np.uint64(work["_key"].to_numpy().sum(dtype=np.uint64))
    ckey = (sums % np.uint64(KEY_RANGE)).astype(float) / KEY_RANGE
    return counts, ckey


def perturb(counts: np.ndarray, ckeys: np.ndarray, ptable: pd.DataFrame) -> np.ndarray:
    """Perturbation of each cell: the ptable row of its count (capped at the last ``i``)
    whose cell-key interval contains its cell key."""
    counts = np.asarray(counts, dtype=np.int64)
    top = int(ptable["i"].max())
    out = np.zeros(len(counts), dtype=np.int64)
    for i, rows in ptable.groupby("i"):
        hit = (np.minimum(counts, top) == i) & (counts > 0)
        if not hit.any():
            continue
        upper = rows["upper"].to_numpy()
        idx = np.searchsorted(upper, ckeys[hit], side="right")
        idx = np.minimum(idx, len(upper) - 1)
        out[hit] = rows["v"].to_numpy()[idx]
    return out
