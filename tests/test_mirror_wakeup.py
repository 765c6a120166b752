"""One watermark check per server per second (SQLite), and wake-ups by LISTEN/NOTIFY (PostgreSQL)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from geo.store import StoreMirror, delete_source, insert_events, open_store
from tests.stores import PG_SKIP_REASON, PG_URL, postgres_url, sqlite_url


def test_sessions_share_one_watermark_check_per_second(tmp_path: Path, scenario) -> None:
    store = open_store(sqlite_url(tmp_path))
    insert_events(store, scenario.events.head(100))
    now = [0.0]
    mirror = StoreMirror(store, check_every_s=1.0, ticker=lambda: now[0])
    sessions = [threading.Thread(target=lambda: [mirror.refresh() for _ in range(50)]) for _ in range(8)]
    for session in sessions:
        session.start()
    for session in sessions:
        session.join()
    assert mirror.checks == 1 and len(mirror.refresh()) == 100  # 400 reruns within one second: one query
    insert_events(store, scenario.events.iloc[100:130])
    now[0] = 0.9
    assert len(mirror.refresh()) == 100 and mirror.checks == 1
    now[0] = 1.0
    assert len(mirror.refresh()) == 130 and mirror.checks == 2
    store.close()


def _until(condition, timeout_s: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.skipif(not PG_URL, reason=PG_SKIP_REASON)
def test_postgresql_writers_wake_the_mirror(scenario) -> None:
    urls = postgres_url()
    url = next(urls)
    try:
        reader, writer = open_store(url), open_store(url)
        insert_events(writer, scenario.events.head(50))
        mirror = StoreMirror(reader, check_every_s=1.0, ticker=lambda: 0.0)  # time stands still: only wake-ups
        assert _until(mirror._woken.is_set)  # listening (connecting wakes it once: it cannot know what it missed)
        assert len(mirror.refresh()) == 50 and mirror.checks == 1
        for _ in range(200):
            mirror.refresh()
        assert mirror.checks == 1  # nothing written: no query
        settled = mirror.checks
        insert_events(writer, scenario.events.iloc[50:60])
        assert _until(lambda: len(mirror.refresh()) == 60)
        delete_source(writer, "scenario")  # deletions wake it too, and it reloads
        assert _until(lambda: len(mirror.refresh()) == 0)
        assert mirror.checks <= settled + 6
        reader.close()
        writer.close()
    finally:
        urls.close()
