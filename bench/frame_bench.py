"""What one frame of the live map costs the browser, layer by layer, in a software WebGL renderer.

A browser without a GPU (SwiftShader) redraws every layer on every frame, and every frame of a mounting map is
read back for the compositor before the next can start: the frame's cost is paid again for each layer that arrives,
each second's new data and each pan. This bench opens the live map in headless Chromium, finds deck.gl's ``Deck``
behind the map (through React's fibre of its canvas: a probe for measurement only), and times redraws with
``layerFilter``: all layers, none, and each drawn alone (deck.gl's own sub-layers, e.g. a GeoJSON layer's fill and
its lines). Each time is the median of 5 redraws, each closed by a 1-pixel ``readPixels`` that waits for the
renderer.

``python -m bench.frame_bench [--baseline DIR] [--gl swiftshader|llvmpipe] [--json]``: ``--baseline`` measures
another checkout (e.g. ``git archive <rev> | tar -x -C DIR``) in the same run, after ours.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from bench.glance_bench import GL_ARGS, fresh_store, hot_xy, webgl_renderer
from bench.serving import CHROMIUM, CHROMIUM_ARGS, start_streamlit

SETTLE_S = 4.0
"""Seconds after the hexagons are first seen before measuring: the basemap's files have arrived."""
PROBE = r"""
() => {
  const canvas = document.querySelector('[data-testid="stDeckGlJsonChart"] canvas');
  const key = Object.keys(canvas).find(k => k.startsWith('__reactFiber'));
  const seen = new Set();
  function find(o, depth) {
    if (!o || typeof o !== 'object' || depth > 4 || seen.has(o)) return null;
    seen.add(o);
    if (o.layerManager && o.props && o.animationLoop !== undefined) return o;
    for (const k of ['current', 'memoizedState', 'next', 'deck', 'queue', 'baseState']) {
      const found = find(o[k], depth + 1);
      if (found) return found;
    }
    return null;
  }
  let fibre = canvas[key], deck = null;
  for (let i = 0; fibre && !deck && i < 200; i++, fibre = fibre.return)
    deck = find(fibre.memoizedState, 0) || find(fibre.stateNode, 0);
  if (!deck) return null;
  const gl = deck.device ? deck.device.gl : deck.gl;
  const pixel = new Uint8Array(4);
  function median(filter) {
    deck.setProps({layerFilter: filter});
    const times = [];
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      deck.redraw('frame bench');
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, pixel);
      if (i >= 2) times.push(performance.now() - t);
    }
    return times.sort((a, b) => a - b)[2];
  }
  const leaves = deck.layerManager.getLayers().filter(l => !l.isComposite);
  const out = {all_ms: median(() => true), none_ms: median(() => false), layers: {}};
  for (const leaf of leaves) {
    const ms = median(({layer}) => layer.id === leaf.id || (layer.isComposite && leaf.id.startsWith(layer.id)));
    out.layers[leaf.id] = {ms: ms - out.none_ms, instances: leaf.getNumInstances ? leaf.getNumInstances() : 0};
  }
  deck.setProps({layerFilter: null});
  return out;
}
"""


def measure(*, root: Path | None, gl: str) -> dict:
    """One server of the checkout at ``root`` (None: this one): the frame and each layer's share, in milliseconds."""
    with tempfile.TemporaryDirectory(prefix="limes-frame-") as tmp:
        store = fresh_store(Path(tmp), root=root)
        with start_streamlit(env={"LIMES_DB": store}, root=root) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *GL_ARGS[gl]], headless=True)
            page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
            renderer = webgl_renderer(page)
            page.goto(url)
            start = time.perf_counter()
            while hot_xy(page) is None and time.perf_counter() - start < 90:
                page.wait_for_timeout(100)
            page.wait_for_timeout(SETTLE_S * 1000)
            result = page.evaluate(PROBE)
            browser.close()
    if result is None:
        raise RuntimeError("deck.gl's Deck was not found behind the map's canvas")
    return {**result, "webgl": renderer}


def format_table(results: dict[str, dict]) -> str:
    kinds = list(results)
    names = list(dict.fromkeys(name for r in results.values() for name in r["layers"]))
    lines = ["| layer | " + " | ".join(f"{k} ms (instances)" for k in kinds) + " |",
             "|---|" + "---|" * len(kinds),
             "| **whole frame** | " + " | ".join(f"**{results[k]['all_ms']:.1f}**" for k in kinds) + " |",
             "| empty frame | " + " | ".join(f"{results[k]['none_ms']:.1f}" for k in kinds) + " |"]
    for name in names:
        cells = [f"{results[k]['layers'][name]['ms']:.1f} ({results[k]['layers'][name]['instances']:,})"
                 if name in results[k]["layers"] else "–" for k in kinds]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.frame_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", type=Path, help="another checkout to measure in the same run")
    parser.add_argument("--gl", choices=sorted(GL_ARGS), default="swiftshader", help="software WebGL renderer")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = {"ours": measure(root=None, gl=args.gl)}
    if args.baseline:
        results["baseline"] = measure(root=args.baseline, gl=args.gl)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print(format_table(results))
        print(f"webgl: {sorted({r['webgl'] for r in results.values()})}; load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
