"""Seeded demo inputs for the UIS student-mobility indicators.

Internationally mobile tertiary students by origin x host x sex as hosts report them (mirror
data), total tertiary enrolment and the population of tertiary age by country and sex. The
layout follows the UIS/UOE data collection; the figures are generated, not real. Two things
a real compilation meets are built in: one country (``LUX``-like small origin ``ISL``) with
more students abroad than at home, so its outbound mobility ratio exceeds 100 %, and one
host (``BRA``) that did not report by origin, so outbound counts are lower bounds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# country -> (tertiary enrolment, tertiary-age population, hosts students?)
COUNTRIES = {
    "USA": (18_500_000, 22_000_000, True),
    "GBR": (2_900_000, 4_000_000, True),
    "FRA": (2_800_000, 3_900_000, True),
    "DEU": (3_300_000, 4_700_000, True),
    "AUS": (1_900_000, 1_700_000, True),
    "CAN": (2_000_000, 2_400_000, True),
    "JPN": (3_900_000, 6_100_000, True),
    "CHN": (57_000_000, 85_000_000, True),
    "IND": (40_000_000, 125_000_000, False),
    "NGA": (2_100_000, 19_000_000, False),
    "BRA": (9_000_000, 16_000_000, True),
    "ISL": (8_000, 24_000, False),
}
NOT_REPORTING = ("BRA",)


def generate(seed: int = 0, years: tuple[int, ...] = (2021, 2022)) -> dict[str, pd.DataFrame]:
    """Return ``{"students", "enrolment", "population"}`` by sex (totals are the sums)."""
    rng = np.random.default_rng(seed)
    hosts = [c for c, (_, _, h) in COUNTRIES.items() if h and c not in NOT_REPORTING]
    student_rows, enrol_rows, pop_rows = [], [], []
    for year in years:
        growth = 1.03 ** (year - years[0])
        for country, (enrol, pop, _) in COUNTRIES.items():
            for sex, share in (("F", 0.54), ("M", 0.46)):
                enrol_rows.append(
                    {
                        "ref_area": country,
                        "time_period": year,
                        "sex": sex,
                        "enrolment": round(enrol * share * growth * rng.uniform(0.98, 1.02)),
                    }
                )
                pop_rows.append(
                    {
                        "ref_area": country,
                        "time_period": year,
                        "sex": sex,
                        "population": round(pop * 0.5 * rng.uniform(0.99, 1.01)),
                    }
                )
        for origin, (enrol, _, _) in COUNTRIES.items():
            abroad = (enrol * 1.3) if origin == "ISL" else enrol * rng.uniform(0.005, 0.05)
            choices = [h for h in hosts if h != origin]
            weights = rng.dirichlet(np.full(len(choices), 0.6))
            for host, weight in zip(choices, weights, strict=True):
                for sex, share in (("F", 0.5), ("M", 0.5)):
                    count = round(abroad * weight * share * growth)
                    if count > 0:
                        student_rows.append(
                            {
                                "origin": origin,
                                "destination": host,
                                "time_period": year,
                                "sex": sex,
                                "students": count,
                            }
                        )
        # A host reports some students of unknown origin: they count for its inbound only.
        student_rows.append(
            {
                "origin": "_U",
                "destination": "GBR",
                "time_period": year,
                "sex": "F",
                "students": 1_200,
            }
        )
    return {
        "students": pd.DataFrame(student_rows),
        "enrolment": pd.DataFrame(enrol_rows),
        "population": pd.DataFrame(pop_rows),
    }
