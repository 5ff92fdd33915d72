"""PSU totals in any row order, with bounded memory: the Taylor part of the accumulate stage.

The Taylor variance of a domain total needs, per stratum h, the PSU totals
:math:`z_{hj} = \\sum_{k \\in j} w_k y_k` of every PSU j (a household, the IPUMS "ultimate
cluster"): their sum and their sum of squares. A PSU's rows may be anywhere in the input (a
file not sorted by household, a Parquet row group or Dask partition cutting a household), so
no chunk can square a PSU total on its own. Each chunk therefore hands over *records*:

* **moment records** ``(domain, stratum, psu, w·num, w·den)`` for the rows that add to some
  z (for a migrant stock only the migrants' rows);
* **design records** ``(stratum, psu)`` for every analysed row (for the PSU counts
  :math:`n_h`), runs of equal consecutive records already collapsed.

:class:`PsuStore` keeps them in memory up to a budget and beyond it appends them to
files on disk, partitioned by a hash of the PSU id: every record of one PSU lands in the same
partition. :meth:`PsuStore.finish` then takes one partition at a time, sums the PSU totals,
squares them, counts distinct PSUs per stratum and adds up the per-(domain, stratum)
moments, so memory is bounded by one partition, whatever the input size and row order.
The numbers do not depend on the chunking, the row order or the thread count (up to the
rounding of the order of float additions).

Domains and strata are small integers of a :class:`Registry` shared by all threads of a
pass; the records of another process (a Dask partition) are renumbered into it on merge.
PSU ids are the household values themselves when they are integers, else a 64-bit hash of
them (two distinct households of one stratum sharing a hash, probability below 1e-4 for
10^8 households, would be taken as one).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from migindicators.core.errors import InputValidationError, OptionError

__all__ = [
    "PsuMoments",
    "PsuStore",
    "Registry",
    "collapse_runs",
    "count_distinct",
    "psu_ids",
    "spill_budget",
]

#: Partitions of the records on disk (a power of two: the top bits of a hash).
PARTITIONS = 64
_SHIFT = np.uint64(64 - 6)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
#: Records kept in memory per pass before spilling to disk [bytes]; environment variable
#: ``MIGINDICATORS_SPILL_MB`` overrides it.
DEFAULT_BUDGET = 256 * 2**20

_DESIGN = np.dtype([("stratum", "<i4"), ("psu", "<i8")])


def _moment_dtype(ratio: bool) -> np.dtype[Any]:
    fields = [("dom", "<i4"), ("stratum", "<i4"), ("psu", "<i8"), ("num", "<f8")]
    if ratio:
        fields.append(("den", "<f8"))
    return np.dtype(fields)


def spill_budget() -> int:
    """Bytes of records one pass keeps in memory (``MIGINDICATORS_SPILL_MB`` or 256 MiB)."""
    setting = os.environ.get("MIGINDICATORS_SPILL_MB", "").strip()
    if not setting:
        return DEFAULT_BUDGET
    try:
        value = float(setting)
    except ValueError:
        value = -1.0
    if value < 0:
        raise OptionError(f"MIGINDICATORS_SPILL_MB must be a number >= 0, got {setting!r}")
    return int(value * 2**20)


class Registry:
    """Dense integer ids of label tuples (domains, strata), safe to share between threads."""

    def __init__(self) -> None:
        self._ids: dict[tuple[Hashable, ...], int] = {}
        self.labels: list[tuple[Hashable, ...]] = []
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.labels)

    def ids(self, labels: Sequence[tuple[Hashable, ...]]) -> np.ndarray:
        """The id of every label tuple (new tuples get the next ids), as int32."""
        out = np.empty(len(labels), dtype=np.int32)
        with self._lock:
            for i, label in enumerate(labels):
                label = tuple(None if _is_nan(v) else v for v in label)
                found = self._ids.get(label)
                if found is None:
                    found = len(self.labels)
                    self._ids[label] = found
                    self.labels.append(label)
                out[i] = found
        return out

    def __getstate__(self) -> dict[str, Any]:  # (a Dask partition's registry is pickled)
        return {"labels": self.labels}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.labels = list(state["labels"])
        self._ids = {label: i for i, label in enumerate(self.labels)}
        self._lock = threading.Lock()


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and value != value


def psu_ids(values: pd.Series) -> np.ndarray:
    """PSU ids (int64) of a household column: the integers themselves, else a 64-bit hash.

    Raises
    ------
    InputValidationError
        When a household id is missing: hashing every missing id to one value would make one
        cluster of all such persons and give wrong standard errors without a word.
    """
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return values.to_numpy().astype(np.int64, copy=False)
    missing = values.isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(missing)
        shown = ", ".join(str(values.index[i]) for i in rows[:10])
        more = f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        raise InputValidationError(
            f"census column 'household' is missing in {len(rows)} row(s) (rows {shown}{more}): "
            "the Taylor standard errors cluster persons by household, so every person needs "
            "a household (PSU) id. Fill the missing ids (a person's own id for a one-person "
            "household), drop the column to treat every person as a PSU, or pass "
            "variance='none'."
        )
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        array = values.to_numpy()
        if np.isfinite(array).all():
            as_int = array.astype(np.int64)
            if (as_int == array).all():
                return as_int
    if isinstance(dtype, pd.CategoricalDtype):
        cats = pd.util.hash_array(np.asarray(dtype.categories, dtype=object))
        codes = np.asarray(values.cat.codes)
        hashed = np.where(codes >= 0, cats[np.maximum(codes, 0)], np.uint64(0))
        return hashed.view(np.int64)
    hashed = pd.util.hash_array(np.asarray(values.to_numpy(dtype=object), dtype=object))
    return np.asarray(hashed).view(np.int64)


def _partition(psu: np.ndarray) -> np.ndarray:
    """Partition of every PSU id: the top 6 bits of a multiplicative (Fibonacci) hash."""
    with np.errstate(over="ignore"):
        return ((psu.view(np.uint64) * _GOLDEN) >> _SHIFT).astype(np.uint8)


def collapse_runs(stratum: np.ndarray, psu: np.ndarray) -> np.ndarray:
    """Design records of consecutive rows, runs of one (stratum, PSU) kept once.

    Files sorted by household (as census extracts usually are) shrink to one record per
    household here; any other order is left to :func:`count_distinct`.
    """
    out = np.empty(len(psu), dtype=_DESIGN)
    if not len(psu):
        return out
    keep = np.empty(len(psu), dtype=bool)
    keep[0] = True
    np.not_equal(psu[1:], psu[:-1], out=keep[1:])
    keep[1:] |= stratum[1:] != stratum[:-1]
    out = np.empty(int(keep.sum()), dtype=_DESIGN)
    out["stratum"] = stratum[keep]
    out["psu"] = psu[keep]
    return out


def count_distinct(stratum: np.ndarray, psu: np.ndarray, n_strata: int) -> np.ndarray:
    """Distinct PSUs per stratum id (``0 .. n_strata-1``) among (stratum, psu) records.

    PSU ids of a bounded range that are nested in strata (each PSU in one stratum, the
    usual case) are counted with an owner array, no hashing; others are hashed.
    """
    counts = np.zeros(n_strata, dtype=np.int64)
    if not len(psu):
        return counts
    lo, hi = int(psu.min()), int(psu.max())
    span = hi - lo + 1
    if span <= max(4 * len(psu), 1 << 20):
        owner = np.full(span, -1, dtype=np.int32)
        offset = psu - lo
        owner[offset] = stratum
        if (owner[offset] == stratum).all():
            return np.bincount(owner[owner >= 0], minlength=n_strata).astype(np.int64)
    if lo >= 0 and hi < (1 << 62) // max(n_strata, 1):
        key = psu * n_strata + stratum
    else:
        code = pd.factorize(psu)[0].astype(np.int64)
        key = code * n_strata + stratum
    distinct = pd.unique(key)
    return np.bincount(distinct % n_strata, minlength=n_strata).astype(np.int64)


@dataclass
class PsuMoments:
    """Per (domain id, stratum id): sums over PSUs of the PSU totals and their products."""

    dom: np.ndarray
    stratum: np.ndarray
    sums: dict[str, np.ndarray]
    n_psu: np.ndarray

    @staticmethod
    def names(ratio: bool) -> list[str]:
        return ["_num", "_num*_num"] + (["_den", "_num*_den", "_den*_den"] if ratio else [])


def _moments(
    ds: np.ndarray, num: np.ndarray, den: np.ndarray | None
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Sums per distinct key *ds* of PSU totals *num* (and *den*) and of their products."""
    code, keys = pd.factorize(ds)
    size = len(keys)
    sums = {
        "_num": np.bincount(code, weights=num, minlength=size),
        "_num*_num": np.bincount(code, weights=num * num, minlength=size),
    }
    if den is not None:
        sums["_den"] = np.bincount(code, weights=den, minlength=size)
        sums["_num*_den"] = np.bincount(code, weights=num * den, minlength=size)
        sums["_den*_den"] = np.bincount(code, weights=den * den, minlength=size)
    return np.asarray(keys, dtype=np.int64), sums


def _psu_moments(
    records: np.ndarray, n_strata: int, ratio: bool
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Moments per (domain, stratum) of the PSU totals of moment *records*.

    Every record of a PSU must be among *records* (one partition holds whole PSUs).
    """
    ds = records["dom"].astype(np.int64) * n_strata + records["stratum"]
    cell, cells = pd.factorize(ds)
    ncell = max(len(cells), 1)
    psu = records["psu"]
    lo, hi = int(psu.min()), int(psu.max())
    if lo >= 0 and hi < (1 << 62) // ncell:
        key = psu * ncell + cell
    else:
        key = pd.factorize(psu)[0].astype(np.int64) * ncell + cell
    group, _ = pd.factorize(key)
    groups = int(group.max()) + 1
    num = np.bincount(group, weights=records["num"], minlength=groups)
    den = np.bincount(group, weights=records["den"], minlength=groups) if ratio else None
    owner = np.empty(groups, dtype=np.int64)
    owner[group] = np.asarray(cells, dtype=np.int64)[cell]
    return _moments(owner, num, den)


class PsuStore:
    """Moment and design records of one pass, in memory up to a budget, then on disk.

    Parameters
    ----------
    ratio : bool
        Whether records carry a denominator (a ratio's ``w·den``).
    budget : int, optional
        Bytes of records kept in memory before they are written to disk
        (default :func:`spill_budget`).
    """

    def __init__(self, ratio: bool, budget: int | None = None) -> None:
        self.ratio = ratio
        self.budget = spill_budget() if budget is None else budget
        self._dtype = _moment_dtype(ratio)
        self._moment_parts: list[np.ndarray] = []
        self._design_parts: list[np.ndarray] = []
        self._bytes = 0
        self._dirs: list[Path] = []
        self._own_dir: Path | None = None
        # Rows that are their own PSUs (no household column): moments add directly.
        self._direct: list[tuple[np.ndarray, dict[str, np.ndarray]]] = []
        self._direct_psus: list[tuple[np.ndarray, np.ndarray]] = []
        # (domain, stratum) pairs with rows, as dom << 32 | stratum (lonely-PSU flags).
        self._presence: list[np.ndarray] = []
        self._presence_rows = 0

    # ---- adding ---------------------------------------------------------------------
    def add(
        self,
        dom: np.ndarray,
        stratum: np.ndarray,
        psu: np.ndarray,
        num: np.ndarray,
        den: np.ndarray | None,
        design: np.ndarray,
    ) -> None:
        """Moment records of the contributing rows and design records (:func:`collapse_runs`)."""
        part = np.empty(len(psu), dtype=self._dtype)
        part["dom"] = dom
        part["stratum"] = stratum
        part["psu"] = psu
        part["num"] = num
        if self.ratio:
            part["den"] = den
        self._moment_parts.append(part)
        self._design_parts.append(design)
        self._bytes += part.nbytes + design.nbytes
        if self._bytes > self.budget:
            self._spill()

    def add_singletons(
        self,
        dom: np.ndarray,
        stratum: np.ndarray,
        num: np.ndarray,
        den: np.ndarray | None,
        all_strata: np.ndarray,
    ) -> None:
        """Rows that are their own PSUs: moments and PSU counts add chunk by chunk."""
        ds = dom.astype(np.int64) << 32 | stratum.astype(np.int64)
        self._direct.append(_moments(ds, num, den if self.ratio else None))
        ids, counts = np.unique(all_strata, return_counts=True)
        self._direct_psus.append((ids.astype(np.int64), counts.astype(np.int64)))

    def add_presence(self, pairs: np.ndarray) -> None:
        """(domain, stratum) pairs that have rows (``dom << 32 | stratum``)."""
        self._presence.append(pairs)
        self._presence_rows += len(pairs)
        if self._presence_rows > 1 << 20:
            self._presence = [pd.unique(np.concatenate(self._presence))]
            self._presence_rows = len(self._presence[0])

    def absorb(self, other: PsuStore, dom_map: np.ndarray, stratum_map: np.ndarray) -> None:
        """Add another process's records (held in memory), renumbered by the two maps."""
        if other._dirs:
            raise RuntimeError("PsuStore.absorb: records of another process must be in memory")
        for part in other._moment_parts:
            part = part.copy()
            part["dom"] = dom_map[part["dom"]]
            part["stratum"] = stratum_map[part["stratum"]]
            self._moment_parts.append(part)
            self._bytes += part.nbytes
        for design in other._design_parts:
            design = design.copy()
            design["stratum"] = stratum_map[design["stratum"]]
            self._design_parts.append(design)
            self._bytes += design.nbytes
        for ds, sums in other._direct:
            d = dom_map[(ds >> 32).astype(np.intp)].astype(np.int64)
            s = stratum_map[(ds & 0xFFFFFFFF).astype(np.intp)].astype(np.int64)
            self._direct.append((d << 32 | s, sums))
        for ids, counts in other._direct_psus:
            self._direct_psus.append((stratum_map[ids].astype(np.int64), counts))
        for pairs in other._presence:
            d = dom_map[(pairs >> 32).astype(np.intp)].astype(np.int64)
            s = stratum_map[(pairs & 0xFFFFFFFF).astype(np.intp)].astype(np.int64)
            self.add_presence(d << 32 | s)
        if self._bytes > self.budget:
            self._spill()

    def merge(self, other: PsuStore) -> None:
        """Take over the records of a store that shares this one's registries (a thread)."""
        self._moment_parts += other._moment_parts
        self._design_parts += other._design_parts
        self._bytes += other._bytes
        self._dirs += other._dirs
        self._direct += other._direct
        self._direct_psus += other._direct_psus
        for pairs in other._presence:
            self.add_presence(pairs)
        other._moment_parts, other._design_parts, other._dirs = [], [], []

    # ---- disk -----------------------------------------------------------------------
    def _spill(self) -> None:
        """Append the records in memory to the partition files, by hash of the PSU id."""
        if self._own_dir is None:
            self._own_dir = Path(
                tempfile.mkdtemp(
                    prefix="migindicators-psu-", dir=os.environ.get("MIGINDICATORS_TMPDIR")
                )
            )
            self._dirs.append(self._own_dir)
        for kind, parts in (("m", self._moment_parts), ("d", self._design_parts)):
            if not parts:
                continue
            records = np.concatenate(parts) if len(parts) > 1 else parts[0]
            partition = _partition(records["psu"])
            order = np.argsort(partition, kind="stable")
            bounds = np.concatenate([[0], np.cumsum(np.bincount(partition, minlength=PARTITIONS))])
            records = records[order]
            for p in range(PARTITIONS):
                if bounds[p + 1] > bounds[p]:
                    with open(self._own_dir / f"{kind}{p}.bin", "ab") as fh:
                        records[bounds[p] : bounds[p + 1]].tofile(fh)
        self._moment_parts, self._design_parts, self._bytes = [], [], 0

    def _read(self, kind: str, p: int, dtype: np.dtype[Any]) -> list[np.ndarray]:
        return [
            np.fromfile(path, dtype=dtype)
            for d in self._dirs
            if (path := d / f"{kind}{p}.bin").exists()
        ]

    def close(self) -> None:
        """Remove the files on disk (idempotent)."""
        for d in self._dirs:
            shutil.rmtree(d, ignore_errors=True)
        self._dirs, self._own_dir = [], None

    # ---- finishing ------------------------------------------------------------------
    def finish(self, n_strata: int) -> PsuMoments:
        """Moments per (domain, stratum) and PSUs per stratum of all records."""
        keys: list[np.ndarray] = []
        sums: list[dict[str, np.ndarray]] = []
        n_psu = np.zeros(n_strata, dtype=np.int64)

        def one(moments: list[np.ndarray], design: list[np.ndarray]) -> None:
            nonlocal n_psu
            if moments:
                records = np.concatenate(moments) if len(moments) > 1 else moments[0]
                if len(records):
                    ds, part = _psu_moments(records, n_strata, self.ratio)
                    dom, stratum = ds // max(n_strata, 1), ds % max(n_strata, 1)
                    keys.append(dom << 32 | stratum)
                    sums.append(part)
            if design:
                records = np.concatenate(design) if len(design) > 1 else design[0]
                n_psu += count_distinct(
                    records["stratum"].astype(np.int64), records["psu"], n_strata
                )

        try:
            if self._dirs:
                self._spill()
                for p in range(PARTITIONS):
                    one(self._read("m", p, self._dtype), self._read("d", p, _DESIGN))
            else:
                one(self._moment_parts, self._design_parts)
        finally:
            self.close()
        for ds, part in self._direct:
            keys.append(ds)
            sums.append(part)
        for ids, counts in self._direct_psus:
            np.add.at(n_psu, ids, counts)
        names = PsuMoments.names(self.ratio)
        if self._presence:
            pairs = np.concatenate(self._presence)
            keys.append(pairs)
            sums.append({k: np.zeros(len(pairs)) for k in names})
        if not keys:
            empty = np.zeros(0, dtype=np.int64)
            return PsuMoments(empty, empty, {k: np.zeros(0) for k in names}, n_psu)
        allkeys = np.concatenate(keys)
        code, distinct = pd.factorize(allkeys)
        total = {
            k: np.bincount(
                code, weights=np.concatenate([s[k] for s in sums]), minlength=len(distinct)
            )
            for k in names
        }
        distinct = np.asarray(distinct, dtype=np.int64)
        return PsuMoments(distinct >> 32, distinct & 0xFFFFFFFF, total, n_psu)
