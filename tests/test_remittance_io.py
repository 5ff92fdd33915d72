"""RPW readers: the workbook layout round trip, '..', periods, errors; the demo dataset."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

import migindicators as mi
from migindicators.io import read_rpw
from migindicators.io.rpw import rpw_to_standard

DATASETS = Path(__file__).resolve().parents[1] / "datasets"


def demo_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rpw_demo_for_tests", DATASETS / "rpw_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_workbook_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("openpyxl")
    demo = demo_module()
    path = demo.write_workbook(tmp_path / "rpw.xlsx", seed=3)
    from_file = read_rpw(path)
    direct = rpw_to_standard(demo.rpw_layout(3))
    assert len(from_file) == 2 * len(demo.rpw_layout(3))
    a = mi.compute("remittance_cost_average", prices=from_file, level="corridor")
    b = mi.compute("remittance_cost_average", prices=direct, level="corridor")
    np.testing.assert_allclose(a.data["value"], b.data["value"], rtol=1e-12)
    assert (a.data["n"] > 0).all()
    assert set(a.exclusions["reason"]) == {
        "other price point (not USD 200)",
        "exchange rate not disclosed (transparent = no)",
    }


def test_demo_generator_is_seeded_and_validates() -> None:
    demo = demo_module()
    first = demo.generate(seed=1)["prices"]
    second = demo.generate(seed=1)["prices"]
    pd.testing.assert_frame_equal(first, second)
    mi.schemas.validate("remittance_prices", first)
    assert {"Bank", "Mobile Operator", "Post office"} <= set(first["firm_type"].astype(str))
    assert (first["transparent"] == "no").any()
    assert first["time_period"].nunique() == 8


def raw_rows(**changes: str) -> pd.DataFrame:
    row = {
        "id": "1",
        "period": "2011_1Q",
        "source_code": "TZA",
        "destination_code": "KEN",
        "firm": "X",
        "firm_type": "..",
        "speed actual": "Next day",
        "transparent": "Yes",
        "inter lcu bank fx": "0.00066",
        "date": "24/Jan/2011",
        "corridor": "TZAKEN",
    }
    for block, usd, amount in (("cc1", "200.0", "295000"), ("cc2", "500.0", "735000")):
        row.update(
            {
                f"{block} lcu amount": amount,
                f"{block} denomination amount": usd,
                f"{block} lcu code": "TZS",
                f"{block} lcu fee": "20650",
                f"{block} lcu fx rate": "0.000651",
                f"{block} fx margin": "1.36",
                f"{block} total cost %": "..",
            }
        )
    row.update(changes)
    return pd.DataFrame([row])


def test_reader_maps_codes_periods_and_not_classified() -> None:
    frame = rpw_to_standard(raw_rows())
    assert frame["time_period"].tolist() == ["2011-Q1", "2011-Q1"]
    assert frame["amount_usd"].tolist() == [200.0, 500.0]
    assert frame["firm_type"].isna().all()  # ".." = not classified
    assert frame["total_cost"].isna().all()
    assert frame["transparent"].tolist() == ["yes", "yes"]
    assert frame["collection_date"].tolist() == ["2011-01-24"] * 2
    assert frame["speed_days"].tolist() == [1.0, 1.0]
    only200 = rpw_to_standard(raw_rows(), amounts=(200,))
    assert only200["amount_usd"].tolist() == [200.0]
    # with no source total the cost is recomputed from fee and rates
    res = mi.compute("remittance_cost_average", prices=frame)
    assert res.data["value"].item() == pytest.approx(20650 / 295000 * 100 + 1.3636, abs=1e-3)


def test_reader_errors_are_clear() -> None:
    with pytest.raises(mi.InputValidationError, match="2011_1Q"):
        rpw_to_standard(raw_rows(period="Q1 2011"))
    with pytest.raises(mi.InputValidationError, match="not numbers"):
        rpw_to_standard(raw_rows(**{"cc1 lcu fee": "free"}))
    with pytest.raises(mi.InputValidationError, match="cc2"):
        rpw_to_standard(raw_rows().drop(columns="cc2 lcu fee"))
    with pytest.raises(ValueError, match="200 and/or 500"):
        rpw_to_standard(raw_rows(), amounts=(300,))
    with pytest.raises(FileNotFoundError):
        read_rpw("no_such_file.csv")


def test_cli_computes_corridor_averages_from_an_rpw_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from migindicators.cli import main

    raw = raw_rows(**{"cc1 total cost %": "8.36", "cc2 total cost %": "6.56"})
    path = tmp_path / "rpw.csv"
    raw.to_csv(path, index=False)
    out = tmp_path / "out.csv"
    excluded = tmp_path / "excluded.csv"
    code = main(
        [
            "compute",
            "remittance_cost_average",
            "--input",
            f"prices={path}",
            "--reader",
            "prices=rpw",
            "--option",
            "level=corridor",
            "--out",
            str(out),
            "--exclusions",
            str(excluded),
        ]
    )
    assert code == 0
    table = pd.read_csv(out)
    assert table["value"].tolist() == pytest.approx([8.36])
    assert table["n"].tolist() == [1]
    assert pd.read_csv(excluded)["reason"].tolist() == ["other price point (not USD 200)"]
