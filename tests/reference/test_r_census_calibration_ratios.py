"""The census-based stock indicators other than the stock itself on a calibrated design
against R ``survey`` (issue 14).

Golden values from ``tests/golden/r_survey/census_calibration_ratios.R``: the census extract
of ``census_calibration.R`` (``data/census_extract.csv``, Kenya 2009 from the bundled
``census_demo``) as ``svydesign(ids=~household, strata=~strata, weights=~weight,
nest=TRUE)``, and as an 8-group JK1 replicate design (``svrepdesign(..., mse=TRUE)``), each
calibrated by ``postStratify(~sex+region)``, ``rake(list(~sex, ~age_group, ~region))`` and
``calibrate(~sex+age_group+region)`` (linear, with bounds on the Taylor design only: R's
bounded calibration of the replicates does not converge). R's figures:

- share of migrants in the population: ``svyby(~migrant, ~sex+region, denominator=~known,
  FUN=svyratio)`` and ``svyratio(~migrant, ~known)`` (x 100 here);
- female share and sex ratio of migrants: ``svyratio(~female_migrant, ~migrant)`` and
  ``svyratio(~male_migrant, ~female_migrant)``, by region and overall (x 100);
- stock by origin: ``svytotal`` of one 0/1 variable per country of birth of migrants;
- recent migrants: ``svyby(~recent, ~sex, svytotal)`` and ``svytotal(~recent)``.

The uncalibrated designs are checked too (the ordinary pass against the same R script). The
tests do not need R.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.core.errors import OptionError

HERE = Path(__file__).resolve().parents[1] / "golden" / "r_survey"
GOLDEN = HERE / "census_calibration_ratios.json"
MARGINS = HERE / "census_calibration.json"
RTOL = 1e-9
REPS = [f"rep{r}" for r in range(8)]


@cache
def _golden() -> dict[str, Any]:
    return dict(json.loads(GOLDEN.read_text()))


def _margin(name: str) -> pd.DataFrame:
    return pd.DataFrame(json.loads(MARGINS.read_text())["margins"][name])


def _census(replicates: bool = False) -> pd.DataFrame:
    ext = pd.read_csv(HERE / "data" / "census_extract.csv", keep_default_na=False, na_values=[""])
    ext = ext.drop(columns=["age_group", "migrant"])
    if replicates:  # the R script's JK1 groups: household %% 8
        group = ext["household"].to_numpy() % 8
        for r, name in enumerate(REPS):
            ext[name] = np.where(group == r, 0.0, ext["weight"] * 8 / 7)
    return ext


def _calibration(case: dict[str, Any]) -> Any:
    base = mi.survey.Design(weight="weight")
    margins = [_margin("sex"), _margin("age_group"), _margin("region")]
    if case["kind"] == "none":
        return None
    if case["kind"] == "poststratify":
        return mi.survey.post_stratify(base, _margin("sex_region"))
    if case["kind"] == "rake":
        return mi.survey.rake(base, margins, maxit=case["maxit"], epsilon=case["epsilon"])
    bounds = tuple(case.get("bounds", (-np.inf, np.inf)))
    return mi.survey.calibrate(base, margins, calfun=case["calfun"], bounds=bounds)


CASES = [c["id"] for c in _golden()["cases"]]


def _run(indicator: str, case: dict[str, Any], **kwargs: Any) -> pd.DataFrame:
    replicate = case["id"].endswith("_jk1")
    extra: dict[str, Any] = (
        {"replicate_weights": REPS, "replicate_method": "jk1"} if replicate else {}
    )
    res = mi.compute(
        indicator, census=_census(replicate), calibration=_calibration(case), **extra, **kwargs
    )
    if case["kind"] != "none":
        assert res.metadata["calibration"][0]["kind"] == case["kind"]
        assert res.metadata["options"]["calibration"][0]["kind"] == case["kind"]
    assert res.metadata["variance"] == ("replicate" if replicate else "taylor")
    return res.data


def _check(got: pd.DataFrame, r: dict[str, Any], keys: list[str], scale: float, label: str) -> None:
    want = pd.DataFrame({**{k: r[k] for k in keys}, "r_value": r["value"], "r_se": r["se"]})
    both = got.merge(want, on=keys, how="outer", indicator=True)
    assert (both["_merge"] == "both").all(), both.loc[both["_merge"] != "both", keys]
    np.testing.assert_allclose(both["value"], scale * both["r_value"], rtol=RTOL, err_msg=label)
    np.testing.assert_allclose(both["se"], scale * both["r_se"], rtol=RTOL, err_msg=label)


def _check_total(got: pd.DataFrame, r: list[float], scale: float, label: str) -> None:
    assert len(got) == 1
    row = got.iloc[0]
    np.testing.assert_allclose(
        [row["value"], row["se"]], [scale * r[0], scale * r[1]], rtol=RTOL, err_msg=label
    )


@pytest.mark.parametrize("case_id", CASES)
def test_share_of_population_matches_r_svyratio(case_id: str) -> None:
    case = next(c for c in _golden()["cases"] if c["id"] == case_id)
    got = _run("migrant_share_of_population", case, by=["sex", "region"])
    _check(got, case["share"], ["sex", "region"], 100.0, case_id)
    _check_total(_run("migrant_share_of_population", case), case["share_total"], 100.0, case_id)


@pytest.mark.parametrize("case_id", CASES)
def test_female_share_and_sex_ratio_match_r_svyratio(case_id: str) -> None:
    case = next(c for c in _golden()["cases"] if c["id"] == case_id)
    for indicator, key in (
        ("migrant_female_share", "female_share"),
        ("migrant_sex_ratio", "sex_ratio"),
    ):
        got = _run(indicator, case, by=["region"])
        _check(got, case[key], ["region"], 100.0, f"{case_id} {indicator}")
        _check_total(_run(indicator, case), case[f"{key}_total"], 100.0, f"{case_id} {indicator}")


@pytest.mark.parametrize("case_id", CASES)
def test_stock_by_origin_and_recent_migrants_match_r_svytotal(case_id: str) -> None:
    case = next(c for c in _golden()["cases"] if c["id"] == case_id)
    _check(_run("migrant_stock_by_origin", case), case["origin"], ["origin"], 1.0, case_id)
    got = _run("recent_migrants", case, by=["sex"], within_years=5)
    _check(got, case["recent"], ["sex"], 1.0, case_id)
    _check_total(_run("recent_migrants", case, within_years=5), case["recent_total"], 1.0, case_id)


def test_golden_ratios_move_with_the_calibration() -> None:
    # The golden SEs differ between the designs, so a pass ignoring the calibration (or
    # using the uncalibrated scores) cannot match them all.
    se = {c["id"]: c["female_share_total"][1] for c in _golden()["cases"]}
    assert abs(se["rake_sex_age_region"] - se["uncalibrated"]) > 1e-4
    assert abs(se["rake_sex_age_region_jk1"] - se["uncalibrated_jk1"]) > 1e-3
    share = {c["id"]: c["share_total"][1] for c in _golden()["cases"]}
    assert abs(share["greg_sex_age_region"] - share["uncalibrated"]) > 1e-5


def test_share_of_a_fixed_post_stratum_has_the_variance_of_its_migrants_only() -> None:
    # Hand-derived from R's definition: with every birthplace known, post-stratifying by
    # sex x region fixes the population P of each of those cells (its residual is 0), so
    # the share's variance is V(M)/P^2, M's calibrated variance (migrant_stock). Within a
    # post-stratum the share's linearised variable sums to zero, so its SE is also the
    # uncalibrated one.
    census = _census()
    census = census[census["country_of_birth"].notna()].reset_index(drop=True)
    margin = census.groupby(["sex", "region"], as_index=False)["weight"].sum()
    margin = margin.assign(Freq=margin["weight"] * 1.07).drop(columns="weight")
    cal = mi.survey.post_stratify(mi.survey.Design(weight="weight"), margin)
    by = ["sex", "region"]
    share = mi.compute("migrant_share_of_population", census=census, by=by, calibration=cal)
    stock = mi.compute("migrant_stock", census=census, by=by, calibration=cal).data
    plain = mi.compute("migrant_share_of_population", census=census, by=by).data
    got = share.data.merge(stock[[*by, "se", "population"]], on=by, suffixes=("", "_stock"))
    got = got.merge(plain[[*by, "se"]], on=by, suffixes=("", "_plain"))
    np.testing.assert_allclose(got["population"], got["population_stock"], rtol=1e-12)
    fixed = margin.merge(got, on=by)
    np.testing.assert_allclose(fixed["population"], fixed["Freq"], rtol=1e-12)
    np.testing.assert_allclose(got["se"], 100 * got["se_stock"] / got["population"], rtol=1e-9)
    np.testing.assert_allclose(got["se"], got["se_plain"], rtol=1e-9)


def test_calibrated_median_age_uses_recalibrated_replicates_hand_computed() -> None:
    # Post-stratification by sex x region by hand: each weight (full and replicate) times
    # the cell's population total over the cell's weighted sum of that weight column.
    census = _census(replicates=True)
    margin = _margin("sex_region")
    by_hand = census.copy()
    cell = census[["sex", "region"]].merge(margin, on=["sex", "region"], how="left")["Freq"]
    for col in ["weight", *REPS]:
        sums = census.groupby(["sex", "region"])[col].transform("sum")
        by_hand[col] = census[col] * cell.to_numpy() / sums.to_numpy()
    cal = mi.survey.post_stratify(mi.survey.Design(weight="weight"), margin)
    opts: dict[str, Any] = {"replicate_weights": REPS, "replicate_method": "jk1", "by": ["sex"]}
    got = mi.compute("migrant_median_age", census=census, calibration=cal, **opts).data
    want = mi.compute("migrant_median_age", census=by_hand, **opts).data
    plain = mi.compute("migrant_median_age", census=census, **opts).data
    np.testing.assert_allclose(got["value"], want["value"], rtol=1e-12)
    np.testing.assert_allclose(got["se"], want["se"], rtol=1e-10)
    assert not np.allclose(got["se"], plain["se"], rtol=1e-6)
    with pytest.raises(OptionError, match="Taylor variance of a median"):
        mi.compute("migrant_median_age", census=census, calibration=cal, variance="taylor")


def test_calibrated_growth_rate_is_that_of_the_calibrated_stocks_hand_computed() -> None:
    demo = mi.datasets.load("census_demo")["census"]
    census = demo[demo["household"] % 6 == 0].reset_index(drop=True)
    totals = census.groupby(["time_period", "sex"], as_index=False)["weight"].sum()
    totals["Freq"] = totals["weight"] * [1.05, 0.95, 1.10, 0.90]
    margin = totals.drop(columns="weight")
    cal = mi.survey.post_stratify(mi.survey.Design(weight="weight"), margin)
    res = mi.compute("migrant_stock_growth_rate", census=census, calibration=cal)
    row = res.data.iloc[0]
    # Hand-computed: post-stratified migrants per census, their calibrated Taylor SEs.
    stock = mi.compute("migrant_stock", census=census, calibration=cal).data.set_index(
        "time_period"
    )
    known = census["country_of_birth"].notna()
    mig = census[known & (census["country_of_birth"] != census["ref_area"])]
    cells = mig.groupby(["time_period", "sex"])["weight"].sum()
    scale = (
        margin.set_index(["time_period", "sex"])["Freq"]
        / totals.set_index(["time_period", "sex"])["weight"]
    )
    m = (cells * scale).groupby(level="time_period").sum()
    np.testing.assert_allclose(stock.loc[[2009, 2019], "value"], m.loc[[2009, 2019]], rtol=1e-12)
    rate = 100 * np.log(m[2019] / m[2009]) / 10
    se = 10.0 * np.hypot(stock.loc[2009, "se"] / m[2009], stock.loc[2019, "se"] / m[2019])
    np.testing.assert_allclose([row["value"], row["se"]], [rate, se], rtol=1e-12)
    plain = mi.compute("migrant_stock_growth_rate", census=census).data.iloc[0]
    assert abs(plain["value"] - row["value"]) > 1e-3
    assert res.metadata["calibration"][0]["kind"] == "poststratify"


def test_calibration_with_published_tables_is_an_option_error() -> None:
    cal = mi.survey.post_stratify(mi.survey.Design(weight="weight"), _margin("sex_region"))
    stock = pd.DataFrame(
        {
            "ref_area": ["KEN", "KEN", "KEN", "KEN"],
            "time_period": [2010, 2010, 2020, 2020],
            "sex": ["F", "M", "F", "M"],
            "migrant_stock": [100.0, 120.0, 130.0, 140.0],
        }
    )
    population = stock.rename(columns={"migrant_stock": "population"}).assign(
        population=[1000.0, 1100.0, 1200.0, 1300.0]
    )
    calls = [
        ("migrant_share_of_population", {"stock": stock, "population": population, "by": "sex"}),
        ("migrant_female_share", {"stock": stock}),
        ("migrant_sex_ratio", {"stock": stock}),
        ("migrant_stock_growth_rate", {"stock": stock, "by": "sex"}),
    ]
    for indicator, inputs in calls:
        with pytest.raises(OptionError, match=f"{indicator}: calibration= needs census microdata"):
            mi.compute(indicator, calibration=cal, **inputs)
        mi.compute(indicator, **inputs)  # the same call without calibration= works


@pytest.mark.parametrize(
    "indicator", ["migrant_share_of_population", "migrant_sex_ratio", "migrant_female_share"]
)
def test_streamed_census_gives_the_in_memory_ratio(indicator: str, tmp_path: Path) -> None:
    # The census pass calibrates files, chunks and Dask in two streamed passes; a ratio's
    # two calibrated passes then give the in-memory values and SEs (checked against R above).
    cal = mi.survey.post_stratify(mi.survey.Design(weight="weight"), _margin("sex_region"))
    census = _census()
    path = tmp_path / "census.parquet"
    census.to_parquet(path)
    memory = mi.compute(indicator, census=census, calibration=cal, by=["region"]).data
    chunks = [census.iloc[i : i + 997] for i in range(0, len(census), 997)]
    dd = pytest.importorskip("dask.dataframe")
    for streamed_input in (str(path), iter(chunks), dd.from_pandas(census, npartitions=3)):
        streamed = mi.compute(indicator, census=streamed_input, calibration=cal, by=["region"])
        got = streamed.data
        assert list(got["region"]) == list(memory["region"])
        np.testing.assert_allclose(got["value"], memory["value"], rtol=1e-12)
        np.testing.assert_allclose(got["se"], memory["se"], rtol=1e-10)
        # the design df (hence the t intervals) and the flags as well
        np.testing.assert_array_equal(got["df"], memory["df"])
        assert memory["df"].notna().all()
        np.testing.assert_allclose(got["ci_lower"], memory["ci_lower"], rtol=1e-10)
        assert got["flag"].tolist() == memory["flag"].tolist()
