"""The map in Chromium in every language: one screenshot each (``artifacts/i18n-map-<language>.png``), the KPI labels
and legend entries fit their boxes (rendered widths, so the longest translation of each is checked where it is
shown), the town labels' file is the language's own, the browser tab's title is in the language, and nothing leaves
loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from geo.i18n import LANGUAGES, translator
from tests.browser import MAP, chromium_page, wait_idle

pytestmark = pytest.mark.browser

OVERFLOW_JS = """() => {
  const clipped = (el) => el.scrollWidth > el.clientWidth + 1;
  const out = [];
  let kpis = 0, rows = 0;
  for (const label of document.querySelectorAll('[data-testid="stMetricLabel"]')) {
    const box = label.closest('[data-testid="stMetric"]').getBoundingClientRect();
    kpis += 1;
    for (const el of [label, ...label.querySelectorAll('*')]) {
      const r = el.getBoundingClientRect();
      if (clipped(el) || r.right > box.right + 1) { out.push('KPI: ' + label.innerText); break; }
    }
  }
  const legend = document.querySelector('[data-testid="limes-legend"]');
  const edge = legend.getBoundingClientRect().right;
  for (const row of legend.querySelectorAll('div > span:last-child')) {
    rows += 1;
    if (clipped(row) || row.getBoundingClientRect().right > edge + 1) out.push('legend: ' + row.innerText);
  }
  for (const el of document.querySelectorAll('[data-testid="stMain"] *')) {
    if (getComputedStyle(el).textOverflow === 'ellipsis' && clipped(el)) out.push('cut short: ' + el.innerText);
  }
  return {out, kpis, rows};
}"""
"""What is cut off or sticks out: a KPI label wider than its tile, a legend entry beyond the legend's column, any text
of the page (not the sidebar) that ends in "…" because it does not fit (the playback switch's label)."""


def _choose(page: Page, code: str) -> None:
    """Pick ``code`` in the sidebar's language menu, as a user does, and wait for the map in that language."""
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=LANGUAGES[code].native_name, exact=True).click()
    wait_idle(page)
    page.get_by_text(translator(code).gettext("Hexagons with events"), exact=True).wait_for(timeout=150_000)
    page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
    page.wait_for_timeout(4000)  # deck.gl debounces, fetches the language's label file and draws


def test_map_in_every_language_fits_and_is_kept_as_screenshots(app_server: str, artifacts: Path) -> None:
    with chromium_page(width=1600, height=1000) as session:
        page = session.page
        page.goto(app_server)
        wait_idle(page, timeout_ms=120_000)
        page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
        try:
            for code in [*[c for c in LANGUAGES if c != "en"], "en"]:
                _choose(page, code)
                tr = translator(code)
                page.screenshot(path=str(artifacts / f"i18n-map-{code}.png"))
                for english in ("Events", "Persons", "High / very high impact", "EU external border"):
                    page.get_by_text(tr.gettext(english), exact=True).first.wait_for(timeout=10_000)
                assert page.title() == tr.gettext("Limes · border situational awareness")  # the browser tab
                fit = page.evaluate(OVERFLOW_JS)
                assert fit["out"] == [] and fit["kpis"] == 4 and fit["rows"] >= 10, (code, fit)
                chips = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').first.inner_text()
                assert tr.gettext("Irregular crossing") in chips, (code, chips)  # the chips follow the language
                towns = [u for u in session.requests if "-towns.json?v=" in u]
                assert any(f"basemap-{code}-towns.json?v=" in u for u in towns), code
        finally:
            if page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').count():
                _choose(page, "en")  # the choice is remembered for the local user: leave English for other tests
        assert session.outside_loopback() == []
