"""Quality profiles (NCHS, Statistics Canada, Eurostat EU-LFS, ABS): hand-worked cells at
and around each published threshold, combination with the existing rules, clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migindicators.core.errors import OptionError
from migindicators.core.flags import has_flag
from migindicators.core.quality import apply_rules, resolve_rules
from migindicators.engine.survey import Design, estimate


def _flags(frame: pd.DataFrame, code: str) -> list[bool]:
    return [bool(x) for x in has_flag(frame["flag"], code)]


# --- NCHS (Parker et al. 2017, Figure 1) ------------------------------------------------
NCHS_CELLS = pd.DataFrame(
    {
        "case": [
            "neff_16",  # 0.2*0.8/0.1^2 = 16 < 30: suppress
            "narrow",  # neff 2500, KG width ~0.039 <= 0.05: present
            "narrow_df5",  # as above with 5 df: present, df < 8: review
            "rel_wide",  # p=0.03, width ~0.09 in (0.05, 0.30), width/p ~3 > 1.3: suppress
            "abs_wide",  # p=0.5, neff 39: width >= 0.30: suppress
            "complement",  # p=0.95, width ~0.09, width/(1-p) ~1.8 > 1.3: review
            "zero",  # p=0: present with review (0 %)
            "neff_capped",  # se tiny (deff < 1): neff capped at n=25 < 30: suppress
        ],
        "value": [0.2, 0.5, 0.5, 0.03, 0.5, 0.95, 0.0, 0.5],
        "se": [0.1, 0.01, 0.01, 0.02, 0.08, 0.02, 0.0, 0.001],
        "n": [100, 3000, 3000, 200, 100, 500, 100, 25],
        "df": [np.nan, 100, 5, np.nan, np.inf, np.nan, 50, np.nan],
        "flag": "",
    }
)


def test_nchs_steps_by_hand() -> None:
    out, applied = apply_rules(NCHS_CELLS, "nchs", key_columns=["case"])
    unreliable = dict(zip(out["case"], _flags(out, "unreliable"), strict=True))
    review = dict(zip(out["case"], _flags(out, "statistical_review"), strict=True))
    assert unreliable == {
        "neff_16": True,
        "narrow": False,
        "narrow_df5": False,
        "rel_wide": True,
        "abs_wide": True,
        "complement": False,
        "zero": False,
        "neff_capped": True,
    }
    assert [k for k, v in review.items() if v] == ["narrow_df5", "complement", "zero"]
    width = out["kg_upper"] - out["kg_lower"]
    row = out.set_index("case")
    assert width[out["case"] == "narrow"].iloc[0] < 0.05
    assert 0.05 < width[out["case"] == "rel_wide"].iloc[0] < 0.30
    assert width[out["case"] == "abs_wide"].iloc[0] >= 0.30
    assert row.loc["neff_16", "kg_effective_n"] == pytest.approx(16.0)
    assert row.loc["neff_capped", "kg_effective_n"] == 25
    # p = 0: the Clopper-Pearson interval of 0 out of n* (n* = n adjusted by t_{n-1}/t_df).
    assert row.loc["zero", "kg_lower"] == 0.0
    assert applied[0]["flags"] == {"unreliable": 4, "statistical_review": 3}
    assert "Parker" in applied[0]["source"]


def test_nchs_per_cent_values_are_rescaled_or_refused() -> None:
    cells = NCHS_CELLS.assign(value=NCHS_CELLS["value"] * 100, se=NCHS_CELLS["se"] * 100)
    with pytest.raises(OptionError, match="scale=100"):
        apply_rules(cells, "nchs")
    scaled, _ = apply_rules(cells, {"nchs": {"scale": 100}})
    plain, _ = apply_rules(NCHS_CELLS, "nchs")
    assert list(scaled["flag"]) == list(plain["flag"])
    assert np.allclose(scaled["kg_upper"], plain["kg_upper"] * 100)
    by_unit, _ = apply_rules(cells.assign(unit="percent"), "nchs")
    assert list(by_unit["flag"]) == list(plain["flag"])


def test_nchs_thresholds_are_parameters() -> None:
    # widths of about 0.09 are "narrow" when the presentation width is 0.10
    out, _ = apply_rules(NCHS_CELLS, {"nchs": {"max_width_present": 0.10}})
    row = out.set_index("case")["flag"]
    assert row["rel_wide"] == "" and row["complement"] == ""
    out, _ = apply_rules(NCHS_CELLS, {"nchs": {"min_effective_n": 200}})
    assert out.set_index("case").loc["complement", "flag"] == "unreliable"  # n* = 118.75
    with pytest.raises(OptionError, match="max_width"):
        apply_rules(NCHS_CELLS, {"nchs": {"max_width": 0.01}})  # below max_width_present


# --- Statistics Canada ----------------------------------------------------------------
def test_statcan_cv_bands_by_hand() -> None:
    cells = pd.DataFrame(
        {
            "value": [100.0] * 6,
            "se": [16.5, 16.6, 33.3, 33.4, 5.0, 16.54],
            "n": [50, 50, 50, 50, 9, 50],
            "flag": "",
        }
    )
    out, _ = apply_rules(cells, "statcan")
    # CV 16.5 % acceptable, 16.6 % E, 33.3 % E, 33.4 % F, 9 records F, 16.54 -> 16.5 acceptable
    assert _flags(out, "low_reliability") == [False, True, True, False, False, False]
    assert _flags(out, "unreliable") == [False, False, False, True, True, False]
    out, _ = apply_rules(cells, {"statcan": {"min_records": 5, "caution_cv": 20}})
    assert _flags(out, "unreliable") == [False, False, False, True, False, False]
    assert _flags(out, "low_reliability")[1] is False


# --- Eurostat EU-LFS ------------------------------------------------------------------
def test_eurostat_limits_by_hand() -> None:
    cells = pd.DataFrame(
        {
            "ref_area": ["DE", "DE", "DE", "DE", "MT", "MT"],
            "value": [4_999.0, 5_000.0, 9_999.0, 10_000.0, 1_999.0, 2_000.0],
            "flag": "",
        }
    )
    # limits in thousands of persons, as Eurostat publishes them (illustrative values)
    rules = {"eurostat": {"limits": {"DE": (5, 10), "MT": (1, 2)}}}
    out, applied = apply_rules(cells, rules)
    assert _flags(out, "unreliable") == [True, False, False, False, False, False]
    assert _flags(out, "low_reliability") == [False, True, True, False, True, False]
    assert applied[0]["params"]["limits"] == {"DE": (5, 10), "MT": (1, 2)}
    with pytest.raises(OptionError, match="no reliability limits for ref_area \\['MT'\\]"):
        apply_rules(cells, {"eurostat": {"limits": {"DE": (5, 10)}}})
    out, _ = apply_rules(cells, {"eurostat": {"limits": {"DE": (5, 10)}, "default": (3, 4)}})
    assert _flags(out, "unreliable")[4:] == [True, True]
    with pytest.raises(OptionError, match="needs the EU-LFS reliability limits"):
        apply_rules(cells, "eurostat")
    with pytest.raises(OptionError, match="0 <= A <= B"):
        apply_rules(cells, {"eurostat": {"default": (10, 5)}})
    with pytest.raises(OptionError, match="pair"):
        apply_rules(cells, {"eurostat": {"default": 5}})


# --- ABS --------------------------------------------------------------------------------
def test_abs_rse_by_hand() -> None:
    cells = pd.DataFrame(
        {"value": [1000.0] * 4, "se": [249.0, 250.0, 499.0, 500.0], "n": 40, "flag": ""}
    )
    out, _ = apply_rules(cells, "abs")
    assert _flags(out, "low_reliability") == [False, True, True, False]
    assert _flags(out, "unreliable") == [False, False, False, True]


# --- combination, errors, the engine ---------------------------------------------------
def test_profiles_combine_with_existing_rules_and_suppress() -> None:
    cells = pd.DataFrame(
        {"value": [1000.0] * 3, "se": [100.0, 300.0, 600.0], "n": [40, 20, 40], "flag": ""}
    )
    out, applied = apply_rules(cells, {"min_n": {"min": 30}, "abs": {}, "suppress": {}})
    assert [r["rule"] for r in applied] == ["min_n", "abs", "suppress"]
    # row 1: low_n (withheld); row 2: RSE 60 % unreliable (withheld); row 0 published.
    assert out["value"].isna().tolist() == [False, True, True]
    assert _flags(out, "suppressed") == [False, True, True]
    assert _flags(out, "low_reliability") == [False, True, False]


def test_bad_rule_parameters_are_clear_errors() -> None:
    cells = pd.DataFrame({"value": [1.0], "se": [0.1], "n": [40], "flag": ""})
    with pytest.raises(OptionError, match="no parameter \\['rse'\\]"):
        apply_rules(cells, {"abs": {"rse": 0.3}})
    with pytest.raises(OptionError, match="annotate_rse=-1"):
        apply_rules(cells, {"abs": {"annotate_rse": -1}})
    with pytest.raises(OptionError, match="unreliable_rse"):
        apply_rules(cells, {"abs": {"unreliable_rse": 0.1}})  # below annotate_rse
    with pytest.raises(OptionError, match="must be a number"):
        apply_rules(cells, {"statcan": {"min_records": "ten"}})
    with pytest.raises(OptionError, match="mapping"):
        apply_rules(cells, {"abs": 0.25})  # type: ignore[dict-item]
    with pytest.raises(OptionError, match="needs the column 'se'"):
        apply_rules(cells.drop(columns="se"), "nchs")
    with pytest.raises(KeyError, match="unknown quality rule 'nhcs'"):
        apply_rules(cells, "nhcs")


def test_quality_name_strings_resolve() -> None:
    assert resolve_rules("nchs") == {"nchs": {}}
    assert resolve_rules(["abs", "suppress"]) == {"abs": {}, "suppress": {}}
    assert resolve_rules(None) == {"min_n": {"min": 30}, "max_cv": {"max": 0.3}}


def test_estimate_accepts_a_profile_name() -> None:
    rng = np.random.default_rng(3)
    n = 400
    frame = pd.DataFrame(
        {
            "y": (rng.random(n) < 0.1).astype(float),
            "g": rng.choice(["a", "b"], n, p=[0.9, 0.1]),
            "w": rng.uniform(1, 3, n),
            "psu": np.arange(n) // 4,
        }
    )
    design = Design(weight="w", psu="psu")
    res = estimate(frame, design, parameter="mean", y="y", by="g", quality="nchs")
    assert {"kg_lower", "kg_upper", "kg_effective_n"} <= set(res.data.columns)
    assert res.metadata["quality_rules"][0]["rule"] == "nchs"
    small = res.data.set_index("g").loc["b"]
    # group b has about 30 rows and p ~ 0.1: the KG interval is far wider than p * 130 %
    assert small["kg_effective_n"] <= small["n"]
    assert small["kg_upper"] - small["kg_lower"] > 1.3 * small["value"]
    assert "unreliable" in small["flag"].split(";")
    assert (res.data["kg_lower"] <= res.data["value"]).all()
    assert (res.data["value"] <= res.data["kg_upper"]).all()
    res = estimate(frame, design, parameter="mean", y="y", by="g", quality=["statcan"])
    assert res.metadata["quality_rules"][0]["flags"].keys() == {"unreliable", "low_reliability"}


def test_suppressed_cells_lose_their_korn_graubard_bounds_too() -> None:
    out, _ = apply_rules(NCHS_CELLS, {"nchs": {}, "suppress": {}})
    gone = has_flag(out["flag"], "suppressed").to_numpy()
    assert gone.sum() == 4
    assert out.loc[gone, ["value", "se", "kg_lower", "kg_upper"]].isna().all().all()
    assert out.loc[~gone, "kg_upper"].notna().all()
