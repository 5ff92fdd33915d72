"""The calibrated census pass over a streamed extract: two passes, memory bounded by a chunk.

A file (Parquet, CSV, Stata/SPSS, fixed-width), an iterable of frames or a Dask DataFrame is
calibrated without holding the extract in memory. Calibration to categorical margins (R's
``postStratify``, ``rake`` and ``calibrate`` on factors and their interactions) gives every
row of one *calibration cell* (one combination of the calibration variables) the same
g-factor, so the calibration only needs the weighted sums of the cells:

1. **pass 1** tabulates, per calibration cell, the rows, the rows of weight zero and the
   sums of the weight and of every replicate weight; for Taylor variance also, per cell
   and domain of the estimand, the weight and row count of the rows that add to it, and
   the strata of the design;
2. the calibration is solved on that table
   (:func:`~migindicators.engine.calibration.apply_calibration`: raking and bounded GREG
   iterate on the cells exactly as on the rows, since every sum they take is a sum over
   cells of the cells' sums); each cell's g-factor is its calibrated over its input weight,
   for the weight and for each replicate;
3. **pass 2** is the ordinary pass on the rows with their weights multiplied by their
   cell's g-factor: the table and the row ledger, as in memory;
4. Taylor variance: the calibration residual of a row's score (R's ``svyrecvar`` on a
   calibrated design) is its score minus a per-cell coefficient times its input weight
   (post-stratification and GREG: the weighted regression of the scores on the calibration
   variables, whose normal equations are sums over cells; raking: the sweeps of per-margin
   centring, whose means are cell sums too). The coefficients come from the pass-1 table;
   pass 2 writes, per household, its scores by domain and its input weight by cell, in
   records partitioned by household to disk beyond a budget (as the uncalibrated pass,
   :mod:`.psu`), and the household residual totals, their strata sums and sums of squares
   are taken one partition at a time.

Numeric calibration totals (``calibrate(..., totals={"income": ...})``) and bounds on the
weights rather than the g-factors (``bounds_const=True``) make a row's g-factor depend on
its own value or weight, not on its cell: those calibrations raise an
:class:`~migindicators.core.errors.OptionError` here (read the extract into memory).

A one-shot iterator of chunks is kept on disk between the two passes (pickled chunks, in
``MIGINDICATORS_TMPDIR`` or the system temporary directory); a re-iterable (a list of
frames) is iterated twice. Dask partitions are reduced with Dask in both passes.

References
----------
Deville, J.-C. and Särndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA*
87, 376–382.
Lumley, T. (2010). *Complex Surveys*, Wiley, ch. 7; R ``survey``: ``calibrate``,
``postStratify``, ``rake``, ``svyrecvar``.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import tempfile
from collections.abc import Hashable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from migindicators.core.ages import age_group_edges, assign_age_groups
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.ledger import RowLedger
from migindicators.engine.calibration import (
    CalibrationError,
    CalibrationState,
    CalibrationStep,
    apply_calibration,
)
from migindicators.engine.tabulate import group_codes
from migindicators.io.mapping import VariableMapping
from migindicators.io.progress import progress as progress_bar
from migindicators.io.tabular import available_columns, iter_chunks, prefetch

from .accumulate import Accumulator
from .keys import cell_frame, cell_keys, codes, raw_keys, tabulate_cells
from .psu import PARTITIONS, _partition, psu_ids, spill_budget
from .read import categorical_sources, pandas_chunk, source_columns, standardise
from .spec import CensusPass, CensusTotals, W, psu_table, resolve_mapping
from .validate import Config, configure, exclude_rows, validate_and_exclude

__all__ = ["check_streamable", "run_calibrated_streamed"]

#: Dask partitions computed per round (bounds what the client holds at once).
DASK_BATCH = 16
#: Values of the dense (households x domains) residual block of one partition.
_BLOCK_VALUES = 1 << 22
#: The fields of a residual record (kept as one array per field: gathering them by partition
#: is several times faster than gathering a structured array's 24-byte records).
_FIELDS = {"stratum": np.int32, "psu": np.int64, "key": np.int32, "value": np.float64}
Records = dict[str, np.ndarray]
#: Iterations of the per-margin centring of raking residuals (R's ``svyrecvar``).
_RAKE_SWEEPS = 10
Label = tuple[Hashable, ...]


def check_streamable(steps: Sequence[CalibrationStep]) -> None:
    """Refuse the calibrations whose g-factor is not a function of the calibration cell."""
    for step in steps:
        if step.numeric:
            names = [name for name, _ in step.numeric]
            raise OptionError(
                f"calibration=: numeric calibration totals {names} make each row's g-weight "
                "depend on its own value, which the streamed census pass (a file, chunks or a "
                "Dask DataFrame) does not tabulate; calibrate to categories (margins of "
                "counts), or read the columns you need into a pandas DataFrame first"
            )
        if step.bounds_const:
            raise OptionError(
                "calibration=: bounds_const=True bounds each row's calibrated weight, so its "
                "g-weight depends on its own weight, which the streamed census pass (a file, "
                "chunks or a Dask DataFrame) does not tabulate; bound the g-weights "
                "(bounds_const=False), or read the columns you need into a pandas DataFrame "
                "first"
            )


# ---------------------------------------------------------------------------------------------
# Tables keyed by label tuples, mergeable across chunks and Dask partitions


class _Sums:
    """Sums of a fixed number of values per label tuple."""

    def __init__(self, width: int) -> None:
        self.ids: dict[Label, int] = {}
        self.values = np.zeros((0, width))

    def add(self, labels: Sequence[Label], values: np.ndarray) -> None:
        ids = np.array([self.ids.setdefault(lab, len(self.ids)) for lab in labels], np.intp)
        if len(self.ids) > len(self.values):
            grown = np.zeros((max(len(self.ids), 2 * len(self.values)), self.values.shape[1]))
            grown[: len(self.values)] = self.values
            self.values = grown
        np.add.at(self.values, ids, values)

    def merge(self, other: _Sums) -> None:
        self.add(list(other.ids), other.values[: len(other.ids)])

    def table(self) -> tuple[list[Label], np.ndarray]:
        return list(self.ids), self.values[: len(self.ids)]


@dataclasses.dataclass
class _Tally:
    """What pass 1 learns from the chunks it has seen."""

    nreps: int
    cells: _Sums = dataclasses.field(init=False)
    cell_dom: _Sums = dataclasses.field(init=False)
    strata: set[Label] = dataclasses.field(default_factory=set)
    presence: set[tuple[Label, Label]] = dataclasses.field(default_factory=set)
    missing: dict[str, int] = dataclasses.field(default_factory=dict)
    missing_age: int = 0
    rows: int = 0

    def __post_init__(self) -> None:
        # per cell: rows, rows of weight 0, weight, replicate weights
        self.cells = _Sums(3 + self.nreps)
        # per (cell, domain): weight and rows of weight > 0 that add to the estimand
        self.cell_dom = _Sums(2)

    def merge(self, other: _Tally) -> None:
        self.cells.merge(other.cells)
        self.cell_dom.merge(other.cell_dom)
        self.strata |= other.strata
        self.presence |= other.presence
        for col, n in other.missing.items():
            self.missing[col] = self.missing.get(col, 0) + n
        self.missing_age += other.missing_age
        self.rows += other.rows


@dataclasses.dataclass
class _Setup:
    """The pass's fixed configuration, decided from the first chunk's columns."""

    spec: CensusPass  # the ordinary pass: no calibration, no mapping, estimand kept
    wanted: list[str]
    design: Config  # the design's rows: known country and weight
    full: Config  # the table's configuration (with the estimand)
    domain: list[str]

    @property
    def taylor(self) -> bool:
        return self.full.taylor


def _setup(spec: CensusPass, columns: list[str]) -> _Setup:
    plain = dataclasses.replace(spec, calibration=(), mapping=None)
    wanted = list(dict.fromkeys(c for step in spec.calibration for c in step.columns))
    if "weight" not in columns:
        raise InputValidationError(
            "census: calibration= needs a weight column ('weight') to calibrate",
            input_kind="census",
        )
    for col in wanted:
        if col in columns or (col == "age_group" and "age" in columns):
            continue
        raise InputValidationError(
            f"census: the calibration margin needs a column {col!r}; the census has "
            f"{columns} ('age_group' is derived from 'age')",
            input_kind="census",
        )
    design_spec = dataclasses.replace(
        plain, by=(), origin=False, single_age=False, arrival=False, estimand=None
    )
    full = configure(plain, columns)
    domain = []
    if spec.estimand is not None:
        domain = [d for d in spec.estimand.domain if d in full.keys]
    if full.variance == "taylor" and (spec.estimand is None or spec.estimand.den is not None):
        raise OptionError(
            "calibration=: the Taylor variance of a calibrated census pass is offered for "
            "totals (migrant_stock); use replicate weights or variance='none' for this "
            "indicator"
        )
    return _Setup(plain, wanted, configure(design_spec, columns), full, domain)


def _norm(name: str, value: Any) -> Hashable:
    """A label as the pass's table has it (text countries and statuses, integer years)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    if name == "time_period":
        return int(value)
    if name in ("ref_area", "migratory_status"):
        return str(value)
    out: Hashable = value.item() if hasattr(value, "item") else value
    return out


def _labels(keys: pd.DataFrame, names: Sequence[str]) -> list[Label]:
    cols = [[_norm(n, v) for v in keys[n].tolist()] for n in names]
    return list(zip(*cols, strict=True)) if cols else [() for _ in range(len(keys))]


# ---------------------------------------------------------------------------------------------
# One chunk


@dataclasses.dataclass
class _Rows:
    """A chunk's design rows with what both passes need of them."""

    design: pd.DataFrame  # rows of the design (positions in the chunk as index)
    weight: np.ndarray
    reps: np.ndarray  # rows x replicates
    cell: list[Label]  # distinct calibration cells
    cell_code: np.ndarray  # per design row, index into cell (-1: a variable missing)
    strata: list[Label]
    stratum_code: np.ndarray
    kept_pos: np.ndarray  # positions among the design rows of the rows kept in the table
    dom: list[Label]
    dom_code: np.ndarray  # per kept row
    adds: np.ndarray  # per kept row: adds to the estimand
    missing: dict[str, int]
    missing_age: int


def _chunk_rows(raw: pd.DataFrame, setup: _Setup, need_domains: bool) -> _Rows:
    """The design rows of a chunk (standard names, index reset), their calibration cells and
    strata, and (with *need_domains*) the domains of the rows kept in the table."""
    spec = setup.spec
    design = validate_and_exclude(raw, setup.design, RowLedger())
    w = design["weight"].to_numpy(dtype=np.float64)
    reps = np.column_stack(
        [design[c].to_numpy(dtype=np.float64) for c in spec.replicate_weights]
        or [np.zeros((len(design), 0))]
    )
    # Calibration cells of the design's rows.
    columns: list[np.ndarray] = []
    uniques: list[np.ndarray] = []
    missing: dict[str, int] = {}
    missing_age = 0
    bad = np.zeros(len(design), dtype=bool)
    for col in setup.wanted:
        if col == "age_group" and "age" in design.columns:
            age = design["age"].to_numpy(dtype="float64", na_value=np.nan)
            missing_age += int(np.isnan(age).sum())
            edges = age_group_edges(spec.age_width, spec.age_top)
            found, distinct = codes(pd.Series(assign_age_groups(age, edges), copy=False))
        else:
            found, distinct = codes(design[col])
        lost = found < 0
        derived = col == "age_group" and "age" in design.columns
        if lost.any() and not derived:
            missing[col] = missing.get(col, 0) + int(lost.sum())
        bad |= lost
        columns.append(found)
        uniques.append(np.asarray(distinct, dtype=object))
    frame = pd.DataFrame({f"c{i}": c for i, c in enumerate(columns)})
    code, keys = group_codes(frame, list(frame.columns))
    cells = [
        tuple(uniques[i][k] if k >= 0 else None for i, k in enumerate(row))
        for row in keys.itertuples(index=False, name=None)
    ]
    cells = [tuple(_norm("", v) for v in cell) for cell in cells]
    code = np.where(bad, -1, code)
    strata_cols = ["ref_area", "time_period"] + (["strata"] if "strata" in design else [])
    s_code, s_keys = group_codes(design, strata_cols)
    strata = _labels(s_keys, strata_cols)
    if len(strata_cols) == 2:
        strata = [(*s, 0) for s in strata]
    kept_pos = np.zeros(0, dtype=np.intp)
    dom: list[Label] = []
    dom_code = adds = np.zeros(0, dtype=np.intp)
    if need_domains:
        kept = exclude_rows(design, setup.full, RowLedger())
        if len(kept) == len(design):
            kept_pos = np.arange(len(design))
        else:  # the design's rows are positions in the chunk (its index was reset)
            where = np.zeros(len(raw), dtype=np.intp)
            where[design.index.to_numpy()] = np.arange(len(design))
            kept_pos = where[kept.index.to_numpy()]
        if len(kept):
            raw_k = raw_keys(kept, setup.full)
            tab = tabulate_cells(raw_k, {W: w[kept_pos]}, len(kept), rows=True)
            assert tab.row_code is not None and tab.code_cell is not None
            keys_k, _ = cell_keys(setup.full, raw_k, tab.digits, tab.counts)
            labelled = cell_frame(keys_k)
            dom_cell, dom_keys = group_codes(labelled, setup.domain)
            assert spec.estimand is not None
            num_cell = np.asarray(spec.estimand.num(labelled), dtype=bool)
            row_cell = tab.code_cell[tab.row_code]
            dom = _labels(dom_keys, setup.domain)
            dom_code = dom_cell[row_cell]
            adds = num_cell[row_cell]
    return _Rows(
        design, w, reps, cells, code, strata, s_code, kept_pos, dom, dom_code, adds,
        missing, missing_age,
    )  # fmt: skip


def _present(codes: np.ndarray, size: int) -> list[int]:
    """The distinct values of *codes* (integers in ``[0, size)``), ascending.

    A count per value is one linear pass where the range is not much larger than the
    chunk; ``np.unique`` hashes or sorts (a tenth of pass 1 on 2-million-row chunks).
    """
    if size <= 4 * len(codes) + 1024:
        found = np.flatnonzero(np.bincount(codes, minlength=size))
    else:
        found = np.unique(codes)
    return [int(v) for v in found]


def _tally_chunk(raw: pd.DataFrame, setup: _Setup, tally: _Tally) -> None:
    """Pass 1 on one chunk (standard names, index reset)."""
    if not len(raw):
        return
    rows = _chunk_rows(raw, setup, need_domains=setup.taylor)
    tally.rows += len(raw)
    for col, n in rows.missing.items():
        tally.missing[col] = tally.missing.get(col, 0) + n
    tally.missing_age += rows.missing_age
    ok = rows.cell_code >= 0
    code = rows.cell_code[ok]
    w = rows.weight[ok]
    ncell = len(rows.cell)
    values = np.column_stack(
        [
            np.bincount(code, minlength=ncell).astype(np.float64),
            np.bincount(code, weights=(w == 0).astype(np.float64), minlength=ncell),
            np.bincount(code, weights=w, minlength=ncell),
            *[
                np.bincount(code, weights=rows.reps[ok, r], minlength=ncell)
                for r in range(rows.reps.shape[1])
            ],
        ]
    )
    present = values[:, 0] > 0
    tally.cells.add([c for c, p in zip(rows.cell, present, strict=True) if p], values[present])
    tally.strata.update(rows.strata[i] for i in _present(rows.stratum_code, len(rows.strata)))
    if not setup.taylor or not len(rows.kept_pos):
        return
    pos = rows.kept_pos
    stratum = rows.stratum_code[pos]
    ndom = max(len(rows.dom), 1)
    pairs = _present(
        rows.dom_code.astype(np.int64) * len(rows.strata) + stratum, ndom * len(rows.strata)
    )
    tally.presence.update(
        (rows.dom[p // len(rows.strata)], rows.strata[p % len(rows.strata)]) for p in pairs
    )
    cell = rows.cell_code[pos]
    sel = rows.adds & (cell >= 0)
    key = cell[sel].astype(np.int64) * ndom + rows.dom_code[sel]
    found, distinct = pd.factorize(key)
    wk = rows.weight[pos][sel]
    sums = np.column_stack(
        [
            np.bincount(found, weights=wk, minlength=len(distinct)),
            np.bincount(found, weights=(wk > 0).astype(np.float64), minlength=len(distinct)),
        ]
    )
    labels = [(rows.cell[k // ndom], rows.dom[k % ndom]) for k in np.asarray(distinct).tolist()]
    tally.cell_dom.add(labels, sums)


# ---------------------------------------------------------------------------------------------
# Between the passes: the calibration on the cells, the residual coefficients


@dataclasses.dataclass
class _Plan:
    """What pass 2 needs: g-factors and residual coefficients per cell, fixed ids."""

    cell_ids: dict[Label, int]
    g: np.ndarray  # per cell
    g_reps: np.ndarray  # cells x replicates
    strata_ids: dict[Label, int]
    dom_ids: dict[Label, int]
    coef: np.ndarray | None  # (3 cells) x domains: weight, zero-weight rows, other rows
    zero_rows: np.ndarray  # per cell: its rows of weight 0 have a coefficient
    count_rows: np.ndarray  # per cell: its rows of weight > 0 have a count coefficient


def _missing_error(steps: Sequence[CalibrationStep], tally: _Tally, wanted: list[str]) -> None:
    """The errors the in-memory pass gives for missing calibration variables."""
    if tally.missing_age and "age_group" in wanted:
        raise InputValidationError(
            f"census: calibration on age_group needs every person's age; {tally.missing_age} "
            "row(s) have none. Impute or drop them before the pass (R's postStratify and "
            "calibrate cannot place them either)",
            input_kind="census",
        )
    for step in steps:
        for margin in step.margins:
            for col in margin.columns:
                n = tally.missing.get(col, 0)
                if n:
                    raise CalibrationError(
                        f"census margin {margin.name}: {n} row(s) with a missing {col!r}; "
                        "a calibration variable cannot be missing"
                    )


def _plan(spec: CensusPass, setup: _Setup, tally: _Tally) -> _Plan:
    steps = spec.calibration
    _missing_error(steps, tally, setup.wanted)
    cells, values = tally.cells.table()
    if not cells:
        raise InputValidationError(
            "census: no row enters the calibration (every row lacks a known country or a weight)",
            input_kind="census",
        )
    n, n0, w = values[:, 0], values[:, 1], values[:, 2]
    reps = values[:, 3:] if tally.nreps else None
    work = pd.DataFrame(
        {col: np.asarray([c[i] for c in cells], dtype=object) for i, col in enumerate(setup.wanted)}
    )
    new_w, new_reps, state = apply_calibration(work, steps, w, reps, label="census")
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(w != 0, new_w / np.where(w != 0, w, 1.0), 0.0)
        g_reps = np.zeros((len(cells), 0))
        if reps is not None and new_reps is not None:
            g_reps = np.where(reps != 0, new_reps / np.where(reps != 0, reps, 1.0), 0.0)
    strata_ids = {s: i for i, s in enumerate(sorted(tally.strata, key=repr))}
    dom_labels = sorted({d for d, _ in tally.presence}, key=repr)
    dom_ids = {d: i for i, d in enumerate(dom_labels)}
    cell_ids = {c: i for i, c in enumerate(cells)}
    coef = None
    ncell = len(cells)
    zero_rows = np.zeros(ncell, dtype=bool)
    count_rows = np.zeros(ncell, dtype=bool)
    if setup.taylor:
        t = np.zeros((ncell, len(dom_ids)))
        cnt = np.zeros((ncell, len(dom_ids)))
        pairs, sums = tally.cell_dom.table()
        if pairs:
            # (the keys of this table are (cell, domain) pairs of labels)
            ci = np.array([cell_ids[cast(Label, c)] for c, _ in pairs], dtype=np.intp)
            di = np.array([dom_ids[cast(Label, d)] for _, d in pairs], dtype=np.intp)
            t[ci, di] = sums[:, 0]
            cnt[ci, di] = sums[:, 1]
        s = g[:, None] * t  # per cell, the scores (calibrated weights) of each domain
        u = g[:, None] * cnt  # and the scores over the input weights
        coef = _residual_coefficients(state, w, n, n0, s, u)
        zero_rows = np.any(coef[ncell : 2 * ncell] != 0, axis=1)
        count_rows = np.any(coef[2 * ncell :] != 0, axis=1)
    return _Plan(cell_ids, g, g_reps, strata_ids, dom_ids, coef, zero_rows, count_rows)


def _residual_coefficients(
    state: CalibrationState,
    w: np.ndarray,
    n: np.ndarray,
    n0: np.ndarray,
    s: np.ndarray,
    u: np.ndarray,
) -> np.ndarray:
    """Per cell, the coefficients of a row's calibration residual.

    The residual of row *i* of cell *c* is ``x_i - w_i a_c - q_c`` for an input weight
    ``w_i > 0`` and ``-b_c`` for ``w_i = 0`` (its score ``x_i`` is then 0), where *x* are the
    scores (calibrated weights of the rows that add to a domain). The steps' residual
    operators (:class:`~migindicators.engine.calibration.CalibrationState`, here over the
    cells: their weights are the cells' sums) are applied to that form: each needs only the
    cell sums of the current residuals, ``s - w a - n0 b - n+ q`` (and, for raking, of the
    residuals over the step's weights, ``(u - n+ a) / G``). ``q`` is non-zero only in a cell
    whose weights a step set to zero, where every row is treated as a row of weight zero
    (R's ``psw[psw == 0 & oldw == 0] <- 1``). Returns ``a``, ``b``, ``q`` stacked
    ((3 cells) x domains).
    """
    ncell, ndom = s.shape
    npos = n - n0
    a = np.zeros((ncell, ndom))
    b = np.zeros((ncell, ndom))
    q = np.zeros((ncell, ndom))
    with np.errstate(divide="ignore", invalid="ignore"):
        for op in state.ops:
            if op.kind == "greg":
                assert op.mm is not None and op.oldw is not None
                gw, oldw = op.psw[0], op.oldw
                live = gw != 0
                e = s - w[:, None] * a - npos[:, None] * q
                sbar = np.where(live[:, None], e / np.where(live, gw, 1.0)[:, None], 0.0)
                whalf = np.sqrt(oldw)
                coef, *_ = np.linalg.lstsq(
                    op.mm * whalf[:, None], sbar * whalf[:, None], rcond=None
                )
                fitted = op.mm @ coef
                scale = np.where(w != 0, gw / np.where(w != 0, w, 1.0), 0.0)
                a = np.where(live[:, None], a + scale[:, None] * fitted, 0.0)
                q = np.where(live[:, None], q, 0.0)
                b = np.zeros_like(b)
            elif op.kind == "poststratify":
                assert op.oldw is not None
                codes, psw, oldw = op.codes[0], op.psw[0], op.oldw
                alive = oldw != 0
                e = s - w[:, None] * a - npos[:, None] * q
                ratio = np.where(alive[:, None], e * (oldw / np.where(alive, psw, 1.0))[:, None], 0)
                k = int(codes.max()) + 1
                sums = np.stack([np.bincount(codes, ratio[:, j], k) for j in range(ndom)], 1)
                means = (sums / np.bincount(codes, oldw, k)[:, None])[codes]
                scale = np.where(w != 0, psw / np.where(w != 0, w, 1.0), 0.0)
                a = a + scale[:, None] * means
                b = b + means
                q = np.where(alive[:, None], q, q + means)
            else:
                for _ in range(_RAKE_SWEEPS):
                    for codes, psw in zip(op.codes, op.psw, strict=True):
                        k = int(codes.max()) + 1
                        gm = np.where(w != 0, psw / np.where(w != 0, w, 1.0), 0.0)
                        # Rows of weight zero (or zeroed): 0/0 as in the rows' sweep.
                        dead = (n0 > 0) | (gm == 0) | np.any(q != 0, axis=1)
                        xs = np.where(dead[:, None], np.nan, (u - npos[:, None] * a) / gm[:, None])
                        means = (
                            np.stack([np.bincount(codes, xs[:, j], k) for j in range(ndom)], 1)
                            / np.bincount(codes, n, k)[:, None]
                        )[codes]
                        a = a + gm[:, None] * means
    return np.concatenate([a, b, q])


# ---------------------------------------------------------------------------------------------
# Pass 2


def _changed(what: str) -> InputValidationError:
    return InputValidationError(
        f"census: the second pass over the input met {what} the first pass did not see; "
        "the input must give the same rows each time it is read (an iterable yielding "
        "other chunks on a second iteration cannot be calibrated: pass a one-shot "
        "iterator, which is kept on disk between the passes)",
        input_kind="census",
    )


def _ids(known: dict[Label, int], labels: list[Label], what: str) -> np.ndarray:
    """The pass-1 ids of *labels* (an error if the input changed between the passes)."""
    try:
        return np.array([known[label] for label in labels], dtype=np.int64)
    except KeyError:
        raise _changed(what) from None


def _weighted_chunk(raw: pd.DataFrame, rows: _Rows, plan: _Plan, spec: CensusPass) -> np.ndarray:
    """The chunk with calibrated weights (in place of a copy); returns the design rows' cells."""
    lookup = np.array([plan.cell_ids.get(c, -1) for c in rows.cell], dtype=np.intp)
    cell = lookup[rows.cell_code] if len(lookup) else np.zeros(0, np.intp)
    if len(cell) and (cell.min() < 0 or rows.cell_code.min() < 0):
        raise _changed("calibration cells")
    pos = rows.design.index.to_numpy()
    weight = raw["weight"].to_numpy(dtype=np.float64, copy=True)
    weight[pos] = rows.weight * plan.g[cell]
    raw["weight"] = weight
    for j, col in enumerate(spec.replicate_weights):
        values = raw[col].to_numpy(dtype=np.float64, copy=True)
        values[pos] = rows.reps[:, j] * plan.g_reps[cell, j]
        raw[col] = values
    return cell


def _records(rows: _Rows, cell: np.ndarray, plan: _Plan, first_psu: int) -> Records:
    """Residual records of a chunk's design rows (see :class:`_ResidualStore`)."""
    design = rows.design
    ncell = len(plan.g)
    sid = _ids(plan.strata_ids, rows.strata, "strata").astype(np.int32)
    stratum = sid[rows.stratum_code]
    if "household" in design.columns:
        psu = psu_ids(design["household"])
    else:  # every person is a PSU: a number unique in the pass
        psu = np.arange(first_psu, first_psu + len(design), dtype=np.int64)
    w = rows.weight
    zero = w == 0
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    # Every design row: its input weight by cell (a row of weight 0: a count).
    parts.append((np.arange(len(design)), np.where(zero, ncell + cell, cell), np.where(zero, 1, w)))
    extra = ~zero & plan.count_rows[cell]
    if extra.any():
        parts.append((np.flatnonzero(extra), 2 * ncell + cell[extra], np.ones(int(extra.sum()))))
    if len(rows.kept_pos):
        did = _ids(plan.dom_ids, rows.dom, "table cells")
        sel = rows.adds
        pos = rows.kept_pos[sel]
        x = w[pos] * plan.g[cell[pos]]
        parts.append((pos, -1 - did[rows.dom_code[sel]], x))
    at = np.concatenate([p[0] for p in parts])
    return {
        "stratum": stratum[at],
        "psu": psu[at],
        "key": np.concatenate([p[1] for p in parts]).astype(np.int32),
        "value": np.concatenate([p[2] for p in parts]).astype(np.float64),
    }


class _ResidualStore:
    """Residual records of a pass, partitioned by household, spilled to disk beyond a budget.

    A record is ``(stratum, psu, key, value)``: ``key < 0`` a score ``x`` of domain
    ``-1 - key``; ``0 <= key < 3C`` the input weight of the PSU's rows of cell ``key``
    (``C <= key < 2C``: its rows of weight zero, counted; ``2C <= key``: its rows of
    weight > 0, counted). A PSU's residual total in a domain is its scores minus its
    cell sums times the cells' coefficients (:func:`_residual_coefficients`).
    """

    def __init__(self) -> None:
        self.budget = spill_budget()
        self.parts: list[Records] = []
        self.bytes = 0
        self.dir: Path | None = None

    def add(self, records: Records) -> None:
        self.parts.append(records)
        self.bytes += sum(v.nbytes for v in records.values())
        if self.bytes > self.budget:
            self._spill()

    def _by_partition(self) -> tuple[Records, np.ndarray]:
        """The records in memory ordered by partition, and each partition's bounds."""
        records = {
            name: np.concatenate([part[name] for part in self.parts])
            if self.parts
            else np.zeros(0, dtype)
            for name, dtype in _FIELDS.items()
        }
        self.parts, self.bytes = [], 0
        partition = _partition(records["psu"])
        order = np.argsort(partition, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(partition, minlength=PARTITIONS))])
        return {name: values[order] for name, values in records.items()}, bounds

    def _spill(self) -> None:
        if not self.parts:
            return
        if self.dir is None:
            self.dir = Path(
                tempfile.mkdtemp(
                    prefix="migindicators-calres-", dir=os.environ.get("MIGINDICATORS_TMPDIR")
                )
            )
        records, bounds = self._by_partition()
        for p in range(PARTITIONS):
            if bounds[p + 1] > bounds[p]:
                for name, values in records.items():
                    with open(self.dir / f"{name}{p}.bin", "ab") as fh:
                        values[bounds[p] : bounds[p + 1]].tofile(fh)

    def partitions(self) -> Iterator[Records]:
        """The records one partition (whole households) at a time."""
        if self.dir is None:  # in memory: partitioned here
            records, bounds = self._by_partition()
            for p in range(PARTITIONS):
                yield {name: v[bounds[p] : bounds[p + 1]] for name, v in records.items()}
            return
        self._spill()
        for p in range(PARTITIONS):
            yield {
                name: np.fromfile(path, dtype=dtype)
                if (path := self.dir / f"{name}{p}.bin").exists()
                else np.zeros(0, dtype)
                for name, dtype in _FIELDS.items()
            }

    def close(self) -> None:
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None
        self.parts = []


def _variance(
    store: _ResidualStore, plan: _Plan, tally: _Tally, domain: list[str]
) -> tuple[tuple[pd.DataFrame, set[tuple[Any, ...]]], pd.DataFrame]:
    """Variance per domain from the household residual totals, and the lonely domains; and
    the PSUs counted per stratum (``ref_area``, ``time_period``, ``_stratum``, ``n_psu``:
    the design degrees of freedom, as the in-memory pass reports them)."""
    from scipy import sparse

    assert plan.coef is not None
    nstrata, ndom = len(plan.strata_ids), len(plan.dom_ids)
    ncoef = plan.coef.shape[0]
    s1 = np.zeros((nstrata, ndom))
    s2 = np.zeros((nstrata, ndom))
    n_h = np.zeros(nstrata, dtype=np.int64)
    for records in store.partitions():
        if not len(records["psu"]):
            continue
        psu = records["psu"]
        lo, hi = int(psu.min()), int(psu.max())
        if not (lo >= 0 and hi < (1 << 62) // max(nstrata, 1)):  # hashed ids: renumbered
            psu = pd.factorize(psu)[0].astype(np.int64)
        p, _ = pd.factorize(psu * nstrata + records["stratum"])
        npsu = int(p.max()) + 1
        psu_stratum = np.zeros(npsu, dtype=np.intp)
        psu_stratum[p] = records["stratum"]
        n_h += np.bincount(psu_stratum, minlength=nstrata)
        key, value = records["key"], records["value"]
        score = key < 0
        x = sparse.csr_matrix(
            (value[score], (p[score], -1 - key[score])), shape=(npsu, max(ndom, 1))
        )
        v = sparse.csr_matrix((value[~score], (p[~score], key[~score])), shape=(npsu, ncoef))
        h = sparse.csr_matrix(
            (np.ones(npsu), (psu_stratum, np.arange(npsu))), shape=(nstrata, npsu)
        )
        block = max(1, _BLOCK_VALUES // npsu)
        for lo in range(0, ndom, block):
            hi = min(ndom, lo + block)
            z = x[:, lo:hi].toarray() - v @ plan.coef[:, lo:hi]
            s1[:, lo:hi] += h @ z
            s2[:, lo:hi] += h @ (z * z)
    nf = n_h.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(nf > 1, nf / (nf - 1), 0.0)
        centred = s2 - np.where(nf[:, None] > 0, s1 * s1 / nf[:, None], 0.0)
    variance = np.sum(scale[:, None] * centred, axis=0)
    labels = sorted(plan.dom_ids, key=plan.dom_ids.__getitem__)
    out = pd.DataFrame({name: [lab[j] for lab in labels] for j, name in enumerate(domain)}).assign(
        var=variance
    )
    if "time_period" in out.columns:
        out["time_period"] = out["time_period"].astype("int64")
    if "ref_area" in out.columns:
        out["ref_area"] = out["ref_area"].astype(str)
    lonely = {d for d, s in tally.presence if n_h[plan.strata_ids[s]] == 1}
    strata = sorted(plan.strata_ids, key=plan.strata_ids.__getitem__)
    return (out, lonely), psu_table(strata, n_h)


# ---------------------------------------------------------------------------------------------
# The sources and the two passes


def run_calibrated_streamed(census: Any, spec: CensusPass) -> CensusTotals:
    """The calibrated pass of *spec* over a file, an iterable of chunks or a Dask DataFrame."""
    check_streamable(spec.calibration)
    mapping = resolve_mapping(spec.mapping)
    if type(census).__module__.startswith("dask"):
        return _run_dask(census, spec, mapping)
    with _Replay(census, spec, mapping) as source:
        state: dict[str, Any] = {}
        for raw in progress_bar(source.chunks(), enabled=spec.progress):
            if "setup" not in state:
                state["setup"] = _setup(spec, list(raw.columns))
                state["tally"] = _Tally(len(spec.replicate_weights))
            _tally_chunk(raw, state["setup"], state["tally"])
        if "setup" not in state:
            raise InputValidationError("census: the input has no rows", input_kind="census")
        setup, tally = state["setup"], state["tally"]
        plan = _plan(spec, setup, tally)
        acc = Accumulator(_ordinary_spec(setup))
        store = _ResidualStore()
        try:
            first = 0
            for raw in progress_bar(source.chunks(), enabled=spec.progress):
                first += _pass2_chunk(raw, setup, plan, acc, store, first)
            totals = acc.finish()
            return _finish(totals, spec, setup, plan, tally, store)
        finally:
            acc.close()
            store.close()


def _ordinary_spec(setup: _Setup) -> CensusPass:
    """The ordinary pass on the calibrated weights: the variance decided, no PSU moments."""
    return dataclasses.replace(setup.spec, variance=setup.full.variance, estimand=None)


def _pass2_chunk(
    raw: pd.DataFrame,
    setup: _Setup,
    plan: _Plan,
    acc: Accumulator,
    store: _ResidualStore | list[Records],
    first_psu: int,
) -> int:
    """Pass 2 on one chunk: the ordinary pass on calibrated weights, the residual records;
    returns the chunk's design rows."""
    if not len(raw):
        return 0
    rows = _chunk_rows(raw, setup, need_domains=setup.taylor)
    cell = _weighted_chunk(raw, rows, plan, setup.spec)
    acc.add(raw)
    if setup.taylor and len(rows.design):
        records = _records(rows, cell, plan, first_psu)
        if isinstance(store, list):
            store.append(records)
        else:
            store.add(records)
    return len(rows.design)


def _finish(
    totals: CensusTotals,
    spec: CensusPass,
    setup: _Setup,
    plan: _Plan,
    tally: _Tally,
    store: _ResidualStore,
) -> CensusTotals:
    totals.notes["calibration"] = [step.describe() for step in spec.calibration]
    if setup.taylor:
        totals.calibrated, totals.psus = _variance(store, plan, tally, setup.domain)
    return totals


class _Replay:
    """The standardised chunks of a file or an iterable, twice (a one-shot iterator is
    kept on disk, pickled chunk by chunk, between the passes)."""

    def __init__(self, census: Any, spec: CensusPass, mapping: VariableMapping | None) -> None:
        self.census = census
        self.spec = spec
        self.mapping = mapping
        self.spool: Path | None = None
        self.passes = 0
        if isinstance(census, (str, Path)):
            self.kind = "file"
        elif isinstance(census, Iterable) and not isinstance(census, pd.DataFrame):
            self.kind = "once" if iter(census) is census else "iterable"
        else:
            raise InputValidationError(
                "census must be a pandas DataFrame, an iterable of DataFrames, a file path or "
                f"a Dask DataFrame; got {type(census).__name__}",
                input_kind="census",
            )

    def __enter__(self) -> _Replay:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.spool is not None:
            shutil.rmtree(self.spool.parent, ignore_errors=True)

    def _columns(self, have: list[str]) -> list[str]:
        wanted = [c for step in self.spec.calibration for c in step.columns]
        extra = [*wanted, *(["age", "age_group"] if "age_group" in wanted else [])]
        cols = source_columns(have, self.spec, self.mapping)
        cols += self.mapping.source_for(extra, have) if self.mapping is not None else extra
        cols += wanted  # calibration columns that are no standard column keep their names
        return [c for c in dict.fromkeys(cols) if c in have]

    def _standard(self, raw: pd.DataFrame) -> pd.DataFrame:
        frame = standardise(raw, self.mapping)
        wanted = [c for step in self.spec.calibration for c in step.columns]
        for col in wanted:  # calibration columns that are not standard census columns
            if col not in frame.columns and col in raw.columns:
                frame[col] = raw[col].to_numpy()
        return frame.reset_index(drop=True)

    def _raw(self) -> Iterator[pd.DataFrame]:
        if self.kind == "file":
            have = available_columns(self.census, ddi=self.spec.ddi)
            yield from prefetch(
                iter_chunks(
                    self.census,
                    columns=self._columns(have),
                    chunk_rows=self.spec.chunk_rows,
                    ddi=self.spec.ddi,
                    categorical=categorical_sources(self.mapping),
                )
            )
            return
        for raw in self.census:
            chunk = pandas_chunk(raw)
            yield chunk[self._columns(list(chunk.columns))]

    def chunks(self) -> Iterator[pd.DataFrame]:
        self.passes += 1
        if self.kind == "once" and self.passes == 2:
            yield from self._unspool()
            return
        spool = None
        if self.kind == "once":
            folder = Path(
                tempfile.mkdtemp(
                    prefix="migindicators-chunks-", dir=os.environ.get("MIGINDICATORS_TMPDIR")
                )
            )
            self.spool = folder / "chunks.pkl"
            spool = open(self.spool, "wb")  # noqa: SIM115 (closed below)
        try:
            for raw in self._raw():
                if spool is not None:
                    pickle.dump(raw, spool, protocol=pickle.HIGHEST_PROTOCOL)
                yield self._standard(raw)
        finally:
            if spool is not None:
                spool.close()

    def _unspool(self) -> Iterator[pd.DataFrame]:
        assert self.spool is not None
        with open(self.spool, "rb") as fh:
            while True:
                try:
                    raw = pickle.load(fh)  # our own file, written in pass 1
                except EOFError:
                    return
                yield self._standard(raw)


def _run_dask(ddf: Any, spec: CensusPass, mapping: VariableMapping | None) -> CensusTotals:
    """Both passes on the Dask partitions where they lie, their results reduced on the client."""
    from dask.base import compute
    from dask.delayed import delayed

    replay = _Replay([], spec, mapping)
    cols = replay._columns(list(ddf.columns))
    parts = ddf[cols].to_delayed()
    if not parts:
        raise InputValidationError(
            "census: the Dask DataFrame has no partitions", input_kind="census"
        )
    columns = list(replay._standard(ddf._meta[cols]).columns)
    setup = _setup(spec, columns)

    def tally_part(part: pd.DataFrame) -> _Tally:
        tally = _Tally(len(spec.replicate_weights))
        _tally_chunk(replay._standard(part), setup, tally)
        return tally

    tally = _Tally(len(spec.replicate_weights))
    for start in range(0, len(parts), DASK_BATCH):
        batch = [delayed(tally_part)(p) for p in parts[start : start + DASK_BATCH]]
        for one in compute(*batch):  # type: ignore[no-untyped-call]
            tally.merge(one)
    plan = _plan(spec, setup, tally)
    ordinary = _ordinary_spec(setup)

    def pass2_part(part: pd.DataFrame, k: int) -> tuple[Accumulator, list[Records]]:
        acc = Accumulator(ordinary, budget=2**62)
        records: list[Records] = []
        _pass2_chunk(replay._standard(part), setup, plan, acc, records, k << 40)
        return acc, records

    merged = Accumulator(ordinary)
    store = _ResidualStore()
    try:
        for start in range(0, len(parts), DASK_BATCH):
            batch = [
                delayed(pass2_part)(p, start + i)
                for i, p in enumerate(parts[start : start + DASK_BATCH])
            ]
            for acc, records in compute(*batch):  # type: ignore[no-untyped-call]
                merged.absorb(acc)
                for r in records:
                    store.add(r)
        return _finish(merged.finish(), spec, setup, plan, tally, store)
    finally:
        merged.close()
        store.close()
