"""Seeded demo of a labour force survey migration module (SDG 10.7.1 recruitment costs).

The layout follows the ILO/World Bank module: one row per returned migrant worker, with the
recruitment cost items paid (in the origin's currency), the monthly earnings of the first job
abroad (in the destination's currency), characteristics, the year the first job began, and a
stratified two-stage design (14 strata, PSU codes restarting within strata, weights). Origin
Nepal (NPR); destinations in the Gulf, Malaysia and Korea. Monthly exchange rates to USD are
included. Figures are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DESTINATIONS = {  # destination -> (currency, units per USD, mean earnings USD, mean months cost)
    "SAU": ("SAR", 3.75, 380.0, 3.0),
    "ARE": ("AED", 3.6725, 420.0, 2.4),
    "QAT": ("QAR", 3.64, 400.0, 2.6),
    "KWT": ("KWD", 0.305, 390.0, 2.8),
    "MYS": ("MYR", 4.3, 330.0, 3.4),
    "KOR": ("KRW", 1250.0, 1600.0, 0.8),
}
OCCUPATIONS = {
    "9313": "F",
    "7112": "F",
    "5120": "I",
    "8322": "H",
    "9112": "N",
    "5414": "N",
    "8160": "C",
    "9329": "C",
}
NPR_PER_USD = {
    2016: 106.0,
    2017: 104.0,
    2018: 109.0,
    2019: 112.0,
    2020: 118.0,
    2021: 118.0,
    2022: 125.0,
    2023: 132.0,
    2024: 133.5,
}


def _rates(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for year in NPR_PER_USD:
        drift = 1.0 + 0.01 * (year - 2020)
        for month in range(1, 13):
            noise = rng.normal(1.0, 0.005)
            rows.append(("NPR", NPR_PER_USD[year] * noise))
            for cur, per_usd in {v[0]: v[1] for v in DESTINATIONS.values()}.items():
                pegged = cur in {"SAR", "AED", "QAR"}
                rate = per_usd if pegged else per_usd * drift * rng.normal(1.0, 0.01)
                rows.append((cur, rate))
            rows[-1 - len(DESTINATIONS) :] = [
                (c, r, f"{year}-{month:02d}-01") for c, r in rows[-1 - len(DESTINATIONS) :]
            ]
    frame = pd.DataFrame(rows, columns=["currency", "rate", "date"])
    frame["base"] = "USD"
    return frame[["currency", "base", "date", "rate"]]


def generate(seed: int = 0, workers: int = 4000) -> dict[str, pd.DataFrame]:
    """Return ``{"survey": ..., "exchange_rates": ...}`` for a 2024 survey of Nepal."""
    rng = np.random.default_rng(seed)
    strata = [f"P{p}{u}" for p in range(1, 8) for u in ("U", "R")]
    psu_per_stratum = 12
    stratum = rng.choice(np.array(strata), workers)
    psu = rng.integers(1, psu_per_stratum + 1, workers)
    stratum_weight = {s: rng.uniform(80, 400) for s in strata}
    weight = np.array([stratum_weight[s] for s in stratum]) * rng.uniform(0.8, 1.25, workers)
    psu_effect = {
        (s, p): rng.normal(0.0, 0.25) for s in strata for p in range(1, psu_per_stratum + 1)
    }
    effect = np.array([psu_effect[(s, p)] for s, p in zip(stratum, psu, strict=True)])
    dest = rng.choice(np.array(list(DESTINATIONS)), workers, p=[0.22, 0.2, 0.18, 0.08, 0.22, 0.1])
    sex = np.where(rng.random(workers) < 0.86, "M", "F")
    first_year = rng.choice(
        np.arange(2016, 2025), workers, p=[0.04, 0.05, 0.06, 0.08, 0.1, 0.13, 0.17, 0.19, 0.18]
    )
    occupation = rng.choice(np.array(list(OCCUPATIONS)), workers)
    earnings_usd = np.array([DESTINATIONS[d][2] for d in dest]) * rng.lognormal(0.0, 0.3, workers)
    months = (
        np.array([DESTINATIONS[d][3] for d in dest])
        * np.exp(effect)
        * rng.lognormal(0.0, 0.45, workers)
    )
    months = np.where(sex == "F", months * 0.7, months)
    zero = rng.random(workers) < 0.12
    cost_usd = np.where(zero, 0.0, months * earnings_usd)
    npr = np.array([NPR_PER_USD[y] for y in first_year])
    cost_npr = cost_usd * npr
    shares = rng.dirichlet([5.0, 2.0, 1.0, 2.0, 1.0, 0.5], workers)
    local = np.array([DESTINATIONS[d][1] for d in dest])
    earnings = np.round(earnings_usd * local, 0)
    earnings[rng.random(workers) < 0.02] = np.nan
    earnings[rng.random(workers) < 0.01] = 0.0
    frame = pd.DataFrame(
        {
            "ref_area": "NPL",
            "time_period": 2024,
            "stratum": stratum,
            "psu": psu,
            "weight": np.round(weight, 2),
            "sex": sex,
            "age_group": rng.choice(
                np.array(["Y15T24", "Y25T34", "Y35T44", "Y45T64"]),
                workers,
                p=[0.25, 0.45, 0.22, 0.08],
            ),
            "education": rng.choice(
                np.array(["ISCED0-1", "ISCED2-3", "ISCED5-8"]), workers, p=[0.3, 0.6, 0.1]
            ),
            "destination": dest,
            "occupation": occupation,
            "industry": [OCCUPATIONS[o] for o in occupation],
            "documented": np.where(rng.random(workers) < 0.9, "yes", "no"),
            "employment_status": rng.choice(
                np.array(["employee", "self_employed", "other"]), workers, p=[0.93, 0.05, 0.02]
            ),
            "first_job_year": first_year,
            "cost_currency": "NPR",
            "earnings": earnings,
            "earnings_currency": [DESTINATIONS[d][0] for d in dest],
        }
    )
    for k, item in enumerate(
        (
            "cost_fees",
            "cost_documents",
            "cost_medical",
            "cost_travel",
            "cost_training",
            "cost_other",
        )
    ):
        frame[item] = np.round(cost_npr * shares[:, k], 0)
    frame.loc[rng.random(workers) < 0.01, "cost_fees"] = np.nan
    return {"survey": frame, "exchange_rates": _rates(rng)}
