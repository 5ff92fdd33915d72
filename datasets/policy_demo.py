"""Seeded demo answers for SDG 10.7.2 (UN Inquiry, Module II): 30 sub-categories per country.

Two survey rounds for forty countries; a few answers are left blank to show that a domain
with a missing answer is not computed. The answers are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNTRIES = [
    "ARG",
    "BGD",
    "BRA",
    "CAN",
    "CHL",
    "COL",
    "DEU",
    "EGY",
    "ESP",
    "ETH",
    "FRA",
    "GHA",
    "IDN",
    "IND",
    "ITA",
    "JPN",
    "KEN",
    "KOR",
    "LKA",
    "MAR",
    "MEX",
    "MYS",
    "NGA",
    "NPL",
    "PAK",
    "PER",
    "PHL",
    "POL",
    "SEN",
    "SWE",
    "THA",
    "TUN",
    "TUR",
    "UGA",
    "UKR",
    "USA",
    "VNM",
    "ZAF",
    "ZMB",
    "AUS",
]


def generate(seed: int = 0, rounds: tuple[int, ...] = (2019, 2021)) -> dict[str, pd.DataFrame]:
    """Return ``{"answers": ...}``, one row per country, round, domain and sub-category."""
    rng = np.random.default_rng(seed)
    rows = []
    for country in COUNTRIES:
        propensity = rng.uniform(0.3, 0.98)
        for year in rounds:
            for domain in range(1, 7):
                for sub in range(1, 6):
                    u = rng.random()
                    if domain == 1:
                        answer = (
                            "yes_regardless_of_status"
                            if u < propensity * 0.7
                            else "yes_legal_status_only"
                            if u < propensity
                            else "no"
                        )
                    else:
                        answer = "yes" if u < propensity else "no"
                    if rng.random() < 0.004:
                        answer = None
                    rows.append(
                        {
                            "ref_area": country,
                            "time_period": year,
                            "domain": domain,
                            "subcategory": sub,
                            "answer": answer,
                        }
                    )
    return {"answers": pd.DataFrame(rows)}
