"""Census migrant stock at national scale, standard errors on: the library against DuckDB SQL.

Job: international migrant stock by sex x 5-year age group x origin (country of birth) from
weighted person records with households as clusters and strata —
:func:`migindicators.stock.indicators.migrant_stock_by_origin` with ``by=["sex", "age_group"]``
and the default ``variance="auto"`` (Taylor linearisation: validation, exclusions, derived
age groups and migratory status, the additive tabulation kernel, PSU totals in any row
order) against the same totals and the same with-replacement Taylor variance written as one
DuckDB statement (PSU totals per cell, per stratum the sums of z and z², n_h/(n_h-1) …).
DuckDB is a benchmark-only dependency. The SEs are checked against DuckDB's (1e-9).
A ``variance="none"`` line (totals only, against the totals-only SQL) stands beside.

Sizes from the environment:

* ``MIGI_BENCH_CENSUS_ROWS`` (default 10 000 000): a pandas frame in memory (code columns
  categorical, as a Parquet reader gives them), sorted by household as census extracts
  are; DuckDB scans the same frame. A second case shuffles the rows (no household order).
  Target 2x.
* ``MIGI_BENCH_CENSUS_PARQUET_ROWS`` (default 200 000 000): one Parquet file in
  ``benchmarks/.data`` (generated seeded on first use, not committed), read by the library's
  streaming path and by DuckDB's ``read_parquet``; each runs in a fresh subprocess that
  reports its wall time and peak resident memory. Targets: 2x DuckDB, peak RSS < 3 GB.
  ``MIGI_BENCH_CENSUS_PARQUET_NONE=1`` adds the ``variance="none"`` line for the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from harness import Case

ROWS = int(os.environ.get("MIGI_BENCH_CENSUS_ROWS", "10000000"))
PARQUET_ROWS = int(os.environ.get("MIGI_BENCH_CENSUS_PARQUET_ROWS", "200000000"))
PARQUET_NONE = os.environ.get("MIGI_BENCH_CENSUS_PARQUET_NONE", "") == "1"
DATA = Path(__file__).parent / ".data"
CHUNK = 2_000_000
THREADS = 2
ORIGINS = np.array(
    [
        "SOM",
        "SSD",
        "ETH",
        "UGA",
        "TZA",
        "RWA",
        "BDI",
        "COD",
        "ERI",
        "SDN",
        "IND",
        "CHN",
        "USA",
        "GBR",
        "DEU",
        "PAK",
        "NGA",
        "ZAF",
        "YEM",
        "XXX",
    ]
)
CODES = np.array(["KEN", *ORIGINS])
SQL = """
SELECT sex,
       least(floor(age / 5), 15)::INTEGER AS age_group,
       country_of_birth AS origin,
       sum(weight) AS w,
       count(*) AS n
FROM {source}
WHERE country_of_birth IS NOT NULL AND country_of_birth <> ref_area
  AND sex IS NOT NULL AND age IS NOT NULL AND weight IS NOT NULL
GROUP BY ALL
"""
# The same totals and their Taylor SE (households as PSUs within strata, with replacement,
# no fpc, a stratum of one PSU contributes nothing), as the library computes them.
SQL_SE = """
WITH base AS (
  SELECT ref_area, time_period, strata, household, sex,
         least(floor(age / 5), 15)::INTEGER AS age_group, country_of_birth AS origin, weight,
         (country_of_birth IS NOT NULL AND country_of_birth <> ref_area) AS migrant
  FROM {source}
  WHERE sex IS NOT NULL AND age IS NOT NULL AND weight IS NOT NULL
),
nh AS (
  SELECT ref_area, time_period, strata, count(DISTINCT household) AS n_h FROM base GROUP BY ALL
),
z AS (
  SELECT ref_area, time_period, strata, household, sex, age_group, origin,
         sum(weight) AS z, count(*) AS n
  FROM base WHERE migrant GROUP BY ALL
),
m AS (
  SELECT ref_area, time_period, strata, sex, age_group, origin,
         sum(z) AS s1, sum(z * z) AS s2, sum(n) AS n
  FROM z GROUP BY ALL
)
SELECT sex, age_group, origin, sum(s1) AS w, sum(n) AS n,
       sqrt(sum(CASE WHEN n_h > 1 THEN n_h / (n_h - 1.0) * (s2 - s1 * s1 / n_h) ELSE 0 END))
         AS se
FROM m JOIN nh USING (ref_area, time_period, strata)
GROUP BY ALL
"""


def generate(rows: int, seed: int, first_household: int = 0) -> pd.DataFrame:
    """Seeded IPUMS-like person records (standard columns; categorical codes)."""
    rng = np.random.default_rng(seed)
    households = rows // 3 + 10  # mean size 4: enough households to cover the rows
    size = rng.integers(1, 8, households)
    cum = np.cumsum(size)
    households = int(np.searchsorted(cum, rows)) + 1
    hh = np.repeat(np.arange(households, dtype=np.int64), size[:households])[:rows]
    migrant_hh = rng.random(households) < 0.05
    origin_hh = rng.integers(1, len(CODES), households)
    migrant = migrant_hh[hh] & (rng.random(rows) < 0.7)
    birth_code = np.where(migrant, origin_hh[hh], 0).astype(np.int8)
    birth_code[rng.random(rows) < 0.01] = -1  # unknown place of birth
    frame = pd.DataFrame(
        {
            "ref_area": pd.Categorical.from_codes(np.zeros(rows, np.int8), categories=["KEN"]),
            "time_period": np.full(rows, 2019, dtype=np.int16),
            "household": hh + first_household,
            "strata": rng.integers(0, 500, households).astype(np.int32)[hh],
            "weight": rng.uniform(5.0, 15.0, households)[hh],
            "sex": pd.Categorical.from_codes(
                rng.integers(0, 2, rows).astype(np.int8), categories=["F", "M"]
            ),
            "age": np.minimum(rng.gamma(2.0, 14.0, rows), 99).astype(np.float32).round(),
            "country_of_birth": pd.Categorical.from_codes(birth_code, categories=list(CODES)),
        }
    )
    return frame


def library(source: Any, variance: str = "auto") -> pd.DataFrame:
    from migindicators.stock.indicators import migrant_stock_by_origin

    res = migrant_stock_by_origin(
        source, by=["sex", "age_group"], variance=variance, chunk_rows=CHUNK, progress=False
    )
    assert res.rows_accounted()
    return res.data


def library_none(source: Any) -> pd.DataFrame:
    return library(source, variance="none")


def duckdb_query(source: Any, sql: str = SQL_SE) -> pd.DataFrame:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads = {THREADS}")
    con.execute("SET enable_progress_bar = false")
    if isinstance(source, pd.DataFrame):
        con.register("census", source)
        out = con.execute(sql.format(source="census")).df()
    else:
        out = con.execute(sql.format(source=f"read_parquet('{source}')")).df()
    con.close()
    return out


def duckdb_none(source: Any) -> pd.DataFrame:
    return duckdb_query(source, SQL)


def check(lib: pd.DataFrame, duck: pd.DataFrame) -> None:
    """Same cells, totals and (when both have them) standard errors."""
    lib_total = lib["value"].sum()
    duck_total = duck["w"].sum()
    assert abs(lib_total - duck_total) <= 1e-9 * duck_total, (lib_total, duck_total)
    nonzero = lib.loc[lib["value"] > 0].copy()
    assert len(nonzero) == len(duck), (len(nonzero), len(duck))
    if "se" in duck.columns and "se" in nonzero.columns:
        order = {label: i for i, label in enumerate(sorted(set(nonzero["age_group"]), key=_lower))}
        nonzero["age_index"] = nonzero["age_group"].map(order).astype("int64")
        both = nonzero.merge(
            duck.astype({"age_group": "int64", "sex": str, "origin": str}),
            left_on=["sex", "age_index", "origin"],
            right_on=["sex", "age_group", "origin"],
        )
        assert len(both) == len(duck), (len(both), len(duck))
        np.testing.assert_allclose(both["value"], both["w"], rtol=1e-9)
        np.testing.assert_allclose(both["se_x"], both["se_y"], rtol=1e-9)


def _lower(label: str) -> int:
    """Lower age of a ``Y5T9``/``Y_GE75`` label."""
    return int(label[1:].split("T")[0]) if "T" in label else int(label.split("GE")[-1])


# --- in memory ------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _setup_memory() -> pd.DataFrame:
    return generate(ROWS, seed=20261122)


def _setup_shuffled() -> pd.DataFrame:
    frame = _setup_memory()
    order = np.random.default_rng(7).permutation(len(frame))
    return frame.take(order).reset_index(drop=True)


# --- Parquet streaming, measured in subprocesses --------------------------------------
def parquet_path() -> Path:
    return DATA / f"census_{PARQUET_ROWS}.parquet"


def _setup_parquet() -> Path:
    _setup_memory.cache_clear()
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = parquet_path()
    if path.exists() and pq.ParquetFile(path).metadata.num_rows == PARQUET_ROWS:
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    writer = None
    done, seed, household = 0, 0, 0
    while done < PARQUET_ROWS:
        rows = min(5_000_000, PARQUET_ROWS - done)
        frame = generate(rows, seed=20261122 + seed, first_household=household)
        household = int(frame["household"].iloc[-1]) + 1
        table = pa.Table.from_pandas(frame, preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema, compression="snappy")
        writer.write_table(table, row_group_size=1_000_000)
        done += rows
        seed += 1
    assert writer is not None
    writer.close()
    tmp.rename(path)
    return path


_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {bench!r})
import bench_census as b
start = time.perf_counter()
out = getattr(b, {func!r})({path!r})
seconds = time.perf_counter() - start
# VmHWM: the peak of this process image (ru_maxrss would carry over the RSS of the forked
# parent, which holds the in-memory case's frame, across exec).
status = open("/proc/self/status").read()
line = [x for x in status.splitlines() if x.startswith("VmHWM:")]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if line:
    peak = int(line[0].split()[1]) / 1024
out.to_parquet({result!r})
print()
print(json.dumps({{"seconds": seconds, "peak_rss_mb": peak}}))
"""


def in_subprocess(func: str, path: Path) -> pd.DataFrame:
    """Run ``func(path)`` of this module in a fresh interpreter; print its time and peak RSS."""
    result = DATA / f"result_{func}.parquet"
    code = _CHILD.format(
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
    RSS[func] = report["peak_rss_mb"]
    return pd.read_parquet(result)


RSS: dict[str, float] = {}


CASES = [
    Case(
        name=f"census stock by sex x age x origin with Taylor SE, {ROWS:,} rows in memory",
        setup=_setup_memory,
        run=library,
        baseline=duckdb_query,
        target_ratio=2.0,
        repeat=3,
        check=check,
        notes="SEs on (households, strata) vs DuckDB SQL on the same frame",
    ),
    Case(
        name=f"census stock, variance='none', {ROWS:,} rows in memory",
        setup=_setup_memory,
        run=library_none,
        baseline=duckdb_none,
        target_ratio=2.0,
        repeat=3,
        check=check,
        notes="totals only, beside the headline",
    ),
    Case(
        name=f"census stock with Taylor SE, {ROWS:,} shuffled rows in memory",
        setup=_setup_shuffled,
        run=library,
        baseline=duckdb_query,
        target_ratio=2.0,
        repeat=1,
        check=check,
        notes="no household order: PSU totals across the whole frame",
    ),
    Case(
        name=f"census stock with Taylor SE streaming {PARQUET_ROWS:,}-row Parquet",
        setup=_setup_parquet,
        run=lambda path: in_subprocess("library", path),
        baseline=lambda path: in_subprocess("duckdb_query", path),
        target_ratio=2.0,
        repeat=1,
        check=check,
        notes="subprocesses; peak RSS target < 3 GB (printed above)",
    ),
]
if PARQUET_NONE:
    CASES.append(
        Case(
            name=f"census stock, variance='none', streaming {PARQUET_ROWS:,}-row Parquet",
            setup=_setup_parquet,
            run=lambda path: in_subprocess("library_none", path),
            baseline=lambda path: in_subprocess("duckdb_none", path),
            target_ratio=2.0,
            repeat=1,
            check=check,
            notes="totals only, beside the headline",
        )
    )


if __name__ == "__main__":  # python benchmarks/bench_census.py [memory|parquet]
    wanted = sys.argv[1:]
    for case in CASES:
        if wanted and not any(w in case.name for w in wanted):
            continue
        data = case.setup()
        t0 = time.perf_counter()
        base = case.baseline(data)
        t1 = time.perf_counter()
        lib = case.run(data)
        t2 = time.perf_counter()
        if case.check is not None:
            case.check(lib, base)
        print(
            f"{case.name}: library {t2 - t1:.2f}s, DuckDB {t1 - t0:.2f}s, ratio "
            f"{(t2 - t1) / (t1 - t0):.2f} (target {case.target_ratio}) {RSS or ''}",
            flush=True,
        )
