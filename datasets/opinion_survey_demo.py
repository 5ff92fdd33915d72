"""Seeded demo input for potential migration and perceptions: opinion-survey respondents.

One row per adult respondent of a nationally representative survey in ten countries (the
layout of the Gallup World Poll's migration items, with an attitude item as in the European
Social Survey or Eurobarometer): weight, stratum and PSU, sex and age group, whether the
respondent would like to move permanently to another country, the desired destination, and
"Immigrants are good for this country" on a four-point agreement scale. Adult (15+)
populations project the answers to the countries. The figures are generated, not real; the
levels of desire to migrate follow the orders of magnitude Gallup publishes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# country -> (adult population 15+, share who would like to move, share agreeing)
COUNTRIES = {
    "SEN": (10_500_000, 0.37, 0.62),
    "NGA": (125_000_000, 0.35, 0.55),
    "GHA": (21_000_000, 0.30, 0.58),
    "MAR": (28_000_000, 0.27, 0.50),
    "MEX": (100_000_000, 0.18, 0.52),
    "IND": (1_050_000_000, 0.07, 0.45),
    "DEU": (72_000_000, 0.11, 0.60),
    "FRA": (54_000_000, 0.13, 0.50),
    "USA": (270_000_000, 0.09, 0.66),
    "CAN": (32_000_000, 0.10, 0.78),
}
DESTINATIONS = {
    "USA": 0.28,
    "CAN": 0.14,
    "DEU": 0.11,
    "FRA": 0.10,
    "GBR": 0.12,
    "SAU": 0.06,
    "ESP": 0.07,
    "MAR": 0.02,
    "SEN": 0.01,
    "MEX": 0.02,
    "IND": 0.02,
    "NGA": 0.01,
    "GHA": 0.01,
    "": 0.03,
}
AGREEMENT = ("strongly_agree", "agree", "disagree", "strongly_disagree")


def generate(seed: int = 0, respondents: int = 1_000) -> dict[str, pd.DataFrame]:
    """Return ``{"survey": ..., "adult_population": ...}`` for 2023."""
    rng = np.random.default_rng(seed)
    dest_codes = np.array(list(DESTINATIONS))
    dest_p = np.array(list(DESTINATIONS.values()))
    dest_p = dest_p / dest_p.sum()
    frames, pop_rows = [], []
    for country, (adults, p_move, p_agree) in COUNTRIES.items():
        n = respondents
        psu = rng.integers(0, 100, size=n)
        strata = psu // 25
        weight = rng.lognormal(0.0, 0.35, size=n)
        weight = weight / weight.sum() * n  # Gallup-style weights: mean 1 in each country
        sex = np.where(rng.random(n) < 0.5, "F", "M")
        age_group = rng.choice(["Y15T29", "Y30T49", "Y_GE50"], size=n, p=[0.35, 0.37, 0.28])
        young = age_group == "Y15T29"
        move_p = np.clip(p_move * np.where(young, 1.4, 0.8), 0, 0.95)
        u = rng.random(n)
        desire = np.where(u < move_p, "move", "stay").astype(object)
        desire[rng.random(n) < 0.03] = "dont_know"
        desire[rng.random(n) < 0.01] = "refused"
        desire[rng.random(n) < 0.005] = None  # item not asked (interview broken off)
        destination = np.where(desire == "move", rng.choice(dest_codes, size=n, p=dest_p), "")
        destination = np.where(destination == country, "", destination)  # asked for another
        dest_col = pd.Series(destination, dtype=object).replace("", None)
        v = rng.random(n)
        agree = rng.random(n) < p_agree
        view = np.where(
            agree,
            np.where(v < 0.35, AGREEMENT[0], AGREEMENT[1]),
            np.where(v < 0.6, AGREEMENT[2], AGREEMENT[3]),
        ).astype(object)
        view[rng.random(n) < 0.05] = "dont_know"
        view[rng.random(n) < 0.01] = None
        frames.append(
            pd.DataFrame(
                {
                    "ref_area": country,
                    "time_period": 2023,
                    "respondent": np.arange(n) + 1,
                    "weight": weight.round(4),
                    "strata": [f"{country}-{s}" for s in strata],
                    "psu": [f"{country}-{p:03d}" for p in psu],
                    "sex": sex,
                    "age_group": age_group,
                    "desire_to_migrate": desire,
                    "desired_destination": dest_col,
                    "immigrants_good": view,
                }
            )
        )
        pop_rows.append({"ref_area": country, "time_period": 2023, "population": adults})
    return {
        "survey": pd.concat(frames, ignore_index=True),
        "adult_population": pd.DataFrame(pop_rows),
    }
