"""Property tests of the remittance-cost averages (hypothesis)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import migindicators as mi

CORRIDORS = [("USA", "MEX"), ("USA", "GTM"), ("ESP", "MAR"), ("GBR", "NGA"), ("ARE", "IND")]
QUARTERS = ["2023-Q4", "2024-Q1"]
FIRM_TYPES = ["Bank", "Money Transfer Operator", "Post office"]

service = st.tuples(
    st.sampled_from(CORRIDORS),
    st.sampled_from(QUARTERS),
    st.sampled_from(FIRM_TYPES),
    st.floats(min_value=0.0, max_value=40.0, allow_nan=False),
    st.booleans(),
)


def frame_of(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "time_period": [r[1] for r in rows],
            "sending_area": [r[0][0] for r in rows],
            "receiving_area": [r[0][1] for r in rows],
            "service_id": [str(i) for i in range(len(rows))],
            "firm_type": [r[2] for r in rows],
            "amount_usd": 200.0,
            "transparent": ["yes" if r[4] else "no" for r in rows],
            "total_cost": [r[3] for r in rows],
        }
    )


def values(result: mi.Result) -> pd.Series:
    groups = result.group_columns
    return result.data.set_index(groups)["value"].sort_index()


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(service, min_size=1, max_size=30),
    seed=st.integers(0, 2**16),
    level=st.sampled_from(["corridor", "sending", "receiving", "region", "world"]),
)
def test_row_order_does_not_matter(rows: list[tuple], seed: int, level: str) -> None:
    frame = frame_of(rows)
    shuffled = frame.sample(frac=1.0, random_state=seed)
    if not frame["transparent"].eq("yes").any():
        return
    a = mi.compute("remittance_cost_average", prices=frame, level=level, by="firm_type")
    b = mi.compute("remittance_cost_average", prices=shuffled, level=level, by="firm_type")
    pd.testing.assert_series_equal(values(a), values(b), check_exact=False, rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    rows=st.lists(service, min_size=1, max_size=30),
    extra=st.tuples(
        st.sampled_from(CORRIDORS),
        st.sampled_from(QUARTERS),
        st.floats(min_value=0.0, max_value=100.0, allow_nan=False),
    ),
    level=st.sampled_from(["corridor", "receiving", "world"]),
)
def test_a_non_transparent_service_never_changes_an_average(
    rows: list[tuple], extra: tuple, level: str
) -> None:
    rows = [*rows, (CORRIDORS[0], QUARTERS[0], "Bank", 5.0, True)]
    frame = frame_of(rows)
    opaque = frame_of([(extra[0], extra[1], "Bank", extra[2], False)]).assign(service_id="opaque")
    more = pd.concat([frame, opaque], ignore_index=True)
    a = mi.compute("remittance_cost_average", prices=frame, level=level)
    b = mi.compute("remittance_cost_average", prices=more, level=level)
    pd.testing.assert_series_equal(values(a), values(b))
    assert b.rows_accounted()
    assert b.metadata["rows"]["prices"]["excluded"] == a.metadata["rows"]["prices"]["excluded"] + 1


@settings(max_examples=25, deadline=None)
@given(rows=st.lists(service, min_size=1, max_size=40))
def test_world_average_is_the_mean_over_all_its_services(rows: list[tuple]) -> None:
    rows = [*rows, (CORRIDORS[1], QUARTERS[1], "Bank", 7.5, True)]
    frame = frame_of(rows)
    world = mi.compute("remittance_cost_average", prices=frame, level="world")
    kept = frame[frame["transparent"] == "yes"]
    expected = kept.groupby("time_period")["total_cost"].mean()
    got = world.data.set_index("time_period")["value"]
    np.testing.assert_allclose(got.loc[expected.index], expected, rtol=1e-12, atol=1e-12)
    assert world.data.set_index("time_period")["n"].loc[expected.index].tolist() == (
        kept.groupby("time_period").size().tolist()
    )
    # and every aggregate lies between its smallest and largest corridor average
    corr = mi.compute("remittance_cost_average", prices=frame, level="corridor").data
    for quarter, value in got.items():
        members = corr.loc[corr["time_period"] == quarter, "value"]
        assert members.min() - 1e-9 <= value <= members.max() + 1e-9
