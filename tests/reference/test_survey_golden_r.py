"""Agreement with R's ``survey`` package (Lumley) on its bundled data and the project's fixture.

``tests/golden/r_survey/cases.json`` and ``data/`` are written by
``tests/golden/r_survey/make_golden.R`` (R 4.2, survey 4.1.1; see the README there): R's
api (apistrat, apiclus1, apiclus2), nhanes, scd and election data and the seeded LFS
migration module, with stratified, clustered, fpc, lonely-PSU and replicate designs (JK1,
JKn, BRR, Fay, bootstrap, SDR), totals, means, ratios, proportions, quantiles and domain
differences, overall and by domain. Every figure R prints (estimate, SE, interval ends,
degrees of freedom) is compared with the library's defaults; R is not needed to run this.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migindicators.engine.survey import Design, estimate, estimate_difference

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "r_survey"
META: dict[str, Any] = json.loads((GOLDEN / "cases.json").read_text())
CASES: list[dict[str, Any]] = META["cases"]
RTOL = 1e-7
#: Figures that differ from R by design (docs/guide/survey.md, "Where R and the library
#: differ"): (case id, cell) -> the library's figure. A replicate with a domain proportion
#: of 0 or 1 has an infinite logit; R's GLM stops at a large finite coefficient (glm.fit
#: non-convergence), the library gives that interval end as 0 or 1.
KNOWN: dict[tuple[str, str], dict[str, float]] = {
    ("apiclus1_bootstrap_mse.proportion.awards.by_stype", "H/No"): {
        "ci_lower": 0.0,
        "ci_upper": 1.0,
    },
    ("apiclus1_bootstrap_mse.proportion.awards.by_stype", "H/Yes"): {
        "ci_lower": 0.0,
        "ci_upper": 1.0,
    },
}


@cache
def _base(name: str) -> pd.DataFrame:
    return pd.read_csv(GOLDEN / "data" / f"{name}.csv")


@cache
def _frame(data: str, repw: str | None, weight: str | None) -> pd.DataFrame:
    frame = _base(data)
    if repw is None:
        return frame
    if (GOLDEN / "data" / f"{repw}_factors.csv").is_file():
        factors = _base(f"{repw}_factors").to_numpy()
        index = _base(f"{repw}_index")["index"].to_numpy() - 1
        w = frame[weight].to_numpy() if weight else np.ones(len(frame))
        reps = pd.DataFrame(factors[index] * w[:, None], columns=_base(f"{repw}_factors").columns)
    else:
        reps = _base(f"{repw}_repw")
    return pd.concat([frame, reps], axis=1)


def _design(case: dict[str, Any]) -> Design:
    spec = dict(case["design"])
    for key in ("replicate_weights", "rscales"):
        if key in spec and not isinstance(spec[key], list):
            spec[key] = [spec[key]]
    if "replicate_weights" not in spec:
        spec["lonely_psu"] = case["lonely_psu"]
    return Design(**spec)


def _rows(data: pd.DataFrame, case: dict[str, Any], want: dict[str, Any]) -> pd.Series:
    mask = np.ones(len(data), dtype=bool)
    for col in [case.get("by"), case["y"] if case["parameter"] == "proportion" else None]:
        if col:
            mask &= (data[col] == want[col]).to_numpy()
    assert mask.sum() == 1, f"{case['id']}: no single row for {want}"
    return data.loc[mask].iloc[0]


def test_generated_by_r() -> None:
    assert META["survey_version"] == "4.1.1"
    assert len(CASES) >= 100


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_agrees_with_r(case: dict[str, Any]) -> None:
    design = _design(case)
    frame = _frame(case["data"], case.get("repw"), design.weight)
    if case.get("kind") == "difference":
        res = estimate_difference(
            frame,
            design,
            parameter=case["parameter"],
            y=case["y"],
            x=case.get("x"),
            compare=case["compare"],
            levels=tuple(case["levels"]),
            quality=[],
        )
        assert len(res.data) == 1
        rows = [(res.data.iloc[0], case["results"][0])]
    else:
        res = estimate(
            frame,
            design,
            parameter=case["parameter"],
            y=case["y"],
            x=case.get("x"),
            by=case.get("by"),
            q=case.get("q", 0.5),
            qrule=case.get("qrule", "math"),
            proportion_ci=case.get("proportion_ci", "logit"),
            quality=[],
        )
        assert len(res.data) == len(case["results"])
        rows = [(_rows(res.data, case, want), want) for want in case["results"]]
    assert res.rows_accounted()
    for got, want in rows:
        cell = "/".join(
            str(want[c])
            for c in [case.get("by"), case["y"] if case["parameter"] == "proportion" else None]
            if c
        )
        known = KNOWN.get((case["id"], cell), {})
        for ours, theirs in [
            ("value", "value"),
            ("se", "se"),
            ("ci_lower", "ci_lower"),
            ("ci_upper", "ci_upper"),
            ("df", "df"),
            ("estimate_a", "estimate_a"),
            ("estimate_b", "estimate_b"),
        ]:
            if theirs not in want:
                continue
            # jsonlite writes R's NA/NaN (an interval end outside [0, 1]) as null or "NaN".
            expected = want[theirs] if isinstance(want[theirs], int | float) else np.nan
            expected = known.get(ours, expected)
            np.testing.assert_allclose(
                float(got[ours]),
                expected,
                rtol=RTOL,
                atol=1e-12,
                err_msg=f"{case['id']} {ours} at {want}",
            )
