"""Seeded demo inputs for the flow estimators: two bilateral stock tables and what lies between.

Eight countries with populations and map coordinates. A known migration process is simulated
between 2015 and 2020, so that the estimates can be set against the flows that produced the
tables: every person alive in 2015 (by place of birth and residence) survives with the
residence's death rate and then moves to another country with gravity-model probabilities
(population pull, distance decay), or stays; births are native-born. The tables are
therefore exactly consistent: stock 2020 = stock 2015 + births - deaths + inflows - outflows
for every birthplace. Returned: the stock tables (long: birthplace, residence, stock), births
and deaths by country, the true origin x destination flows, the net totals they imply, and a
``1 / distance`` seed. The figures are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# country -> (population 2015, x km, y km)
COUNTRIES = {
    "AAA": (40_000_000, 0, 0),
    "BBB": (12_000_000, 600, 150),
    "CCC": (8_000_000, 900, -300),
    "DDD": (25_000_000, -500, 400),
    "EEE": (5_000_000, 300, 800),
    "FFF": (60_000_000, 2000, 0),
    "GGG": (3_000_000, 2300, 500),
    "HHH": (15_000_000, -1200, -600),
}


def generate(seed: int = 0) -> dict[str, pd.DataFrame]:
    """Return ``stock_start``, ``stock_end``, ``births``, ``deaths``, ``true_flows``, ``net``,
    ``seed`` and ``prior_flows``."""
    rng = np.random.default_rng(seed)
    names = list(COUNTRIES)
    n = len(names)
    pop = np.array([COUNTRIES[c][0] for c in names], dtype=float)
    xy = np.array([(COUNTRIES[c][1], COUNTRIES[c][2]) for c in names], dtype=float)
    dist = np.sqrt(((xy[:, None] - xy[None]) ** 2).sum(-1))
    # 2015: natives on the diagonal, foreign-born from a gravity pattern (1-12 % of residents)
    pull = rng.uniform(0.3, 2.0, n)
    with np.errstate(divide="ignore"):
        gravity = np.outer(pop, pop * pull) / np.maximum(dist, 1.0) ** 1.2
    np.fill_diagonal(gravity, 0)
    foreign = gravity / gravity.sum(axis=0) * pop * rng.uniform(0.01, 0.12, n)
    s1 = np.round(foreign)
    np.fill_diagonal(s1, np.round(pop - s1.sum(axis=0)))
    # 2015-2020: deaths, then moves (0.2-1.5 % of a residence's survivors leave), births
    death_rate = rng.uniform(0.03, 0.06, n)
    survivors = rng.binomial(s1.astype("int64"), np.broadcast_to(1 - death_rate, (n, n)))
    leave = rng.uniform(0.002, 0.015, n)
    move = gravity / gravity.sum(axis=1, keepdims=True) * leave[:, None]
    np.fill_diagonal(move, 1 - leave)
    flows = np.zeros((n, n, n), dtype="int64")  # birthplace x origin x destination
    for b in range(n):
        for i in range(n):
            flows[b, i] = rng.multinomial(survivors[b, i], move[i])
    births = rng.binomial(pop.astype("int64"), rng.uniform(0.04, 0.10, n))
    deaths = s1.astype("int64") - survivors
    s2 = flows.sum(axis=1).astype(float)
    s2[np.arange(n), np.arange(n)] += births

    def long(table: np.ndarray) -> pd.DataFrame:
        b, r = np.nonzero(table)
        return pd.DataFrame(
            {
                "birthplace": np.asarray(names)[b],
                "residence": np.asarray(names)[r],
                "stock": table[b, r].astype(float),
            }
        )

    od = flows.sum(axis=0).astype(float)
    np.fill_diagonal(od, 0)
    o, d = np.nonzero(~np.eye(n, dtype=bool))
    return {
        "stock_start": long(s1),
        "stock_end": long(s2),
        "births": pd.DataFrame({"region": names, "births": births.astype(float)}),
        "deaths": pd.DataFrame({"region": names, "deaths": deaths.sum(axis=0).astype(float)}),
        "true_flows": pd.DataFrame(
            {"origin": np.asarray(names)[o], "destination": np.asarray(names)[d], "flow": od[o, d]}
        ),
        "net": pd.DataFrame({"region": names, "net": od.sum(axis=0) - od.sum(axis=1)}),
        "seed": pd.DataFrame(
            {
                "origin": np.asarray(names)[o],
                "destination": np.asarray(names)[d],
                "seed": 1.0 / dist[o, d],
            }
        ),
        # a prior flow matrix at the level of real flows (gravity shape, 1 % of the
        # foreign-born stock a year for five years), for the net-totals fit, whose result
        # keeps the seed's level of gross flows
        "prior_flows": pd.DataFrame(
            {
                "origin": np.asarray(names)[o],
                "destination": np.asarray(names)[d],
                "seed": (gravity / gravity.sum() * 0.05 * foreign.sum())[o, d],
            }
        ),
    }
