"""Sharing in the store, on SQLite and PostgreSQL: agreements versioned and audited, certificates, the send log,
partner pictures replaced whole, and a picture built from a hand-made store against its known answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import h3
import numpy as np
import pandas as pd
import pytest

from geo.grid import BASE_RES, latlng_to_cells
from geo.sharing import Agreement, agree, picture_from_store, revoke
from geo.store import (
    StoredPicture,
    add_cert,
    agreement_history,
    cert_record,
    current_agreements,
    insert_events,
    log_sent,
    open_store,
    partner_cells,
    partner_levels,
    partner_pictures,
    read_events,
    replace_picture,
    sent_log,
)
from geo.trust import read_log
from tests.stores import store_url  # noqa: F401 - fixture

NOW = datetime(2026, 11, 28, 12, 37, tzinfo=timezone.utc)
AREA = ((21.0, 40.8), (23.0, 40.8), (23.0, 41.6), (21.0, 41.6))


def _agreement(**terms: object) -> Agreement:
    values: dict[str, object] = {"partner": "MK", "name": "MK police", "publisher": "GR police", "area": AREA,
                                 "res": 6, "window_h": 24, "delay_h": 2, "k": 5}
    return Agreement(**{**values, **terms})  # type: ignore[arg-type]


def _res6_centre(lat: float, lon: float) -> tuple[float, float]:
    return h3.cell_to_latlng(h3.latlng_to_cell(lat, lon, 6))


def _hand_events(scenario) -> tuple[pd.DataFrame, dict[int, int]]:  # noqa: ANN001 - the session fixture
    """Events placed by hand, and what a res-6, k-5, 2 h delayed, 24 h agreement must give for them."""
    a = _res6_centre(41.14, 22.50)                     # 7 events: kept as they are
    b_cell = h3.latlng_to_cell(41.03, 21.34, 6)        # 3 events, and 2 in a sibling: their parent has 5
    b2_cell = next(c for c in h3.cell_to_children(h3.cell_to_parent(b_cell, 5), 6) if c != b_cell)
    b, b2 = h3.cell_to_latlng(b_cell), h3.cell_to_latlng(b2_cell)
    d = _res6_centre(41.30, 22.90)                     # 4 events alone in their parent: withheld
    outside = _res6_centre(42.00, 22.50)               # 9 events outside the area
    end = NOW.replace(minute=0) - timedelta(hours=2)   # 10:00: the window is [28 Nov 10:00 - 24 h, 10:00)
    inside_window = end - timedelta(hours=1)
    rows = ([(*a, inside_window)] * 7 + [(*b, inside_window)] * 3 + [(*b2, inside_window)] * 2
            + [(*d, inside_window)] * 4 + [(*outside, inside_window)] * 9
            + [(*a, end + timedelta(minutes=30))] * 6      # inside the delay: not yet shared
            + [(*a, end - timedelta(hours=25))] * 6)       # before the window
    base = scenario.events.iloc[:len(rows)].reset_index(drop=True)
    lat, lon = np.array([r[0] for r in rows]), np.array([r[1] for r in rows])
    events = base.assign(event_id=[f"H{i}" for i in range(len(rows))], source="hand", lat=lat, lon=lon,
                         occurred_at=[r[2] for r in rows], received_at=[r[2] for r in rows],
                         cell=latlng_to_cells(lat, lon, BASE_RES))
    expected = {h3.str_to_int(h3.latlng_to_cell(*a, 6)): 7, h3.str_to_int(h3.cell_to_parent(b_cell, 5)): 5}
    return events, expected


def test_picture_from_a_hand_made_store_is_the_known_answer(store_url: str, scenario) -> None:  # noqa: F811
    store = open_store(store_url)
    try:
        events, expected = _hand_events(scenario)
        insert_events(store, events)
        picture = picture_from_store(store, _agreement(), version=3, now=NOW)
        assert dict(picture.cells) == expected
        assert (picture.window_end_ms - picture.window_start_ms) == 24 * 3_600_000
        assert datetime.fromtimestamp(picture.window_end_ms / 1000, timezone.utc) == datetime(2026, 11, 28, 10,
                                                                                              tzinfo=timezone.utc)
        assert picture.version == 3 and picture.levels == ()
        # k = 8 keeps nothing of these (7 < 8 and merged parents stay below 8).
        assert picture_from_store(store, _agreement(k=8), version=1, now=NOW).cells == ()
    finally:
        store.close()


def test_agreements_are_versioned_audited_and_revoked(store_url: str) -> None:  # noqa: F811
    store = open_store(store_url)
    try:
        assert agree(store, [_agreement(), _agreement(partner="BG", name="BG police")], actor="alice", now=NOW) == {
            "MK": 1, "BG": 1}
        assert agree(store, [_agreement()], actor="alice", now=NOW) == {}  # unchanged: no new version
        assert agree(store, [_agreement(delay_h=6)], actor="bob", now=NOW) == {"MK": 2}
        add_cert(store, serial="abc1", partner="MK", not_after_ms=10**13, issued_at_ms=1)
        add_cert(store, serial="abc2", partner="BG", not_after_ms=10**13, issued_at_ms=1)
        assert revoke(store, "MK", actor="carol", now=NOW) == 3
        current = current_agreements(store).set_index("partner")
        assert current.loc["MK", "status"] == "revoked" and current.loc["MK", "version"] == 3
        assert current.loc["BG", "status"] == "active"
        assert cert_record(store, "abc1")[2] is not None and cert_record(store, "abc2")[2] is None
        assert cert_record(store, "nope") is None
        assert len(agreement_history(store)) == 4
        assert agree(store, [_agreement(delay_h=6)], actor="bob", now=NOW) == {"MK": 4}  # active again
        actions = read_log(store, actions=("share_agreed", "share_revoked"))
        assert actions["action"].tolist().count("share_agreed") == 4 and "carol" in set(actions["actor"])
        with pytest.raises(ValueError, match="no agreement with 'XX'"):
            revoke(store, "XX", actor="carol")
    finally:
        store.close()


def test_send_log_and_partner_pictures_replaced_whole(store_url: str) -> None:  # noqa: F811
    store = open_store(store_url)
    try:
        log_sent(store, partner="MK", version=1, path="/MK/collections/hexagons/items?limit=5", status=200, items=5,
                 size_bytes=1234, cert_serial="abc", detail="sent", sent_at_ms=1_000)
        log_sent(store, partner="BG", version=None, path="/MK", status=403, items=0, size_bytes=0, cert_serial="def",
                 detail="certificate of 'BG', not of 'MK'", sent_at_ms=2_000)
        log = sent_log(store)
        assert log["status"].tolist() == [403, 200] and log["bytes"].tolist() == [0, 1234]
        head = StoredPicture(feed="gr-share", publisher="GR", version=1, res=6, delay_s=3600, k=5,
                             window_start_ms=0, window_end_ms=3_600_000, received_at_ms=5)
        cell = h3.str_to_int(h3.latlng_to_cell(41.1, 22.5, 6))
        replace_picture(store, head, cells=[(cell, 9), (cell + (1 << 45), 5)], levels=[("GRC-MKD-07", "high", "e", 1)])
        replace_picture(store, replace(head, version=2), cells=[(cell, 11)], levels=[])
        assert [p.version for p in partner_pictures(store)] == [2]
        cells = partner_cells(store, "gr-share")
        assert cells["cell"].tolist() == [cell] and cells["events"].tolist() == [11]
        assert partner_levels(store, "gr-share").empty
        assert read_events(store).empty  # a partner's picture is never an event of ours
    finally:
        store.close()


def test_the_publisher_reads_the_store_through_aggregates_only() -> None:
    """The endpoint's modules cannot import the store (an import contract); the one module that feeds them imports
    from it only the SQL aggregate, the level decisions and the store's type, and from the grid no event index."""
    import ast

    from tests.conftest import ROOT

    tree = ast.parse((ROOT / "geo" / "sharing" / "source.py").read_text())
    imported = {(node.module, alias.name) for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names}
    assert {name for module, name in imported if module == "geo.store"} == {"Db", "level_rows", "store_aggregate"}
    assert {name for module, name in imported if module == "geo.grid"} == {"cells_latlng"}
    assert not any(isinstance(node, ast.Import) and any(a.name.startswith("geo") for a in node.names)
                   for node in ast.walk(tree))
