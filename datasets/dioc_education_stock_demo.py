"""Seeded demo inputs for the emigration rate of the tertiary-educated (Docquier–Marfouk).

The layout mimics the OECD Database on Immigrants in OECD Countries (DIOC): the population
aged 25+ born in an origin and living in an OECD destination, by sex and educational
attainment (low, medium, high, unknown), and the resident population aged 25+ of each origin
by sex and attainment. The figures are generated, not real; the orders of magnitude (high
tertiary emigration rates for small island and West African origins, low ones for large
countries) follow the published rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# origin -> (resident population 25+, tertiary share at home, emigrants 25+, tertiary share abroad)
ORIGINS = {
    "GHA": (13_000_000, 0.06, 250_000, 0.35),
    "IND": (780_000_000, 0.10, 3_500_000, 0.60),
    "PHL": (55_000_000, 0.25, 2_800_000, 0.50),
    "MEX": (75_000_000, 0.17, 10_500_000, 0.07),
    "MAR": (22_000_000, 0.09, 2_900_000, 0.15),
    "VNM": (60_000_000, 0.08, 1_900_000, 0.25),
    "NGA": (85_000_000, 0.07, 600_000, 0.55),
    "JAM": (1_800_000, 0.14, 900_000, 0.25),
}
DESTINATIONS = ("USA", "GBR", "CAN", "FRA", "DEU", "AUS", "ESP", "ITA")
LEVELS = ("low", "medium", "high")


def generate(seed: int = 0, years: tuple[int, ...] = (2010, 2015)) -> dict[str, pd.DataFrame]:
    """Return ``{"emigrants": ..., "residents": ...}``, by sex, with some unknown education."""
    rng = np.random.default_rng(seed)
    e_rows, r_rows = [], []
    for origin, (pop, tert_home, emig, tert_abroad) in ORIGINS.items():
        for year in years:
            growth = 1.15 ** ((year - years[0]) / 5)
            spread = rng.dirichlet(np.ones(len(DESTINATIONS)) * 0.8)
            for sex, sex_share in (("F", 0.5), ("M", 0.5)):
                home = pop * growth * sex_share
                shares_home = _levels(tert_home * rng.uniform(0.9, 1.1))
                for level, share in zip(LEVELS, shares_home, strict=True):
                    r_rows.append(
                        {
                            "ref_area": origin,
                            "time_period": year,
                            "sex": sex,
                            "education": level,
                            "population": round(home * share),
                        }
                    )
                for dest, dest_share in zip(DESTINATIONS, spread, strict=True):
                    abroad = emig * growth * sex_share * dest_share
                    unknown = rng.uniform(0.0, 0.08)
                    shares = _levels(tert_abroad * rng.uniform(0.85, 1.15)) * (1 - unknown)
                    for level, share in zip(LEVELS, shares, strict=True):
                        e_rows.append(
                            {
                                "origin": origin,
                                "destination": dest,
                                "time_period": year,
                                "sex": sex,
                                "education": level,
                                "stock": round(abroad * share),
                            }
                        )
                    e_rows.append(
                        {
                            "origin": origin,
                            "destination": dest,
                            "time_period": year,
                            "sex": sex,
                            "education": "unknown",
                            "stock": round(abroad * unknown),
                        }
                    )
    # Emigrants of unknown country of birth, as DIOC tabulates them: an exclusion, not a drop.
    e_rows.append(
        {
            "origin": "ZZZ",
            "destination": "DEU",
            "time_period": years[-1],
            "sex": "F",
            "education": "high",
            "stock": 4_000,
        }
    )
    return {"emigrants": pd.DataFrame(e_rows), "residents": pd.DataFrame(r_rows)}


def _levels(tertiary: float) -> np.ndarray:
    medium = (1 - tertiary) * 0.45
    return np.array([1 - tertiary - medium, medium, tertiary])
