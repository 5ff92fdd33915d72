"""Stage 1 of the census pass: the raw chunks of any source, needed columns only.

A pandas frame (whole, or in row slices when larger than ``chunk_rows``), an iterable of
frames, a file (Parquet as pieces any thread can read; CSV, Stata/SPSS, IPUMS fixed-width
through :func:`migindicators.io.tabular.iter_chunks`) or the partitions of a Dask
DataFrame. :func:`standardise` maps source names and codes to the standard census columns
(an optional :class:`~migindicators.io.mapping.VariableMapping`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from migindicators.core.errors import InputValidationError
from migindicators.core.frames import to_pandas
from migindicators.io.mapping import VariableMapping
from migindicators.io.tabular import (
    ParquetPiece,
    available_columns,
    batch_frame,
    iter_chunks,
    open_parquet,
    parquet_pieces,
    prefetch,
    read_piece,
)

from .spec import CensusPass

__all__ = [
    "frame_slices",
    "needed_columns",
    "parquet_source",
    "source_chunks",
    "source_columns",
    "standardise",
]

_CODE_COLUMNS = ("ref_area", "sex", "country_of_birth", "citizenship", "age_group")


def needed_columns(spec: CensusPass) -> list[str]:
    """The standard columns the pass reads (those the input lacks are simply absent)."""
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


def source_columns(
    have: Sequence[str], spec: CensusPass, mapping: VariableMapping | None
) -> list[str]:
    """The source columns to read: those the pass needs that the input has (mapped names)."""
    needed = needed_columns(spec)
    if mapping is not None:
        return mapping.source_for(needed, list(have))
    return [c for c in needed if c in have]


def categorical_sources(mapping: VariableMapping | None) -> list[str]:
    """Source columns of country and category codes (read as categoricals)."""
    if mapping is None:
        return list(_CODE_COLUMNS)
    return [src for src, std in mapping.columns.items() if std in _CODE_COLUMNS]


def standardise(raw: pd.DataFrame, mapping: VariableMapping | None) -> pd.DataFrame:
    """A raw chunk with standard census names and codes."""
    return mapping.apply(raw) if mapping is not None else raw


def pandas_chunk(chunk: Any) -> pd.DataFrame:
    """One chunk of an iterable census as a pandas DataFrame.

    polars (eager or lazy), pyarrow and DuckDB chunks are converted through the package's
    dataframe boundary (:func:`~migindicators.core.frames.to_pandas`); anything else is an
    :class:`~migindicators.core.errors.InputValidationError` naming what came instead.
    """
    converted = to_pandas(chunk)
    if not isinstance(converted, pd.DataFrame):
        raise InputValidationError(
            "census: an iterable must yield dataframes (pandas, polars, pyarrow or DuckDB), "
            f"got {type(chunk).__name__}",
            input_kind="census",
        )
    return converted


def source_chunks(
    census: Any, spec: CensusPass, mapping: VariableMapping | None
) -> Iterator[pd.DataFrame]:
    """The raw chunks of a frame, an iterable of frames or a (non-Parquet) file."""
    if isinstance(census, pd.DataFrame):
        yield census
        return
    if isinstance(census, (str, Path)):
        cols = source_columns(available_columns(census, ddi=spec.ddi), spec, mapping)
        yield from prefetch(
            iter_chunks(
                census,
                columns=cols,
                chunk_rows=spec.chunk_rows,
                ddi=spec.ddi,
                categorical=categorical_sources(mapping),
            )
        )
        return
    if isinstance(census, Iterable):
        for chunk in census:
            yield pandas_chunk(chunk)
        return
    raise InputValidationError(
        f"census must be a pandas DataFrame, an iterable of DataFrames, a file path or a Dask "
        f"DataFrame; got {type(census).__name__}",
        input_kind="census",
    )


#: Reads the chunks of one piece on worker *k* (each worker keeps its own open file).
PieceReader = Callable[[int, Any], Iterator[pd.DataFrame]]


def parquet_source(
    path: str | Path, spec: CensusPass, mapping: VariableMapping | None, threads: int
) -> tuple[list[ParquetPiece], PieceReader]:
    """The pieces (row groups) of a Parquet census and a reader of one piece per worker."""
    cols = source_columns(available_columns(path), spec, mapping)
    categorical = categorical_sources(mapping)
    pieces = parquet_pieces(path, columns=cols, chunk_rows=spec.chunk_rows, categorical=categorical)
    handles: list[dict[str, Any]] = [{} for _ in range(threads)]

    def chunks(k: int, piece: ParquetPiece) -> Iterator[pd.DataFrame]:
        files = handles[k]
        if piece.path not in files:
            files.clear()  # one open file per worker
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

    return pieces, chunks


def frame_slices(
    census: pd.DataFrame, chunk_rows: int
) -> tuple[list[tuple[int, int]], PieceReader]:
    """Row slices (views, no copy) of a large frame and their reader."""
    slices = [(i, min(i + chunk_rows, len(census))) for i in range(0, len(census), chunk_rows)]

    def chunks(k: int, bounds: tuple[int, int]) -> Iterator[pd.DataFrame]:
        yield census.iloc[bounds[0] : bounds[1]]

    return slices, chunks
