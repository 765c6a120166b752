"""The ``limes`` command line. Subcommands: ``bench``, ``import`` (later: poll, demo, report)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from geo.errors import LimesError


def _bench(args: argparse.Namespace) -> int:
    from bench import hexgrid_bench, store_bench
    from bench.harness import format_table

    figures = [*hexgrid_bench.run(args.events), *store_bench.run(args.import_rows)]
    if args.json:
        print(json.dumps({f.name: f.as_dict() for f in figures}, indent=2))
    else:
        print(format_table(figures))
    return 0


def _import(args: argparse.Namespace) -> int:
    from geo.importer import import_file
    from geo.store import open_store

    store = open_store(args.db)
    try:
        def show(rows: int) -> None:
            print(f"\r  {rows:,} rows read", end="", file=sys.stderr, flush=True)

        report = import_file(Path(args.path), store, mapping=args.mapping, progress=None if args.json else show)
    finally:
        store.close()
    if args.json:
        print(json.dumps({k: report.as_dict()[k] for k in ("read", "inserted", "duplicates", "quarantined", "reasons")}))
    else:
        print(file=sys.stderr)
        print(report.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="limes", description="Limes border situational awareness")
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="measure performance figures beside the naive approach")
    bench.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    bench.add_argument("--events", type=int, default=10_000_000, help="events to aggregate (default 10 M)")
    bench.add_argument("--import-rows", type=int, default=2_000_000, help="events to import (default 2 M)")
    bench.set_defaults(handler=_bench)
    load = sub.add_parser("import", help="import an event file (CSV, GeoJSON, GeoPackage, GeoParquet, Excel)")
    load.add_argument("path", help="the file to import")
    load.add_argument("--mapping", help="preset (native, iom, generic) or a TOML mapping file; default: detect")
    load.add_argument("--db", help="store URL (sqlite:///path or postgresql://...); default: $LIMES_DB or var/limes.sqlite")
    load.add_argument("--json", action="store_true", help="print the report as one JSON object")
    load.set_defaults(handler=_import)
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
