"""SDG 8.8.1 occupational injury rates by migratory status, and SDG 8.8.2 labour rights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import InputValidationError
from migindicators.decent_work.indicators import (
    labour_rights_compliance,
    labour_rights_score_values,
    occupational_injury_rate_fatal,
    occupational_injury_rate_nonfatal,
    occupational_injury_rate_values,
)

SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STATUS = ["MS_MIGRANT", "MS_NOMIGRANT"]


def _by_status(
    cases: list[float], workers: list[float], fte: list[float | None] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    c = pd.DataFrame(
        {"ref_area": "ESP", "time_period": 2022, "migratory_status": STATUS, "cases": cases}
    )
    w = pd.DataFrame(
        {"ref_area": "ESP", "time_period": 2022, "migratory_status": STATUS, "workers": workers}
    )
    if fte is not None:
        w["workers_fte"] = fte
    return c, w


def test_values_hand_computed() -> None:
    out = occupational_injury_rate_values(np.array([12.0, 1.0]), np.array([400_000.0, 0.0]))
    assert out[0] == 3.0
    assert np.isnan(out[1])


@pytest.mark.parametrize(
    "indicator", ["occupational_injury_rate_fatal", "occupational_injury_rate_nonfatal"]
)
def test_by_migratory_status(indicator: str) -> None:
    c, w = _by_status([60.0, 300.0], [2_000_000.0, 15_000_000.0])
    res = mi.compute(indicator, cases=c, workers=w, by=["migratory_status"])
    values = res.data.set_index("migratory_status")["value"]
    assert values.to_dict() == pytest.approx({"MS_MIGRANT": 3.0, "MS_NOMIGRANT": 2.0})
    assert res.metadata["sdg"] == "8.8.1"
    assert res.rows_accounted()
    total = mi.compute(indicator, cases=c, workers=w).data["value"].iloc[0]
    assert total == pytest.approx(1e5 * 360 / 17_000_000)


def test_series_codes() -> None:
    assert mi.registry["occupational_injury_rate_fatal"].sdmx_series == "SL_EMP_FTLINJUR"
    assert mi.registry["occupational_injury_rate_nonfatal"].sdmx_series == "SL_EMP_INJUR"


def test_fte_used_where_given() -> None:
    c, w = _by_status([10.0, 10.0], [1_000_000.0, 1_000_000.0], fte=[500_000.0, None])
    res = occupational_injury_rate_fatal(c, w, by=["migratory_status"])
    data = res.data.set_index("migratory_status")
    assert data.loc["MS_MIGRANT", "value"] == pytest.approx(2.0)
    assert data.loc["MS_MIGRANT", "workers_basis"] == "fte"
    assert data.loc["MS_NOMIGRANT", "value"] == pytest.approx(1.0)
    assert data.loc["MS_NOMIGRANT", "workers_basis"] == "headcount"
    assert occupational_injury_rate_fatal(c, w).data["workers_basis"].iloc[0] == "mixed"
    head = occupational_injury_rate_fatal(c, w, by=["migratory_status"], use_fte=False)
    assert head.data["value"].tolist() == pytest.approx([1.0, 1.0])


def test_coverage_rule_matches_same_coverage_only() -> None:
    c = pd.DataFrame(
        {"ref_area": "ITA", "time_period": 2022, "coverage": ["employees"], "cases": [40.0]}
    )
    w = pd.DataFrame(
        {
            "ref_area": "ITA",
            "time_period": 2022,
            "coverage": ["employees", "all workers"],
            "workers": [18_000_000.0, 23_000_000.0],
        }
    )
    res = occupational_injury_rate_fatal(c, w)
    assert res.data["value"].iloc[0] == pytest.approx(1e5 * 40 / 18e6)
    assert res.data["coverage"].iloc[0] == "employees"
    assert dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True)) == {
        "no cases row for this key": 1
    }
    with pytest.raises(InputValidationError, match="same workers"):
        occupational_injury_rate_fatal(c.drop(columns="coverage"), w)


def test_zero_workers_and_unknown_codes() -> None:
    c, w = _by_status([1.0, 2.0], [0.0, 10.0])
    c.loc[len(c)] = ["ZZZ", 2022, "MS_MIGRANT", 1.0]
    res = occupational_injury_rate_nonfatal(c, w, by=["migratory_status"])
    data = res.data.set_index("migratory_status")
    assert np.isnan(data.loc["MS_MIGRANT", "value"])
    assert data.loc["MS_MIGRANT", "flag"] == "zero_denominator"
    assert res.exclusions.set_index("reason").loc["unknown country code", "rows"] == 1
    assert res.rows_accounted()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"migratory_status": ["MIGRANT", "MS_NOMIGRANT"]}, "migratory_status"),
        ({"cases": [-1.0, 2.0]}, "cases"),
        ({"cases": ["a", "b"]}, "cases"),
        ({"migratory_status": ["MS_MIGRANT", "MS_MIGRANT"]}, "unique"),
    ],
)
def test_bad_input(change: dict[str, list[object]], message: str) -> None:
    c, w = _by_status([1.0, 2.0], [10.0, 10.0])
    with pytest.raises(InputValidationError, match=message):
        occupational_injury_rate_fatal(c.assign(**change), w)


def test_totals_preferred_over_breakdown() -> None:
    c = pd.DataFrame(
        {
            "ref_area": "DEU",
            "time_period": 2022,
            "migratory_status": ["MS_MIGRANT", "MS_NOMIGRANT", "_T"],
            "cases": [10.0, 20.0, 30.0],
        }
    )
    w = pd.DataFrame(
        {"ref_area": "DEU", "time_period": 2022, "migratory_status": ["_T"], "workers": [3e6]}
    )
    res = occupational_injury_rate_fatal(c, w)
    assert res.data["value"].iloc[0] == pytest.approx(1.0)
    assert res.rows_accounted()


# --- 8.8.2 ------------------------------------------------------------------------------------

OFFICIAL_WEIGHTS = [
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


def test_labour_rights_official_worked_example() -> None:
    # methodology.md §5.5 (ILO metadata 8.8.2): x = 27.05 -> 27.05 * 10 / 95 = 2.847 -> 2.85
    coding = pd.DataFrame(
        {
            "ref_area": "FRA",
            "time_period": 2015,
            "criterion": [f"c{i}" for i in range(15)] + ["c15", "c15"],
            "source": ["a"] * 15 + ["a", "b"],
            "weight": [*OFFICIAL_WEIGHTS, 2.5, 2.5],
            "violation": [1] * 15 + [0, 0],
        }
    )
    res = mi.compute("labour_rights_compliance", coding=coding)
    row = res.data.iloc[0]
    assert row["weighted_sum"] == pytest.approx(27.05)
    assert row["value"] == pytest.approx(27.05 * 10 / 95)
    assert round(row["value"], 2) == 2.85
    assert row["violated_criteria"] == 15
    assert res.rows_accounted()


def test_labour_rights_cap_general_prohibition_and_double_coding() -> None:
    assert labour_rights_score_values(np.array([0.0, 95.0, 200.0])).tolist() == [0.0, 10.0, 10.0]
    coding = pd.DataFrame(
        {
            "ref_area": ["FRA", "FRA", "FRA", "DEU"],
            "time_period": 2015,
            "criterion": ["c1", "c1", "c2", "c1"],
            "source": ["a", "b", "a", "a"],
            "weight": [2.0, 2.0, 1.0, 2.0],
            "violation": [1, 1, 0, 1],
            "general_prohibition": [0, 0, 0, 1],
        }
    )
    data = labour_rights_compliance(coding).data.set_index("ref_area")
    assert data.loc["FRA", "weighted_sum"] == 2.0  # a criterion counts once
    assert data.loc["DEU", "value"] == 10.0
    clash = coding.assign(weight=[2.0, 1.5, 1.0, 2.0])
    with pytest.raises(InputValidationError, match="different weights"):
        labour_rights_compliance(clash)


# --- properties -------------------------------------------------------------------------------

COUNTRIES = ["ESP", "DEU", "ITA", "SAU", "ARE", "MYS"]


@st.composite
def injury_tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    areas = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=5, unique=True))
    cases, workers = [], []
    for area in areas:
        for sex in ("F", "M"):
            for status in STATUS:
                key = {
                    "ref_area": area,
                    "time_period": 2022,
                    "sex": sex,
                    "migratory_status": status,
                }
                cases.append({**key, "cases": draw(st.integers(0, 500))})
                workers.append({**key, "workers": draw(st.integers(1, 10**7))})
    return pd.DataFrame(cases), pd.DataFrame(workers)


@SETTINGS
@given(injury_tables(), st.integers(0, 2**31))
def test_row_order(frames: tuple[pd.DataFrame, pd.DataFrame], seed: int) -> None:
    c, w = frames
    by = ["sex", "migratory_status"]
    a = occupational_injury_rate_fatal(c, w, by=by, aggregate="world").data
    b = occupational_injury_rate_fatal(
        c.sample(frac=1, random_state=seed),
        w.sample(frac=1, random_state=seed),
        by=by,
        aggregate="world",
    ).data
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(injury_tables(), st.integers(2, 1000))
def test_scaling(frames: tuple[pd.DataFrame, pd.DataFrame], k: int) -> None:
    c, w = frames
    a = occupational_injury_rate_fatal(c, w, by=["migratory_status"]).data["value"]
    b = occupational_injury_rate_fatal(
        c.assign(cases=c["cases"] * k), w.assign(workers=w["workers"] * k), by=["migratory_status"]
    ).data["value"]
    np.testing.assert_allclose(a, b, rtol=1e-12)


@SETTINGS
@given(injury_tables())
def test_breakdowns_sum_to_totals(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    c, w = frames
    total = occupational_injury_rate_nonfatal(c, w).data.set_index("ref_area")
    for by in (["sex"], ["migratory_status"], ["sex", "migratory_status"]):
        part = occupational_injury_rate_nonfatal(c, w, by=by).data.groupby("ref_area")
        np.testing.assert_allclose(part["cases"].sum(), total["cases"])
        np.testing.assert_allclose(part["workers"].sum(), total["workers"])


@SETTINGS
@given(injury_tables())
def test_aggregate_between_members(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    c, w = frames
    data = occupational_injury_rate_fatal(c, w, by=["migratory_status"], aggregate="world").data
    for _, group in data.groupby("migratory_status"):
        members = group.loc[group["ref_area"] != "001", "value"]
        world = group.loc[group["ref_area"] == "001", "value"].iloc[0]
        assert members.min() - 1e-9 <= world <= members.max() + 1e-9
