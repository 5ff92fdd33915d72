"""Seeded demo inputs for SDG 10.7.4: refugees by origin x asylum x sex, and populations.

The layout mimics UNHCR's population statistics (one row per origin x asylum x year) and UN
WPP totals; the figures are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ORIGINS = {  # origin -> (population around 2023, refugee share)
    "SYR": (22_000_000, 0.25),
    "AFG": (41_000_000, 0.15),
    "SSD": (11_000_000, 0.18),
    "UKR": (38_000_000, 0.15),
    "VEN": (28_000_000, 0.03),
    "MMR": (54_000_000, 0.03),
    "COD": (100_000_000, 0.01),
    "SDN": (47_000_000, 0.03),
    "ERI": (3_700_000, 0.14),
    "KEN": (54_000_000, 0.0005),
}
ASYLUM = ("TUR", "DEU", "PAK", "IRN", "UGA", "COL", "POL", "KEN", "ETH", "BGD")


def generate(seed: int = 0, years: tuple[int, ...] = (2022, 2023, 2024)) -> dict[str, pd.DataFrame]:
    """Return ``{"refugees": ..., "population": ...}`` (by sex; totals are the sum)."""
    rng = np.random.default_rng(seed)
    ref_rows, pop_rows = [], []
    for origin, (pop, share) in ORIGINS.items():
        for year in years:
            growth = (1.02) ** (year - 2023)
            population = pop * growth * rng.uniform(0.99, 1.01)
            refugees_total = population * share * rng.uniform(0.9, 1.1)
            hosts = rng.choice(ASYLUM, size=3, replace=False)
            split = rng.dirichlet(np.ones(3))
            for sex, sex_share in (("F", 0.51), ("M", 0.49)):
                pop_rows.append(
                    {
                        "ref_area": origin,
                        "time_period": year,
                        "sex": sex,
                        "population": round(population * sex_share),
                    }
                )
                for host, host_share in zip(hosts, split, strict=True):
                    ref_rows.append(
                        {
                            "ref_area": origin,
                            "asylum": host,
                            "time_period": year,
                            "sex": sex,
                            "refugees": round(refugees_total * host_share * sex_share),
                        }
                    )
    # Stateless or unknown origin, as UNHCR publishes it: reported as an exclusion.
    ref_rows.append(
        {
            "ref_area": "UNK",
            "asylum": "DEU",
            "time_period": years[-1],
            "sex": "F",
            "refugees": 12_000,
        }
    )
    return {"refugees": pd.DataFrame(ref_rows), "population": pd.DataFrame(pop_rows)}
