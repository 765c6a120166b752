"""Incidents on a real store (SQLite, and PostgreSQL when given): the state machine, optimistic locking between two
sessions, fusion of related signals (with property tests), and the audit of every step."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import IncidentConflict, IncidentError
from geo.incidents import (
    Actor,
    Anchor,
    FusionRule,
    Signal,
    acknowledge,
    assign,
    attach_all,
    close,
    current,
    distance_m,
    fuse_signals,
    mark_on_scene,
    open_incident,
    set_priority,
)
from geo.store import open_store, signal_rows, step_rows
from geo.trust import read_log
from tests.stores import PG_SKIP_REASON, PG_URL, fetch

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)
ALICE = Actor("alice@police.example", role="operator", client="10.0.0.5")
BOB = Actor("bob@police.example", role="operator", client="10.0.0.6")
RULE = FusionRule()
IDOMENI = (41.1236, 22.5176)


def _pg_url() -> Iterator[str]:
    import psycopg

    schema = f"limes_dispatch_{uuid.uuid4().hex[:10]}"  # named for this branch's tests
    with psycopg.connect(str(PG_URL), autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        joiner = "&" if "?" in str(PG_URL) else "?"
        yield f"{PG_URL}{joiner}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(str(PG_URL), autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'incidents.sqlite'}"
        return
    if not PG_URL:
        pytest.skip(PG_SKIP_REASON)
    yield from _pg_url()


def alarm(ref: str, *, lat: float = IDOMENI[0], lon: float = IDOMENI[1], minutes: float = 0.0,
          kind: str = "sensor_alarm") -> Signal:
    return Signal(kind=kind, ref=ref, lat=lat, lon=lon, at=NOW + timedelta(minutes=minutes), label="sensor alarm")


def test_the_life_of_an_incident_is_recorded_and_audited(url: str) -> None:
    store = open_store(url)
    try:
        opened = open_incident(store, alarm("seq:1", kind="high_impact"), actor=ALICE, rule=RULE, now=NOW)
        assert opened.created
        row = current(store, opened.incident_id)
        assert (row["state"], row["priority"], row["version"], row["opened_by"]) == ("new", "high", 1, ALICE.user_id)
        row = acknowledge(store, opened.incident_id, expected_version=1, actor=ALICE, now=NOW + timedelta(minutes=1))
        assert (row["state"], row["owner"], row["version"]) == ("acknowledged", ALICE.user_id, 2)
        row = assign(store, opened.incident_id, callsign="ALPHA-1", expected_version=2, actor=BOB,
                     now=NOW + timedelta(minutes=2))
        assert (row["state"], row["unit_callsign"], row["owner"]) == ("assigned", "ALPHA-1", BOB.user_id)
        row = set_priority(store, opened.incident_id, priority="medium", expected_version=3, actor=BOB,
                           now=NOW + timedelta(minutes=3))
        row = mark_on_scene(store, opened.incident_id, expected_version=4, actor=BOB, now=NOW + timedelta(minutes=9))
        row = close(store, opened.incident_id, outcome="apprehension", expected_version=5, actor=BOB,
                    now=NOW + timedelta(minutes=30))
        assert (row["state"], row["outcome"], row["version"]) == ("closed", "apprehension", 6)
        steps = step_rows(store, incident_id=opened.incident_id)
        assert list(zip(steps["action"], steps["from_state"], steps["to_state"], strict=True)) == [
            ("open", "", "new"), ("acknowledge", "new", "acknowledged"), ("assign", "acknowledged", "assigned"),
            ("priority", "assigned", "assigned"), ("on_scene", "assigned", "on_scene"), ("close", "on_scene", "closed")]
        log = read_log(store, actions=("incident_opened", "incident_acknowledged", "incident_assigned",
                                       "incident_priority", "incident_on_scene", "incident_closed")).iloc[::-1]
        assert list(log["action"]) == ["incident_opened", "incident_acknowledged", "incident_assigned",
                                       "incident_priority", "incident_on_scene", "incident_closed"]
        assert list(log["actor"]) == [ALICE.user_id, ALICE.user_id, BOB.user_id, BOB.user_id, BOB.user_id,
                                      BOB.user_id]
        assert "acknowledged -> assigned" in log["detail"].iloc[2] and "unit ALPHA-1" in log["detail"].iloc[2]
        assert "on scene -> closed" in log["detail"].iloc[5] and "apprehension" in log["detail"].iloc[5]
        assert set(log["client"]) == {ALICE.client, BOB.client} and set(log["outcome"]) == {"ok"}
    finally:
        store.close()


def test_steps_a_state_does_not_allow_are_refused(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 's.sqlite'}")
    try:
        incident = open_incident(store, alarm("seq:1"), actor=ALICE, rule=RULE, now=NOW).incident_id
        with pytest.raises(IncidentError, match="cannot on scene an incident that is new"):
            mark_on_scene(store, incident, expected_version=1, actor=ALICE, now=NOW)
        with pytest.raises(IncidentError, match="outcome must be one of"):
            close(store, incident, outcome="solved", expected_version=1, actor=ALICE, now=NOW)
        close(store, incident, outcome="false_alarm", expected_version=1, actor=ALICE, now=NOW)
        with pytest.raises(IncidentError, match="cannot close an incident that is closed"):
            close(store, incident, outcome="false_alarm", expected_version=2, actor=ALICE, now=NOW)
        with pytest.raises(IncidentError, match="no incident 99"):
            acknowledge(store, 99, expected_version=1, actor=ALICE, now=NOW)
        assert current(store, incident)["version"] == 2  # the refusals changed nothing
    finally:
        store.close()


def test_two_sessions_on_one_incident_one_wins_the_other_is_told_who(url: str) -> None:
    """Two operators' sessions (two connections) read version 1 and act; the second learns who won."""
    first, second = open_store(url), open_store(url)
    try:
        incident = open_incident(first, alarm("seq:7"), actor=ALICE, rule=RULE, now=NOW).incident_id
        seen_by_alice = current(first, incident)["version"]
        seen_by_bob = current(second, incident)["version"]
        acknowledge(first, incident, expected_version=seen_by_alice, actor=ALICE, now=NOW)
        with pytest.raises(IncidentConflict) as lost:
            assign(second, incident, callsign="BRAVO-2", expected_version=seen_by_bob, actor=BOB, now=NOW)
        assert lost.value.changed_by == ALICE.user_id and lost.value.state == "acknowledged"
        assert f"changed by {ALICE.user_id} (now acknowledged)" in str(lost.value)
        row = current(second, incident)
        assert (row["state"], row["unit_callsign"], row["version"]) == ("acknowledged", None, 2)
        denied = read_log(second, actions=("incident_assigned",))
        assert list(denied["outcome"]) == ["denied"] and denied["actor"].iloc[0] == BOB.user_id
        assert "conflict: changed by alice" in denied["detail"].iloc[0]
    finally:
        first.close()
        second.close()


def test_two_sessions_racing_in_threads_exactly_one_assignment_lands(url: str) -> None:
    stores = [open_store(url), open_store(url)]
    try:
        incident = open_incident(stores[0], alarm("seq:8"), actor=ALICE, rule=RULE, now=NOW).incident_id
        start = threading.Barrier(2)
        outcomes: dict[str, str] = {}

        def act(store, actor: Actor, callsign: str) -> None:
            start.wait()
            try:
                assign(store, incident, callsign=callsign, expected_version=1, actor=actor, now=NOW)
                outcomes[actor.user_id] = "won"
            except IncidentConflict as exc:
                outcomes[actor.user_id] = f"lost to {exc.changed_by}"

        threads = [threading.Thread(target=act, args=(s, a, c))
                   for s, a, c in ((stores[0], ALICE, "ALPHA-1"), (stores[1], BOB, "BRAVO-2"))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winner = next(user for user, what in outcomes.items() if what == "won")
        loser = next(user for user in outcomes if user != winner)
        assert outcomes[loser] == f"lost to {winner}"
        row = current(stores[0], incident)
        assert row["version"] == 2 and row["unit_callsign"] == {ALICE.user_id: "ALPHA-1", BOB.user_id: "BRAVO-2"}[winner]
        assert len(step_rows(stores[0], incident_id=incident)) == 2  # open + one assignment
    finally:
        for s in stores:
            s.close()


def test_related_signals_fuse_with_the_rule_shown(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'f.sqlite'}")
    try:
        first = open_incident(store, alarm("seq:1"), actor=ALICE, rule=RULE, now=NOW)
        # ~1.1 km north, 20 min later: fused.
        near = open_incident(store, alarm("seq:2", lat=IDOMENI[0] + 0.01, minutes=20), actor=BOB, rule=RULE, now=NOW)
        assert (near.incident_id, near.created, near.rule) == (first.incident_id, False,
                                                               "within 2 km and 30 min of an open incident")
        # ~3.3 km away: a new incident; 45 min later at the same place: a new incident too.
        far = open_incident(store, alarm("seq:3", lat=IDOMENI[0] + 0.03), actor=BOB, rule=RULE, now=NOW)
        late = open_incident(store, alarm("seq:4", minutes=45), actor=BOB, rule=RULE, now=NOW)
        assert far.created and late.created and len({first.incident_id, far.incident_id, late.incident_id}) == 3
        again = open_incident(store, alarm("seq:2", lat=IDOMENI[0] + 0.01, minutes=20), actor=BOB, rule=RULE, now=NOW)
        assert again.already and again.incident_id == first.incident_id
        signals = signal_rows(store, incident_id=first.incident_id)
        assert list(signals["signal_ref"]) == ["seq:1", "seq:2"]
        assert signals["rule"].iloc[1] == "within 2 km and 30 min of an open incident"
        # A closed incident takes nothing more.
        close(store, first.incident_id, outcome="nothing_found", expected_version=1, actor=ALICE, now=NOW)
        assert open_incident(store, alarm("seq:5", minutes=5), actor=BOB, rule=RULE, now=NOW).created
        assert len(read_log(store, actions=("incident_fused",))) == 1
    finally:
        store.close()


def test_a_configured_rule_changes_what_fuses() -> None:
    anchors = [Anchor(1, *IDOMENI, NOW)]
    signal = alarm("seq:9", lat=IDOMENI[0] + 0.03, minutes=50)  # ~3.3 km, 50 min
    assert attach_all([signal], anchors, FusionRule()) == {}
    assert attach_all([signal], anchors, FusionRule(distance_m=5000, window=timedelta(hours=1))) == {
        ("sensor_alarm", "seq:9"): 1}
    assert FusionRule(distance_m=5000, window=timedelta(hours=1)).describe() == \
        "within 5 km and 60 min of an open incident"
    with pytest.raises(IncidentError, match="distance_m"):
        FusionRule(distance_m=-1)


def test_distance_is_the_great_circle() -> None:
    assert distance_m(41.0, 22.0, 41.0, 22.0) == 0.0
    assert distance_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(111_195, rel=1e-4)  # one degree on the equator
    assert distance_m(41.0, 22.0, 41.01, 22.0) == pytest.approx(1_111.95, rel=1e-4)


# -- property tests ------------------------------------------------------------------------------------------------

OFFSET = st.floats(-0.05, 0.05, allow_nan=False)  # degrees: ~±5 km around Idomeni
MINUTES = st.integers(-90, 90)


@st.composite
def field_of_signals(draw) -> tuple[list[Anchor], list[Signal]]:
    anchors = [Anchor(i + 1, IDOMENI[0] + draw(OFFSET), IDOMENI[1] + draw(OFFSET), NOW + timedelta(minutes=draw(MINUTES)))
               for i in range(draw(st.integers(0, 6)))]
    signals = [alarm(f"seq:{i}", lat=IDOMENI[0] + draw(OFFSET), lon=IDOMENI[1] + draw(OFFSET), minutes=draw(MINUTES))
               for i in range(draw(st.integers(0, 25)))]
    return anchors, signals


@settings(max_examples=150, deadline=None)
@given(field_of_signals(), st.randoms())
def test_attachment_is_order_independent_and_each_alarm_goes_to_one_incident(case, rnd) -> None:
    anchors, signals = case
    result = attach_all(signals, anchors, RULE)
    shuffled_signals, shuffled_anchors = list(signals), list(anchors)
    rnd.shuffle(shuffled_signals)
    rnd.shuffle(shuffled_anchors)
    assert attach_all(shuffled_signals, shuffled_anchors, RULE) == result
    for signal in signals:
        eligible = [a for a in anchors if abs(signal.at - a.at) <= RULE.window
                    and distance_m(signal.lat, signal.lon, a.lat, a.lon) <= RULE.distance_m]
        key = (signal.kind, signal.ref)
        assert (key in result) == bool(eligible)
        if eligible:  # the nearest one, ties to the older incident
            assert result[key] == min(eligible, key=lambda a: (distance_m(signal.lat, signal.lon, a.lat, a.lon),
                                                               a.incident_id)).incident_id


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(OFFSET, OFFSET, st.integers(-40, 40)), min_size=1, max_size=12), st.randoms())
def test_fusing_alarms_in_the_store_is_order_independent_and_never_doubles(tmp_path_factory, points, rnd) -> None:
    """Two stores with the same open incidents take the same alarms in different orders, twice: same attachments,
    and no alarm is ever in two incidents."""
    seeds = [alarm("open:a"), alarm("open:b", lat=IDOMENI[0] + 0.02, minutes=10)]
    alarms = [alarm(f"seq:{i}", lat=IDOMENI[0] + a, lon=IDOMENI[1] + b, minutes=m) for i, (a, b, m) in enumerate(points)]
    found = []
    for order in (alarms, rnd.sample(alarms, len(alarms))):
        store = open_store(f"sqlite:///{tmp_path_factory.mktemp('fuse') / 'f.sqlite'}")
        try:
            for seed in seeds:
                open_incident(store, seed, actor=ALICE, rule=FusionRule(distance_m=0), now=NOW)
            fuse_signals(store, order, rule=RULE, now=NOW, actor=ALICE)
            fuse_signals(store, order[::-1], rule=RULE, now=NOW, actor=BOB)  # a second poller, or a repeat
            rows = fetch(store, "SELECT signal_ref, incident_id FROM incident_signals WHERE signal_ref LIKE 'seq:%'")
        finally:
            store.close()
        refs = [r[0] for r in rows]
        assert len(refs) == len(set(refs))
        found.append(dict(rows))
    assert found[0] == found[1]


BAD_SIGNALS = st.one_of(
    st.builds(dict, kind=st.text(max_size=12).filter(lambda k: k not in {"sensor_alarm", "high_impact",
                                                                          "unusual_cell", "community_report",
                                                                          "emerging_area"})),
    st.builds(dict, lat=st.one_of(st.floats(90.0001, 1e9), st.floats(-1e9, -90.0001), st.just(float("nan")))),
    st.builds(dict, lon=st.one_of(st.floats(180.0001, 1e9), st.floats(-1e9, -180.0001))),
    st.builds(dict, ref=st.just("")),
    st.builds(dict, at=st.just(datetime(2026, 11, 28, 12, 0))),
)


@settings(max_examples=60, deadline=None)
@given(BAD_SIGNALS)
def test_bad_signals_are_refused_with_a_reason(bad: dict) -> None:
    fields = {"kind": "sensor_alarm", "ref": "seq:1", "lat": 41.0, "lon": 22.0, "at": NOW, **bad}
    with pytest.raises(IncidentError):
        Signal(**fields)

