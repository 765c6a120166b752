"""The public form in Chromium opens in the browser's language (its tab's title too), and its menu switches to
another; one screenshot per language in ``artifacts/i18n-form-<language>.png``."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.i18n import translator
from tests.browser import MAP, chromium_page, wait_idle
from tests.test_public_form_browser import _start_form

pytestmark = pytest.mark.browser

BROWSERS = {"el-GR": "el", "mk-MK": "mk", "sq-AL": "sq", "bg-BG": "bg", "sr-RS": "sr", "sr-Latn-RS": "sr-Latn",
            "en-GB": "en", "de-DE": "en"}
"""Browser language → the language the form must open in (German is not ours: English)."""


def test_the_form_opens_in_the_browser_s_language(tmp_path: Path, artifacts: Path) -> None:
    proc, url = _start_form(f"sqlite:///{tmp_path / 'form.sqlite'}", artifacts / "i18n-form-streamlit.log")
    try:
        for browser_language, code in BROWSERS.items():
            title = translator(code).gettext("Report what you saw at the border")
            with chromium_page(width=1000, height=1100, locale=browser_language) as session:
                page = session.page
                page.goto(url)
                wait_idle(page)
                page.get_by_role("heading", name=title).wait_for(timeout=60_000)
                page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
                page.wait_for_timeout(3000)  # deck.gl draws the map under the form
                page.screenshot(path=str(artifacts / f"i18n-form-{browser_language}.png"), timeout=120_000)
                page.get_by_text(translator(code).gettext("Where did it happen?")).wait_for(timeout=60_000)
                assert page.title() == translator(code).gettext("Report to the border police")  # the browser tab
                if code == "el":  # the menu offers the others: Greek to Bulgarian
                    page.locator('[data-testid="stSelectbox"]').first.click()
                    page.get_by_role("option", name="Български").click()
                    page.get_by_role("heading", name="Съобщете какво видяхте на границата").wait_for(timeout=30_000)
                    page.wait_for_function("document.title === 'Сигнал до граничната полиция'", timeout=30_000)
                assert session.outside_loopback() == []
    finally:
        proc.terminate()
        proc.wait(timeout=20)
