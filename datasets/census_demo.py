"""Seeded IPUMS-like census samples: person records with weights, households and strata.

Two censuses (2009, 2019) of a Kenya-like country: a 10 % systematic household sample (person
weight about 10), households nested in strata (pseudo-strata as IPUMS-International builds
them), sex, single years of age, country of birth and citizenship (ISO3), year of arrival
for the foreign-born, and a few hard cases: unknown place of birth, birthplace "foreign,
country not stated" (XXX), unknown age. The figures are generated, not real.

``generate()`` returns ``{"census": ..., "ipums": ...}``: the same records with the library's
standard column names, and in the IPUMS-International layout (COUNTRY, YEAR, SERIAL, PERWT,
SEX, AGE, BPLCNTRY, CITIZEN, STRATA, YRIMM, integer codes) for reader tests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Origins of the foreign-born, with their share of migrants and IPUMS BPLCNTRY codes.
ORIGINS = {
    "SOM": (0.30, 11140),
    "SSD": (0.20, 11150),
    "ETH": (0.15, 11050),
    "RWA": (0.08, 11120),
    "BDI": (0.07, 11010),
    "ERI": (0.05, 11040),
    "USA": (0.05, 24040),
    "XXX": (0.10, 11999),
}
_KEN_BPL = 11060
_KEN_M49 = 404


def generate(
    seed: int = 0,
    households: int = 8_000,
    years: tuple[int, ...] = (2009, 2019),
    migrant_share: tuple[float, ...] = (0.020, 0.025),
) -> dict[str, pd.DataFrame]:
    """Return ``{"census": standard columns, "ipums": IPUMS-International layout}``."""
    rng = np.random.default_rng(seed)
    frames = []
    for year, share in zip(years, migrant_share, strict=True):
        frames.append(_one_census(rng, year, households, share))
    census = pd.concat(frames, ignore_index=True)
    return {"census": census, "ipums": to_ipums(census)}


def _one_census(rng: np.random.Generator, year: int, households: int, share: float) -> pd.DataFrame:
    size = rng.integers(1, 8, households)
    n = int(size.sum())
    serial = np.repeat(np.arange(1, households + 1), size)
    strata = np.repeat(rng.integers(1, 41, households), size)
    hh_weight = np.repeat(rng.uniform(8.0, 12.0, households), size)
    # Migrant households: all members foreign-born with probability ~share, plus mixed ones.
    hh_migrant = np.repeat(rng.random(households) < share * 1.6, size)
    person_migrant = hh_migrant & (rng.random(n) < 0.65)
    names = list(ORIGINS)
    probs = np.array([ORIGINS[o][0] for o in names])
    hh_origin = np.repeat(rng.choice(len(names), households, p=probs / probs.sum()), size)
    birth = np.where(person_migrant, np.array(names, dtype=object)[hh_origin], "KEN")
    unknown = rng.random(n) < 0.01
    birth = np.where(unknown, None, birth).astype(object)
    age = np.where(person_migrant, rng.gamma(6.0, 5.0, n), rng.gamma(2.0, 11.0, n))
    age = np.minimum(np.floor(age), 99).astype("float64")
    age[rng.random(n) < 0.002] = np.nan
    sex = np.where(rng.random(n) < np.where(person_migrant, 0.47, 0.505), "F", "M")
    foreign_citizen = person_migrant & (rng.random(n) < 0.8)
    citizenship = np.where(foreign_citizen, birth, "KEN").astype(object)
    citizenship[foreign_citizen & (birth == "XXX")] = "XXX"
    citizenship[unknown] = None
    since = np.minimum(rng.exponential(8.0, n), np.nan_to_num(age, nan=0.0))
    arrival = np.where(person_migrant, year - np.floor(since), np.nan)
    arrival[person_migrant & (rng.random(n) < 0.03)] = np.nan
    return pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": year,
            "household": serial + (year % 100) * 1_000_000,
            "strata": strata,
            "weight": np.round(hh_weight, 2),
            "sex": sex,
            "age": age,
            "country_of_birth": birth,
            "citizenship": citizenship,
            "year_of_arrival": arrival,
        }
    )


def to_ipums(census: pd.DataFrame) -> pd.DataFrame:
    """The same persons in the IPUMS-International layout and codes."""
    bpl = {o: code for o, (_, code) in ORIGINS.items()} | {"KEN": _KEN_BPL}
    birth = census["country_of_birth"].map(bpl).fillna(99999).astype("int64")
    cit = census["citizenship"]
    citizen = np.select([cit.isna(), cit == census["ref_area"]], [8, 2], default=4)
    return pd.DataFrame(
        {
            "COUNTRY": _KEN_M49,
            "YEAR": census["time_period"].to_numpy(),
            "SERIAL": census["household"].to_numpy(),
            "PERWT": census["weight"].to_numpy(),
            "SEX": np.where(census["sex"] == "M", 1, 2),
            "AGE": census["age"].fillna(999).astype("int64").to_numpy(),
            "BPLCNTRY": birth.to_numpy(),
            "CITIZEN": citizen,
            "STRATA": census["strata"].to_numpy(),
            "YRIMM": census["year_of_arrival"].fillna(0).astype("int64").to_numpy(),
        }
    )
