"""Charts: chosen from a result's columns, returned as SVG data URIs; optional matplotlib."""

from __future__ import annotations

import base64
import sys

import pytest
from golden.publish_inputs import flows, migrant_stock, refugees, remittances

from migindicators.publish import charts

pytest.importorskip("matplotlib", reason="the charts extra (matplotlib) is not installed")


def _svg(chart: charts.Chart) -> str:
    prefix = "data:image/svg+xml;base64,"
    assert chart.data_uri.startswith(prefix)
    return base64.b64decode(chart.data_uri[len(prefix) :]).decode("utf-8")


def test_remittance_chart_has_target_lines_and_trend() -> None:
    found = charts.remittance_costs(remittances())
    assert [c.title for c in found] == [
        "Remittance cost by corridor (2024Q2)",
        "Average remittance cost by period",
    ]
    text = _svg(found[0])
    assert "<svg" in text and "3 % target" in text and "5 % corridor ceiling" in text
    assert "USA → MEX" in text


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
