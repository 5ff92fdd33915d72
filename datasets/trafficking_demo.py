"""Seeded demo inputs for SDG 16.2.2: detected trafficking victims and populations.

The layout mimics UNODC's GLOTIP country data (victims by sex, age group and form of
exploitation, with ``_T`` totals left out so that the breakdown sums to the total) and UN
WPP populations by sex and age group. The figures are generated, not real.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNTRIES = {  # country -> (population, detected victims per 100 000)
    "NLD": (17_700_000, 6.0),
    "GBR": (67_000_000, 4.0),
    "USA": (333_000_000, 0.6),
    "THA": (71_000_000, 1.2),
    "NGA": (218_000_000, 0.5),
    "ARG": (46_000_000, 2.5),
    "IND": (1_417_000_000, 0.3),
    "MEX": (127_000_000, 0.7),
}
AGES = {"Y0T17": 0.3, "Y_GE18": 0.7}
FORMS = {"SX": 0.45, "FL": 0.40, "OG": 0.01, "OP": 0.14}


def generate(seed: int = 0, years: tuple[int, ...] = (2020, 2021, 2022)) -> dict[str, pd.DataFrame]:
    """Return ``{"victims": ..., "population": ...}`` by sex and age group."""
    rng = np.random.default_rng(seed)
    victims, population = [], []
    for country, (pop, rate) in COUNTRIES.items():
        for year in years:
            total = pop * rate / 1e5 * rng.uniform(0.8, 1.2)
            with_estimate = country in ("NLD", "GBR") and year == years[-1]
            for sex, sex_share in (("F", 0.6), ("M", 0.4)):
                for age, age_share in AGES.items():
                    pop_share = (0.5) * (0.2 if age == "Y0T17" else 0.8)
                    population.append(
                        {
                            "ref_area": country,
                            "time_period": year,
                            "sex": sex,
                            "age_group": age,
                            "population": round(pop * pop_share),
                        }
                    )
                    for form, form_share in FORMS.items():
                        detected = rng.poisson(total * sex_share * age_share * form_share)
                        row = {
                            "ref_area": country,
                            "time_period": year,
                            "sex": sex,
                            "age_group": age,
                            "form_of_exploitation": form,
                            "victims": detected,
                        }
                        if with_estimate:
                            row["undetected_victims"] = round(detected * 4.0)
                        victims.append(row)
    return {"victims": pd.DataFrame(victims), "population": pd.DataFrame(population)}
