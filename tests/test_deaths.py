"""SDG 10.7.3: migrant deaths and disappearances from incident records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import AmbiguousAreaError, InputValidationError
from migindicators.protection.deaths import derive_missing_values, migrant_deaths_and_disappearances

SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NAN = np.nan


def _incidents(**columns: list[object]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    base: dict[str, list[object]] = {"time_period": [2023] * n}
    base.update(columns)
    return pd.DataFrame(base)


def test_derive_missing_hand_computed() -> None:
    out = derive_missing_values(
        [NAN, 5.0, NAN, NAN, NAN],
        [120.0, 120.0, 10.0, NAN, 50.0],
        [30.0, 30.0, 20.0, 3.0, NAN],
        [70.0, 70.0, 0.0, NAN, 45.0],
    )
    assert out[0] == 20.0  # 120 - 30 - 70
    assert out[1] == 5.0  # given: kept
    assert np.isnan(out[2])  # negative: inconsistent, unknown
    assert np.isnan(out[3])  # not derivable
    assert out[4] == 5.0  # blank dead counts as no body recovered


def test_dead_plus_missing_with_derivation() -> None:
    frame = _incidents(
        ref_area=["LBY", None, "ITA"],
        dead=[3.0, 10.0, NAN],
        missing=[NAN, 25.0, NAN],
        on_board=[NAN, NAN, 50.0],
        survivors=[NAN, NAN, 40.0],
    )
    res = mi.compute("migrant_deaths_and_disappearances", incidents=frame)
    row = res.data.iloc[0]
    assert row["ref_area"] == "001"
    assert row["value"] == 48.0
    assert row["dead"] == 13.0 and row["missing"] == 35.0
    assert row["missing_derived"] == 1
    assert res.metadata["sdmx_series"] == "SM_DTH_MIGR"
    no_derivation = migrant_deaths_and_disappearances(frame, derive_missing=False)
    assert no_derivation.data["value"].iloc[0] == 38.0
    assert no_derivation.exclusions["rows"].sum() == 1  # ITA: nothing left to count
    assert no_derivation.rows_accounted()


def test_blanks_are_unknown_not_zero() -> None:
    frame = _incidents(
        dead=[10.0, 4.0, NAN],
        females=[2.0, NAN, NAN],
        males=[3.0, NAN, NAN],
        children=[NAN, NAN, NAN],
        missing=[NAN, NAN, NAN],
    )
    res = migrant_deaths_and_disappearances(frame)
    row = res.data.iloc[0]
    assert row["value"] == 14.0
    assert row["females"] == 2.0 and row["males"] == 3.0
    assert row["sex_unknown"] == 9.0  # 5 unknown in the first incident, 4 in the second
    assert np.isnan(row["children"])  # nobody reported: unknown, not 0
    reasons = res.exclusions.set_index("reason")["rows"]
    assert reasons["no number dead or missing"] == 1
    assert res.rows_accounted()


def test_cumulative_records_counted_whole() -> None:
    frame = _incidents(
        time_period=[2022, 2023], dead=[120.0, 2.0], cumulative=[1, 0], month=[12, 3]
    )
    data = migrant_deaths_and_disappearances(frame).data.set_index("time_period")
    assert data.loc[2022, "value"] == 120.0
    assert data.loc[2022, "cumulative_rows"] == 1
    assert data.loc[2023, "value"] == 2.0


def test_by_country_route_region_and_aggregates() -> None:
    frame = _incidents(
        ref_area=["LBY", "LBY", None, "MEX"],
        region=["Mediterranean", "Mediterranean", "Mediterranean", "Americas"],
        route=["Central Med", "Central Med", "Central Med", "US-Mexico"],
        dead=[1.0, 2.0, 4.0, 8.0],
    )
    res = migrant_deaths_and_disappearances(
        frame, by=["ref_area"], aggregate=["world", "m49_region"]
    )
    data = res.data
    world = data.loc[data["ref_area"] == "001", "value"].iloc[0]
    assert world == 15.0  # includes the incident at sea
    countries = data.loc[data["aggregate_grouping"].isna()]
    assert countries.set_index(countries["ref_area"].fillna("sea"))["value"].to_dict() == {
        "LBY": 3.0,
        "MEX": 8.0,
        "sea": 4.0,
    }
    africa = data.loc[(data["ref_area"] == "002"), "value"].iloc[0]
    assert africa == 3.0
    by_route = migrant_deaths_and_disappearances(frame, by=["route"]).data
    assert by_route.set_index("route")["value"].to_dict() == {"Central Med": 7.0, "US-Mexico": 8.0}
    by_region = migrant_deaths_and_disappearances(frame, by=["region", "route"]).data
    assert by_region["value"].sum() == 15.0


def test_unknown_country_excluded_when_by_country() -> None:
    frame = _incidents(ref_area=["ZZZ", "MEX"], dead=[1.0, 2.0])
    res = migrant_deaths_and_disappearances(frame, by=["ref_area"])
    assert res.exclusions.set_index("reason").loc["unknown country code", "rows"] == 1
    assert res.data["value"].sum() == 2.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dead": [-1.0]}, "dead"),
        ({"dead": ["many"]}, "dead"),
        ({"month": [13]}, "month"),
        ({"cumulative": [2]}, "cumulative"),
    ],
)
def test_bad_input(change: dict[str, list[object]], message: str) -> None:
    frame = _incidents(dead=[1.0])
    with pytest.raises(InputValidationError, match=message):
        migrant_deaths_and_disappearances(frame.assign(**change))


def test_duplicate_incident_and_bad_options() -> None:
    frame = _incidents(incident_id=["a", "a"], dead=[1.0, 2.0])
    with pytest.raises(InputValidationError, match="unique"):
        migrant_deaths_and_disappearances(frame)
    with pytest.raises(ValueError, match="needs by"):
        migrant_deaths_and_disappearances(frame.drop(columns="incident_id"), aggregate="world")
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        migrant_deaths_and_disappearances(frame.drop(columns="incident_id"), by=["sex"])
    with pytest.raises(InputValidationError, match="empty"):
        migrant_deaths_and_disappearances(frame.iloc[:0])


# --- properties -------------------------------------------------------------------------------

PLACES = ["LBY", "TUN", "ITA", None, "MEX", "USA"]
ROUTES = ["Central Med", "US-Mexico", "Sahara"]
count = st.one_of(st.none(), st.integers(0, 200).map(float))


@st.composite
def incident_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 25))
    rows = []
    for _ in range(n):
        rows.append(
            {
                "time_period": draw(st.sampled_from([2022, 2023])),
                "ref_area": draw(st.sampled_from(PLACES)),
                "route": draw(st.sampled_from(ROUTES)),
                "dead": draw(count),
                "missing": draw(count),
                "females": draw(count),
            }
        )
    return pd.DataFrame(rows).astype(
        {"dead": "float64", "missing": "float64", "females": "float64"}
    )


@SETTINGS
@given(incident_tables(), st.integers(0, 2**31))
def test_row_order(frame: pd.DataFrame, seed: int) -> None:
    a = migrant_deaths_and_disappearances(frame, by=["ref_area"], aggregate="all").data
    b = migrant_deaths_and_disappearances(
        frame.sample(frac=1, random_state=seed), by=["ref_area"], aggregate="all"
    ).data
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(incident_tables())
def test_breakdowns_sum_to_world(frame: pd.DataFrame) -> None:
    world = migrant_deaths_and_disappearances(frame).data.set_index("time_period")["value"]
    for by in (["ref_area"], ["route"], ["ref_area", "route"]):
        part = migrant_deaths_and_disappearances(frame, by=by).data
        np.testing.assert_allclose(part.groupby("time_period")["value"].sum(), world)
    data = migrant_deaths_and_disappearances(frame, by=["ref_area"], aggregate="world").data
    agg = data.loc[data["aggregate_grouping"] == "world"].set_index("time_period")["value"]
    np.testing.assert_allclose(agg, world)
    assert (data["sex_unknown"] >= 0).all()


def test_unknown_code_excluded_with_or_without_country_breakdown() -> None:
    frame = _incidents(ref_area=["ZZZ", "MEX", None], dead=[1.0, 2.0, 4.0])
    world = migrant_deaths_and_disappearances(frame).data["value"].sum()
    by_country = migrant_deaths_and_disappearances(frame, by=["ref_area"]).data
    assert world == by_country["value"].sum() == 6.0


def test_withdrawn_code_spanning_regions_is_an_error_not_a_silent_drop() -> None:
    # Hand-built: SUN's successors lie in Europe (150) and Asia (142), so a regional total
    # cannot hold its deaths; before, the rows fell out of every region without a word.
    frame = _incidents(ref_area=["SUN", "CSK"], dead=[5.0, 2.0])
    with pytest.raises(AmbiguousAreaError, match="SUN"):
        migrant_deaths_and_disappearances(frame, by=["ref_area"], aggregate=["m49_region"])
    # CSK's successors (CZE, SVK) are both in Europe, so it joins Europe's total.
    res = migrant_deaths_and_disappearances(
        frame.iloc[[1]], by=["ref_area"], aggregate=["world", "m49_region"]
    )
    totals = res.data.set_index("ref_area")["value"]
    assert totals["150"] == 2.0
    assert totals["001"] == 2.0
