"""One real error of every module of the core told in two languages, and no plain-string raise left where users
meet them (the mechanism, the pages and the command line: ``tests/test_i18n_errors.py``)."""

from __future__ import annotations

import ast
import pickle
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import geopandas as gpd
import httpx
import numpy as np
import pandas as pd
import pytest
import rasterio

from geo.analysis.alerts import unusual_word
from geo.analysis.emerging import mann_kendall
from geo.analysis.hotspots import neighbour_matrix
from geo.briefing.figures import FigureParams
from geo.briefing.pack import read_rules
from geo.briefing.suppression import suppress_cells
from geo.coverage.corridor import CoverageParams
from geo.coverage.cost import CostParams
from geo.coverage.costdistance import cost_distance
from geo.coverage.gaps import cell_risk
from geo.coverage.patrols import within_reach
from geo.coverage.placement import SiteModel
from geo.coverage.routefiles import frame_bytes
from geo.coverage.routes import RouteParams
from geo.coverage.viewshed import ViewshedParams
from geo.errors import (
    FeedError,
    ImportFileError,
    LimesError,
    Message,
    ReservedSourceError,
    describe,
    msg,
)
from geo.feeds.cot_listener import make_cot_listener
from geo.feeds.fetch import get_page
from geo.feeds.formats import parse_geojson
from geo.feeds.kobo import parse_kobo
from geo.feeds.poller import Feed
from geo.feeds.share import parse_share_page
from geo.grid.cells import BASE_RES, hex_to_cell, latlng_to_cells
from geo.grid.index import EventIndex
from geo.i18n import translator
from geo.incidents.cot import parse_endpoint
from geo.incidents.fusion import FusionRule
from geo.incidents.handover import build_handover
from geo.incidents.suggest import TravelParams
from geo.ingest import import_file
from geo.models import EVENT_TYPES, SCENARIO_SOURCE
from geo.region.model import load_region
from geo.scenario.generator import EMERGING_DAYS, generate
from geo.sharing.agreement import REFUSED_TERMS, agreement_from_terms, load_agreements
from geo.sharing.ca import CA_CERT, SERVER_CERT, SERVER_KEY, create_ca
from geo.sharing.publish import MAX_LIMIT, paging
from geo.sharing.serve import share_server
from geo.spatial.dem import read_metric_dem
from geo.spatial.regions import build_region
from geo.spatial.terrain import open_georeferenced
from geo.spatial.vectors import read_vector
from geo.spatial.world import read_world
from geo.store import open_store
from tests.conftest import ROOT
from tests.test_i18n_errors import EMPTY, _msgstr

# --- The rest of the core: one real error per converted module, in two languages -------------------------------

FROM_EXC = object()
"""A field whose value the raise site takes from the system (an OS error's text): read back from the message."""


def _loopback_503() -> tuple[ThreadingHTTPServer, str]:
    """A real HTTP server on 127.0.0.1 that answers every GET with 503 (a feed that is down)."""

    class Down(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the http.server hook's name)
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Down)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/events.geojson"


def _raster_without_crs(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.tif"
    with rasterio.open(path, "w", driver="GTiff", width=2, height=2, count=1, dtype="float32",
                       transform=rasterio.transform.from_origin(22.0, 42.0, 0.1, 0.1)) as out:
        out.write(np.zeros((1, 2, 2), dtype="float32"))
    open_georeferenced(path)


def _unknown_type_index(tmp_path: Path) -> None:
    EventIndex(pd.DataFrame({"occurred_at": [pd.Timestamp("2026-11-20T10:00:00Z")], "type": ["ufo"], "persons": [1],
                             "cell": latlng_to_cells(np.array([41.1]), np.array([22.5]), BASE_RES)}))


def _import_stopped_by_the_store(tmp_path: Path) -> None:
    header = "event_id,source,type,occurred_at,lat,lon,persons,impact,confidence,status\n"
    row = "E{:04d},deep,apprehension,2026-11-20T10:00:00Z,41.1,22.5,3,low,0.8,open\n"
    path = tmp_path / "deep.csv"
    path.write_text(header + "".join(row.format(i) for i in range(30)))
    store = open_store(f"sqlite:///{tmp_path / 'store.sqlite'}")

    def disk_full(rows: int) -> None:
        if rows >= 20:
            raise ImportFileError(msg(EMPTY, name="disk"))  # any user-facing error part-way

    try:
        import_file(path, store, mapping="native", chunk_rows=10, progress=disk_full)
    finally:
        store.close()


NOW_UTC = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
CASES: list[tuple[str, Callable[[Path], object], str, dict[str, object]]] = [
    ("analysis.alerts", lambda t: unusual_word(1.5), "a p-value lies in 0..1; got {p!r}", {"p": 1.5}),
    ("analysis.emerging", lambda t: mann_kendall([[1.0, 2.0]]),
     "a Mann-Kendall trend needs at least 3 time steps; got {n}", {"n": 2}),
    ("analysis.hotspots", lambda t: neighbour_matrix(np.array([], dtype=np.uint64), -1),
     "ring size k must be >= 0; got {k}", {"k": -1}),
    ("briefing.figures", lambda t: FigureParams(corridor_km=0), "corridor_km must be > 0; got {corridor_km}",
     {"corridor_km": 0}),
    ("briefing.pack", lambda t: read_rules(t / "missing.toml"), "cannot read the level rules {path}: {strerror}",
     {"path": "<tmp>/missing.toml", "strerror": "No such file or directory"}),
    ("briefing.suppression", lambda t: suppress_cells(pd.DataFrame({"cell": [], "count": []}), k=0),
     "the suppression threshold k must be an integer >= 1; got {k!r}", {"k": 0}),
    ("coverage.corridor", lambda t: CoverageParams(res=4), "res must be an H3 resolution in 5..10; got {res!r}",
     {"res": 4}),
    ("coverage.cost", lambda t: CostParams(river_factor=0.5), "river_factor must be within 1..1000; got {river_factor}",
     {"river_factor": 0.5}),
    ("coverage.costdistance", lambda t: cost_distance(np.full((3, 3), np.inf), [[1, 1]], dx_m=10.0),
     "no source lies on passable ground: there is nowhere to start from", {}),
    ("coverage.gaps", lambda t: cell_risk(pd.DataFrame(), pd.DataFrame(), pd.Series(dtype=float), days=0),
     "days must be > 0; got {days}", {"days": 0}),
    ("coverage.patrols", lambda t: within_reach(pd.DataFrame(), rings=-1), "rings must be >= 0; got {rings}",
     {"rings": -1}),
    ("coverage.placement", lambda t: SiteModel(height_m=-1.0),
     "a site model needs 0 <= height_m <= 200 and 0 < range_m <= 50,000; got {self}", {"self": FROM_EXC}),
    ("coverage.routefiles", lambda t: frame_bytes(gpd.GeoDataFrame(), suffix=".csv"),
     "route files are {suffixes}; got {suffix!r}", {"suffixes": ".geojson, .json, .parquet, .geoparquet",
                                                    "suffix": ".csv"}),
    ("coverage.routes", lambda t: RouteParams(k=0), "k must be a whole number within 1..10; got {k!r}", {"k": 0}),
    ("coverage.viewshed", lambda t: ViewshedParams(fov_deg=0.0), "fov_deg must be in (0, 360]; got {fov_deg}",
     {"fov_deg": 0.0}),
    ("feeds.cot_listener", lambda t: make_cot_listener(None, name="cot", max_connections=0, idle_timeout_s=5.0),
     "{name}: max_connections >= 1 and idle_timeout_s > 0; got {max_connections}, {idle_timeout_s}",
     {"name": "cot", "max_connections": 0, "idle_timeout_s": 5.0}),
    ("feeds.formats", lambda t: parse_geojson(b"{}"), "GeoJSON payload is not a FeatureCollection with a features list",
     {}),
    ("feeds.kobo", lambda t: parse_kobo(b"{}"), "KoboToolbox payload has no 'results' list of submissions", {}),
    ("feeds.poller", lambda t: Feed(name="x", url="ftp://x", kind="geojson"),
     "feed {feed!r}: url must start with http:// or https://; got {url!r}", {"feed": "x", "url": "ftp://x"}),
    ("feeds.share", lambda t: parse_share_page(b"[]"), "shared picture is not a JSON object", {}),
    ("grid.cells", lambda t: hex_to_cell("zz"), "not an H3 cell id: {hex_id!r}", {"hex_id": "zz"}),
    ("grid.columns", _unknown_type_index, "unknown event type(s) {unknown}; known types are {types}",
     {"unknown": ["ufo"], "types": list(EVENT_TYPES)}),
    ("grid.index", lambda t: EventIndex(pd.DataFrame({"type": []})), "events lack column(s) {missing}; required: "
     "{required}", {"missing": ["occurred_at", "persons", "cell"], "required": ["occurred_at", "type", "persons",
                                                                                "cell"]}),
    ("incidents.cot", lambda t: parse_endpoint("nohost"), "a CoT endpoint is host:port (port 1-65535); got "
     "{endpoint!r}", {"endpoint": "nohost"}),
    ("incidents.fusion", lambda t: FusionRule(distance_m=-1.0),
     "fusion distance_m must be a finite number >= 0; got {distance_m!r}", {"distance_m": -1.0}),
    ("incidents.handover", lambda t: build_handover(None, start=NOW_UTC, end=NOW_UTC, generated_at=NOW_UTC,
                                                    alerts=pd.DataFrame()),
     "a shift runs from an earlier to a later UTC time; got {start!r} to {end!r}", {"start": NOW_UTC, "end": NOW_UTC}),
    ("incidents.suggest", lambda t: TravelParams(speed_kmh=0), "speed_kmh must be > 0; got {speed_kmh!r}",
     {"speed_kmh": 0}),
    ("region.model", lambda t: load_region(t / "missing.toml"),
     "region file {path} does not exist; write one with `limes region init`", {"path": "<tmp>/missing.toml"}),
    ("scenario.generator", lambda t: generate(days=1), "the scenario needs at least {min_days} days of history; got "
     "days={days}", {"min_days": EMERGING_DAYS + 7, "days": 1}),
    ("sharing.agreement", lambda t: agreement_from_terms({"partner": "MK", "units": True}, publisher="GR"),
     REFUSED_TERMS["units"], {"partner": "MK"}),
    ("sharing.agreement file", lambda t: load_agreements({}),
     'the agreements file needs publisher = "our name, as partners see it"', {}),
    ("sharing.ca", lambda t: create_ca(t, name="", days=0),
     "the authority needs a name and days >= 1; got name={name!r}, days={days}", {"name": "", "days": 0}),
    ("sharing.publish", lambda t: paging("0", None),
     "limit must be 1-{MAX_LIMIT} and offset >= 0; got limit={size}, offset={start}",
     {"MAX_LIMIT": MAX_LIMIT, "size": 0, "start": 0}),
    ("sharing.serve", lambda t: share_server(None, ca_dir=t, host="127.0.0.1", port=0),
     "{ca_dir} lacks {missing}: create the authority with `limes share ca`",
     {"ca_dir": "<tmp>", "missing": [CA_CERT, SERVER_CERT, SERVER_KEY]}),
    ("spatial.dem", lambda t: read_metric_dem(t / "dem.tif", bounds_lonlat=(22.0, 41.0, 23.0, 42.0), cell_size_m=0),
     "cell_size_m must be > 0; got {cell_size_m}", {"cell_size_m": 0}),
    ("spatial.regions", lambda t: build_region(name="x", out=t / "x.toml"),
     "a region needs its borders: give --countries AAA BBB (ISO3) or --borders FILE", {}),
    ("spatial.terrain", _raster_without_crs, "{path} has no CRS; give the raster a georeference (e.g. EPSG:4326)",
     {"path": "<tmp>/nocrs.tif"}),
    ("spatial.vectors", lambda t: read_vector(t / "missing.gpkg"),
     "missing data file {path}; restore the data/ folder (or reinstall Limes)", {"path": "<tmp>/missing.gpkg"}),
    ("spatial.world", lambda t: read_world(t / "missing.fgb"),
     "missing world data file {path}; rebuild it with `python data/build_world.py`", {"path": "<tmp>/missing.fgb"}),
]
"""(module, the public call with bad input, the template it must raise, the fields as known answers; ``<tmp>`` is
the test's folder). geo/feeds/fetch.py: below, with its note."""


def _known(value: object, tmp_path: Path) -> object:
    return Path(str(value).replace("<tmp>", str(tmp_path))) if str(value).startswith("<tmp>") else value


@pytest.mark.parametrize(("module", "call", "template", "fields"), CASES, ids=[case[0] for case in CASES])
def test_each_module_s_errors_are_told_in_the_reader_s_language(module: str, call: Callable[[Path], object],
                                                                template: str, fields: dict[str, object],
                                                                tmp_path: Path) -> None:
    with pytest.raises(LimesError) as raised:
        call(tmp_path)
    message = raised.value.args[0]
    assert isinstance(message, Message) and message.template == template
    expected = {name: message.fields[name] if value is FROM_EXC else _known(value, tmp_path)
                for name, value in fields.items()}
    assert {name: str(value) for name, value in message.fields.items()} == {
        name: str(value) for name, value in expected.items()}
    assert str(raised.value) == template.format(**expected)  # the English text, as logs keep it
    for code in ("el", "sr-Latn"):
        assert describe(raised.value, translator(code)) == _msgstr(code, template).format(**expected)


def test_a_feed_s_failure_and_its_note_are_both_translated() -> None:
    server, url = _loopback_503()
    try:
        with httpx.Client() as client, pytest.raises(FeedError) as raised:
            get_page(client, Feed(name="down", url=url, kind="geojson", retries=1), url, None, {}, lambda s: None,
                     parse_geojson)
    finally:
        server.shutdown()
        server.server_close()
    assert raised.value.status == 503
    for code in ("mk", "bg"):
        assert describe(raised.value, translator(code)) == " — ".join([
            _msgstr(code, "{name}: HTTP {status_code} from {url}").format(name="down", status_code=503, url=url),
            _msgstr(code, "after {tries} tries").format(tries=2)])


def test_a_message_inside_a_message_is_translated_too() -> None:
    with pytest.raises(ReservedSourceError) as raised:
        Feed(name=SCENARIO_SOURCE, url="http://127.0.0.1/x", kind="geojson")
    reserved = ("{what}: the source name '{scenario_source}' is reserved for the bundled scenario, whose refresh "
                "replaces every row of it; give it another name")
    assert str(raised.value) == reserved.format(what=f"feed {SCENARIO_SOURCE!r}", scenario_source=SCENARIO_SOURCE)
    for code in ("el", "sq"):
        what = _msgstr(code, "feed {feed!r}").format(feed=SCENARIO_SOURCE)
        assert describe(raised.value, translator(code)) == _msgstr(code, reserved).format(
            what=what, scenario_source=SCENARIO_SOURCE)
    again = pickle.loads(pickle.dumps(raised.value))
    assert describe(again, translator("el")) == describe(raised.value, translator("el"))


def test_an_import_stopped_part_way_says_how_far_it_got_in_the_reader_s_language(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError) as raised:
        _import_stopped_by_the_store(tmp_path)
    note = raised.value.__notes__[-1]
    assert isinstance(note, Message) and note.fields["read"] == 20 and note.fields["inserted"] == 20
    stopped = ("stopped after {read:,} rows; {inserted:,} events of them were imported (import #{import_id}); "
               "importing the file again adds only the rest")
    assert describe(raised.value, translator("el")).endswith(
        _msgstr("el", stopped).format(read=20, inserted=20, import_id=note.fields["import_id"]))


# --- No plain-string raise left where users meet them ------------------------------------------------------------

CONVERTED = ("geo/analysis", "geo/briefing", "geo/coverage", "geo/feeds", "geo/grid", "geo/incidents", "geo/ingest",
             "geo/region", "geo/scenario", "geo/sharing", "geo/spatial", "geo/store", "geo/timewindow.py")
"""Where the raises were converted (all of the core but the i18n package, the trust and report modules done before)."""
PROGRAMMER_ERRORS: dict[str, str] = {
    "geo/coverage/cost.py": "grids the planner itself builds from one DEM: their shapes always agree",
    "geo/coverage/costdistance.py": "cost grids and sources made by the planner, and its back-pointers' invariant",
    "geo/coverage/placement.py": "coverage sets and weights the planner computes together",
    "geo/coverage/viewshed.py": "grid shape and observer batches the planner assembles (params and rows in step)",
    "geo/grid/cells.py": "parents asked only at coarser resolutions by the index",
    "geo/grid/columns.py": "appends with the frame's own columns and base-resolution cells (the index makes both)",
    "geo/store/core.py": "transactions and counted tables used by the code, never named by a user",
    "geo/store/events.py": "the columns the pages ask for, fixed in the code",
    "geo/store/incidents.py": "incident fields the workflow updates, fixed in the code",
    "geo/timewindow.py": "an assertion on the unit table",
    "geo/ingest/_csv.py": "ValueErrors the reader turns into ImportFileError with a msg() of its own",
    "geo/ingest/_features.py": "ValueErrors the reader turns into ImportFileError with a msg() of its own",
    "geo/region/model.py": "utm_crs on a region's centre, which the file's aoi has already bounded",
    "geo/scenario/simulator.py": "the demo's replay speed, set by the code",
    "geo/sharing/serve.py": "403 reasons answered to a partner's machine and kept in the audit log, not shown on a page",
}
"""Files that keep plain-string raises, and why no user meets them."""


def _plain_raises(path: Path) -> list[int]:
    """Lines of ``path`` that raise, or add as a note, a plain or f-string text instead of a msg() message."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        is_note = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_note"
        call = node.exc if isinstance(node, ast.Raise) else node if is_note else None
        if isinstance(call, ast.Call) and call.args and isinstance(call.args[0], ast.Constant | ast.JoinedStr):
            found.append(node.lineno)
    return found


def test_no_plain_string_error_is_left_where_users_meet_them() -> None:
    files = sorted(p for name in CONVERTED for p in ((ROOT / name).rglob("*.py") if (ROOT / name).is_dir()
                                                     else [ROOT / name]))
    plain = {str(p.relative_to(ROOT)): lines for p in files if (lines := _plain_raises(p))}
    assert {name: plain[name] for name in set(plain) - set(PROGRAMMER_ERRORS)} == {}
    assert sorted(set(PROGRAMMER_ERRORS) - set(plain)) == []  # an allowance no longer needed is removed


def test_the_check_finds_a_plain_raise(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('def f(x):\n    raise InputError(f"bad {x}")\n\n\ndef g(e):\n    e.add_note("plain")\n'
                      '    raise InputError(msg("bad {x}", x=1))\n')
    assert _plain_raises(sample) == [2, 6]
