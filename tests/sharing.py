"""Two Limes installations on loopback for the sharing tests: the Greek and the North Macedonian border police,
each with its own store (its half of the scenario), its own certificate authority and its own endpoint process.

GR shares with MK (res 6, 1 h behind, a week, k 5, its GR–MK section levels) and with BG (res 5, 6 h
behind); MK shares with GR (res 5, 3 h behind, three days, crossings and smuggling only, k 10, no
levels). GR's store also holds planted private strings in every private field.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
import shapely

from dashboard.cli import main
from geo.feeds import Feed, feed_transport
from geo.grid import BASE_RES, latlng_to_cells
from geo.scenario import generate
from geo.spatial import load_basemap
from geo.store import Store, add_reports, append_level, insert_events, insert_units, open_store

ROOT = Path(__file__).resolve().parent.parent
GR_MK_AREA = [[21.0, 40.85], [22.95, 40.85], [22.95, 41.45], [21.0, 41.45]]
MK_GR_AREA = [[21.9, 40.95], [23.2, 40.95], [23.2, 41.7], [21.9, 41.7]]
BG_AREA = [[22.3, 41.0], [23.1, 41.0], [23.1, 41.5], [22.3, 41.5]]
TOKEN = uuid.uuid4().hex[:10]
PLANTED = {field: f"PLANTED-{field}-{TOKEN}" for field in (
    "event_id", "source", "attrs", "report_text", "report_place", "contact", "callsign", "unit_id", "level_comment",
    "level_set_by", "other_section_evidence")}
"""A unique string in every private field of GR's store: none may appear in any response."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Agency:
    """One installation: its store, its authority, its endpoint's port, and the bundles partners issued it."""

    name: str
    url: str
    store: Store
    ca_dir: Path
    port: int
    keys: Path
    process: subprocess.Popen[bytes] | None = None

    def endpoint(self, partner: str) -> str:
        return f"https://127.0.0.1:{self.port}/{partner}"


def agreements_toml(publisher: str, tables: list[dict[str, object]]) -> str:
    def value(v: object) -> str:
        return json.dumps(v) if not isinstance(v, bool) else str(v).lower()

    body = "".join("[[agreement]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in t.items()) for t in tables)
    return f"publisher = {json.dumps(publisher)}\n{body}"


GR_TERMS = [
    {"partner": "MK", "name": "North Macedonia border police", "res": 6, "window_h": 168, "delay_h": 1,
     "area": GR_MK_AREA, "k": 5, "levels": True, "sections": ["GRC-MKD"]},
    {"partner": "BG", "name": "Bulgarian border police", "res": 5, "window_h": 48, "delay_h": 6, "area": BG_AREA,
     "k": 5},
]
MK_TERMS = [
    {"partner": "GR", "name": "Hellenic Police", "res": 5, "window_h": 72, "delay_h": 3, "area": MK_GR_AREA,
     "types": ["irregular_crossing", "smuggling"], "k": 10},
]


def halves(now: datetime) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The scenario ending ``now``, cut at the border: the events in Greece and those in North Macedonia."""
    events = generate(end=now).events
    countries = load_basemap().countries.set_index("adm0_a3").geometry
    inside = {code: shapely.contains_xy(countries[code], events["lon"].to_numpy(), events["lat"].to_numpy())
              for code in ("GRC", "MKD")}
    return events[inside["GRC"]].assign(source="national"), events[inside["MKD"]].assign(source="national")


def plant_private_fields(store: Store, events: pd.DataFrame, now: datetime) -> pd.DataFrame:
    """Events, a community report, a patrol unit and level decisions carrying :data:`PLANTED` strings; returns
    the planted events (they count in the aggregates like any other)."""
    recent = events[events["occurred_at"] >= now - timedelta(hours=30)].head(40)
    planted = recent.assign(source=PLANTED["source"], attrs=json.dumps({"note": PLANTED["attrs"]}),
                            event_id=[f"{PLANTED['event_id']}-{i}" for i in range(len(recent))])
    insert_events(store, planted)
    lat, lon = 41.05, 22.5
    cell = int(latlng_to_cells([lat], [lon], BASE_RES)[0])
    now_ms = int(now.timestamp() * 1000)
    add_reports(store, [("public-form", "r1", now_ms, now_ms - 3_600_000, lat, lon, cell, "people_crossing",
                         PLANTED["report_text"], PLANTED["report_place"], PLANTED["contact"])])
    insert_units(store, pd.DataFrame({"source": ["cot"], "unit_id": [PLANTED["unit_id"]],
                                      "callsign": [PLANTED["callsign"]], "at": [now - timedelta(hours=2)],
                                      "stale_at": [now], "lat": [lat], "lon": [lon], "cell": [cell]}))
    append_level(store, section_id="GRC-MKD-07", level="high", proposed_level="high",
                 evidence="rising: change_pct = 72.8 >= 50 (with 470 events >= 50) -> high",
                 comment=PLANTED["level_comment"], set_by=PLANTED["level_set_by"], set_at_ms=now_ms - 7_200_000)
    append_level(store, section_id="BGR-MKD-01", level="medium", proposed_level="medium",
                 evidence=PLANTED["other_section_evidence"], comment="", set_by="x", set_at_ms=now_ms - 7_200_000)
    return planted


def setup_agency(name: str, tmp: Path, events: pd.DataFrame, terms: list[dict[str, object]],
                 partners: list[str], issue_to: dict[str, Path]) -> Agency:
    url = f"sqlite:///{tmp / f'{name}.sqlite'}"
    store = open_store(url)
    insert_events(store, events)
    agency = Agency(name, url, store, tmp / f"{name}-ca", free_port(), tmp / f"{name}-keys")
    assert main(["share", "ca", "--dir", str(agency.ca_dir), "--name", name]) == 0
    for partner in partners:
        assert main(["share", "issue", "--dir", str(agency.ca_dir), "--partner", partner, "--out",
                     str(issue_to[partner] / f"from-{name}"), "--db", url]) == 0
    (tmp / f"{name}-agreements.toml").write_text(agreements_toml(f"{name} border police", terms))
    assert main(["share", "agree", str(tmp / f"{name}-agreements.toml"), "--db", url]) == 0
    return agency


def start_endpoint(agency: Agency) -> None:
    agency.process = subprocess.Popen(
        [sys.executable, "-m", "dashboard.cli", "share", "serve", "--dir", str(agency.ca_dir), "--port",
         str(agency.port), "--db", agency.url], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", agency.port), timeout=0.2).close()
            return
        except OSError:
            assert agency.process.poll() is None, agency.process.stderr.read().decode() if agency.process.stderr else ""
            time.sleep(0.1)
    raise AssertionError(f"{agency.name}'s endpoint did not start")


def stop_endpoint(agency: Agency) -> None:
    if agency.process is not None and agency.process.poll() is None:
        agency.process.terminate()
        agency.process.wait(timeout=10)
    if agency.process is not None and agency.process.stderr is not None:
        agency.process.stderr.close()


def share_feed(name: str, url: str, bundle: Path, partner: str) -> Feed:
    """The ``limes-share`` feed for a bundle a partner issued us (``<partner>.pem``, ``.key``, ``ca.pem``)."""
    return Feed(name=name, url=url, kind="limes-share", tls_cert=str(bundle / f"{partner}.pem"),
                tls_key=str(bundle / f"{partner}.key"), tls_ca=str(bundle / "ca.pem"), retries=0, page_size=40)


def client_for(feed: Feed) -> httpx.Client:
    return httpx.Client(transport=feed_transport(feed))


def crawl(client: httpx.Client, url: str, *, limit: int) -> Iterator[httpx.Response]:
    """Every response of one endpoint: landing page, collections, every page of every collection."""
    landing = client.get(url)
    yield landing
    listing = client.get(f"{url}/collections")
    yield listing
    for collection in listing.json()["collections"]:
        yield client.get(f"{url}/collections/{collection['id']}")
        next_url: str | None = f"{url}/collections/{collection['id']}/items?limit={limit}"
        while next_url:
            page = client.get(next_url)
            yield page
            next_url = next((link["href"] for link in page.json()["links"] if link["rel"] == "next"), None)
