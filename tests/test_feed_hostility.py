"""Hostile feeds against real loopback servers: one feed's failure is that feed's problem (issue 14, class 4).

Every hostile answer of :func:`tests.feedserver.hostile_reply` is generated in variants; each poll
must end recorded in ``feed_health``, its records stored or quarantined (none lost), and a healthy
feed beside N hostile ones keeps its lag under 3 s.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.feeds import Feed, next_wait_s, poll_once, run_poller
from geo.store import feed_health, open_store, read_events
from tests.feedserver import HOSTILE_KINDS, Reply, Script, hostile_reply, serve

ROOT = Path(__file__).resolve().parents[1]
HOSTILE = {"retries": 1, "backoff_s": 0.0, "deadline_s": 0.6, "read_timeout_s": 0.4, "connect_timeout_s": 0.4,
           "max_bytes": 200_000, "interval_s": 0.2, "max_backoff_s": 1.0}
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _quarantined_raw(store) -> str:
    with store.transaction(write=False) as tx:
        return "\n".join(str(r[0]) for r in tx.fetch("SELECT raw FROM quarantine"))


@SETTINGS
@given(kind=st.sampled_from(HOSTILE_KINDS), seed=st.integers(0, 10_000))
def test_every_hostile_answer_is_recorded_and_loses_no_record(tmp_path_factory, kind: str, seed: int) -> None:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'feeds.sqlite'}")
    script = Script()
    try:
        with serve(script) as base:
            reply = hostile_reply(kind, base=base, path="/events", seed=seed)
            script.replies["/events"] = [reply]
            feed = Feed(name="hostile", url=f"{base}/events", kind="geojson", **HOSTILE)
            started = time.monotonic()
            transport = httpx.HTTPTransport()
            with httpx.Client(transport=transport, follow_redirects=True, max_redirects=5) as client:
                result = poll_once(feed, store, client=client, sleep=lambda s: None, abort=transport.close)
            elapsed_s = time.monotonic() - started
        health = feed_health(store).set_index("feed").loc["hostile"]
        assert health["polls"] == 1
        # Two tries at most, each within its deadline plus one read timeout.
        assert elapsed_s < 2 * (HOSTILE["deadline_s"] + HOSTILE["read_timeout_s"]) + 1.0, (kind, elapsed_s)
        stored = set(read_events(store)["event_id"]) if store.count("events") else set()
        raw = _quarantined_raw(store)
        # A body cut off in transit, or refused for its size before it was read, never reached Limes: its
        # records come again at the next poll (the cursor stays) and the refusal is in feed_health.
        arrived = kind not in ("slow_drip", "header_drip", "truncated", "not_http", "oversized")
        sent = [f["properties"]["event_id"] for f in _features(reply.body)] if arrived else []
        lost = [e for e in sent if e not in stored and e not in raw]
        if result.error is None:
            assert kind == "bad_dates", (kind, result)  # a page of bad dates: every row quarantined
            assert result.read == (result.inserted + result.units + result.duplicates + result.quarantined
                                   + result.skipped)
        else:
            assert health["failures"] == 1 and health["last_error"] == result.error
            assert result.error.startswith("hostile:"), result.error  # a message, never a bare traceback
        # next_loop / foreign_next store their first page, then fail: the records are kept all the same.
        assert lost == [], (kind, lost, result)
    finally:
        store.close()


def _features(body: bytes) -> list[dict]:
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return []
    return doc.get("features", []) if isinstance(doc, dict) else []


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(HOSTILE_KINDS), min_size=1, max_size=6))
def test_a_healthy_feed_keeps_its_lag_beside_hostile_ones(tmp_path_factory, kinds: list[str]) -> None:
    store = open_store(f"sqlite:///{tmp_path_factory.mktemp('lag') / 'feeds.sqlite'}")
    script = Script()
    served = [0]

    def fresh() -> Reply:  # every request of the healthy feed brings an event that happened just now
        served[0] += 1
        now = datetime.now(timezone.utc).isoformat()
        return Reply(200, json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [22.5, 41.1]},
            "properties": {"event_id": f"ok-{served[0]}", "type": "apprehension", "occurred_at": now}}]}).encode())

    class Fresh(list):
        def pop(self, index: int = -1) -> Reply:
            return fresh()

        def __getitem__(self, index):  # the last reply "repeats": a fresh one each time
            return fresh()

    healthy_at: list[tuple[float, float | None, str | None]] = []
    stop = threading.Event()
    try:
        with serve(script) as base:
            script.replies["/healthy"] = Fresh([None])
            feeds = [Feed(name="healthy", url=f"{base}/healthy", kind="geojson", interval_s=0.5)]
            for i, kind in enumerate(kinds):
                path = f"/hostile{i}"
                script.replies[path] = [hostile_reply(kind, base=base, path=path, seed=i)]
                feeds.append(Feed(name=f"hostile{i}-{kind}", url=f"{base}{path}", kind="geojson",
                                  **{**HOSTILE, "deadline_s": 2.0, "read_timeout_s": 1.0}))

            def seen(result) -> None:
                if result.feed == "healthy":
                    healthy_at.append((time.monotonic(), result.lag_s, result.error))

            runner = threading.Thread(target=run_poller, args=(feeds, store),
                                      kwargs={"should_stop": stop.is_set, "on_result": seen}, daemon=True)
            started = time.monotonic()
            runner.start()
            time.sleep(4.0)
            stop.set()
            runner.join(timeout=10)
            assert not runner.is_alive()
        assert len(healthy_at) >= 5, healthy_at
        gaps = [b[0] - a[0] for a, b in zip([(started, None, None), *healthy_at], healthy_at, strict=False)]
        assert max(gaps) < 3.0, gaps
        assert all(error is None and lag is not None and lag < 3.0 for _, lag, error in healthy_at), healthy_at
        health = feed_health(store).set_index("feed")
        assert set(health.index) == {f.name for f in feeds}  # every hostile feed polled and recorded
    finally:
        stop.set()
        store.close()


def test_backoff_grows_with_failures_and_is_capped() -> None:
    feed = Feed(name="f", url="http://127.0.0.1:1/x", kind="geojson", interval_s=1.0, max_backoff_s=10.0)
    assert [next_wait_s(feed, n) for n in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_poll_once_exits_non_zero_when_the_poll_failed(tmp_path: Path) -> None:
    script = Script()
    with serve(script) as base:
        script.replies["/loop"] = [hostile_reply("next_loop", base=base, path="/loop")]
        script.replies["/ok"] = [Reply(200, b'{"type": "FeatureCollection", "features": []}')]
        db = f"sqlite:///{tmp_path / 'cli.sqlite'}"

        def limes(path: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([sys.executable, "-m", "dashboard.cli", "poll", "--url", f"{base}{path}", "--kind",
                                   "geojson", "--once", "--db", db], cwd=ROOT, capture_output=True, text=True,
                                  timeout=120, check=False)

        failed, ok = limes("/loop"), limes("/ok")
    assert failed.returncode == 3, failed.stderr
    assert "next-link loop" in failed.stdout and "the poll failed for geojson" in failed.stderr
    assert "Traceback" not in failed.stderr + failed.stdout
    assert ok.returncode == 0, ok.stderr
