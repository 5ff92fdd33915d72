"""SDG 16.2.2: victims of human trafficking per 100 000 population."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import InputValidationError
from migindicators.protection.trafficking import (
    trafficking_victims_per_100k,
    trafficking_victims_per_100k_values,
)

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _pop(areas: dict[str, float], year: int = 2022) -> pd.DataFrame:
    return pd.DataFrame(
        {"ref_area": list(areas), "time_period": year, "population": list(areas.values())}
    )


def test_values_hand_computed() -> None:
    out = trafficking_victims_per_100k_values(
        np.array([1000.0, 250.0, 5.0]), np.array([17_700_000.0, 5e6, 0.0])
    )
    assert out[0] == pytest.approx(1000 / 17_700_000 * 1e5, rel=1e-15)
    assert out[0] == pytest.approx(5.649717514124294)
    assert out[1] == 5.0
    assert np.isnan(out[2])


def test_project_example_through_registry() -> None:
    # The project's own hand-computed example (not a UNODC figure): 1000 / 17.7 M * 1e5.
    victims = pd.DataFrame({"ref_area": ["NLD"], "time_period": [2022], "victims": [1000]})
    res = mi.compute(
        "trafficking_victims_per_100k", victims=victims, population=_pop({"NLD": 17_700_000})
    )
    assert res.data["value"].iloc[0] == pytest.approx(5.649717514124294, rel=1e-12)
    assert res.unit == "per_100000"
    assert res.metadata["sdg"] == "16.2.2"
    assert res.rows_accounted()


def test_undetected_victims_added_when_estimated() -> None:
    victims = pd.DataFrame(
        {
            "ref_area": ["GBR", "FRA"],
            "time_period": 2022,
            "victims": [100.0, 50.0],
            "undetected_victims": [300.0, np.nan],
        }
    )
    pop = _pop({"GBR": 1e6, "FRA": 1e6})
    res = trafficking_victims_per_100k(victims, pop)
    data = res.data.set_index("ref_area")
    assert data.loc["GBR", "value"] == pytest.approx(40.0)
    assert data.loc["GBR", "flag"] == "estimated"
    assert data.loc["FRA", "value"] == pytest.approx(5.0)
    assert data.loc["FRA", "flag"] == ""
    detected_only = trafficking_victims_per_100k(victims, pop, include_undetected=False)
    assert detected_only.data.set_index("ref_area").loc["GBR", "value"] == pytest.approx(10.0)


def test_total_rows_preferred_to_breakdown_and_reported() -> None:
    victims = pd.DataFrame(
        {
            "ref_area": "NLD",
            "time_period": 2022,
            "sex": ["F", "M", "_T"],
            "victims": [600.0, 400.0, 1000.0],
        }
    )
    res = trafficking_victims_per_100k(victims, _pop({"NLD": 2e7}))
    assert res.data["value"].iloc[0] == pytest.approx(5.0)  # not 10: no double count
    reasons = res.exclusions.set_index("reason")["rows"]
    assert reasons["sex breakdown not used: a sex=_T total row exists"] == 2
    assert res.rows_accounted()


def test_by_form_of_exploitation_uses_total_population() -> None:
    victims = pd.DataFrame(
        {
            "ref_area": "THA",
            "time_period": 2021,
            "form_of_exploitation": ["SX", "FL", "OP"],
            "victims": [300.0, 200.0, 100.0],
        }
    )
    res = trafficking_victims_per_100k(
        victims, _pop({"THA": 1e7}, 2021), by=["form_of_exploitation"]
    )
    values = res.data.set_index("form_of_exploitation")["value"]
    assert values.to_dict() == pytest.approx({"FL": 2.0, "OP": 1.0, "SX": 3.0})
    assert res.exclusions.empty


def test_by_sex_needs_population_by_sex() -> None:
    victims = pd.DataFrame(
        {"ref_area": "THA", "time_period": 2021, "sex": ["F", "M"], "victims": [3.0, 2.0]}
    )
    with pytest.raises(ValueError, match="population by sex"):
        trafficking_victims_per_100k(victims, _pop({"THA": 1e7}, 2021), by=["sex"])
    pop = pd.DataFrame(
        {"ref_area": "THA", "time_period": 2021, "sex": ["F", "M"], "population": [5e6, 4e6]}
    )
    res = trafficking_victims_per_100k(victims, pop, by=["sex"])
    assert res.data.set_index("sex")["value"].to_dict() == pytest.approx({"F": 0.06, "M": 0.05})


def test_zero_population_gives_nan_and_flag() -> None:
    victims = pd.DataFrame({"ref_area": ["VAT"], "time_period": [2022], "victims": [1.0]})
    res = trafficking_victims_per_100k(victims, _pop({"VAT": 0.0}))
    assert np.isnan(res.data["value"].iloc[0])
    assert res.data["flag"].iloc[0] == "zero_denominator"


def test_unknown_code_and_missing_population_are_exclusions() -> None:
    victims = pd.DataFrame(
        {"ref_area": ["XXX", "NLD", "BEL"], "time_period": 2022, "victims": [1.0, 2.0, 3.0]}
    )
    res = trafficking_victims_per_100k(victims, _pop({"NLD": 1e7, "DEU": 8e7}))
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons == {
        "unknown country code": 1,
        "no population row for this key": 1,
        "no victims row for this key": 1,
    }
    assert list(res.data["ref_area"]) == ["NLD"]
    assert res.rows_accounted()


@pytest.mark.parametrize(
    ("frame", "column"),
    [
        (pd.DataFrame({"ref_area": ["NLD"], "time_period": [2022], "victims": [-1.0]}), "victims"),
        (
            pd.DataFrame({"ref_area": ["NLD"], "time_period": [2022], "victims": ["many"]}),
            "victims",
        ),
        (
            pd.DataFrame(
                {
                    "ref_area": ["NLD"],
                    "time_period": [2022],
                    "victims": [1.0],
                    "form_of_exploitation": ["begging"],
                }
            ),
            "form_of_exploitation",
        ),
        (
            pd.DataFrame(
                {"ref_area": ["NLD", "NLD"], "time_period": [2022, 2022], "victims": [1.0, 2.0]}
            ),
            "unique",
        ),
    ],
)
def test_bad_input_names_the_column(frame: pd.DataFrame, column: str) -> None:
    with pytest.raises(InputValidationError, match=column):
        trafficking_victims_per_100k(frame, _pop({"NLD": 1e7}))


def test_missing_column_and_empty_frame() -> None:
    with pytest.raises(InputValidationError, match="missing required column"):
        trafficking_victims_per_100k(
            pd.DataFrame({"ref_area": ["NLD"], "time_period": [2022]}), _pop({"NLD": 1e7})
        )
    with pytest.raises(InputValidationError, match="empty"):
        trafficking_victims_per_100k(
            pd.DataFrame(columns=["ref_area", "time_period", "victims"]), _pop({"NLD": 1e7})
        )


def test_bad_by_is_rejected() -> None:
    victims = pd.DataFrame({"ref_area": ["NLD"], "time_period": [2022], "victims": [1.0]})
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        trafficking_victims_per_100k(victims, _pop({"NLD": 1e7}), by=["route"])


def test_caller_frame_not_mutated() -> None:
    victims = pd.DataFrame({"ref_area": ["NLD"], "time_period": [2022], "victims": [1]})
    before = victims.copy()
    trafficking_victims_per_100k(victims, _pop({"NLD": 1e7}))
    pd.testing.assert_frame_equal(victims, before)


def test_world_aggregate_is_sum_then_divide() -> None:
    victims = pd.DataFrame(
        {"ref_area": ["NLD", "IND"], "time_period": 2022, "victims": [1000.0, 3000.0]}
    )
    res = trafficking_victims_per_100k(
        victims, _pop({"NLD": 1.77e7, "IND": 1.417e9}), aggregate="world"
    )
    world = res.data.set_index("ref_area").loc["001"]
    assert world["value"] == pytest.approx(1e5 * 4000 / (1.77e7 + 1.417e9))
    assert "incomplete_coverage" in world["flag"]


# --- properties -----------------------------------------------------------------------------

COUNTRIES = ["NLD", "GBR", "USA", "THA", "NGA", "ARG", "IND", "MEX"]


@st.composite
def victim_tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    areas = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=5, unique=True))
    rows, pops = [], []
    for area in areas:
        for sex in ("F", "M"):
            pops.append(
                {
                    "ref_area": area,
                    "time_period": 2022,
                    "sex": sex,
                    "population": draw(st.integers(1_000, 10**8)),
                }
            )
            for form in ("SX", "FL", "OP"):
                rows.append(
                    {
                        "ref_area": area,
                        "time_period": 2022,
                        "sex": sex,
                        "form_of_exploitation": form,
                        "victims": draw(st.integers(0, 5_000)),
                    }
                )
    return pd.DataFrame(rows), pd.DataFrame(pops)


@SETTINGS
@given(victim_tables(), st.integers(0, 2**31))
def test_row_order_does_not_matter(tables: tuple[pd.DataFrame, pd.DataFrame], seed: int) -> None:
    victims, pop = tables
    shuffled_v = victims.sample(frac=1, random_state=seed).reset_index(drop=True)
    shuffled_p = pop.sample(frac=1, random_state=seed + 1).reset_index(drop=True)
    a = trafficking_victims_per_100k(victims, pop, by=["sex"], aggregate="world").data
    b = trafficking_victims_per_100k(shuffled_v, shuffled_p, by=["sex"], aggregate="world").data
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(victim_tables(), st.integers(2, 1000))
def test_scaling_numerator_and_denominator(
    tables: tuple[pd.DataFrame, pd.DataFrame], k: int
) -> None:
    victims, pop = tables
    scaled_v = victims.assign(victims=victims["victims"] * k)
    scaled_p = pop.assign(population=pop["population"] * k)
    a = trafficking_victims_per_100k(victims, pop, by=["sex"]).data["value"]
    b = trafficking_victims_per_100k(scaled_v, scaled_p, by=["sex"]).data["value"]
    np.testing.assert_allclose(a, b, rtol=1e-12)


@SETTINGS
@given(victim_tables())
def test_breakdowns_sum_to_totals(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    victims, pop = tables
    total = trafficking_victims_per_100k(victims, pop).data.set_index("ref_area")
    by_sex = trafficking_victims_per_100k(victims, pop, by=["sex"]).data
    by_form = trafficking_victims_per_100k(victims, pop, by=["form_of_exploitation"]).data
    for part in (by_sex, by_form):
        sums = part.groupby("ref_area")["victims"].sum()
        np.testing.assert_allclose(sums.sort_index(), total["victims"].sort_index())
    # rates by form add up to the total rate (one shared denominator)
    np.testing.assert_allclose(
        by_form.groupby("ref_area")["value"].sum().sort_index(),
        total["value"].sort_index(),
        rtol=1e-12,
    )


@SETTINGS
@given(victim_tables())
def test_aggregate_between_member_extremes(tables: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    victims, pop = tables
    data = trafficking_victims_per_100k(victims, pop, aggregate="world").data
    members = data.loc[data["ref_area"] != "001", "value"]
    world = data.loc[data["ref_area"] == "001", "value"].iloc[0]
    assert members.min() - 1e-9 <= world <= members.max() + 1e-9
