"""The bundled scenario in the store (events and patrol positions): loaded on first run, replaced when stale.

The scenario ends at the moment it is generated. A control room that keeps the app running
would watch its "last 24 h" drain, so when the newest scenario event is older than
:data:`MAX_AGE`, the scenario's rows are replaced by a fresh one that ends now. Events of every
other source are left alone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from geo.scenario import generate
from geo.store import Store

SOURCE: Final[str] = "scenario"
MAX_AGE: Final[timedelta] = timedelta(hours=1)
UNIT_STALE_AFTER: Final[timedelta] = timedelta(minutes=10)
"""A scenario GPS fix counts as current for this long (two missed 5-minute fixes)."""


def ensure_fresh_scenario(store: Store, *, now: datetime, seed: int | None = None) -> bool:
    """Load or replace the scenario in ``store`` if absent or stale; returns whether it did."""
    newest_ms = store.newest_event_ms(SOURCE)
    if newest_ms is not None and now.timestamp() * 1000 - newest_ms <= MAX_AGE.total_seconds() * 1000:
        return False
    scenario = generate(end=now) if seed is None else generate(seed=seed, end=now)
    if newest_ms is not None:
        store.delete_source(SOURCE)
    store.insert_events(scenario.events)
    store.insert_units(scenario.patrols.assign(source=SOURCE, stale_at=scenario.patrols["at"] + UNIT_STALE_AFTER))
    return True
