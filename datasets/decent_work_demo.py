"""Seeded demo inputs for SDG 8.8.1 and 8.8.2.

Occupational injury cases (fatal and non-fatal) and workers by sex and migratory status,
for employees only (``coverage`` in both inputs, as the 8.8.1 coverage rule asks), with
full-time equivalents for some countries; and an ILO-style coding of labour-rights
violations. The figures are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNTRIES = {  # country -> (employees, fatal rate per 100 000, migrant share)
    "ESP": (17_000_000, 2.0, 0.13),
    "DEU": (40_000_000, 1.0, 0.15),
    "ITA": (18_000_000, 2.5, 0.10),
    "SAU": (11_000_000, 4.0, 0.75),
    "ARE": (6_000_000, 3.5, 0.88),
    "MYS": (12_000_000, 4.5, 0.15),
}
STATUSES = ("MS_MIGRANT", "MS_NOMIGRANT")


def generate(seed: int = 0, years: tuple[int, ...] = (2021, 2022)) -> dict[str, pd.DataFrame]:
    """Return ``{"fatal": ..., "nonfatal": ..., "workers": ..., "coding": ...}``."""
    rng = np.random.default_rng(seed)
    fatal, nonfatal, workers = [], [], []
    for country, (employees, rate, migrant_share) in COUNTRIES.items():
        for year in years:
            for status in STATUSES:
                share = migrant_share if status == "MS_MIGRANT" else 1 - migrant_share
                risk = 1.6 if status == "MS_MIGRANT" else 1.0
                for sex, sex_share, sex_risk in (("F", 0.45, 0.2), ("M", 0.55, 1.7)):
                    n = employees * share * sex_share
                    key = {
                        "ref_area": country,
                        "time_period": year,
                        "sex": sex,
                        "migratory_status": status,
                        "coverage": "employees",
                    }
                    fte = round(n * 0.93) if country in ("ESP", "DEU", "ITA") else None
                    workers.append({**key, "workers": round(n), "workers_fte": fte})
                    fatal.append({**key, "cases": rng.poisson(n * rate * risk * sex_risk / 1e5)})
                    nonfatal.append({**key, "cases": rng.poisson(n * 900 * risk * sex_risk / 1e5)})
    coding = []
    weights = rng.uniform(1.5, 2.0, size=108).round(2)
    for country in COUNTRIES:
        for year in years:
            violated = rng.random(108) < rng.uniform(0.05, 0.4)
            for k in range(108):
                for source in ("a", "b"):
                    coding.append(
                        {
                            "ref_area": country,
                            "time_period": year,
                            "criterion": f"C{k + 1:03d}",
                            "source": source,
                            "weight": float(weights[k]),
                            "violation": int(violated[k] and (source == "a")),
                        }
                    )
    return {
        "fatal": pd.DataFrame(fatal),
        "nonfatal": pd.DataFrame(nonfatal),
        "workers": pd.DataFrame(workers),
        "coding": pd.DataFrame(coding),
    }
