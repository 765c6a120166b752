"""The ``limes`` command line. Subcommands: ``bench`` (later: import, poll, demo, report)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from geo.errors import LimesError


def _bench(args: argparse.Namespace) -> int:
    from bench import hexgrid_bench
    from bench.harness import format_table

    figures = hexgrid_bench.run(args.events)
    if args.json:
        print(json.dumps({f.name: f.as_dict() for f in figures}, indent=2))
    else:
        print(format_table(figures))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="limes", description="Limes border situational awareness")
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="measure performance figures beside the naive approach")
    bench.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    bench.add_argument("--events", type=int, default=10_000_000, help="events to aggregate (default 10 M)")
    bench.set_defaults(handler=_bench)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``limes`` script."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except LimesError as exc:
        print(f"limes: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
