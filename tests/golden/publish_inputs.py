"""The small fixed input behind the publishing golden files (no timestamps, no randomness)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from migindicators.core.result import Result

EXCLUSION_COLUMNS = ["input", "reason", "rows", "weighted", "detail"]


def _result(
    indicator: str,
    data: pd.DataFrame,
    metadata: dict[str, object],
    exclusions: list[list[object]] | None = None,
) -> Result:
    base: dict[str, object] = {
        "indicator": indicator,
        "method": "fixed test input",
        "library": "migindicators",
        "version": "0.0.0",
        "options": {"by": ["sex"]},
        "inputs": {"x": "sha256:0 (3 rows)"},
        "rows": {"x": {"given": 10, "excluded": 1, "used": 9}},
    }
    base.update(metadata)
    excl = pd.DataFrame(exclusions or [], columns=EXCLUSION_COLUMNS)
    return Result(data=data, exclusions=excl, metadata=base)


def refugees() -> Result:
    """SDG 10.7.4-like: countries (ISO3) and the world (M49 001), by sex, with flags."""
    data = pd.DataFrame(
        {
            "ref_area": ["001", "001", "AFG", "AFG", "SYR", "SYR"],
            "time_period": [2024] * 6,
            "sex": ["F", "M", "F", "M", "F", "M"],
            "value": [1234.5, 1100.25, 6000.0, 5800.0, np.nan, 30000.0],
            "unit": ["per_100000"] * 6,
            "se": [np.nan] * 6,
            "ci_lower": [np.nan] * 6,
            "ci_upper": [np.nan] * 6,
            "n": [2, 2, 1, 1, 1, 1],
            "flag": ["incomplete_coverage", "incomplete_coverage", "", "", "zero_denominator", ""],
            "refugees": [1.0, 2.0, 3.0, 4.0, 0.0, 5.0],
        }
    )
    return _result(
        "refugees_test",
        data,
        {
            "name": "Proportion of the population who are refugees, by country of origin",
            "unit": "per_100000",
            "sdg": "10.7.4",
            "sdmx_series": "SM_POP_REFG_OR",
        },
        [["refugees", "unknown country code", 1, np.nan, "UNK"]],
    )


def migrant_stock() -> Result:
    """A census share by sex x age group x migratory status, with SEs and CIs."""
    rows = []
    for status in ("MS_MIGRANT", "MS_NOMIGRANT"):
        for sex in ("F", "M"):
            for age, share in (("Y0T14", 10.0), ("Y15T64", 70.0), ("Y_GE65", 20.0)):
                bump = 5.0 if status == "MS_MIGRANT" and age == "Y15T64" else 0.0
                rows.append(["KEN", 2019, sex, age, status, share + bump - (sex == "M"), 0.5])
    data = pd.DataFrame(
        rows,
        columns=["ref_area", "time_period", "sex", "age_group", "migratory_status", "value", "se"],
    )
    data.insert(6, "unit", "percent")
    data["ci_lower"] = data["value"] - 1.96 * data["se"]
    data["ci_upper"] = data["value"] + 1.96 * data["se"]
    data["n"] = 100
    data["flag"] = ""
    data.loc[0, "flag"] = "low_n;unweighted"
    return _result(
        "migrant_share_test",
        data,
        {
            "name": "Share of the population by age group (test)",
            "unit": "percent",
            "sdg": "17.18.1",
            "sdmx_series": "SP_POP_SHARE_TEST",
        },
    )


def remittances() -> Result:
    """10.c.1-like corridor costs by quarter, with text cells that look like formulas."""
    data = pd.DataFrame(
        {
            "origin": ["USA", "USA", "GBR", "GBR"],
            "destination": ["MEX", "MEX", "=cmd|' /C calc'!A0", "NGA"],
            "time_period": ["2024Q1", "2024Q2", "2024Q1", "2024Q2"],
            "value": [4.5, 3.25, 7.0, 2.5],
            "unit": ["percent"] * 4,
            "se": [np.nan] * 4,
            "ci_lower": [np.nan] * 4,
            "ci_upper": [np.nan] * 4,
            "n": [5, 5, 2, 4],
            "flag": ["", "", "fewer_than_three_services", "@SUM(A1)"],
        }
    )
    return _result(
        "remittance_cost_test",
        data,
        {
            "name": "+Remittance costs as a proportion of the amount remitted",
            "unit": "percent",
            "sdg": "10.c.1",
            "sdmx_series": "SI_RMT_COST_BC",
        },
        [["prices", "-undisclosed exchange rate", 2, np.nan, "=1+1"]],
    )


def non_sdg() -> Result:
    """An indicator outside the SDG framework (no SDG code, no SDMX series)."""
    data = pd.DataFrame(
        {
            "ref_area": ["GHA"],
            "time_period": [2015],
            "value": [12.5],
            "unit": ["percent"],
            "se": [np.nan],
            "ci_lower": [np.nan],
            "ci_upper": [np.nan],
            "n": [3],
            "flag": [""],
        }
    )
    return _result(
        "non_sdg_test",
        data,
        {"name": "Not an SDG indicator", "unit": "percent", "sdg": None, "sdmx_series": None},
    )


def flows() -> Result:
    """An origin x destination matrix of flows."""
    data = pd.DataFrame(
        {
            "origin": ["A", "A", "B", "B", "C", "C"],
            "destination": ["B", "C", "A", "C", "A", "B"],
            "time_period": [2020] * 6,
            "value": [10.0, 5.0, 3.0, 8.0, 1.0, 2.0],
            "unit": ["person"] * 6,
            "se": [np.nan] * 6,
            "ci_lower": [np.nan] * 6,
            "ci_upper": [np.nan] * 6,
            "n": [1] * 6,
            "flag": [""] * 6,
        }
    )
    return _result(
        "flows_test", data, {"name": "Flows", "unit": "person", "sdg": None, "sdmx_series": None}
    )


def small_results() -> list[Result]:
    """The golden-file input: four results covering the mappings."""
    return [refugees(), migrant_stock(), remittances(), non_sdg()]
