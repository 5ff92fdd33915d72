"""Every page of the run's report in headless Chromium: no console error, no broken image,
no chart whose labels overlap, and a screenshot of each page kept in ``test-artifacts/run/``.

The browser is driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``:
commands on file descriptor 3, replies on 4), with the standard library only. Each page is
opened from disk (``file://``), as a colleague opening the folder would. For every chart
the SVG is put into the page's DOM and the bounding boxes of its text elements compared:
two labels whose boxes overlap by more than a sliver are reported.

Needs Debian's ``chromium`` (skipped with the reason when it is absent).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ExampleRun

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "run"
CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
MAX_SHOT_HEIGHT = 5000  # px: long tables are cut in the screenshot, not in the page

# In the page: broken images, and overlapping text in each chart's SVG.
PROBE = r"""
(async () => {
  const images = Array.from(document.images);
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt);
  const overlaps = [];
  for (const img of images) {
    if (!img.src.startsWith("data:image/svg")) continue;
    const text = await (await fetch(img.src)).text();
    const box = document.createElement("div");
    box.style.cssText = "position:absolute;left:0;top:0;visibility:hidden";
    box.innerHTML = text;
    document.body.appendChild(box);
    const labels = Array.from(box.querySelectorAll("text"))
      .map(t => ({t: t.textContent.trim(), r: t.getBoundingClientRect()}))
      .filter(x => x.t && x.r.width > 0 && x.r.height > 0);
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) {
        const a = labels[i].r, b = labels[j].r;
        const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
        const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
        if (w > 2 && h > 2 && w * h > 0.15 * Math.min(a.width * a.height, b.width * b.height)) {
          overlaps.push(img.alt + ": '" + labels[i].t + "' / '" + labels[j].t + "'");
        }
      }
    }
    box.remove();
  }
  return JSON.stringify({
    title: document.title, broken: broken, overlaps: overlaps, images: images.length,
    tables: document.querySelectorAll("table").length,
    banner: !!document.querySelector(".banner"),
    height: document.documentElement.scrollHeight
  });
})()
"""


def _chromium() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("headless Chromium not found (apt-get install -y chromium)")


class Browser:
    """A headless Chromium driven over the DevTools protocol on a pipe."""

    def __init__(self, executable: str, profile: Path) -> None:
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def descriptors() -> None:  # in the child: the pipe ends on fds 3 and 4
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=descriptors,
            pass_fds=(3, 4),
        )
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._id = 0
        self.events: list[dict[str, Any]] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self.send(f"{domain}.enable", session=True)
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )

    def _read(self, timeout: float = 60.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("no reply from Chromium")
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        parsed: dict[str, Any] = json.loads(message)
        return parsed

    def send(
        self, method: str, params: dict[str, Any] | None = None, *, session: bool = False
    ) -> Any:
        self._id += 1
        message: dict[str, Any] = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str, timeout: float = 60.0) -> None:
        for i, seen in enumerate(self.events):
            if seen.get("method") == event:
                del self.events[i]
                return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self._read(timeout)
            if reply.get("method") == event:
                return
            self.events.append(reply)
        raise TimeoutError(event)

    def open(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url}, session=True)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        result = self.send(
            "Runtime.evaluate",
            {"expression": expression, "awaitPromise": True, "returnByValue": True},
            session=True,
        )
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"])
        return result["result"]["value"]

    def console_errors(self) -> list[str]:
        errors = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.exceptionThrown":
                errors.append(json.dumps(params.get("exceptionDetails", {}))[:300])
            elif method == "Runtime.consoleAPICalled" and params.get("type") == "error":
                errors.append(json.dumps(params.get("args", []))[:300])
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                errors.append(params["entry"].get("text", "")[:300])
        return errors

    def screenshot(self, path: Path, height: int) -> None:
        clip = {"x": 0, "y": 0, "width": 1280, "height": min(height, MAX_SHOT_HEIGHT), "scale": 1}
        shot = self.send(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "clip": clip},
            session=True,
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except Exception:
            self.process.kill()
        finally:
            self.process.wait(timeout=30)
            os.close(self._commands)
            os.close(self._replies)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    executable = _chromium()
    opened = Browser(executable, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield opened
    finally:
        opened.close()


def _pages(example_run: ExampleRun) -> list[Path]:
    return [
        example_run.out / "index.html",
        *sorted((example_run.out / "indicators").glob("*.html")),
    ]


#: Pages the default suite opens: the index and one page per kind of chart or table.
SAMPLE = (
    "index",
    "remittance_cost_average",  # cost by corridor against the 10.c lines, trend
    "migrant_stock",  # population pyramid, intervals truncated at zero
    "migration_effectiveness_index",  # flow heat map
    "refugees_per_100k",  # overview by area with M49 names
    "migration_policy_categories",  # shares summing to 100: no chart
    "smuggling_fees",  # quartiles: no chart
)


def _check_pages(browser: Browser, pages: list[Path]) -> tuple[list[str], int]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    charts = 0
    for page in pages:
        browser.open(page.as_uri())
        probe = json.loads(browser.evaluate(PROBE))
        name = page.stem if page.parent.name != "indicators" else f"indicator-{page.stem}"
        browser.screenshot(ARTIFACTS / f"{name}.png", int(probe["height"]))
        charts += int(probe["images"])
        problems += [f"{page.name}: console: {e}" for e in browser.console_errors()]
        problems += [f"{page.name}: broken image {alt}" for alt in probe["broken"]]
        problems += [f"{page.name}: overlapping labels {o}" for o in probe["overlaps"]]
        if not probe["banner"]:
            problems.append(f"{page.name}: no synthetic-data banner")
        if probe["tables"] < 1:
            problems.append(f"{page.name}: no table")
    return problems, charts


def test_sample_pages_render_without_errors(browser: Browser, example_run: ExampleRun) -> None:
    pages = [p for p in _pages(example_run) if p.stem in SAMPLE]
    assert len(pages) == len(SAMPLE)
    problems, charts = _check_pages(browser, pages)
    assert problems == [], "\n".join(problems)
    assert charts >= 4
    assert (ARTIFACTS / "index.png").stat().st_size > 20_000


@pytest.mark.slow
def test_every_page_renders_without_errors(browser: Browser, example_run: ExampleRun) -> None:
    pages = _pages(example_run)
    assert len(pages) == 1 + len(example_run.log["indicators"])
    problems, charts = _check_pages(browser, pages)
    assert problems == [], "\n".join(problems)
    assert charts >= 20, "too few charts in the report"
