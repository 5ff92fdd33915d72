"""Census scale (``nox -s tests_slow``): millions of rows streamed from Parquet on threads."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migindicators.stock.indicators import migrant_stock, migrant_stock_by_origin

pytestmark = pytest.mark.slow

ORIGINS = ["KEN", "UGA", "SOM", "ETH", "SSD", "IND", "XXX"]


def census(rows: int, seed: int) -> pd.DataFrame:
    """Households of 1-7 persons, 6 % foreign-born by household, 1 % unknown birthplace."""
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 8, rows)
    hh = np.repeat(np.arange(rows), size)[:rows]
    households = int(hh[-1]) + 1
    migrant = (rng.random(households) < 0.06)[hh]
    birth = np.where(migrant, rng.integers(1, len(ORIGINS), households)[hh], 0)
    birth[rng.random(rows) < 0.01] = -1
    return pd.DataFrame(
        {
            "ref_area": pd.Categorical.from_codes(np.zeros(rows, np.int8), categories=["KEN"]),
            "time_period": np.full(rows, 2019, dtype=np.int16),
            "household": hh,
            "strata": rng.integers(0, 300, households)[hh],
            "weight": rng.uniform(5.0, 15.0, households)[hh],
            "sex": pd.Categorical.from_codes(rng.integers(0, 2, rows), categories=["F", "M"]),
            "age": np.minimum(rng.gamma(2.0, 14.0, rows), 99).round().astype("float32"),
            "country_of_birth": pd.Categorical.from_codes(birth, categories=ORIGINS),
        }
    )


def test_four_million_rows_streamed_on_threads_equal_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = census(4_000_000, seed=7)
    path = tmp_path / "census.parquet"
    frame.to_parquet(path, row_group_size=300_000)
    expected = migrant_stock_by_origin(frame, by=["sex", "age_group"], variance="none")
    for threads in ("1", "2"):
        monkeypatch.setenv("MIGINDICATORS_THREADS", threads)
        got = migrant_stock_by_origin(
            path, by=["sex", "age_group"], variance="none", chunk_rows=1_000_000
        )
        pd.testing.assert_frame_equal(
            expected.data.reset_index(drop=True),
            got.data.reset_index(drop=True),
            check_dtype=False,
            rtol=1e-10,
        )
        assert got.rows_accounted()
    assert expected.data["value"].sum() > 0


def test_taylor_se_of_a_million_rows_split_across_row_groups(tmp_path: Path) -> None:
    frame = census(1_000_000, seed=8)
    path = tmp_path / "census.parquet"
    frame.to_parquet(path, row_group_size=99_991)  # boundaries inside households
    whole = migrant_stock(frame, by=["sex"], variance="taylor").data
    streamed = migrant_stock(path, by=["sex"], variance="taylor", chunk_rows=99_991).data
    np.testing.assert_allclose(streamed["value"], whole["value"], rtol=1e-10)
    np.testing.assert_allclose(streamed["se"], whole["se"], rtol=1e-9)
    assert (whole["se"] > 0).all()
