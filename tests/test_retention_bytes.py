"""Retention is complete: after ``purge_contacts`` a planted contact is nowhere in the database, not even its bytes.

Contacts live in reports, and in the raw records of quarantined submissions of report feeds
(Kobo) and of the public form. On SQLite the test reads the database file, its write-ahead log
and shared memory byte by byte; on PostgreSQL it reads every text column of every table (the
server's files are not the test's to read; ``VACUUM FULL`` rewrites the two tables).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd

from geo.reports import PUBLIC_SOURCE, check_report, purge_contacts, submit_report
from geo.store import add_quarantine, open_store, record_poll
from tests.stores import fetch, store_url  # noqa: F401 - the fixture

NOW = datetime(2026, 11, 28, 12, 10, tzinfo=timezone.utc)
CONTACTS = ("zebra.contact.1977@example.org", "+30 697 123 4567", "Μαρία Παπαδοπούλου 6971112233")


def _plant(store, when: datetime) -> None:
    for n, contact in enumerate(CONTACTS):
        draft = check_report(source=PUBLIC_SOURCE, external_id="", category="people_crossing", text=f"report {n}",
                             lat=41.13, lon=22.51, contact=contact, now=when)
        submit_report(store, draft, client="c", now=when)
    record_poll(store, "kobo-field", kind="kobo", error=None)
    submissions = [json.dumps({"_id": n, "contact": c, "geo": "nowhere"}, ensure_ascii=False) for n, c in enumerate(CONTACTS)]
    add_quarantine(store, pd.DataFrame({"source": "kobo-field", "file_name": "https://kobo.example/api",
                                        "row_number": 0, "reason": "missing_coordinates",
                                        "detail": [f"no position for {c}" for c in CONTACTS], "raw": submissions}))
    add_quarantine(store, pd.DataFrame({"source": PUBLIC_SOURCE, "file_name": "form", "row_number": [0],
                                        "reason": ["invalid_report"], "detail": ["too long"],
                                        "raw": [json.dumps({"contact": CONTACTS[0]})]}))


def test_purged_contacts_leave_no_bytes_behind(store_url: str) -> None:  # noqa: F811
    store = open_store(store_url)
    _plant(store, NOW - timedelta(days=40))
    with store.transaction() as tx:  # quarantined 40 days ago, as the reports
        tx.execute("UPDATE quarantine SET quarantined_at_ms = ?", (int((NOW - timedelta(days=40)).timestamp() * 1000),))
    kept = check_report(source=PUBLIC_SOURCE, external_id="", category="people_crossing", text="recent",
                        lat=41.13, lon=22.51, contact="recent.reporter@example.org", now=NOW)
    submit_report(store, kept, client="c", now=NOW)
    assert _found(store, store_url) == set(CONTACTS)  # the test can fail: they are there before
    assert purge_contacts(store, now=NOW) == len(CONTACTS)
    assert _found(store, store_url) == set()
    assert fetch(store, "SELECT contact FROM reports WHERE contact IS NOT NULL") == [("recent.reporter@example.org",)]
    assert fetch(store, "SELECT COUNT(*) FROM quarantine")[0][0] == len(CONTACTS) + 1  # refused submissions still count
    store.close()


def _found(store, url: str) -> set[str]:
    if url.startswith("sqlite"):
        base = Path(url.removeprefix("sqlite:///"))
        blob = b"".join(p.read_bytes() for p in base.parent.glob(base.name + "*"))
        return {c for c in CONTACTS if c.encode() in blob or json.dumps(c)[1:-1].encode() in blob}
    tables = [t for (t,) in fetch(store, "SELECT table_name FROM information_schema.tables "
                                         "WHERE table_schema = current_schema()")]
    text = " ".join(str(fetch(store, f"SELECT * FROM {t}")) for t in tables)
    return {c for c in CONTACTS if c in text or json.dumps(c)[1:-1] in text}
