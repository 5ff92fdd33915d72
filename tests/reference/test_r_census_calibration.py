"""The census pass on a calibrated design against R ``survey`` (issue 14).

Golden values from ``tests/golden/r_survey/census_calibration.R``: the census extract
``data/census_extract.csv`` (``export_census_fixture.py``: the bundled ``census_demo``, Kenya
2009, every sixth household) as R's ``svydesign(ids=~household, strata=~strata,
weights=~weight, nest=TRUE)``, calibrated by ``postStratify(~sex+region)``,
``rake(list(~sex, ~age_group, ~region))`` and ``calibrate(~sex+age_group+region)`` (linear,
with and without bounds), then ``svyby(~migrant, ~sex+age_group, svytotal)`` and
``svytotal(~migrant)``: the migrant stock and its standard error per cell. The tests do not
need R.
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
from migindicators.core.errors import InputValidationError, OptionError

HERE = Path(__file__).resolve().parents[1] / "golden" / "r_survey"
GOLDEN = HERE / "census_calibration.json"
RTOL = 1e-9


@cache
def _golden() -> dict[str, Any]:
    return dict(json.loads(GOLDEN.read_text()))


def _census() -> pd.DataFrame:
    ext = pd.read_csv(HERE / "data" / "census_extract.csv", keep_default_na=False, na_values=[""])
    # The pass derives age_group from age itself; migrant is R's 0/1 variable.
    return ext.drop(columns=["age_group", "migrant"])


def _margin(name: str) -> pd.DataFrame:
    return pd.DataFrame(_golden()["margins"][name])


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


@pytest.mark.parametrize("case_id", CASES)
def test_calibrated_census_pass_matches_r(case_id: str) -> None:
    case = next(c for c in _golden()["cases"] if c["id"] == case_id)
    census = _census()
    cal = _calibration(case)
    res = mi.compute("migrant_stock", census=census, by=["sex", "age_group"], calibration=cal)
    r = pd.DataFrame(
        {
            "sex": case["by_sex"],
            "age_group": case["by_age_group"],
            "r_value": case["by_value"],
            "r_se": case["by_se"],
        }
    )
    got = res.data.merge(r, on=["sex", "age_group"], how="outer", indicator=True)
    assert (got["_merge"] == "both").all(), got.loc[got["_merge"] != "both", ["sex", "age_group"]]
    np.testing.assert_allclose(got["value"], got["r_value"], rtol=RTOL, atol=1e-9)
    np.testing.assert_allclose(got["se"], got["r_se"], rtol=RTOL, err_msg=case_id)
    total = mi.compute("migrant_stock", census=census, calibration=cal).data.iloc[0]
    np.testing.assert_allclose([total["value"], total["se"]], case["total"], rtol=RTOL)
    if cal is not None:
        assert res.metadata["calibration"][0]["kind"] == case["kind"]
        assert "calibration residuals" in res.metadata["variance_detail"]


def test_calibration_moves_the_standard_errors() -> None:
    # The golden SEs differ between the designs: residuals, not the uncalibrated scores.
    ses = {c["id"]: c["total"][1] for c in _golden()["cases"]}
    assert abs(ses["poststratify_sex_region"] - ses["uncalibrated"]) > 0.1
    assert abs(ses["rake_sex_age_region"] - ses["greg_sex_age_region"]) > 1e-3


def test_same_result_in_row_slices_and_with_unknown_birthplace_excluded() -> None:
    census = _census()
    cal = mi.survey.post_stratify(mi.survey.Design(weight="weight"), _margin("sex_region"))
    whole = mi.compute("migrant_stock", census=census, by=["sex"], calibration=cal).data
    sliced = mi.compute(
        "migrant_stock", census=census, by=["sex"], calibration=cal, chunk_rows=700
    ).data
    np.testing.assert_allclose(sliced["value"], whole["value"], rtol=1e-12)
    np.testing.assert_allclose(sliced["se"], whole["se"], rtol=1e-12)
    # Unknown birthplaces leave the count (and are reported) but stay in the calibration.
    res = mi.compute("migrant_stock", census=census, calibration=cal)
    assert "unknown place of birth" in set(res.exclusions["reason"])
    assert res.data["population"].iloc[0] + res.data["unknown_status"].iloc[0] == pytest.approx(
        float(_margin("sex_region")["Freq"].sum()), rel=1e-12
    )


def test_replicate_weights_are_recalibrated_as_the_survey_core_does() -> None:
    census = _census()
    group = census["household"].to_numpy() % 8
    reps = [f"rep{r}" for r in range(8)]
    for r, name in enumerate(reps):
        census[name] = np.where(group == r, 0.0, census["weight"] * 8 / 7)
    cal_steps = mi.survey.post_stratify(mi.survey.Design(weight="weight"), _margin("sex_region"))
    res = mi.compute(
        "migrant_stock",
        census=census,
        by=["sex"],
        calibration=cal_steps,
        replicate_weights=reps,
        replicate_method="jk1",
    ).data.set_index("sex")
    # The same design in the survey core: JK1 around the full-sample estimate (mse).
    frame = census.assign(
        migrant=(census["country_of_birth"].notna() & (census["country_of_birth"] != "KEN")).astype(
            float
        )
    )
    design = mi.survey.post_stratify(
        mi.survey.Design(weight="weight", replicate_weights=reps, replicate_method="jk1", mse=True),
        _margin("sex_region"),
    )
    core = mi.survey.estimate(frame, design, parameter="total", y="migrant", by="sex").data
    core = core.set_index("sex").loc[res.index]
    np.testing.assert_allclose(res["value"], core["value"], rtol=1e-12)
    np.testing.assert_allclose(res["se"], core["se"], rtol=1e-10)


def test_streamed_census_gives_the_in_memory_values(tmp_path: Path) -> None:
    # Files and chunks take the two streamed passes (tests/test_census_calibration_streamed.py).
    census = _census()
    cal = mi.survey.post_stratify(mi.survey.Design(weight="weight"), _margin("sex_region"))
    path = tmp_path / "census.parquet"
    census.to_parquet(path)
    whole = mi.compute("migrant_stock", census=census, by=["sex"], calibration=cal).data
    for source in (str(path), iter([census.iloc[:2000], census.iloc[2000:]])):
        got = mi.compute("migrant_stock", census=source, by=["sex"], calibration=cal).data
        np.testing.assert_allclose(got["value"], whole["value"], rtol=1e-12)
        np.testing.assert_allclose(got["se"], whole["se"], rtol=1e-12)


def test_bad_calibration_designs_are_typed_errors() -> None:
    census = _census()
    margin = _margin("sex_region")
    with pytest.raises(OptionError, match="column 'weight' for weight=.*not 'w'"):
        mi.compute(
            "migrant_stock",
            census=census,
            calibration=mi.survey.post_stratify(mi.survey.Design(weight="w"), margin),
        )
    with pytest.raises(OptionError, match=r"\['fpc'\] are not used"):
        mi.compute(
            "migrant_stock",
            census=census,
            calibration=mi.survey.post_stratify(mi.survey.Design(weight="weight", fpc="N"), margin),
        )
    with pytest.raises(OptionError, match="has no calibration"):
        mi.compute("migrant_stock", census=census, calibration=mi.survey.Design(weight="weight"))
    with pytest.raises(OptionError, match="calibration= takes a calibrated"):
        mi.compute("migrant_stock", census=census, calibration="sex")
    with pytest.raises(InputValidationError, match="needs a column 'district'"):
        mi.compute(
            "migrant_stock",
            census=census,
            calibration=mi.survey.post_stratify(
                mi.survey.Design(weight="weight"),
                pd.DataFrame({"district": ["a"], "Freq": [1.0]}),
            ),
        )
    no_age = census.copy()
    no_age.loc[0, "age"] = np.nan
    with pytest.raises(InputValidationError, match="needs every person's age"):
        mi.compute(
            "migrant_stock",
            census=no_age,
            calibration=mi.survey.rake(
                mi.survey.Design(weight="weight"), [_margin("sex"), _margin("age_group")]
            ),
        )


def test_rows_of_unknown_sex_stay_in_the_calibration_as_in_the_survey_core() -> None:
    # R's svyby keeps a row of unknown domain in the design (score 0, its residual counted);
    # the survey core does the same, so the pass must agree with it, exclusions included.
    census = _census()
    census.loc[census.index[:5], "sex"] = None
    region = census.groupby("region", as_index=False)["weight"].sum()
    region = region.assign(Freq=region["weight"] * [1.1, 0.9, 1.05, 0.95]).drop(columns="weight")
    base = mi.survey.Design(
        weight="weight", strata="strata", psu="household", lonely_psu="certainty"
    )
    cal = mi.survey.post_stratify(base, region)
    res = mi.compute("migrant_stock", census=census, by=["sex"], calibration=cal)
    frame = census.assign(
        migrant=(census["country_of_birth"].notna() & (census["country_of_birth"] != "KEN")).astype(
            float
        )
    )
    core = mi.survey.estimate(frame, cal, parameter="total", y="migrant", by="sex").data
    got = res.data.set_index("sex").loc[core["sex"]]
    np.testing.assert_allclose(got["value"], core["value"].to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(got["se"], core["se"].to_numpy(), rtol=1e-10)
    assert "unknown sex" in set(res.exclusions["reason"])
