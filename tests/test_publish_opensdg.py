"""Open SDG CSV files: names, columns, headline blanks, golden files, non-SDG indicators."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from golden.publish_inputs import migrant_stock, non_sdg, refugees, remittances, small_results

from migindicators.publish import open_sdg_filename, to_open_sdg, write_open_sdg

GOLDEN = Path(__file__).parent / "golden" / "open-sdg"
UPDATE = os.environ.get("MIGINDICATORS_UPDATE_GOLDEN") == "1"


def test_filename() -> None:
    assert open_sdg_filename("10.7.4") == "indicator_10-7-4.csv"
    assert open_sdg_filename("10.c.1") == "indicator_10-c-1.csv"


def test_golden_files(tmp_path: Path) -> None:
    written = write_open_sdg(small_results(), tmp_path)
    assert sorted(p.name for p in written.files.values()) == [
        "indicator_10-7-4.csv",
        "indicator_10-c-1.csv",
        "indicator_17-18-1.csv",
    ]
    assert written.skipped == ["non_sdg_test"]
    for path in written.files.values():
        golden = GOLDEN / path.name
        if UPDATE:
            GOLDEN.mkdir(parents=True, exist_ok=True)
            golden.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
        assert path.read_text(encoding="utf-8") == golden.read_text(encoding="utf-8"), path.name


def test_columns_and_labels() -> None:
    frame = to_open_sdg(migrant_stock())
    assert list(frame.columns) == [
        "Year",
        "Sex",
        "Age",
        "Migratory status",
        "OBS_STATUS",  # the result has flagged cells: status and footnote columns (issue 16)
        "CONF_STATUS",
        "COMMENT_OBS",
        "Units",
        "Series",
        "GeoCode",
        "Value",
    ]
    assert set(frame["Sex"]) == {"Female", "Male"}
    assert set(frame["Age"]) == {"0-14", "15-64", "65+"}
    assert set(frame["Migratory status"]) == {"Migrants", "Non-migrants"}
    assert set(frame["Units"]) == {"Percentage (%)"}


def test_totals_are_blank_headline_and_nan_is_blank() -> None:
    res = refugees()
    res.data.loc[0, "sex"] = "_T"
    frame = to_open_sdg(res)
    assert "" in set(frame["Sex"])
    syr = frame[(frame["GeoCode"] == "SYR") & (frame["Sex"] == "Female")]
    assert syr["Value"].tolist() == [""]
    back = pd.read_csv(pd.io.common.StringIO(frame.to_csv(index=False)), dtype=str)
    assert back.columns[0] == "Year" and back.columns[-1] == "Value"


def test_write_open_sdg_file_of_one_result(tmp_path: Path) -> None:
    from migindicators.publish.opensdg import write_open_sdg_file

    assert write_open_sdg_file(refugees(), tmp_path).name == "indicator_10-7-4.csv"
    assert write_open_sdg_file(refugees(), tmp_path / "x.csv") == tmp_path / "x.csv"
    assert write_open_sdg_file(non_sdg(), tmp_path) is None


def test_quarters_give_a_year_and_a_quarter_column() -> None:
    out = to_open_sdg(remittances())
    assert set(out["Year"]) == {"2024"}
    assert sorted(set(out["Quarter"])) == ["Q1", "Q2"]
    assert list(out.columns[:2]) == ["Year", "Quarter"]
    dashed = remittances()
    dashed.data = dashed.data.assign(time_period=["2024-Q1", "2024-Q2", "2023-Q4", "2024-Q2"])
    out = to_open_sdg(dashed)
    assert sorted(zip(out["Year"], out["Quarter"], strict=True))[0] == ("2023", "Q4")
    # annual results have no Quarter column; in a shared file their Quarter is blank
    assert "Quarter" not in to_open_sdg(refugees()).columns


def test_months_of_earnings_published_as_months() -> None:
    # SDG 10.7.1 goes out in months of earnings (SL_EMP_RCOST_MO, MO_EARN), not x 100 as PT
    res = refugees()
    res.metadata["unit"] = "month_of_earnings"
    out = to_open_sdg(res)
    assert set(out["Units"]) == {"Months of earnings"}
    world_f = out[(out["GeoCode"] == "001") & (out["Sex"] == "Female")]
    assert list(world_f["Value"]) == ["1234.5"]


def test_flags_become_status_and_footnote_columns() -> None:
    result = migrant_stock()
    flags = list(result.data["flag"])
    flags[0] = "low_reliability"
    flags[1] = "confidential_frequency"
    result.data["flag"] = flags
    result.data.loc[1, "value"] = np.nan
    frame = to_open_sdg(result)
    low = frame[frame["COMMENT_OBS"].str.contains("Statistics Canada E")]
    assert low["OBS_STATUS"].tolist() == ["U"] and low["CONF_STATUS"].tolist() == ["F"]
    secret = frame[frame["CONF_STATUS"] == "A"]
    assert len(secret) == 1
    assert secret["OBS_STATUS"].iloc[0] == "O" and secret["Value"].iloc[0] == ""
    assert "too few contributors" in secret["COMMENT_OBS"].iloc[0]
    plain = to_open_sdg(replace(result, data=result.data.assign(flag="")))
    assert "OBS_STATUS" not in plain.columns  # no flag, no attribute columns
