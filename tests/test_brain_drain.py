"""Emigration rate of the tertiary-educated (Docquier–Marfouk)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.flags import has_flag
from migindicators.mobility.brain_drain import emigration_rate_values, tertiary_emigration_rate


def _emigrants() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "origin": ["GHA", "GHA", "GHA", "GHA", "XXX", "GHA"],
            "destination": ["USA", "GBR", "USA", "GBR", "USA", "GHA"],
            "time_period": 2000,
            "education": ["high", "high", "low", "unknown", "high", "high"],
            "stock": [60.0, 40.0, 100.0, 50.0, 5.0, 7.0],
        }
    )


def _residents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "ref_area": ["GHA", "GHA"],
            "time_period": 2000,
            "education": ["high", "low"],
            "population": [400.0, 1000.0],
        }
    )


def test_values_by_hand() -> None:
    np.testing.assert_allclose(
        emigration_rate_values([100.0, 0.0, 3.0], [400.0, 0.0, 1.0]), [20.0, np.nan, 75.0]
    )


def test_hand_computed_rate_and_accounting() -> None:
    res = tertiary_emigration_rate(_emigrants(), _residents())
    row = res.data.iloc[0]
    assert row["ref_area"] == "GHA"
    # E = 60 + 40 (tertiary, abroad), N = 400: 100 / 500
    assert row["value"] == pytest.approx(20.0)
    assert row["emigrants"] == 100.0
    assert row["destinations"] == 2
    assert res.unit == "percent"
    assert res.rows_accounted()
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons["unknown country code"] == 1
    assert reasons["destination equals origin (not an emigrant)"] == 1
    assert reasons["education unknown"] == 1
    assert reasons["education level other than 'high'"] == 1


def test_allocation_of_unknown_education() -> None:
    res = tertiary_emigration_rate(_emigrants(), _residents(), unknown_education="allocate")
    # GBR cell: known = high 40 only, so the 50 unknown all go to high -> E = 60 + 90 = 150.
    assert res.data["value"].iloc[0] == pytest.approx(100 * 150 / 550)
    assert res.rows_accounted()


def test_allocation_shares_the_unknown_in_proportion() -> None:
    e = pd.DataFrame(
        {
            "origin": "PHL",
            "destination": "USA",
            "time_period": 2010,
            "education": ["high", "medium", "low", "unknown"],
            "stock": [30.0, 50.0, 20.0, 10.0],
        }
    )
    r = pd.DataFrame(
        {"ref_area": "PHL", "time_period": 2010, "education": ["high"], "population": [67.0]}
    )
    res = tertiary_emigration_rate(e, r, unknown_education="allocate")
    # 30 + 10 * 30 / 100 = 33; 33 / (33 + 67)
    assert res.data["value"].iloc[0] == pytest.approx(33.0)
    low = tertiary_emigration_rate(
        e, r.assign(education="low"), level="low", unknown_education="allocate"
    )
    assert low.data["emigrants"].iloc[0] == pytest.approx(22.0)


def test_zero_denominator_gives_nan_and_flag() -> None:
    e = _emigrants().assign(stock=0.0)
    r = _residents().assign(population=0.0)
    res = tertiary_emigration_rate(e, r)
    assert np.isnan(res.data["value"].iloc[0])
    assert has_flag(res.data["flag"], "zero_denominator").iloc[0]


def test_origin_without_residents_is_excluded_and_counted() -> None:
    e = pd.concat(
        [
            _emigrants(),
            pd.DataFrame(
                {
                    "origin": ["SEN"],
                    "destination": ["FRA"],
                    "time_period": [2000],
                    "education": ["high"],
                    "stock": [9.0],
                }
            ),
        ],
        ignore_index=True,
    )
    res = tertiary_emigration_rate(e, _residents())
    assert list(res.data["ref_area"]) == ["GHA"]
    assert "origin with no resident population row" in set(res.exclusions["reason"])
    assert res.rows_accounted()


def test_bad_input_names_the_column() -> None:
    e = _emigrants()
    e.loc[0, "education"] = "tertiary"
    with pytest.raises(mi.InputValidationError, match="education"):
        tertiary_emigration_rate(e, _residents())
    with pytest.raises(mi.InputValidationError, match=r"missing required column.*stock"):
        tertiary_emigration_rate(_emigrants().drop(columns="stock"), _residents())
    with pytest.raises(ValueError, match="level"):
        tertiary_emigration_rate(_emigrants(), _residents(), level="tertiary")
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        tertiary_emigration_rate(_emigrants(), _residents(), by=["education"])


def test_caller_frame_untouched() -> None:
    e = _emigrants()
    before = e.copy()
    tertiary_emigration_rate(e, _residents(), unknown_education="allocate")
    pd.testing.assert_frame_equal(e, before)


def _demo() -> dict[str, pd.DataFrame]:
    data = mi.datasets.load("dioc_education_stock_demo")
    assert isinstance(data, dict)
    return data


def test_demo_runs_and_sex_disaggregation_is_consistent() -> None:
    d = _demo()
    total = tertiary_emigration_rate(d["emigrants"], d["residents"], aggregate="world")
    by_sex = tertiary_emigration_rate(d["emigrants"], d["residents"], by=["sex"])
    assert total.rows_accounted()
    assert by_sex.rows_accounted()
    # Totals = sums of the sex cells, for numerator and denominator alike.
    summed = by_sex.data.groupby(["ref_area", "time_period"])[["emigrants", "residents"]].sum()
    merged = total.data.merge(
        summed.add_suffix("_sex").reset_index(), on=["ref_area", "time_period"], how="inner"
    )
    np.testing.assert_allclose(merged["emigrants"], merged["emigrants_sex"])
    np.testing.assert_allclose(merged["residents"], merged["residents_sex"])
    # The world aggregate lies between its members.
    for year, group in total.data.groupby("time_period"):
        world = group.loc[group["ref_area"] == "001", "value"].iloc[0]
        members = group.loc[group["ref_area"] != "001", "value"]
        assert members.min() <= world <= members.max(), year
    assert has_flag(
        total.data.loc[total.data["ref_area"] == "001", "flag"], "incomplete_coverage"
    ).all()


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.01, 1000.0))
def test_row_order_and_scaling_do_not_change_rates(seed: int, scale: float) -> None:
    d = _demo()
    base = tertiary_emigration_rate(
        d["emigrants"], d["residents"], by=["sex"], unknown_education="allocate"
    )
    e = d["emigrants"].sample(frac=1.0, random_state=seed).reset_index(drop=True)
    r = d["residents"].sample(frac=1.0, random_state=seed + 1).reset_index(drop=True)
    e["stock"] *= scale
    r["population"] *= scale
    other = tertiary_emigration_rate(e, r, by=["sex"], unknown_education="allocate")
    np.testing.assert_allclose(other.data["value"], base.data["value"], rtol=1e-10)
