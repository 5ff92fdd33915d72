"""Migrant–native gaps: rates by migratory status, the gap, and its SE with covariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.flags import has_flag
from migindicators.integration import gaps as ig

GAP_FUNCTIONS = [
    ig.employment_rate_gap,
    ig.activity_rate_gap,
    ig.unemployment_rate_gap,
    ig.informal_employment_gap,
    ig.school_attendance_gap,
    ig.tertiary_attainment_gap,
    ig.housing_tenure_gap,
]


def _persons() -> pd.DataFrame:
    """Eight persons aged 15-64 and one child, one country; each person its own PSU."""
    return pd.DataFrame(
        {
            "ref_area": "ESP",
            "time_period": 2023,
            "sex": ["F", "M", "F", "M", "F", "M", "F", "M", "F"],
            "age": [30, 40, 25, 50, 35, 45, 60, 20, 10],
            "country_of_birth": ["MAR", "COL", "XXX", "MAR", "ESP", "ESP", "ESP", "ESP", "ESP"],
            "citizenship": ["MAR", "ESP", "ROU", "MAR", "ESP", "ESP", "ESP", "ESP", "ESP"],
            "weight": [2.0, 1.0, 1.0, 2.0, 3.0, 1.0, 1.0, 2.0, 5.0],
            "labour_status": [
                "employed",
                "unemployed",
                "inactive",
                "employed",
                "employed",
                "employed",
                "unemployed",
                "inactive",
                None,
            ],
        }
    )


def _value(res: mi.Result, status: str, **keys: str) -> pd.Series:
    d = res.data
    mask = d["migratory_status"] == status
    for k, v in keys.items():
        mask &= d[k] == v
    return d.loc[mask].iloc[0]


def _hand_gap(
    frame: pd.DataFrame, y: np.ndarray, x: np.ndarray, migrant: np.ndarray, psu: np.ndarray
) -> tuple[float, float, float]:
    """Rates and the linearised SE of their difference, one stratum, with replacement."""
    w = frame["weight"].to_numpy(float)
    scores = np.zeros(len(frame))
    rates = []
    for sign, dom in ((1.0, migrant), (-1.0, ~migrant)):
        b = np.sum(w * x * dom)
        r = np.sum(w * y * dom) / b
        rates.append(r)
        scores += sign * w * (y - r * x) * dom / b
    totals = pd.Series(scores).groupby(psu).sum().to_numpy()
    n = len(totals)
    v = n / (n - 1) * np.sum((totals - totals.mean()) ** 2)
    return rates[0], rates[1], float(np.sqrt(v))


def test_employment_rate_gap_by_hand() -> None:
    p = _persons()
    res = ig.employment_rate_gap(p, quality=[])
    # Migrants (MAR, COL, XXX, MAR), weights 2, 1, 1, 2; employed: 1st and 4th -> 4 / 6.
    assert _value(res, "MS_MIGRANT")["value"] == pytest.approx(100 * 4 / 6)
    # Natives aged 15-64: weights 3, 1, 1, 2; employed 3 + 1 -> 4 / 7.
    assert _value(res, "MS_NOMIGRANT")["value"] == pytest.approx(100 * 4 / 7)
    gap = _value(res, "GAP")
    assert gap["value"] == pytest.approx(100 * (4 / 6 - 4 / 7))
    in_scope = (p["age"] <= 64) & (p["age"] >= 15)
    x = in_scope.to_numpy(float)
    y = (p["labour_status"] == "employed").to_numpy(float) * x
    migrant = (p["country_of_birth"] != "ESP").to_numpy()
    _, _, se = _hand_gap(p, y, x, migrant, np.arange(len(p)))
    assert gap["se"] == pytest.approx(100 * se, rel=1e-10)
    assert gap["n"] == 8
    assert _value(res, "MS_MIGRANT")["n"] == 4
    assert res.rows_accounted()
    assert res.unit == "percent"
    # The child (age 10) stays in the design but is reported as out of scope.
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons["out of scope: age outside 15-64"] == 1


def test_unemployment_and_activity_by_hand() -> None:
    p = _persons()
    un = ig.unemployment_rate_gap(p, quality=[])
    # Labour force: migrants employed(2) unemployed(1) employed(2) -> 1/5; natives 3+1+1 -> 1/5.
    assert _value(un, "MS_MIGRANT")["value"] == pytest.approx(20.0)
    assert _value(un, "MS_NOMIGRANT")["value"] == pytest.approx(20.0)
    assert _value(un, "GAP")["value"] == pytest.approx(0.0, abs=1e-12)
    act = ig.activity_rate_gap(p, quality=[])
    assert _value(act, "MS_MIGRANT")["value"] == pytest.approx(100 * 5 / 6)
    assert _value(act, "MS_NOMIGRANT")["value"] == pytest.approx(100 * 5 / 7)


def test_citizenship_basis() -> None:
    res = ig.employment_rate_gap(_persons(), status_by="citizenship", quality=[])
    # Foreign citizens: MAR (w2, employed), ROU (w1, inactive), MAR (w2, employed) -> 4/5.
    assert _value(res, "MS_MIGRANT")["value"] == pytest.approx(80.0)
    assert (res.data["status_basis"] == "citizenship").all()


def test_covariance_within_households_is_included() -> None:
    rng = np.random.default_rng(3)
    n_hh = 60
    hh = np.repeat(np.arange(n_hh), 2)
    frame = pd.DataFrame(
        {
            "ref_area": "SWE",
            "time_period": 2023,
            "age": rng.integers(20, 60, size=2 * n_hh),
            # One foreign-born and one native-born person in every household.
            "country_of_birth": np.tile(["SYR", "SWE"], n_hh),
            "weight": np.repeat(rng.uniform(1, 3, size=n_hh), 2),
            "household": hh,
        }
    )
    # Outcomes strongly correlated within the household.
    shock = np.repeat(rng.random(n_hh) < 0.5, 2)
    frame["labour_status"] = np.where(shock | (rng.random(2 * n_hh) < 0.2), "employed", "inactive")
    res = ig.employment_rate_gap(frame, quality=[])
    x = np.ones(len(frame))
    y = (frame["labour_status"] == "employed").to_numpy(float)
    migrant = (frame["country_of_birth"] != "SWE").to_numpy()
    _, _, se = _hand_gap(frame, y, x, migrant, hh)
    gap = _value(res, "GAP")
    assert gap["se"] == pytest.approx(100 * se, rel=1e-10)
    independent = np.hypot(_value(res, "MS_MIGRANT")["se"], _value(res, "MS_NOMIGRANT")["se"])
    # Positive covariance: the SE of the gap is well below the independence formula.
    assert gap["se"] < 0.8 * independent


def test_unknown_status_and_missing_outcome_are_counted() -> None:
    p = _persons()
    p.loc[0, "country_of_birth"] = None
    p.loc[1, "labour_status"] = None
    res = ig.employment_rate_gap(p, quality=[])
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons["labour status missing"] == 1
    assert reasons["migratory status unknown (country_of_birth missing)"] == 1
    assert res.rows_accounted()
    assert _value(res, "MS_MIGRANT")["n"] == 2


def test_missing_weight_is_excluded_and_unweighted_input_is_flagged() -> None:
    p = _persons()
    p.loc[2, "weight"] = np.nan
    res = ig.employment_rate_gap(p, quality=[])
    assert "missing weight" in set(res.exclusions["reason"])
    assert res.rows_accounted()
    unweighted = ig.employment_rate_gap(_persons().drop(columns="weight"), quality=[])
    assert has_flag(unweighted.data["flag"], "unweighted").all()
    # Unweighted migrants: employed 2 of 4.
    assert _value(unweighted, "MS_MIGRANT")["value"] == pytest.approx(50.0)


def test_empty_domain_gives_nan_and_flag() -> None:
    p = _persons()
    p["country_of_birth"] = "ESP"
    p.loc[0, "country_of_birth"] = "MAR"
    p.loc[0, "labour_status"] = None  # the only migrant has no labour status
    res = ig.employment_rate_gap(p, quality=[])
    migrant = _value(res, "MS_MIGRANT")
    assert np.isnan(migrant["value"])
    assert has_flag(pd.Series([migrant["flag"]]), "zero_denominator").iloc[0]


def test_bad_input_is_a_clear_error() -> None:
    p = _persons()
    p.loc[0, "labour_status"] = "working"
    with pytest.raises(mi.InputValidationError, match="labour_status"):
        ig.employment_rate_gap(p)
    with pytest.raises(mi.InputValidationError, match="tenure"):
        ig.housing_tenure_gap(_persons())
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        ig.employment_rate_gap(_persons(), by=["citizenship"])
    with pytest.raises(ValueError, match="status_by"):
        ig.employment_rate_gap(_persons(), status_by="ethnicity")
    with pytest.raises(ValueError, match="max_age"):
        ig.employment_rate_gap(_persons(), min_age=30, max_age=20)


def test_age_groups_follow_the_bands() -> None:
    res = ig.employment_rate_gap(_persons(), by=["age_group"], quality=[])
    assert set(res.data["age_group"]) <= {"Y15T24", "Y25T54", "Y55T64"}
    assert res.rows_accounted()


def _demo() -> pd.DataFrame:
    data = mi.datasets.load("lfs_integration_demo", scale=0.3)
    assert isinstance(data, pd.DataFrame)
    return data


@pytest.mark.parametrize("func", GAP_FUNCTIONS, ids=lambda f: f.__name__)
def test_every_gap_on_demo_data(func: object) -> None:
    d = _demo()
    res = func(d)  # type: ignore[operator]
    assert res.rows_accounted()
    for (_, _), cell in res.data.groupby(["ref_area", "time_period"]):
        by_status = cell.set_index("migratory_status")["value"]
        if by_status.notna().all():
            gap = by_status["MS_MIGRANT"] - by_status["MS_NOMIGRANT"]
            assert by_status["GAP"] == pytest.approx(gap)
    rates = res.data.loc[res.data["migratory_status"] != "GAP"]
    ok = rates["value"].notna()
    assert ((rates.loc[ok, "ci_lower"] >= 0) & (rates.loc[ok, "ci_upper"] <= 100)).all()


def test_sex_disaggregation_is_consistent_with_the_total() -> None:
    d = _demo()
    total = ig.employment_rate_gap(d, quality=[])
    by_sex = ig.employment_rate_gap(d, by=["sex"], quality=[])
    for status in ("MS_MIGRANT", "MS_NOMIGRANT"):
        for area in ("ESP", "SWE"):
            t = _value(total, status, ref_area=area)
            parts = by_sex.data.loc[
                (by_sex.data["migratory_status"] == status) & (by_sex.data["ref_area"] == area)
            ]
            assert parts["n"].sum() == t["n"]
            assert parts["value"].min() <= t["value"] <= parts["value"].max()


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 10_000), scale=st.floats(0.1, 100.0))
def test_row_order_and_weight_scale_do_not_matter(seed: int, scale: float) -> None:
    d = mi.datasets.load("lfs_integration_demo", scale=0.15)
    assert isinstance(d, pd.DataFrame)
    base = ig.unemployment_rate_gap(d, quality=[])
    other = d.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    other["weight"] = other["weight"] * scale
    moved = ig.unemployment_rate_gap(other, quality=[])
    for col in ("value", "se", "ci_lower", "ci_upper"):
        np.testing.assert_allclose(moved.data[col], base.data[col], rtol=1e-9, atol=1e-12)
    assert list(moved.data["n"]) == list(base.data["n"])


def test_country_without_migrants_gets_an_undefined_flagged_gap() -> None:
    d = mi.datasets.load("lfs_integration_demo", scale=0.2)
    assert isinstance(d, pd.DataFrame)
    d.loc[d["ref_area"] == "SWE", "country_of_birth"] = "SWE"
    res = ig.employment_rate_gap(d)
    gap = _value(res, "GAP", ref_area="SWE")
    assert np.isnan(gap["value"])
    assert "zero_denominator" in gap["flag"]
    assert not np.isnan(_value(res, "GAP", ref_area="ESP")["value"])
    migrant = _value(res, "MS_MIGRANT", ref_area="SWE")
    assert migrant["n"] == 0
    assert np.isnan(migrant["value"])
    assert "zero_denominator" in migrant["flag"]
    assert res.rows_accounted()


def test_quality_profile_applies_to_rates_not_to_gaps() -> None:
    res = ig.employment_rate_gap(_persons(), quality="abs")
    records = {r["rows"]: r for r in res.metadata["quality_rules"]}
    assert records["MS_MIGRANT, MS_NOMIGRANT"]["rule"] == "abs"
    assert "GAP" not in records  # no profile judges a difference
    gaps = res.data[res.data["migratory_status"] == "GAP"]
    assert not has_flag(gaps["flag"], "low_reliability").any()
    assert not has_flag(gaps["flag"], "unreliable").any()
