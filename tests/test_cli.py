"""The command line: list, describe, compute, validate, datasets; exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from migindicators.cli import main, parse_value


def _write_inputs(tmp_path: Path, population: list[float] | None = None) -> tuple[Path, Path]:
    r = tmp_path / "r.csv"
    p = tmp_path / "p.csv"
    pd.DataFrame(
        {"ref_area": ["SYR", "AFG"], "time_period": [2024, 2024], "refugees": [100_000, 50_000]}
    ).to_csv(r, index=False)
    pd.DataFrame(
        {
            "ref_area": ["SYR", "AFG"],
            "time_period": [2024, 2024],
            "population": population or [1_000_000, 40_000_000],
        }
    ).to_csv(p, index=False)
    return r, p


def test_list_and_filters(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    assert "refugees_per_100k" in capsys.readouterr().out
    assert main(["list", "--agenda-point", "4", "--json"]) == 0
    ids = [d["id"] for d in json.loads(capsys.readouterr().out)]
    assert "refugees_per_100k" in ids
    assert main(["list", "--sdg", "10.7.4", "--search", "refugee"]) == 0


def test_describe(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["describe", "refugees_per_100k"]) == 0
    out = capsys.readouterr().out
    assert "SM_POP_REFG_OR" in out and "References" in out and "Inputs" in out
    assert main(["describe", "refugees_per_100k", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sdg"] == "10.7.4"


def test_compute_writes_csv_and_reports_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    r, p = _write_inputs(tmp_path)
    out = tmp_path / "out.csv"
    excl = tmp_path / "excl.csv"
    code = main(
        [
            "compute",
            "refugees_per_100k",
            "--input",
            f"refugees={r}",
            "--input",
            f"population={p}",
            "--option",
            "aggregate=world",
            "--out",
            str(out),
            "--exclusions",
            str(excl),
        ]
    )
    assert code == 0
    frame = pd.read_csv(out, keep_default_na=False)
    syr = frame.loc[frame["ref_area"] == "SYR", "value"].iloc[0]
    assert syr == pytest.approx(100_000 * 100_000 / 1_100_000)
    assert "1" in set(frame["ref_area"].astype(str)) or "001" in set(frame["ref_area"].astype(str))
    assert "rows given" in capsys.readouterr().err
    assert excl.exists()


def test_compute_to_parquet(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    r, p = _write_inputs(tmp_path)
    out = tmp_path / "out.parquet"
    assert (
        main(
            [
                "compute",
                "refugees_per_100k",
                "--input",
                f"refugees={r}",
                "--input",
                f"population={p}",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert len(pd.read_parquet(out)) == 2


def test_bad_data_exits_1_with_message_no_traceback(tmp_path: Path) -> None:
    r, p = _write_inputs(tmp_path, population=[-1, 40_000_000])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "migindicators",
            "compute",
            "refugees_per_100k",
            "--input",
            f"refugees={r}",
            "--input",
            f"population={p}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert "column 'population', check '>= 0'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["describe", "no_such_indicator"],
        ["compute", "refugees_per_100k", "--input", "refugees"],
        ["compute", "refugees_per_100k", "--option", "agregate=world", "--input", "refugees=x.csv"],
        ["compute", "refugees_per_100k", "--reader", "refugees=nope", "--input", "refugees=x.csv"],
        ["list", "--agenda-point", "9"],
        ["frobnicate"],
    ],
)
def test_bad_usage_exits_2(argv: list[str], tmp_path: Path) -> None:
    r, _ = _write_inputs(tmp_path)
    argv = [a.replace("x.csv", str(r)) for a in argv]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    assert code == 2


def test_missing_file_is_bad_data(tmp_path: Path) -> None:
    assert (
        main(
            [
                "compute",
                "refugees_per_100k",
                "--input",
                f"refugees={tmp_path}/none.csv",
                "--input",
                f"population={tmp_path}/none.csv",
            ]
        )
        == 1
    )


def test_validate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, p = _write_inputs(tmp_path)
    assert main(["validate", "population", str(p)]) == 0
    assert "2 rows valid" in capsys.readouterr().out
    _, bad = _write_inputs(tmp_path, population=[-5, 1])
    assert main(["validate", "population", str(bad)]) == 1
    assert main(["validate", "population", "--describe"]) == 0
    assert "population" in capsys.readouterr().out
    assert main(["validate", "no_kind", str(p)]) == 1


def test_datasets(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["datasets", "--write", str(tmp_path)]) == 0
    assert "refugees_demo" in capsys.readouterr().out
    assert (tmp_path / "refugees_demo__refugees.csv").exists()


def test_help_for_every_command() -> None:
    for command in ("list", "describe", "compute", "validate", "datasets"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0


@pytest.mark.parametrize(
    ("text", "value"),
    [("3", 3), ("2.5", 2.5), ("true", True), ("none", None), ("a,b", ["a", "b"]), ("x", "x")],
)
def test_parse_value(text: str, value: object) -> None:
    assert parse_value(text) == value
