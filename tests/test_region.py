"""Regions as data: the TOML loader, `limes region init` from the shipped world data, and everything regional
following the region (sections, the corridor on our side, the briefing pack), checked against the world
data's own border lengths. Also: no module outside the region loader names the bundled border."""

from __future__ import annotations

import csv
import math
import re
import tomllib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.cli import main as limes
from dashboard.config import settings_env, settings_from_env
from geo.briefing import sections_by_length
from geo.coverage import CoverageParams, load_terrain, our_side
from geo.errors import InputError
from geo.grid import cells_latlng
from geo.region import BUNDLED_REGION_FILE, load_region, region_toml, utm_crs
from geo.settings import Settings, bundled_data_dir, bundled_region
from geo.spatial import WORLD_BORDERS, border_lines, load_basemap, read_world, region_countries
from tests.test_region_views import deck_px as _deck_px

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = bundled_data_dir() / BUNDLED_REGION_FILE


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("regions")
    out = {}
    for key, name, a, b in (("hun-srb", "HU–RS", "HUN", "SRB"), ("fin-rus", "FI–RU", "FIN", "RUS")):
        out[key] = tmp / f"{key}.toml"
        assert limes(["region", "init", "--name", name, "--countries", a, b, "--out", str(out[key])]) == 0
    return out


def test_bundled_region_is_the_default_everywhere() -> None:
    region = bundled_region()
    assert region.source == BUNDLED.resolve()
    assert Settings.build().region == region
    assert settings_from_env({}).region == region
    assert len(region.pairs) == 2 and len(region.ours) == 2 and region.metric_crs.startswith("EPSG:326")
    west, south, east, north = region.aoi_lonlat
    assert west < region.view.longitude < east and south < region.view.latitude < north
    assert set(border_lines(region)["pair"]) == set(region.pairs)


def test_region_comes_from_the_environment_and_goes_to_the_server(regions: dict[str, Path]) -> None:
    chosen = settings_from_env({"LIMES_REGION": str(regions["hun-srb"])})
    assert chosen.region.pairs == ("HUN-SRB",) and chosen.region.ours == ("HUN",)
    assert settings_env(chosen)["LIMES_REGION"] == str(regions["hun-srb"].resolve())
    assert settings_from_env(settings_env(chosen)).region == chosen.region


def test_region_init_builds_from_world_data(regions: dict[str, Path]) -> None:
    hun, fin = load_region(regions["hun-srb"]), load_region(regions["fin-rus"])
    assert (hun.pairs, hun.ours, hun.watched, hun.borders) == (("HUN-SRB",), ("HUN",), ("SRB",), WORLD_BORDERS)
    # The metric CRS is the UTM zone of the border's centre: 34N for Hungary-Serbia, 35N for Finland-Russia.
    assert (hun.metric_crs, fin.metric_crs) == ("EPSG:32634", "EPSG:32635")
    assert hun.terrain_dem is None and hun.countries is None  # the world's 5' relief and 1:10m countries stand in
    line = border_lines(fin).geometry.iloc[0]
    west, south, east, north = fin.aoi_lonlat
    assert shapely.box(west, south, east, north).contains(line)
    # the opening view shows the whole area (the centre is the Mercator middle, north of the degrees' middle)
    assert all(abs(x) <= 400 and abs(y) <= 300 for x, y in (_deck_px(fin.view, lon, lat) for lon in (west, east)
                                                          for lat in (south, north)))


def test_region_toml_round_trips(tmp_path: Path) -> None:
    region = bundled_region()
    out = tmp_path / "copy.toml"
    out.write_text(region_toml(region, folder=tmp_path), encoding="utf-8")
    again = load_region(out)
    assert (again.pairs, again.ours, again.metric_crs, again.aoi_lonlat, again.view, again.form_view) == \
        (region.pairs, region.ours, region.metric_crs, region.aoi_lonlat, region.view, region.form_view)
    assert again.borders == region.borders and again.hillshade_dem == region.hillshade_dem


@pytest.mark.parametrize("key", ["hun-srb", "fin-rus"])
def test_sections_cover_the_border_length_within_one_percent(regions: dict[str, Path], key: str) -> None:
    region = load_region(regions[key])
    borders = border_lines(region)
    world = read_world(WORLD_BORDERS).set_index("pair").loc[list(region.pairs), "length_km"]
    sections = sections_by_length(borders, target_length_km=25.0, towns=load_basemap(region).towns)
    total = float(sections["length_km"].sum())
    assert total == pytest.approx(float(world.sum()), rel=0.01)
    assert abs(len(sections) - float(world.sum()) / 25.0) <= 1  # pieces as close as possible to 25 km
    print(f"{region.name}: {len(sections)} sections, {total:.1f} km of {float(world.sum()):.1f} km")


@pytest.mark.parametrize("key", ["hun-srb", "fin-rus"])
def test_corridor_lies_on_our_side(regions: dict[str, Path], key: str) -> None:
    region = load_region(regions[key])
    terrain = load_terrain(params=CoverageParams(corridor_width_m=10_000.0, res=7), region=region)
    assert terrain.coarse  # no DEM given: the world relief, and the page says so
    centres = cells_latlng(terrain.corridor.cells)
    ours = our_side(region)
    theirs = shapely.union_all(region_countries(region).set_index("adm0_a3").loc[list(region.watched)].geometry.values)
    points = shapely.points(centres[:, 1], centres[:, 0])
    inside_ours = shapely.contains(ours.buffer(0.02), points)  # ~2 km: a res-7 cell centre may sit past the line
    assert len(points) > 50 and inside_ours.mean() > 0.98
    assert shapely.contains(theirs.buffer(-0.05), points).sum() == 0


def _events_near(region_path: Path, out: Path, *, n: int = 120) -> Path:
    """Events spread along the region's border, a kilometre or two inside our side, in the native columns."""
    region = load_region(region_path)
    line = border_lines(region).geometry.iloc[0]
    side = our_side(region)
    rng = np.random.default_rng(7)
    start = datetime(2026, 3, 1, tzinfo=timezone.utc)
    rows = []
    for i, t in enumerate(rng.uniform(0, 1, n * 3)):
        point = shapely.line_interpolate_point(line, t, normalized=True)
        lon, lat = point.x + rng.normal(0, 0.02), point.y + rng.normal(0, 0.02)
        if not side.contains(shapely.Point(lon, lat)):
            continue
        rows.append({"event_id": f"e{i}", "occurred_at": (start + timedelta(hours=i)).isoformat(), "lat": round(lat, 5),
                     "lon": round(lon, 5), "type": "apprehension", "persons": 3})
        if len(rows) == n:
            break
    with out.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return out


@pytest.mark.parametrize("key", ["hun-srb", "fin-rus"])
def test_report_with_region_writes_a_pack(regions: dict[str, Path], key: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite:///{tmp_path / 'r.sqlite'}"
    events = _events_near(regions[key], tmp_path / "events.csv")
    assert limes(["import", str(events), "--mapping", "native", "--db", db, "--json", "--region",
                  str(regions[key])]) == 0
    pdf, sections_csv = tmp_path / "pack.pdf", tmp_path / "sections.csv"
    assert limes(["report", "--region", str(regions[key]), "--db", db, "--from", "2026-03-01", "--to", "2026-03-31",
                  "--out", str(pdf), "--csv", str(sections_csv)]) == 0
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 20_000
    with sections_csv.open() as f:
        rows = list(csv.DictReader(f))
    assert rows and all(r["name"].startswith(("HU", "FI")) for r in rows)  # sections named on the region's pair
    assert "sections" in capsys.readouterr().out


def test_bad_region_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    good = tomllib.loads(BUNDLED.read_text())
    cases = {
        "missing.toml": (None, "does not exist"),
        "garbage.toml": ("name = [", "not a valid TOML"),
        "nopairs.toml": ({**good, "pairs": []}, "at least one border"),
        "reversed.toml": ({**good, "aoi": [23.9, 40.3, 20.3, 42.45]}, "west < east"),
        "nofile.toml": ({**good, "borders": "nowhere.geojson"}, "does not exist"),
        "badview.toml": ({**good, "view": {"latitude": 95, "longitude": 0, "zoom": 5}}, "outside lat"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content)
        elif content is not None:
            path.write_text(_toml(content, BUNDLED.parent))
        with pytest.raises(InputError, match=message):
            load_region(path)


def _toml(table: dict, base: Path) -> str:
    lines, tables = [], []
    for key, value in table.items():
        if isinstance(value, dict):
            tables.append(f"[{key}]\n" + "\n".join(f"{k} = {v!r}" for k, v in value.items()))
        elif isinstance(value, str) and key in ("borders", "countries", "gazetteer") or key.endswith("_dem"):
            lines.append(f'{key} = "{(base / value).as_posix()}"')
        elif isinstance(value, str):
            lines.append(f'{key} = "{value}"')
        else:
            lines.append(f"{key} = {value!r}".replace("'", '"'))
    return "\n".join(lines) + "\n\n" + "\n\n".join(tables) + "\n"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(aoi=st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-1000, 1000),
                              st.text(max_size=3)), min_size=0, max_size=6))
def test_any_malformed_area_is_refused_or_valid(tmp_path: Path, aoi: list) -> None:
    """Whatever the ``aoi`` holds, the loader refuses it with InputError or returns a region inside the globe."""
    good = tomllib.loads(BUNDLED.read_text())
    path = tmp_path / "aoi.toml"
    body = _toml({k: v for k, v in good.items() if k != "aoi"}, BUNDLED.parent)
    values = ", ".join('"x"' if isinstance(v, str) else ("nan" if isinstance(v, float) and math.isnan(v) else
                       ("inf" if v == math.inf else "-inf" if v == -math.inf else repr(v))) for v in aoi)
    path.write_text(f"aoi = [{values}]\n" + body)
    try:
        region = load_region(path)
    except InputError:
        return
    west, south, east, north = region.aoi_lonlat
    assert -180 <= west < east <= 180 and -90 <= south < north <= 90


def test_utm_zone_of_a_place() -> None:
    assert utm_crs(19.6, 46.0) == "EPSG:32634" and utm_crs(29.5, 64.0) == "EPSG:32635"
    assert utm_crs(-70.0, -33.0) == "EPSG:32719"


def test_no_module_outside_the_region_loader_names_the_bundled_border() -> None:
    """The bundled region's countries, CRS and coordinates live in data/regions/bundled.toml only."""
    region = tomllib.loads(BUNDLED.read_text())
    codes = {code for pair in region["pairs"] for code in pair.split("-")} | set(region["ours"]) | set(region["watched"])
    numbers = [*region["aoi"], region["view"]["latitude"], region["view"]["longitude"],
               region["form_view"]["latitude"], region["form_view"]["longitude"]]
    patterns = [re.escape(region["metric_crs"]), *(rf"\b{code}\b" for code in codes),
                # the area as a tuple, and a view centre as a lat/lon pair in either order
                r"\(?\s*" + r"\s*,\s*".join(re.escape(str(v)) for v in region["aoi"]) + r"\s*\)?",
                *(rf"{re.escape(str(a))}\s*,\s*{re.escape(str(b))}\b"
                  for a, b in ((numbers[4], numbers[5]), (numbers[5], numbers[4]), (numbers[6], numbers[7]),
                               (numbers[7], numbers[6])))]
    found = []
    files = [p for package in ("geo", "layers", "dashboard", "bench") for p in (ROOT / package).rglob("*.py")]
    files += [ROOT / "streamlit_app.py", ROOT / "report_form.py"]
    for path in files:
        if path.is_relative_to(ROOT / "geo" / "region"):
            continue
        text = path.read_text()
        found += [f"{path.relative_to(ROOT)}: {p}" for p in patterns if re.search(p, text)]
    assert found == []


def test_iom_sample_every_incident_in_the_world_map_spec(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundled IOM sample (incidents on several continents): with "Zoom to data" every incident's hexagon is in
    the map spec, at a continental resolution, over the world's countries, names and towns."""
    import json

    import h3
    from streamlit.testing.v1 import AppTest

    from dashboard import cache, state
    from geo.store import open_store, read_events

    db = f"sqlite:///{tmp_path / 'iom.sqlite'}"
    assert limes(["import", str(bundled_data_dir() / "incidents" / "MissingMigrants-Global-2026-05-06--19_42_11.csv"),
                  "--mapping", "iom", "--db", db, "--json"]) == 0
    store = open_store(db)
    try:
        events = read_events(store)
    finally:
        store.close()
    assert len(events) > 200
    monkeypatch.setenv("LIMES_DB", db)
    monkeypatch.setenv("LIMES_SCENARIO", "off")
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=180).run()
    assert not at.exception, at.exception
    at.toggle(key=state.ZOOM_TO_DATA).set_value(True).run()
    assert not at.exception, at.exception
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layer = next(layer for layer in spec["layers"] if layer["id"] == "hexagons")
    drawn = {row["hex"] for row in layer["data"]}
    res = {h3.get_resolution(h) for h in drawn}
    assert len(res) == 1 and res <= {3, 4}  # a continental view's resolution
    layer_res = res.pop()
    wanted = {h3.cell_to_parent(h3.latlng_to_cell(lat, lon, 10), layer_res)
              for lat, lon in zip(events["lat"], events["lon"], strict=True)}
    assert wanted <= drawn
    ids = {layer["id"] for layer in spec["layers"]}
    assert {"world-countries", "country-labels", "world-towns", "relief-world"} <= ids
    world = next(layer for layer in spec["layers"] if layer["id"] == "world-countries")
    # The basemap goes to the browser as a file it caches (static/generated/, by URL): read what it would fetch.
    served = cache.generated_dir() / world["data"].removeprefix("/app/static/generated/").split("?")[0]
    assert len(json.loads(served.read_text())["features"]) > 200  # the whole world under data anywhere
    assert spec["initialViewState"]["zoom"] < 4


def test_region_init_from_the_users_own_border_file_and_dem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--borders` takes any OGR file with a CRS (here a GeoPackage in ETRS89-LAEA metres), `--dem` any GeoTIFF:
    the lines come back in degrees with their geodesic length, the DEM serves the terrain (no coarse-relief note),
    sections cover the line and the corridor lies on the side named by `--ours`."""
    import geopandas as gpd
    import rasterio
    from rasterio.windows import from_bounds

    from geo.spatial import WORLD_RELIEF

    world = read_world(WORLD_BORDERS).set_index("pair").loc[["HUN-SRB"]]
    lines = tmp_path / "own_border.gpkg"
    gpd.GeoDataFrame({"name": ["state border"]}, geometry=list(world.geometry), crs="EPSG:4326").to_crs(
        "EPSG:3035").to_file(lines, driver="GPKG")
    dem = tmp_path / "own_dem.tif"
    with rasterio.open(WORLD_RELIEF) as src:
        window = from_bounds(18.5, 44.8, 21.8, 47.0, src.transform).round_offsets().round_lengths()
        profile = {**src.profile, "driver": "GTiff", "width": int(window.width), "height": int(window.height),
                   "transform": src.window_transform(window)}
        profile.pop("blockxsize", None), profile.pop("blockysize", None), profile.pop("tiled", None)
        with rasterio.open(dem, "w", **profile) as out:
            out.write(src.read(window=window))
    out = tmp_path / "own.toml"
    assert limes(["region", "init", "--name", "HU own", "--borders", str(lines), "--ours", "HUN", "--dem", str(dem),
                  "--out", str(out)]) == 0
    assert "1 border line, " in capsys.readouterr().out
    region = load_region(out)
    assert region.borders == out.with_name("own.borders.geojson").resolve() and region.borders.is_file()
    assert region.pairs == ("LINE-1",) and region.ours == ("HUN",) and region.terrain_dem == dem.resolve()
    assert region.metric_crs == utm_crs(20.0, 46.0)  # the UTM zone of the line's centre
    own = border_lines(region)
    assert float(own["length_km"].sum()) == pytest.approx(float(world["length_km"].sum()), rel=0.005)
    sections = sections_by_length(own, target_length_km=25.0, towns=load_basemap(region).towns)
    assert float(sections["length_km"].sum()) == pytest.approx(float(own["length_km"].sum()), rel=0.01)
    terrain = load_terrain(params=CoverageParams(corridor_width_m=10_000.0, res=7), region=region)
    assert not terrain.coarse  # the user's DEM, not the world relief
    centres = cells_latlng(terrain.corridor.cells)
    points = shapely.points(centres[:, 1], centres[:, 0])
    assert len(points) > 50 and shapely.contains(our_side(region).buffer(0.02), points).mean() > 0.98


@pytest.mark.parametrize("kind", ["no-crs", "points", "not-a-file"])
def test_a_border_file_that_cannot_serve_is_refused(tmp_path: Path, kind: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    import geopandas as gpd

    path = tmp_path / "border.geojson"
    if kind == "no-crs":
        path = tmp_path / "border.shp"
        with pytest.warns(UserWarning, match="crs"):  # the writer warns too: the file has no .prj
            gpd.GeoDataFrame(geometry=[shapely.LineString([(20, 46), (21, 46)])]).to_file(path)
    elif kind == "points":
        gpd.GeoDataFrame(geometry=[shapely.Point(20, 46)], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    else:
        path.write_bytes(b"\x00\x01 not geodata")
    code = limes(["region", "init", "--name", "X", "--borders", str(path), "--ours", "HUN",
                  "--out", str(tmp_path / "x.toml")])
    assert code == 2 and not (tmp_path / "x.toml").exists()
    assert {"no-crs": "has no CRS", "points": "holds no lines", "not-a-file": "cannot read"}[kind] in \
        capsys.readouterr().err


def test_the_bundled_scenario_stays_with_the_bundled_region(regions: dict[str, Path],
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Another region does not get the GR–MK scenario's events in its store (unless asked for), and `limes demo`,
    which replays that scenario, says so and points to serving one's own data instead of showing the wrong border."""
    hun = str(regions["hun-srb"])
    assert settings_from_env({}).scenario is True
    assert settings_from_env({"LIMES_REGION": hun}).scenario is False
    assert settings_from_env({"LIMES_REGION": hun, "LIMES_SCENARIO": "on"}).scenario is True
    assert settings_from_env({"LIMES_REGION": str(BUNDLED)}).scenario is True
    assert limes(["demo", "--region", hun, "--port", "1", "--feed-port", "1"]) == 2
    err = capsys.readouterr().err
    assert "bundled scenario" in err and "HU–RS" in err and "limes serve --region" in err


_TITLE = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(str.strip)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(titles=st.dictionaries(st.sampled_from(["el", "mk", "sq", "bg", "sr", "sr-Latn", "xx"]),
                              _TITLE | st.sampled_from(['**bold** <b>x</b>', '=SUM(A1)', 'a "quoted" \\ title',
                                                        "[link](http://x)"]), max_size=7),
       bad=st.one_of(st.integers(), st.just(""), st.just("   "), st.lists(st.text(), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2), st.booleans()))
def test_region_titles_from_a_file_round_trip_and_bad_values_are_refused(tmp_path: Path, titles: dict[str, str],
                                                                         bad: object) -> None:
    """Whatever text a region file's [titles] hold (any script, Markdown, HTML, quotes, formulas) is read back as
    written (stripped), and a value that is not a non-blank text is refused with the file named, never half-read."""
    import dataclasses

    region = dataclasses.replace(bundled_region(), titles=tuple((k, v.strip()) for k, v in titles.items()))
    good = tmp_path / "good.toml"
    good.write_text(region_toml(region, folder=tmp_path), encoding="utf-8")
    loaded = load_region(good)
    assert dict(loaded.titles) == {k: v.strip() for k, v in titles.items()}
    assert all(loaded.title_for(k) == v.strip() for k, v in titles.items())
    table = tomllib.loads(good.read_text(encoding="utf-8"))
    table["titles"] = {**table.get("titles", {}), "el": bad}
    broken = tmp_path / "broken.toml"
    broken.write_text(good.read_text(encoding="utf-8").split("\n[titles]")[0] + "\n[titles]\n" +
                      _toml_pairs(table["titles"]), encoding="utf-8")
    with pytest.raises(InputError, match=r"broken\.toml: \[titles\]"):
        load_region(broken)


def _toml_pairs(table: dict[str, object]) -> str:
    """``key = value`` lines of a TOML table whose values may be of any TOML type (a nested table inline)."""
    import json

    def value(v: object) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {value(x)}" for k, x in v.items()) + "}"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False)
    return "".join(f"{json.dumps(k, ensure_ascii=False)} = {value(v)}\n" for k, v in table.items())
