"""The weighted-totals kernel: additive sufficient statistics by group, and their combination.

Every estimate of the library is a function of a few weighted sums per group (a group being a
domain cell, a ``(stratum, PSU)`` pair, or both). Sums add: a table computed on each chunk of a
file, or on each Dask partition, and then :func:`combine`-d is the table of the whole input —
exactly for counts, to float rounding for sums. The kernel is plain numpy: group keys are
factorised column by column (:func:`pandas.factorize`), combined into one integer code, and
each sum is one :func:`numpy.bincount` over that code.

API
---
``tabulate(frame, by, *, weights=None, values=(), products=(), skipna=True) -> DataFrame``
    One row per observed combination of the ``by`` columns (sorted; missing keys form their
    own group, sorted last). Columns: the ``by`` columns, ``n`` (rows, int64), then for each
    weight column ``w`` (in order): ``w`` (sum of w), ``w*y`` for each ``y`` in *values*, and
    ``w*a*b`` for each pair ``(a, b)`` in *products*. Without *weights* the sums are unweighted:
    ``y`` and ``a*b``. ``skipna=True`` treats a missing value as contributing 0 (as a pandas
    groupby-sum does); ``False`` lets NaN propagate into its group's sum.
``combine(tables, by=None) -> DataFrame``
    Outer-joins partial tables on their keys and sums them. ``by`` defaults to the keys that
    :func:`tabulate` recorded in ``table.attrs["tabulate_by"]``.
``tabulate_chunks(chunks, by, **kwargs) -> DataFrame``
    :func:`tabulate` each frame of an iterable and :func:`combine` the tables as it goes, so
    memory stays bounded by one chunk plus one table.

Examples
--------
Weighted counts by sex × age group × origin over chunks of a census extract:

>>> import pandas as pd
>>> chunk = pd.DataFrame({"sex": ["F", "M", "F"], "origin": ["KEN", "KEN", "UGA"],
...                       "perwt": [10.0, 12.0, 9.0]})
>>> tabulate(chunk, ["sex", "origin"], weights="perwt")
  sex origin  n  perwt
0   F    KEN  1   10.0
1   F    UGA  1    9.0
2   M    KEN  1   12.0

On Dask, tabulate partitions where they lie and combine the small tables::

    parts = ddf.map_partitions(tabulate, ["sex", "origin"], weights="perwt").compute()
    table = combine([parts], by=["sex", "origin"])

For survey variance, tabulate by ``[*domains, stratum, psu]`` with ``values=[y]`` (Taylor) or
with ``weights=[w, rep_1, …, rep_R]`` (replicates); :mod:`migindicators.engine.survey` does this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import numpy as np
import pandas as pd

from migindicators.core.errors import MissingColumnError, OptionError

__all__ = [
    "category_codes",
    "combine",
    "group_codes",
    "psu_moments",
    "replicate_totals",
    "stacked_columns",
    "tabulate",
    "tabulate_chunks",
    "tabulate_codes",
]


def category_codes(series: pd.Series) -> np.ndarray:
    """The integer codes of a categorical Series (-1 for missing), without a copy.

    ``series.cat.codes`` builds a new Series and copies the codes; the Categorical's own
    (read-only) code array is enough for reading.
    """
    return np.asarray(cast(pd.Categorical, series.array).codes)


# A dense code space up to this size is counted directly with bincount (empty cells dropped);
# larger ones are first compressed to the observed combinations.
_DENSE_LIMIT = 1 << 22
_INT64_SAFE = 1 << 62
_BLOCK_ROWS = 1 << 16
# A dense code space up to this size (or at most twice the observed groups) is summed over
# directly and the empty cells dropped afterwards; a larger, sparse one is renumbered first.
_DIRECT_LIMIT = 1 << 16
# Integer keys spanning fewer values than this are coded as ``value - min`` (no hashing).
_INT_RANGE = 1 << 16


def _as_list(columns: str | Sequence[str] | None) -> list[str]:
    if columns is None:
        return []
    if isinstance(columns, str):
        return [columns]
    return list(columns)


def group_codes(frame: pd.DataFrame, by: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer group code of every row, and the key values of each code.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows.
    by : sequence of str
        Key columns; missing values form their own group.

    Returns
    -------
    codes : numpy.ndarray of intp
        ``codes[i]`` in ``0 .. G-1`` for row *i*; groups are numbered in sorted key order.
    keys : pandas.DataFrame
        *G* rows: the key values of each group (observed combinations only).
    """
    n = len(frame)
    if not by:
        return np.zeros(n, dtype=np.intp), pd.DataFrame(index=pd.RangeIndex(1 if n else 0))
    col_codes: list[np.ndarray] = []
    uniques: list[Any] = []
    for name in by:
        c, u = _key_codes(frame[name])
        col_codes.append(c)
        uniques.append(u)
    sizes = [max(len(u), 1) for u in uniques]
    total = 1
    for s in sizes:
        total *= s
    if total <= max(_DENSE_LIMIT, 2 * n) and total < _INT64_SAFE:
        code = (
            col_codes[0].astype(np.intp, copy=False)
            if len(col_codes) == 1
            else _radix(col_codes, sizes)
        )
        present = np.flatnonzero(np.bincount(code, minlength=total))
        if len(present) == total:  # every code has rows: they are the group codes
            codes = code if code is not col_codes[0] else code.copy()
        else:
            remap = np.full(total, -1, dtype=np.intp)
            remap[present] = np.arange(len(present), dtype=np.intp)
            codes = remap[code]
        digits = _unradix(present, sizes)
    else:
        # Compress progressively to the observed combinations, keeping sorted order.
        # (Observed values only, so that every code 0 .. G-1 has a row.)
        codes = pd.factorize(col_codes[0], sort=True)[0].astype(np.intp, copy=False)
        for c, s in zip(col_codes[1:], sizes[1:], strict=True):
            combined = codes.astype(np.int64) * s + c
            codes = pd.factorize(combined, sort=True)[0].astype(np.intp, copy=False)
        ngroups = int(codes.max()) + 1 if n else 0
        first = np.empty(ngroups, dtype=np.intp)
        first[codes[::-1]] = np.arange(n - 1, -1, -1, dtype=np.intp)
        digits = [c[first] for c in col_codes]
    keys = pd.DataFrame({name: _take(u, d) for name, u, d in zip(by, uniques, digits, strict=True)})
    return codes, keys


def _key_codes(
    series: pd.Series,
) -> tuple[np.ndarray, pd.Index | np.ndarray | pd.api.extensions.ExtensionArray]:
    """Codes of one key column, numbered in sorted order (missing last), and the values.

    The fast cases need no hashing: a categorical's codes (its categories' order, as
    :func:`pandas.factorize` sorts a categorical), a bool as 0/1, and integers of a bounded
    range as ``value - min``. Only other keys (text, floats, wide integers) are factorised.
    """
    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        codes = category_codes(series)
        positions = np.arange(len(dtype.categories))
        if len(codes) and codes.min() < 0:
            codes = np.where(codes < 0, len(positions), codes)
            positions = np.append(positions, -1)
        return codes, pd.Categorical.from_codes(positions, dtype=dtype)
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return series.to_numpy().view(np.uint8), pd.Index(np.array([False, True]))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu" and len(series):
        values = series.to_numpy()
        low, high = values.min(), values.max()
        if int(high) - int(low) < _INT_RANGE:
            wide = np.int64 if dtype.kind == "i" else np.uint64
            work = values if dtype.itemsize == 8 else values.astype(np.int32)
            codes = work - (wide(low) if dtype.itemsize == 8 else np.int32(low))
            return codes, pd.Index(np.arange(int(low), int(high) + 1).astype(dtype))
    codes, uniques = pd.factorize(series, sort=True, use_na_sentinel=False)
    return codes, uniques


def _take(
    uniques: pd.Index | np.ndarray | pd.api.extensions.ExtensionArray, idx: np.ndarray
) -> pd.Series:
    return pd.Series(pd.Index(uniques).take(idx), copy=False).reset_index(drop=True)


def _radix(col_codes: Sequence[np.ndarray], sizes: Sequence[int]) -> np.ndarray:
    code = col_codes[0].astype(np.intp, copy=True)
    for c, s in zip(col_codes[1:], sizes[1:], strict=True):
        code *= s
        code += c
    return code


def _unradix(code: np.ndarray, sizes: Sequence[int]) -> list[np.ndarray]:
    digits: list[np.ndarray] = []
    rest = code.copy()
    for s in reversed(sizes):
        digits.append(rest % s)
        rest //= s
    return digits[::-1]


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    series = frame[name]
    if series.dtype != np.float64:
        series = pd.to_numeric(series, errors="raise")
    return np.ascontiguousarray(series.to_numpy(dtype=np.float64, na_value=np.nan))


def tabulate(
    frame: pd.DataFrame,
    by: str | Sequence[str] | None,
    *,
    weights: str | Sequence[str] | None = None,
    values: str | Sequence[str] = (),
    products: Sequence[tuple[str, str]] = (),
    skipna: bool = True,
) -> pd.DataFrame:
    """Weighted sufficient statistics of *frame* by the *by* columns.

    .. math:: n_g = \\sum_{i \\in g} 1, \\quad S_g(w) = \\sum_{i \\in g} w_i, \\quad
              S_g(w y) = \\sum_{i \\in g} w_i y_i, \\quad S_g(w a b) = \\sum_{i \\in g} w_i a_i b_i

    Parameters
    ----------
    frame : pandas.DataFrame
        Input rows (not modified). Value and weight columns must be numeric.
    by : str or sequence of str or None
        Group key columns (any dtype). ``None`` or ``[]`` gives one row of totals.
    weights : str or sequence of str, optional
        Weight column(s): the full-sample weight and/or replicate weights [any unit].
    values : str or sequence of str
        Columns *y* whose weighted sums ``w*y`` are wanted.
    products : sequence of (str, str)
        Pairs *(a, b)* whose weighted cross-product sums ``w*a*b`` are wanted (``(y, y)`` for
        a sum of squares).
    skipna : bool
        Missing values count as 0 (default) or propagate as NaN.

    Returns
    -------
    pandas.DataFrame
        Keys, ``n`` (int64), then the sums in the order described in the module docstring.
        ``attrs["tabulate_by"]`` records the keys for :func:`combine`.

    References
    ----------
    Lumley, T. (2010). *Complex Surveys: A Guide to Analysis Using R*, Wiley, ch. 2–3
    (estimators as functions of weighted totals).
    """
    by_cols = _as_list(by)
    weight_cols = _as_list(weights)
    value_cols = _as_list(values)
    missing = [
        c
        for c in [*by_cols, *weight_cols, *value_cols, *(x for p in products for x in p)]
        if c not in frame.columns
    ]
    if missing:
        raise MissingColumnError(
            f"tabulate: column(s) {sorted(set(missing))} not in the frame; it has "
            f"{list(frame.columns)[:20]}"
        )
    specs: list[tuple[str, tuple[str, ...]]] = []
    if weight_cols:
        for w in weight_cols:
            specs.append((w, (w,)))
            specs.extend((f"{w}*{y}", (w, y)) for y in value_cols)
            specs.extend((f"{w}*{a}*{b}", (w, a, b)) for a, b in products)
    else:
        specs.extend((y, (y,)) for y in value_cols)
        specs.extend((f"{a}*{b}", (a, b)) for a, b in products)
    arrays = {name: _column(frame, name) for name in {c for _, f in specs for c in f}}
    dense = _dense_keys(frame, by_cols) if by_cols else None
    if dense is not None:
        col_codes, sizes, uniques = dense
        digits, counts, sums = _sum_cells(col_codes, sizes, len(frame), specs, arrays, skipna)
        keys = pd.DataFrame(
            {name: _take(u, d) for name, u, d in zip(by_cols, uniques, digits, strict=True)}
        )
    else:
        codes, keys = group_codes(frame, by_cols)
        _, counts, sums = _sum_cells(
            [codes], [max(len(keys), 1)], len(frame), specs, arrays, skipna
        )
        if len(counts) != len(keys):  # (no key and no row: one empty group is not kept)
            counts, sums = counts[: len(keys)], {k: v[: len(keys)] for k, v in sums.items()}
    out: dict[str, np.ndarray] = {"n": counts.astype(np.int64)}
    out.update(sums)
    table = pd.concat([keys, pd.DataFrame(out, index=keys.index)], axis=1)
    table.attrs["tabulate_by"] = by_cols
    return table


def _dense_keys(
    frame: pd.DataFrame, by: Sequence[str]
) -> tuple[list[np.ndarray], list[int], list[Any]] | None:
    """Key codes and sizes when their mixed-radix code space is small, else None."""
    col_codes: list[np.ndarray] = []
    sizes: list[int] = []
    uniques: list[Any] = []
    total = 1
    for name in by:
        c, u = _key_codes(frame[name])
        col_codes.append(c)
        sizes.append(max(len(u), 1))
        uniques.append(u)
        total *= sizes[-1]
        if total > _DIRECT_LIMIT:
            return None
    return col_codes, sizes, uniques


def _sum_cells(
    codes: Sequence[np.ndarray],
    sizes: Sequence[int],
    n: int,
    specs: Sequence[tuple[str, tuple[str, ...]]],
    arrays: Mapping[str, np.ndarray],
    skipna: bool,
    row_codes: np.ndarray | None = None,
) -> tuple[list[np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    """Row counts and sums of products of *arrays* per observed cell of a dense code space.

    The cell of a row is the mixed-radix code of its key *codes* (``codes[k]`` in
    ``0 .. sizes[k]-1``). Rows are taken in blocks: the block's cell code is computed and
    every column added while it is in cache, and every temporary is a block long (fresh
    full-length arrays cost more in page faults than the arithmetic). A block is never much
    smaller than the code space (each bincount costs O(cells)). Returns the digits of the
    observed cells (sorted), their counts and sums; with *row_codes* (an integer array of
    *n*), every row's dense code is written there too.
    """
    space = 1
    for size in sizes:
        space *= size
    counts = np.zeros(space, dtype=np.int64)
    sums = {name: np.zeros(space) for name, _ in specs}
    block = max(_BLOCK_ROWS, 8 * space)
    for start in range(0, max(n, 1), block):
        stop = min(start + block, n)
        part = codes[0][start:stop].astype(np.intp)
        for c, size in zip(codes[1:], sizes[1:], strict=True):
            part *= size
            part += c[start:stop]
        if row_codes is not None:
            row_codes[start:stop] = part
        counts += np.bincount(part, minlength=space)
        for name, factors in specs:
            arr = arrays[factors[0]][start:stop]
            for other in factors[1:]:
                arr = arr * arrays[other][start:stop]
            add = np.bincount(part, weights=arr, minlength=space)
            # NaN reaches a sum only through a missing value: only then pay a second pass.
            if skipna and np.isnan(add).any():
                add = np.bincount(part, weights=np.where(np.isnan(arr), 0.0, arr), minlength=space)
            sums[name] += add
    present = np.flatnonzero(counts)
    return (
        _unradix(present, sizes),
        counts[present],
        {name: total[present] for name, total in sums.items()},
    )


def tabulate_codes(
    codes: Sequence[np.ndarray],
    sizes: Sequence[int],
    weights: Mapping[str, np.ndarray],
    *,
    skipna: bool = True,
    row_codes: np.ndarray | None = None,
) -> tuple[list[np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    """The kernel on keys that are already small integer codes (no labels, no hashing).

    Parameters
    ----------
    codes : sequence of numpy.ndarray of int
        One array per key, ``codes[k][i]`` in ``0 .. sizes[k]-1`` for row *i*.
    sizes : sequence of int
        Number of codes of each key; their product (the cells) at most 65 536.
    weights : mapping of str to numpy.ndarray of float
        Columns to sum per cell [any unit].
    skipna : bool
        Missing values count as 0.
    row_codes : numpy.ndarray of int, optional
        An array of one entry per row that receives each row's dense cell code
        (``sum_k codes[k] * prod(sizes[k+1:])``), for callers that map rows to cells.

    Returns
    -------
    digits : list of numpy.ndarray
        Per key, its code in each observed cell (cells in sorted code order).
    n : numpy.ndarray of int64
        Rows per observed cell.
    sums : dict of str to numpy.ndarray
        The sum of each weight column per observed cell.
    """
    space = 1
    for size in sizes:
        space *= size
    if space > _DIRECT_LIMIT:
        raise OptionError(
            f"tabulate_codes: {space} cells exceed {_DIRECT_LIMIT}; use tabulate() instead"
        )
    n = len(codes[0]) if codes else 0
    if not codes:
        codes, sizes = [np.zeros(len(next(iter(weights.values()), [])), np.intp)], [1]
        n = len(codes[0])
    specs = [(name, (name,)) for name in weights]
    arrays = {name: np.asarray(v, dtype=np.float64) for name, v in weights.items()}
    return _sum_cells(codes, sizes, n, specs, arrays, skipna, row_codes)


def psu_moments(
    frame: pd.DataFrame,
    domain: Sequence[str],
    *,
    stratum: str,
    psu: str | None,
    values: Sequence[str],
) -> pd.DataFrame:
    """Per (domain, stratum) moments of PSU totals: the Taylor variance's additive input.

    .. math:: \\sum_i Y_{dhi}, \\quad \\sum_i Y_{dhi} Y'_{dhi}, \\qquad
              Y_{dhi} = \\sum_{k \\in \\text{PSU } i,\\ d} y_k

    for every value column *y* and every pair of them. The rows of one PSU must all be in
    *frame* (a chunk holds whole PSUs); the moments of chunks then add, and
    :func:`migindicators.engine.estimate.taylor_variance_from_moments` turns them into variances.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows with the (already weighted) value columns.
    domain : sequence of str
        Domain key columns.
    stratum : str
        Stratum column.
    psu : str or None
        PSU column; ``None`` when every row is its own PSU.
    values : sequence of str
        Columns *y* (e.g. ``w*y`` and ``w*x`` of a ratio).

    Returns
    -------
    pandas.DataFrame
        Keys ``[*domain, stratum]``, then ``y`` for each value and ``a*b`` for each pair
        ``a <= b`` in the order of *values* (``attrs["tabulate_by"]`` set for :func:`combine`).
    """
    keys = [*domain, stratum]
    totals = tabulate(frame, [*keys, psu], values=values) if psu is not None else frame
    pairs = [(a, b) for i, a in enumerate(values) for b in values[i:]]
    moments = tabulate(totals, keys, values=values, products=pairs).drop(columns=["n"])
    moments.attrs["tabulate_by"] = keys
    return moments


def combine(tables: Iterable[pd.DataFrame], by: Sequence[str] | None = None) -> pd.DataFrame:
    """Sum partial tables of :func:`tabulate` (outer join on the keys).

    Parameters
    ----------
    tables : iterable of pandas.DataFrame
        Tables with the same key and sum columns (a sum absent from one table counts as 0).
    by : sequence of str, optional
        Key columns; defaults to ``attrs["tabulate_by"]`` of the first table.

    Returns
    -------
    pandas.DataFrame
        One row per key combination seen in any table, sorted; ``n`` stays int64.
    """
    parts = list(tables)
    if not parts:
        raise OptionError("combine: no tables given")
    by_cols = list(by) if by is not None else list(parts[0].attrs.get("tabulate_by", []))
    if not by_cols:
        sums = pd.concat(parts, ignore_index=True).sum(numeric_only=True).to_frame().T
        result = sums.reset_index(drop=True)
    else:
        stacked = pd.concat(parts, ignore_index=True)
        result = (
            stacked.groupby(by_cols, dropna=False, sort=True, observed=True)
            .sum(numeric_only=True)
            .reset_index()
        )
    if "n" in result.columns:
        result["n"] = result["n"].astype(np.int64)
    result.attrs["tabulate_by"] = by_cols
    return result


def tabulate_chunks(
    chunks: Iterable[pd.DataFrame],
    by: str | Sequence[str] | None,
    **kwargs: object,
) -> pd.DataFrame:
    """:func:`tabulate` every chunk and :func:`combine` the tables (bounded memory).

    ``kwargs`` are passed to :func:`tabulate` (``weights``, ``values``, ``products``,
    ``skipna``). Tables are combined every 16 chunks so memory stays bounded.
    """
    by_cols = _as_list(by)
    acc: list[pd.DataFrame] = []
    for chunk in chunks:
        acc.append(tabulate(chunk, by_cols, **kwargs))  # type: ignore[arg-type]
        if len(acc) >= 16:
            acc = [combine(acc, by_cols)]
    if not acc:
        raise OptionError("tabulate_chunks: the iterable gave no chunk")
    return combine(acc, by_cols)


#: Rows per block of :func:`replicate_totals`: a block of every weight column (81 columns of
#: 8192 rows: 5 MiB) stays in the shared cache while it is gathered and summed.
REPLICATE_BLOCK = 4096


def _memory_owner(array: np.ndarray) -> object:
    """The object owning *array*'s memory (the end of its chain of ``base`` arrays)."""
    owner: object = array
    while isinstance(owner, np.ndarray) and owner.base is not None:
        owner = owner.base
    return owner


def stacked_columns(columns: Sequence[np.ndarray]) -> list[tuple[int, np.ndarray]]:
    """The 1-D float64 *columns* as a few 2-D (columns × rows) arrays, without a copy.

    pandas keeps the float columns of a frame read from a file (Parquet, CSV) or built from a
    dict as the rows of one 2-D block, so consecutive columns lie at a constant distance in
    memory. Every run of such columns of one allocation becomes one strided, read-only view
    (columns of separate allocations never share a view); any other column
    is a view of one row. Each row of a view is exactly the memory of its column (checked by
    address), so nothing outside the given arrays is ever read; the caller keeps *columns*
    alive while it uses the views.

    Returns
    -------
    list of (int, numpy.ndarray)
        The index in *columns* of each view's first row, and the view.
    """
    out: list[tuple[int, np.ndarray]] = []
    j = 0
    while j < len(columns):
        first = columns[j]
        k = j + 1
        step: int | None = None
        if first.dtype == np.float64 and first.ndim == 1 and first.strides == (8,):
            owner = _memory_owner(first)
            while k < len(columns):
                col = columns[k]
                if col.dtype != np.float64 or col.shape != first.shape or col.strides != (8,):
                    break
                # Only columns of one allocation (a pandas block): a view spanning separate
                # allocations would cover memory between them that is not ours, and numpy's
                # overlap check on such a view can recurse without end when a new array is
                # allocated inside that span.
                if _memory_owner(col) is not owner:
                    break
                gap = int(col.ctypes.data) - int(columns[k - 1].ctypes.data)
                if step is None:
                    step = gap
                elif gap != step:
                    break
                k += 1
        if k - j > 1 and step is not None:
            view = np.lib.stride_tricks.as_strided(
                first, shape=(k - j, len(first)), strides=(step, 8), writeable=False
            )
        else:
            view, k = first[None, :], j + 1
        out.append((j, view))
        j = k
    return out


def replicate_totals(
    weights: Sequence[np.ndarray],
    code: np.ndarray,
    ncells: int,
    values: Sequence[np.ndarray | None],
    *,
    threads: int = 2,
) -> np.ndarray:
    """Per cell, the sum of every weight column times each value column.

    .. math:: S_{dkv} = \\sum_{i:\\ c_i = d} w_{ki}\\, y_{vi}

    The kernel of replicate-weight variance (*weights* = the full-sample weight and the *R*
    replicate weights; *values* = the numerator and denominator variables). Rows are taken in
    blocks of :data:`REPLICATE_BLOCK`: within a block they are ordered by cell (a stable
    radix sort of small codes), every weight column is gathered in that order (one ``take``
    per run of columns adjacent in memory, see :func:`stacked_columns`), and each cell's run
    of rows is reduced for all weight columns and all values at once by one matrix product
    (weights × rows) @ (rows × values). The weights are read once per call, whatever the
    number of values, and never copied whole. Blocks are shared between *threads* threads
    (numpy and BLAS release the GIL); each thread sums fixed blocks in order, so the result
    does not depend on timing.

    Parameters
    ----------
    weights : sequence of numpy.ndarray of float64
        *K* weight columns of *n* rows.
    code : numpy.ndarray of int
        Cell of every row, ``0 .. ncells-1``.
    ncells : int
        Number of cells.
    values : sequence of (numpy.ndarray or None)
        *V* value columns of *n* rows; ``None`` for the weight alone (a value of 1).
        Missing values count as 0.
    threads : int
        Threads to use (1 or 2).

    Returns
    -------
    numpy.ndarray
        Shape (ncells, K, V) [unit of the weights times that of each value].
    """
    n = len(code)
    nk, nv = len(weights), len(values)
    groups = stacked_columns(weights)
    vals = np.empty((n, nv))
    for k, v in enumerate(values):
        vals[:, k] = 1.0 if v is None else v
    if not np.isfinite(vals.sum()):  # (a sum is cheaper than the masks of nan_to_num)
        np.nan_to_num(vals, copy=False)
    # Small integer codes sort by radix (numpy's stable sort of 16-bit keys).
    small = code.astype(np.int16) if ncells < 2**15 else np.asarray(code)
    starts_all = list(range(0, n, REPLICATE_BLOCK))

    def run(block_starts: list[int]) -> np.ndarray:
        out = np.zeros((ncells, nk, nv))
        rows = np.empty((nk, min(REPLICATE_BLOCK, max(n, 1))))
        parts = np.empty((ncells, nk, nv))
        for start in block_starts:
            stop = min(start + REPLICATE_BLOCK, n)
            c = small[start:stop]
            order = np.argsort(c, kind="stable")
            cs = c[order]
            bounds = np.flatnonzero(np.concatenate(([True], cs[1:] != cs[:-1], [True])))
            block = rows[:, : stop - start]
            for first, view in groups:
                np.take(
                    view[:, start:stop],
                    order,
                    axis=1,
                    out=block[first : first + len(view)],
                    mode="wrap",
                )
            part = np.take(vals[start:stop], order, axis=0)
            runs = bounds[:-1].tolist()
            for i, (lo, hi) in enumerate(zip(runs, bounds[1:].tolist(), strict=True)):
                np.matmul(block[:, lo:hi], part[lo:hi], out=parts[i])
            out[cs[bounds[:-1]]] += parts[: len(runs)]
        return out

    if threads > 1 and len(starts_all) >= 8:
        half = len(starts_all) // 2
        with ThreadPoolExecutor(max_workers=1) as pool:
            other = pool.submit(run, starts_all[half:])
            first_half = run(starts_all[:half])
            return np.asarray(first_half + other.result())
    return run(starts_all)
