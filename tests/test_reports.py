"""Community reports: checks, the rate limit, the queue, moderation and the contact retention job (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import h3
import pandas as pd
import pytest

from geo.errors import ModerationError, RateLimitError, ReportError
from geo.reports import (
    EVENT_SOURCE,
    PUBLIC_SOURCE,
    Moderator,
    RateLimit,
    accept_report,
    check_report,
    client_address,
    insert_reports,
    merge_candidates,
    merge_report,
    pending_counts,
    purge_contacts,
    read_queue,
    reject_report,
    report_reference,
    submit_report,
)
from geo.store import open_store, read_events
from geo.trust import read_log
from tests.stores import fetch, store_url  # noqa: F401 - the fixture

NOW = datetime(2026, 11, 28, 12, 10, tzinfo=timezone.utc)
TOWNS = pd.DataFrame({"name": ["Gevgelija", "Idomeni", "Dojran"], "lat": [41.141, 41.123, 41.18],
                      "lon": [22.502, 22.515, 22.72]})
OPERATOR = Moderator(actor="maria", role="moderator", client="10.0.0.7")


@pytest.fixture()
def store(store_url):  # noqa: F811
    s = open_store(store_url)
    yield s
    s.close()


def _draft(text: str = "Six people walking north along the river", **extra: object):
    fields = {"source": PUBLIC_SOURCE, "external_id": "", "category": "people_crossing", "text": text,
              "lat": 41.13, "lon": 22.51, "contact": "+30 690 000 0000", "now": NOW, **extra}
    return check_report(**fields)


def test_checks_name_what_is_wrong() -> None:
    assert _draft(lat=None, lon=None, place="gevgelija", towns=TOWNS).lat == pytest.approx(41.141)
    assert _draft(lat=None, lon=None, place="  IDOMENI ", towns=TOWNS).place == "Idomeni"
    with pytest.raises(ReportError, match="no town called 'Gevgelia'.*did you mean Gevgelija"):
        _draft(lat=None, lon=None, place="Gevgelia", towns=TOWNS)
    with pytest.raises(ReportError, match="pick it on the map or type"):
        _draft(lat=None, lon=None)
    with pytest.raises(ReportError, match="out of range"):
        _draft(lat=95.0)
    with pytest.raises(ReportError, match="category must be one of"):
        _draft(category="ufo")
    with pytest.raises(ReportError, match="2,001 characters long; at most 2,000"):
        _draft(text="x" * 2001)
    with pytest.raises(ReportError, match="in the future"):
        _draft(occurred_at=NOW + timedelta(hours=2))
    assert _draft(contact="   ").contact is None


def test_rate_limit_per_client_per_hour_through_the_store(store_url, store) -> None:  # noqa: F811
    limit = RateLimit(max_reports=3)
    ids = [submit_report(store, _draft(f"report {i}"), client="203.0.113.5", limit=limit,
                         now=NOW + timedelta(seconds=i)) for i in range(3)]
    assert len(set(ids)) == 3
    # A second process (its own connection) sees the same slots: the limit holds across processes.
    other = open_store(store_url)
    try:
        with pytest.raises(RateLimitError, match="at most 3 reports an hour.*try again in 50 min"):
            submit_report(other, _draft("one too many"), client="203.0.113.5", limit=limit,
                          now=NOW + timedelta(seconds=5))
    finally:
        other.close()
    # Another client is not affected, and the next hour opens new slots.
    submit_report(store, _draft("neighbour"), client="198.51.100.9", limit=limit, now=NOW)
    submit_report(store, _draft("later"), client="203.0.113.5", limit=limit, now=NOW + timedelta(hours=1))
    queue = read_queue(store)
    assert len(queue) == 5 and "one too many" not in set(queue["text"])
    # The address itself is stored nowhere: the queue holds an hourly keyed hash (a new one each hour, so one
    # client's reports cannot be linked across hours), and the audit log not even that.
    assert not any("203.0.113.5" in str(v) for v in queue.to_numpy().ravel())
    keys = queue.set_index("text")["external_id"].str.split(":").str[1]
    assert keys["report 0"] == keys["report 2"] != keys["later"] and keys["report 0"] != keys["neighbour"]
    log = read_log(store, actions=("report_submitted",))
    assert len(log) == 5 and set(log["client"]) == {"public-form"}
    assert read_queue(store, newest_first=True, limit=1)["text"].tolist() == ["later"]


def test_queue_readers_get_no_contact_unless_moderating(store) -> None:
    report_id = submit_report(store, _draft(), client="a", now=NOW)
    assert "contact" not in read_queue(store).columns
    assert read_queue(store, with_contact=True).set_index("report_id").loc[report_id, "contact"] == "+30 690 000 0000"
    counts = pending_counts(store)
    assert list(counts.columns) == ["cell", "reports"] and counts["reports"].tolist() == [1]
    assert h3.get_resolution(format(int(counts["cell"].iloc[0]), "x")) == 5
    assert store.count("events") == 0  # a new report is no event


def test_accept_merge_reject_with_audit(store) -> None:
    first, second, third = (submit_report(store, _draft(f"r{i}"), client=f"c{i}", now=NOW) for i in range(3))
    event_id = accept_report(store, first, confidence="high", moderator=OPERATOR, now=NOW)
    events = read_events(store)
    assert events[["source", "event_id", "type", "status"]].values.tolist() == [
        [EVENT_SOURCE, event_id, "citizen_report", "open"]]
    assert events["confidence"].iloc[0] == pytest.approx(0.9)
    attrs = fetch(store, "SELECT attrs FROM events")[0][0]
    assert "r0" not in attrs and "+30" not in attrs  # neither text nor contact reach the event
    with pytest.raises(ModerationError, match="already moderated \\(accepted by maria\\)"):
        reject_report(store, first, reason="dup", moderator=Moderator(actor="nikos"), now=NOW)
    with pytest.raises(ModerationError, match="no event community/nope"):
        merge_report(store, second, event_source=EVENT_SOURCE, event_id="nope", moderator=OPERATOR, now=NOW)
    candidates = merge_candidates(store, second)
    assert candidates["event_id"].tolist() == [event_id] and candidates["distance_km"].iloc[0] < 0.01
    merge_report(store, second, event_source=EVENT_SOURCE, event_id=event_id, moderator=OPERATOR, now=NOW)
    with pytest.raises(ModerationError, match="needs a reason"):
        reject_report(store, third, reason="  ", moderator=OPERATOR, now=NOW)
    reject_report(store, third, reason="Same river bank, a fisherman", moderator=OPERATOR, now=NOW)
    with pytest.raises(ModerationError, match="confidence must be one of"):
        accept_report(store, third, confidence="sure", moderator=OPERATOR, now=NOW)
    assert store.count("events") == 1  # the merge added none
    done = read_queue(store, statuses=("accepted", "merged", "rejected")).set_index("report_id")
    assert done.loc[[first, second, third], "status"].tolist() == ["accepted", "merged", "rejected"]
    assert done.loc[second, "event_id"] == event_id and done.loc[third, "reason"] == "Same river bank, a fisherman"
    assert read_queue(store).empty
    log = read_log(store, actions=("report_accepted", "report_merged", "report_rejected"))
    assert sorted(log["action"]) == ["report_accepted", "report_merged", "report_rejected"]
    assert set(log["actor"]) == {"maria"} and set(log["client"]) == {"10.0.0.7"}
    with pytest.raises(ModerationError, match="no report 999"):
        accept_report(store, 999, confidence="low", moderator=OPERATOR, now=NOW)


def test_retention_job_deletes_contacts_after_the_period(store) -> None:
    old = submit_report(store, _draft("old"), client="a", now=NOW - timedelta(days=31))
    recent = submit_report(store, _draft("recent"), client="a", now=NOW - timedelta(days=29))
    no_contact = submit_report(store, _draft("anonymous", contact=None), client="a", now=NOW - timedelta(days=40))
    assert purge_contacts(store, now=NOW) == 1
    rows = read_queue(store, with_contact=True).set_index("report_id")
    assert pd.isna(rows.loc[old, "contact"]) and rows.loc[old, "contact_deleted_at"] == pd.Timestamp(NOW)
    assert rows.loc[recent, "contact"] == "+30 690 000 0000" and pd.isna(rows.loc[recent, "contact_deleted_at"])
    assert pd.isna(rows.loc[no_contact, "contact_deleted_at"])
    # The hashed client keys are gone once their hour is over; the texts stay for the moderators.
    assert set(rows["external_id"]) == {f"form-{i}" for i in (old, recent, no_contact)}
    assert purge_contacts(store, now=NOW) == 0
    assert purge_contacts(store, retention=timedelta(days=7), now=NOW) == 1
    raw = fetch(store, "SELECT contact FROM reports WHERE contact IS NOT NULL")
    assert raw == []
    log = read_log(store, actions=("contacts_purged",))
    assert log["target"].tolist() == ["1 reports", "1 reports"]


def test_feed_reports_are_idempotent_and_audited(store) -> None:
    drafts = [_draft(f"k{i}", source="kobo-ngo", external_id=str(i)) for i in range(3)]
    assert insert_reports(store, drafts, actor="kobo-ngo", now=NOW) == 3
    assert insert_reports(store, drafts, actor="kobo-ngo", now=NOW) == 0
    assert len(read_queue(store)) == 3
    assert read_log(store, actions=("report_submitted",))["target"].tolist() == ["3 reports"]


def test_client_address_behind_trusted_proxies() -> None:
    assert client_address(peer="10.1.1.1", forwarded_for="6.6.6.6, 203.0.113.5", proxy_hops=0) == "10.1.1.1"
    # One proxy: the entry it appended, not the one the client wrote itself.
    assert client_address(peer="10.1.1.1", forwarded_for="6.6.6.6, 203.0.113.5", proxy_hops=1) == "203.0.113.5"
    assert client_address(peer="10.1.1.2", forwarded_for="203.0.113.5, 10.1.1.1", proxy_hops=2) == "203.0.113.5"
    assert client_address(peer="10.1.1.1", forwarded_for=None, proxy_hops=1) == "10.1.1.1"
    assert client_address(peer=None, forwarded_for=None) == "unknown"


def test_form_references_do_not_reveal_how_many_reports_there_are(tmp_path) -> None:
    import hashlib
    import hmac
    import re

    first, second = open_store(f"sqlite:///{tmp_path / 'a.sqlite'}"), open_store(f"sqlite:///{tmp_path / 'b.sqlite'}")
    try:
        ids = [submit_report(first, _draft(), client=f"10.0.0.{i}", now=NOW) for i in range(3)]
        # 40 partner-feed reports arrive between two form reports: the form's next reference must not tell.
        insert_reports(first, [_draft(source="kobo:partner", external_id=f"k{i}") for i in range(40)], actor="feed")
        later = submit_report(first, _draft(), client="10.0.0.9", now=NOW)
        assert later == ids[-1] + 41  # the store's count moved on by 41 ...
        references = [report_reference(first, i) for i in [*ids, later]]
        # ... and the references read as random: eight letters and digits a person reads out, no number in order.
        assert all(re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", r) for r in references)
        assert len(set(references)) == 4 and report_reference(first, later) == references[-1]  # stable
        # Known answer: the keyed hash of "report:<id>" under the store's own secret, five bytes in 5-bit letters.
        key = bytes.fromhex(fetch(first, "SELECT value FROM meta WHERE key = 'report_reference_key'")[0][0])
        bits = int.from_bytes(hmac.new(key, f"report:{later}".encode(), hashlib.sha256).digest()[:5], "big")
        letters = "".join("ABCDEFGHJKLMNPQRSTUVWXYZ23456789"[(bits >> 5 * i) & 31] for i in range(8))
        assert references[-1] == f"{letters[:4]}-{letters[4:]}"
        # Another store (another control room's form) has its own secret: the same number, another reference.
        assert submit_report(second, _draft(), client="10.0.0.1", now=NOW) == ids[0]
        assert report_reference(second, ids[0]) != references[0]
    finally:
        first.close()
        second.close()
