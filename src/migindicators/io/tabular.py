"""Parquet and CSV files read chunk by chunk, needed columns only; one entry point for all formats.

:func:`iter_chunks` dispatches on the file suffix: Parquet (``pyarrow.parquet`` record
batches; optional extra ``parquet``), CSV and ``.csv.gz`` (the streaming pyarrow CSV reader
when pyarrow is installed, else pandas ``read_csv`` with ``chunksize``), Stata/SPSS
(:mod:`migindicators.io.stata`) and IPUMS fixed-width ``.dat``/``.dat.gz`` with a DDI
codebook (:mod:`migindicators.io.fixed_width`). Every reader reads only *columns*, so the
memory of a tabulation is bounded by ``chunk_rows`` × the needed columns, not by the file.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from queue import Empty, Full, Queue
from typing import Any, TypeVar

import pandas as pd

from migindicators.core.errors import FileError, OptionError
from migindicators.core.registry import check_int
from migindicators.io.ddi import Codebook, read_ddi
from migindicators.io.fixed_width import iter_fixed_width
from migindicators.io.stata import STATA_SUFFIXES, iter_stata

T = TypeVar("T")

__all__ = [
    "ParquetPiece",
    "available_columns",
    "batch_frame",
    "file_format",
    "iter_census",
    "iter_chunks",
    "iter_csv",
    "iter_parquet",
    "open_parquet",
    "parquet_batches",
    "parquet_pieces",
    "prefetch",
    "read_piece",
]


def prefetch(chunks: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Read the next chunk in a background thread while the caller works on the current one.

    File decoding (Arrow, gzip) releases the GIL, so reading overlaps with tabulation on a
    second core. At most *depth* chunks wait in the queue: memory grows by *depth* chunks.
    Errors in the reader are raised in the caller; closing the generator stops the reader.
    """
    queue: Queue[tuple[str, Any]] = Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for chunk in chunks:
                while not stop.is_set():
                    try:
                        queue.put(("chunk", chunk), timeout=0.1)
                        break
                    except Full:
                        continue
                if stop.is_set():
                    return
            queue.put(("done", None))
        except BaseException as exc:  # re-raised in the consumer thread
            queue.put(("error", exc))

    thread = threading.Thread(target=work, name="migindicators-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            kind, item = queue.get()
            if kind == "done":
                return
            if kind == "error":
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                queue.get_nowait()
            except Empty:
                thread.join(timeout=0.1)


def file_format(path: str | Path) -> str:
    """``"parquet"``, ``"csv"``, ``"stata"`` or ``"fixed_width"`` from the file name."""
    name = Path(path).name.lower()
    for ext in (".gz", ".bz2", ".zst", ".xz"):
        name = name.removesuffix(ext)
    suffix = Path(name).suffix
    if suffix in (".parquet", ".pq"):
        return "parquet"
    if suffix in (".csv", ".txt", ".tsv"):
        return "csv"
    if suffix in STATA_SUFFIXES:
        return "stata"
    if suffix == ".dat":
        return "fixed_width"
    if Path(path).is_dir():
        return "parquet"  # a directory of Parquet files (a dataset)
    raise OptionError(
        f"{Path(path).name}: unknown file type; use .parquet, .csv(.gz), "
        ".dta/.sav, or .dat(.gz) with its DDI codebook"
    )


def _pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        raise ImportError(
            "reading Parquet needs pyarrow: pip install 'migindicators[parquet]'"
        ) from None
    return pyarrow


def available_columns(path: str | Path, *, ddi: Codebook | str | Path | None = None) -> list[str]:
    """The column names of a file, read from its header or metadata only."""
    kind = file_format(path)
    if kind == "parquet":
        _pyarrow()
        import pyarrow.dataset as pads

        return list(pads.dataset(str(path), format="parquet").schema.names)
    if kind == "csv":
        return list(pd.read_csv(path, nrows=0).columns)
    if kind == "stata":
        return list(next(iter_stata(path, chunk_rows=1)).columns)
    if ddi is None:
        raise OptionError(f"{Path(path).name}: a fixed-width file needs its DDI codebook (ddi=)")
    book = ddi if isinstance(ddi, Codebook) else read_ddi(ddi)
    return book.names


def _to_pandas(batch: Any, categorical: Sequence[str], *, zero_copy: bool = False) -> pd.DataFrame:
    """Arrow batch → pandas; *categorical* string columns as pandas categoricals.

    Code columns (country, sex) have few distinct values: dictionary-encoded (in Arrow, or
    already so in the Parquet file) they become categoricals whose integer codes the
    tabulation kernel uses directly instead of hashing strings again. Dictionary columns
    are converted here rather than by ``to_pandas``, which re-validates every code; with
    *zero_copy*, numeric columns without missing values are read-only views of the Arrow
    buffers (for internal passes that never write into a chunk).
    """
    import pyarrow as pa

    columns: dict[str, Any] = {}
    rest: list[str] = []
    pending: list[Any] = []
    for name, array in zip(batch.schema.names, batch.columns, strict=True):
        if name in categorical and (
            pa.types.is_string(array.type) or pa.types.is_large_string(array.type)
        ):
            array = array.dictionary_encode()
        converted = _fast_column(array, zero_copy)
        if converted is None:
            rest.append(name)
            pending.append(array)
        else:
            columns[name] = converted
    if rest:
        # Everything else keeps Arrow's own conversion (nulls in integers, dates, ...),
        # into writable blocks.
        others = pa.RecordBatch.from_arrays(pending, names=rest)
        converted_rest = others.to_pandas()
        for name in rest:
            columns[name] = converted_rest[name]
    frame = pd.DataFrame({name: columns[name] for name in batch.schema.names}, copy=False)
    return frame


@lru_cache(maxsize=256)
def _categories(values: tuple[Any, ...]) -> pd.CategoricalDtype:
    """The categorical dtype of a dictionary, cached: the chunks of a file share their
    dictionaries, and building the dtype (an index, a uniqueness check) costs more than a
    million codes."""
    return pd.CategoricalDtype(pd.Index(list(values)))


def _fast_column(array: Any, zero_copy: bool) -> Any:
    """A pandas-ready column for dictionary and plain numeric arrays; None for the rest."""
    import pyarrow as pa

    kind = array.type
    if pa.types.is_dictionary(kind):
        values = kind.value_type
        if not (pa.types.is_string(values) or pa.types.is_large_string(values)):
            return None
        indices = array.indices
        if array.null_count:
            indices = indices.fill_null(-1)
        try:
            dtype = _categories(tuple(array.dictionary.to_pylist()))
        except (ValueError, TypeError):
            return None  # nulls or repeats in the dictionary: Arrow's conversion copes
        codes = indices.to_numpy(zero_copy_only=False)
        return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
    if array.null_count == 0 and (pa.types.is_integer(kind) or pa.types.is_floating(kind)):
        view = array.to_numpy(zero_copy_only=True)
        # A copy unless asked otherwise: Arrow's own to_pandas (split blocks) would give
        # read-only arrays, which pandas's copy-on-write then refuses to assign into.
        return view if zero_copy else view.copy()
    return None


@dataclass(frozen=True)
class ParquetPiece:
    """A unit of work of a Parquet input: consecutive row groups of one file.

    Attributes
    ----------
    path : str
        The file.
    row_groups : tuple of int
        Its row groups, consecutive.
    first_row : int
        Row number, in the whole input, of the piece's first row.
    num_rows : int
        Rows in the piece.
    constants : tuple of (str, object)
        Columns whose statistics show one value and no missing value in every row group of
        the piece: they are not decoded but rebuilt from that value.
    """

    path: str
    row_groups: tuple[int, ...]
    first_row: int
    num_rows: int
    constants: tuple[tuple[str, Any], ...] = ()


#: Longest string constant taken from statistics: writers may truncate longer ones.
_MAX_CONSTANT_BYTES = 32


def _parquet_files(path: str | Path) -> list[str]:
    if Path(path).is_dir():
        import pyarrow.dataset as pads

        return list(pads.dataset(str(path), format="parquet").files)
    return [str(path)]


def _constants(meta: Any, schema: Any, wanted: Sequence[str]) -> dict[str, Any]:
    """Columns of one row group with a single value and no nulls, from its statistics.

    Only integers and strings: for them equal minimum and maximum mean one value (floats
    have -0.0 == 0.0 and NaN). A census file of one country and year has ``ref_area`` and
    ``time_period`` constant; not decoding them saves a fifth of the reading time.
    """
    import pyarrow as pa

    out: dict[str, Any] = {}
    for j in range(meta.num_columns):
        column = meta.column(j)
        name = column.path_in_schema
        if name not in wanted or schema.get_field_index(name) < 0:
            continue
        kind = schema.field(name).type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        if not (text or pa.types.is_integer(kind)):
            continue
        stats = column.statistics
        if (
            stats is None
            or not stats.has_min_max
            or not stats.has_null_count
            or stats.null_count != 0
            or column.num_values != meta.num_rows
            or stats.min != stats.max
        ):
            continue
        value = stats.min
        if text and not (isinstance(value, str) and len(value.encode()) < _MAX_CONSTANT_BYTES):
            continue
        if not text and not isinstance(value, int):
            continue
        out[name] = value
    return out


def parquet_pieces(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
    categorical: Sequence[str] = (),
) -> list[ParquetPiece]:
    """Split a Parquet file (or directory of files) into pieces of about *chunk_rows* rows.

    A piece is one row group, or several consecutive small ones (up to *chunk_rows* rows)
    with the same constant columns; read it with :func:`read_piece`. Pieces can be read in
    any order and on any thread: this is how a census file is tabulated on several cores.
    """
    chunk_rows = check_int(chunk_rows, "chunk_rows", minimum=1)
    _pyarrow()
    pieces: list[ParquetPiece] = []
    first = 0
    for file_path in _parquet_files(path):
        file = open_parquet(file_path, categorical)
        schema = file.schema_arrow
        wanted = list(columns) if columns is not None else list(schema.names)
        meta = file.metadata
        # Row groups smaller than chunk_rows share a piece up to chunk_rows rows: joining
        # them costs a copy, but each chunk has a fixed cost in the pass (200M rows: 6.9 s
        # in 2M-row chunks against 7.2-9 s in the file's 1M-row groups). A larger group
        # is a piece of its own, read in several chunks.
        group: list[tuple[int, int, dict[str, Any]]] = []  # (row group, rows, constants)
        for i in range(meta.num_row_groups):
            rg = meta.row_group(i)
            if rg.num_rows == 0:
                continue
            found = _constants(rg, schema, wanted)
            small = rg.num_rows < chunk_rows
            if group and (
                not small
                or sum(r for _, r, _ in group) + rg.num_rows > chunk_rows
                or found != group[0][2]
            ):
                pieces.append(_piece(file_path, group, first))
                first += pieces[-1].num_rows
                group = []
            group.append((i, rg.num_rows, found))
            if not small:
                pieces.append(_piece(file_path, group, first))
                first += pieces[-1].num_rows
                group = []
        if group:
            pieces.append(_piece(file_path, group, first))
            first += pieces[-1].num_rows
    return pieces


def _piece(path: str, group: list[tuple[int, int, dict[str, Any]]], first: int) -> ParquetPiece:
    return ParquetPiece(
        path=path,
        row_groups=tuple(i for i, _, _ in group),
        first_row=first,
        num_rows=sum(rows for _, rows, _ in group),
        constants=tuple(group[0][2].items()),
    )


def open_parquet(path: str, categorical: Sequence[str] = ()) -> Any:
    """A ``pyarrow.parquet.ParquetFile`` reading *categorical* columns as dictionaries."""
    import pyarrow.parquet as pq

    try:
        names = set(pq.read_schema(path).names)
        dictionary = [c for c in categorical if c in names]
        # pre_buffer (pyarrow's default) coalesces reads for object stores; on a local file
        # it only adds copies: 200M rows decode in 9.3 s with it, 5.7 s without (2 cores).
        return pq.ParquetFile(path, read_dictionary=dictionary or None, pre_buffer=False)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise _corrupt(path, exc) from exc


def _corrupt(path: str, exc: BaseException) -> FileError:
    return FileError(
        f"{path}: cannot be read as Parquet ({type(exc).__name__}: {exc}); the file is "
        "damaged or not Parquet: write it again, or read another copy"
    )


def read_piece(
    piece: ParquetPiece,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
    categorical: Sequence[str] = (),
    file: Any = None,
) -> Iterator[Any]:
    """Yield the Arrow record batches of a :class:`ParquetPiece` (at most *chunk_rows* rows).

    Code columns in *categorical* are read as dictionaries straight from the Parquet
    dictionary pages (no string materialisation, no hashing). Constant columns are rebuilt
    from their value, not decoded. Decoding runs on the calling thread (``use_threads``
    off): callers that want several cores read several pieces at once. A damaged column
    chunk raises :class:`~migindicators.core.errors.FileError` naming the file.

    Parameters
    ----------
    piece : ParquetPiece
        From :func:`parquet_pieces` with the same *columns* and *categorical*.
    columns, chunk_rows, categorical
        As for :func:`parquet_batches`.
    file : pyarrow.parquet.ParquetFile, optional
        The piece's file already open (a handle per thread).
    """
    try:
        yield from _read_piece(
            piece, columns=columns, chunk_rows=chunk_rows, categorical=categorical, file=file
        )
    except (OSError, ValueError) as exc:
        if isinstance(exc, FileError):
            raise
        raise _corrupt(piece.path, exc) from exc


def _read_piece(
    piece: ParquetPiece,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
    categorical: Sequence[str] = (),
    file: Any = None,
) -> Iterator[Any]:
    import pyarrow as pa

    handle = file if file is not None else open_parquet(piece.path, categorical)
    schema = handle.schema_arrow
    names = list(columns) if columns is not None else list(schema.names)
    constants = dict(piece.constants)
    decoded = [n for n in names if n not in constants]
    if not decoded:
        # Every wanted column is constant: only the row counts are needed.
        batches: Iterator[Any] = (
            _RowCount(min(chunk_rows, piece.num_rows - start))
            for start in range(0, piece.num_rows, chunk_rows)
        )
    elif len(piece.row_groups) == 1:
        batches = handle.iter_batches(
            batch_size=chunk_rows,
            row_groups=list(piece.row_groups),
            columns=decoded,
            use_threads=False,
        )
    else:
        # Several small row groups: one batch (dictionaries unified across them).
        table = handle.read_row_groups(list(piece.row_groups), columns=decoded, use_threads=False)
        batches = iter(table.unify_dictionaries().combine_chunks().to_batches())
    for batch in batches:
        n = batch.num_rows
        if n == 0:
            continue
        arrays = [
            _repeat(constants[name], schema.field(name).type, n)
            if name in constants
            else batch.column(name)
            for name in names
        ]
        yield pa.RecordBatch.from_arrays(arrays, names=names)


@dataclass(frozen=True)
class _RowCount:
    """Stands for a batch with no decoded column: just its number of rows."""

    num_rows: int


def _repeat(value: Any, kind: Any, n: int) -> Any:
    """An Arrow array of *n* times *value* with the column's type (built in NumPy:
    ``pyarrow.repeat`` is ten times slower)."""
    import numpy as np
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        indices = pa.array(np.zeros(n, dtype=kind.index_type.to_pandas_dtype()))
        return pa.DictionaryArray.from_arrays(indices, pa.array([value], type=kind.value_type))
    if pa.types.is_integer(kind):
        return pa.array(np.full(n, value, dtype=kind.to_pandas_dtype()))
    return pa.repeat(pa.scalar(value, type=kind), n)


def parquet_batches(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
    categorical: Sequence[str] = (),
) -> Iterator[Any]:
    """Yield the non-empty Arrow record batches of a Parquet file or directory, in order.

    Those of :func:`iter_parquet` before their conversion to pandas (:func:`batch_frame`);
    *categorical* columns are read as dictionaries where the file allows. The file is read
    row group after row group (:func:`parquet_pieces`, :func:`read_piece`): memory is bounded
    by *chunk_rows* and the row-group size, whatever the file size.
    """
    handles: dict[str, Any] = {}
    pieces = parquet_pieces(path, columns=columns, chunk_rows=chunk_rows, categorical=categorical)
    for piece in pieces:
        if piece.path not in handles:
            handles.clear()
            handles[piece.path] = open_parquet(piece.path, categorical)
        yield from read_piece(
            piece,
            columns=columns,
            chunk_rows=chunk_rows,
            categorical=categorical,
            file=handles[piece.path],
        )


def batch_frame(
    batch: Any, categorical: Sequence[str], first: int, *, zero_copy: bool = False
) -> pd.DataFrame:
    """A record batch of :func:`parquet_batches` as the frame :func:`iter_parquet` yields.

    *first* is the row number of the batch's first row (the frame's index starts there).
    With *zero_copy*, numeric columns may be read-only views of the batch (for passes that
    never write into a chunk).
    """
    frame = _to_pandas(batch, categorical, zero_copy=zero_copy)
    frame.index = pd.RangeIndex(first, first + len(frame))
    return frame


def iter_parquet(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
    categorical: Sequence[str] = (),
) -> Iterator[pd.DataFrame]:
    """Yield Parquet record batches of at most *chunk_rows* rows as pandas frames.

    *categorical* names string columns to return as pandas categoricals.
    """
    first = 0
    for batch in parquet_batches(
        path, columns=columns, chunk_rows=chunk_rows, categorical=categorical
    ):
        frame = batch_frame(batch, categorical, first)
        first += len(frame)
        yield frame


def iter_csv(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
    categorical: Sequence[str] = (),
) -> Iterator[pd.DataFrame]:
    """Yield chunks of a CSV file (optionally gzip-compressed), reading only *columns*."""
    try:
        import pyarrow.csv as pacsv
    except ImportError:
        pacsv = None
    first = 0
    if pacsv is not None:
        # Empty fields are missing values (as pandas reads them), not empty strings.
        convert = pacsv.ConvertOptions(
            include_columns=list(columns) if columns else None, strings_can_be_null=True
        )
        # block_size bounds the bytes parsed per batch; ~64 bytes per row is a fair guess.
        read = pacsv.ReadOptions(block_size=max(1 << 20, min(chunk_rows * 64, 1 << 30)))
        with pacsv.open_csv(str(path), read_options=read, convert_options=convert) as reader:
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                frame = _to_pandas(batch, categorical)
                frame.index = pd.RangeIndex(first, first + len(frame))
                first += len(frame)
                yield frame
        return
    for frame in pd.read_csv(
        path, usecols=list(columns) if columns else None, chunksize=chunk_rows
    ):
        frame.index = pd.RangeIndex(first, first + len(frame))
        first += len(frame)
        yield frame


def iter_chunks(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
    ddi: Codebook | str | Path | None = None,
    categorical: Sequence[str] = (),
) -> Iterator[pd.DataFrame]:
    """Yield chunks of any supported file, reading only *columns*.

    Parameters
    ----------
    path : path
        A Parquet file or directory, CSV (``.csv``, ``.csv.gz``), Stata/SPSS, or a
        fixed-width ``.dat``/``.dat.gz`` (then *ddi* is required).
    columns : sequence of str, optional
        Source columns to read (default all).
    chunk_rows : int
        Rows per chunk (approximate for CSV).
    ddi : Codebook or path, optional
        The DDI codebook of a fixed-width file.
    categorical : sequence of str
        String columns to return as categoricals (Parquet and CSV).
    """
    chunk_rows = check_int(chunk_rows, "chunk_rows", minimum=1)
    kind = file_format(path)
    if kind == "parquet":
        return iter_parquet(path, columns=columns, chunk_rows=chunk_rows, categorical=categorical)
    if kind == "csv":
        return iter_csv(path, columns=columns, chunk_rows=chunk_rows, categorical=categorical)
    if kind == "stata":
        return iter_stata(path, columns=columns, chunk_rows=chunk_rows)
    if ddi is None:
        sibling = Path(str(path).removesuffix(".gz")).with_suffix(".xml")
        if not sibling.exists():
            raise OptionError(
                f"{Path(path).name}: a fixed-width file needs its DDI codebook "
                "(ddi=path/to/extract.xml)"
            )
        ddi = sibling
    return iter_fixed_width(path, ddi, columns=columns, chunk_rows=chunk_rows)


def iter_census(
    path: str | Path,
    *,
    mapping: Any = None,
    ddi: Codebook | str | Path | None = None,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
) -> Iterator[pd.DataFrame]:
    """Yield validated census chunks with standard column names.

    Parameters
    ----------
    path : path
        Any file :func:`iter_chunks` reads.
    mapping : VariableMapping or "ipums_international", optional
        Source names and codes → standard census columns.
    ddi : Codebook or path, optional
        Codebook of a fixed-width file.
    columns : sequence of str, optional
        Standard columns wanted (default: all the mapping or file provides).
    chunk_rows : int
        Rows per chunk.

    Yields
    ------
    pandas.DataFrame
        Chunks validated against the ``census`` input kind
        (:func:`migindicators.schemas.census.validate_census`); a chunk that fails raises
        :class:`~migindicators.core.errors.InputValidationError` naming the column and rows.
    """
    from migindicators.io.mapping import IPUMS_INTERNATIONAL
    from migindicators.schemas.census import validate_census

    if mapping == "ipums_international":
        mapping = IPUMS_INTERNATIONAL
    have = available_columns(path, ddi=ddi)
    if mapping is not None:
        wanted = list(columns) if columns is not None else list(mapping.columns.values())
        source = mapping.source_for(wanted, have)
    else:
        source = [c for c in columns if c in have] if columns is not None else None
    for chunk in prefetch(iter_chunks(path, columns=source, chunk_rows=chunk_rows, ddi=ddi)):
        frame = mapping.apply(chunk) if mapping is not None else chunk
        yield validate_census(frame)
