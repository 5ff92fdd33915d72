"""Charts: chosen from a result's columns, returned as SVG data URIs; optional matplotlib."""

from __future__ import annotations

import base64
import sys

import numpy as np
import pandas as pd
import pytest
from golden.publish_inputs import flows, migrant_stock, refugees, remittances

import migindicators as mi
from migindicators import datasets
from migindicators.publish import charts

pytest.importorskip("matplotlib", reason="the charts extra (matplotlib) is not installed")


def _svg(chart: charts.Chart) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert chart.data_uri.startswith(prefix)
    return base64.b64decode(chart.data_uri[len(prefix) :]).decode("utf-8")


def _with_targets(res: charts.Result, amount: float = 200.0) -> charts.Result:
    res.metadata["targets"] = {"global_average": 3.0, "corridor": 5.0}
    res.data = res.data.assign(amount_usd=amount)
    return res


def test_remittance_chart_has_target_lines_and_trend() -> None:
    found = charts.remittance_costs(_with_targets(remittances()))
    assert [c.title for c in found] == [
        "Remittance cost by corridor (2024Q2)",
        "Average remittance cost by period",
    ]
    text = _svg(found[0])
    assert "<svg" in text and "3 % target" in text and "5 % corridor ceiling" in text
    assert "USA → MEX" in text
    assert "sending 200 USD" in text


def test_remittance_lines_and_amount_come_from_the_result() -> None:
    res = _with_targets(remittances(), amount=500.0)
    res.metadata["targets"] = {"global_average": 2.5, "corridor": 4.0}
    text = _svg(charts.remittance_costs(res)[0])
    assert "sending 500 USD" in text and "200 USD" not in text
    assert "2.5 % target" in text and "4 % corridor ceiling" in text
    assert "3 % target" not in text
    # without targets in the metadata, no line is drawn rather than a made-up one
    bare = remittances()
    text = _svg(charts.remittance_costs(bare)[0])
    assert "target" not in text and "ceiling" not in text


def _demo_prices() -> pd.DataFrame:
    prices = datasets.load("rpw_demo")["prices"]
    assert isinstance(prices, pd.DataFrame)
    return prices


def test_remittance_chart_only_for_cost_averages() -> None:
    prices = _demo_prices()
    average = mi.compute("remittance_cost_average", prices=prices, level="corridor")
    assert len(charts.remittance_costs(average)) == 2
    smart = mi.compute("remittance_cost_smart", prices=prices, level="corridor")
    assert len(charts.remittance_costs(smart)) == 2
    above = mi.compute("remittance_corridors_above_target", prices=prices)
    assert charts.remittance_costs(above) == []
    change = mi.compute("remittance_cost_change", result=average, lag="quarter")
    assert charts.remittance_costs(change) == []
    # those get the generic charts instead, without the cost lines
    for res in (above, change):
        for chart in charts.charts_for(res):
            assert "corridor ceiling" not in _svg(chart)


def test_trend_is_the_average_per_service() -> None:
    prices = _demo_prices()
    corridor = mi.compute("remittance_cost_average", prices=prices, level="corridor")
    world = mi.compute("remittance_cost_average", prices=prices, level="world")
    expected = world.data.set_index(world.data["time_period"].astype("string"))["value"]
    for res in (corridor, world):
        trend = charts.cost_trend(res)
        assert len(trend) == len(expected)
        np.testing.assert_allclose(trend.to_numpy(), expected.loc[trend.index].to_numpy())
    # not the unweighted mean of the corridor cells (the demo corridors differ in size)
    cells = corridor.data.groupby(corridor.data["time_period"].astype("string"))["value"].mean()
    assert not np.allclose(cells.loc[expected.index].to_numpy(), expected.to_numpy())
    # by a breakdown: the world rows of every firm type combine into one average per period
    by_type = mi.compute("remittance_cost_average", prices=prices, level="world", by="firm_type")
    np.testing.assert_allclose(
        charts.cost_trend(by_type).loc[expected.index].to_numpy(), expected.to_numpy()
    )
    # SmaRT: the world SmaRT is the mean over corridors, the trend of corridor rows too
    smart = mi.compute("remittance_cost_smart", prices=prices, level="corridor")
    smart_world = mi.compute("remittance_cost_smart", prices=prices, level="world")
    np.testing.assert_allclose(
        charts.cost_trend(smart).to_numpy(), smart_world.data["value"].to_numpy()
    )


def test_pyramid_for_migratory_status_by_sex_and_age() -> None:
    found = charts.population_pyramid(migrant_stock())
    assert len(found) == 1
    text = _svg(found[0])
    assert "Migrants" in text and "Non-migrants" in text and "65+" in text


def test_flow_heatmap() -> None:
    found = charts.flow_heatmap(flows())
    assert len(found) == 1 and "Flows" in found[0].title
    assert "<svg" in _svg(found[0])


def test_overview_where_no_specific_chart_fits() -> None:
    found = charts.charts_for(refugees())
    assert [c.title for c in found] == ["refugees_test by reference area (2024)"]
    assert "SYR" in _svg(found[0])
    # corridors are also an origin x destination matrix: bars, trend and heat map
    assert len(charts.charts_for(remittances())) == 3


def test_trend_when_there_is_no_area() -> None:
    res = flows()
    res.data = res.data[["time_period", "value", "unit", "flag"]].assign(
        time_period=[2015, 2016, 2017, 2018, 2019, 2020]
    )
    found = charts.overview(res)
    assert [c.title for c in found] == ["flows_test by time_period"]


def test_pyramid_from_migrant_and_non_migrant_counts() -> None:
    res = migrant_stock()
    wide = res.data[res.data["migratory_status"] == "MS_MIGRANT"].drop(columns="migratory_status")
    wide = wide.assign(migrants=wide["value"], non_migrants=wide["value"] * 10)
    res.data = wide.reset_index(drop=True)
    assert len(charts.population_pyramid(res)) == 1


def test_input_flow_matrix() -> None:
    frame = flows().data.rename(columns={"value": "flow"})
    assert len(charts.input_flow_heatmap(frame, "Input")) == 1
    distances = frame.rename(columns={"flow": "distance"})
    assert charts.input_flow_heatmap(distances, "Input") == []


def test_same_data_same_svg() -> None:
    first = charts.flow_heatmap(flows())[0].data_uri
    assert charts.flow_heatmap(flows())[0].data_uri == first


def test_without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert not charts.charts_available()
    assert charts.charts_for(remittances()) == []


def test_heatmap_blanks_the_diagonal_and_uses_a_log_scale_for_skewed_flows() -> None:
    from migindicators.publish.charts import heatmap_values

    codes = ["A", "B", "C"]
    skewed = pd.DataFrame([[1, 900_000, 0], [7, 1_000, 3], [2, 4, 6]], index=codes, columns=codes)
    values, log_scale = heatmap_values(skewed)
    assert log_scale
    assert np.isnan(np.diag(values)).all()  # the diagonal is not migration between areas
    assert np.isnan(values[0, 2])  # zero flows are blank on a log scale
    assert values[1, 0] == 7
    even = pd.DataFrame([[0, 5, 6], [7, 0, 3], [2, 4, 0]], index=codes, columns=codes)
    values, log_scale = heatmap_values(even)
    assert not log_scale
    assert np.isnan(np.diag(values)).all()
    assert values[0, 1] == 5


def test_no_chart_averages_cells() -> None:
    # quartiles of two routes in the same area, routes not held at a total: one bar per
    # (area, quartile) would average the two routes' quartiles
    data = pd.DataFrame(
        {
            "ref_area": ["KEN"] * 6,
            "statistic": ["P25", "P50", "P75"] * 2,
            "route": ["a"] * 3 + ["b"] * 3,
            "value": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
            "unit": "USD",
            "se": np.nan,
            "ci_lower": np.nan,
            "ci_upper": np.nan,
            "n": 5,
            "flag": "",
        }
    )
    res = charts.Result(data=data, metadata={"indicator": "smuggling_fees", "unit": "USD"})
    assert charts.overview(res) == []


def test_one_area_draws_every_breakdown_value_with_names() -> None:
    origins = ["BDI", "ERI", "ETH", "RWA", "SOM", "SSD", "USA", "XXX"]
    data = pd.DataFrame(
        {
            "ref_area": "KEN",
            "time_period": 2019,
            "origin": origins,
            "value": np.arange(1.0, 9.0),
            "unit": "person",
            "se": np.nan,
            "ci_lower": np.nan,
            "ci_upper": np.nan,
            "n": 5,
            "flag": "",
        }
    )
    res = charts.Result(
        data=data, metadata={"indicator": "migrant_stock_by_origin", "unit": "person"}
    )
    (chart,) = charts.overview(res)
    svg = _svg(chart)
    for name in ("Burundi (BDI)", "United States of America (USA)", "XXX"):
        assert name in svg
    assert "Kenya (KEN)" in chart.title
