"""SmaRT (component 2 of SDG 10.c.1): eligibility, the fewer-than-three rule, world mean."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.core.flags import has_flag


def services(
    corridor: tuple[str, str],
    costs: list[float],
    *,
    quarter: str = "2024-Q1",
    speed_days: list[float] | None = None,
    transparent: list[str] | None = None,
    accessible: list[str] | None = None,
) -> pd.DataFrame:
    n = len(costs)
    frame = pd.DataFrame(
        {
            "time_period": quarter,
            "sending_area": corridor[0],
            "receiving_area": corridor[1],
            "service_id": [f"{corridor[0]}{corridor[1]}{quarter}{i}" for i in range(n)],
            "amount_usd": 200.0,
            "transparent": transparent or ["yes"] * n,
            "total_cost": costs,
            "speed_days": speed_days or [1.0] * n,
        }
    )
    if accessible is not None:
        frame["accessible"] = accessible
    return frame


def test_eligibility_rules_and_their_exclusions() -> None:
    frame = services(
        ("USA", "MEX"),
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        speed_days=[1.0, 6.0, 1.0, 1.0, 1.0, np.nan],
        transparent=["no", "yes", "yes", "yes", "yes", "yes"],
        accessible=["yes", "yes", "no", "yes", "yes", "yes"],
    )
    res = mi.compute("remittance_cost_smart", prices=frame)
    # eligible: 4.0 and 5.0 only -> mean 4.5, flagged fewer than three
    assert res.data["value"].item() == pytest.approx(4.5)
    assert res.data["eligible"].item() == 2
    assert has_flag(res.data["flag"], "fewer_than_three_services").all()
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons == {
        "not eligible: exchange rate not disclosed": 1,
        "not eligible: slower than 5 days": 1,
        "not eligible: not accessible": 1,
        "not eligible: speed not recorded": 1,
    }
    assert res.rows_accounted()
    assert res.metadata["notes"]["accessibility"] == "column 'accessible' used"


def test_fewer_than_three_rule_is_an_option() -> None:
    frame = services(("USA", "MEX"), [4.0, 5.0])
    undefined = mi.compute("remittance_cost_smart", prices=frame, fewer_than_three="undefined")
    assert np.isnan(undefined.data["value"].item())
    assert has_flag(undefined.data["flag"], "fewer_than_three_services").all()
    with pytest.raises(mi.OptionError, match="fewer_than_three"):
        mi.compute("remittance_cost_smart", prices=frame, fewer_than_three="drop")


def test_corridor_with_no_qualifying_service_is_reported_and_left_out_of_world() -> None:
    frame = pd.concat(
        [
            services(("USA", "MEX"), [3.0, 4.0, 5.0, 9.0]),
            services(("USA", "GTM"), [2.0, 2.0], speed_days=[7.0, 7.0]),
            services(("ESP", "MAR"), [6.0, 7.0, 8.0]),
        ],
        ignore_index=True,
    )
    res = mi.compute("remittance_cost_smart", prices=frame)
    by_dest = res.data.set_index("receiving_area")
    assert by_dest.loc["MEX", "value"] == pytest.approx(4.0)
    assert np.isnan(by_dest.loc["GTM", "value"])
    assert by_dest.loc["GTM", "flag"] == "no_qualifying_service"
    assert by_dest.loc["GTM", "n"] == 0
    world = mi.compute("remittance_cost_smart", prices=frame, level="world")
    assert world.data["value"].item() == pytest.approx((4.0 + 7.0) / 2)
    assert world.data["n"].item() == 2
    assert world.data["corridors_without_smart"].item() == 1
    above = mi.compute("remittance_corridors_above_target", prices=frame, measure="smart")
    assert above.data["corridors_above"].item() == 1  # MAR 7.0 > 5
    assert above.data["n"].item() == 2


def test_speed_text_is_used_when_speed_days_is_absent() -> None:
    frame = services(("USA", "MEX"), [3.0, 4.0, 5.0]).drop(columns="speed_days")
    frame["speed"] = ["Next day", "6 days or more", "3-5 days"]
    res = mi.compute("remittance_cost_smart", prices=frame)
    assert res.data["value"].item() == pytest.approx(4.0)
    assert res.metadata["notes"]["accessibility"].startswith("no 'accessible' column")
