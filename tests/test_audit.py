"""The audit log: append-only, filtered reads, refused nonsense; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from geo.errors import LimesError
from geo.store import open_store
from geo.trust import AuditEntry, read_log, record
from tests.stores import store_url  # noqa: F401  (fixture)

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=timezone.utc)


def test_entries_come_back_newest_first_and_filtered(store_url: str) -> None:  # noqa: F811
    store = open_store(store_url)
    record(store, AuditEntry("alice", "login", role="operator", client="10.0.0.5"), at=T0)
    record(store, AuditEntry("bob", "access_denied", target="Briefing", outcome="denied", role="operator"),
           at=T0 + timedelta(minutes=1))
    record(store, AuditEntry("alice", "export", target="briefing.pdf", role="commander", detail="k=5"),
           at=T0 + timedelta(minutes=2))
    log = read_log(store)
    assert log["action"].tolist()[:3] == ["export", "access_denied", "login"]
    assert log["at"].iloc[0] == T0 + timedelta(minutes=2)
    alice = read_log(store, actor="alice")
    assert set(alice["action"]) == {"login", "export"} and alice["client"].tolist()[-1] == "10.0.0.5"
    denied = read_log(store, actions=("access_denied",), since=T0 + timedelta(seconds=30))
    assert denied[["actor", "target", "outcome"]].values.tolist() == [["bob", "Briefing", "denied"]]
    store.close()


def test_unknown_actions_outcomes_and_anonymous_actors_are_refused() -> None:
    with pytest.raises(LimesError, match="unknown audit action"):
        AuditEntry("alice", "drop_tables")
    with pytest.raises(LimesError, match="outcome"):
        AuditEntry("alice", "login", outcome="maybe")
    with pytest.raises(LimesError, match="actor"):
        AuditEntry("", "login")
