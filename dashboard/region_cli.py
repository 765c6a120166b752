"""``limes region init``: write a region TOML file from the shipped world data or the user's own files."""

from __future__ import annotations

import argparse
from pathlib import Path

from dashboard.cli_options import command_translator


def add_region_command(sub: argparse._SubParsersAction) -> None:
    """Register ``limes region init`` on the command line's subparsers."""
    region = sub.add_parser("region", help="regions: the border Limes watches, as a TOML file")
    actions = region.add_subparsers(dest="region_command", required=True)
    init = actions.add_parser("init", help="build a region from country pairs (world data) or your border file")
    init.add_argument("--name", required=True, help='short name, e.g. "HU–RS"')
    init.add_argument("--countries", nargs=2, action="append", metavar=("AAA", "BBB"),
                      help="a pair of neighbouring countries (ISO3); repeat for more pairs")
    init.add_argument("--ours", metavar="AAA", help="our side (ISO3; default: the first country named)")
    init.add_argument("--borders", type=Path, metavar="FILE",
                      help="your own border lines instead (any OGR format with a CRS)")
    init.add_argument("--dem", type=Path, action="append", metavar="FILE",
                      help="your DEM (GeoTIFF/COG/.hgt); default: the world's 5' relief")
    init.add_argument("--metric-crs", help="projected CRS for distances (default: the UTM zone of the border)")
    init.add_argument("--out", type=Path, required=True, help="the region TOML file to write")
    init.set_defaults(handler=_init)


def _init(args: argparse.Namespace) -> int:
    from geo.region import load_region
    from geo.spatial import build_region, write_region

    region, lines = build_region(name=args.name, countries=[tuple(p) for p in args.countries or []],
                                 ours=args.ours, borders=args.borders, dems=args.dem, metric_crs=args.metric_crs,
                                 out=args.out)
    write_region(region, lines, out=args.out)
    written = load_region(args.out)
    tr = command_translator(args)
    print(tr.ngettext("{name}: {n} border line, {km} km, our side {ours}, metric CRS {crs}; wrote {file}",
                      "{name}: {n} border lines, {km} km, our side {ours}, metric CRS {crs}; wrote {file}",
                      len(lines)).format(name=written.name, n=tr.number(len(lines)), ours=" ".join(written.ours),
                                         km=tr.number(float(lines["length_km"].sum()), decimals=1),
                                         crs=written.metric_crs, file=args.out))
    return 0
