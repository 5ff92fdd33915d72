"""Golden cases for design-based estimation (../shared/data/survey/cases.json, 130 cases).

Each case is run through :func:`migindicators.engine.survey.estimate` and every figure it states
(estimate, se, lci, uci, cv, df) is compared at the case's own tolerance. The data and cases
are read from ``../shared`` (never copied into the repository).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from migindicators.core.result import Result
from migindicators.engine.survey import Design, estimate

CASES_FILE = Path(__file__).resolve().parents[3] / "shared" / "data" / "survey" / "cases.json"
CASES: list[dict[str, Any]] = json.loads(CASES_FILE.read_text()) if CASES_FILE.is_file() else []


@cache
def _data(folder: str, name: str) -> pd.DataFrame:
    base = Path(folder)
    if name == "yrbs.csv":
        df = pd.read_csv(base / name)
        df["y"] = df["qn8"].map({1: 1.0, 2: 0.0})
        df["x"] = 0.8 * df["y"] + 0.5
        return df
    df = pd.read_csv(base / "nhanes2brr.csv")
    jk = pd.read_csv(base / "jk1weights.csv")
    return pd.concat([df, jk], axis=1)


def _design(case: dict[str, Any]) -> Design:
    d = case["design"]
    if d["method"] == "taylor":
        return Design(weight=d["weight"], strata=d["stratum"], psu=d["psu"], fpc=d["fpc"])
    reps = d["replicates"]
    prefix, last = reps["columns"].split("..")
    stem = prefix.rsplit("_", 1)[0]
    cols = [f"{stem}_{i}" for i in range(1, int(last.rsplit("_", 1)[1]) + 1)]
    method = {"brr": "brr", "jackknife": "jk1"}[reps["type"]]
    return Design(
        weight=d["weight"],
        replicate_weights=cols,
        replicate_method=method,
        mse=bool(d.get("conservative", False)),
    )


def test_case_count() -> None:
    if not CASES:
        pytest.skip(f"golden cases not found at {CASES_FILE}")
    assert len(CASES) == 130


_RESULTS: dict[str, Result] = {}


def _estimate(key: str, frame: pd.DataFrame, case: dict[str, Any]) -> Result:
    """One estimate serves every case that differs only by domain value or category."""
    if key not in _RESULTS:
        domain = case["domain"]
        _RESULTS[key] = estimate(
            frame,
            _design(case),
            parameter=case["parameter"],
            y=case["variable"],
            x=case["x_variable"],
            by=[domain["column"]] if domain else None,
            quality=[],
            # The cases drop rows with a missing y before estimation ("transformations");
            # their df is the whole design's (samplics), not the domain's (R).
            missing="drop",
            df="design",
        )
    return _RESULTS[key]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_golden(case: dict[str, Any], shared_data: Path) -> None:
    frame = _data(str(shared_data / "survey"), case["data_file"])
    domain = case["domain"]
    by = [domain["column"]] if domain else None
    parameter = case["parameter"]
    key = json.dumps(
        [case["data_file"], case["design"], parameter, case["variable"], case["x_variable"], by],
        sort_keys=True,
    )
    res = _estimate(key, frame, case)
    data = res.data
    if domain:
        data = data[data[domain["column"]] == domain["value"]]
    if parameter == "proportion":
        data = data[data[case["variable"]] == case["level"]]
    assert len(data) == 1
    row = data.iloc[0]
    assert res.rows_accounted()
    tol = case["source_tolerance"]
    expected = case["expected"]
    got = {
        "estimate": row["value"],
        "se": row["se"],
        "lci": row["ci_lower"],
        "uci": row["ci_upper"],
        "cv": row["cv"],
        "df": row["df"],
    }
    for key, want in expected.items():
        if want is None or key not in got:
            continue
        np.testing.assert_allclose(
            got[key], want, rtol=tol["rtol"], atol=tol["atol"], err_msg=f"{case['id']}: {key}"
        )
