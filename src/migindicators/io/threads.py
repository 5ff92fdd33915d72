"""Work spread over threads, progress and errors reported to the calling thread.

A census file split into pieces (:func:`migindicators.io.tabular.parquet_pieces`) is read and
tabulated on several threads at once: Parquet decoding and most NumPy kernels release the GIL,
so two threads keep two cores busy. Each worker owns its own partial state; the caller merges
the states when :func:`run_on_threads` is exhausted.

The number of threads is :func:`default_threads`: the CPUs this process may use, at most 8,
or the environment variable ``MIGINDICATORS_THREADS`` (``1`` turns threading off, e.g. when
the caller parallelises over files itself).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from queue import Queue
from typing import Any, TypeVar

from migindicators.core.errors import OptionError

__all__ = ["default_threads", "run_on_threads"]

T = TypeVar("T")

#: Upper bound of the default: memory grows by one chunk per thread.
MAX_DEFAULT_THREADS = 8


def default_threads() -> int:
    """Threads for one pass: ``MIGINDICATORS_THREADS`` or the usable CPUs (at most 8)."""
    setting = os.environ.get("MIGINDICATORS_THREADS", "").strip()
    if setting:
        try:
            threads = int(setting)
        except ValueError:
            threads = 0
        if threads < 1:
            raise OptionError(f"MIGINDICATORS_THREADS must be a whole number >= 1, got {setting!r}")
        return threads
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_DEFAULT_THREADS))


def run_on_threads(
    items: Sequence[T],
    work: Callable[[int, T], Iterator[int]],
    *,
    threads: int,
) -> Iterator[int]:
    """Run ``work(worker, item)`` for every item on *threads* threads; yield the reported counts.

    Worker *k* takes items ``k, k + threads, k + 2 * threads, ...`` in order: a fixed
    assignment, so a pass is reproducible (each worker's partial sums are always added in the
    same order). ``work`` is a generator that yields a count (rows) after each unit of
    progress; the counts are yielded here, in the calling thread, for a progress bar.

    The first exception raised by a worker stops the others (at their next report) and is
    re-raised here once every thread has ended; closing the generator stops them likewise.
    """
    threads = max(1, min(threads, len(items)))
    messages: Queue[tuple[str, Any]] = Queue()
    stop = threading.Event()

    def loop(k: int) -> None:
        try:
            for item in items[k::threads]:
                for count in work(k, item):
                    messages.put(("count", count))
                    if stop.is_set():
                        return
                if stop.is_set():
                    return
        except BaseException as exc:  # re-raised in the calling thread
            messages.put(("error", exc))
        finally:
            messages.put(("done", k))

    pool = [
        threading.Thread(target=loop, args=(k,), name=f"migindicators-{k}", daemon=True)
        for k in range(threads)
    ]
    for thread in pool:
        thread.start()
    error: BaseException | None = None
    try:
        running = len(pool)
        while running:
            kind, value = messages.get()
            if kind == "count":
                yield value
            elif kind == "error":
                if error is None:
                    error = value
                stop.set()
            else:
                running -= 1
    finally:
        stop.set()
        for thread in pool:
            thread.join()
    if error is not None:
        raise error
