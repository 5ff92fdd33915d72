"""The HTML report in a real browser: headless Chromium shows its tables and charts, no errors.

Needs Debian's ``chromium`` package (``apt-get install -y chromium``); skipped with a reason
when it is absent. Only the standard library talks to the browser: the report is served by
``http.server`` beside a small harness page that loads it in a same-origin frame, checks that
every table is there and every chart image decoded, and prints the outcome to the console;
Chromium's console log (``--enable-logging=stderr``) carries that line and any error the
report itself raised. The screenshot is kept in ``test-artifacts/`` (gitignored).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import DemoReport

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")

HARNESS = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>harness</title></head>
<body><iframe id="r" src="report.html" style="width:1200px;height:900px"></iframe>
<script>
document.getElementById("r").addEventListener("load", function () {
  var doc = this.contentDocument;
  var images = Array.prototype.slice.call(doc.images);
  var out = {
    title: doc.title,
    tables: doc.querySelectorAll("table").length,
    summary_rows: doc.querySelectorAll("table.summary tbody tr").length,
    result_tables: doc.querySelectorAll("table.result").length,
    images: images.length,
    broken: images.filter(function (i) { return !(i.complete && i.naturalWidth > 0); })
                  .map(function (i) { return i.alt; }),
    sections: doc.querySelectorAll("section").length,
    text: doc.body.innerText.length
  };
  console.log("MIGREPORT " + JSON.stringify(out));
});
</script></body></html>
"""


def _chromium() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "headless Chromium not found (install Debian's chromium package: "
        "apt-get install -y chromium)"
    )


def _flags(profile: Path) -> list[str]:
    return [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
    ]


@pytest.fixture(scope="module")
def served_report(
    demo_report: DemoReport, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, str]]:
    """The report of every bundled demo job (built once per session), served on localhost.

    The page is copied beside the harness into this module's own folder: the shared report
    folder is read by other workers and stays untouched.
    """
    page = demo_report.out / "report.html"
    assert page.is_file(), "the main job wrote no report.html"
    out = tmp_path_factory.mktemp("browser-report")
    shutil.copyfile(page, out / "report.html")
    (out / "harness.html").write_text(HARNESS, encoding="utf-8")
    handler = functools.partial(_QuietHandler, directory=str(out))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield out, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)


def test_report_renders_tables_and_charts_without_console_errors(
    served_report: tuple[Path, str], tmp_path: Path
) -> None:
    browser = _chromium()
    _, base = served_report
    done = _run(
        [
            browser,
            *_flags(tmp_path / "profile"),
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=10000",
            "--dump-dom",
            f"{base}/harness.html",
        ]
    )
    log = done.stderr
    match = re.search(r"MIGREPORT (\{.*?\})\"", log)
    assert match, f"the harness did not report (exit {done.returncode}); log:\n{log[-3000:]}"
    outcome = json.loads(match.group(1).replace('\\"', '"'))
    assert outcome["title"] == "migindicators report"
    assert outcome["summary_rows"] == 8  # one row per agenda point
    assert outcome["result_tables"] >= 1 and outcome["tables"] > outcome["result_tables"]
    assert outcome["images"] >= 1, "no chart in the report"
    assert outcome["broken"] == [], f"charts that did not render: {outcome['broken']}"
    console = [line for line in log.splitlines() if ":CONSOLE" in line and "MIGREPORT" not in line]
    errors = [line for line in console if re.search(r"error|uncaught|failed", line, re.I)]
    assert errors == [], "console errors:\n" + "\n".join(errors)


def test_screenshot_artifact(served_report: tuple[Path, str], tmp_path: Path) -> None:
    browser = _chromium()
    out, _ = served_report
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)
    done = _run(
        [
            browser,
            *_flags(tmp_path / "profile"),
            "--hide-scrollbars",
            "--window-size=1280,4000",
            f"--screenshot={shot}",
            (out / "report.html").as_uri(),
        ]
    )
    assert shot.exists() and shot.stat().st_size > 20_000, done.stderr[-2000:]
