"""The Coverage page's first open in a new server process: computed cold beside read from the disk cache.

Each run is a fresh Python process (as a restarted server is: no numba code in memory, no
Streamlit caches) that does what the page needs before it can draw: the terrain, the stored
sensors' viewsheds and assessment, the coverage image (its PNG), the candidate sites' coverage. "Cold" starts
from an empty cache folder; "cached" from the folder the cold run filled. The two alternate, side
by side, in one run; the process start and imports are timed apart and left out of both.

``python -m bench.coverage_cache_bench [--rounds 3] [--json]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.harness import Figure, format_table
from geo.settings import checkout_root

_CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from datetime import datetime, timezone
from pathlib import Path
import pandas as pd
from geo.coverage import (CoverageParams, DiskCache, SiteModel, assess, candidate_coverage, content_key,
                          load_terrain, seen_by_sensors)
from geo.scenario import generate
from layers.coverage import coverage_image
imported = time.perf_counter() - t0
scenario = generate()
from geo.models import Sensor
sensors = tuple(Sensor(**row) for row in scenario.sensors.to_dict("records"))
cache = DiskCache(Path(sys.argv[1]))
t1 = time.perf_counter()
terrain = load_terrain(params=CoverageParams(), cache=cache)
t2 = time.perf_counter()
result = assess(terrain, sensors, pd.DataFrame({"cell": pd.Series([], dtype="uint64"), "last_at": pd.Series(
    [], dtype="datetime64[ns, UTC]"), "effort_h": pd.Series([], dtype=float)}), pd.Series(dtype=float),
    now=datetime.now(timezone.utc), event_days=30.0, cache=cache)
cache.objects("image", content_key("image", terrain.source_key, terrain.params.sight(), sensors),
              lambda: coverage_image(seen_by_sensors(terrain, sensors, cache=cache)[0], terrain.dem))
t3 = time.perf_counter()
sets = candidate_coverage(terrain, SiteModel(height_m=24.0, range_m=12_000.0), cache=cache)
t4 = time.perf_counter()
print(json.dumps({"imports": imported, "terrain": t2 - t1, "viewsheds": t3 - t2, "sites": t4 - t3,
                  "total": t4 - t1, "covered": result.covered_share, "sites_nnz": int(sets.nnz)}))
"""


def _child(folder: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", _CHILD, str(folder)], check=True, capture_output=True, text=True,
                         cwd=checkout_root())
    return json.loads(out.stdout.strip().splitlines()[-1])


def run(rounds: int = 3) -> list[Figure]:
    """Cold and disk-cached first opens, alternating; medians per phase, the answers checked equal."""
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="limes-covcache-") as tmp:
            cold.append(_child(Path(tmp)))
            warm.append(_child(Path(tmp)))
    if {(r["covered"], r["sites_nnz"]) for r in cold + warm} != {(cold[0]["covered"], cold[0]["sites_nnz"])}:
        raise AssertionError("the cached answers differ from the cold ones")
    load = os.getloadavg()[0]
    figures = []
    for phase in ("terrain", "viewsheds", "sites", "total"):
        ours, naive = statistics.median(r[phase] for r in warm), statistics.median(r[phase] for r in cold)
        figures.append(Figure(f"Coverage first open, {phase}: disk-cached vs cold (new process)", "s", ours, naive,
                              "total ≤ 5 s with the page" if phase == "total" else "—", higher_is_better=False,
                              note=f"median of {rounds}; load average {load:.1f}"))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = run(args.rounds)
    print(json.dumps([f.as_dict() for f in figures], indent=1) if args.json else format_table(figures))


if __name__ == "__main__":
    main()
