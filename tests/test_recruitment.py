"""SDG 10.7.1 recruitment costs: methodology §2 synthetic cases, scope, currencies, designs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import migindicators as mi
from migindicators.core.errors import InputValidationError, OptionError, UnitError
from migindicators.engine.survey import Design
from migindicators.recruitment.indicators import recruitment_cost_indicator, recruitment_cost_values

DESIGN = {"weight": "weight", "strata": "stratum", "psu": "psu"}


def _workers(costs: list[float], earnings: list[float], **extra: object) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "time_period": 2024,
            "recruitment_cost": costs,
            "earnings": earnings,
            "cost_currency": "USD",
            "earnings_currency": "USD",
            "first_job_year": 2023,
        }
    )
    for key, value in extra.items():
        frame[key] = value
    return frame


@pytest.fixture
def synthetic() -> pd.DataFrame:
    # methodology.md §2: (C, E) = (600,300), (300,300), (0,400), (900,450) -> 2, 1, 0, 2
    return _workers([600.0, 300.0, 0.0, 900.0], [300.0, 300.0, 400.0, 450.0])


def test_values() -> None:
    out = recruitment_cost_values(np.array([600.0, 5.0, np.nan]), np.array([300.0, 0.0, 1.0]))
    assert out[0] == 2.0
    assert np.isnan(out[1:]).all()


def test_synthetic_cases(synthetic: pd.DataFrame) -> None:
    incl = mi.compute("recruitment_cost_indicator", survey=synthetic, quality=[])
    assert incl.data["value"].iloc[0] == pytest.approx(1.25)
    assert incl.data["zero_cost_share"].iloc[0] == pytest.approx(0.25)
    excl = mi.compute(
        "recruitment_cost_indicator", survey=synthetic, include_zero_cost=False, quality=[]
    )
    assert excl.data["value"].iloc[0] == pytest.approx(5 / 3)
    assert excl.data["n"].iloc[0] == 3
    assert excl.exclusions["rows"].sum() == 1
    med = mi.compute("recruitment_cost_indicator", survey=synthetic, statistic="median", quality=[])
    assert med.data["value"].iloc[0] == pytest.approx(1.5)
    for res in (incl, excl, med):
        assert res.rows_accounted()
        assert res.unit == "month_of_earnings"
    for res in (incl, excl):
        assert np.isfinite(res.data["se"]).all()
    # Woodruff as R's svyquantile (issue 13): the CDF interval 0.5 +- t(3) * 0.29 leaves
    # [0, 1] with 4 workers, so R gives no interval and no SE; the old interval clipped it.
    assert np.isnan(med.data["se"]).all()


def test_registry_entry() -> None:
    spec = mi.registry["recruitment_cost_indicator"]
    assert spec.sdg == "10.7.1"
    assert spec.sdmx_series == "SL_EMP_RCOST_MO"
    assert "months of earnings" in (spec.sdmx_series_name or "")
    assert "monthly" in spec.name
    assert spec.agenda_points == (2, 3)
    assert spec.option_defaults["include_zero_cost"] is True
    assert spec.option_defaults["max_years_since_first_job"] == 3


def test_scope_and_exclusions_add_up() -> None:
    frame = _workers(
        [100.0, 200.0, 300.0, 400.0, 500.0, np.nan],
        [100.0, 100.0, 0.0, np.nan, 100.0, 100.0],
        employment_status=[
            "employee",
            "self_employed",
            "employee",
            "employee",
            "employee",
            "employee",
        ],
    )
    frame.loc[4, "first_job_year"] = 2015
    res = recruitment_cost_indicator(frame, quality=[])
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons["out of scope: self-employed"] == 1
    assert reasons["zero earnings"] == 1
    assert reasons["missing earnings"] == 1
    assert reasons["out of scope: first job began more than 3 years before the survey"] == 1
    assert reasons["missing recruitment cost (an item is missing)"] == 1
    assert res.data["n"].iloc[0] == 1
    assert res.rows_accounted()
    wide = recruitment_cost_indicator(frame, max_years_since_first_job=None, quality=[])
    assert wide.data["n"].iloc[0] == 2


def test_no_capping_by_default() -> None:
    res = recruitment_cost_indicator(_workers([100.0, 50_000.0], [100.0, 100.0]), quality=[])
    assert res.data["value"].iloc[0] == pytest.approx((1 + 500) / 2)


def test_aggregate_is_an_error(synthetic: pd.DataFrame) -> None:
    with pytest.raises(OptionError, match="no regional or world aggregate"):
        mi.compute("recruitment_cost_indicator", survey=synthetic, aggregate="world")


def test_bad_inputs(synthetic: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="cannot be disaggregated"):
        recruitment_cost_indicator(synthetic, by=["colour"])
    with pytest.raises(InputValidationError, match="earnings"):
        recruitment_cost_indicator(synthetic.drop(columns="earnings"))
    with pytest.raises(OptionError, match="statistic"):
        recruitment_cost_indicator(synthetic, statistic="mode")


def test_mixed_currencies_need_rates(synthetic: pd.DataFrame) -> None:
    frame = synthetic.assign(earnings_currency=["USD", "USD", "EUR", "USD"])
    with pytest.raises(UnitError, match="exchange_rates"):
        recruitment_cost_indicator(frame)
    several = synthetic.assign(
        cost_currency=["USD", "USD", "EUR", "EUR"], earnings_currency=["USD", "USD", "EUR", "EUR"]
    )
    # The per-worker ratio needs no conversion; the totals do.
    assert recruitment_cost_indicator(several, quality=[]).data["value"].iloc[0] == 1.25
    with pytest.raises(UnitError, match="several currencies"):
        mi.compute("recruitment_cost_ratio_of_totals", survey=several)


def test_currency_conversion_consistent(synthetic: pd.DataFrame) -> None:
    # Earnings paid in EUR at 0.5 EUR per USD: the ratio is unchanged once converted.
    rates = pd.DataFrame(
        {
            "currency": ["EUR", "EUR"],
            "base": "USD",
            "date": ["2023-01-01", "2023-07-01"],
            "rate": [0.4, 0.6],
        }
    )
    frame = synthetic.assign(earnings=synthetic["earnings"] * 0.5, earnings_currency="EUR")
    res = recruitment_cost_indicator(frame, exchange_rates=rates, quality=[])
    assert res.data["value"].iloc[0] == pytest.approx(1.25)
    tot = mi.compute(
        "recruitment_cost_ratio_of_totals", survey=frame, exchange_rates=rates, quality=[]
    )
    row = tot.data.iloc[0]
    assert row["value"] == pytest.approx(1800 / 1450)
    assert row["mean_cost"] == pytest.approx(450.0)
    assert row["mean_earnings"] == pytest.approx(362.5)
    assert row["mean_cost_se"] > 0
    assert tot.metadata["currency"] == "USD"
    late = frame.assign(first_job_year=2024)
    res = recruitment_cost_indicator(late, exchange_rates=rates, quality=[])
    assert res.exclusions["reason"].str.startswith("no exchange rate").any()
    assert res.rows_accounted()


def test_demo_by_sex_and_destination() -> None:
    lfs = mi.datasets.load("lfs_migration_module")
    res = mi.compute(
        "recruitment_cost_indicator",
        survey=lfs["survey"],
        exchange_rates=lfs["exchange_rates"],
        design=DESIGN,
        by=["sex", "destination"],
    )
    assert res.rows_accounted()
    data = res.data
    assert set(data["sex"]) == {"F", "M"}
    assert (data["se"] > 0).all()
    assert (data["ci_lower"] < data["value"]).all()
    assert (data["value"] < data["ci_upper"]).all()
    # The design has 14 * 12 - 14 df; each domain's interval uses its own (R's degf of the
    # domain: its PSUs minus its strata, issue 13), fewer for a sex x destination cell.
    assert res.metadata["df"] == 14 * 12 - 14
    assert ((data["df"] > 0) & (data["df"] < 14 * 12 - 14)).all()
    assert res.metadata["variance_method"] == "taylor"
    assert {r["rule"] for r in res.metadata["quality_rules"]} == {"min_n", "max_cv"}
    given = res.metadata["rows"]["survey"]
    assert given["given"] == len(lfs["survey"])
    assert given["used"] == data["n"].sum()


def test_domain_not_subset_in_replicate_design() -> None:
    lfs = mi.datasets.load("lfs_migration_module")["survey"].head(600).copy()
    rng = np.random.default_rng(0)
    reps = [f"r{k}" for k in range(10)]
    for r in reps:
        lfs[r] = lfs["weight"] * rng.choice(np.array([0.5, 1.5]), len(lfs))
    lfs["earnings_currency"] = "NPR"
    res = recruitment_cost_indicator(
        lfs,
        design=Design(weight="weight", replicate_weights=reps, replicate_method="brr"),
        by="sex",
        quality=[],
    )
    assert res.metadata["variance_method"] == "replicate"
    assert res.data["df"].iloc[0] == 9
    assert res.rows_accounted()


@settings(max_examples=8, deadline=None)
@given(st.floats(0.01, 1000.0))
def test_weight_scaling_leaves_indicator_unchanged(factor: float) -> None:
    frame = _workers(
        [600.0, 300.0, 0.0, 900.0, 120.0],
        [300.0, 300.0, 400.0, 450.0, 200.0],
        weight=[1.0, 2.0, 3.0, 1.5, 0.5],
    )
    base = recruitment_cost_indicator(frame, quality=[]).data
    scaled = recruitment_cost_indicator(
        frame.assign(weight=frame["weight"] * factor), quality=[]
    ).data
    np.testing.assert_allclose(scaled["value"], base["value"], rtol=1e-9)
    np.testing.assert_allclose(scaled["se"], base["se"], rtol=1e-7)


def test_missing_design_variable_counted() -> None:
    lfs = mi.datasets.load("lfs_migration_module")
    survey = lfs["survey"].copy()
    survey.loc[:4, "weight"] = np.nan
    survey.loc[10:12, "psu"] = np.nan
    res = mi.compute(
        "recruitment_cost_indicator",
        survey=survey,
        exchange_rates=lfs["exchange_rates"],
        design=DESIGN,
    )
    reasons = dict(zip(res.exclusions["reason"], res.exclusions["rows"], strict=True))
    assert reasons["missing design variable (weight)"] == 5
    assert reasons["missing design variable (psu)"] == 3
    assert res.rows_accounted()


def test_estimates_name_their_country_and_survey_year() -> None:
    # SDG 10.7.1 is published per country and survey year, so each cell must carry both
    # (an SDMX row without TIME_PERIOD cannot be sent).
    data = mi.datasets.load("lfs_migration_module")
    assert isinstance(data, dict)
    res = mi.compute(
        "recruitment_cost_indicator",
        survey=data["survey"],
        exchange_rates=data["exchange_rates"],
        design={"weight": "weight", "strata": "stratum", "psu": "psu"},
        by=["sex"],
    )
    assert res.group_columns[:3] == ["ref_area", "time_period", "sex"]
    assert res.data["time_period"].notna().all()
