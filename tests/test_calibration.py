"""Calibration of survey weights: control totals reproduced, bad totals refused by name.

Hand-checkable properties (R agreement is in ``tests/reference/test_r_weighting.py``):
calibrated weights reproduce every control total; post-stratification is the ratio
adjustment within cells; raking converges to weights meeting both margins; bad totals
(a category absent from the sample, negative or zero totals, margins that disagree) raise a
:class:`CalibrationError` naming the margin, never an uncalibrated result.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from migindicators import survey
from migindicators.core.errors import MigIndicatorsError, OptionError


def _sample(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "stratum": rng.integers(0, 3, n),
            "psu": rng.integers(0, 8, n),
            "w": rng.uniform(1.0, 6.0, n),
            "sex": rng.choice(["F", "M"], n),
            "age": rng.choice(["15-29", "30-49", "50+"], n),
            "x": rng.gamma(2.0, 3.0, n),
            "y": rng.normal(50.0, 10.0, n),
        }
    )


SEX = pd.DataFrame({"sex": ["F", "M"], "Freq": [560.0, 540.0]})
AGE = pd.DataFrame({"age": ["15-29", "30-49", "50+"], "Freq": [300.0, 450.0, 350.0]})
DESIGN = survey.Design(weight="w", strata="stratum", psu="psu")


def _totals(frame: pd.DataFrame, weights: pd.Series, col: str) -> dict[str, float]:
    return {str(k): float(v) for k, v in weights.groupby(frame[col]).sum().items()}


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    f=st.floats(100.0, 5_000.0),
    m=st.floats(100.0, 5_000.0),
    share=st.floats(0.2, 0.5),
    calfun=st.sampled_from(["linear", "raking"]),
)
def test_calibrated_weights_reproduce_control_totals(
    seed: int, f: float, m: float, share: float, calfun: str
) -> None:
    frame = _sample(seed)
    total = f + m
    sex = pd.DataFrame({"sex": ["F", "M"], "Freq": [f, m]})
    age = pd.DataFrame(
        {
            "age": ["15-29", "30-49", "50+"],
            "Freq": [share * total, 0.3 * total, (0.7 - share) * total],
        }
    )
    x_total = float((frame["w"] * frame["x"]).sum()) * total / frame["w"].sum()
    design = survey.calibrate(DESIGN, [sex, age], totals={"x": x_total}, calfun=calfun)
    w = survey.calibrated_weights(frame, design)
    assert _totals(frame, w, "sex") == pytest.approx({"F": f, "M": m}, rel=1e-6)
    got = _totals(frame, w, "age")
    assert got == pytest.approx(dict(zip(age["age"], age["Freq"], strict=True)), rel=1e-6)
    assert float((w * frame["x"]).sum()) == pytest.approx(x_total, rel=1e-6)
    # The estimated totals of the calibration variables have (numerically) zero SE.
    res = survey.estimate(frame, design, parameter="total", y="x").data
    assert res["value"].iloc[0] == pytest.approx(x_total, rel=1e-6)
    assert res["se"].iloc[0] < 1e-6 * x_total


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_rake_converges_to_both_margins(seed: int) -> None:
    frame = _sample(seed)
    design = survey.rake(DESIGN, [SEX, AGE], epsilon=1e-9, maxit=200)
    w = survey.calibrated_weights(frame, design)
    assert _totals(frame, w, "sex") == pytest.approx({"F": 560.0, "M": 540.0}, rel=1e-8)
    assert _totals(frame, w, "age") == pytest.approx(
        {"15-29": 300.0, "30-49": 450.0, "50+": 350.0}, rel=1e-8
    )
    # The raking ratio calibration reaches the same weights (same fixed point).
    same = survey.calibrated_weights(
        frame, survey.calibrate(DESIGN, [SEX, AGE], calfun="raking", epsilon=1e-12)
    )
    np.testing.assert_allclose(w, same, rtol=1e-6)


def test_post_stratify_is_the_ratio_adjustment_by_hand() -> None:
    frame = _sample(3)
    w = survey.calibrated_weights(frame, survey.post_stratify(DESIGN, SEX))
    for sex, pop in (("F", 560.0), ("M", 540.0)):
        rows = frame["sex"] == sex
        expected = frame.loc[rows, "w"] * pop / frame.loc[rows, "w"].sum()
        np.testing.assert_allclose(w[rows], expected, rtol=1e-12)


def test_post_stratified_mean_se_by_hand_without_clusters() -> None:
    """Unclustered, unstratified: v = n/(n-1) sum e_i^2 with e_i = g_i w_i (y_i - ybar_c)/N."""
    frame = _sample(5)
    design = survey.post_stratify(survey.Design(weight="w"), SEX)
    res = survey.estimate(frame, design, parameter="mean", y="y").data
    w = survey.calibrated_weights(frame, design).to_numpy()
    y = frame["y"].to_numpy()
    mean = float((w * y).sum() / w.sum())
    s = (y - mean) / w.sum()
    resid = np.empty_like(s)
    for sex in ("F", "M"):
        rows = (frame["sex"] == sex).to_numpy()
        base = frame["w"].to_numpy()[rows]
        resid[rows] = w[rows] * (s[rows] - np.sum(base * s[rows]) / base.sum())
    n = len(frame)
    expected = np.sqrt(n / (n - 1) * np.sum((resid - resid.mean()) ** 2))
    assert res["value"].iloc[0] == pytest.approx(mean, rel=1e-12)
    assert res["se"].iloc[0] == pytest.approx(expected, rel=1e-10)


def test_calibrated_design_in_a_difference_and_metadata_is_json() -> None:
    frame = _sample(7)
    design = survey.calibrate(
        survey.rake(DESIGN, [SEX, AGE]), totals={"x": 6000.0}, population=1100
    )
    res = survey.estimate_difference(
        frame, design, parameter="mean", y="y", compare="sex", levels=("F", "M")
    )
    assert np.isfinite(res.data["se"]).all() and (res.data["se"] > 0).all()
    json.dumps(res.metadata, default=str)
    steps = res.metadata["design"]["calibration"]
    assert [s["r_equivalent"] for s in steps] == ["rake", "calibrate"]


def test_rows_with_missing_y_are_left_out_after_calibration() -> None:
    frame = _sample(11)
    frame.loc[:9, "y"] = np.nan
    design = survey.post_stratify(DESIGN, SEX)
    full = survey.calibrated_weights(frame, design)
    res = survey.estimate(frame, design, parameter="total", y="y")
    assert res.exclusions["rows"].sum() == 10
    expected = float(np.nansum(full * frame["y"]))
    assert res.data["value"].iloc[0] == pytest.approx(expected, rel=1e-12)


# --- bad inputs: a clear error naming the margin -----------------------------------------


def _fails(design: survey.Design, match: str, frame: pd.DataFrame | None = None) -> None:
    with pytest.raises(survey.CalibrationError, match=match):
        survey.estimate(_sample(1) if frame is None else frame, design, parameter="mean", y="y")


def test_population_category_absent_from_sample_is_named() -> None:
    age = pd.concat([AGE, pd.DataFrame({"age": ["0-14"], "Freq": [10.0]})])
    _fails(survey.post_stratify(DESIGN, age), r"margin age: population categories \[\('0-14',\)\]")
    _fails(survey.rake(DESIGN, [SEX, age]), "margin age")
    _fails(survey.calibrate(DESIGN, [SEX, age]), "margin age")
    # partial=True ignores it, as R's postStratify(partial=TRUE)
    frame = _sample(1)
    w = survey.calibrated_weights(frame, survey.post_stratify(DESIGN, age, partial=True))
    assert w.sum() == pytest.approx(1100.0)


def test_sample_category_absent_from_totals_is_named() -> None:
    _fails(
        survey.post_stratify(DESIGN, AGE.iloc[:2]), r"margin age: sample categories \[\('50\+',\)\]"
    )


def test_negative_or_zero_totals_are_refused() -> None:
    bad = SEX.assign(Freq=[560.0, -5.0])
    with pytest.raises(survey.CalibrationError, match="margin sex: negative population totals"):
        survey.post_stratify(DESIGN, bad)
    _fails(survey.rake(DESIGN, [SEX.assign(Freq=[560.0, 0.0]), AGE]), "margin sex: categories")
    with pytest.raises(survey.CalibrationError, match="population=0"):
        survey.calibrate(DESIGN, population=0)


def test_raking_that_cannot_converge_is_an_error_not_a_result() -> None:
    # The margins disagree on the population size: no weights meet both.
    age = AGE.assign(Freq=AGE["Freq"] * 2)
    _fails(
        survey.rake(DESIGN, [SEX, age]),
        r"margins disagree on the population size \(sex: 1100, age: 2200\)",
    )
    # Consistent margins, too few sweeps allowed.
    _fails(
        survey.rake(DESIGN, [SEX, AGE], maxit=1, epsilon=1e-9),
        r"raking over margins \['sex', 'age'\] did not converge in maxit=1",
    )
    frame = _sample(1)
    with pytest.warns(UserWarning, match="did not converge"):
        survey.calibrated_weights(
            frame, survey.rake(DESIGN, [SEX, AGE], maxit=1, epsilon=1e-9, force=True)
        )


def test_bounded_calibration_that_cannot_reach_totals_is_an_error() -> None:
    far = SEX.assign(Freq=[5_000.0, 100.0])
    _fails(
        survey.calibrate(DESIGN, [far], bounds=(0.5, 2.0)),
        r"did not converge .*worst term sex=\('M',\): total 100,",
    )


def test_options_are_checked() -> None:
    with pytest.raises(survey.CalibrationError, match="finite bounds"):
        survey.calibrate(DESIGN, [SEX], calfun="logit")
    with pytest.raises(survey.CalibrationError, match="calfun='probit'"):
        survey.calibrate(DESIGN, [SEX], calfun="probit")
    with pytest.raises(survey.CalibrationError, match="no count column 'Freq'"):
        survey.post_stratify(DESIGN, SEX.rename(columns={"Freq": "N"}))
    assert issubclass(survey.CalibrationError, MigIndicatorsError)
    frame = _sample(1)
    frame.loc[3, "sex"] = None
    _fails(survey.post_stratify(DESIGN, SEX), "row\\(s\\) with a missing 'sex'", frame)


def test_a_calibrated_design_drives_recruitment_costs() -> None:
    import migindicators as mi

    demo = mi.datasets.load("lfs_migration_module")
    assert isinstance(demo, dict)
    frame, rates = demo["survey"], demo["exchange_rates"]
    base = survey.Design(weight="weight", strata="stratum", psu="psu", lonely_psu="adjust")
    by_sex = frame.groupby("sex")["weight"].sum()
    pop = pd.DataFrame({"sex": by_sex.index, "Freq": by_sex.to_numpy() * [1.3, 0.8]})
    calibrated = survey.post_stratify(base, pop)
    res = mi.compute(
        "recruitment_cost_indicator",
        survey=frame,
        exchange_rates=rates,
        design=calibrated,
        quality=[],
    )
    # The same point estimate as with the calibrated weights given as a weight column ...
    plain = mi.compute(
        "recruitment_cost_indicator",
        survey=frame.assign(weight=survey.calibrated_weights(frame, calibrated)),
        exchange_rates=rates,
        design=base,
        quality=[],
    )
    assert res.data["value"].iloc[0] == pytest.approx(plain.data["value"].iloc[0], rel=1e-12)
    # ... but its SE comes from the calibration residuals (R's variance of a calibrated design).
    assert res.data["se"].iloc[0] != pytest.approx(plain.data["se"].iloc[0], rel=1e-6)
    assert res.metadata["design"]["calibration"][0]["r_equivalent"] == "postStratify"


def test_gap_indicators_take_a_calibration_per_country() -> None:
    import migindicators as mi

    persons = mi.datasets.load("lfs_integration_demo", scale=0.15)
    assert isinstance(persons, pd.DataFrame)
    totals = persons.groupby(["ref_area", "sex"])["weight"].sum().reset_index(name="Freq")
    totals["Freq"] *= np.where(totals["sex"] == totals["sex"].iloc[0], 1.4, 0.7)
    steps = survey.post_stratify(survey.Design(), totals)
    res = mi.compute("employment_rate_gap", persons=persons, calibration=steps, quality=[])
    # Point estimates: as with the calibrated weights given as the weight column.
    cal_w = survey.calibrated_weights(
        persons, survey.post_stratify(survey.Design(weight="weight"), totals)
    )
    plain = mi.compute("employment_rate_gap", persons=persons.assign(weight=cal_w), quality=[])
    base = mi.compute("employment_rate_gap", persons=persons, quality=[])
    keys = ["ref_area", "migratory_status"]
    a, b, c = (r.data.set_index(keys).sort_index() for r in (res, plain, base))
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-10)
    assert not np.allclose(a["value"], c["value"], rtol=1e-6)
    assert not np.allclose(a["se"], b["se"], rtol=1e-6)  # residual-based SEs
    assert res.metadata["options"]["calibration"][0]["kind"] == "poststratify"


def test_perception_shares_take_a_calibration() -> None:
    import migindicators as mi

    demo = mi.datasets.load("opinion_survey_demo")
    survey_frame = demo["survey"] if isinstance(demo, dict) else demo
    totals = survey_frame.groupby(["ref_area", "sex"])["weight"].sum().reset_index(name="Freq")
    totals["Freq"] *= np.where(totals["sex"] == totals["sex"].iloc[0], 1.5, 0.6)
    steps = survey.post_stratify(survey.Design(), totals)
    res = mi.compute("desire_to_migrate_share", survey=survey_frame, calibration=steps, quality=[])
    cal_w = survey.calibrated_weights(
        survey_frame, survey.post_stratify(survey.Design(weight="weight"), totals)
    )
    plain = mi.compute(
        "desire_to_migrate_share", survey=survey_frame.assign(weight=cal_w), quality=[]
    )
    a = res.data.set_index(["ref_area", "time_period"]).sort_index()
    b = plain.data.set_index(["ref_area", "time_period"]).sort_index()
    np.testing.assert_allclose(a["value"], b["value"], rtol=1e-10)
    assert not np.allclose(a["se"], b["se"], rtol=1e-6)
    assert res.metadata["options"]["calibration"][0]["kind"] == "poststratify"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: survey.post_stratify(DESIGN, [1, 2]), "must be a DataFrame .* got int"),
        (lambda: survey.post_stratify(DESIGN, SEX[["Freq"]]), "at least one category column"),
        (
            lambda: survey.post_stratify(DESIGN, SEX.assign(Freq=[560.0, np.inf])),
            "margin sex: missing or infinite population totals",
        ),
        (
            lambda: survey.post_stratify(DESIGN, pd.concat([SEX, SEX.iloc[:1]])),
            r"margin sex: categories given twice: \[\{'sex': 'F'\}\]",
        ),
        (lambda: survey.rake(DESIGN, [SEX, AGE], maxit=0), "rake: maxit=0 must be at least 1"),
        (lambda: survey.rake(DESIGN, [SEX, AGE], epsilon=0), "rake: epsilon=0 must be positive"),
        (lambda: survey.rake(DESIGN, []), "rake: give at least one margin"),
        (lambda: survey.calibrate(DESIGN, [SEX], bounds=(2, 1)), "lower must be below upper"),
        (
            lambda: survey.calibrate(DESIGN, [SEX], calfun="logit", bounds=(1.2, 2)),
            r"bounds=\(1.2, 2\) must contain 1",
        ),
        (lambda: survey.calibrate(DESIGN, [SEX], trim=(2, 1)), r"trim=\(2.0, 1.0\)"),
        (
            lambda: survey.calibrate(DESIGN, totals={"x": np.nan}),
            r"totals\['x'\] = nan: a total must be finite",
        ),
        (lambda: survey.calibrate(DESIGN), "give margins, totals or population"),
        (lambda: survey.calibrate("w", [SEX]), "calibration needs a migindicators.survey.Design"),
    ],
)
def test_each_bad_option_or_total_is_named(make: object, match: str) -> None:
    with pytest.raises((survey.CalibrationError, OptionError), match=match):
        make()  # type: ignore[operator]


def test_frame_problems_are_named_when_the_weights_are_computed() -> None:
    frame = _sample(2)
    with pytest.raises(MigIndicatorsError, match=r"column\(s\) \['gender'\] not found"):
        survey.estimate(
            frame, survey.post_stratify(DESIGN, SEX.rename(columns={"sex": "gender"})), y="y"
        )
    with pytest.raises(MigIndicatorsError, match=r"column\(s\) \['income'\] not found"):
        survey.estimate(frame, survey.calibrate(DESIGN, [SEX], totals={"income": 1e6}), y="y")
    frame.loc[0, "x"] = np.nan
    _fails(
        survey.calibrate(DESIGN, [SEX], totals={"x": 9e3}), r"total 'x': 1 row\(s\) missing", frame
    )
    frame = _sample(2)
    frame.loc[0, "w"] = -1.0
    with pytest.raises(MigIndicatorsError, match="negative"):
        survey.calibrated_weights(frame, survey.calibrate(DESIGN, [SEX]))
