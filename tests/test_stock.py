"""Migrant stock indicators: hand-computed tables, options, bad inputs, standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.core.errors import InputValidationError, OptionError
from migindicators.core.flags import has_flag
from migindicators.stock.indicators import (
    migrant_female_share,
    migrant_median_age,
    migrant_sex_ratio,
    migrant_share_of_population,
    migrant_stock,
    migrant_stock_by_origin,
    migrant_stock_growth_rate,
    recent_migrants,
)


def small() -> pd.DataFrame:
    """Six persons; migrants: #2 (M, 20), #3 (F, 10), #4 (M, 5); #5 unknown birthplace."""
    return pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": 2019,
            "sex": ["F", "M", "F", "M", "F", "M"],
            "age": [3.0, 7.0, 32.0, 40.0, 60.0, 25.0],
            "country_of_birth": ["KEN", "UGA", "UGA", "SOM", None, "KEN"],
            "citizenship": ["KEN", "UGA", "KEN", "SOM", "KEN", "KEN"],
            "year_of_arrival": [np.nan, 2016.0, 2001.0, np.nan, np.nan, np.nan],
            "weight": [10.0, 20.0, 10.0, 5.0, 10.0, 10.0],
        }
    )


def value(res: mi.Result, **where: object) -> float:
    data = res.data
    for col, val in where.items():
        data = data.loc[data[col] == val]
    assert len(data) == 1, data
    return float(data["value"].iloc[0])


# --- hand-computed values -------------------------------------------------------------
def test_stock_total_and_exclusion_of_unknown_birthplace() -> None:
    res = migrant_stock(small())
    assert value(res) == 35.0
    assert res.data["population"].iloc[0] == 55.0
    assert res.data["type_of_data"].iloc[0] == "B"
    assert res.metadata["type_of_data"] == "B"
    ex = res.exclusions.set_index("reason")
    assert ex.loc["unknown place of birth", "rows"] == 1
    assert ex.loc["unknown place of birth", "weighted"] == 10.0
    assert res.rows_accounted()


def test_stock_by_sex() -> None:
    res = migrant_stock(small(), by="sex")
    assert value(res, sex="F") == 10.0
    assert value(res, sex="M") == 25.0
    assert res.data.loc[res.data["sex"] == "F", "n"].iloc[0] == 1


def test_distribute_unknown_birthplace_proportionally() -> None:
    total = migrant_stock(small(), unknown_birthplace="distribute")
    assert value(total) == pytest.approx(35 * 65 / 55)
    by_sex = migrant_stock(small(), by="sex", unknown_birthplace="distribute")
    assert value(by_sex, sex="F") == pytest.approx(15.0)  # known F = 20, unknown 10: x1.5
    assert value(by_sex, sex="M") == pytest.approx(25.0)
    assert by_sex.rows_accounted()
    assert by_sex.exclusions.empty
    # The share is the same under both rules.
    a = migrant_share_of_population(small())
    b = migrant_share_of_population(small(), unknown_birthplace="distribute")
    assert value(a) == pytest.approx(value(b))


def test_share_female_share_sex_ratio() -> None:
    assert value(migrant_share_of_population(small())) == pytest.approx(100 * 35 / 55)
    assert value(migrant_female_share(small())) == pytest.approx(100 * 10 / 35)
    assert value(migrant_sex_ratio(small())) == pytest.approx(250.0)


def test_citizenship_basis_is_recorded_as_type_c() -> None:
    frame = small().drop(columns="country_of_birth")
    res = migrant_stock(frame)
    # foreign citizens: #2 (UGA, 20) and #4 (SOM, 5)
    assert value(res) == 25.0
    assert res.metadata["basis"] == "citizenship"
    assert set(res.data["type_of_data"]) == {"C"}
    forced = migrant_stock(small(), basis="citizenship")
    assert value(forced) == 25.0


def test_median_age_single_years_and_groups() -> None:
    # migrants: ages 7 (w 20), 32 (10), 40 (5); N/2 = 17.5 falls in [7, 8): 7 + 17.5/20
    res = migrant_median_age(small())
    assert value(res) == pytest.approx(7.875)
    assert res.metadata["median_from"] == "single years of age"
    grouped = (
        small()
        .drop(columns="age")
        .assign(age_group=["Y0T4", "Y5T9", "Y30T34", "Y40T44", "Y60T64", "Y25T29"])
    )
    res_g = migrant_median_age(grouped)
    assert value(res_g) == pytest.approx(5 + 17.5 / 20 * 5)
    assert "interpolated" in res_g.metadata["median_from"]


def test_by_origin_and_residual_origin() -> None:
    frame = small()
    frame.loc[0, "country_of_birth"] = "XXX"  # foreign-born, country not stated
    res = migrant_stock_by_origin(frame)
    assert value(res, origin="UGA") == 30.0
    assert value(res, origin="SOM") == 5.0
    assert value(res, origin="XXX") == 10.0
    assert res.data["share_of_stock"].sum() == pytest.approx(100.0)
    assert res.group_columns[:3] == ["ref_area", "time_period", "origin"]


def test_recent_migrants() -> None:
    res = recent_migrants(small())  # #2 arrived 2016 (3 years ago): recent; #3 2001: not
    assert value(res) == 20.0
    assert res.data["migrants"].iloc[0] == 30.0  # #4 has no year of arrival
    ex = res.exclusions.set_index("reason")
    assert ex.loc["unknown year of arrival", "rows"] == 1
    assert res.rows_accounted()


def test_age_groups_derived_and_sorted_by_age() -> None:
    res = migrant_stock(small(), by=["age_group"], age_width=5, age_top=75)
    assert list(res.data["age_group"]) == ["Y0T4", "Y5T9", "Y25T29", "Y30T34", "Y40T44", "Y60T64"]
    assert list(res.data["value"]) == [0.0, 20.0, 0.0, 10.0, 5.0, 0.0]
    res10 = migrant_stock(small(), by=["age_group"], age_width=10, age_top=30)
    assert list(res10.data["age_group"]) == ["Y0T9", "Y20T29", "Y_GE30"]


def test_pyramid_counts_by_sex_age_status() -> None:
    res = migrant_stock(small(), by=["sex", "age_group", "migratory_status"])
    data = res.data
    assert set(data["migratory_status"]) == {"MS_MIGRANT", "MS_NOMIGRANT"}
    non = data.loc[data["migratory_status"] == "MS_NOMIGRANT", "value"].sum()
    assert non == 20.0  # persons 1 and 6
    assert data.loc[data["migratory_status"] == "MS_MIGRANT", "value"].sum() == 35.0


# --- growth rate ----------------------------------------------------------------------
def test_growth_rate_reproduces_2015_revision_values() -> None:
    # methodology.md §3: world totals of the 2015 revision
    stock = pd.DataFrame(
        {
            "ref_area": "001",
            "time_period": [1990, 2005, 2010, 2015],
            "migrant_stock": [152_563_212, 191_269_100, 221_714_243, 243_700_236],
        }
    )
    res = migrant_stock_growth_rate(stock=stock)
    assert value(res, time_period=2015) == pytest.approx(1.8910, abs=5e-5)
    assert value(res, time_period=2010) == pytest.approx(2.9542, abs=5e-5)
    geo = migrant_stock_growth_rate(stock=stock, method="geometric")
    assert value(geo, time_period=2015) == pytest.approx(1.9090, abs=5e-5)
    assert value(geo, time_period=2010) == pytest.approx(2.9982, abs=5e-5)
    lin = migrant_stock_growth_rate(stock=stock, method="linear")
    assert value(lin, time_period=2015) == pytest.approx(1.9833, abs=5e-5)
    whole = migrant_stock_growth_rate(stock=stock.iloc[[0, 3]])
    assert value(whole) == pytest.approx(1.8734, abs=5e-5)
    assert whole.rows_accounted()


def test_growth_rate_zero_stock_is_nan_and_flagged() -> None:
    stock = pd.DataFrame(
        {"ref_area": "KEN", "time_period": [2009, 2019], "migrant_stock": [0.0, 10.0]}
    )
    res = migrant_stock_growth_rate(stock=stock)
    assert np.isnan(res.data["value"].iloc[0])
    assert has_flag(res.data["flag"], "zero_denominator").all()


def test_growth_rate_from_two_censuses() -> None:
    a, b = small(), small()
    b["time_period"] = 2029
    b["weight"] = b["weight"] * 2
    res = migrant_stock_growth_rate(pd.concat([a, b], ignore_index=True))
    assert value(res) == pytest.approx(100 * np.log(2) / 10)
    assert res.data["start_period"].iloc[0] == 2019


def test_sex_ratio_without_female_migrants_is_nan() -> None:
    frame = small()
    frame.loc[2, "country_of_birth"] = "KEN"  # the only female migrant becomes native
    res = migrant_sex_ratio(frame)
    assert np.isnan(value(res))
    assert has_flag(res.data["flag"], "zero_denominator").all()


# --- bad inputs -----------------------------------------------------------------------
def test_negative_weight_is_an_error_naming_the_column() -> None:
    frame = small()
    frame.loc[1, "weight"] = -1.0
    with pytest.raises(InputValidationError, match="weight"):
        migrant_stock(frame)


def test_age_out_of_range_is_an_error() -> None:
    frame = small()
    frame.loc[1, "age"] = 150.0
    with pytest.raises(InputValidationError, match="'age'"):
        migrant_stock(frame, by="age_group")


def test_unknown_country_codes_are_reported() -> None:
    frame = small()
    frame.loc[5, "ref_area"] = "XYZ"
    frame.loc[0, "country_of_birth"] = "QQQ"  # not a country: unknown birthplace
    res = migrant_stock(frame)
    ex = res.exclusions.set_index("reason")
    assert ex.loc["unknown country code (ref_area)", "rows"] == 1
    assert "XYZ" in ex.loc["unknown country code (ref_area)", "detail"]
    assert ex.loc["unknown place of birth", "rows"] == 2
    assert "QQQ" in ex.loc["unknown place of birth", "detail"]
    assert res.rows_accounted()


def test_missing_basis_column_and_bad_options() -> None:
    with pytest.raises(InputValidationError, match="country_of_birth"):
        migrant_stock(small().drop(columns="country_of_birth"), basis="birthplace")
    with pytest.raises(OptionError):
        migrant_stock(small(), unknown_birthplace="ignore")
    with pytest.raises(OptionError):
        migrant_stock(small(), by=["weight"])
    with pytest.raises(OptionError):
        mi.compute("migrant_stock", census=small(), basis="residence")
    with pytest.raises(InputValidationError, match="census must be"):
        migrant_stock(42)


def test_unknown_sex_is_excluded_when_by_sex() -> None:
    frame = small()
    frame.loc[1, "sex"] = None
    res = migrant_stock(frame, by="sex")
    assert res.exclusions.set_index("reason").loc["unknown sex", "rows"] == 1
    assert res.rows_accounted()
    assert value(migrant_stock(frame)) == 35.0  # no exclusion without by=sex


def test_unweighted_census_has_no_se() -> None:
    res = migrant_stock(small().drop(columns="weight"))
    assert value(res) == 3.0
    assert res.metadata["weighted"] is False
    assert res.data["se"].isna().all()


# --- standard errors ------------------------------------------------------------------
def _clustered(seed: int = 1, households: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 6, households)
    n = int(size.sum())
    return pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": 2019,
            "household": np.repeat(np.arange(households), size),
            "strata": np.repeat(rng.integers(0, 6, households), size),
            "weight": np.repeat(rng.uniform(5, 15, households), size),
            "sex": rng.choice(["F", "M"], n),
            "age": rng.integers(0, 90, n).astype(float),
            "country_of_birth": np.repeat(
                rng.choice(["KEN", "UGA", "SOM"], households, p=[0.8, 0.15, 0.05]), size
            ),
        }
    )


def _taylor_total(frame: pd.DataFrame, y: np.ndarray) -> float:
    z = frame.assign(_y=y * frame["weight"]).groupby(["strata", "household"])["_y"].sum()
    var = 0.0
    for _, grp in z.groupby(level="strata"):
        n_h = len(grp)
        if n_h > 1:
            var += n_h / (n_h - 1) * ((grp - grp.mean()) ** 2).sum()
    return float(np.sqrt(var))


def test_taylor_se_of_a_total_matches_direct_computation() -> None:
    frame = _clustered()
    res = migrant_stock(frame)
    y = (frame["country_of_birth"] != "KEN").to_numpy(dtype=float)
    assert res.metadata["variance"] == "taylor"
    assert res.data["se"].iloc[0] == pytest.approx(_taylor_total(frame, y), rel=1e-10)
    lo, hi = res.data["ci_lower"].iloc[0], res.data["ci_upper"].iloc[0]
    assert lo < res.data["value"].iloc[0] < hi


def test_taylor_se_of_a_share_matches_linearisation() -> None:
    frame = _clustered()
    res = migrant_share_of_population(frame)
    mig = (frame["country_of_birth"] != "KEN").to_numpy(dtype=float)
    w = frame["weight"].to_numpy()
    r = (w * mig).sum() / w.sum()
    z = (mig - r) / w.sum()
    assert res.data["se"].iloc[0] == pytest.approx(100 * _taylor_total(frame, z), rel=1e-9)


def test_replicate_se() -> None:
    frame = small()
    reps = {f"rep{i}": frame["weight"] * (1 + 0.1 * ((-1) ** (i + np.arange(6)))) for i in (1, 2)}
    frame = frame.assign(**reps)
    res = migrant_stock(frame, replicate_weights=["rep1", "rep2"], replicate_method="brr")
    thetas = [
        float((frame[r] * (frame["country_of_birth"].isin(["UGA", "SOM"]))).sum()) for r in reps
    ]
    expected = np.sqrt(sum((t - 35.0) ** 2 for t in thetas) / 2)
    assert res.data["se"].iloc[0] == pytest.approx(expected)
    assert res.metadata["variance"] == "replicate"


def test_lonely_psu_flagged() -> None:
    frame = _clustered()
    frame.loc[frame["household"] == 0, "strata"] = 99  # a stratum with one PSU
    res = migrant_stock(frame)
    assert has_flag(res.data["flag"], "lonely_psu").all()


# --- registry -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "indicator",
    [
        "migrant_stock",
        "migrant_share_of_population",
        "migrant_female_share",
        "migrant_sex_ratio",
        "migrant_median_age",
        "migrant_stock_by_origin",
        "migrant_stock_growth_rate",
        "recent_migrants",
    ],
)
def test_registry_defaults_match_signatures(indicator: str) -> None:
    from migindicators.core.registry import signature_defaults

    spec = mi.registry[indicator]
    defaults = signature_defaults(spec.function)
    defaults.pop("by")
    assert defaults == spec.option_defaults


def test_taylor_se_agrees_with_the_survey_core() -> None:
    """The streamable PSU-moment variance equals migindicators.engine.survey's (R-validated) one."""
    from migindicators import survey

    frame = _clustered(seed=5).assign(
        mig=lambda f: (f["country_of_birth"] != "KEN").astype(float), one=1.0
    )
    design = survey.Design(
        weight="weight", strata="strata", psu="household", lonely_psu="certainty"
    )
    core_total = survey.estimate(frame, design, parameter="total", y="mig", by=["sex"]).data
    ours = migrant_stock(frame, by="sex").data
    np.testing.assert_allclose(ours["value"], core_total["value"], rtol=1e-12)
    np.testing.assert_allclose(ours["se"], core_total["se"], rtol=1e-9)
    core_ratio = survey.estimate(frame, design, parameter="ratio", y="mig", x="one").data
    share = migrant_share_of_population(frame).data
    np.testing.assert_allclose(share["value"], 100 * core_ratio["value"], rtol=1e-12)
    np.testing.assert_allclose(share["se"], 100 * core_ratio["se"], rtol=1e-9)


def test_many_key_combinations_are_tabulated_exactly() -> None:
    """High-cardinality by-columns take the kernel's sparse and multi-key paths."""
    rng = np.random.default_rng(7)
    n = 3000
    frame = pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": 2019,
            "country_of_birth": rng.choice(["KEN", "UGA"], n),
            "weight": 1.0,
            "district": rng.integers(0, 10**6, n).astype(str),
            "village": rng.integers(0, 10**6, n).astype(str),
            "plot": rng.integers(0, 10**7, n).astype(str),
        }
    )
    res = migrant_stock(frame, by=["district", "village", "plot"])
    expected = (frame["country_of_birth"] == "UGA").sum()
    assert res.data["value"].sum() == expected
    direct = (
        frame.assign(m=frame["country_of_birth"] == "UGA")
        .groupby(["district", "village", "plot"])["m"]
        .sum()
    )
    got = res.data.set_index(["district", "village", "plot"])["value"]
    pd.testing.assert_series_equal(
        got.sort_index(), direct.sort_index().astype(float), check_names=False
    )


def test_world_aggregate_of_two_censuses() -> None:
    uga = small().assign(ref_area="UGA")
    uga["country_of_birth"] = uga["country_of_birth"].replace({"KEN": "UGA", "UGA": "KEN"})
    both = pd.concat([small(), uga], ignore_index=True)
    res = migrant_stock(both, aggregate="world", by="sex")
    world = res.data.loc[res.data["ref_area"] == "001"].set_index("sex")
    countries = res.data.loc[res.data["ref_area"] != "001"].groupby("sex")["value"].sum()
    np.testing.assert_allclose(world["value"], countries)
    assert has_flag(world["flag"], "incomplete_coverage").all()
    assert res.rows_accounted()


def test_empty_input_says_so() -> None:
    with pytest.raises(InputValidationError, match="the input has no rows"):
        migrant_stock(small().iloc[:0])
