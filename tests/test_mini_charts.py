"""The drill-down's small charts as markup: bars in proportion, part-days pale, every text escaped and valid SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from hypothesis import given
from hypothesis import strategies as st

from dashboard.components.daily_bars import PART_COLOUR, WHOLE_COLOUR
from dashboard.components.mini_charts import PLOT_H, column_bars_svg, type_bars_html

SVG = "{http://www.w3.org/2000/svg}"


def _svg(text: str) -> ET.Element:
    return ET.fromstring(text.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_bars_in_proportion_with_part_days_pale_and_a_label_each() -> None:
    svg = _svg(column_bars_svg([10.0, 40.0, 0.0, 20.0], ["23 Nov", "24 Nov", "25 Nov", "26 Nov"],
                               ["a", "b", "c", "d"], pale=[True, False, False, True], number=str, title="per day"))
    bars = svg.findall(f"{SVG}rect")
    assert [float(b.get("height")) for b in bars] == [PLOT_H / 4, PLOT_H, 0.0, PLOT_H / 2]
    assert [b.get("fill") for b in bars] == [PART_COLOUR, WHOLE_COLOUR, WHOLE_COLOUR, PART_COLOUR]
    # every bar stands on the same baseline
    assert len({round(float(b.get("y")) + float(b.get("height")), 3) for b in bars}) == 1
    assert [b.find(f"{SVG}title").text for b in bars] == ["a", "b", "c", "d"]
    texts = [t.text for t in svg.findall(f"{SVG}text")]
    assert texts == ["23 Nov", "24 Nov", "25 Nov", "26 Nov", "40"]  # a label a bar, the largest value on top
    assert svg.get("aria-label") == "per day"


def test_every_nth_bar_labelled() -> None:
    svg = _svg(column_bars_svg([1.0] * 24, [f"{h:02d}:00" for h in range(24)], ["t"] * 24, pale=[False] * 24,
                               number=str, label_every=6, title="per hour"))
    assert [t.text for t in svg.findall(f"{SVG}text")][:-1] == ["00:00", "06:00", "12:00", "18:00"]


@given(st.lists(st.tuples(st.text(max_size=30), st.integers(0, 10_000)), min_size=1, max_size=12))
def test_outside_text_stays_text_and_the_svg_stays_valid(rows: list[tuple[str, int]]) -> None:
    labels = [label for label, _ in rows]
    values = [float(n) for _, n in rows]
    clean = [re.sub(r"[\x00-\x08\x0b\x0c\r\x0e-\x1f\ud800-\udfff\ufffe\uffff]", "", label) for label in labels]
    svg = _svg(column_bars_svg(values, clean, clean, pale=[False] * len(rows), number=str, title="<b>x</b>"))
    assert [t.text or "" for t in svg.findall(f"{SVG}text")][:len(rows)] == clean
    assert not svg.findall(f".//{SVG}script") and not svg.findall(".//b")


@given(st.lists(st.tuples(st.text(min_size=1, max_size=30), st.integers(1, 10_000)), min_size=1, max_size=12))
def test_type_bars_as_long_as_their_counts_and_escaped(rows: list[tuple[str, int]]) -> None:
    markup = type_bars_html(rows, number=lambda n: f"{n:,}", title="by type")
    widths = [float(w) for w in re.findall(r"width:([\d.]+)%", markup)]
    top = max(n for _, n in rows)
    assert widths == [round(100 * n / top, 1) for _, n in rows]
    assert "<script" not in markup.replace("&lt;script", "") and markup.count("<div") == len(rows) + 1
    assert [f"{n:,}" for _, n in rows] == re.findall(r'text-align:right">([^<]*)</span>', markup)
