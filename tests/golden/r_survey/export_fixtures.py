"""Write the project's own fixture for the R golden set: ``data/lfs.csv``.

A seeded labour force survey migration module (``datasets/lfs_migration_module.py``, 600
returned workers, 14 strata, PSU codes restarting within strata, some missing costs). Run
from the repository root before ``make_golden.R`` (see README.md).
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

COLUMNS = [
    "stratum",
    "psu",
    "weight",
    "sex",
    "destination",
    "education",
    "documented",
    "cost_fees",
    "cost_travel",
]


def main() -> None:
    from datasets.lfs_migration_module import generate

    survey = generate(seed=0, workers=600)["survey"]
    (HERE / "data").mkdir(exist_ok=True)
    survey[COLUMNS].to_csv(HERE / "data" / "lfs.csv", index=False)


if __name__ == "__main__":
    main()
