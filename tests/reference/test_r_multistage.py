"""Multistage designs of three and four stages against R ``survey`` (issue 14).

Golden values from ``tests/golden/r_survey/multistage.R`` (R's
``svydesign(ids=~psu+ssu+tsu, strata=~h(+s2), fpc=~N1+N2+N3)`` with its default full
multistage variance, ``svytotal``, ``svymean``, ``svyratio`` and ``svyby`` by sex): an fpc at
every stage with a certainty stratum at stage 1, strata at stage 2, a stage without fpc
(R's ``Inf``), sampling fractions, lonely units at stage 3 under each ``survey.lonely.psu``,
a four-stage design, the ultimate-cluster option and a post-stratified three-stage design,
and differences of domain means (``svycontrast``). The data are drawn by the R script and
stored in the JSON; the tests do not need R.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migindicators import survey
from migindicators.core.errors import DesignError, InputValidationError, OptionError
from migindicators.engine.survey import Design

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "r_survey" / "multistage.json"
#: R's figures carry 15 significant digits; the recursion is the same sums in another order.
RTOL = 1e-9


@cache
def _golden() -> dict[str, Any]:
    return dict(json.loads(GOLDEN.read_text()))


def _frame(name: str) -> pd.DataFrame:
    frame = pd.DataFrame(_golden()["data"][name])
    frame["inf"] = np.inf
    return frame


def _case(case_id: str) -> dict[str, Any]:
    return next(c for c in _golden()["cases"] if c["id"] == case_id)


def _design(case: dict[str, Any]) -> Design:
    spec = dict(case["design"])
    design = Design(weight="w", lonely_psu=case["lonely_psu"], **spec)
    if case["id"] == "three_stage_poststratified":
        design = survey.post_stratify(design, pd.DataFrame(_golden()["poststratify"]))
    return design


def _golden_difference(case_id: str) -> list[float] | None:
    found = _case(case_id).get("difference")
    return None if found is None or found[1] is None else list(found)


CASES = [
    "three_stage_fpc",
    "three_stage_stage2_strata",
    "three_stage_no_fpc3",
    "three_stage_no_fpc2",
    "three_stage_fractions",
    "three_stage_lonely_certainty",
    "three_stage_lonely_remove",
    "three_stage_lonely_adjust",
    "three_stage_stage2_strata_average",
    "four_stage_fpc",
    "three_stage_ultimate_cluster",
    "three_stage_poststratified",
]


@pytest.mark.parametrize("case_id", CASES)
def test_three_stage_design_matches_r(case_id: str) -> None:
    case = _case(case_id)
    frame = _frame(case["data"])
    design = _design(case)
    for parameter, key, x in (
        ("total", "total", None),
        ("mean", "mean", None),
        ("ratio", "ratio", "x"),
    ):
        row = survey.estimate(frame, design, parameter=parameter, y="y", x=x).data.iloc[0]
        np.testing.assert_allclose(
            [row["value"], row["se"]], case[key], rtol=RTOL, err_msg=f"{case_id} {parameter}"
        )
    for parameter in ("total", "mean"):
        by = survey.estimate(frame, design, parameter=parameter, y="y", by="sex").data
        by = by.set_index("sex").loc[case["by_keys"]]
        np.testing.assert_allclose(by["value"], case[f"by_{parameter}"], rtol=RTOL)
        np.testing.assert_allclose(
            by["se"], case[f"by_{parameter}_se"], rtol=RTOL, err_msg=f"{case_id} by {parameter}"
        )


@pytest.mark.parametrize("case_id", [c for c in CASES if _golden_difference(c) is not None])
def test_difference_of_domain_means_matches_r_svycontrast(case_id: str) -> None:
    # R: svycontrast(svyby(~y, ~sex, des, svymean, covmat=TRUE), c(F=1, M=-1)); the later
    # stages' variance of the difference includes the covariance of the two domains.
    case = _case(case_id)
    res = survey.estimate_difference(
        _frame(case["data"]),
        _design(case),
        parameter="mean",
        y="y",
        compare="sex",
        levels=("F", "M"),
    ).data.iloc[0]
    np.testing.assert_allclose([res["value"], res["se"]], case["difference"], rtol=RTOL)


def test_later_stages_add_variance_beyond_the_first() -> None:
    # The golden cases differ where the stages do: the full three-stage SE is above the
    # ultimate-cluster one, and leaving stage 3's fpc out (R's Inf) raises it further.
    full = _case("three_stage_fpc")["total"][1]
    assert _case("three_stage_ultimate_cluster")["total"][1] < full
    assert _case("three_stage_no_fpc3")["total"][1] > full


def test_average_with_nothing_to_average_is_an_error_not_nan() -> None:
    # R gives NaN (its golden SE is null): every stratum of a stage-2 unit is lonely.
    case = _case("three_stage_lonely_average")
    assert case["total"][1] is None
    with pytest.raises(DesignError, match="lonely_psu='average'.*nothing to average"):
        survey.estimate(_frame("lonely"), _design(case), parameter="total", y="y")


def test_lonely_unit_at_stage_three_fails_by_default() -> None:
    case = dict(_case("three_stage_lonely_certainty"), lonely_psu="fail")
    with pytest.raises(DesignError, match="single sampled unit at stage 3"):
        survey.estimate(_frame("lonely"), _design(case), parameter="total", y="y")


def _three(**extra: Any) -> Design:
    spec: dict[str, Any] = {
        "weight": "w",
        "strata": "h",
        "psu": "psu",
        "fpc": "N1",
        "ssu": ["ssu", "tsu"],
        "fpc2": ["N2p", "N3"],
    }
    spec.update(extra)
    return Design(**spec)


def test_inconsistent_fpc_is_a_typed_error_naming_the_column() -> None:
    frame = _frame("full")
    small = frame.assign(N3=np.where(frame["psu"] == 3, 1.5, frame["N3"]))
    with pytest.raises(InputValidationError, match=r"fpc2 column 'N3' \(stage 3\): fewer units"):
        survey.estimate(small, _three(), parameter="total", y="y")
    varying = frame.copy()
    varying.loc[varying.index[0], "N3"] = 9
    with pytest.raises(
        InputValidationError,
        match=r"fpc2 column 'N3' must be constant within each stage-2 unit \(stage 3",
    ):
        survey.estimate(varying, _three(), parameter="total", y="y")
    with pytest.raises(InputValidationError, match="must be constant within each PSU"):
        survey.estimate(
            frame, _three(fpc2=["N2", "N3"]), parameter="total", y="y"
        )  # N2 is per stage-2 stratum: it needs strata2
    split = frame.assign(s2=np.where(frame.index % 2 == 0, "u", "r"))
    with pytest.raises(InputValidationError, match="lies in several strata"):
        survey.estimate(
            split, _three(fpc2=["N2", "N3"], strata2=["s2", None]), parameter="total", y="y"
        )
    negative = frame.assign(N3=-8.0)
    with pytest.raises(InputValidationError, match="must be positive"):
        survey.estimate(negative, _three(), parameter="total", y="y")


def test_stage_options_must_line_up() -> None:
    with pytest.raises(OptionError, match="fpc2=.* 1 entries for 2 ssu"):
        _three(fpc2=["N2p"])
    with pytest.raises(OptionError, match="strata2=.* 3 entries for 2 ssu"):
        _three(strata2=["s2", None, None])
    with pytest.raises(OptionError, match="strata2= needs ssu="):
        Design(weight="w", psu="psu", strata2="s2")
    assert _three().describe()["ssu"] == ["ssu", "tsu"]
    assert _three().later_stages() == [("ssu", "N2p", None), ("tsu", "N3", None)]
    # A mapping from a TOML run spec has no null: "" stands for a stage without fpc.
    from_toml = survey.as_design(
        {"weight": "w", "psu": "psu", "fpc": "N1", "ssu": ["ssu", "tsu"], "fpc2": ["N2p", ""]}
    )
    assert from_toml.later_stages() == [("ssu", "N2p", None), ("tsu", None, None)]
