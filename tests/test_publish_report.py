"""``migindicators report``: exit codes, failures reported, files written, progress, speed."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import pytest
from conftest import DemoReport

from migindicators.datasets import DemoJob, demo_jobs
from migindicators.publish import report


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    report.add_arguments(parser)
    return parser.parse_args(list(argv))


@pytest.fixture(scope="module")
def main_job(demo_report: DemoReport) -> tuple[int, Path, float]:
    """The README's main job on the bundled data (run once per session, see conftest)."""
    return demo_report.code, demo_report.out, demo_report.cpu_seconds


def test_main_job_writes_everything(main_job: tuple[int, Path, float]) -> None:
    code, out, seconds = main_job
    assert code in (0, 1)  # 1 only if a bundled demo job fails; the page says which
    assert seconds < 50, f"the main job took {seconds:.0f} CPU s; it must stay well under a minute"
    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert "Indicators by point of the eight-point agenda" in page
    for point in range(1, 9):
        assert f"<tr><td>{point}</td>" in page
    assert (out / "sdmx" / "sdg_sdmx.csv").exists()
    assert list((out / "open-sdg").glob("indicator_*.csv"))
    assert list((out / "csv").glob("*.csv"))
    for job in demo_jobs():
        assert job.indicator in page
    # self-contained: no external resource, no script
    assert "<script" not in page and 'src="http' not in page and 'href="http' not in page


def test_main_job_formats_with_extras(main_job: tuple[int, Path, float]) -> None:
    _, out, _ = main_job
    pytest.importorskip("openpyxl", reason="the excel extra is not installed")
    assert (out / "excel" / "migindicators.xlsx").exists()


def test_failed_job_is_reported_and_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    good = next(j for j in demo_jobs() if j.dataset == "refugees_demo")
    bad = DemoJob(
        dataset="refugees_demo",
        indicator="refugees_per_100k",
        inputs={"refugees": "no_such_table", "population": "population"},
        title="A job that cannot run",
    )
    monkeypatch.setattr(report, "demo_jobs", lambda: [bad, good])
    code = report.run(_args("--out", str(tmp_path), "--no-progress"))
    assert code == 1
    printed = capsys.readouterr().out
    assert "FAILED refugees_per_100k" in printed and "no_such_table" in printed
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "1 job(s) failed" in page and "no_such_table" in page
    assert "This job failed." in page
    assert "SM_POP_REFG_OR" in (tmp_path / "sdmx" / "sdg_sdmx.csv").read_text()


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert report.run(_args("--out", str(tmp_path), "--formats", "html,pdf")) == 2
    assert "pdf" in capsys.readouterr().err
    assert report.run(_args("--out", str(tmp_path), "--dataset", "no_such_dataset")) == 2
    assert "no demo job" in capsys.readouterr().err
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert report.run(_args("--out", str(a_file), "--dataset", "refugees_demo")) == 2
    assert "not a folder" in capsys.readouterr().err


def test_selection_and_formats(tmp_path: Path) -> None:
    code = report.run(
        _args(
            "--out",
            str(tmp_path),
            "--no-progress",
            "--dataset",
            "refugees_demo",
            "--formats",
            "sdmx",
        )
    )
    assert code == 0
    assert not (tmp_path / "report.html").exists()
    assert (tmp_path / "sdmx" / "sdg_sdmx.csv").exists()


def test_progress_lines_without_tqdm(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)
    jobs = [j for j in demo_jobs() if j.dataset == "refugees_demo"][:1]
    summary = report.build_report(tmp_path, jobs=jobs, progress=True, formats=("csv",))
    assert summary.ok
    err = capsys.readouterr().err
    assert "[1/2] refugees_per_100k (ok)" in err and "[2/2] csv files written" in err
    summary = report.build_report(tmp_path, jobs=jobs, progress=False, formats=("csv",))
    assert capsys.readouterr().err == ""


def test_unknown_format_in_library_call(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown report format"):
        report.build_report(tmp_path, jobs=[], formats=("html", "docx"))


def test_missing_matplotlib_is_said(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    jobs = [j for j in demo_jobs() if j.dataset == "refugees_demo"][:1]
    report.build_report(tmp_path, jobs=jobs, progress=False, formats=("html",))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Charts need the charts extra" in page


def _one_job() -> list[DemoJob]:
    return [j for j in demo_jobs() if j.dataset == "refugees_demo"][:1]


def test_agenda_point_without_indicator_is_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = report.registry.by_agenda_point
    monkeypatch.setattr(report.registry, "by_agenda_point", lambda p: [] if p == 5 else original(p))
    report.build_report(tmp_path, jobs=_one_job(), progress=False, formats=("html",))
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<tr><td>5</td><td>Improve public perceptions of migrants</td>" in page
    assert "no indicator yet" in page


def test_failing_chart_and_writer_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import migindicators.publish.sdmx as sdmx_module

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(report, "charts_for", broken)
    monkeypatch.setattr(sdmx_module, "write_sdmx_csv", broken)
    monkeypatch.setattr(report, "demo_jobs", _one_job)
    code = report.run(_args("--out", str(tmp_path), "--no-progress"))
    assert code == 1
    assert "ERROR writing the sdmx files failed: RuntimeError: disk on fire" in (
        capsys.readouterr().out
    )
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Charts failed: RuntimeError: disk on fire" in page
    assert "Some files were not written" in page
    assert (tmp_path / "open-sdg" / "indicator_10-7-4.csv").exists()


def test_flow_matrix_drawn_once_not_per_index(main_job: tuple[int, Path, float]) -> None:
    _, out, _ = main_job
    page = (out / "report.html").read_text(encoding="utf-8")
    captions = re.findall(r"<figcaption>([^<]*)", page)
    assert sum("Input flow_matrix_demo/" in c for c in captions) == 1
    # the summary indices of that matrix (one number per period) get no chart of their own
    indices = {j.indicator for j in demo_jobs() if j.dataset == "flow_matrix_demo"}
    assert "migration_gini_total" in indices
    assert not [c for c in captions if c.split(" by ")[0] in indices]
    # smuggling fees are quartiles by route, transport and year: a chart of them would
    # average P25, P50 and P75 into one mark (issue 17 says such charts are wrong)
    assert not any(c.startswith("smuggling_fees by ") for c in captions)
    assert any(c.startswith("refugees_per_100k by ") for c in captions)  # others keep theirs
    # cost charts only for the averages: not for the share of corridors above the line
    assert sum(c.startswith("Remittance cost by corridor") for c in captions) == 2


def test_legend_explains_the_flags_shown(main_job: tuple[int, Path, float]) -> None:
    _, out, _ = main_job
    page = (out / "report.html").read_text(encoding="utf-8")
    assert '<h2 id="legend">Legend of flags</h2>' in page
    legend = page.split('<h2 id="legend">', 1)[1]
    shown = set(re.findall(r'<td class="flag">([a-z_0-9;]+)</td>', page.split('id="legend"')[0]))
    codes = {c for cell in shown for c in cell.split(";")}
    assert codes, "the demo results carry flags"
    for code in codes:
        assert f'<td class="flag">{code}</td>' in legend, code
    assert "SDMX CONF_STATUS" in legend and "F: free (for publication)" in legend
