"""Calibrated census pass streamed from Parquet: the cost of ``calibration=`` (issue 14).

Job: :func:`migindicators.stock.migrant_stock` by sex x 5-year age group with Taylor
standard errors (households as PSUs within strata) on a Parquet extract, its weights raked
to population margins by sex x age group and by region (``rake``), against the same pass
without calibration on the same file. The calibrated pass reads the file twice (pass 1
tabulates the calibration cells, pass 2 tabulates with the calibrated weights and writes the
households' residual records) and sums the residual variance partition by partition, so the
baseline here is the library's own uncalibrated streamed pass (target 3x), not DuckDB: SQL
has no raking. Each side runs in a fresh subprocess that reports its wall time and peak
resident memory (``VmHWM``); peak RSS should stay bounded by the chunk size, not the file.

Sizes from the environment: ``MIGI_BENCH_CALIB_ROWS`` (default 10 000 000) rows in
``benchmarks/.data/census_calib_<rows>.parquet`` (generated seeded on first use with
:func:`bench_census.generate` plus a ``region``, four groups of strata; not committed),
and its margins beside it as JSON (the weighted totals times a seeded factor in 0.9-1.1,
the regions rescaled to the same population).

Run alone: ``python benchmarks/bench_census_calibrated.py`` (or ``run.py calibration``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from bench_census import generate
from harness import Case

ROWS = int(os.environ.get("MIGI_BENCH_CALIB_ROWS", "10000000"))
DATA = Path(__file__).parent / ".data"
CHUNK = 2_000_000


def parquet_path() -> Path:
    return DATA / f"census_calib_{ROWS}.parquet"


def _with_region(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(region=("R" + (frame["strata"] // 125).astype(str)).astype("category"))


def _setup_parquet() -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from migindicators.core.ages import age_group_edges, assign_age_groups

    path = parquet_path()
    margins = path.with_suffix(".json")
    if path.exists() and margins.exists() and pq.ParquetFile(path).metadata.num_rows == ROWS:
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    writer = None
    done, seed, household = 0, 0, 0
    sex_age: pd.Series | None = None
    region: pd.Series | None = None
    edges = age_group_edges(5, 75)
    while done < ROWS:
        rows = min(5_000_000, ROWS - done)
        frame = _with_region(generate(rows, seed=20261205 + seed, first_household=household))
        household = int(frame["household"].iloc[-1]) + 1
        groups = pd.Series(np.asarray(assign_age_groups(frame["age"], edges), dtype=object))
        one = frame["weight"].groupby([frame["sex"].astype(str), groups]).sum()
        two = frame["weight"].groupby(frame["region"].astype(str)).sum()
        sex_age = one if sex_age is None else sex_age.add(one, fill_value=0)
        region = two if region is None else region.add(two, fill_value=0)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema, compression="snappy")
        writer.write_table(table, row_group_size=1_000_000)
        done += rows
        seed += 1
    assert writer is not None and sex_age is not None and region is not None
    writer.close()
    rng = np.random.default_rng(5)
    first = sex_age * rng.uniform(0.9, 1.1, len(sex_age))
    second = region * rng.uniform(0.9, 1.1, len(region))
    second = second * first.sum() / second.sum()
    out = {
        "sex_age": [[s, a, float(t)] for (s, a), t in first.items()],
        "region": [[r, float(t)] for r, t in second.items()],
    }
    margins.write_text(json.dumps(out))
    tmp.rename(path)
    return path


def _design(path: str | Path) -> Any:
    import migindicators as mi

    m = json.loads(Path(path).with_suffix(".json").read_text())
    sex_age = pd.DataFrame(m["sex_age"], columns=["sex", "age_group", "Freq"])
    region = pd.DataFrame(m["region"], columns=["region", "Freq"])
    return mi.survey.rake(mi.survey.Design(weight="weight"), [sex_age, region])


def calibrated(path: str | Path) -> pd.DataFrame:
    from migindicators.stock import migrant_stock

    res = migrant_stock(
        str(path),
        by=["sex", "age_group"],
        calibration=_design(path),
        chunk_rows=CHUNK,
        progress=False,
    )
    assert res.rows_accounted()
    return res.data


def uncalibrated(path: str | Path) -> pd.DataFrame:
    from migindicators.stock import migrant_stock

    res = migrant_stock(str(path), by=["sex", "age_group"], chunk_rows=CHUNK, progress=False)
    assert res.rows_accounted()
    return res.data


def check(cal: pd.DataFrame, plain: pd.DataFrame) -> None:
    """Same cells; the calibrated total is the raked population's migrants (not the input's)."""
    assert len(cal) == len(plain), (len(cal), len(plain))
    assert (cal["se"] > 0).all() and (plain["se"] > 0).all()
    assert not np.allclose(cal["value"], plain["value"], rtol=1e-6)


CASES = [
    Case(
        name=f"census stock with calibration (rake) and Taylor SE, {ROWS:,}-row Parquet",
        setup=_setup_parquet,
        run=lambda path: _run_child("calibrated", path),
        baseline=lambda path: _run_child("uncalibrated", path),
        target_ratio=3.0,
        repeat=3,  # best of three: one run of each side varied the ratio 2.2-3.7
        check=check,
        notes="two passes vs one; subprocesses, peak RSS printed above",
    ),
]


def _run_child(func: str, path: Path) -> pd.DataFrame:
    """Run ``func(path)`` of this module in a fresh interpreter; print its time and peak RSS
    (the child script of :func:`bench_census.in_subprocess`)."""
    import subprocess

    import bench_census

    result = DATA / f"result_{func}.parquet"
    code = bench_census._CHILD.replace(
        "import bench_census as b", "import bench_census_calibrated as b"
    )
    code = code.format(
        bench=str(Path(__file__).parent), func=func, path=str(path), result=str(result)
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    line = [x for x in proc.stdout.splitlines() if x.startswith('{"seconds"')][-1]
    report = json.loads(line)
    print(
        f"   {func:13s} in a subprocess: {report['seconds']:8.2f}s, peak RSS "
        f"{report['peak_rss_mb']:8.0f} MiB",
        flush=True,
    )
    return pd.read_parquet(result)


if __name__ == "__main__":
    for case in CASES:
        data = case.setup()
        plain = case.baseline(data)
        cal = case.run(data)
        if case.check is not None:
            case.check(cal, plain)
