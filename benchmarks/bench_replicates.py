"""Replicate-weight and Taylor estimation by domain against ``svy`` (PyPI, Rust core).

Issue 13's third speed target: :func:`migindicators.engine.survey.estimate` with 80 replicate
weights on 2·10^6 rows, a total and a ratio by a 20-level domain, no slower than ``svy`` on the
same design; and the Taylor path (strata and PSUs) ahead of svy. Both libraries are timed in
the same run on the same data (svy gets a Polars copy built in the untimed setup). Size from
``MIGI_BENCH_REPLICATE_ROWS`` (default 2 000 000).

svy is a benchmark-only dependency (installed by ``nox -s bench``); without it the cases are
skipped with a message. The replicate frame is built from a dict, so pandas keeps its float
columns in one 2-D block, as after ``read_parquet`` or ``read_csv``: the library's replicate
kernel gathers such adjacent columns with one call per block (``engine.tabulate.
stacked_columns``); columns that lie apart in memory take about one call per two columns.
Measurements and what the time goes to: ``docs/dev/engine.md``.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pandas as pd
from harness import Case

from migindicators.engine.survey import Design, estimate

ROWS = int(os.environ.get("MIGI_BENCH_REPLICATE_ROWS", "2000000"))
REPLICATES = 80
DOMAINS = 20
REPS = [f"repw{r}" for r in range(1, REPLICATES + 1)]

try:  # benchmark-only dependency
    import polars as pl
    import svy
except ImportError:  # pragma: no cover - depends on the environment
    svy = None


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(20261204)
    n_psu = ROWS // 20
    psu = rng.integers(0, n_psu, ROWS)
    data: dict[str, Any] = {
        "stratum": psu % 100,
        "psu": psu,
        "domain": rng.integers(0, DOMAINS, ROWS),
        "y": rng.gamma(2.0, 500.0, ROWS),
        "x": rng.uniform(1.0, 3.0, ROWS),
    }
    w = rng.uniform(50.0, 500.0, ROWS)
    data["w"] = w
    # SDR-like replicate factors per PSU (constant within a PSU, as real files have them).
    for name in REPS:
        data[name] = w * rng.choice(np.array([0.29, 1.0, 1.71]), n_psu)[psu]
    return pd.DataFrame(data)


def _setup() -> dict[str, Any]:
    frame = _frame()
    out: dict[str, Any] = {"frame": frame}
    if svy is not None:
        pdata = pl.from_pandas(frame)
        rep = svy.Design(wgt="w", rep_wgts=svy.SdrWgts(prefix="repw", n_reps=REPLICATES))
        tay = svy.Design(wgt="w", stratum="stratum", psu="psu")
        out["svy_rep"] = svy.Sample(pdata, rep)
        out["svy_taylor"] = svy.Sample(pdata, tay)
    return out


REP_DESIGN = Design(weight="w", replicate_weights=REPS, replicate_method="sdr")
TAYLOR_DESIGN = Design(weight="w", strata="stratum", psu="psu")


def _library(design: Design) -> Any:
    def run(data: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
        frame = data["frame"]
        total = estimate(frame, design, parameter="total", y="y", by="domain", quality=[])
        ratio = estimate(frame, design, parameter="ratio", y="y", x="x", by="domain", quality=[])
        return total.data, ratio.data

    return run


def _svy(key: str, method: str) -> Any:
    def run(data: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
        sample = data[key]
        total = sample.estimation.total("y", by="domain", method=method)
        ratio = sample.estimation.ratio("y", "x", by="domain", method=method)
        return _svy_frame(total), _svy_frame(ratio)

    return run


def _svy_frame(est: Any) -> pd.DataFrame:
    table = est.to_polars().to_pandas()
    return table.sort_values("domain").reset_index(drop=True)


def _check(library: Any, baseline: Any) -> None:
    for lib, ref in zip(library, baseline, strict=True):
        np.testing.assert_allclose(lib["value"].to_numpy(), ref["est"].to_numpy(), rtol=1e-9)
        np.testing.assert_allclose(lib["se"].to_numpy(), ref["se"].to_numpy(), rtol=1e-6)


CASES = (
    []
    if svy is None
    else [
        Case(
            name=f"survey.estimate {ROWS:,} rows x {REPLICATES} SDR replicates, total+ratio by "
            f"{DOMAINS} domains",
            setup=_setup,
            run=_library(REP_DESIGN),
            baseline=_svy("svy_rep", "replication"),
            target_ratio=1.0,
            repeat=3,
            notes=f"svy {svy.__version__} (Rust core) on the same design",
            check=_check,
        ),
        Case(
            name=f"survey.estimate {ROWS:,} rows Taylor (100 strata, PSUs), total+ratio by "
            f"{DOMAINS} domains",
            setup=_setup,
            run=_library(TAYLOR_DESIGN),
            baseline=_svy("svy_taylor", "taylor"),
            target_ratio=1.0,
            repeat=3,
            notes=f"svy {svy.__version__} (Rust core) on the same design",
            check=_check,
        ),
    ]
)

if svy is None:  # pragma: no cover - depends on the environment
    print("bench_replicates: svy is not installed (pip install svy); cases skipped")
