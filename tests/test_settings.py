"""One settings object: the LIMES_* environment and the command line's options, read in one place."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from dashboard.config import ENVIRONMENT, feed_tokens, settings_env, settings_from_env
from geo.errors import LimesError
from geo.settings import Settings, bundle_dir, checkout_root
from geo.store import resolve_url
from geo.store.core import DEFAULT_SQLITE_PATH
from tests.conftest import ROOT


def test_a_checkout_is_its_own_app_folder_with_var_beside_it() -> None:
    assert checkout_root() == ROOT and bundle_dir() == ROOT
    settings = settings_from_env({})
    assert settings.app_dir == ROOT and settings.static_dir == ROOT / "static"
    assert settings.data_dir == ROOT / "data" and settings.var_dir == ROOT / "var"
    assert settings.store_url == f"sqlite:///{ROOT / 'var' / 'limes.sqlite'}" == resolve_url(None)
    assert DEFAULT_SQLITE_PATH == ROOT / "var" / "limes.sqlite"
    assert (settings.scenario, settings.reports_per_hour, settings.form_proxy_hops) == (True, 5, 0)
    assert settings.contact_retention_days == 30.0 and settings.clock().tzinfo is timezone.utc


def test_environment_then_options_then_defaults(tmp_path: Path) -> None:
    environ = {"LIMES_VAR_DIR": str(tmp_path), "LIMES_SCENARIO": "OFF", "LIMES_REPORTS_PER_HOUR": "3",
               "LIMES_FORM_PROXY_HOPS": "1", "LIMES_CONTACT_RETENTION_DAYS": "7.5", "LIMES_HOT_WINDOW_DAYS": "90",
               "UNRELATED": "x"}
    settings = settings_from_env(environ)
    assert settings.store_url == f"sqlite:///{tmp_path / 'limes.sqlite'}"  # the default store follows the var folder
    assert (settings.scenario, settings.reports_per_hour, settings.form_proxy_hops) == (False, 3, 1)
    assert (settings.contact_retention_days, settings.hot_window_days) == (7.5, 90.0)
    assert settings_from_env({}).hot_window_days == 400.0
    assert settings_from_env({}).live_sharing and not settings_from_env({"LIMES_LIVE_SHARING": "off"}).live_sharing
    given = settings_from_env({**environ, "LIMES_DB": "postgresql://x@h/db"}, reports_per_hour=9, form_proxy_hops=None)
    assert (given.store_url, given.reports_per_hour, given.form_proxy_hops) == ("postgresql://x@h/db", 9, 1)
    # What a Streamlit child receives builds the same settings again.
    assert settings_from_env(settings_env(given)) == given
    assert set(settings_env(given)) == set(ENVIRONMENT)


@pytest.mark.parametrize(("name", "value", "message"), [
    ("LIMES_REPORTS_PER_HOUR", "five", "LIMES_REPORTS_PER_HOUR must be an integer; got 'five'"),
    ("LIMES_CONTACT_RETENTION_DAYS", "a month", "LIMES_CONTACT_RETENTION_DAYS must be a number; got 'a month'"),
    ("LIMES_SCENARIO", "maybe", "LIMES_SCENARIO must be on or off; got 'maybe'"),
])
def test_a_malformed_variable_is_named(name: str, value: str, message: str) -> None:
    with pytest.raises(LimesError, match=message):
        settings_from_env({name: value})


def test_clock_and_tokens_are_handed_down() -> None:
    fixed = datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc)
    settings = Settings.build(clock=lambda: fixed)
    assert settings.clock() == fixed
    assert feed_tokens(["LIMES_KOBO_TOKEN", None, "MISSING"], {"LIMES_KOBO_TOKEN": "t", "OTHER": "o"}) == \
        {"LIMES_KOBO_TOKEN": "t"}
