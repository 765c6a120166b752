"""Timing helpers and the figure record every benchmark returns."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass


@dataclass(frozen=True, slots=True)
class Figure:
    """One measured figure: ours beside the naive approach, same data, same run.

    ``higher_is_better`` tells how to read ``speedup`` (always ours relative to naive, > 1 is
    better for us) and the bar.
    """

    name: str
    unit: str
    ours: float
    naive: float | None
    bar: str
    higher_is_better: bool
    note: str = ""

    @property
    def speedup(self) -> float | None:
        if self.naive is None or self.ours == 0 or self.naive == 0:
            return None
        return self.ours / self.naive if self.higher_is_better else self.naive / self.ours

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "speedup": self.speedup}


def median_seconds(fn: Callable[[], object], *, repeat: int = 7, warmup: int = 1) -> float:
    """Median wall time of ``fn`` over ``repeat`` runs after ``warmup`` untimed runs."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def once_seconds(fn: Callable[[], object]) -> float:
    """Wall time of a single run (for naive baselines that take seconds)."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def format_table(figures: list[Figure]) -> str:
    """A Markdown table of the figures, as the README shows it."""
    lines = ["| figure | ours | naive, same run | ours vs naive | bar |", "|---|---|---|---|---|"]
    for f in figures:
        naive = "—" if f.naive is None else f"{_number(f.naive)} {f.unit}"
        speedup = "—" if f.speedup is None else f"{f.speedup:,.1f}×"
        lines.append(f"| {f.name} | {_number(f.ours)} {f.unit} | {naive} | {speedup} | {f.bar} |")
    return "\n".join(lines)


def _number(value: float) -> str:
    """Three significant digits, without scientific notation."""
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
