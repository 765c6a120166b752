"""Alerts: cells where the latest window is unusual against their own hour-of-week history.

For a window (the last hour, say) each cell's count is compared with the counts of the same cell
in the same hours of the week over the previous weeks, so that a cell busy every night is not
flagged for being busy tonight. The expected count is smoothed towards zero-history cells
(``(sum + 0.5) / (weeks + 1)``), and the surprise is the Poisson upper tail probability
``P(X >= observed | expected)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Final

import numpy as np
import pandas as pd
from scipy import stats

from geo.errors import InputError, msg
from geo.grid import EventIndex, Filters
from geo.i18n import N_, Translator, translator
from geo.timewindow import TimeWindow

UNUSUAL_WORDS: Final[tuple[tuple[float, str], ...]] = (
    (0.001, N_("very unusual")), (0.01, N_("unusual")), (0.05, N_("somewhat unusual")), (1.0, N_("not unusual")))
"""What operators read instead of a p-value: the first word whose bound the p-value does not exceed."""


def unusual_word(p: float, tr: Translator | None = None) -> str:
    """A probability as an operator's word, in ``tr``'s language (default English): "very unusual" (p <= 0.001),
    "unusual" (<= 0.01), "somewhat unusual" (<= 0.05), else "not unusual"; the p-value itself goes in a tooltip."""
    if not 0.0 <= p <= 1.0:
        raise InputError(msg("a p-value lies in 0..1; got {p!r}", p=p))
    word = next(word for bound, word in UNUSUAL_WORDS if p <= bound)
    return (tr or translator()).gettext(word)


@dataclass(frozen=True, slots=True)
class AlertRule:
    """When a cell's count is an alert: at least ``min_events`` and a tail probability of at most ``max_p``."""

    weeks: int = 8
    max_p: float = 0.01
    min_events: int = 2

    def __post_init__(self) -> None:
        if self.weeks < 1 or not 0 < self.max_p < 1 or self.min_events < 1:
            raise InputError(msg("alert rule needs weeks >= 1, 0 < max_p < 1, min_events >= 1; got {self}",
                                 self=self))


def unusual_cells(index: EventIndex, filters: Filters, rule: AlertRule = AlertRule()) -> pd.DataFrame:
    """Cells whose count in ``filters.window`` is improbable given the same hours of past weeks.

    Returns a frame indexed by cell with ``observed``, ``expected``, ``p`` and ``surprise``
    (-log10 p), most surprising first; only the cells that meet ``rule``.
    """
    now = index.aggregate(filters).set_index("cell")["events"]
    if now.empty:
        return pd.DataFrame(columns=["observed", "expected", "p", "surprise"])
    history = pd.Series(0.0, index=now.index)
    for week in range(1, rule.weeks + 1):
        shift = timedelta(weeks=week)
        past = TimeWindow(filters.window.start - shift, filters.window.end - shift)
        counts = index.aggregate(Filters(past, filters.types, filters.res)).set_index("cell")["events"]
        history = history.add(counts.reindex(now.index, fill_value=0), fill_value=0)
    expected = (history + 0.5) / (rule.weeks + 1)
    p = stats.poisson.sf(now.to_numpy() - 1, expected.to_numpy())
    result = pd.DataFrame({"observed": now, "expected": expected, "p": p,
                           "surprise": -np.log10(np.maximum(p, 1e-300))})
    keep = (result["observed"] >= rule.min_events) & (result["p"] <= rule.max_p)
    return result[keep].sort_values("surprise", ascending=False)
