"""Remittance costs (SDG 10.c.1): formulas, per-service cost, averages, weighted average,
corridors above target and change over time, on hand-computed examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.core.flags import has_flag
from migindicators.remittances.compute import (
    fee_percent,
    fx_margin_percent,
    mean_of_cheapest,
    total_cost_money,
    total_cost_percent,
)


def prices_frame(costs: dict[tuple[str, str, str], list[float]], **extra: object) -> pd.DataFrame:
    """One row per service: {(sending, receiving, quarter): [total cost, ...]}."""
    rows = []
    for (send, recv, quarter), values in costs.items():
        for i, cost in enumerate(values):
            rows.append(
                {
                    "time_period": quarter,
                    "sending_area": send,
                    "receiving_area": recv,
                    "service_id": f"{send}{recv}{quarter}{i}",
                    "firm": f"firm{i}",
                    "amount_usd": 200.0,
                    "transparent": "yes",
                    "total_cost": cost,
                }
            )
    frame = pd.DataFrame(rows)
    for name, value in extra.items():
        frame[name] = value
    return frame


# -- methodology.md §1.1 worked examples ----------------------------------------------------


def test_worked_example_single_service() -> None:
    assert fee_percent(5.0, 200.0) == pytest.approx(2.5)
    assert fx_margin_percent(100.0, 98.0) == pytest.approx(2.0)
    assert total_cost_percent(5.0, 200.0, 100.0, 98.0) == pytest.approx(4.5)
    assert total_cost_money(5.0, 200.0, 2.0) == pytest.approx(9.0)


def test_worked_example_through_the_indicator() -> None:
    prices = pd.DataFrame(
        {
            "time_period": ["2024-Q1"],
            "sending_area": ["USA"],
            "receiving_area": ["MEX"],
            "amount_usd": [200.0],
            "transparent": ["yes"],
            "fee_lcu": [5.0],
            "amount_lcu": [200.0],
            "fx_rate": [98.0],
            "interbank_rate": [100.0],
            "send_currency": ["USD"],
        }
    )
    res = mi.compute("remittance_total_cost", prices=prices)
    row = res.data.iloc[0]
    assert row["value"] == pytest.approx(4.5)
    assert row["fee_percent"] == pytest.approx(2.5)
    assert row["fx_margin"] == pytest.approx(2.0)
    assert row["total_cost_money"] == pytest.approx(9.0)
    assert row["flag"] == ""
    assert res.unit == "percent"


def test_worked_example_corridor_mean_and_smart() -> None:
    prices = prices_frame({("USA", "MEX", "2024-Q1"): [4.5, 6.0, 9.0]}, speed_days=1.0)
    avg = mi.compute("remittance_cost_average", prices=prices, level="corridor")
    assert avg.data["value"].item() == pytest.approx(6.5)
    assert avg.data["n"].item() == 3
    smart = mi.compute("remittance_cost_smart", prices=prices)
    assert smart.data["value"].item() == pytest.approx(6.5)
    prices4 = prices_frame({("USA", "MEX", "2024-Q1"): [4.5, 6.0, 9.0, 3.0]}, speed_days=1.0)
    smart4 = mi.compute("remittance_cost_smart", prices=prices4)
    assert smart4.data["value"].item() == pytest.approx(4.5)
    assert smart4.rows_accounted()
    assert mean_of_cheapest([4.5, 6.0, 9.0, 3.0]) == pytest.approx(4.5)


# -- formulas: edge cases -------------------------------------------------------------------


def test_zero_denominators_give_nan_not_inf() -> None:
    assert np.isnan(fee_percent(5.0, 0.0))
    assert np.isnan(fx_margin_percent(0.0, 1.0))
    assert np.isnan(mean_of_cheapest([]))
    assert np.isnan(mean_of_cheapest([1.0, 2.0], fewer="undefined"))
    assert mean_of_cheapest([1.0, 2.0]) == pytest.approx(1.5)


def test_negative_margin_is_kept_and_flagged() -> None:
    prices = pd.DataFrame(
        {
            "time_period": ["2024-Q1"],
            "sending_area": ["USA"],
            "receiving_area": ["MEX"],
            "amount_usd": [200.0],
            "transparent": ["yes"],
            "fee_lcu": [5.0],
            "amount_lcu": [200.0],
            "fx_rate": [101.0],
            "interbank_rate": [100.0],
        }
    )
    res = mi.compute("remittance_total_cost", prices=prices)
    assert res.data["fx_margin"].item() == pytest.approx(-1.0)
    assert res.data["value"].item() == pytest.approx(1.5)
    assert has_flag(res.data["flag"], "negative_margin").all()


def test_source_disagreement_is_flagged_beyond_tolerance() -> None:
    prices = pd.DataFrame(
        {
            "time_period": ["2024-Q1"] * 2,
            "sending_area": ["USA"] * 2,
            "receiving_area": ["MEX"] * 2,
            "service_id": ["a", "b"],
            "amount_usd": [200.0] * 2,
            "transparent": ["yes"] * 2,
            "fee_lcu": [5.0] * 2,
            "amount_lcu": [200.0] * 2,
            "fx_rate": [98.0] * 2,
            "interbank_rate": [100.0] * 2,
            "fx_margin": [2.0, 2.0],
            "total_cost": [4.5, 4.9],
        }
    )
    res = mi.compute("remittance_total_cost", prices=prices)
    flagged = res.data.set_index("service_id")["flag"]
    assert flagged["a"] == ""
    assert flagged["b"] == "source_disagreement"
    assert res.data.set_index("service_id").loc["b", "value"] == pytest.approx(4.9)
    recomputed = mi.compute("remittance_total_cost", prices=prices, cost_source="recomputed")
    assert recomputed.data["value"].tolist() == pytest.approx([4.5, 4.5])
    loose = mi.compute("remittance_total_cost", prices=prices, tolerance=0.5)
    assert (loose.data["flag"] == "").all()
    assert res.metadata["notes"]["services_source_disagreement"] == 1
    # averages use the source totals without reading fee and rates
    avg = mi.compute("remittance_cost_average", prices=prices)
    assert avg.data["value"].item() == pytest.approx(4.7)
    assert "fee_lcu" not in avg.metadata["notes"]["columns_read"]
    mixed = prices.assign(total_cost=[np.nan, 4.9])
    filled = mi.compute("remittance_cost_average", prices=mixed)
    assert filled.data["value"].item() == pytest.approx(4.7)
    assert filled.metadata["notes"]["services_cost_from_fallback"] == 1


def test_fee_in_another_currency_is_excluded_with_its_currencies() -> None:
    prices = pd.DataFrame(
        {
            "time_period": ["2024-Q1"] * 2,
            "sending_area": ["GBR"] * 2,
            "receiving_area": ["NGA"] * 2,
            "amount_usd": [200.0] * 2,
            "transparent": ["yes"] * 2,
            "fee_lcu": [3.0, 3.0],
            "amount_lcu": [160.0, 160.0],
            "fx_rate": [1900.0] * 2,
            "interbank_rate": [1950.0] * 2,
            "send_currency": ["GBP", "GBP"],
            "fee_currency": ["GBP", "USD"],
        }
    )
    res = mi.compute("remittance_cost_average", prices=prices)
    assert res.data["n"].item() == 1
    reasons = res.exclusions.set_index("reason")
    assert reasons.loc["fee currency differs from amount currency", "rows"] == 1
    assert "USD/GBP" in reasons.loc["fee currency differs from amount currency", "detail"]
    assert res.rows_accounted()


# -- averages --------------------------------------------------------------------------------


@pytest.fixture
def two_corridors() -> pd.DataFrame:
    frame = prices_frame(
        {
            ("USA", "MEX", "2024-Q1"): [4.0, 6.0],
            ("USA", "GTM", "2024-Q1"): [5.0, 7.0, 9.0],
            ("ESP", "MAR", "2024-Q1"): [8.0],
        }
    )
    opaque = frame.iloc[[0]].assign(service_id="opaque", transparent="no", total_cost=50.0)
    other_amount = frame.iloc[[0]].assign(service_id="x500", amount_usd=500.0, total_cost=3.0)
    return pd.concat([frame, opaque, other_amount], ignore_index=True)


def test_average_levels_are_means_over_services(two_corridors: pd.DataFrame) -> None:
    world = mi.compute("remittance_cost_average", prices=two_corridors, level="world")
    assert world.data["value"].item() == pytest.approx(np.mean([4, 6, 5, 7, 9, 8]))
    assert world.data["n"].item() == 6
    assert world.data["corridors"].item() == 3
    sending = mi.compute("remittance_cost_average", prices=two_corridors, level="sending")
    by_area = sending.data.set_index("sending_area")["value"]
    assert by_area["USA"] == pytest.approx(np.mean([4, 6, 5, 7, 9]))  # not mean of 5 and 7
    region = mi.compute(
        "remittance_cost_average", prices=two_corridors, level="region", grouping="sdg_region"
    )
    assert set(region.data["region_grouping"]) == {"sdg_region"}
    assert region.data["n"].sum() == 6


def test_exclusions_by_reason_and_tidy_result(two_corridors: pd.DataFrame) -> None:
    res = mi.compute("remittance_cost_average", prices=two_corridors, level="corridor")
    assert res.rows_accounted()
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons == {
        "other price point (not USD 200)": 1,
        "exchange rate not disclosed (transparent = no)": 1,
    }
    assert list(res.data.columns[:4]) == [
        "sending_area",
        "receiving_area",
        "time_period",
        "amount_usd",
    ]
    assert {"value", "unit", "n", "flag"} <= set(res.data.columns)
    assert res.metadata["sdmx_series"] == "SI_RMT_COST_BC"  # one corridor per observation
    assert res.metadata["agenda_points"] == [2, 6]
    assert res.metadata["targets"] == {"global_average": 3.0, "corridor": 5.0}
    usd500 = mi.compute("remittance_cost_average", prices=two_corridors, amount=500)
    assert usd500.data["value"].item() == pytest.approx(3.0)


def test_breakdowns_and_mobile_money(two_corridors: pd.DataFrame) -> None:
    frame = two_corridors.assign(
        firm_type=[
            "Bank",
            "Mobile Operator",
            "Bank",
            "Bank",
            "Money Transfer Operator",
            "Bank",
            "Bank",
            "Bank",
        ]
    )
    res = mi.compute("remittance_cost_average", prices=frame, level="world", by=["mobile_money"])
    values = res.data.set_index("mobile_money")["value"]
    assert values["yes"] == pytest.approx(6.0)
    assert values["no"] == pytest.approx(np.mean([4, 5, 7, 9, 8]))
    by_type = mi.compute("remittance_cost_average", prices=frame, level="world", by="firm_type")
    assert by_type.data["n"].sum() == 6
    with pytest.raises(ValueError, match="cannot be broken down by"):
        mi.compute("remittance_cost_average", prices=frame, by=["colour"])


def test_bad_input_names_the_column() -> None:
    bad = prices_frame({("USA", "MEX", "2024-Q1"): [4.0]}).assign(time_period="2024Q1")
    with pytest.raises(mi.InputValidationError, match="time_period"):
        mi.compute("remittance_cost_average", prices=bad)
    bad = prices_frame({("USA", "MEX", "2024-Q1"): [4.0]}).assign(transparent="maybe")
    with pytest.raises(mi.InputValidationError, match="transparent"):
        mi.compute("remittance_cost_average", prices=bad)
    bad = prices_frame({("USA", "MEX", "2024-Q1"): [4.0]}).drop(columns="total_cost")
    with pytest.raises(mi.InputValidationError, match="total_cost"):
        mi.compute("remittance_cost_average", prices=bad)
    bad = prices_frame({("USA", "MEX", "2024-Q1"): [4.0]}).drop(columns="receiving_area")
    with pytest.raises(mi.InputValidationError, match="receiving_area"):
        mi.compute("remittance_cost_average", prices=bad)
    bad = prices_frame({("USA", "MEX", "2024-Q1"): [4.0]}).assign(total_cost="cheap")
    with pytest.raises(mi.InputValidationError, match="total_cost"):
        mi.compute("remittance_cost_average", prices=bad)
    with pytest.raises(mi.OptionError, match="amount"):
        mi.compute("remittance_cost_average", prices=bad, amount=300)


def test_caller_frame_is_not_mutated(two_corridors: pd.DataFrame) -> None:
    before = two_corridors.copy()
    mi.compute("remittance_cost_average", prices=two_corridors, level="region", by="mobile_money")
    pd.testing.assert_frame_equal(two_corridors, before)


def test_missing_cost_and_transparency_are_accounted() -> None:
    frame = prices_frame({("USA", "MEX", "2024-Q1"): [4.0, np.nan, 6.0]})
    frame.loc[2, "transparent"] = None
    res = mi.compute("remittance_cost_average", prices=frame)
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons == {"total cost not available": 1, "transparency not recorded": 1}
    assert res.data["value"].item() == pytest.approx(4.0)


# -- weighted average ------------------------------------------------------------------------


def test_weighted_average_uses_flow_shares_over_corridors_with_data(
    two_corridors: pd.DataFrame,
) -> None:
    flows = pd.DataFrame(
        {
            "sending_area": ["USA", "USA", "ESP", "FRA"],
            "receiving_area": ["MEX", "GTM", "MAR", "SEN"],
            "flow": [3e9, 1e9, 0.0, 5e8],
        }
    )
    res = mi.compute("remittance_cost_weighted_average", prices=two_corridors, flows=flows)
    # MEX avg 5, GTM avg 7; ESP>MAR has a zero flow; FRA>SEN has no prices
    assert res.data["value"].item() == pytest.approx(0.75 * 5.0 + 0.25 * 7.0)
    assert res.data["flow_total"].item() == pytest.approx(4e9)
    assert res.rows_accounted()
    reasons = set(zip(res.exclusions["input"], res.exclusions["reason"], strict=True))
    assert ("prices", "corridor has no positive bilateral flow") in reasons
    assert ("flows", "flow zero or missing") in reasons
    assert ("flows", "no price data for this corridor") in reasons
    # The priced ESP>MAR corridor is missing from the average: the aggregate says so.
    assert res.data["flag"].item() == "incomplete_coverage"
    by_sender = mi.compute(
        "remittance_cost_weighted_average", prices=two_corridors, flows=flows, level="sending"
    ).data.set_index("sending_area")
    assert list(by_sender.index) == ["USA"]  # ESP has no corridor with a flow
    assert by_sender.loc["USA", "flag"] == ""  # both US corridors have flows


# -- corridors above target and change ------------------------------------------------------


def test_corridors_above_target(two_corridors: pd.DataFrame) -> None:
    res = mi.compute("remittance_corridors_above_target", prices=two_corridors)
    row = res.data.iloc[0]
    # corridor averages: MEX 5.0 (not above 5), GTM 7.0, MAR 8.0
    assert row["n"] == 3
    assert row["corridors_above"] == 2
    assert row["value"] == pytest.approx(200 / 3)
    assert row["global_average"] == pytest.approx(6.5)
    assert row["gap_to_global_target"] == pytest.approx(3.5)
    strict = mi.compute(
        "remittance_corridors_above_target", prices=two_corridors, corridor_target=4.5
    )
    assert strict.data["corridors_above"].item() == 3
    assert res.rows_accounted()


def test_change_quarter_on_quarter_and_year_on_year() -> None:
    frame = prices_frame(
        {
            ("USA", "MEX", "2023-Q1"): [6.0],
            ("USA", "MEX", "2023-Q4"): [5.0],
            ("USA", "MEX", "2024-Q1"): [4.0],
        }
    )
    avg = mi.compute("remittance_cost_average", prices=frame, level="world")
    qoq = mi.compute("remittance_cost_change", result=avg)
    by_q = qoq.data.set_index("time_period")
    assert by_q.loc["2024-Q1", "value"] == pytest.approx(-1.0)
    assert by_q.loc["2024-Q1", "previous_period"] == "2023-Q4"
    assert np.isnan(by_q.loc["2023-Q4", "value"])  # 2023-Q3 absent
    assert by_q.loc["2023-Q4", "flag"] == "missing_input"
    yoy = mi.compute("remittance_cost_change", result=avg, lag="year", kind="relative")
    assert yoy.data.set_index("time_period").loc["2024-Q1", "value"] == pytest.approx(-100 / 3)


def test_relative_change_from_zero_is_a_zero_denominator_not_a_missing_input() -> None:
    frame = prices_frame({("USA", "MEX", "2023-Q4"): [0.0], ("USA", "MEX", "2024-Q1"): [4.0]})
    avg = mi.compute("remittance_cost_average", prices=frame, level="world")
    rel = mi.compute("remittance_cost_change", result=avg, kind="relative")
    cell = rel.data.set_index("time_period").loc["2024-Q1"]
    assert np.isnan(cell["value"])
    assert cell["flag"] == "zero_denominator"
    diff = mi.compute("remittance_cost_change", result=avg, kind="difference")
    assert diff.data.set_index("time_period").loc["2024-Q1", "value"] == pytest.approx(4.0)
    assert diff.data.set_index("time_period").loc["2024-Q1", "flag"] == ""


def test_region_levels_sides_and_countries_outside_the_grouping() -> None:
    frame = prices_frame(
        {
            ("USA", "MEX", "2024-Q1"): [4.0, 6.0],
            ("DEU", "TUR", "2024-Q1"): [8.0],
            ("USA", "ZZZ", "2024-Q1"): [9.0],
        }
    )
    res = mi.compute("remittance_cost_average", prices=frame, level="region", grouping="m49_region")
    by_area = res.data.set_index("ref_area")["value"]
    assert by_area["019"] == pytest.approx(5.0)  # Americas: the two USA>MEX services
    assert res.rows_accounted()
    assert (
        res.exclusions.set_index("reason").loc["receiving country in no m49_region area", "detail"]
        == "ZZZ"
    )
    sending = mi.compute(
        "remittance_cost_average",
        prices=frame,
        level="region",
        grouping="m49_region",
        side="sending",
    )
    assert sending.data.set_index("ref_area")["value"]["019"] == pytest.approx(19 / 3)
    with pytest.raises(mi.OptionError, match="grouping"):
        mi.compute("remittance_cost_average", prices=frame, level="region", grouping="continent")
