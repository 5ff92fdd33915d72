"""Seeded demo inputs for the migration-flow indices: an internal migration system.

Twelve regions with populations and map coordinates; flows between them follow a gravity
model (origin and destination populations, distance decay) with Poisson noise, by year and
sex, in the long form (origin, destination, time_period, sex, flow). Distances are straight
lines between the region centroids [km]. Moves within a region (the diagonal) are included,
as census tables often give them: the indices ignore them and report their total. The figures
are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# region -> (population, x km, y km)
REGIONS = {
    "R01": (9_700_000, 0, 0),
    "R02": (3_400_000, 320, -40),
    "R03": (2_400_000, 250, 60),
    "R04": (3_000_000, 30, -20),
    "R05": (1_500_000, 140, -120),
    "R06": (1_500_000, 210, -90),
    "R07": (1_100_000, 260, 20),
    "R08": (13_500_000, 20, -10),
    "R09": (1_500_000, 150, 80),
    "R10": (1_600_000, 80, -70),
    "R11": (1_800_000, 90, -130),
    "R12": (2_600_000, 260, -60),
}


def generate(seed: int = 0, years: tuple[int, ...] = (2019, 2020, 2021)) -> dict[str, pd.DataFrame]:
    """Return ``{"flows", "population", "distances"}``; flows and population by sex."""
    rng = np.random.default_rng(seed)
    names = list(REGIONS)
    pop = np.array([REGIONS[r][0] for r in names], dtype=float)
    xy = np.array([(REGIONS[r][1], REGIONS[r][2]) for r in names], dtype=float)
    dist = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=-1))
    # Destination pull: growing regions attract more than they send (net gains and losses).
    pull = rng.uniform(0.5, 1.8, size=len(names))
    flow_rows, pop_rows = [], []
    for year in years:
        scale = 1.0 - 0.05 * (year - years[0])
        for sex, share in (("F", 0.5), ("M", 0.5)):
            people = pop * share * (1.004 ** (year - years[0]))
            with np.errstate(divide="ignore"):
                mean = 4e-6 * np.outer(people, people) ** 0.8 / np.maximum(dist, 1.0) ** 0.9
            mean = mean * scale * pull[None, :]
            counts = rng.poisson(mean)
            np.fill_diagonal(counts, 0)
            for i, origin in enumerate(names):
                pop_rows.append(
                    {
                        "region": origin,
                        "time_period": year,
                        "sex": sex,
                        "population": round(people[i]),
                    }
                )
                for j, destination in enumerate(names):
                    if i != j:
                        flow_rows.append(
                            {
                                "origin": origin,
                                "destination": destination,
                                "time_period": year,
                                "sex": sex,
                                "flow": int(counts[i, j]),
                            }
                        )
            # Within-region moves, as some census tables give them: ignored and reported.
            flow_rows.append(
                {
                    "origin": "R01",
                    "destination": "R01",
                    "time_period": year,
                    "sex": sex,
                    "flow": int(rng.poisson(250_000)),
                }
            )
    distances = pd.DataFrame(
        [
            {"origin": a, "destination": b, "distance": round(float(dist[i, j]), 1)}
            for i, a in enumerate(names)
            for j, b in enumerate(names)
            if i != j
        ]
    )
    return {
        "flows": pd.DataFrame(flow_rows),
        "population": pd.DataFrame(pop_rows),
        "distances": distances,
    }
