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


def test_two_million_shuffled_rows_spilled_to_disk_equal_direct_computation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows in random order, records spilled to the partition files (a 4 MiB budget):
    the SEs equal a direct pandas computation of the household-cluster variance."""
    frame = census(2_000_000, seed=9)
    shuffled = frame.iloc[np.random.default_rng(2).permutation(len(frame))]
    path = tmp_path / "shuffled.parquet"
    shuffled.to_parquet(path, row_group_size=250_000)
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setenv("MIGINDICATORS_SPILL_MB", "4")
    monkeypatch.setenv("MIGINDICATORS_TMPDIR", str(spill))
    monkeypatch.setenv("MIGINDICATORS_THREADS", "2")
    got = migrant_stock(path, by=["sex"], variance="taylor", chunk_rows=250_000).data
    assert list(spill.iterdir()) == []
    # Direct: household totals of migrants' weights per sex; every household of a stratum
    # counts (z = 0 where it has no migrant of that sex).
    analysed = frame.loc[frame["country_of_birth"].notna()]  # unknown birthplace: status _U
    y = np.where(analysed["country_of_birth"].astype(str) != "KEN", analysed["weight"], 0.0)
    n_h = frame.groupby("strata")["household"].nunique()
    for sex in ("F", "M"):
        mine = analysed.assign(y=np.where(analysed["sex"] == sex, y, 0.0))
        z = mine.groupby(["strata", "household"])["y"].sum()
        sums = z.groupby(level="strata").agg(["sum", lambda s: (s * s).sum()])
        sums.columns = ["s1", "s2"]
        nh = n_h.loc[sums.index]
        var = (nh / (nh - 1) * (sums["s2"] - sums["s1"] ** 2 / nh)).where(nh > 1, 0.0).sum()
        se = got.set_index("sex").loc[sex, "se"]
        np.testing.assert_allclose(se, np.sqrt(var), rtol=1e-9)
    pd.testing.assert_frame_equal(
        got, migrant_stock(frame, by=["sex"], variance="taylor").data, check_dtype=False
    )
