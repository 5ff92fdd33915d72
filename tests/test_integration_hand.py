"""Hand-computed values for the four integration gaps that were only run on demo data.

No published Settling In figure can be recomputed from the files in ../shared/data (the
registry's fidelity entries say why), so each gap is checked here against rates and a
linearised standard error worked out by hand on ten persons (one stratum, each person its
own PSU, sampling with replacement).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migindicators.integration import gaps as ig


def _persons() -> pd.DataFrame:
    nan = np.nan
    return pd.DataFrame(
        {
            "ref_area": "ESP",
            "time_period": 2023,
            "age": [30, 40, 50, 30, 45, 55, 10, 12, 8, 14],
            "country_of_birth": [
                "MAR", "COL", "MAR", "ESP", "ESP", "ESP", "MAR", "SYR", "ESP", "ESP",
            ],
            "weight": [2.0, 1.0, 1.0, 3.0, 1.0, 2.0, 2.0, 1.0, 3.0, 1.0],
            "labour_status": [
                "employed", "employed", "unemployed", "employed", "employed", "inactive",
                None, None, None, None,
            ],
            "informal": [1, 0, nan, 0, 1, nan, nan, nan, nan, nan],
            "education": ["high", "low", "medium", "high", "low", "high", None, None, None, None],
            "tenure": [
                "owner", "tenant", "owner", "owner", "tenant", "other",
                "owner", "tenant", "owner", "tenant",
            ],
            "in_education": [0, 0, 0, 0, 0, 0, 1, 0, 1, 1],
        }
    )  # fmt: skip


def _gap_se(w: np.ndarray, y: np.ndarray, x: np.ndarray, migrant: np.ndarray) -> float:
    """Linearised SE of R_migrant - R_native (ratio estimators, each row its own PSU)."""
    scores = np.zeros(len(w))
    for sign, dom in ((1.0, migrant), (-1.0, ~migrant)):
        b = np.sum(w * x * dom)
        r = np.sum(w * y * dom) / b
        scores += sign * w * (y - r * x) * dom / b
    n = len(scores)
    return float(np.sqrt(n / (n - 1) * np.sum((scores - scores.mean()) ** 2)))


def _check(res, migrant_rate: float, native_rate: float, y, x) -> None:  # type: ignore[no-untyped-def]
    data = res.data.set_index("migratory_status")
    assert data.loc["MS_MIGRANT", "value"] == pytest.approx(100 * migrant_rate, rel=1e-12)
    assert data.loc["MS_NOMIGRANT", "value"] == pytest.approx(100 * native_rate, rel=1e-12)
    assert data.loc["GAP", "value"] == pytest.approx(100 * (migrant_rate - native_rate))
    p = _persons()
    migrant = (p["country_of_birth"] != "ESP").to_numpy()
    w = p["weight"].to_numpy(float)
    se = _gap_se(w, np.asarray(y, float), np.asarray(x, float), migrant)
    assert data.loc["GAP", "se"] == pytest.approx(100 * se, rel=1e-9)
    assert res.rows_accounted()


def test_informal_employment_gap_by_hand() -> None:
    # employed 15-64: migrants w2 informal, w1 formal -> 2/3; natives w3 formal, w1 informal -> 1/4
    res = ig.informal_employment_gap(_persons(), quality=[])
    x = [1, 1, 0, 1, 1, 0, 0, 0, 0, 0]
    y = [1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    _check(res, 2 / 3, 1 / 4, y, x)


def test_tertiary_attainment_gap_by_hand() -> None:
    # 25-64 with known attainment: migrants high w2 of 4 -> 1/2; natives high w3 + w2 of 6 -> 5/6
    res = ig.tertiary_attainment_gap(_persons(), quality=[])
    x = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    y = [1, 0, 0, 1, 0, 1, 0, 0, 0, 0]
    _check(res, 1 / 2, 5 / 6, y, x)


def test_housing_tenure_gap_by_hand() -> None:
    # 16+ with known tenure: migrants owners w2 + w1 of 4 -> 3/4; natives owner w3 of 6 -> 1/2
    res = ig.housing_tenure_gap(_persons(), quality=[])
    x = [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]
    y = [1, 0, 1, 1, 0, 0, 0, 0, 0, 0]
    _check(res, 3 / 4, 1 / 2, y, x)


def test_school_attendance_gap_by_hand() -> None:
    # children 6-15: migrants attending w2 of 3 -> 2/3; natives w3 + w1 of 4 -> 1
    res = ig.school_attendance_gap(_persons(), quality=[])
    x = [0, 0, 0, 0, 0, 0, 1, 1, 1, 1]
    y = [0, 0, 0, 0, 0, 0, 1, 0, 1, 1]
    _check(res, 2 / 3, 1.0, y, x)
