"""Seeded demo input for migrant–native integration gaps: labour force survey person records.

Two countries, one year; a stratified sample of households (the primary sampling units)
with person weights, as in an EU-LFS or national LFS extract: sex, age, country of birth,
citizenship, ILO labour status, informal employment (coded in one country only), school
attendance, educational attainment and housing tenure. The outcome rates differ by
migratory status along the lines of OECD/EU *Settling In* (lower employment and more
unemployment and renting among the foreign-born); the figures are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNTRIES = {  # country -> (households sampled, foreign-born share, informal coded)
    "ESP": (2_400, 0.17, True),
    "SWE": (2_000, 0.20, False),
}
ORIGINS = ("MAR", "ROU", "COL", "SYR", "IRQ", "POL", "ECU", "SOM")


def generate(seed: int = 0, scale: float = 1.0) -> pd.DataFrame:
    """Return person records (one row per person) for ESP and SWE, 2023."""
    rng = np.random.default_rng(seed)
    frames = []
    for country, (households, fb_share, informal_coded) in COUNTRIES.items():
        frames.append(_country(rng, country, int(households * scale), fb_share, informal_coded))
    out = pd.concat(frames, ignore_index=True)
    return out


def _country(
    rng: np.random.Generator, country: str, households: int, fb_share: float, informal_coded: bool
) -> pd.DataFrame:
    strata = rng.integers(1, 9, size=households)
    hh_weight = (1_000 + 150 * strata) * rng.uniform(0.8, 1.25, size=households)
    hh_migrant = rng.random(households) < fb_share
    hh_owner = rng.random(households) < np.where(hh_migrant, 0.35, 0.72)
    sizes = rng.integers(1, 6, size=households)
    hh = np.repeat(np.arange(households), sizes)
    n = len(hh)
    migrant_home = hh_migrant[hh]
    age = np.clip(rng.normal(40, 21, size=n), 0, 90).round()
    # Children in migrant households are partly native-born (second generation).
    foreign = migrant_home & ((age >= 18) | (rng.random(n) < 0.35))
    cob = np.where(foreign, rng.choice(ORIGINS, size=n), country).astype(object)
    cob[rng.random(n) < 0.01] = None  # country of birth not stated
    naturalised = foreign & (rng.random(n) < 0.45)
    citizenship = np.where(foreign & ~naturalised, cob, country).astype(object)
    citizenship[pd.isna(cob)] = None
    sex = np.where(rng.random(n) < 0.5, "F", "M")

    working_age = age >= 15
    p_active = np.where(foreign, 0.74, 0.78) - np.where(sex == "F", 0.08, 0.0)
    p_active = np.where((age < 25) | (age > 64), p_active - 0.35, p_active)
    active = working_age & (rng.random(n) < np.clip(p_active, 0.02, 0.98))
    p_unemp = np.where(foreign, 0.17, 0.09) if country == "ESP" else np.where(foreign, 0.14, 0.05)
    unemployed = active & (rng.random(n) < p_unemp)
    status = np.where(
        ~working_age,
        None,
        np.where(~active, "inactive", np.where(unemployed, "unemployed", "employed")),
    ).astype(object)
    status[working_age & (rng.random(n) < 0.01)] = None  # item non-response
    informal = pd.array([pd.NA] * n, dtype="Int64")
    if informal_coded:
        employed = status == "employed"
        draws = (rng.random(n) < np.where(foreign, 0.22, 0.09)).astype("int64")
        informal = pd.array(np.where(employed, draws, 0), dtype="Int64")
        informal[~employed] = pd.NA
    school_age = (age >= 5) & (age <= 24)
    p_school = np.where(age <= 15, 0.985, np.where(foreign, 0.45, 0.62))
    in_education = pd.array(
        np.where(school_age, (rng.random(n) < p_school).astype("int64"), 0), dtype="Int64"
    )
    in_education[~school_age & (age < 5)] = pd.NA
    p_high = np.where(foreign, 0.30, 0.38)
    p_low = np.where(foreign, 0.36, 0.25)
    u = rng.random(n)
    education = np.where(
        age < 15, None, np.where(u < p_high, "high", np.where(u < p_high + p_low, "low", "medium"))
    ).astype(object)
    tenure = np.where(hh_owner[hh], "owner", np.where(rng.random(n) < 0.9, "tenant", "other"))
    return pd.DataFrame(
        {
            "ref_area": country,
            "time_period": 2023,
            "sex": sex,
            "age": age,
            "country_of_birth": cob,
            "citizenship": citizenship,
            "weight": hh_weight[hh].round(1),
            "household": [f"{country}{h:05d}" for h in hh],
            "strata": [f"{country}-{s}" for s in strata[hh]],
            "labour_status": status,
            "informal": informal,
            "in_education": in_education,
            "education": education,
            "tenure": tenure,
        }
    )
