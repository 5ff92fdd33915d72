"""SDG 10.7.4: refugees per 100 000 population of the country of origin."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import InputValidationError
from migindicators.protection.refugees import refugees_per_100k, refugees_per_100k_values

SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _frames(
    ref: dict[str, float], pop: dict[str, float], year: int = 2024
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (
        pd.DataFrame({"ref_area": list(ref), "time_period": year, "refugees": list(ref.values())}),
        pd.DataFrame(
            {"ref_area": list(pop), "time_period": year, "population": list(pop.values())}
        ),
    )


def test_project_example_hand_computed() -> None:
    # The project's own illustration (methodology.md §5.3), not a UNHCR worked example:
    # R = 100 000, P = 1 000 000 -> 9 090.909 (the denominator holds R). The published-figure
    # checks are in tests/reference/test_unhcr.py.
    out = refugees_per_100k_values(np.array([100_000.0]), np.array([1_000_000.0]))
    assert out[0] == pytest.approx(1e5 * 100_000 / 1_100_000, rel=1e-15)
    assert round(out[0], 3) == 9090.909
    ref, pop = _frames({"SYR": 100_000}, {"SYR": 1_000_000})
    res = mi.compute("refugees_per_100k", refugees=ref, population=pop)
    assert res.data["value"].iloc[0] == pytest.approx(9090.909090909, rel=1e-12)
    assert res.unit == "per_100000"
    assert res.metadata["sdmx_series"] == "SM_POP_REFG_OR"


def test_zero_denominator_is_nan_not_inf() -> None:
    out = refugees_per_100k_values(np.array([0.0, 5.0]), np.array([0.0, np.nan]))
    assert np.isnan(out).all()
    ref, pop = _frames({"VAT": 0.0}, {"VAT": 0.0})
    data = refugees_per_100k(ref, pop).data
    assert np.isnan(data["value"].iloc[0]) and data["flag"].iloc[0] == "zero_denominator"


def test_origin_by_asylum_rows_are_summed() -> None:
    ref = pd.DataFrame(
        {
            "ref_area": ["AFG"] * 3,
            "asylum": ["PAK", "IRN", "DEU"],
            "time_period": 2024,
            "refugees": [1.0e6, 2.0e6, 0.5e6],
        }
    )
    _, pop = _frames({}, {"AFG": 40e6})
    data = refugees_per_100k(ref, pop).data
    assert data["refugees"].iloc[0] == 3.5e6
    assert data["n"].iloc[0] == 3
    assert data["value"].iloc[0] == pytest.approx(1e5 * 3.5e6 / 43.5e6)


def test_exclusions_are_reported() -> None:
    ref, pop = _frames({"UNK": 5.0, "SYR": 10.0, "SSD": 3.0}, {"SYR": 100.0, "ERI": 50.0})
    res = refugees_per_100k(ref, pop)
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons == {
        "unknown country code": 1,
        "origin with no population row": 1,
        "no refugee row for this key": 1,
    }
    assert res.rows_accounted()
    assert list(res.data["ref_area"]) == ["SYR"]


def test_population_by_sex_without_by_is_summed_once() -> None:
    ref = pd.DataFrame(
        {"ref_area": "SYR", "time_period": 2024, "sex": ["F", "M"], "refugees": [60.0, 40.0]}
    )
    pop = pd.DataFrame(
        {
            "ref_area": "SYR",
            "time_period": 2024,
            "sex": ["F", "M", "_T"],
            "population": [500.0, 400.0, 900.0],
        }
    )
    res = refugees_per_100k(ref, pop)
    assert len(res.data) == 1
    assert res.data["value"].iloc[0] == pytest.approx(1e5 * 100 / 1000)
    assert res.rows_accounted()
    by_sex = refugees_per_100k(ref, pop, by=["sex"]).data.set_index("sex")["value"]
    assert by_sex.to_dict() == pytest.approx({"F": 1e5 * 60 / 560, "M": 1e5 * 40 / 440})


def test_aggregate_weighted_by_p_plus_r() -> None:
    ref, pop = _frames({"SYR": 6e6, "ERI": 0.5e6}, {"SYR": 22e6, "ERI": 3.5e6})
    res = refugees_per_100k(ref, pop, aggregate="world")
    world = res.data.set_index("ref_area").loc["001"]
    assert world["value"] == pytest.approx(1e5 * 6.5e6 / (6.5e6 + 25.5e6))
    assert world["flag"] == "incomplete_coverage"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (
            pd.DataFrame({"ref_area": ["SYR"], "time_period": [2024], "refugees": [-1.0]}),
            "refugees",
        ),
        (
            pd.DataFrame({"ref_area": ["syria"], "time_period": [2024], "refugees": [1.0]}),
            "ref_area",
        ),
        (pd.DataFrame({"ref_area": ["SYR"], "time_period": [2024]}), "missing required column"),
        (pd.DataFrame({"ref_area": ["SYR"], "time_period": [2024], "refugees": ["x"]}), "refugees"),
    ],
)
def test_bad_refugee_input(frame: pd.DataFrame, message: str) -> None:
    _, pop = _frames({}, {"SYR": 1.0})
    with pytest.raises(InputValidationError, match=message):
        refugees_per_100k(frame, pop)


def test_bad_population_input() -> None:
    ref, pop = _frames({"SYR": 1.0}, {"SYR": -5.0})
    with pytest.raises(InputValidationError, match="population"):
        refugees_per_100k(ref, pop)
    dup = pd.concat([pop.assign(population=1.0)] * 2, ignore_index=True)
    with pytest.raises(InputValidationError, match="unique"):
        refugees_per_100k(ref, dup)
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        refugees_per_100k(ref, pop.assign(population=1.0), by=["route"])


# --- properties -------------------------------------------------------------------------------

ORIGINS = ["SYR", "AFG", "SSD", "UKR", "VEN", "MMR", "COD", "SDN", "ERI"]


@st.composite
def tables(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    areas = draw(st.lists(st.sampled_from(ORIGINS), min_size=1, max_size=6, unique=True))
    ref, pop = [], []
    for area in areas:
        for sex in ("F", "M"):
            pop.append(
                {
                    "ref_area": area,
                    "time_period": 2024,
                    "sex": sex,
                    "population": draw(st.integers(1, 10**8)),
                }
            )
            for host in draw(
                st.lists(
                    st.sampled_from(["TUR", "DEU", "PAK", "UGA"]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            ):
                ref.append(
                    {
                        "ref_area": area,
                        "asylum": host,
                        "time_period": 2024,
                        "sex": sex,
                        "refugees": draw(st.integers(0, 10**7)),
                    }
                )
    return pd.DataFrame(ref), pd.DataFrame(pop)


@SETTINGS
@given(tables(), st.integers(0, 2**31))
def test_row_order(frames: tuple[pd.DataFrame, pd.DataFrame], seed: int) -> None:
    ref, pop = frames
    a = refugees_per_100k(ref, pop, by=["sex"], aggregate="world").data
    b = refugees_per_100k(
        ref.sample(frac=1, random_state=seed),
        pop.sample(frac=1, random_state=seed),
        by=["sex"],
        aggregate="world",
    ).data
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(tables(), st.integers(2, 1000))
def test_scaling(frames: tuple[pd.DataFrame, pd.DataFrame], k: int) -> None:
    ref, pop = frames
    a = refugees_per_100k(ref, pop).data["value"]
    b = refugees_per_100k(
        ref.assign(refugees=ref["refugees"] * k), pop.assign(population=pop["population"] * k)
    ).data["value"]
    np.testing.assert_allclose(a, b, rtol=1e-12)


@SETTINGS
@given(tables())
def test_sex_breakdown_sums_to_total(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, pop = frames
    total = refugees_per_100k(ref, pop).data.set_index("ref_area")
    by_sex = refugees_per_100k(ref, pop, by=["sex"]).data.groupby("ref_area")
    np.testing.assert_allclose(by_sex["refugees"].sum(), total["refugees"])
    np.testing.assert_allclose(by_sex["population"].sum(), total["population"])


@SETTINGS
@given(tables())
def test_aggregate_between_members(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    ref, pop = frames
    data = refugees_per_100k(ref, pop, aggregate="all").data
    countries = data.loc[data["aggregate_grouping"].isna(), "value"]
    aggregates = data.loc[data["aggregate_grouping"].notna(), "value"]
    assert (aggregates >= countries.min() - 1e-9).all()
    assert (aggregates <= countries.max() + 1e-9).all()


def test_unhcr_aggregate_method_counts_origins_without_refugees_as_zero() -> None:
    # hand-computed: SYR 10 refugees, ERI none listed; populations 100 and 50
    ref, pop = _frames({"SYR": 10.0}, {"SYR": 100.0, "ERI": 50.0})
    plain = refugees_per_100k(ref, pop, aggregate="world")
    unhcr = refugees_per_100k(ref, pop, aggregate="world", aggregate_method="unhcr")
    assert plain.rows_accounted() and unhcr.rows_accounted()
    world = unhcr.data.set_index("ref_area")
    assert world.loc["ERI", "value"] == 0.0
    assert world.loc["ERI", "n"] == 0
    assert world.loc["001", "value"] == pytest.approx(1e5 * 10 / (150 + 10))
    assert plain.data.set_index("ref_area").loc["001", "value"] == pytest.approx(
        1e5 * 10 / (100 + 10)
    )
    assert unhcr.exclusions.empty
