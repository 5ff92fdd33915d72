"""Progress bars for long runs (rows processed), optional and switchable off.

:func:`progress` wraps an iterator of chunks. It shows a bar when ``enabled`` is true (or
``None`` and standard error is a terminal), tqdm or rich is installed, and the environment
variable ``MIGINDICATORS_PROGRESS`` is not ``0``. Otherwise it returns the iterator untouched,
so the default costs nothing in scripts, tests and batch jobs.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import Any, Protocol, TypeVar

__all__ = ["progress", "progress_enabled"]

T = TypeVar("T")


class _Sized(Protocol):
    def __len__(self) -> int: ...


def progress_enabled(enabled: bool | None = None) -> bool:
    """Whether a bar should be shown for this call."""
    if os.environ.get("MIGINDICATORS_PROGRESS", "") == "0":
        return False
    if enabled is None:
        return sys.stderr.isatty()
    return enabled


def progress(
    chunks: Iterable[T],
    *,
    enabled: bool | None = None,
    total_rows: int | None = None,
    desc: str = "rows",
) -> Iterator[T]:
    """Yield *chunks*, advancing a bar by each chunk's length (rows processed).

    Parameters
    ----------
    chunks : iterable
        Frames (anything with ``len``) or other items (counted as 1 each).
    enabled : bool, optional
        Force the bar on or off; default: on for an interactive terminal.
    total_rows : int, optional
        Expected number of rows, for a percentage.
    desc : str
        Label of the bar.
    """
    if not progress_enabled(enabled):
        yield from chunks
        return
    bar = _make_bar(total_rows, desc)
    if bar is None:
        yield from chunks
        return
    update, close = bar
    try:
        for chunk in chunks:
            yield chunk
            update(len(chunk) if hasattr(chunk, "__len__") else 1)
    finally:
        close()


def _make_bar(total: int | None, desc: str) -> tuple[Any, Any] | None:
    try:
        from tqdm.auto import tqdm
    except ImportError:
        tqdm = None
    if tqdm is not None:
        bar = tqdm(total=total, desc=desc, unit=" rows", unit_scale=True, file=sys.stderr)
        return bar.update, bar.close
    try:
        from rich.progress import Progress  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    prog = Progress()
    prog.start()
    task = prog.add_task(desc, total=total)
    return (lambda n: prog.update(task, advance=n)), prog.stop
