"""The live map under load, this checkout against a baseline checkout, in one run on one store.

``python -m bench.load_compare BASELINE_DIR [--baseline-first]``: the baseline is another
checkout's files (e.g. ``git archive <commit> | tar -x -C DIR``). Each server is started in turn
(:func:`bench.load_bench._measure`: N websocket sessions at 1 Hz while a writer feeds 100 events/s),
ours and the baseline with sessions sharing the live frame, then each session computing its own.
The machine's load average is recorded after each server; on a shared machine run it twice, in
both orders, since the load drifts between servers.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from bench.harness import Figure, format_table
from bench.load_bench import _measure, fill_store


def run(baseline: Path, *, sessions: tuple[int, ...] = (1, 5, 10, 20), stored: int = 1_000_000, per_s: int = 100,
        duration_s: float = 20.0, baseline_first: bool = False) -> list[Figure]:
    """p95 round trips per number of ``sessions``: ours against ``baseline``, shared and each session its own."""
    figures = []
    with tempfile.TemporaryDirectory(prefix="limes-load-compare-") as tmp:
        url = fill_store(Path(tmp), stored)
        kw = {"sessions": sessions, "stored": stored, "per_s": per_s, "duration_s": duration_s, "log_dir": Path(tmp)}
        for sharing in (True, False):
            results, loads = {}, {}
            for name in (("baseline", "ours") if baseline_first else ("ours", "baseline")):
                results[name] = _measure(url, sharing=sharing, root=baseline if name == "baseline" else None, **kw)
                loads[name] = os.getloadavg()[0]
            for n in sessions:
                (p50, p95, cpu, _, count, failures), (b50, b95, b_cpu, _, b_count, _) = \
                    results["ours"][n], results["baseline"][n]
                figures.append(Figure(
                    f"loadtest_p95_ms vs baseline, {n} session{'s' if n > 1 else ''}, "
                    f"{'shared frame' if sharing else 'each session its own'}", "ms", p95, b95,
                    "≤ 1000 ms at 20 sessions", False,
                    f"p50 {p50:.0f} ms (baseline {b50:.0f}); {count} round trips (baseline {b_count}); server CPU "
                    f"{cpu * n * duration_s / max(count, 1) * 1e3:.0f} ms per round trip (baseline "
                    f"{b_cpu * n * duration_s / max(b_count, 1) * 1e3:.0f}); load average after ours "
                    f"{loads['ours']:.1f}, after the baseline {loads['baseline']:.1f}"
                    + (f"; {len(failures)} sessions failed" if failures else "")))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path, help="the baseline checkout's folder")
    parser.add_argument("--baseline-first", action="store_true", help="measure the baseline before ours")
    parser.add_argument("--stored", type=int, default=1_000_000, help="events in the store")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds per number of sessions")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a Markdown table")
    args = parser.parse_args()
    figures = run(args.baseline, stored=args.stored, duration_s=args.seconds, baseline_first=args.baseline_first)
    print(json.dumps([f.as_dict() for f in figures], indent=2) if args.json else format_table(figures))


if __name__ == "__main__":
    main()
