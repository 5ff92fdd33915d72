"""The census pass wired together: read → validate/exclude → keys → accumulate → totals.

:func:`run_census` picks the runner for the source: a sequence of chunks on the calling
thread (an iterable of frames, CSV, Stata/SPSS, fixed-width), pieces on several threads (a
Parquet file's row groups, a large frame's row slices) or Dask partitions where they lie.
Every runner feeds the same :class:`~migindicators.engine.census.accumulate.Accumulator`,
whose sums need no order of the rows, so all give the same totals and standard errors.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from migindicators.core.errors import InputValidationError
from migindicators.io.mapping import VariableMapping
from migindicators.io.progress import progress as progress_bar
from migindicators.io.tabular import file_format
from migindicators.io.threads import default_threads, run_on_threads

from .accumulate import Accumulator, Registries
from .calibrated import run_calibrated
from .psu import spill_budget
from .read import PieceReader, frame_slices, parquet_source, source_chunks, standardise
from .spec import CensusPass, CensusTotals, resolve_mapping

__all__ = ["run_census"]

T = TypeVar("T")

#: Dask partitions computed per round (bounds what the client holds at once).
DASK_BATCH = 16


def run_census(census: Any, spec: CensusPass) -> CensusTotals:
    """Tabulate *census* according to *spec* (see :mod:`migindicators.engine.census`)."""
    if spec.calibration:
        return run_calibrated(census, spec, run_census)
    mapping = resolve_mapping(spec.mapping)
    if type(census).__module__.startswith("dask"):
        return _run_dask(census, spec, mapping)
    if isinstance(census, (str, Path)) and file_format(census) == "parquet":
        threads = default_threads()
        pieces, reader = parquet_source(census, spec, mapping, threads)
        total = sum(piece.num_rows for piece in pieces)
        return _run_threaded(pieces, reader, spec, mapping, threads=threads, total_rows=total)
    if isinstance(census, pd.DataFrame) and len(census) > spec.chunk_rows:
        # A large frame is tabulated in row slices (views, no copy), on several threads:
        # every temporary of the pass is then a few MB that the allocator reuses, instead
        # of fresh full-length arrays whose page faults cost more than the arithmetic.
        slices, reader = frame_slices(census, spec.chunk_rows)
        return _run_threaded(
            slices, reader, spec, mapping, threads=default_threads(), total_rows=len(census)
        )
    acc = Accumulator(spec)
    try:
        for raw in progress_bar(source_chunks(census, spec, mapping), enabled=spec.progress):
            chunk = standardise(raw, mapping)
            if len(chunk):
                acc.add(chunk)
        return acc.finish()
    finally:
        acc.close()


def _run_threaded(
    pieces: Sequence[T],
    chunks: PieceReader,
    spec: CensusPass,
    mapping: VariableMapping | None,
    *,
    threads: int,
    total_rows: int,
) -> CensusTotals:
    """Accumulate the chunks of every piece on *threads* threads, one accumulator each.

    Pieces go to the workers in a fixed rotation
    (:func:`~migindicators.io.threads.run_on_threads`), so a pass is reproducible; the
    accumulators share their domain and stratum ids and are merged at the end.
    """
    threads = max(1, min(threads, len(pieces)))
    registries = Registries()
    budget = spill_budget() // threads  # the pass's budget, shared out
    accs = [Accumulator(spec, registries, budget=budget) for _ in range(threads)]

    def work(k: int, piece: T) -> Iterator[int]:
        for raw in chunks(k, piece):
            frame = standardise(raw, mapping)
            if len(frame):
                accs[k].add(frame)
            yield len(raw)

    try:
        counts = run_on_threads(pieces, work, threads=threads)
        for _ in progress_bar(
            (range(n) for n in counts), enabled=spec.progress, total_rows=total_rows
        ):  # a range stands for the chunk: the bar needs only its length
            pass
        merged = accs[0]
        for acc in accs[1:]:
            merged.merge(acc)
        return merged.finish()
    finally:
        for acc in accs:
            acc.close()


def _run_dask(ddf: Any, spec: CensusPass, mapping: VariableMapping | None) -> CensusTotals:
    """Each partition accumulated where it lies (its PSU records in memory), then absorbed.

    Partitions are computed :data:`DASK_BATCH` at a time and absorbed by one accumulator
    on the client, which spills PSU records to disk beyond its budget.
    """
    from dask.base import compute
    from dask.delayed import delayed

    from .read import source_columns

    cols = source_columns(list(ddf.columns), spec, mapping)
    parts = ddf[cols].to_delayed()
    if not parts:
        raise InputValidationError(
            "census: the Dask DataFrame has no partitions", input_kind="census"
        )

    def one(part: pd.DataFrame) -> Accumulator:
        acc = Accumulator(spec, budget=2**62)  # records travel back in memory
        frame = standardise(part, mapping)
        if len(frame):
            acc.add(frame)
        return acc

    merged = Accumulator(spec)
    try:
        for start in range(0, len(parts), DASK_BATCH):
            batch = [delayed(one)(p) for p in parts[start : start + DASK_BATCH]]
            for acc in compute(*batch):  # type: ignore[no-untyped-call]
                merged.absorb(acc)
        return merged.finish()
    finally:
        merged.close()
