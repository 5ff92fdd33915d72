"""SDG 17.3.2: personal remittances received as a percentage of GDP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import InputValidationError, UnitError
from migindicators.remittances.gdp_share import (
    remittances_share_of_gdp,
    remittances_share_of_gdp_values,
)

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _frames(
    rem: dict[str, float | None], gdp: dict[str, float | None], year: int = 2021
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.DataFrame(
            {"ref_area": list(rem), "time_period": year, "remittances": list(rem.values())}
        ),
        pd.DataFrame({"ref_area": list(gdp), "time_period": year, "gdp": list(gdp.values())}),
    )


def test_values_hand_computed() -> None:
    out = remittances_share_of_gdp_values(
        np.array([3e9, 1.0, 1.0, 5.0]), np.array([12e9, 0.0, -4.0, 2.0])
    )
    assert out[0] == 25.0
    assert np.isnan(out[1]) and np.isnan(out[2])
    assert out[3] == 250.0  # never capped


def test_published_shape_tjk_2021() -> None:
    # WDI (2023-05-10): TJK 2021 received 2,921,934,389 US$, 33.41 % of GDP (rounded).
    rem, gdp = _frames({"TJK": 2_921_934_389.0}, {"TJK": 2_921_934_389.0 / 0.3341})
    res = mi.compute("remittances_share_of_gdp", remittances=rem, gdp=gdp)
    assert round(res.data["value"].iloc[0], 2) == 33.41
    assert res.unit == "percent"
    assert res.metadata["sdmx_series"] == "BX_TRF_PWKR"


def test_gdp_zero_negative_missing_and_missing_remittances() -> None:
    rem, gdp = _frames(
        {"AAA": 1.0, "TJK": 1.0, "NPL": 1.0, "KEN": 1.0, "HND": None},
        {"TJK": 0.0, "NPL": -5.0, "KEN": None, "HND": 10.0},
    )
    res = remittances_share_of_gdp(rem.iloc[1:], gdp)
    data = res.data.set_index("ref_area")
    assert data["value"].isna().all()
    assert set(data.loc[["TJK", "NPL", "KEN"], "flag"]) == {"zero_denominator"}
    assert data.loc["HND", "flag"] == "missing_input"
    assert res.rows_accounted()


def test_above_100_percent_is_kept_and_flagged() -> None:
    rem, gdp = _frames({"TON": 600.0}, {"TON": 500.0})
    data = remittances_share_of_gdp(rem, gdp).data
    assert data["value"].iloc[0] == pytest.approx(120.0)
    assert data["flag"].iloc[0] == "above_100_percent"


def test_unit_mult_is_applied() -> None:
    rem, gdp = _frames({"KEN": 3.7e9}, {"KEN": 110_000.0})
    gdp["unit_mult"] = 6
    value = remittances_share_of_gdp(rem, gdp).data["value"].iloc[0]
    assert value == pytest.approx(100 * 3.7e9 / 1.1e11)


def test_two_currencies_raise_unit_error() -> None:
    rem, gdp = _frames({"KEN": 1.0}, {"KEN": 2.0})
    gdp["currency"] = "KES"
    with pytest.raises(UnitError, match="one currency"):
        remittances_share_of_gdp(rem, gdp)
    rem["currency"] = "ZZZ"
    with pytest.raises(UnitError, match="ZZZ"):
        remittances_share_of_gdp(rem, gdp)


def test_unknown_codes_and_unmatched_rows_are_exclusions() -> None:
    rem, gdp = _frames({"XXX": 1.0, "KEN": 1.0, "NPL": 2.0}, {"KEN": 10.0, "UGA": 5.0})
    res = remittances_share_of_gdp(rem, gdp)
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons == {
        "unknown country code": 1,
        "no gdp row for this key": 1,
        "no remittances row for this key": 1,
    }
    assert res.rows_accounted()


@pytest.mark.parametrize(
    ("rem", "message"),
    [
        (
            pd.DataFrame({"ref_area": ["KEN"], "time_period": [2021], "remittances": [-1.0]}),
            "remittances",
        ),
        (
            pd.DataFrame(
                {"ref_area": ["KEN", "KEN"], "time_period": [2021, 2021], "remittances": [1.0, 2.0]}
            ),
            "unique",
        ),
        (
            pd.DataFrame({"ref_area": ["KEN"], "time_period": ["next year"], "remittances": [1.0]}),
            "time_period",
        ),
        (pd.DataFrame({"ref_area": ["KEN"], "time_period": [2021]}), "missing required column"),
    ],
)
def test_bad_input(rem: pd.DataFrame, message: str) -> None:
    _, gdp = _frames({}, {"KEN": 1.0})
    with pytest.raises(InputValidationError, match=message):
        remittances_share_of_gdp(rem, gdp)


def test_no_disaggregation() -> None:
    rem, gdp = _frames({"KEN": 1.0}, {"KEN": 2.0})
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        remittances_share_of_gdp(rem, gdp, by=["sex"])


def test_aggregate_is_gdp_weighted_over_countries_with_both() -> None:
    rem, gdp = _frames(
        {"KEN": 4.0, "UGA": 1.0, "TZA": 3.0}, {"KEN": 100.0, "UGA": 25.0, "TZA": None}
    )
    res = remittances_share_of_gdp(rem, gdp, aggregate="world")
    world = res.data.set_index("ref_area").loc["001"]
    assert world["value"] == pytest.approx(100 * 5.0 / 125.0)
    assert world["n"] == 2
    assert "incomplete_coverage" in world["flag"]


# --- properties -----------------------------------------------------------------------------

COUNTRIES = ["TJK", "HND", "NPL", "KEN", "MEX", "PHL", "IND", "TON", "LBN", "SLV"]


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    areas = draw(st.lists(st.sampled_from(COUNTRIES), min_size=1, max_size=8, unique=True))
    rem = {a: float(draw(st.integers(0, 10**11))) for a in areas}
    gdp = {a: float(draw(st.integers(1, 10**13))) for a in areas}
    return _frames(rem, gdp)


@SETTINGS
@given(tables(), st.integers(0, 2**31))
def test_row_order(frames: tuple[pd.DataFrame, pd.DataFrame], seed: int) -> None:
    rem, gdp = frames
    a = remittances_share_of_gdp(rem, gdp, aggregate="all").data
    b = remittances_share_of_gdp(
        rem.sample(frac=1, random_state=seed),
        gdp.sample(frac=1, random_state=seed + 1),
        aggregate="all",
    ).data
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(tables(), st.integers(2, 10**6))
def test_scaling(frames: tuple[pd.DataFrame, pd.DataFrame], k: int) -> None:
    rem, gdp = frames
    a = remittances_share_of_gdp(rem, gdp).data["value"]
    b = remittances_share_of_gdp(
        rem.assign(remittances=rem["remittances"] * k), gdp.assign(gdp=gdp["gdp"] * k)
    ).data["value"]
    np.testing.assert_allclose(a, b, rtol=1e-12)


@SETTINGS
@given(tables())
def test_aggregate_between_members(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    rem, gdp = frames
    data = remittances_share_of_gdp(rem, gdp, aggregate="world").data
    members = data.loc[data["ref_area"] != "001"]
    world = data.loc[data["ref_area"] == "001"].iloc[0]
    assert members["value"].min() - 1e-9 <= world["value"] <= members["value"].max() + 1e-9
    # the aggregate's parts are the sums of its members' parts
    assert world["remittances"] == pytest.approx(members["remittances"].sum())
    assert world["gdp"] == pytest.approx(members["gdp"].sum())
