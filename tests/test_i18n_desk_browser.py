"""The Briefing page in Chromium in every language, chosen in the sidebar as a user does; one screenshot per language
in ``artifacts/i18n-briefing-<language>.png``. The choice is set back to English at the end (it is remembered)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.serving import start_streamlit
from geo.i18n import LANGUAGES, translator
from tests.browser import MAP, chromium_page, wait_idle

pytestmark = pytest.mark.browser

READY = "**Sections, highest level and largest rise first**"


def _choose(page, native_name: str) -> None:
    page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
    page.get_by_role("option", name=native_name, exact=True).click()
    wait_idle(page)


def test_briefing_page_in_each_language(artifacts: Path) -> None:
    with start_streamlit(log_dir=artifacts) as url, chromium_page(height=2000) as session:
        page = session.page
        page.goto(url)
        wait_idle(page)
        try:
            for code, language in [*[(c, lang) for c, lang in LANGUAGES.items() if c != "en"], ("en", LANGUAGES["en"])]:
                tr = translator(code)
                _choose(page, language.native_name)
                page.locator('[data-testid="stSidebarNav"] a', has_text=tr.gettext("Briefing")).click()
                page.get_by_text(tr.gettext(READY).strip("*")).wait_for(timeout=120_000)
                wait_idle(page)
                page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
                page.wait_for_timeout(3000)  # deck.gl draws the sections
                page.screenshot(path=str(artifacts / f"i18n-briefing-{code}.png"), full_page=True)
                assert page.get_by_text(tr.gettext("PDF briefing"), exact=True).count() == 1
                assert page.get_by_text(tr.gettext("Briefing period"), exact=True).count() == 1
                if code != "en":
                    assert page.get_by_text("PDF briefing", exact=True).count() == 0
                    assert page.get_by_text("Briefing period", exact=True).count() == 0
        finally:
            _choose(page, LANGUAGES["en"].native_name)
    assert session.outside_loopback() == []
