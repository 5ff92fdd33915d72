"""Flows from stocks (issue 18): the demographic account of a 200-region bilateral table with
births and deaths, target under 10 s on the 2-core machine with bounded memory.

Size: ``MIGI_BENCH_FLOW_REGIONS`` regions (default 200, the UN scale). Setup (not timed)
draws a synthetic world: populations log-normal (10^5 to 10^8), foreign-born stocks from a
gravity-like pattern with many empty corridors, a second table five years on (the stocks
grown or shrunk at random, the natives by births - deaths), and births and deaths of about
1 % a year. The library call takes the two long stock frames (40 000 rows each), births
and deaths, validates them, runs the account (global balance, births and deaths, the
closed-system rescaling IPF, the quasi-independence IPF for every birthplace) and returns a
Result of the non-zero birthplace × origin × destination cells and the 200 × 200 total
rows. A second case adds a ``1 / distance`` seed, so that the IPF iterates. The baseline is
the numpy estimator alone on ready arrays
(:func:`migindicators.flows.accounting.demographic_account`), so the ratio is the cost of
validation, accounting and the tidy result. Peak memory is printed.
"""

from __future__ import annotations

import os
import time
from typing import Any

import numpy as np
import pandas as pd
from harness import Case, peak_rss_mb

import migindicators as mi
from migindicators.flows.accounting import demographic_account
from migindicators.flows.net_totals import net_ipf

REGIONS = int(os.environ.get("MIGI_BENCH_FLOW_REGIONS", "200"))


def world(n: int, seed: int = 0) -> dict[str, Any]:
    """Two consistent synthetic stock tables, births and deaths for *n* regions."""
    rng = np.random.default_rng(seed)
    labels = [f"R{i:03d}" for i in range(n)]
    population = np.exp(rng.uniform(np.log(1e5), np.log(1e8), n))
    pull = rng.uniform(0, 1, n)
    share = np.outer(rng.uniform(0, 1, n), pull) * (rng.uniform(0, 1, (n, n)) < 0.4)
    np.fill_diagonal(share, 0)
    foreign = share / share.sum(axis=0) * population * rng.uniform(0.01, 0.3, n)
    s1 = foreign.copy()
    np.fill_diagonal(s1, population - foreign.sum(axis=0))
    births = population * rng.uniform(0.03, 0.15, n)
    deaths = population * rng.uniform(0.03, 0.08, n)
    s2 = foreign * rng.uniform(0.6, 1.6, (n, n))
    np.fill_diagonal(s2, np.diag(s1) + births - deaths)
    s1, s2 = np.round(s1), np.round(s2)

    def long(table: np.ndarray) -> pd.DataFrame:
        b, r = np.indices(table.shape).reshape(2, -1)
        return pd.DataFrame(
            {
                "birthplace": np.asarray(labels)[b],
                "residence": np.asarray(labels)[r],
                "stock": table.reshape(-1),
            }
        )

    return {
        "labels": labels,
        "s1": s1,
        "s2": s2,
        "births": np.round(births),
        "deaths": np.round(deaths),
        "stock_start": long(s1),
        "stock_end": long(s2),
        "births_frame": pd.DataFrame({"region": labels, "births": np.round(births)}),
        "deaths_frame": pd.DataFrame({"region": labels, "deaths": np.round(deaths)}),
    }


def with_distance_seed(data: dict[str, Any]) -> dict[str, Any]:
    """Add a gravity-like seed ``1 / distance`` between random points (a 40 000-row frame)."""
    n = len(data["labels"])
    xy = np.random.default_rng(1).uniform(0, 10_000, (n, 2))
    seed = 1.0 / np.maximum(np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1)), 1.0)
    o, d = np.indices((n, n)).reshape(2, -1)
    labels = np.asarray(data["labels"])
    frame = pd.DataFrame({"origin": labels[o], "destination": labels[d], "seed": seed[o, d]})
    return {**data, "seed": seed, "seed_frame": frame}


def _library(data: dict[str, Any]) -> Any:
    start = time.perf_counter()
    seeded = "seed_frame" in data
    result = mi.compute(
        "flows_demographic_accounting",
        stock_start=data["stock_start"],
        stock_end=data["stock_end"],
        births=data["births_frame"],
        deaths=data["deaths_frame"],
        **({"seed": data["seed_frame"]} if seeded else {}),
    )
    print(
        f"   flows_demographic_accounting, {REGIONS} regions"
        f"{', distance seed' if seeded else ''}: {time.perf_counter() - start:.2f} s "
        f"(target < 10 s), {len(result.data):,} rows, {result.metadata['iterations']} IPF "
        f"cycles, peak RSS {peak_rss_mb():.0f} MiB",
        flush=True,
    )
    return result


def _baseline(data: dict[str, Any]) -> Any:
    return demographic_account(
        data["s1"], data["s2"], data["births"], data["deaths"], seed=data.get("seed")
    )


def _check(library: Any, baseline: Any) -> None:
    total = library.data[library.data["birthplace"] == "_T"]["value"].to_numpy()
    np.testing.assert_allclose(total, baseline.flows.sum(axis=0).reshape(-1), rtol=1e-9)


def net_world(n: int, seed: int = 0) -> dict[str, Any]:
    """Net totals of *n* regions (summing to zero) and a log-normal seed flow matrix."""
    rng = np.random.default_rng(seed)
    labels = np.asarray([f"R{i:03d}" for i in range(n)])
    flows = rng.lognormal(5, 2, (n, n))
    np.fill_diagonal(flows, 0)
    net = rng.normal(0, 1e4, n)
    net -= net.mean()
    o, d = np.indices((n, n)).reshape(2, -1)
    return {
        "net": net,
        "seed": flows,
        "net_frame": pd.DataFrame({"region": labels, "net": net}),
        "seed_frame": pd.DataFrame(
            {"origin": labels[o], "destination": labels[d], "seed": flows[o, d]}
        ),
    }


def _net_library(data: dict[str, Any]) -> Any:
    return mi.compute("flows_from_net_totals", net=data["net_frame"], seed=data["seed_frame"])


def _net_check(library: Any, baseline: Any) -> None:
    n = baseline.flows.shape[0]
    off = ~np.eye(n, dtype=bool)
    np.testing.assert_allclose(
        library.data["value"].to_numpy(), baseline.flows[off], rtol=1e-8, atol=1e-6
    )


CASES = [
    Case(
        name=f"flows_demographic_accounting, {REGIONS} regions with births and deaths",
        setup=lambda: world(REGIONS),
        run=_library,
        baseline=_baseline,
        target_ratio=3.0,
        repeat=1,
        check=_check,
        notes="target: under 10 s; baseline: the numpy estimator on ready arrays",
    ),
    Case(
        name=f"flows_demographic_accounting, {REGIONS} regions, 1/distance seed",
        setup=lambda: with_distance_seed(world(REGIONS)),
        run=_library,
        baseline=_baseline,
        target_ratio=3.0,
        repeat=1,
        check=_check,
        notes="the quasi-independence IPF iterates with a seed (one n x n product per step); "
        "OpenBLAS threads on a loaded 2-core machine slow those products, "
        "OPENBLAS_NUM_THREADS=1 avoids it",
    ),
    Case(
        name=f"flows_from_net_totals ipf, {REGIONS} regions",
        setup=lambda: net_world(REGIONS),
        run=_net_library,
        baseline=lambda d: net_ipf(d["net"], d["seed"]),
        target_ratio=5.0,
        repeat=3,
        check=_net_check,
        notes="baseline: the numpy fixed point on ready arrays",
    ),
]
