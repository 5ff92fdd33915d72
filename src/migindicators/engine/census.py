"""One pass over a census extract: validated, chunked tabulation of persons by migratory status.

This is the engine behind the indicators of :mod:`migindicators.stock.indicators`. ``census``
may be a pandas frame, an iterable of frames, a file path (Parquet, CSV, Stata/SPSS, IPUMS
fixed-width with its DDI) or a Dask DataFrame; every form goes through the same steps,
chunk by chunk (partition by partition on Dask):

1. map source names and codes to the standard census columns (optional
   :class:`~migindicators.io.mapping.VariableMapping`);
2. validate against the ``census`` input kind
   (:func:`~migindicators.schemas.census.validate_census`);
3. exclude, and record in the row ledger with their weighted totals, rows that cannot
   enter the estimate (unknown country of enumeration, missing weight, unknown sex or age
   when the table is by sex or age);
4. tabulate the rows (weighted counts, replicate weights) by their raw codes — country of
   enumeration, place of birth (or citizenship), single year of age, the other ``by``
   columns — with :func:`migindicators.engine.tabulate.tabulate_codes`, the one additive kernel;
5. derive on those cells, not on the rows, the migratory status (foreign-born, or foreign
   citizen on the citizenship basis; unknown place of birth kept as its own status ``_U``),
   the origin, the 5-year age group and the year of arrival of migrants, and sum the cells
   that share their keys; for standard errors, the per-stratum moments of PSU totals.

Partial tables are summed with :func:`migindicators.engine.tabulate.combine`, so a frame, its
chunks and its Dask partitions give the same table (counts exactly, weighted sums to float
rounding), and memory is bounded by the chunk size. A Parquet file is read and tabulated
piece by piece (row groups) on several threads (:mod:`migindicators.io.threads`; at most one
chunk in memory per thread), each thread with its own partial tables.

Taylor variance with household clusters (the IPUMS "ultimate cluster" estimator with
``SERIAL`` as PSU and ``STRATA`` as stratum) needs each household's rows in one chunk
(extracts are sorted by household, as IPUMS files are): the sequential streaming path holds
back the last household of every chunk and prepends it to the next; the threaded Parquet
path and Dask set aside the first and last household of every chunk or partition and
tabulate them together at the end. Per stratum h with n_h PSUs and PSU
totals z_hj of the linearised variable,

.. math::
    \\hat V = \\sum_h \\frac{n_h}{n_h - 1} \\sum_j (z_{hj} - \\bar z_h)^2
           = \\sum_h \\frac{n_h}{n_h - 1}
             \\Big(\\sum_j z_{hj}^2 - \\frac{(\\sum_j z_{hj})^2}{n_h}\\Big),

whose ingredients (n_h, Σz, Σz², and the cross-products of a ratio's numerator and
denominator) are sums, hence additive over chunks; the variance itself is the survey core's
:func:`migindicators.engine.estimate.taylor_variance_from_moments`. Replicate weights
(``replicate_weights=``) are tabulated as extra weight columns and give replicate estimates
directly.

References
----------
Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed., Springer, ch. 6.
Lumley, T. (2010). *Complex Surveys*, Wiley, §2.2 and §3.2 (ratio linearisation).
IPUMS-International, *Variance estimation*, https://international.ipums.org/international/variance_estimation.shtml.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from migindicators.core.ages import age_group_edges, age_group_labels
from migindicators.core.countries import is_country
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.ledger import RowLedger
from migindicators.engine.estimate import StrataInfo, taylor_variance_from_moments
from migindicators.engine.tabulate import (
    category_codes,
    combine,
    group_codes,
    psu_moments,
    tabulate,
    tabulate_codes,
)
from migindicators.io.ddi import Codebook
from migindicators.io.mapping import FOREIGN_UNSPECIFIED, IPUMS_INTERNATIONAL, VariableMapping
from migindicators.io.progress import progress as progress_bar
from migindicators.io.tabular import (
    ParquetPiece,
    available_columns,
    batch_frame,
    file_format,
    iter_chunks,
    open_parquet,
    parquet_pieces,
    prefetch,
    read_piece,
)
from migindicators.io.threads import default_threads, run_on_threads
from migindicators.schemas.census import AGE_MAX, validate_census

__all__ = [
    "BASES",
    "MIGRANT",
    "NON_MIGRANT",
    "STATUS_CODES",
    "UNKNOWN",
    "CensusPass",
    "CensusTotals",
    "Estimand",
    "run_census",
    "taylor_variance",
]

MIGRANT, NON_MIGRANT, UNKNOWN = "MS_MIGRANT", "MS_NOMIGRANT", "_U"
STATUS_CODES = (MIGRANT, NON_MIGRANT, UNKNOWN)
#: Origin code of non-migrants and persons of unknown status ("not applicable", SDMX _Z).
NOT_APPLICABLE = "_Z"
#: Option value → (standard column, DESA type-of-data code).
BASES = {"birthplace": ("country_of_birth", "B"), "citizenship": ("citizenship", "C")}
INPUT = "census"
W = "w"

_MOMENT_SUMS = ("n", "_num", "_den", "_num*_num", "_num*_den", "_den*_den")
_CODE_COLUMNS = ("ref_area", "sex", "country_of_birth", "citizenship", "age_group")
_MAPPINGS = {"ipums_international": IPUMS_INTERNATIONAL}
T = TypeVar("T")

#: Cells of one chunk's dense cell code (the limit of :func:`tabulate_codes`).
_CELLS = 1 << 16
#: Raw keys of a chunk's first tabulation (never column names: those have no dunder).
_PLACE, _AGE, _ARRIVAL = "__place__", "__age__", "__arrival__"


@dataclass(frozen=True)
class Estimand:
    """What a standard error is wanted for: sums of ``w·num`` (and ``w·den``) by domain.

    ``num`` and ``den`` are functions of the prepared chunk returning boolean masks; a
    ratio when ``den`` is given, a total otherwise.
    """

    domain: tuple[str, ...]
    num: Callable[[pd.DataFrame], np.ndarray]
    den: Callable[[pd.DataFrame], np.ndarray] | None = None


@dataclass(frozen=True)
class CensusPass:
    """The specification of one pass over the census."""

    by: tuple[str, ...] = ()
    basis: str = "auto"
    origin: bool = False
    single_age: bool = False
    arrival: bool = False
    age_width: int = 5
    age_top: int = 75
    mapping: VariableMapping | str | None = None
    ddi: Codebook | str | Path | None = None
    chunk_rows: int = 1_000_000
    variance: str = "auto"
    replicate_weights: tuple[str, ...] = ()
    estimand: Estimand | None = None
    progress: bool | None = None


@dataclass
class CensusTotals:
    """The combined tables of a pass.

    Attributes
    ----------
    table : pandas.DataFrame
        Keys ``ref_area``, ``time_period``, the ``by`` columns, ``migratory_status``
        (MS_MIGRANT, MS_NOMIGRANT, _U), optionally ``origin``, ``age`` (single years) and
        ``year_of_arrival``; sums ``n`` (rows) and ``w`` (weighted persons; equal to ``n``
        for unweighted input), and one column per replicate weight.
    moments : pandas.DataFrame or None
        Per (domain, stratum): PSU moments ``num``, ``den``, ``num*num``, ``num*den``,
        ``den*den`` for the Taylor variance of the estimand.
    psus : pandas.DataFrame or None
        Number of PSUs per (ref_area, time_period, stratum): ``n_psu``.
    """

    table: pd.DataFrame
    ledger: RowLedger
    basis: str
    weighted: bool
    variance: str
    replicate_weights: tuple[str, ...]
    moments: pd.DataFrame | None = None
    psus: pd.DataFrame | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    @property
    def type_of_data(self) -> str:
        """DESA's type-of-data code of the basis: ``B`` (foreign-born) or ``C`` (citizens)."""
        return BASES[self.basis][1]


def _resolve_mapping(mapping: VariableMapping | str | None) -> VariableMapping | None:
    if mapping is None or isinstance(mapping, VariableMapping):
        return mapping
    try:
        return _MAPPINGS[mapping]
    except KeyError:
        raise OptionError(
            f"unknown mapping {mapping!r}; use one of {sorted(_MAPPINGS)} or a "
            "migindicators.io.mapping.VariableMapping"
        ) from None


def _is_dask(obj: object) -> bool:
    return type(obj).__module__.startswith("dask")


def _needed(spec: CensusPass) -> list[str]:
    design = [] if spec.variance == "none" else ["household", "strata"]
    cols = [
        "ref_area",
        "time_period",
        "weight",
        *design,
        "country_of_birth",
        "citizenship",
        *spec.replicate_weights,
    ]
    for col in spec.by:
        if col == "age_group":
            cols += ["age", "age_group"]
        elif col not in ("migratory_status", "origin"):
            cols.append(col)
    if spec.single_age:
        cols.append("age")
    if spec.arrival:
        cols.append("year_of_arrival")
    return list(dict.fromkeys(cols))


def _source_columns(
    have: Sequence[str], spec: CensusPass, mapping: VariableMapping | None
) -> list[str]:
    """The source columns to read: those the pass needs that the input has (mapped names)."""
    needed = _needed(spec)
    if mapping is not None:
        return mapping.source_for(needed, list(have))
    return [c for c in needed if c in have]


def _source_chunks(
    census: Any, spec: CensusPass, mapping: VariableMapping | None
) -> Iterator[pd.DataFrame]:
    if isinstance(census, pd.DataFrame):
        yield census
        return
    if isinstance(census, (str, Path)):
        cols = _source_columns(available_columns(census, ddi=spec.ddi), spec, mapping)
        yield from prefetch(
            iter_chunks(
                census,
                columns=cols,
                chunk_rows=spec.chunk_rows,
                ddi=spec.ddi,
                categorical=_categorical_sources(mapping),
            )
        )
        return
    if isinstance(census, Iterable):
        for chunk in census:
            if not isinstance(chunk, pd.DataFrame):
                raise InputValidationError(
                    f"census: an iterable must yield pandas DataFrames, got {type(chunk).__name__}",
                    input_kind="census",
                )
            yield chunk
        return
    raise InputValidationError(
        f"census must be a pandas DataFrame, an iterable of DataFrames, a file path or a Dask "
        f"DataFrame; got {type(census).__name__}",
        input_kind="census",
    )


def _categorical_sources(mapping: VariableMapping | None) -> list[str]:
    if mapping is None:
        return list(_CODE_COLUMNS)
    return [src for src, std in mapping.columns.items() if std in _CODE_COLUMNS]


def run_census(census: Any, spec: CensusPass) -> CensusTotals:
    """Tabulate *census* according to *spec* (see the module docstring)."""
    mapping = _resolve_mapping(spec.mapping)
    if _is_dask(census):
        return _run_dask(census, spec, mapping)
    if isinstance(census, (str, Path)) and file_format(census) == "parquet":
        return _run_parquet(census, spec, mapping)
    state = _PassState(spec, mapping)
    source = census
    if isinstance(census, pd.DataFrame) and len(census) > spec.chunk_rows:
        head = census.iloc[:1]
        if not state.needs_carry(mapping.apply(head) if mapping is not None else head):
            # A large frame is tabulated in row slices (views, no copy), on several threads:
            # every temporary of the pass is then a few MB that the allocator reuses,
            # instead of fresh full-length arrays whose page faults cost more than the
            # arithmetic. Taylor variance takes the frame whole (its households need not
            # be sorted).
            return _run_frame_slices(census, spec, mapping)
    carry: pd.DataFrame | None = None
    for raw in progress_bar(_source_chunks(source, spec, mapping), enabled=spec.progress):
        chunk = mapping.apply(raw) if mapping is not None else raw
        if carry is not None:
            chunk = pd.concat([carry, chunk], ignore_index=True)
            carry = None
        if state.needs_carry(chunk) and not isinstance(census, pd.DataFrame):
            chunk, carry = _split_last_household(chunk)
        if len(chunk):
            state.add(chunk)
    if carry is not None and len(carry):
        state.add(carry)
    return state.finish()


def _run_parquet(
    path: str | Path, spec: CensusPass, mapping: VariableMapping | None
) -> CensusTotals:
    """A Parquet census on several threads: each reads and tabulates its own pieces.

    Pieces (row groups) go to the workers in a fixed rotation
    (:func:`~migindicators.io.threads.run_on_threads`); each worker keeps its own partial
    tables and ledger, merged at the end. For Taylor variance a household must lie whole in
    one chunk: the households at the two edges of every chunk are set aside (a few rows)
    and tabulated together at the end, as for Dask partitions.
    """
    cols = _source_columns(available_columns(path), spec, mapping)
    categorical = _categorical_sources(mapping)
    pieces = parquet_pieces(path, columns=cols, chunk_rows=spec.chunk_rows, categorical=categorical)
    threads = default_threads()
    handles: list[dict[str, Any]] = [{} for _ in range(threads)]

    def chunks(k: int, piece: ParquetPiece) -> Iterator[pd.DataFrame]:
        files = handles[k]
        if piece.path not in files:
            files.clear()  # one open file per thread
            files[piece.path] = open_parquet(piece.path, categorical)
        first = piece.first_row
        for batch in read_piece(
            piece,
            columns=cols,
            chunk_rows=spec.chunk_rows,
            categorical=categorical,
            file=files[piece.path],
        ):
            yield batch_frame(batch, categorical, first, zero_copy=True)
            first += batch.num_rows

    total = sum(piece.num_rows for piece in pieces)
    return _run_threaded(pieces, chunks, spec, mapping, threads=threads, total_rows=total)


def _run_frame_slices(
    census: pd.DataFrame, spec: CensusPass, mapping: VariableMapping | None
) -> CensusTotals:
    """A large frame in row slices of ``chunk_rows``, on several threads (no Taylor carry)."""
    step = spec.chunk_rows
    slices = [(i, min(i + step, len(census))) for i in range(0, len(census), step)]

    def chunks(k: int, bounds: tuple[int, int]) -> Iterator[pd.DataFrame]:
        yield census.iloc[bounds[0] : bounds[1]]

    return _run_threaded(
        slices, chunks, spec, mapping, threads=default_threads(), total_rows=len(census)
    )


def _run_threaded(
    pieces: Sequence[T],
    chunks: Callable[[int, T], Iterator[pd.DataFrame]],
    spec: CensusPass,
    mapping: VariableMapping | None,
    *,
    threads: int,
    total_rows: int,
) -> CensusTotals:
    """Tabulate the chunks of every piece on *threads* threads, one partial state each.

    Pieces go to the workers in a fixed rotation
    (:func:`~migindicators.io.threads.run_on_threads`), so a pass is reproducible; the
    states are merged at the end. For Taylor variance a household must lie whole in one
    chunk: the households at the two edges of every chunk are set aside (a few rows) and
    tabulated together at the end, as for Dask partitions.
    """
    threads = max(1, min(threads, len(pieces)))
    states = [_PassState(spec, mapping) for _ in range(threads)]
    edges: list[list[pd.DataFrame]] = [[] for _ in range(threads)]

    def work(k: int, piece: T) -> Iterator[int]:
        state = states[k]
        for raw in chunks(k, piece):
            frame = mapping.apply(raw) if mapping is not None else raw
            if state.needs_carry(frame):
                frame, edge = _split_edges(frame)
                if len(edge):
                    edges[k].append(edge)
            if len(frame):
                state.add(frame)
            yield len(raw)

    counts = run_on_threads(pieces, work, threads=threads)
    for _ in progress_bar(
        (range(n) for n in counts), enabled=spec.progress, total_rows=total_rows
    ):  # a range stands for the chunk: the bar needs only its length
        pass
    merged = states[0]
    for state in states[1:]:
        merged.merge(state)
    held = [edge for worker in edges for edge in worker]
    if held:
        merged.add(pd.concat(held))  # the original row numbers, for error messages
    return merged.finish()


def _split_edges(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of the first and last household of *frame*, and the others."""
    hh = frame["household"].to_numpy()
    at_edge = (hh == hh[0]) | (hh == hh[-1])
    if not at_edge.any():
        return frame, frame.iloc[:0]
    return frame.loc[~at_edge], frame.loc[at_edge]


def _split_last_household(chunk: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    hh = chunk["household"].to_numpy()
    last = hh[-1]
    held = hh == last
    if held.all():
        return chunk.iloc[:0], chunk
    return chunk.loc[~held], chunk.loc[held]


def _run_dask(ddf: Any, spec: CensusPass, mapping: VariableMapping | None) -> CensusTotals:
    from dask.base import compute
    from dask.delayed import delayed

    cols = _source_columns(list(ddf.columns), spec, mapping)
    parts = ddf[cols].to_delayed()
    if not parts:
        raise InputValidationError(
            "census: the Dask DataFrame has no partitions", input_kind="census"
        )

    def one(part: pd.DataFrame) -> tuple[_PassState, pd.DataFrame]:
        # Households at the two edges of a partition may continue in the neighbouring
        # partition: they are sent back (a few rows) and tabulated together at the end,
        # so every household's cluster total is whole and nothing is counted twice.
        state = _PassState(spec, mapping)
        frame = mapping.apply(part) if mapping is not None else part
        edges = frame.iloc[:0]
        if len(frame) and state.needs_carry(frame):
            frame, edges = _split_edges(frame)
        if len(frame):
            state.add(frame)
        return state, edges

    results = compute(*[delayed(one)(p) for p in parts])  # type: ignore[no-untyped-call]
    merged = _PassState(spec, mapping)
    for state, _ in results:
        merged.merge(state)
    edge_rows = [e for _, e in results if len(e)]
    if edge_rows:
        merged.add(pd.concat(edge_rows, ignore_index=True))
    return merged.finish()


class _PassState:
    """Accumulates the tables of one pass (per process, per Dask partition)."""

    def __init__(self, spec: CensusPass, mapping: VariableMapping | None) -> None:
        self.spec = spec
        self.mapping = mapping
        self.ledger = RowLedger()
        self.ledger.given(INPUT, 0)
        self.tables: list[pd.DataFrame] = []
        self.moments: list[pd.DataFrame] = []
        self.psus: list[pd.DataFrame] = []
        self.basis: str | None = None if spec.basis == "auto" else spec.basis
        self.weighted: bool | None = None
        self.variance: str | None = None
        self.keys: list[str] = []
        self.notes: dict[str, Any] = {}
        if spec.basis not in ("auto", *BASES):
            raise OptionError(
                f"basis must be 'auto', 'birthplace' or 'citizenship', got {spec.basis!r}"
            )

    # ---- configuration fixed by the first chunk -------------------------------------
    def _configure(self, frame: pd.DataFrame) -> None:
        if self.basis is None:
            self.basis = "birthplace" if "country_of_birth" in frame.columns else "citizenship"
        column = BASES[self.basis][0]
        if column not in frame.columns:
            raise InputValidationError(
                f"census: basis={self.basis!r} needs the column {column!r}; the frame has "
                f"{list(frame.columns)}. Migrants are the foreign-born (country_of_birth) or, "
                "where birthplace was not collected, foreign citizens (citizenship)",
                input_kind="census",
            )
        self.weighted = "weight" in frame.columns
        missing_reps = [c for c in self.spec.replicate_weights if c not in frame.columns]
        if missing_reps:
            raise InputValidationError(
                f"census: replicate weight column(s) {missing_reps} are missing",
                input_kind="census",
            )
        variance = self.spec.variance
        if variance == "auto":
            if self.spec.replicate_weights:
                variance = "replicate"
            elif self.weighted and self.spec.estimand is not None:
                variance = "taylor"
            else:
                variance = "none"
        if variance == "replicate" and not self.spec.replicate_weights:
            raise OptionError("variance='replicate' needs replicate_weights=[...]")
        if variance == "taylor" and not self.weighted:
            raise OptionError(
                "variance='taylor' needs a weight column (a full census count "
                "has no sampling variance: use variance='none')"
            )
        if variance not in ("none", "taylor", "replicate"):
            raise OptionError(f"variance must be auto, taylor, replicate or none, got {variance!r}")
        self.variance = variance
        keys = ["ref_area", "time_period", *[b for b in self.spec.by if b != "origin"]]
        if "migratory_status" not in keys:
            keys.append("migratory_status")
        if self.spec.origin or "origin" in self.spec.by:
            keys.append("origin")
        if self.spec.single_age:
            keys.append("age")
        if self.spec.arrival:
            keys.append("year_of_arrival")
        self.keys = keys

    def needs_carry(self, frame: pd.DataFrame) -> bool:
        if self.variance is None:
            self._configure(frame)
        return self.variance == "taylor" and "household" in frame.columns

    # ---- one chunk --------------------------------------------------------------------
    def add(self, raw: pd.DataFrame) -> None:
        if self.variance is None:
            self._configure(raw)
        spec = self.spec
        weight = "weight" if self.weighted else None
        self.ledger.given(INPUT, raw, weight=weight)
        frame = validate_census(raw, input_name=INPUT)
        frame = self._exclude(frame)
        if not len(frame):
            return
        self.tables.append(self._tabulate(frame))
        if len(self.tables) >= 32:
            self.tables = [combine(self.tables, self.keys)]
        if self.variance == "taylor" and spec.estimand is not None:
            self._add_moments(self._prepare(frame, self._derive(frame)), spec.estimand)

    def _tabulate(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The chunk's table: rows tabulated by raw codes, then the cells mapped to the keys.

        Every key is a function of a few raw codes of the row: the migratory status and the
        origin of (country of enumeration, place of birth), the age group of the single year
        of age, the year of arrival of itself and the status. The rows are tabulated once by
        the raw codes (:func:`~migindicators.engine.tabulate.tabulate_codes`, no hashing) and the
        derivations run on the cells, a few thousand, instead of on every row; a second,
        tiny tabulation then sums the cells that share their keys.
        """
        raw = self._raw_keys(frame)
        data: dict[str, np.ndarray] = {}
        if self.weighted:
            data[W] = frame["weight"].to_numpy(dtype="float64")
        for rep in self.spec.replicate_weights:
            data[rep] = frame[rep].to_numpy(dtype="float64")
        digits, counts, sums = _cells(raw, data, len(frame))
        if not self.weighted:
            sums[W] = counts.astype(np.float64)
        keys = self._cell_keys(raw, digits, counts)
        final: dict[str, np.ndarray] = {"n": counts.astype(np.float64)}
        final |= {w: sums[w] for w in (W, *self.spec.replicate_weights)}
        key_digits, _, totals = _cells(keys, final, len(counts))
        # Labels stay Python objects until finish(): inferring a string dtype for every
        # chunk's table cost a millisecond per chunk.
        out = pd.DataFrame(
            {
                key: np.asarray(labels, dtype=object)[digit]
                for (key, _, labels), digit in zip(keys, key_digits, strict=True)
            },
            index=pd.RangeIndex(len(totals["n"])),
            dtype=object,
        )
        out["n"] = np.rint(totals["n"]).astype(np.int64)
        for w in (W, *self.spec.replicate_weights):
            out[w] = totals[w]
        out.attrs["tabulate_by"] = list(self.keys)
        return out

    def _raw_keys(self, frame: pd.DataFrame) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(name, row codes, labels) of the raw keys: codes in ``0 .. len(labels) - 1``."""
        spec = self.spec
        assert self.basis is not None
        raw = [
            ("ref_area", *_codes(frame["ref_area"])),
            ("time_period", *_codes(frame["time_period"])),
        ]
        place_codes, place_cats = _codes(frame[BASES[self.basis][0]])
        # Code 0 is the unknown place; a missing value's code is -1, so one add on the
        # (small) integer codes shifts every row into place.
        raw.append((_PLACE, place_codes + 1, np.asarray([None, *place_cats], dtype=object)))
        from_age = "age_group" in spec.by and "age" in frame.columns
        for col in spec.by:
            if col not in ("migratory_status", "origin") and not (col == "age_group" and from_age):
                raw.append((col, *_codes(frame[col])))
        if from_age or spec.single_age:
            # Ages are validated to 0 .. AGE_MAX: every single year has its code.
            age = frame["age"].to_numpy()
            if age.dtype.kind not in "iuf":
                age = frame["age"].to_numpy(dtype="float64", na_value=np.nan)
            # Completed years: truncation, as floor for ages >= 0.
            codes = age.astype(np.int16) if age.dtype.kind == "f" else age
            raw.append((_AGE, codes, np.arange(AGE_MAX + 1)))
        if spec.arrival:
            if "year_of_arrival" in frame.columns:
                arrival = frame["year_of_arrival"].to_numpy(dtype="float64", na_value=np.nan)
            else:
                arrival = np.full(len(frame), np.nan)
            codes, uniques = pd.factorize(arrival, use_na_sentinel=False)
            raw.append((_ARRIVAL, codes, np.asarray(uniques, dtype=float)))
        return raw

    def _cell_keys(
        self,
        raw: list[tuple[str, np.ndarray, np.ndarray]],
        digits: list[np.ndarray],
        counts: np.ndarray | None = None,
    ) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """The keys of every cell of the raw tabulation: (key, cell codes, labels).

        With the rows of each cell (*counts*), invalid place codes are counted in the notes.
        """
        spec = self.spec
        cell = {name: digit for (name, _, _), digit in zip(raw, digits, strict=True)}
        labels = {name: lab for name, _, lab in raw}
        area_cats = labels["ref_area"]
        place_cats = labels[_PLACE][1:]
        place = cell[_PLACE] - 1  # index into place_cats; -1 unknown
        valid = _countries(place_cats) | (place_cats == FOREIGN_UNSPECIFIED)
        # A code that is no country is an unknown place of birth (citizenship): counted
        # with the unknowns and named in the notes, never a silent origin.
        invalid = np.zeros(len(place), dtype=bool)
        if not valid.all():
            invalid = (place >= 0) & ~valid[np.maximum(place, 0)]
            if counts is not None:
                bad = self.notes.setdefault("invalid_codes", {})
                for code, count in zip(place[invalid], counts[invalid], strict=True):
                    bad[str(place_cats[code])] = bad.get(str(place_cats[code]), 0) + int(count)
        lookup = {v: i for i, v in enumerate(place_cats)}
        own = np.array([lookup.get(a, -2) for a in area_cats], dtype=np.int64)
        unknown = (place < 0) | invalid
        native = ~unknown & (place == own[cell["ref_area"]])
        # 0 foreign, 1 native, 2 unknown: the order of STATUS_CODES.
        status = np.where(unknown, 2, np.where(native, 1, 0))
        keys: dict[str, tuple[np.ndarray, np.ndarray]] = {
            "ref_area": (cell["ref_area"], area_cats),
            "time_period": (cell["time_period"], labels["time_period"]),
            "migratory_status": (status, np.asarray(STATUS_CODES, dtype=object)),
        }
        for col in spec.by:
            if col == "age_group" and _AGE in cell:
                edges = age_group_edges(spec.age_width, spec.age_top)
                group = np.minimum(cell[_AGE] // spec.age_width, len(edges) - 1)
                keys[col] = (group, np.asarray(age_group_labels(edges), dtype=object))
            elif col not in keys and col != "origin":
                keys[col] = (cell[col], labels[col])
        if spec.origin or "origin" in spec.by:
            origin_labels = np.asarray([*map(str, place_cats), NOT_APPLICABLE], dtype=object)
            keys["origin"] = (np.where(status == 0, place, len(place_cats)), origin_labels)
        if spec.single_age:
            keys["age"] = (cell[_AGE], np.arange(AGE_MAX + 1, dtype=float))
        if spec.arrival:
            # Arrival matters for migrants only; the others are tabulated as NaN.
            years = labels[_ARRIVAL]
            missing = np.flatnonzero(np.isnan(years))
            if len(missing):
                nan_code = int(missing[0])
            else:
                years, nan_code = np.append(years, np.nan), len(years)
            keys["year_of_arrival"] = (np.where(status == 0, cell[_ARRIVAL], nan_code), years)
        return [(key, *keys[key]) for key in self.keys]

    def _exclude(self, frame: pd.DataFrame) -> pd.DataFrame:
        ledger, spec = self.ledger, self.spec
        weight = "weight" if self.weighted else None
        area = frame["ref_area"]
        if isinstance(area.dtype, pd.CategoricalDtype):
            areas = np.asarray(area.cat.categories, dtype=object)
        else:
            areas = np.asarray(pd.unique(area.dropna()), dtype=object)
        known_mask = _countries(areas)
        if not known_mask.all() or area.hasnans:
            known = set(areas[known_mask])
            bad = ~area.isin(known).to_numpy()
            if bad.any():
                codes = sorted({str(a) for a in areas[~known_mask] if a in set(area[bad])})
                frame = ledger.exclude(
                    INPUT,
                    frame,
                    bad,
                    "unknown country code (ref_area)",
                    weight=weight,
                    detail=", ".join(codes[:10]),
                )
        if self.weighted:
            frame = _exclude_if(ledger, frame, _missing(frame["weight"]), "missing weight", None)
        for col in spec.by:
            if col in ("migratory_status", "origin"):
                continue
            if col == "age_group" and "age" in frame.columns:
                missing = _missing(frame["age"])
                reason = "unknown age"
            elif col not in frame.columns:
                raise InputValidationError(
                    f"census: by={list(spec.by)} needs a column {col!r} (or 'age' for "
                    f"age_group); the frame has {list(frame.columns)}",
                    input_kind="census",
                )
            else:
                missing = _missing(frame[col])
                reason = "unknown sex" if col == "sex" else f"missing {col}"
            frame = _exclude_if(ledger, frame, missing, reason, weight)
        if spec.single_age:
            if "age" not in frame.columns:
                raise InputValidationError(
                    "census: single years of age need an 'age' column", input_kind="census"
                )
            frame = _exclude_if(ledger, frame, _missing(frame["age"]), "unknown age", weight)
        return frame

    def _derive(self, frame: pd.DataFrame) -> _Derived:
        """Integer codes and labels of every key per row, and the weights (Taylor moments).

        The same derivation as the cells' (:meth:`_cell_keys`), each row taken as a cell.
        """
        raw = self._raw_keys(frame)
        keys = {
            key: (codes, labels)
            for key, codes, labels in self._cell_keys(raw, [codes for _, codes, _ in raw])
        }
        weight = frame["weight"].to_numpy(dtype="float64") if self.weighted else np.ones(len(frame))
        return _Derived(keys=keys, weight=weight)

    def _prepare(self, frame: pd.DataFrame, derived: _Derived) -> pd.DataFrame:
        """A frame of the derived columns, for the estimand masks of the Taylor moments."""
        out: dict[str, Any] = {}
        for key, (codes, labels) in derived.keys.items():
            if key in ("ref_area", "time_period"):
                out[key] = frame[key].to_numpy()
            elif key == "migratory_status":
                out[key] = pd.Categorical.from_codes(codes, categories=pd.Index(list(labels)))
            else:
                out[key] = np.asarray(labels, dtype=object)[codes]
        out[W] = derived.weight
        for col in ("household", "strata", "sex", "year_of_arrival"):
            if col in frame.columns and col not in out:
                out[col] = frame[col].to_numpy()
        if "year_of_arrival" in out and not isinstance(out["year_of_arrival"], np.ndarray):
            out["year_of_arrival"] = np.asarray(out["year_of_arrival"], dtype=float)
        return pd.DataFrame(out, index=frame.index)

    def _add_moments(self, frame: pd.DataFrame, est: Estimand) -> None:
        domain = [d for d in est.domain if d in frame.columns]
        w = frame[W].to_numpy()
        cols: dict[str, Any] = {d: frame[d] for d in domain}
        cols["_num"] = w * est.num(frame)
        cols["_den"] = w * est.den(frame) if est.den is not None else np.zeros(len(frame))
        strata = frame["strata"] if "strata" in frame.columns else pd.Series(0, index=frame.index)
        cols["_stratum"] = strata
        has_hh = "household" in frame.columns
        cols["_psu"] = (
            frame["household"] if has_hh else pd.Series(np.arange(len(frame)), index=frame.index)
        )
        work = pd.DataFrame(cols)
        keys = [*domain, "_stratum"]
        self.moments.append(
            psu_moments(
                work,
                domain,
                stratum="_stratum",
                psu="_psu" if has_hh else None,
                values=["_num", "_den"],
            )
        )
        design = tabulate(
            work.assign(
                ref_area=frame["ref_area"].to_numpy(), time_period=frame["time_period"].to_numpy()
            ),
            ["ref_area", "time_period", "_stratum", "_psu"],
        )
        counts = (
            design.groupby(["ref_area", "time_period", "_stratum"], observed=True, sort=False)
            .size()
            .rename("n_psu")
            .reset_index()
        )
        counts.attrs["tabulate_by"] = ["ref_area", "time_period", "_stratum"]
        self.psus.append(counts)
        if len(self.moments) >= 32:
            self.moments = [combine(self.moments, keys)]
            self.psus = [combine(self.psus, ["ref_area", "time_period", "_stratum"])]

    # ---- combination ----------------------------------------------------------------
    def merge(self, other: _PassState) -> None:
        self.ledger.merge(other.ledger)
        bad = self.notes.setdefault("invalid_codes", {})
        for code, count in other.notes.get("invalid_codes", {}).items():
            bad[code] = bad.get(code, 0) + count
        self.tables += other.tables
        self.moments += other.moments
        self.psus += other.psus
        for attr in ("basis", "weighted", "variance"):
            if getattr(self, attr) is None:
                setattr(self, attr, getattr(other, attr))
        if not self.keys:
            self.keys = other.keys

    def finish(self) -> CensusTotals:
        if not self.tables:
            if self.ledger.summary().get("census", {}).get("given", 0) == 0:
                raise InputValidationError("census: the input has no rows", input_kind="census")
            raise InputValidationError(
                "census: every row was excluded (see the exclusions: "
                f"{self.ledger.frame()[['reason', 'rows']].to_dict('records')})",
                input_kind="census",
            )
        assert self.basis is not None and self.weighted is not None and self.variance
        table = combine(self.tables, self.keys)
        for key in self.keys:
            if isinstance(table[key].dtype, pd.CategoricalDtype):
                table[key] = table[key].astype(str)
            elif table[key].dtype == object:
                table[key] = pd.Series(table[key].tolist(), index=table.index, name=key)
        for key in ("ref_area",):
            table[key] = table[key].astype(str)
        table["time_period"] = table["time_period"].astype("int64")
        moments = psus = None
        if self.moments:
            dom = [c for c in self.moments[0].columns if c not in _MOMENT_SUMS]
            moments = combine(self.moments, dom)
            psus = combine(self.psus, ["ref_area", "time_period", "_stratum"])
            for frame in (moments, psus):
                for col in frame.columns:
                    if isinstance(frame[col].dtype, pd.CategoricalDtype):
                        frame[col] = frame[col].astype(str)
        return CensusTotals(
            table=table,
            ledger=self.ledger,
            basis=self.basis,
            weighted=self.weighted,
            variance=self.variance,
            replicate_weights=self.spec.replicate_weights,
            moments=moments,
            psus=psus,
            notes=self.notes,
        )


@dataclass
class _Derived:
    """Per chunk row: key → (codes, labels), and the full-sample weights."""

    keys: dict[str, tuple[np.ndarray, np.ndarray]]
    weight: np.ndarray


def _cells(
    keys: Sequence[tuple[str, np.ndarray, np.ndarray]], data: dict[str, np.ndarray], n: int
) -> tuple[list[np.ndarray], np.ndarray, dict[str, np.ndarray]]:
    """Tabulate *n* rows by *keys* (name, codes, labels): per key the code of every cell,
    the rows and the sums of *data* per cell.

    Keys with one label are constants (code 0 in every cell). A dense mixed-radix code
    (:func:`~migindicators.engine.tabulate.tabulate_codes`) when the keys' combinations fit,
    otherwise the hashing kernel :func:`~migindicators.engine.tabulate.tabulate`.
    """
    varying = [i for i, (_, _, labels) in enumerate(keys) if len(labels) > 1]
    size = 1
    for i in varying:
        size *= len(keys[i][2])
    if not varying:
        counts = np.array([n], dtype=np.int64)
        sums = {w: np.array([np.nansum(v)]) for w, v in data.items()}
        return [np.zeros(1, dtype=np.intp) for _ in keys], counts, sums
    if size <= _CELLS:
        found, counts, sums = tabulate_codes(
            [keys[i][1] for i in varying], [len(keys[i][2]) for i in varying], data
        )
    else:
        names = [f"k{i}" for i in varying]
        frame = pd.DataFrame(
            {name: keys[i][1] for name, i in zip(names, varying, strict=True)} | data,
            copy=False,
        )
        table = tabulate(frame, names, weights=list(data))
        found = [table[name].to_numpy() for name in names]
        counts = table["n"].to_numpy()
        sums = {w: table[w].to_numpy() for w in data}
    digits = [np.zeros(len(counts), dtype=np.intp) for _ in keys]
    for i, digit in zip(varying, found, strict=True):
        digits[i] = digit
    return digits, counts, sums


def _countries(codes: np.ndarray) -> np.ndarray:
    """Which of a chunk's distinct codes are known countries (cached: chunks share them)."""
    return _countries_cached(tuple(codes)).copy()


@lru_cache(maxsize=256)
def _countries_cached(codes: tuple[Any, ...]) -> np.ndarray:
    return np.asarray(is_country(pd.Series(list(codes), dtype=object)).to_numpy(), dtype=bool)


def _missing(series: pd.Series) -> np.ndarray | None:
    """The rows where *series* is missing, or None when no row is (the common case).

    Decided in one pass without a mask where possible: a float sum is NaN only when some
    value is NaN (or +inf meets -inf, which the exact mask then sorts out), a categorical's
    smallest code is -1 only when some value is missing.
    """
    values = series.array
    if isinstance(values, pd.Categorical):
        codes = np.asarray(values.codes)
        if not len(codes) or codes.min() >= 0:
            return None
    elif isinstance(series.dtype, np.dtype):
        if series.dtype.kind in "iub":
            return None  # NumPy integers and booleans cannot be missing
        if series.dtype.kind == "f" and not np.isnan(series.to_numpy().sum()):
            return None
    mask = series.isna().to_numpy()
    return mask if mask.any() else None


def _exclude_if(
    ledger: RowLedger,
    frame: pd.DataFrame,
    mask: np.ndarray | None,
    reason: str,
    weight: str | None,
) -> pd.DataFrame:
    """``ledger.exclude`` only when some row is excluded (it always copies the frame)."""
    if mask is None or not mask.any():
        return frame
    return ledger.exclude(INPUT, frame, mask, reason, weight=weight)


def _all_equal(col: pd.Series, first: Any) -> bool:
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = category_codes(col)
        return bool(codes.min() == codes.max() and codes[0] >= 0)
    values = col.to_numpy()
    if values.dtype.kind in "iuf":
        return bool((values == first).all())
    return bool(col.nunique(dropna=False) == 1)


def _codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (−1 for missing) and the distinct values of *series*."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return category_codes(series), np.asarray(series.cat.categories, dtype=object)
    values = series.to_numpy()
    if values.dtype.kind in "iu" and len(values) and values.min() == values.max():
        return np.zeros(len(values), dtype=np.int8), np.asarray([values[0]], dtype=object)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def taylor_variance(
    moments: pd.DataFrame, psus: pd.DataFrame, domain: Sequence[str], ratio: pd.Series | None = None
) -> tuple[pd.DataFrame, set[tuple[Any, ...]]]:
    """Taylor variance of a total (``ratio=None``) or a ratio per domain, from PSU moments.

    Parameters
    ----------
    moments : pandas.DataFrame
        Per (domain, ``_stratum``): ``_num``, ``_den``, ``_num*_num``, ``_num*_den``,
        ``_den*_den`` (sums over PSUs of PSU totals and their products).
    psus : pandas.DataFrame
        ``n_psu`` per (``ref_area``, ``time_period``, ``_stratum``).
    domain : sequence of str
        Domain columns (must include ``ref_area`` and ``time_period``).
    ratio : pandas.Series, optional
        The estimated ratio R = N/D per domain (indexed by *domain*); the variance is then
        that of R: V(N − R·D) / D².

    Returns
    -------
    (pandas.DataFrame, set)
        Variance ``var`` per domain, and the domains containing a stratum with one PSU
        (lonely PSU: it contributes nothing, as R survey's ``lonely.psu="certainty"``).
    """
    m = moments.merge(psus, on=["ref_area", "time_period", "_stratum"], how="left")
    domain = list(domain)
    if ratio is None:
        s1 = m["_num"].to_numpy()
        s2 = m["_num*_num"].to_numpy()
    else:
        # Moments of z = num - R den, from those of num and den.
        r = m.join(ratio.rename("_r"), on=domain)["_r"].to_numpy(dtype="float64")
        r = np.nan_to_num(r)
        s1 = m["_num"].to_numpy() - r * m["_den"].to_numpy()
        s2 = (
            m["_num*_num"].to_numpy()
            - 2 * r * m["_num*_den"].to_numpy()
            + r * r * m["_den*_den"].to_numpy()
        )
    # Strata are design-wide: (ref_area, time_period, stratum); a lonely PSU contributes
    # nothing (R survey's lonely.psu="certainty"), no finite population correction.
    stratum, strata_keys = group_codes(m, ["ref_area", "time_period", "_stratum"])
    n_psu = np.zeros(len(strata_keys), dtype=np.int64)
    n_psu[stratum] = m["n_psu"].to_numpy(dtype="int64")
    cell, cells = group_codes(m, domain)
    variance, cell_lonely = taylor_variance_from_moments(
        cell,
        stratum,
        s1,
        s2,
        StrataInfo(n_psu=n_psu, f=np.ones(len(n_psu)), lonely_psu="certainty"),
        len(cells),
    )
    out = cells.assign(var=variance)
    if ratio is not None:
        d = np.bincount(cell, weights=m["_den"].to_numpy(), minlength=len(cells))
        with np.errstate(divide="ignore", invalid="ignore"):
            out["var"] = np.where(d > 0, variance / (d * d), np.nan)
    known = out[domain].notna().all(axis=1).to_numpy()  # (missing domain keys: no SE)
    lonely = {tuple(row) for row in out.loc[cell_lonely & known, domain].itertuples(index=False)}
    out = out.loc[known].reset_index(drop=True)
    return out, lonely
