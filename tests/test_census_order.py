"""Any row order, any chunking, any engine: the same estimates and standard errors.

The Taylor SE with households as PSUs needs each household's total. These tests shuffle the
rows (no household order at all), cut every household across chunks, vary Parquet row
groups and thread counts, force the PSU records to disk, and go through CSV, IPUMS
fixed-width and Dask; every path must give what the frame gives in memory. The oracle for
the frame itself is a direct pandas computation of the with-replacement Taylor variance
(household totals, then per stratum n_h/(n_h-1) Σ (z - z̄)²), written here independently.
"""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_io_ddi import make_ddi, write_fixed_width  # tests/ is on sys.path (rootdir-less)

from migindicators.datasets import load
from migindicators.engine.census.psu import PsuStore, Registry, count_distinct
from migindicators.io.ddi import read_ddi
from migindicators.stock.indicators import (
    migrant_female_share,
    migrant_share_of_population,
    migrant_stock,
    migrant_stock_by_origin,
    recent_migrants,
)

BY = ["sex", "age_group"]


@pytest.fixture(scope="module")
def demo() -> dict[str, pd.DataFrame]:
    data = load("census_demo", households=600)
    assert isinstance(data, dict)
    return data


def clustered(households: int = 300, seed: int = 11) -> pd.DataFrame:
    """Households of 1-6 persons, migrants by household, 5 strata: clusters that matter."""
    rng = np.random.default_rng(seed)
    size = rng.integers(1, 7, households)
    hh = np.repeat(np.arange(households), size)
    n = len(hh)
    migrant = rng.random(households) < 0.3
    origin = rng.choice(["UGA", "SOM", "IND"], households)
    birth = np.where(migrant[hh], origin[hh], "KEN").astype(object)
    birth[rng.random(n) < 0.02] = None  # unknown place of birth
    return pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": 2019,
            "household": hh * 7 + 1000,
            "strata": (np.arange(households) % 5)[hh],
            "weight": rng.uniform(1.0, 3.0, households)[hh],
            "sex": rng.choice(["F", "M"], n),
            "age": rng.integers(0, 90, n).astype(float),
            "country_of_birth": birth,
            "year_of_arrival": np.where(migrant[hh], rng.integers(2005, 2020, n), np.nan),
        }
    )


def shuffled(frame: pd.DataFrame, seed: int = 3) -> pd.DataFrame:
    order = np.random.default_rng(seed).permutation(len(frame))
    return frame.iloc[order].reset_index(drop=True)


def chunks(frame: pd.DataFrame, size: int) -> list[pd.DataFrame]:
    return [frame.iloc[i : i + size] for i in range(0, len(frame), size)]


def assert_same(a: pd.DataFrame, b: pd.DataFrame, rtol: float = 1e-10) -> None:
    pd.testing.assert_frame_equal(
        a.reset_index(drop=True), b.reset_index(drop=True), check_dtype=False, rtol=rtol
    )


def taylor_se_by_hand(frame: pd.DataFrame, cell: list[str]) -> pd.Series:
    """SE of the weighted migrant count per *cell*: households as PSUs within strata."""
    frame = frame.assign(
        y=np.where(
            frame["country_of_birth"].notna() & (frame["country_of_birth"] != "KEN"),
            frame["weight"],
            0.0,
        )
    )
    n_h = frame.groupby("strata")["household"].nunique()
    z = frame.groupby([*cell, "strata", "household"])["y"].sum().reset_index()
    # Every PSU of the stratum counts, with z = 0 where the cell has no migrant in it.
    out = {}
    for key, part in z.groupby(cell):
        var = 0.0
        for h, nh in n_h.items():
            zs = part.loc[part["strata"] == h, "y"].to_numpy()
            zs = np.concatenate([zs, np.zeros(nh - len(zs))])
            if nh > 1:
                var += nh / (nh - 1) * ((zs - zs.mean()) ** 2).sum()
        out[key[0] if len(cell) == 1 else key] = np.sqrt(var)
    return pd.Series(out)


def test_taylor_se_equals_a_direct_computation_in_any_order() -> None:
    frame = clustered()
    expected = taylor_se_by_hand(frame, ["sex"])
    for data in (frame, shuffled(frame), iter(chunks(shuffled(frame, 5), 97))):
        got = migrant_stock(data, by=["sex"], variance="taylor").data.set_index("sex")["se"]
        np.testing.assert_allclose(got.loc[expected.index], expected, rtol=1e-10)
    small = clustered(households=30)
    expected = taylor_se_by_hand(small, ["sex"])
    # Three rows of mixed households per chunk: every household of two or more is cut.
    mixed_chunks = iter(chunks(shuffled(small), 3))
    got = migrant_stock(mixed_chunks, by=["sex"], variance="taylor").data.set_index("sex")["se"]
    np.testing.assert_allclose(got.loc[expected.index], expected, rtol=1e-10)
    # The clusters matter: rows as their own PSUs give other SEs (the test can fail).
    rows = migrant_stock(frame.drop(columns="household"), by=["sex"], variance="taylor")
    assert np.abs(rows.data.set_index("sex")["se"] - expected).min() > 1e-3


@pytest.mark.parametrize(
    ("func", "kwargs"),
    [
        (migrant_stock, {"by": BY}),
        (migrant_stock, {"by": ["sex", "migratory_status"]}),
        (migrant_share_of_population, {"by": ["sex"]}),
        (migrant_female_share, {}),
        (migrant_stock_by_origin, {"by": ["sex"]}),
        (recent_migrants, {"by": ["sex"]}),
    ],
)
def test_every_estimator_same_se_shuffled_and_split_in_every_chunk(func, kwargs) -> None:  # type: ignore[no-untyped-def]
    frame = clustered(households=80)
    whole = func(frame, **kwargs)
    assert (whole.data["se"] > 0).any()
    mixed = shuffled(frame)
    assert_same(whole.data, func(mixed, **kwargs).data)
    # Chunks of 5 rows of a frame sorted by household: most chunk edges cut a household.
    assert_same(whole.data, func(iter(chunks(frame, 5)), **kwargs).data)
    assert_same(whole.data, func(iter(chunks(mixed, 37)), **kwargs).data)
    # A shuffled frame larger than chunk_rows goes through the threaded row slices.
    sliced = func(mixed, chunk_rows=50, **kwargs)
    assert_same(whole.data, sliced.data)
    pd.testing.assert_frame_equal(whole.exclusions, sliced.exclusions)


@pytest.mark.parametrize("threads", ["1", "2", "3"])
@pytest.mark.parametrize("row_group", [3, 64, 100_000])
def test_parquet_any_row_group_and_thread_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, threads: str, row_group: int
) -> None:
    monkeypatch.setenv("MIGINDICATORS_THREADS", threads)
    frame = clustered(households=40)
    expected = migrant_stock_by_origin(frame, by=["sex"]).data
    path = tmp_path / "census.parquet"
    shuffled(frame).to_parquet(path, row_group_size=row_group)
    got = migrant_stock_by_origin(path, by=["sex"], chunk_rows=max(row_group, 5)).data
    assert_same(expected, got)


def test_spilled_records_give_the_same_numbers_and_leave_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spill budget of 0 bytes writes every chunk's PSU records to the partition files."""
    frame = clustered()
    expected = migrant_share_of_population(frame, by=BY).data
    spill = tmp_path / "spill"
    spill.mkdir()
    monkeypatch.setenv("MIGINDICATORS_SPILL_MB", "0")
    monkeypatch.setenv("MIGINDICATORS_TMPDIR", str(spill))
    got = migrant_share_of_population(iter(chunks(shuffled(frame), 40)), by=BY).data
    assert_same(expected, got)
    parquet = tmp_path / "c.parquet"
    shuffled(frame).to_parquet(parquet, row_group_size=33)
    assert_same(expected, migrant_share_of_population(parquet, by=BY, chunk_rows=33).data)
    assert list(spill.iterdir()) == []


def test_spill_files_removed_after_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGINDICATORS_SPILL_MB", "0")
    monkeypatch.setenv("MIGINDICATORS_TMPDIR", str(tmp_path))
    frame = clustered()

    def broken() -> object:
        yield frame.iloc[:100]
        raise RuntimeError("reader failed")

    with pytest.raises(RuntimeError, match="reader failed"):
        migrant_stock(broken(), by=["sex"])
    assert list(tmp_path.iterdir()) == []


def test_persons_as_psus_without_household_column_any_order() -> None:
    frame = clustered().drop(columns="household")
    expected = migrant_share_of_population(frame, by=BY).data
    assert_same(
        expected, migrant_share_of_population(iter(chunks(shuffled(frame), 29)), by=BY).data
    )
    assert_same(expected, migrant_share_of_population(shuffled(frame), by=BY, chunk_rows=40).data)


def test_text_household_ids_equal_integer_ids() -> None:
    frame = clustered()
    expected = migrant_stock(frame, by=BY).data
    text = frame.assign(household="hh-" + frame["household"].astype(str))
    assert_same(expected, migrant_stock(shuffled(text), by=BY).data)
    cat = text.assign(household=text["household"].astype("category"))
    assert_same(expected, migrant_stock(iter(chunks(shuffled(cat), 50)), by=BY).data)


def test_csv_and_fixed_width_shuffled_equal_in_memory(
    demo: dict[str, pd.DataFrame], tmp_path: Path
) -> None:
    census = demo["census"]
    order = np.random.default_rng(1).permutation(len(census))
    whole = migrant_stock(census, by=BY)
    csv = tmp_path / "census.csv"
    census.iloc[order].to_csv(csv, index=False)
    assert_same(whole.data, migrant_stock(csv, by=BY, chunk_rows=500).data)
    ipums = demo["ipums"].iloc[order]
    xml = tmp_path / "extract.xml"
    xml.write_text(make_ddi(file_name="extract.dat"))
    with gzip.open(tmp_path / "extract.dat.gz", "wb") as fh:
        fh.write(write_fixed_width(ipums, read_ddi(xml)))
    got = migrant_stock(
        tmp_path / "extract.dat.gz", ddi=xml, mapping="ipums_international", by=BY, chunk_rows=700
    )
    assert_same(whole.data, got.data)
    assert got.rows_accounted()


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**31 - 1),
    size=st.integers(3, 400),
    households=st.integers(2, 60),
    strata=st.integers(1, 4),
)
def test_property_any_order_and_chunking(
    seed: int, size: int, households: int, strata: int
) -> None:
    frame = clustered(households=households, seed=seed % 1000)
    frame["strata"] = frame["strata"] % strata
    expected = migrant_share_of_population(frame, by=["sex"]).data
    mixed = shuffled(frame, seed)
    got = migrant_share_of_population(iter(chunks(mixed, size)), by=["sex"]).data
    assert_same(expected, got, rtol=1e-9)


def test_count_distinct_owner_array_and_hash_paths() -> None:
    rng = np.random.default_rng(0)
    psu = rng.integers(0, 50, 500)
    stratum = psu % 3  # nested: owner-array path
    expected = pd.DataFrame({"s": stratum, "p": psu}).drop_duplicates()["s"].value_counts()
    got = count_distinct(stratum, psu, 3)
    np.testing.assert_array_equal(got, expected.sort_index().to_numpy())
    crossed = rng.integers(0, 3, 500)  # a PSU id in several strata: hashed path
    expected = pd.DataFrame({"s": crossed, "p": psu}).drop_duplicates()["s"].value_counts()
    np.testing.assert_array_equal(count_distinct(crossed, psu, 3), expected.sort_index().to_numpy())
    wide = psu * 10**15 - 7  # a span too wide for an owner array, negative ids
    np.testing.assert_array_equal(
        count_distinct(crossed, wide, 3), expected.sort_index().to_numpy()
    )


def test_registry_and_store_pickle_for_dask_processes() -> None:
    reg = Registry()
    np.testing.assert_array_equal(reg.ids([("a", 1), ("b", 2), ("a", 1)]), [0, 1, 0])
    back = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(back.ids([("b", 2), ("c", 3)]), [1, 2])
    store = PsuStore(ratio=False, budget=2**40)
    pickle.loads(pickle.dumps(store))


dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")


def test_dask_shuffled_partitions_equal_in_memory() -> None:
    frame = clustered()
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster):
        for func, kwargs in (
            (migrant_stock, {"by": BY}),
            (migrant_share_of_population, {"by": ["sex"]}),
            (migrant_stock_by_origin, {"by": ["sex"]}),
        ):
            expected = func(frame, **kwargs)
            ddf = dd.from_pandas(shuffled(frame), npartitions=5, sort=False)
            got = func(ddf, **kwargs)
            assert_same(expected.data, got.data)
            pd.testing.assert_frame_equal(expected.exclusions, got.exclusions)
    cluster.close()


@pytest.mark.slow
def test_dask_worker_processes_ship_their_records_back() -> None:
    """Accumulators pickled across processes (registries renumbered on the client)."""
    frame = clustered()
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    with distributed.Client(cluster):
        expected = migrant_share_of_population(frame, by=BY)
        got = migrant_share_of_population(dd.from_pandas(shuffled(frame), npartitions=4), by=BY)
        assert_same(expected.data, got.data)
    cluster.close()
