"""The bundled scenario in the store (events, patrol positions, sensors): loaded on first run, replaced when stale.

The scenario ends at the moment it is generated. A control room that keeps the app running
would watch its "last 24 h" drain, so when the newest scenario event is older than
:data:`MAX_AGE`, the scenario's rows are replaced by a fresh one that ends now. Events of every
other source are left alone, and its source name is reserved (files and feeds cannot use it).

The scenario goes only into a store that holds nothing else but the demo's simulated feeds: once
a file was imported or a real feed wrote an event, the store holds real data and the scenario is
neither loaded nor refreshed there, whatever the settings say (``limes demo`` runs on its own
store; ``Settings.scenario`` turns it off everywhere).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from geo.coverage import ensure_sensors, sensor_table_empty
from geo.models import SCENARIO_SOURCE
from geo.scenario.generator import generate
from geo.scenario.simulator import DEMO_FEEDS
from geo.store import Store, delete_source, holds_other_data, insert_events, insert_units, newest_event_ms

SOURCE: Final[str] = SCENARIO_SOURCE
MAX_AGE: Final[timedelta] = timedelta(hours=1)
UNIT_STALE_AFTER: Final[timedelta] = timedelta(minutes=10)
"""A scenario GPS fix counts as current for this long (two missed 5-minute fixes)."""


def ensure_fresh_scenario(store: Store, *, now: datetime, seed: int | None = None) -> bool:
    """Load or replace the scenario in ``store`` if absent or stale, and its sensors if the sensor table is
    empty; returns whether it wrote anything (never anything into a store holding real data)."""
    if holds_other_data(store, sources=(SOURCE, *DEMO_FEEDS)):
        return False
    newest_ms = newest_event_ms(store, SOURCE)
    fresh = newest_ms is not None and now.timestamp() * 1000 - newest_ms <= MAX_AGE.total_seconds() * 1000
    if fresh and not sensor_table_empty(store):
        return False
    scenario = generate(end=now) if seed is None else generate(seed=seed, end=now)
    patrols = scenario.patrols.assign(source=SOURCE, stale_at=scenario.patrols["at"] + UNIT_STALE_AFTER)
    # One transaction: readers never see the old scenario gone and the new one not yet there.
    with store.transaction() as tx:
        if not fresh:
            if newest_ms is not None:
                delete_source(tx, SOURCE)
            insert_events(tx, scenario.events)
            insert_units(tx, patrols)
        # Sensors are the user's once loaded: the scenario's fill an empty table and are never replaced.
        ensure_sensors(tx, scenario.sensors, source=SOURCE)
    return True
