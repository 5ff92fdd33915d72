"""A one-shot iterator of census chunks made iterable more than once, through a disk spool.

The calibrated census indicators that are ratios (share of the population, female share,
sex ratio) need two calibrated passes over the census (:mod:`.calstream`), each reading
it twice. A file or a list can simply be read again; a generator cannot. :func:`replayable`
wraps a generator so that the first iteration writes each chunk to a temporary file as it
passes and every later iteration reads them back from there: the extract is never held in
memory whole (a chunk is written once and read back by each later iteration). The file is
removed when the wrapper is garbage-collected (at the latest at interpreter exit).
"""

from __future__ import annotations

import os
import pickle
import shutil
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from migindicators.core.frames import to_pandas

__all__ = ["replayable"]


def replayable(census: Any) -> Any:
    """*census* itself, or a re-iterable spool of it when it is a one-shot iterator.

    Parameters
    ----------
    census : any
        A census input of the census pass (a DataFrame, path, list, Dask DataFrame or an
        iterator of DataFrames).

    Returns
    -------
    any
        *census* unchanged unless it is an iterator (``iter(census) is census``); then an
        iterable whose first iteration spools the chunks to a temporary file
        (``MIGINDICATORS_TMPDIR`` or the system's temporary folder) and whose later
        iterations read them back.
    """
    if isinstance(census, Iterator) and not isinstance(census, pd.DataFrame):
        return _SpooledChunks(census)
    return census


class _SpooledChunks(Iterable[pd.DataFrame]):
    """Chunks pulled from the source once, appended to a spool file as they come; every
    iteration replays the spooled chunks, then goes on pulling from the source (so a
    reader that stops early, e.g. to look at the first chunk, loses nothing)."""

    def __init__(self, chunks: Iterator[Any]) -> None:
        self._source: Iterator[Any] | None = chunks
        where = os.environ.get("MIGINDICATORS_TMPDIR")
        folder = Path(tempfile.mkdtemp(prefix="migindicators-spool-", dir=where))
        self._path = folder / "chunks.pkl"
        self._path.touch()
        self._offsets: list[int] = []  # byte offset of each spooled chunk
        self._cleanup = weakref.finalize(self, shutil.rmtree, folder, True)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        k = 0
        while True:
            if k < len(self._offsets):
                yield self._load(k)
            elif not self._pull():
                return
            else:
                continue
            k += 1

    def _pull(self) -> bool:
        """Append the source's next chunk to the spool; False when the source is done."""
        if self._source is None:
            return False
        try:
            # As pandas before pickling: a DuckDB relation cannot be pickled, and a lazy
            # frame would be collected again on each replay.
            chunk = to_pandas(next(self._source))
        except StopIteration:
            self._source = None
            return False
        with open(self._path, "ab") as spool:
            self._offsets.append(spool.tell())
            pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
        return True

    def _load(self, k: int) -> Any:
        with open(self._path, "rb") as fh:
            fh.seek(self._offsets[k])
            return pickle.load(fh)  # our own file, written by _pull
