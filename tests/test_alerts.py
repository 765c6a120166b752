"""Alerts against the hour-of-week history: hand-built cells with known answers."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import h3.api.basic_int as h3i
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from geo.analysis import AlertRule, unusual_cells
from geo.errors import InputError, LimesError
from geo.grid import BASE_RES, EventIndex, Filters, latlng_to_cells
from geo.models import EVENT_TYPES
from geo.timewindow import TimeWindow

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)
BUSY = (41.12, 22.52)   # ten events in this night hour every week
QUIET = (41.40, 22.95)  # nothing in this hour before


def _events() -> pd.DataFrame:
    rows = []
    for week in range(0, 9):
        start = NOW - timedelta(hours=1) - timedelta(weeks=week)
        rows += [(*BUSY, start + timedelta(minutes=5 * i)) for i in range(10)]
    rows += [(*QUIET, NOW - timedelta(minutes=m)) for m in (5, 15, 25, 35, 45)]
    lat, lon, when = zip(*rows)
    return pd.DataFrame({"occurred_at": pd.to_datetime(list(when), utc=True), "type": "apprehension", "persons": 1,
                         "cell": latlng_to_cells(np.array(lat), np.array(lon), BASE_RES)})


def test_busy_as_usual_is_not_an_alert_but_new_activity_is() -> None:
    index = EventIndex(_events())
    filters = Filters(TimeWindow(NOW - timedelta(hours=1), NOW), EVENT_TYPES, 7)
    alerts = unusual_cells(index, filters)
    quiet = h3i.latlng_to_cell(*QUIET, 7)
    busy = h3i.latlng_to_cell(*BUSY, 7)
    assert list(alerts.index) == [quiet]
    row = alerts.loc[quiet]
    assert row["observed"] == 5 and row["expected"] == pytest.approx(0.5 / 9)
    assert row["p"] == pytest.approx(stats.poisson.sf(4, 0.5 / 9))
    everything = unusual_cells(index, filters, AlertRule(max_p=0.999, min_events=1))
    assert everything.loc[busy, "expected"] == pytest.approx(80.5 / 9)  # 8 past weeks of 10, smoothed
    with pytest.raises(LimesError):
        AlertRule(weeks=0)


def test_operators_read_words_not_p_values() -> None:
    from geo.analysis import unusual_word
    from geo.i18n import translator

    assert [unusual_word(p) for p in (0.0, 0.001, 0.0011, 0.01, 0.04, 0.05, 0.2, 1.0)] == [
        "very unusual", "very unusual", "unusual", "unusual", "somewhat unusual", "somewhat unusual", "not unusual",
        "not unusual"]
    assert unusual_word(0.0005, translator("el")) == "πολύ ασυνήθιστο"
    with pytest.raises(InputError):
        unusual_word(1.5)
