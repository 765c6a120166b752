"""Where a control room's seconds go, phase by phase, in headless Chromium against a fresh `limes serve`.

One browser session walks what an operator does: open the map (first map), click a hexagon
(drill-down), open another page and come back (return to the map), open Coverage (first open).
Each step is cut into phases read from the page itself: the server's script run (until Streamlit's
script state reads ``notRunning``), the map canvas appearing, and deck.gl drawing the hexagons
(warm ramp colours, in the first frame of the page's screencast that shows them: :mod:`bench.screencast`);
Coverage is shown once its screen has stopped changing (drawn to the end). Beside the times: the websocket bytes each step received
(the deck spec rides on them) and the bytes fetched from ``/app/static`` (basemap and relief
files, which a browser that has them does not fetch again).

``python -m bench.glance_bench [--baseline DIR] [--load 2] [--gl llvmpipe] [--json]``: ``--baseline`` runs a
second server from another checkout (e.g. ``git archive main | tar -x -C DIR``) side by side, alternating;
``--load N`` keeps N busy processes spinning during the runs.

WebGL without a GPU: headless Chromium draws WebGL with SwiftShader (``--gl swiftshader``, its default), which
compiles every shader again for each new map and makes the compositor read each canvas back, synchronously: on
this 2-core machine most of a map's seconds after the server has answered are spent there. ``--gl llvmpipe``
draws through Mesa's llvmpipe (ANGLE's GL-EGL back end), the software OpenGL of Linux desktops without a GPU
driver, closer to what a control-room PC's browser does with a GPU. The renderer in use is printed.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from PIL import Image
from playwright.sync_api import Page, sync_playwright

from bench.screencast import HOT_PX, MAP, Screencast, hot_mask
from bench.serving import CHROMIUM, CHROMIUM_ARGS, start_streamlit
from geo.scenario import ensure_fresh_scenario
from geo.store import open_store

RUNNING = '[data-testid="stApp"][data-test-script-state="running"]'
IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STEP_TIMEOUT_S = 90.0
HOVER_MS = 300
TAP_MS = 250
"""deck.gl takes a press as a click only when the page handles its release within this long of the press (its
gesture recogniser's tap): a long task of the page (a frame drawn in software) between the two swallows the click,
and nothing happens. The walk sees it from the two handling times and clicks again, as a user would; the step's
time includes the lost click."""
PRESS_PROBE = """window.__limesPress = {down: 0, up: 0};
for (const kind of ['pointerdown', 'pointerup'])
  window.addEventListener(kind, () => { window.__limesPress[kind.slice(7)] = performance.now(); }, true);"""
"""When the page handled the last press and release (milliseconds)."""
MAX_CLICKS = 3
GL_ARGS: dict[str, list[str]] = {"swiftshader": [], "llvmpipe": ["--use-angle=gl-egl", "--ignore-gpu-blocklist"]}
"""Chromium's options per software WebGL renderer (see the module's docstring)."""


@dataclass
class Step:
    """One user step: seconds from its start to each phase, and the bytes it made the browser receive."""

    name: str
    script_done_s: float = float("nan")
    canvas_s: float = float("nan")
    shown_s: float = float("nan")
    ws_bytes: int = 0
    static_bytes: int = 0
    static_files: list[str] = field(default_factory=list)
    clicks_lost: int = 0

    @property
    def drawing_s(self) -> float:
        """What the browser spent after the server had answered: deck.gl start, layer data, the first frame."""
        return self.shown_s - max(self.script_done_s, self.canvas_s if self.canvas_s == self.canvas_s else 0.0)


def hot_xy(page: Page) -> tuple[float, float] | None:
    """Page coordinates of a hexagon in the warm top classes of the ramp, or None while none is drawn."""
    chart = page.locator(MAP).first
    if chart.count() == 0:
        return None
    try:
        png = chart.screenshot(timeout=5_000)
    except Exception:  # noqa: BLE001 - the chart may be replaced mid-screenshot; try again
        return None
    hot = hot_mask(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int))
    if int(hot.sum()) < HOT_PX:
        return None
    ys, xs = np.nonzero(hot)
    pick = int(np.argmin((xs - np.median(xs)) ** 2 + (ys - np.median(ys)) ** 2))
    box = chart.bounding_box()
    return (box["x"] + float(xs[pick]), box["y"] + float(ys[pick])) if box else None


class Recorder:
    """Counts websocket bytes the page receives and the bytes of ``/app/static`` files that came over the network
    (Chromium's own accounting: a file served from the browser's cache counts 0)."""

    def __init__(self, page: Page) -> None:
        self.ws_bytes = 0
        self.static: list[tuple[str, int]] = []
        self._urls: dict[str, str] = {}
        self._cached: set[str] = set()
        page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", lambda e: self._cached.add(e["requestId"]))
        cdp.on("Network.loadingFinished", self._finished)

    def _frame(self, payload: str | bytes) -> None:
        self.ws_bytes += len(payload)

    def _response(self, event: dict) -> None:
        url = event["response"]["url"]
        if "/app/static/" in url:
            self._urls[event["requestId"]] = url.rsplit("/", 1)[-1]
            if event["response"].get("fromDiskCache") or event["response"].get("fromPrefetchCache"):
                self._cached.add(event["requestId"])

    def _finished(self, event: dict) -> None:
        name = self._urls.pop(event["requestId"], None)
        if name is not None:
            cached = event["requestId"] in self._cached
            self.static.append((name + (" (cache)" if cached else ""), 0 if cached else int(event["encodedDataLength"])))


def _measure(page: Page, rec: Recorder, name: str, action: Callable[[], None], *,
             done: Callable[[], bool], cast: Screencast | None = None, still: bool = False) -> Step:
    """Run ``action`` and poll until ``done``; record when the script finished and the canvas appeared. With
    ``cast``, the step is shown when the screencast first showed hexagons (``done`` still ends the polling), or
    with ``still``, once the screen stopped changing (the page drawn to the end)."""
    step = Step(name)
    ws0, static0 = rec.ws_bytes, len(rec.static)
    since = cast.start(page.viewport_size or {"width": 1600, "height": 1000}) if cast else 0.0
    start = time.perf_counter()
    action()
    seen_running = False
    while time.perf_counter() - start < STEP_TIMEOUT_S:
        now = time.perf_counter() - start
        if page.locator(RUNNING).count():
            seen_running = True
        elif step.script_done_s != step.script_done_s and (seen_running or now > 1.0) and page.locator(IDLE).count():
            step.script_done_s = now
        if step.canvas_s != step.canvas_s and page.locator(f"{MAP} canvas").count():
            step.canvas_s = now
        if done():
            step.shown_s = time.perf_counter() - start
            break
        page.wait_for_timeout(50)
    if step.script_done_s != step.script_done_s:
        page.wait_for_selector(IDLE, timeout=STEP_TIMEOUT_S * 1000)
        step.script_done_s = time.perf_counter() - start
    page.wait_for_timeout(300)
    if cast is not None and still:
        step.shown_s = max(step.shown_s, cast.still_at(since))
    elif cast is not None:
        seen = cast.first_hot(page, since)
        if seen == seen:
            step.shown_s = min(step.shown_s, seen)
    step.ws_bytes = rec.ws_bytes - ws0
    step.static_files = [n for n, _ in rec.static[static0:]]
    step.static_bytes = sum(s for _, s in rec.static[static0:])
    return step


def _nav(page: Page, title: str) -> Callable[[], None]:
    return lambda: page.locator('[data-testid="stSidebarNav"] a', has_text=title).click()


def webgl_renderer(page: Page) -> str:
    """The WebGL renderer the page draws with (e.g. "ANGLE (..., SwiftShader driver)")."""
    return str(page.evaluate("""() => { const gl = document.createElement('canvas').getContext('webgl2');
        if (!gl) return 'no WebGL 2'; const info = gl.getExtension('WEBGL_debug_renderer_info');
        return info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER); }"""))


def walk(url: str, *, gl: str = "swiftshader", renderers: set[str]) -> list[Step]:
    """The operator's walk through the app, timed phase by phase (the WebGL renderer used is added to
    ``renderers``)."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *GL_ARGS[gl]], headless=True)
        page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
        page.add_init_script(PRESS_PROBE)
        renderers.add(webgl_renderer(page))
        rec = Recorder(page)
        cast = Screencast(page)
        steps = [_measure(page, rec, "first map", lambda: page.goto(url), done=lambda: hot_xy(page) is not None,
                          cast=cast)]
        page.wait_for_timeout(1500)
        xy = hot_xy(page)

        clicks = 0

        def click() -> None:
            """Hover, pause, click; click again (as a user would) while the click was lost (see :data:`TAP_MS`)."""
            nonlocal clicks
            assert xy is not None
            while clicks < MAX_CLICKS:
                page.mouse.move(xy[0] - 5, xy[1] - 5)
                page.mouse.move(*xy)
                page.wait_for_timeout(HOVER_MS)
                page.mouse.click(*xy)
                clicks += 1
                if page.evaluate("window.__limesPress.up - window.__limesPress.down") < TAP_MS:
                    return

        if xy is None:  # no hexagon drawn within the step's time (a very busy machine): nothing to click, no time
            steps.append(Step("hexagon click to drill-down"))
        else:
            steps.append(_measure(page, rec, "hexagon click to drill-down", click,
                                  done=lambda: page.get_by_text("When (UTC)").count() > 0))
            steps[-1].shown_s -= clicks * HOVER_MS / 1000  # the pauses between hovering and clicking are the user's
            steps[-1].clicks_lost = clicks - 1
        steps.append(_measure(page, rec, "open Data page", _nav(page, "Data"),
                              done=lambda: page.locator(MAP).count() == 0 and page.locator(IDLE).count() > 0))
        steps.append(_measure(page, rec, "return to the map", _nav(page, "Map"),
                              done=lambda: hot_xy(page) is not None, cast=cast))
        steps.append(_measure(page, rec, "Coverage first open", _nav(page, "Coverage"),
                              done=lambda: page.get_by_text("Coverage planner").count() > 0
                              and page.locator(f"{MAP} canvas").count() > 0 and page.locator(IDLE).count() > 0,
                              cast=cast, still=True))
        steps.append(_measure(page, rec, "return to the map from Coverage", _nav(page, "Map"),
                              done=lambda: hot_xy(page) is not None, cast=cast))
        browser.close()
    return steps


@contextmanager
def busy(n: int) -> Iterator[None]:
    """``n`` processes spinning a core each (the load other work puts on a shared machine)."""
    procs = [subprocess.Popen([sys.executable, "-c", "while 1: pass"]) for _ in range(n)]
    try:
        yield
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()


def fresh_store(tmp: Path, *, root: Path | None = None) -> str:
    """A store holding the bundled scenario, written by this checkout or (``root``) by another one, whose schema
    may be older than ours."""
    url = f"sqlite:///{tmp / ('glance.sqlite' if root is None else 'glance-baseline.sqlite')}"
    if root is not None:
        subprocess.run([sys.executable, "-c", "import sys; from datetime import datetime, timezone; "
                        "from geo.store import open_store; from geo.scenario import ensure_fresh_scenario; "
                        "s = open_store(sys.argv[1]); ensure_fresh_scenario(s, now=datetime.now(timezone.utc)); "
                        "s.close()", url], cwd=root, check=True)
        return url
    store = open_store(url)
    ensure_fresh_scenario(store, now=datetime.now(timezone.utc))
    store.close()
    return url


def run_walks(*, samples: int, load: int, baseline: Path | None, gl: str = "swiftshader",
              renderers: set[str]) -> dict[str, list[list[Step]]]:
    """``samples`` walks against fresh servers of ours (and of ``baseline``, on a store its own code wrote),
    alternating, under ``load``."""
    results: dict[str, list[list[Step]]] = {"ours": [], **({"baseline": []} if baseline else {})}
    with tempfile.TemporaryDirectory(prefix="limes-glance-") as tmp, busy(load):
        urls = {"ours": fresh_store(Path(tmp)), **({"baseline": fresh_store(Path(tmp), root=baseline)}
                                                     if baseline else {})}
        for _ in range(samples):
            for kind in results:
                root = baseline if kind == "baseline" else None
                with start_streamlit(env={"LIMES_DB": urls[kind]}, root=root) as app:
                    results[kind].append(walk(app, gl=gl, renderers=renderers))
    return results


def summary(results: dict[str, list[list[Step]]]) -> dict[str, dict[str, dict[str, float]]]:
    """Median of each phase over the walks, per kind and step."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for kind, walks in results.items():
        out[kind] = {}
        for i, step in enumerate(walks[0]):
            runs = [w[i] for w in walks]
            out[kind][step.name] = {
                "script_done_s": statistics.median(r.script_done_s for r in runs),
                "canvas_s": statistics.median(r.canvas_s for r in runs),
                "shown_s": statistics.median(r.shown_s for r in runs),
                "drawing_s": statistics.median(r.drawing_s for r in runs),
                "ws_kb": statistics.median(r.ws_bytes for r in runs) / 1000,
                "static_kb": statistics.median(r.static_bytes for r in runs) / 1000,
                "clicks_lost": sum(r.clicks_lost for r in runs),
            }
    return out


def format_summary(table: dict[str, dict[str, dict[str, float]]], *, load: int) -> str:
    lines = [f"load: {load} busy processes",
             "| step | kind | server run s | canvas s | shown s | after the server s | websocket KB | static KB | "
             "clicks lost |", "|---|---|---|---|---|---|---|---|---|"]
    steps = next(iter(table.values()))
    for step in steps:
        for kind, rows in table.items():
            r = rows[step]
            lines.append(f"| {step} | {kind} | {r['script_done_s']:.2f} | {r['canvas_s']:.2f} | {r['shown_s']:.2f} | "
                         f"{r['drawing_s']:.2f} | {r['ws_kb']:,.0f} | {r['static_kb']:,.0f} | {r['clicks_lost']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.glance_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to run side by side (today's main)")
    parser.add_argument("--samples", type=int, default=3)
    parser.add_argument("--load", type=int, default=0, help="busy processes during the runs")
    parser.add_argument("--gl", choices=sorted(GL_ARGS), default="swiftshader", help="software WebGL renderer")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    before = os.getloadavg()[0]
    renderers: set[str] = set()
    results = run_walks(samples=args.samples, load=args.load, baseline=args.baseline, gl=args.gl, renderers=renderers)
    table = summary(results)
    machine = {"loadavg_1min_before": before, "loadavg_1min_after": os.getloadavg()[0], "cpus": os.cpu_count(),
               "webgl": sorted(renderers)}
    if args.json:
        print(json.dumps({"load": args.load, "machine": machine, "summary": table,
                          "walks": {k: [[asdict(s) for s in w] for w in v] for k, v in results.items()}}, indent=1))
    else:
        print(format_summary(table, load=args.load))
        print(f"machine: {machine}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    raise SystemExit(main())
