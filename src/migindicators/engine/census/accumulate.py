"""Stage 4 of the census pass: accumulate additive cell totals and Taylor PSU records.

An :class:`Accumulator` takes the chunks of one thread (or one Dask partition) in turn:
each is validated and its exclusions recorded (:mod:`.validate`), tabulated by its raw
codes and the keys derived on the cells (:mod:`.keys`), and its table appended to partial
tables that :func:`~migindicators.engine.tabulate.combine` sums. For Taylor variance the
rows that add to the estimand hand their PSU records to a
:class:`~migindicators.engine.census.psu.PsuStore`, which needs no order of the rows.
Accumulators of several threads :meth:`~Accumulator.merge`; one from another process
(a Dask partition) is :meth:`~Accumulator.absorb`-ed, its domain and stratum ids renumbered.
:meth:`~Accumulator.finish` gives the :class:`~migindicators.engine.census.spec.CensusTotals`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError
from migindicators.core.ledger import RowLedger
from migindicators.engine.tabulate import combine

from .keys import Cells, Key, cell_frame, cell_keys, codes, raw_keys, tabulate_cells
from .psu import PsuMoments, PsuStore, Registry, collapse_runs, psu_ids
from .spec import INPUT, CensusPass, CensusTotals, W, psu_table
from .validate import Config, configure, validate_and_exclude

__all__ = ["Accumulator", "Registries"]

#: Partial tables kept before they are combined into one.
_COMBINE_EVERY = 32


class Registries:
    """The domain and stratum ids of one process, shared by its threads."""

    def __init__(self) -> None:
        self.domains = Registry()
        self.strata = Registry()


class Accumulator:
    """Partial tables, ledger and PSU records of the chunks one worker has seen.

    Parameters
    ----------
    spec : CensusPass
        The pass.
    registries : Registries, optional
        Ids shared with the other threads of the process (a new set by default).
    budget : int, optional
        Bytes of PSU records kept in memory before spilling to disk (see
        :func:`~migindicators.engine.census.psu.spill_budget`).
    """

    def __init__(
        self, spec: CensusPass, registries: Registries | None = None, budget: int | None = None
    ) -> None:
        self.spec = spec
        self.registries = registries or Registries()
        self.budget = budget
        self.ledger = RowLedger()
        self.ledger.given(INPUT, 0)
        self.config: Config | None = None
        self.tables: list[pd.DataFrame] = []
        self.store: PsuStore | None = None
        self.notes: dict[str, Any] = {}

    # ---- one chunk ------------------------------------------------------------------
    def add(self, raw: pd.DataFrame) -> None:
        """Validate, exclude, tabulate and accumulate one chunk (standard column names)."""
        if self.config is None:
            self.config = configure(self.spec, list(raw.columns))
        config = self.config
        frame = validate_and_exclude(raw, config, self.ledger)
        if not len(frame):
            return
        raw_k = raw_keys(frame, config)
        data: dict[str, np.ndarray] = {}
        if config.weighted:
            data[W] = frame["weight"].to_numpy(dtype="float64")
        for rep in self.spec.replicate_weights:
            data[rep] = frame[rep].to_numpy(dtype="float64")
        cells = tabulate_cells(raw_k, data, len(frame), rows=config.taylor)
        if not config.weighted:
            cells.sums[W] = cells.counts.astype(np.float64)
        keys, bad = cell_keys(config, raw_k, cells.digits, cells.counts)
        if bad:
            invalid = self.notes.setdefault("invalid_codes", {})
            for code, count in bad.items():
                invalid[code] = invalid.get(code, 0) + count
        self.tables.append(self._table(keys, cells.counts, cells.sums))
        if len(self.tables) >= _COMBINE_EVERY:
            self.tables = [combine(self.tables, list(config.keys))]
        if config.taylor:
            assert cells.row_code is not None and cells.code_cell is not None
            self._add_psu_records(frame, raw_k, keys, cells, data[W])

    def _table(
        self, keys: list[Key], counts: np.ndarray, sums: dict[str, np.ndarray]
    ) -> pd.DataFrame:
        """The chunk's table: cells that share their keys summed (a second, tiny tabulation)."""
        assert self.config is not None
        weights = (W, *self.spec.replicate_weights)
        final: dict[str, np.ndarray] = {"n": counts.astype(np.float64)}
        final |= {w: sums[w] for w in weights}
        summed = tabulate_cells(keys, final, len(counts))
        # Labels stay Python objects until finish(): inferring a string dtype for every
        # chunk's table cost a millisecond per chunk.
        out = pd.DataFrame(
            {
                key: np.asarray(labels, dtype=object)[digit]
                for (key, _, labels), digit in zip(keys, summed.digits, strict=True)
            },
            index=pd.RangeIndex(len(summed.counts)),
            dtype=object,
        )
        out["n"] = np.rint(summed.sums["n"]).astype(np.int64)
        for w in weights:
            out[w] = summed.sums[w]
        out.attrs["tabulate_by"] = list(self.config.keys)
        return out

    def _add_psu_records(
        self,
        frame: pd.DataFrame,
        raw: list[Key],
        keys: list[Key],
        cells: Cells,
        weight: np.ndarray,
    ) -> None:
        """Hand the chunk's PSU records to the store (see :mod:`.psu`).

        The estimand's masks and domains are evaluated on the raw cells (a few thousand)
        and reach the rows through their cell; only rows that add to the numerator or the
        denominator make moment records, every row a design record.
        """
        assert self.config is not None and self.spec.estimand is not None
        est = self.spec.estimand
        assert cells.row_code is not None and cells.code_cell is not None
        labelled = cell_frame(keys)
        # Per cell code (the rows' codes index these directly).
        at = cells.code_cell
        num = np.asarray(est.num(labelled), dtype=bool)[at]
        den = None if est.den is None else np.asarray(est.den(labelled), dtype=bool)[at]
        adds = num | den if den is not None else num
        domain = [d for d in est.domain if d in self.config.keys]
        dom_cell = self._domain_ids(keys, domain)[at]
        row_cell = cells.row_code
        rows = np.flatnonzero(adds[row_cell])
        cell = row_cell[rows]
        w = weight[rows]
        num_w = np.where(num[cell], w, 0.0)
        den_w = None if den is None else np.where(den[cell], w, 0.0)
        local, strata_ids = self._strata(frame, raw)
        if self.store is None:
            self.store = PsuStore(ratio=den is not None, budget=self.budget)
        self.store.add_presence(_pairs(dom_cell, row_cell, local, strata_ids))
        stratum = strata_ids[local[rows]]
        if "household" in frame.columns:
            psu = psu_ids(frame["household"])
            design = collapse_runs(local, psu)
            design["stratum"] = strata_ids[design["stratum"]]
            self.store.add(dom_cell[cell], stratum, psu[rows], num_w, den_w, design)
        else:  # every person is a PSU
            self.store.add_singletons(dom_cell[cell], stratum, num_w, den_w, strata_ids[local])

    def _domain_ids(self, keys: list[Key], domain: list[str]) -> np.ndarray:
        """The registry id of every cell's domain (its labels of the *domain* keys)."""
        chosen = [k for k in keys if k[0] in domain]
        ncells = len(keys[0][1]) if keys else 0
        code = np.zeros(ncells, dtype=np.int64)
        for _, found, labels in chosen:
            code = code * max(len(labels), 1) + found
        inverse, distinct = pd.factorize(code)
        first = np.zeros(len(distinct), dtype=np.intp)
        first[inverse[::-1]] = np.arange(ncells - 1, -1, -1)
        tuples = [tuple(labels[found[i]] for _, found, labels in chosen) for i in first.tolist()]
        return self.registries.domains.ids(tuples)[inverse]

    def _strata(self, frame: pd.DataFrame, raw: list[Key]) -> tuple[np.ndarray, np.ndarray]:
        """Every row's stratum (ref_area, time_period, strata) as an index among the chunk's
        strata, and the registry ids of the chunk's strata."""
        (_, area, area_labels), (_, time, time_labels) = raw[0], raw[1]
        if "strata" in frame.columns:
            strata, strata_labels = _int_codes(frame["strata"])
        else:
            strata, strata_labels = (
                np.zeros(len(frame), dtype=np.int32),
                np.array([0], dtype=object),
            )
        ns, nt, na = len(strata_labels), len(time_labels), len(area_labels)
        # One country and year (the usual file): the strata codes are the local index.
        local = strata if na * nt == 1 else (area.astype(np.int64) * nt + time) * ns + strata
        present = np.flatnonzero(np.bincount(local, minlength=na * nt * ns))
        tuples = [
            (area_labels[i // (nt * ns)], time_labels[(i // ns) % nt], strata_labels[i % ns])
            for i in present.tolist()
        ]
        ids = self.registries.strata.ids(tuples)
        if len(present) < na * nt * ns:  # renumber to the observed strata
            compact = np.zeros(na * nt * ns, dtype=np.int32)
            compact[present] = np.arange(len(present))
            local = compact[local]
        return local, ids

    # ---- combination ----------------------------------------------------------------
    def merge(self, other: Accumulator) -> None:
        """Take over the work of another thread of this process (shared registries)."""
        assert other.registries is self.registries
        self._merge_common(other)
        if other.store is not None:
            if self.store is None:
                self.store = PsuStore(ratio=other.store.ratio, budget=self.budget)
            self.store.merge(other.store)

    def absorb(self, other: Accumulator) -> None:
        """Take over the work of another process (a Dask partition): ids renumbered."""
        self._merge_common(other)
        if other.store is not None:
            if self.store is None:
                self.store = PsuStore(ratio=other.store.ratio, budget=self.budget)
            dom_map = self.registries.domains.ids(other.registries.domains.labels)
            stratum_map = self.registries.strata.ids(other.registries.strata.labels)
            self.store.absorb(other.store, dom_map, stratum_map)

    def _merge_common(self, other: Accumulator) -> None:
        self.ledger.merge(other.ledger)
        bad = self.notes.setdefault("invalid_codes", {})
        for code, count in other.notes.get("invalid_codes", {}).items():
            bad[code] = bad.get(code, 0) + count
        if not bad:
            del self.notes["invalid_codes"]
        self.tables += other.tables
        if len(self.tables) >= _COMBINE_EVERY and self.config is not None:
            self.tables = [combine(self.tables, list(self.config.keys))]
        if self.config is None:
            self.config = other.config

    def close(self) -> None:
        """Remove any records spilled to disk (after an error)."""
        if self.store is not None:
            self.store.close()

    # ---- finishing --------------------------------------------------------------------
    def finish(self) -> CensusTotals:
        """The combined tables and, for Taylor variance, the PSU moments and counts."""
        if not self.tables or self.config is None:
            self.close()
            if self.ledger.summary().get("census", {}).get("given", 0) == 0:
                raise InputValidationError("census: the input has no rows", input_kind="census")
            raise InputValidationError(
                "census: every row was excluded (see the exclusions: "
                f"{self.ledger.frame()[['reason', 'rows']].to_dict('records')})",
                input_kind="census",
            )
        config = self.config
        keys = list(config.keys)
        table = combine(self.tables, keys)
        for key in keys:
            if isinstance(table[key].dtype, pd.CategoricalDtype):
                table[key] = table[key].astype(str)
            elif table[key].dtype == object:
                table[key] = pd.Series(table[key].tolist(), index=table.index, name=key)
        table["ref_area"] = table["ref_area"].astype(str)
        table["time_period"] = table["time_period"].astype("int64")
        moments = psus = None
        if config.taylor:
            if self.store is None:
                ratio = self.spec.estimand is not None and self.spec.estimand.den is not None
                self.store = PsuStore(ratio=ratio)
            found = self.store.finish(len(self.registries.strata))
            moments, psus = self._moment_frames(found)
        return CensusTotals(
            table=table,
            ledger=self.ledger,
            basis=config.basis,
            weighted=config.weighted,
            variance=config.variance,
            replicate_weights=self.spec.replicate_weights,
            moments=moments,
            psus=psus,
            notes=self.notes,
        )

    def _moment_frames(self, found: PsuMoments) -> tuple[pd.DataFrame, pd.DataFrame]:
        assert self.config is not None and self.spec.estimand is not None
        domain = [d for d in self.spec.estimand.domain if d in self.config.keys]
        dom_labels = self.registries.domains.labels
        strata_labels = self.registries.strata.labels
        columns: dict[str, Any] = {}
        for j, name in enumerate(domain):
            columns[name] = [dom_labels[i][j] for i in found.dom.tolist()]
        columns["_stratum"] = [strata_labels[i][2] for i in found.stratum.tolist()]
        moments = pd.DataFrame(columns)
        for name in ("_num", "_den", "_num*_num", "_num*_den", "_den*_den"):
            moments[name] = found.sums.get(name, np.zeros(len(moments)))
        if "ref_area" in moments.columns:
            moments["ref_area"] = moments["ref_area"].astype(str)
        if "time_period" in moments.columns:
            moments["time_period"] = moments["time_period"].astype("int64")
        return moments, psu_table(strata_labels, found.n_psu)


def _pairs(
    dom_cell: np.ndarray, row_cell: np.ndarray, stratum: np.ndarray, strata_ids: np.ndarray
) -> np.ndarray:
    """The (domain id, stratum id) pairs the rows fall in, as ``dom << 32 | stratum``.

    Every domain's strata count, not only those where it adds to the estimand: a domain in a
    stratum of one PSU is flagged (lonely PSU) even where its PSU total there is 0.
    """
    dom_local, doms = pd.factorize(dom_cell)
    nstrata = max(len(strata_ids), 1)
    code = dom_local[row_cell].astype(np.int64) * nstrata + stratum
    if len(doms) * nstrata <= 1 << 22:
        present = np.flatnonzero(np.bincount(code, minlength=len(doms) * nstrata))
    else:
        present = pd.unique(code)
    dom = np.asarray(doms, dtype=np.int64)[present // nstrata]
    return dom << 32 | strata_ids[present % nstrata].astype(np.int64)


def _int_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a stratum column: ``value - min`` for integers of a small range, else hashed."""
    values = series.to_numpy()
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < 1 << 16:
            return (values - values.dtype.type(low)).astype(np.int32), np.arange(
                low, high + 1, dtype=np.int64
            ).astype(object)
    found, labels = codes(series)
    if len(found) and found.min() < 0:  # a missing stratum is a stratum of its own
        found = np.where(found < 0, len(labels), found)
        labels = np.append(labels, np.array([None], dtype=object))
    return found, labels
