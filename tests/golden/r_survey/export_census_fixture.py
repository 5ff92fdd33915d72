"""Write the census extract of the calibrated census-pass golden set: ``data/census_extract.csv``.

From the bundled, seeded ``census_demo`` (:func:`migindicators.datasets.load`): Kenya 2009,
every sixth household (5,264 persons, 40 strata), persons of known age only; a ``region``
(four groups of ten strata), the 5-year ``age_group`` as the census pass derives it, and
``migrant`` (1 for the foreign-born: a birthplace known and not Kenya, ``XXX`` "foreign,
unspecified" included; 0 for natives and unknown birthplace, which the census pass leaves
out of the count). Run from the repository root before ``census_calibration.R``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main() -> None:
    import migindicators as mi
    from migindicators.core.ages import age_group_edges, assign_age_groups

    census = mi.datasets.load("census_demo")["census"]
    ext = census[(census["time_period"] == 2009) & (census["household"] % 6 == 0)]
    ext = ext[ext["age"].notna()].reset_index(drop=True)
    ext["region"] = "R" + ((ext["strata"] - 1) // 10 + 1).astype(str)
    ext["age_group"] = np.asarray(assign_age_groups(ext["age"], age_group_edges(5, 75)), object)
    cob = ext["country_of_birth"]
    ext["migrant"] = (cob.notna() & (cob != ext["ref_area"])).astype(int)
    cols = ["ref_area", "time_period", "household", "strata", "weight", "sex", "age"]
    cols += ["age_group", "region", "country_of_birth", "migrant", "year_of_arrival"]
    (HERE / "data").mkdir(exist_ok=True)
    ext[cols].to_csv(HERE / "data" / "census_extract.csv", index=False)


if __name__ == "__main__":
    main()
