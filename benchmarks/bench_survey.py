"""Survey tabulation: 5 million rows x 81 weight columns (full sample + 80 replicates) by 3 keys.

The library's :func:`migindicators.engine.tabulate.tabulate` against a plain pandas groupby-sum
of the same 81 weight columns, on the same frame, in the same run. Size from the environment
variable ``MIGI_BENCH_SURVEY_ROWS`` (default 5 000 000).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from harness import Case

from migindicators.engine.tabulate import tabulate

ROWS = int(os.environ.get("MIGI_BENCH_SURVEY_ROWS", "5000000"))
REPLICATES = 80
KEYS = ["sex", "age_group", "origin"]
WEIGHTS = ["w", *(f"repw_{r}" for r in range(1, REPLICATES + 1))]


def _setup() -> pd.DataFrame:
    rng = np.random.default_rng(20260101)
    data: dict[str, Any] = {
        "sex": rng.choice(np.array(["F", "M"]), ROWS),
        "age_group": rng.integers(0, 18, ROWS),
        "origin": rng.choice(np.array([f"C{i:02d}" for i in range(40)]), ROWS),
    }
    base = rng.uniform(50.0, 500.0, ROWS)
    data["w"] = base
    # SDR-like replicate factors around 1; one contiguous column each, as a reader makes them.
    for name in WEIGHTS[1:]:
        data[name] = base * rng.choice(np.array([0.29, 1.0, 1.71]), ROWS)
    return pd.DataFrame(data)


def _run(frame: pd.DataFrame) -> pd.DataFrame:
    return tabulate(frame, KEYS, weights=WEIGHTS)


def _baseline(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.groupby(KEYS)[WEIGHTS].sum().reset_index()


def _check(library: pd.DataFrame, baseline: pd.DataFrame) -> None:
    assert len(library) == len(baseline)
    np.testing.assert_allclose(library[WEIGHTS].to_numpy(), baseline[WEIGHTS].to_numpy(), rtol=1e-9)


CASES = [
    Case(
        name=f"survey tabulate {ROWS:,} rows x {len(WEIGHTS)} weights by 3 keys",
        setup=_setup,
        run=_run,
        baseline=_baseline,
        target_ratio=1.0,
        repeat=3,
        notes="pandas groupby-sum of the same 81 columns",
        check=_check,
    )
]
