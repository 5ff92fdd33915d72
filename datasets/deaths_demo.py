"""Seeded demo incident records for SDG 10.7.3 in the IOM Missing Migrants Project layout.

Incidents on a few routes, some at sea (no country), some with the number missing left blank
but derivable from those on board and the survivors, sex figures often unknown, and a few
"cumulative total" records. The records are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ROUTES = {  # route -> (region, countries of incident (None = at sea), incidents per year)
    "Central Mediterranean": ("Mediterranean", ("LBY", "TUN", "ITA", None), 60),
    "Western Mediterranean": ("Mediterranean", ("MAR", "ESP", None), 25),
    "US-Mexico border crossing": ("Americas", ("USA", "MEX"), 70),
    "Sahara Desert crossing": ("Northern Africa", ("NER", "LBY", "DZA"), 30),
    "Horn of Africa to Yemen": ("Middle East", ("YEM", "DJI", None), 15),
}


def generate(seed: int = 0, years: tuple[int, ...] = (2022, 2023)) -> dict[str, pd.DataFrame]:
    """Return ``{"incidents": ...}``."""
    rng = np.random.default_rng(seed)
    rows = []
    for route, (region, places, per_year) in ROUTES.items():
        for year in years:
            for i in range(per_year):
                country = places[rng.integers(len(places))]
                dead = int(rng.poisson(2.0)) + 1
                row = {
                    "incident_id": f"{year}-{route[:3].upper()}-{i:03d}",
                    "time_period": year,
                    "month": int(rng.integers(1, 13)),
                    "ref_area": country,
                    "region": region,
                    "route": route,
                    "dead": float(dead),
                    "missing": np.nan,
                    "on_board": np.nan,
                    "survivors": np.nan,
                    "females": np.nan,
                    "males": np.nan,
                    "children": np.nan,
                    "cumulative": 0,
                }
                if country is None:  # shipwreck: missing often derived from on board
                    on_board = int(rng.integers(30, 120))
                    survivors = int(rng.integers(0, on_board - dead))
                    row.update(on_board=float(on_board), survivors=float(survivors))
                    if rng.random() < 0.5:
                        row["missing"] = float(on_board - dead - survivors)
                if rng.random() < 0.4:
                    females = int(rng.integers(0, dead + 1))
                    row.update(females=float(females), males=float(dead - females))
                if rng.random() < 0.2:
                    row["children"] = float(rng.integers(0, dead + 1))
                rows.append(row)
            rows.append(
                {
                    "incident_id": f"{year}-{route[:3].upper()}-CUM",
                    "time_period": year,
                    "month": 12,
                    "ref_area": places[0],
                    "region": region,
                    "route": route,
                    "dead": float(rng.integers(5, 40)),
                    "missing": np.nan,
                    "on_board": np.nan,
                    "survivors": np.nan,
                    "females": np.nan,
                    "males": np.nan,
                    "children": np.nan,
                    "cumulative": 1,
                }
            )
    return {"incidents": pd.DataFrame(rows)}
