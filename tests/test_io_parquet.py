"""Parquet pieces (row groups, constant columns from statistics) and work spread over threads."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from migindicators.io.tabular import (
    batch_frame,
    iter_parquet,
    open_parquet,
    parquet_batches,
    parquet_pieces,
    read_piece,
)
from migindicators.io.threads import default_threads, run_on_threads

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

CATEGORICAL = ["ref_area", "sex", "country_of_birth"]


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 1000
    birth = rng.choice(["KEN", "UGA", "SOM"], n).astype(object)
    birth[rng.random(n) < 0.1] = None
    return pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": np.int16(2019),
            "sex": rng.choice(["F", "M"], n),
            "age": rng.integers(0, 99, n).astype("float32"),
            "weight": rng.uniform(1, 2, n),
            "household": np.repeat(np.arange(250), 4),
            "country_of_birth": birth,
            "score": np.where(rng.random(n) < 0.2, np.nan, 1.5),
            "count": pd.array(np.where(rng.random(n) < 0.2, None, 3), dtype="Int64"),
        }
    )


def test_constant_columns_come_from_statistics(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    frame.to_parquet(path, row_group_size=400)
    pieces = parquet_pieces(path, chunk_rows=400, categorical=CATEGORICAL)
    assert [p.num_rows for p in pieces] == [400, 400, 200]
    assert [p.first_row for p in pieces] == [0, 400, 800]
    # Integers and text with one value and no nulls; never floats, never a column with nulls.
    assert dict(pieces[0].constants) == {"ref_area": "KEN", "time_period": 2019}


def test_pieces_read_back_the_file_exactly(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    frame.iloc[:600].assign(ref_area="UGA").pipe(
        lambda f: pd.concat([f, frame.iloc[600:]], ignore_index=True)
    ).to_parquet(path, row_group_size=300)
    expected = pd.read_parquet(path)
    for chunk_rows in (100, 300, 5000):  # row groups split, one per chunk, small ones joined
        got = pd.concat(
            iter_parquet(path, chunk_rows=chunk_rows, categorical=CATEGORICAL), ignore_index=False
        )
        assert got.index.equals(pd.RangeIndex(len(expected)))
        for col in expected.columns:
            left = got[col].astype(object) if col in CATEGORICAL else got[col]
            pd.testing.assert_series_equal(
                left, expected[col].astype(left.dtype), check_names=False, check_dtype=False
            )
        assert isinstance(got["country_of_birth"].dtype, pd.CategoricalDtype)
        assert got["country_of_birth"].isna().sum() == expected["country_of_birth"].isna().sum()


def test_small_row_groups_share_a_piece_and_large_ones_are_split(
    frame: pd.DataFrame, tmp_path: Path
) -> None:
    small = tmp_path / "small.parquet"
    frame.to_parquet(small, row_group_size=50)
    pieces = parquet_pieces(small, chunk_rows=400)
    assert [p.num_rows for p in pieces] == [400, 400, 200]
    assert pieces[0].row_groups == tuple(range(8))
    batches = list(read_piece(pieces[0], chunk_rows=400, categorical=CATEGORICAL))
    assert [b.num_rows for b in batches] == [400]
    large = tmp_path / "large.parquet"
    frame.to_parquet(large, row_group_size=1000)
    (piece,) = parquet_pieces(large, chunk_rows=300)
    assert [b.num_rows for b in read_piece(piece, chunk_rows=300)] == [300, 300, 300, 100]


def test_directory_of_files_numbers_rows_across_files(frame: pd.DataFrame, tmp_path: Path) -> None:
    folder = tmp_path / "extract"
    folder.mkdir()
    frame.iloc[:700].to_parquet(folder / "part-0.parquet", row_group_size=500)
    frame.iloc[700:].to_parquet(folder / "part-1.parquet", row_group_size=500)
    pieces = parquet_pieces(folder, chunk_rows=500)
    assert [(Path(p.path).name, p.first_row, p.num_rows) for p in pieces] == [
        ("part-0.parquet", 0, 500),
        ("part-0.parquet", 500, 200),
        ("part-1.parquet", 700, 300),
    ]
    weights = np.concatenate(
        [b.column("weight").to_numpy() for b in parquet_batches(folder, columns=["weight"])]
    )
    np.testing.assert_array_equal(weights, frame["weight"].to_numpy())


def test_only_constant_columns_wanted(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    frame.to_parquet(path, row_group_size=400)
    got = pd.concat(
        iter_parquet(
            path, columns=["ref_area", "time_period"], chunk_rows=300, categorical=CATEGORICAL
        )
    )
    assert len(got) == len(frame)
    assert set(got["ref_area"]) == {"KEN"} and set(got["time_period"]) == {2019}
    assert got["time_period"].dtype == np.int16


def test_zero_copy_frames_are_read_only_views(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "c.parquet"
    frame.to_parquet(path, row_group_size=1000)
    (piece,) = parquet_pieces(path, columns=["weight", "score"])
    (batch,) = read_piece(piece, columns=["weight", "score"], file=open_parquet(str(path)))
    shared = batch_frame(batch, (), 0, zero_copy=True)
    assert not shared["weight"].to_numpy().flags.writeable
    own = batch_frame(batch, (), 0)  # the public readers give writable copies
    own.loc[0, "weight"] = -1.0
    assert np.isnan(shared["score"]).sum() == frame["score"].isna().sum()


# --- threads -----------------------------------------------------------------------------


def test_run_on_threads_assigns_items_in_rotation_and_reports_counts() -> None:
    seen: dict[int, list[int]] = {0: [], 1: [], 2: []}
    lock = threading.Lock()

    def work(k: int, item: int) -> Iterator[int]:
        with lock:
            seen[k].append(item)
        yield item
        yield 1

    counts = list(run_on_threads(list(range(10)), work, threads=3))
    assert sorted(counts) == sorted([*range(10), *[1] * 10])
    assert seen == {0: [0, 3, 6, 9], 1: [1, 4, 7], 2: [2, 5, 8]}


def test_run_on_threads_reraises_the_first_error_and_stops_the_others() -> None:
    done: list[int] = []

    def work(k: int, item: int) -> Iterator[int]:
        if item == 3:
            raise ValueError("bad piece 3")
        done.append(item)
        yield 1

    with pytest.raises(ValueError, match="bad piece 3"):
        for _ in run_on_threads(list(range(1000)), work, threads=2):
            pass
    assert len(done) < 1000  # the other worker stopped early


def test_run_on_threads_closed_early_joins_its_threads() -> None:
    def work(k: int, item: int) -> Iterator[int]:
        yield item

    gen = run_on_threads(list(range(10_000)), work, threads=2)
    assert next(gen) in range(10_000)
    gen.close()
    assert not [t for t in threading.enumerate() if t.name.startswith("migindicators-")]


def test_default_threads_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIGINDICATORS_THREADS", "3")
    assert default_threads() == 3
    for bad in ("0", "two"):
        monkeypatch.setenv("MIGINDICATORS_THREADS", bad)
        with pytest.raises(ValueError, match="MIGINDICATORS_THREADS"):
            default_threads()
    monkeypatch.delenv("MIGINDICATORS_THREADS")
    assert 1 <= default_threads() <= 8
