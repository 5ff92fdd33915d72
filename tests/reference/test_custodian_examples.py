"""Custodians' own worked examples, as they print them.

Each case is the custodian's published illustration of its formula, not the project's:

- ILO, SDG indicator 8.8.2 metadata (computation method, worked example): 15 coded
  criteria with the Delphi weights below give x = 27.05 and a score of 10 · 27.05 / 95 =
  2.85 (``labour_rights_compliance``).
- Gallup, "Potential Net Migration Could Change Nations" (2009) and Esipova, Ray and
  Pugliese (2017): Turkey, 2 million adults would like to move in and 7 million out, of 52
  million adults → −10 %; Switzerland, 10 million in, 0.8 million out, 6 million adults →
  +150 % (``potential_net_migration_index``; Gallup rounds to the nearest ten, hence
  153.3 → "+150 %").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.perceptions.indicators import potential_net_migration_values

# ILO SDG 8.8.2 metadata, worked example: the weights of the 15 violated criteria.
ILO_WEIGHTS = [
    1.93,
    2.00,
    1.82,
    1.95,
    1.86,
    1.75,
    1.73,
    1.70,
    1.89,
    1.80,
    1.80,
    1.59,
    1.73,
    1.66,
    1.84,
]


def test_labour_rights_compliance_ilo_worked_example() -> None:
    coding = pd.DataFrame(
        {
            "ref_area": "FRA",
            "time_period": 2015,
            "criterion": [f"c{i}" for i in range(15)],
            "source": "a",
            "weight": ILO_WEIGHTS,
            "violation": 1,
        }
    )
    res = mi.compute("labour_rights_compliance", coding=coding)
    row = res.data.iloc[0]
    assert row["weighted_sum"] == pytest.approx(27.05, abs=1e-12)
    assert round(row["value"], 2) == 2.85
    assert res.rows_accounted()


def test_potential_net_migration_index_gallup_examples() -> None:
    values = potential_net_migration_values(
        np.array([2e6, 10e6]), np.array([7e6, 0.8e6]), np.array([52e6, 6e6])
    )
    assert round(values[0], -1) == -10.0  # Turkey: -9.6 % printed as -10 %
    assert round(values[1], -1) == 150.0  # Switzerland: +153.3 % printed as +150 %
    assert values[1] == pytest.approx(100 * 9.2e6 / 6e6, rel=1e-15)
