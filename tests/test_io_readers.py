"""Chunked readers (Parquet, CSV, Stata), the IPUMS-International mapping, and progress bars."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migindicators.io.mapping import (
    FOREIGN_UNSPECIFIED,
    IPUMS_INTERNATIONAL,
    VariableMapping,
    codes,
    ipums_international,
)
from migindicators.io.progress import progress, progress_enabled
from migindicators.io.tabular import available_columns, file_format, iter_chunks


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": 2019,
            "sex": rng.choice(["F", "M"], 1000),
            "weight": rng.uniform(1, 2, 1000),
            "unused": np.arange(1000),
        }
    )


def test_parquet_and_csv_chunks_read_needed_columns(frame: pd.DataFrame, tmp_path: Path) -> None:
    pq = tmp_path / "c.parquet"
    frame.to_parquet(pq, row_group_size=300)
    csv = tmp_path / "c.csv.gz"
    frame.to_csv(csv, index=False)
    for path in (pq, csv):
        chunks = list(
            iter_chunks(path, columns=["sex", "weight"], chunk_rows=256, categorical=["sex"])
        )
        got = pd.concat(chunks)
        assert list(got.columns) == ["sex", "weight"]
        assert len(got) == 1000
        assert got.index.is_unique
        np.testing.assert_allclose(got["weight"], frame["weight"])
        assert (got["sex"].astype(str).to_numpy() == frame["sex"].to_numpy()).all()
    assert max(len(c) for c in iter_chunks(pq, chunk_rows=256)) <= 256
    assert isinstance(next(iter_chunks(pq, categorical=["sex"]))["sex"].dtype, pd.CategoricalDtype)
    assert "unused" in available_columns(pq)
    assert file_format("x.dat.gz") == "fixed_width"
    with pytest.raises(ValueError, match="unknown file type"):
        file_format("x.xlsx")


def test_stata_chunks(frame: pd.DataFrame, tmp_path: Path) -> None:
    pytest.importorskip("pyreadstat")
    path = tmp_path / "c.dta"
    frame.to_stata(path, write_index=False)
    chunks = list(iter_chunks(path, columns=["sex", "weight"], chunk_rows=300))
    assert [len(c) for c in chunks] == [300, 300, 300, 100]
    assert list(chunks[0].columns) == ["sex", "weight"]
    import pyreadstat

    sav = tmp_path / "c.sav"
    pyreadstat.write_sav(frame.drop(columns="unused"), str(sav))
    spss = pd.concat(iter_chunks(sav, columns=["weight"], chunk_rows=400))
    assert len(spss) == 1000
    np.testing.assert_allclose(spss["weight"], frame["weight"])


def test_ipums_international_mapping() -> None:
    raw = pd.DataFrame(
        {
            "COUNTRY": [404, 404, 404, 404, 404, 999],
            "YEAR": 2019,
            "SERIAL": [1, 1, 2, 3, 3, 4],
            "PERWT": [10.0, 10.0, 9.5, 11.0, 11.0, 1.0],
            "SEX": [1, 2, 9, 2, 1, 1],
            "AGE": [30, 999, 4, 61, 20, 1],
            "BPLCNTRY": [11060, 11140, 99999, 11999, 12345, 11060],
            "CITIZEN": [2, 4, 8, 4, 3, 2],
            "YRIMM": [0, 2015, 0, 9999, 0, 0],
        }
    )
    out = IPUMS_INTERNATIONAL.apply(raw)
    assert out["ref_area"].tolist()[:5] == ["KEN"] * 5
    assert out["ref_area"].iloc[5] == "999"  # unknown M49 code kept for the exclusion report
    assert out["sex"].tolist()[:2] == ["M", "F"]
    assert pd.isna(out["sex"].iloc[2])
    assert pd.isna(out["age"].iloc[1])
    cob = out["country_of_birth"]
    assert cob.iloc[[0, 1, 3]].tolist() == ["KEN", "SOM", FOREIGN_UNSPECIFIED]
    assert pd.isna(cob.iloc[2])
    assert pd.isna(out["country_of_birth"].iloc[4])  # not in the table: unknown
    assert out["citizenship"].tolist()[:2] == ["KEN", FOREIGN_UNSPECIFIED]
    assert pd.isna(out["citizenship"].iloc[2])
    assert out["year_of_arrival"].iloc[1] == 2015
    assert out["year_of_arrival"].isna().sum() == 5
    assert "weight" in out and "household" in out
    extended = ipums_international({12345: "UGA"}).apply(raw)
    assert extended["country_of_birth"].iloc[4] == "UGA"
    assert IPUMS_INTERNATIONAL.source_for(["sex", "weight"]) == ["PERWT", "SEX", "NATIVITY"]


def test_nativity_fills_natives_and_unspecified_foreign() -> None:
    raw = pd.DataFrame(
        {"COUNTRY": 404, "YEAR": 2019, "BPLCNTRY": [77777, 77777], "NATIVITY": [1, 2]}
    )
    out = IPUMS_INTERNATIONAL.apply(raw)
    assert out["country_of_birth"].tolist() == ["KEN", FOREIGN_UNSPECIFIED]
    assert "_nativity" not in out


def test_national_mapping() -> None:
    national = VariableMapping(
        name="national",
        columns={"SEXO": "sex", "PAIS": "country_of_birth", "W": "weight"},
        recode={"sex": codes({1: "M", 2: "F"})},
        constants={"ref_area": "BOL", "time_period": 2022},
    )
    out = national.apply(pd.DataFrame({"SEXO": [1, 2], "PAIS": ["BOL", "PER"], "W": [1.0, 2]}))
    assert out.to_dict("list") == {
        "sex": ["M", "F"],
        "country_of_birth": ["BOL", "PER"],
        "weight": [1.0, 2.0],
        "ref_area": ["BOL", "BOL"],
        "time_period": [2022, 2022],
    }


def test_progress_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    items = [pd.DataFrame({"a": [1, 2]}), pd.DataFrame({"a": [3]})]
    assert list(progress(items, enabled=False)) == items
    monkeypatch.setenv("MIGINDICATORS_PROGRESS", "0")
    assert not progress_enabled(True)
    monkeypatch.delenv("MIGINDICATORS_PROGRESS")
    assert len(list(progress(items, enabled=True, total_rows=3))) == 2


def test_prefetch_keeps_order_raises_and_stops() -> None:
    from migindicators.io.tabular import prefetch

    assert list(prefetch(iter(range(10)))) == list(range(10))

    def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("bad record 7")

    gen = prefetch(failing())
    assert next(gen) == 1
    with pytest.raises(ValueError, match="bad record 7"):
        next(gen)
    endless = prefetch(iter(range(10**9)))
    assert next(endless) == 0
    endless.close()  # the reader thread stops instead of reading on


def test_iter_census_yields_validated_standard_chunks(tmp_path: Path) -> None:
    from migindicators.core.errors import InputValidationError
    from migindicators.io.tabular import iter_census

    raw = pd.DataFrame(
        {
            "COUNTRY": 404,
            "YEAR": 2019,
            "SERIAL": [1, 1, 2],
            "PERWT": [10.0, 10.0, 9.0],
            "SEX": [1, 2, 2],
            "AGE": [30, 31, 2],
            "BPLCNTRY": [11060, 11140, 11060],
        }
    )
    path = tmp_path / "ipums.csv"
    raw.to_csv(path, index=False)
    chunks = list(iter_census(path, mapping="ipums_international", chunk_rows=2))
    got = pd.concat(chunks)
    assert list(got["country_of_birth"]) == ["KEN", "SOM", "KEN"]
    assert {"ref_area", "time_period", "weight", "household"} <= set(got.columns)
    raw.assign(PERWT=[10.0, -1.0, 9.0]).to_csv(path, index=False)
    with pytest.raises(InputValidationError, match="weight"):
        list(iter_census(path, mapping="ipums_international"))
