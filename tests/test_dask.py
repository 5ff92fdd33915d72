"""Dask: partitions are tabulated where they lie and summed; same tables as in memory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from migindicators.datasets import load
from migindicators.stock.indicators import (
    migrant_median_age,
    migrant_stock,
    migrant_stock_by_origin,
)

dd = pytest.importorskip(
    "dask.dataframe", reason="dask is an optional extra (pip install 'migindicators[dask]')"
)
distributed = pytest.importorskip("distributed", reason="distributed is part of the dask extra")


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


@pytest.fixture(scope="module")
def census() -> pd.DataFrame:
    data = load("census_demo", households=1200)
    assert isinstance(data, dict)
    return data["census"]


def by_household(frame: pd.DataFrame, parts: int) -> list[int]:
    """Partition boundaries that never split a household."""
    hh = frame["household"].to_numpy()
    cuts = np.linspace(0, len(frame), parts + 1).astype(int)[1:-1]
    return [int(np.searchsorted(hh, hh[c])) for c in cuts]


def test_dask_equals_in_memory_on_a_local_cluster(client, census: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    assert len(client.scheduler_info()["workers"]) == 2
    ddf = dd.from_pandas(census, npartitions=4, sort=False)
    for func, kwargs in (
        (migrant_stock, {"by": ["sex", "age_group"]}),
        (migrant_stock_by_origin, {"by": ["sex"], "variance": "none"}),
        (migrant_median_age, {"by": ["sex"]}),
    ):
        expected = func(census, **kwargs)
        got = func(ddf, **kwargs)
        pd.testing.assert_frame_equal(expected.data, got.data, check_dtype=False, rtol=1e-9)
        pd.testing.assert_frame_equal(expected.exclusions, got.exclusions)
        assert got.rows_accounted()


def test_households_split_across_partitions_keep_their_cluster(
    client, census: pd.DataFrame
) -> None:  # type: ignore[no-untyped-def]
    frame = census.iloc[:3000]
    ddf = dd.from_pandas(frame, npartitions=7, sort=False)  # boundaries inside households
    expected = migrant_stock(frame, variance="taylor").data
    got = migrant_stock(ddf, variance="taylor").data
    pd.testing.assert_frame_equal(expected, got, check_dtype=False, rtol=1e-9)
