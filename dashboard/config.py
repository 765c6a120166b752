"""Every ``LIMES_*`` environment variable read in one place, into one :class:`geo.settings.Settings`.

The ``limes`` command builds its settings from its options and the environment
(:func:`settings_from_env` with overrides) and hands them to a Streamlit server as ``LIMES_*``
variables (:func:`settings_env`); the Streamlit scripts and pages read them back through
:func:`settings`. Nothing below ``dashboard/`` reads the environment.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Final

from geo.errors import InputError
from geo.i18n import parse_language
from geo.region import load_region
from geo.settings import Settings

ENVIRONMENT: Final[dict[str, str]] = {
    "LIMES_DB": "store URL: sqlite:///path or postgresql://user@host:port/db (default: limes.sqlite in the var folder)",
    "LIMES_VAR_DIR": "writable folder: the default SQLite store; from a wheel also the app folder Streamlit serves",
    "LIMES_SCENARIO": "on or off: load and refresh the bundled scenario (default on)",
    "LIMES_CONTACT_RETENTION_DAYS": "days reporters' contact details are kept (default 30)",
    "LIMES_REPORTS_PER_HOUR": "reports a client may send per clock hour through the public form (default 5)",
    "LIMES_FORM_PROXY_HOPS": "trusted reverse proxies in front of the public form (default 0)",
    "LIMES_HOT_WINDOW_DAYS": "days of events each server keeps in memory; the store answers for older (default 400; "
                             "0: all)",
    "LIMES_LANG": "language of the interface and the CLI: en, el, mk, sq, bg, sr, sr-Latn (default en)",
    "LIMES_EARLIEST_EVENT": "YYYY-MM-DD: imported rows timed earlier are quarantined as bad_date (default 1990-01-01)",
    "LIMES_REGION": "a region TOML file (limes region init): the border watched (default: the bundled region)",
    "LIMES_LIVE_SHARING": "on or off: sessions showing the same live view share one computation a second (default on)",
    "LIMES_TAK": "host:port of the TAK server incident taskings are sent to over TCP (default: none)",
    "LIMES_UNIT_ENDPOINTS": "CALLSIGN=host:port,...: units reached directly, before the TAK server (default: none)",
    "LIMES_FUSION_M": "signals within this many metres of an open incident attach to it (default 2000)",
    "LIMES_FUSION_MIN": "... and within this many minutes of it (default 30)",
}
"""The variables :func:`settings_from_env` reads (the README's configuration table lists them too)."""
_SWITCH: Final[dict[str, bool]] = {"on": True, "off": False, "true": True, "false": False, "1": True, "0": False,
                                   "yes": True, "no": False}
PAGES_DIR: Final[Path] = Path(str(importlib.resources.files("dashboard.pages")))
"""The dashboard's page scripts, wherever the package is installed (the app script may be a copy elsewhere)."""


def _number(environ: Mapping[str, str], name: str, kind: type[int] | type[float]) -> int | float | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return kind(raw)
    except ValueError:
        raise InputError(f"{name} must be {'an integer' if kind is int else 'a number'}; got {raw!r}") from None


def _date(environ: Mapping[str, str], name: str) -> datetime | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%Y-%m-%d").replace(tzinfo=timezone.utc)
    except ValueError:
        raise InputError(f"{name} must be a date as YYYY-MM-DD; got {raw!r}") from None


def _switch(environ: Mapping[str, str], name: str) -> bool | None:
    raw = environ.get(name, "").strip().lower()
    if not raw:
        return None
    if raw not in _SWITCH:
        raise InputError(f"{name} must be on or off; got {raw!r}")
    return _SWITCH[raw]


def _endpoints(environ: Mapping[str, str], name: str) -> tuple[tuple[str, str], ...] | None:
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    pairs = []
    for item in raw.split(","):
        callsign, sep, endpoint = item.partition("=")
        host, colon, port = endpoint.strip().rpartition(":")
        if not sep or not callsign.strip() or not colon or not host or not port.isdigit():
            raise InputError(f"{name} is CALLSIGN=host:port, separated by commas; got {item.strip()!r}")
        pairs.append((callsign.strip(), endpoint.strip()))
    return tuple(pairs)


def settings_from_env(environ: Mapping[str, str], **overrides: object) -> Settings:
    """Settings from the ``LIMES_*`` variables in ``environ``; ``overrides`` (command-line options, ``None`` when
    not given) win over them, and :class:`Settings` defaults fill the rest.

    Raises
    ------
    InputError
        A variable holds something that is not a number (or not on/off).
    """
    var_dir = environ.get("LIMES_VAR_DIR", "").strip()
    given: dict[str, object] = {
        "store_url": environ.get("LIMES_DB", "").strip() or None,
        "var_dir": Path(var_dir).expanduser() if var_dir else None,
        "scenario": _switch(environ, "LIMES_SCENARIO"),
        "contact_retention_days": _number(environ, "LIMES_CONTACT_RETENTION_DAYS", float),
        "reports_per_hour": _number(environ, "LIMES_REPORTS_PER_HOUR", int),
        "form_proxy_hops": _number(environ, "LIMES_FORM_PROXY_HOPS", int),
        "hot_window_days": _number(environ, "LIMES_HOT_WINDOW_DAYS", float),
        "earliest_event": _date(environ, "LIMES_EARLIEST_EVENT"),
        "region": load_region(environ["LIMES_REGION"].strip()) if environ.get("LIMES_REGION", "").strip() else None,
        "live_sharing": _switch(environ, "LIMES_LIVE_SHARING"),
        "language": parse_language(environ["LIMES_LANG"]) if environ.get("LIMES_LANG", "").strip() else None,
        "tak_endpoint": environ.get("LIMES_TAK", "").strip() or None,
        "unit_endpoints": _endpoints(environ, "LIMES_UNIT_ENDPOINTS"),
        "fusion_m": _number(environ, "LIMES_FUSION_M", float),
        "fusion_min": _number(environ, "LIMES_FUSION_MIN", float),
    }
    given.update({key: value for key, value in overrides.items() if value is not None})
    return Settings.build(**{key: value for key, value in given.items() if value is not None})  # type: ignore[arg-type]


def settings_env(settings: Settings) -> dict[str, str]:
    """The ``LIMES_*`` variables that hand ``settings`` to a Streamlit server (a child process, or this one)."""
    return {
        "LIMES_DB": settings.store_url,
        "LIMES_VAR_DIR": str(settings.var_dir),
        "LIMES_SCENARIO": "on" if settings.scenario else "off",
        "LIMES_CONTACT_RETENTION_DAYS": f"{settings.contact_retention_days:g}",
        "LIMES_REPORTS_PER_HOUR": str(settings.reports_per_hour),
        "LIMES_FORM_PROXY_HOPS": str(settings.form_proxy_hops),
        "LIMES_HOT_WINDOW_DAYS": f"{settings.hot_window_days:g}",
        "LIMES_EARLIEST_EVENT": f"{settings.earliest_event:%Y-%m-%d}",
        **({"LIMES_REGION": str(settings.region.source)} if settings.region.source is not None else {}),
        "LIMES_LIVE_SHARING": "on" if settings.live_sharing else "off",
        "LIMES_LANG": settings.language,
        "LIMES_TAK": settings.tak_endpoint,
        "LIMES_UNIT_ENDPOINTS": ",".join(f"{c}={e}" for c, e in settings.unit_endpoints),
        "LIMES_FUSION_M": f"{settings.fusion_m:g}",
        "LIMES_FUSION_MIN": f"{settings.fusion_min:g}",
    }


@functools.lru_cache(maxsize=8)
def _settings_of(variables: tuple[tuple[str, str], ...]) -> Settings:
    return settings_from_env(dict(variables))


def settings() -> Settings:
    """This Streamlit server's settings, from its ``LIMES_*`` variables (built again only when they change)."""
    return _settings_of(tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("LIMES_"))))


def feed_tokens(token_variables: Iterable[str | None], environ: Mapping[str, str]) -> dict[str, str]:
    """The API tokens report feeds name by variable (``token_env``), read from ``environ`` for the poller."""
    return {name: environ[name] for name in token_variables if name is not None and name in environ}
