"""The store as a boundary: units of work commit whole or not at all, on SQLite and PostgreSQL.

Each multi-step action is broken between its steps (a step after the first raises) and the test
asserts that nothing of the action persisted. A busy SQLite database (another connection holding
a lock past the busy timeout) raises :class:`geo.errors.StoreError` with the unit rolled back.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

import geo.feeds.poller as poller
import geo.reports.intake as intake
import geo.reports.moderation as moderation
import geo.store._sqlite as sqlite_dialect
from geo.briefing import level_history, record_level
from geo.coverage import delete_sensor, load_sensors, save_sensors, sensors_from_frame
from geo.errors import StoreError
from geo.feeds import parse_cot
from geo.ingest import import_file
from geo.ingest import importer as importer_module
from geo.reports import (
    Moderator,
    accept_report,
    check_report,
    insert_reports,
    merge_report,
    purge_contacts,
    read_queue,
    reject_report,
    submit_report,
)
from geo.store import insert_events, open_store, read_events, watermark
from geo.trust import AuditEntry, read_log, record
from tests.stores import fetch, sqlite_url, store_url  # noqa: F401 - the fixture
from tests.test_feeds import COT

NOW = datetime(2026, 11, 28, 12, 10, tzinfo=timezone.utc)
OPERATOR = Moderator(actor="maria", role="moderator", client="10.0.0.7")


class Boom(RuntimeError):
    """The failure injected between two steps of an action."""


def _boom(*args: object, **kwargs: object) -> None:
    raise Boom("injected between the steps")


@pytest.fixture()
def store(store_url):  # noqa: F811
    s = open_store(store_url)
    yield s
    s.close()


def _draft(text: str = "Six people walking north along the river", **extra: object):
    fields = {"source": "partner", "external_id": "r1", "category": "people_crossing", "text": text, "lat": 41.13,
              "lon": 22.51, "contact": "+30 690 000 0000", "now": NOW, **extra}
    return check_report(**fields)


def _queued(store) -> int:
    insert_reports(store, [_draft()], actor="feed:test", now=NOW)
    return int(read_queue(store)["report_id"].iloc[0])


# -- the unit of work -----------------------------------------------------------------------

def test_a_transaction_commits_whole_or_not_at_all(store, scenario) -> None:
    events = scenario.events.head(50)
    with pytest.raises(Boom), store.transaction() as tx:
        assert insert_events(tx, events) == 50
        assert len(read_events(tx)) == 50  # the transaction sees its own rows
        raise Boom
    assert store.count("events") == 0
    with store.transaction() as tx:
        insert_events(tx, events.head(20))
        insert_events(store, events.tail(30))  # called with the store on this thread: joins the open unit
    assert store.count("events") == 50


def test_a_joined_failure_undoes_the_whole_unit(store, scenario) -> None:
    with pytest.raises(Boom), store.transaction():
        insert_events(store, scenario.events.head(10))
        with store.transaction():  # nested: the same unit, not a separate commit
            record(store, AuditEntry("tester", "import", target="x"))
        raise Boom
    assert store.count("events") == 0 and read_log(store).empty


def test_a_transaction_is_read_only_or_ended_when_it_says_so(store, scenario) -> None:
    with store.transaction(write=False) as tx:
        with pytest.raises(StoreError, match="cannot join a read-only transaction"):
            insert_events(tx, scenario.events.head(1))
        assert watermark(tx) == (0, 0)
    with pytest.raises(StoreError, match="this transaction has ended"):
        read_events(tx)


# -- multi-step actions, broken between their steps ----------------------------------------------

def test_accepting_a_report_is_one_transaction(store, monkeypatch) -> None:
    report_id = _queued(store)
    monkeypatch.setattr(moderation, "record", _boom)  # fails after the claim and the event insert
    with pytest.raises(Boom):
        accept_report(store, report_id, confidence="high", moderator=OPERATOR, now=NOW)
    assert read_queue(store)["report_id"].tolist() == [report_id]  # still new
    assert store.count("events") == 0
    assert read_log(store, actions=("report_accepted",)).empty
    monkeypatch.undo()
    assert accept_report(store, report_id, confidence="high", moderator=OPERATOR, now=NOW) == f"report-{report_id}"
    assert store.count("events") == 1 and len(read_log(store, actions=("report_accepted",))) == 1


def test_merging_and_rejecting_a_report_are_one_transaction(store, scenario, monkeypatch) -> None:
    report_id = _queued(store)
    insert_events(store, scenario.events.head(1))
    target = scenario.events.iloc[0]
    monkeypatch.setattr(moderation, "record", _boom)
    with pytest.raises(Boom):
        merge_report(store, report_id, event_source=target["source"], event_id=target["event_id"],
                     moderator=OPERATOR, now=NOW)
    with pytest.raises(Boom):
        reject_report(store, report_id, reason="duplicate of a patrol sighting", moderator=OPERATOR, now=NOW)
    queue = read_queue(store, statuses=("new", "merged", "rejected"))
    assert queue["status"].tolist() == ["new"] and queue["moderated_by"].isna().all()
    assert read_log(store, actions=("report_merged", "report_rejected")).empty


def test_report_intake_and_its_audit_entry_are_one_transaction(store, monkeypatch) -> None:
    monkeypatch.setattr(intake, "record", _boom)
    with pytest.raises(Boom):
        insert_reports(store, [_draft(), _draft(external_id="r2")], actor="feed:test", now=NOW)
    with pytest.raises(Boom):
        submit_report(store, _draft(), client="203.0.113.5", now=NOW)
    assert read_queue(store, statuses=("new", "accepted", "merged", "rejected")).empty
    assert read_log(store).empty
    monkeypatch.undo()
    # The slot the failed submission tried was not kept: the client still has all of its hour.
    assert submit_report(store, _draft(), client="203.0.113.5", now=NOW) > 0
    assert read_queue(store)["external_id"].str.endswith(":0").all()


def test_the_contact_purge_is_one_transaction(store, monkeypatch) -> None:
    report_id = submit_report(store, _draft(), client="203.0.113.5", now=NOW - timedelta(days=40))
    before = fetch(store, "SELECT contact, external_id FROM reports WHERE report_id = ?", (report_id,))
    monkeypatch.setattr(moderation, "record", _boom)
    with pytest.raises(Boom):
        purge_contacts(store, now=NOW)
    assert fetch(store, "SELECT contact, external_id FROM reports WHERE report_id = ?", (report_id,)) == before
    monkeypatch.undo()
    assert purge_contacts(store, now=NOW) == 1
    assert fetch(store, "SELECT contact, external_id FROM reports WHERE report_id = ?",
                 (report_id,)) == [(None, f"form-{report_id}")]


def test_a_level_decision_and_its_audit_entry_are_one_transaction(store) -> None:
    with pytest.raises(Boom), store.transaction() as tx:
        record_level(tx, section_id="S1", level="high", proposed_level="medium", evidence=("density",),
                     comment="convoy seen", set_by="maria", at=NOW)
        _boom()  # where the audit entry would be written
    assert level_history(store).empty


def test_a_sensor_edit_and_its_audit_entry_are_one_transaction(store, scenario) -> None:
    save_sensors(store, sensors_from_frame(scenario.sensors.head(3)), source="scenario")
    before = load_sensors(store)
    moved = replace(before[0], lat=before[0].lat + 0.01)
    with pytest.raises(Boom), store.transaction() as tx:
        save_sensors(tx, [moved], source="edited")
        delete_sensor(tx, before[1].sensor_id)
        record(tx, AuditEntry("planner", "sensor_edit", target=moved.sensor_id))
        _boom()
    assert load_sensors(store) == before
    assert read_log(store).empty


def test_an_import_batch_lands_with_its_quarantine(store, tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "events.csv"
    path.write_text("id,date,lat,lon,type,persons\n"
                    "1,2026-11-27T10:00:00Z,41.1,22.5,apprehension,3\n"
                    "2,not a date,41.1,22.5,apprehension,3\n")
    monkeypatch.setattr(importer_module, "add_quarantine", _boom)  # after the batch's events were inserted
    with pytest.raises(Boom):
        import_file(path, store, now=NOW)
    assert store.count("events") == 0 and store.count("quarantine") == 0
    monkeypatch.undo()
    import_file(path, store, now=NOW)
    assert store.count("events") == 1 and store.count("quarantine") == 1  # what the broken batch would have written


def test_a_feed_page_lands_whole(store, monkeypatch) -> None:
    page = parse_cot(COT)  # one event, one unit position and one malformed record
    monkeypatch.setattr(poller, "add_quarantine", _boom)  # after the page's event and unit were inserted
    write = dict(source="tak", origin="tcp://127.0.0.1:1", mapping=poller.COT_MAPPING,
                 now=datetime(2026, 11, 28, 12, 5, tzinfo=timezone.utc))
    result = poller.PollResult(feed="tak")
    with pytest.raises(Boom):
        poller.write_page(page, store, **write, result=result)
    assert store.count("events") == 0 and store.count("units") == 0 and store.count("quarantine") == 0
    assert (result.inserted, result.units, result.quarantined) == (0, 0, 0)  # nothing counted that did not land
    monkeypatch.undo()
    poller.write_page(page, store, **write, result=result)
    assert (store.count("events"), store.count("units"), store.count("quarantine")) == (1, 1, 1)


# -- a busy SQLite database ------------------------------------------------------------------

@pytest.fixture()
def busy_store(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(sqlite_dialect, "BUSY_TIMEOUT_S", 0.2)  # wait 0.2 s for a lock, not 30 s
    url = sqlite_url(tmp_path)
    store = open_store(url)
    other = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=0.2)
    yield store, other
    other.close()
    store.close()


def test_a_write_lock_held_elsewhere_makes_the_store_busy(busy_store, scenario) -> None:
    store, other = busy_store
    other.execute("BEGIN IMMEDIATE")  # another process's writer holds the lock past our busy timeout
    with pytest.raises(StoreError, match=r"could not begin a transaction \(database is locked\); nothing was saved"):
        with store.transaction() as tx:
            insert_events(tx, scenario.events.head(10))
    other.execute("ROLLBACK")
    assert store.count("events") == 0
    assert insert_events(store, scenario.events.head(10)) == 10  # usable again once the lock is gone


def test_a_busy_commit_raises_store_error_with_the_transaction_rolled_back(busy_store, scenario) -> None:
    store, other = busy_store
    # WAL commits never wait for readers; in rollback-journal mode COMMIT needs every reader gone, which
    # is how a real COMMIT comes to be busy.
    store._conn.execute("PRAGMA journal_mode=DELETE")
    with pytest.raises(StoreError, match=r"could not commit \(database is locked\); the transaction was rolled back"):
        with store.transaction() as tx:
            insert_events(tx, scenario.events.head(10))
            other.execute("BEGIN")
            other.execute("SELECT COUNT(*) FROM events").fetchone()  # a reader's lock, held through our COMMIT
    other.execute("COMMIT")
    assert not store._conn.in_transaction  # SQLite keeps a busy COMMIT's transaction open: it was rolled back
    assert store.count("events") == 0
    assert other.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)
    assert insert_events(store, scenario.events.head(10)) == 10
