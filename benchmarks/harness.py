"""A tiny benchmark harness: each case is timed against a baseline measured in the same run.

``nox -s bench`` runs ``python benchmarks/run.py``, which imports every ``benchmarks/bench_*.py``
module and runs the :class:`Case` objects in its ``CASES`` list. A case has a ``setup`` that
builds the data once (not timed), a ``run`` (the library) and a ``baseline`` (the same job
written directly in pandas, DuckDB, …). Both are timed ``repeat`` times; the best time of
each is compared and the ratio printed beside the issue's target. Benchmarks are measured,
never asserted in the test suite.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Case", "CaseResult", "peak_rss_mb", "time_best"]


@dataclass
class Case:
    """One benchmark: library call vs baseline on the same data."""

    name: str
    setup: Callable[[], Any]
    run: Callable[[Any], Any]
    baseline: Callable[[Any], Any]
    target_ratio: float = 1.0
    repeat: int = 3
    notes: str = ""
    check: Callable[[Any, Any], None] | None = None  # compares run/baseline outputs
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class CaseResult:
    name: str
    library_seconds: float
    baseline_seconds: float
    target_ratio: float
    notes: str = ""

    @property
    def ratio(self) -> float:
        return self.library_seconds / self.baseline_seconds

    @property
    def ok(self) -> bool:
        return self.ratio <= self.target_ratio


def time_best(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of *repeat* calls, and the last return value."""
    best, value = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return best, value


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (Linux ru_maxrss is KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
