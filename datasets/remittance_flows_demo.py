"""Seeded demo inputs for SDG 17.3.2: personal remittances received and GDP (current US$).

Country magnitudes are rounded from public World Bank figures of the early 2020s and then
perturbed, so the ratios look realistic; the figures are generated, not official. GDP is in
US$ millions (``unit_mult`` = 6) while remittances are in US$, to show the scaling.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNTRIES = {  # country -> (remittances received, US$ bn; GDP, US$ bn)
    "TJK": (2.9, 8.7),
    "HND": (7.4, 28.5),
    "NPL": (8.2, 36.0),
    "KEN": (3.7, 110.0),
    "MEX": (52.0, 1300.0),
    "PHL": (37.0, 394.0),
    "IND": (89.0, 3150.0),
    "TON": (0.24, 0.49),
    "LBN": (6.4, 23.0),
    "SLV": (7.5, 28.7),
}


def generate(seed: int = 0, years: tuple[int, ...] = (2020, 2021, 2022)) -> dict[str, pd.DataFrame]:
    """Return ``{"remittances": ..., "gdp": ...}``; one GDP is missing on purpose."""
    rng = np.random.default_rng(seed)
    rem, gdp = [], []
    for country, (r_bn, g_bn) in COUNTRIES.items():
        for year in years:
            growth = 1.05 ** (year - 2021)
            rem.append(
                {
                    "ref_area": country,
                    "time_period": year,
                    "remittances": round(r_bn * 1e9 * growth * rng.uniform(0.9, 1.1)),
                }
            )
            value = (
                None
                if (country == "LBN" and year == years[-1])
                else round(g_bn * 1e3 * growth * rng.uniform(0.97, 1.03), 1)
            )
            gdp.append({"ref_area": country, "time_period": year, "gdp": value, "unit_mult": 6})
    return {"remittances": pd.DataFrame(rem), "gdp": pd.DataFrame(gdp)}
