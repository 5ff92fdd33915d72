"""Remittance costs: average cost by corridor x quarter x firm type over a synthetic
RPW-layout table (issue 3), library vs the same aggregation written in plain pandas.

Size: ``MIGI_BENCH_RPW_ROWS`` RPW rows (default 5 000 000). Setup (not timed) generates the
RPW-layout table and converts it with :func:`migindicators.io.rpw.rpw_to_standard` (the
reading step, USD 200 block). The baseline is what an analyst writes by hand on the RPW
table: keep the transparent rows of the four columns used, group by corridor, period and
firm type, mean and count of ``cc1 total cost %``. The library call validates the columns
it reads, accounts for every excluded row and returns a tidy Result with provenance (whose
input fingerprint is most of its time at this size).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from harness import Case

import migindicators as mi
from migindicators.io.rpw import rpw_to_standard

ROWS = int(os.environ.get("MIGI_BENCH_RPW_ROWS", "5000000"))
_DEMO = Path(__file__).resolve().parents[1] / "datasets" / "rpw_demo.py"


def _setup() -> dict[str, pd.DataFrame]:
    spec = importlib.util.spec_from_file_location("rpw_demo_bench", _DEMO)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    raw = module.rpw_layout(seed=0, rows=ROWS)
    return {"raw": raw, "prices": rpw_to_standard(raw, amounts=(200,), source="bench")}


def _library(data: dict[str, pd.DataFrame]) -> Any:
    return mi.compute(
        "remittance_cost_average", prices=data["prices"], level="corridor", by="firm_type"
    )


def _baseline(data: dict[str, pd.DataFrame]) -> pd.DataFrame:
    raw = data["raw"]
    columns = ["corridor", "period", "firm_type", "cc1 total cost %"]
    kept = raw.loc[raw["transparent"] == "yes", columns]
    return (
        kept.groupby(["corridor", "period", "firm_type"], observed=True)["cc1 total cost %"]
        .agg(["mean", "size"])
        .reset_index()
    )


def _check(library: Any, baseline: pd.DataFrame) -> None:
    got = library.data
    assert len(got) == len(baseline), (len(got), len(baseline))
    assert int(got["n"].sum()) == int(baseline["size"].sum())
    np.testing.assert_allclose(
        np.sort(got["value"].to_numpy()), np.sort(baseline["mean"].to_numpy()), rtol=1e-9
    )


CASES = [
    Case(
        name=f"remittance_cost_average corridor x quarter x firm type, {ROWS:,} RPW rows",
        setup=_setup,
        run=_library,
        baseline=_baseline,
        target_ratio=1.0,
        repeat=3,
        check=_check,
        notes="baseline: pandas groupby mean on the RPW table (categoricals, observed=True)",
    ),
]
