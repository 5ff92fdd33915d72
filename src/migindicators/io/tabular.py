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
from pathlib import Path
from queue import Empty, Full, Queue
from typing import Any, TypeVar

import pandas as pd

from migindicators.io.ddi import Codebook, read_ddi
from migindicators.io.fixed_width import iter_fixed_width
from migindicators.io.stata import STATA_SUFFIXES, iter_stata

T = TypeVar("T")

__all__ = [
    "available_columns",
    "batch_frame",
    "file_format",
    "iter_census",
    "iter_chunks",
    "iter_csv",
    "iter_parquet",
    "parquet_batches",
    "prefetch",
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
    raise ValueError(
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
        raise ValueError(f"{Path(path).name}: a fixed-width file needs its DDI codebook (ddi=)")
    book = ddi if isinstance(ddi, Codebook) else read_ddi(ddi)
    return book.names


def _to_pandas(batch: Any, categorical: Sequence[str]) -> pd.DataFrame:
    """Arrow batch → pandas; *categorical* string columns dictionary-encoded first.

    Code columns (country, sex) have few distinct values: encoding them in Arrow costs one
    C++ hash pass and gives pandas categoricals, whose integer codes the tabulation kernel
    uses directly instead of hashing strings again.
    """
    if categorical:
        import pyarrow as pa

        names = batch.schema.names
        arrays = list(batch.columns)
        for i, name in enumerate(names):
            if name in categorical and (
                pa.types.is_string(arrays[i].type) or pa.types.is_large_string(arrays[i].type)
            ):
                arrays[i] = arrays[i].dictionary_encode()
        batch = pa.RecordBatch.from_arrays(arrays, names=names)
    # One block per column: no consolidation copy of same-typed columns into 2-D blocks.
    frame: pd.DataFrame = batch.to_pandas(split_blocks=True)
    return frame


def parquet_batches(
    path: str | Path,
    *,
    columns: Sequence[str] | None = None,
    chunk_rows: int = 1_000_000,
    categorical: Sequence[str] = (),
) -> Iterator[Any]:
    """Yield the non-empty Arrow record batches of a Parquet file or directory.

    Those of :func:`iter_parquet` before their conversion to pandas (:func:`batch_frame`);
    *categorical* columns are read as dictionaries where the file allows.
    """
    _pyarrow()
    import pyarrow.dataset as pads
    import pyarrow.parquet as pq

    cols = list(columns) if columns is not None else None
    if Path(path).is_dir():
        # A dataset of files: no read-ahead beyond one batch, so memory stays bounded.
        batches = pads.dataset(str(path), format="parquet").to_batches(
            columns=cols, batch_size=chunk_rows, batch_readahead=1, fragment_readahead=1
        )
    else:
        # One file: row group after row group (pyarrow's dataset scanner reads far ahead,
        # which costs gigabytes on a 10^8-row file).
        # Code columns are read as dictionaries straight from the Parquet dictionary pages
        # (no string materialisation, no hashing): pandas categoricals whose codes the
        # tabulation kernel uses as they are. Decoding stays on the reader's own thread:
        # the census pass reads through `prefetch`, so decoding already overlaps with the
        # tabulation on the second core; pyarrow's column threads would compete with it
        # (measured on 2 cores, 200M rows: 16 s single-threaded against 19 s threaded).
        names = set(pq.read_schema(str(path)).names)
        dictionary = [c for c in categorical if c in names]
        file = pq.ParquetFile(str(path), read_dictionary=dictionary or None)
        batches = file.iter_batches(batch_size=chunk_rows, columns=cols, use_threads=False)
    for batch in batches:
        if batch.num_rows:
            yield batch


def batch_frame(batch: Any, categorical: Sequence[str], first: int) -> pd.DataFrame:
    """A record batch of :func:`parquet_batches` as the frame :func:`iter_parquet` yields.

    *first* is the row number of the batch's first row (the frame's index starts there).
    """
    frame = _to_pandas(batch, categorical)
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
            raise ValueError(
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
        :class:`~migindicators.errors.InputValidationError` naming the column and rows.
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
