"""One frozen :class:`Settings`, built at the edge (the ``limes`` command, the Streamlit scripts) and passed
down, and the one place that knows where Limes' own files are: a source checkout or an installed wheel.

Nothing in ``geo`` or ``layers`` reads the environment; ``dashboard.config`` turns ``LIMES_*``
variables and command-line options into a :class:`Settings`.

Where the files are (:func:`app_dir`, :func:`bundled_data_dir`, :func:`default_var_dir`):

- a checkout (``pip install -e .``, ``make run``): the repository holds ``streamlit_app.py``,
  ``report_form.py``, ``.streamlit/``, ``static/`` and ``data/``; the var folder is ``<repository>/var``;
- an installed wheel: the same run-time files are package data of ``limes_app`` (see ``setup.py``);
  the var folder is the per-user ``~/.local/share/limes``, and Streamlit serves a copy of the app
  folder made there (``<var>/app``), because generated images must be written next to ``static/``.
"""

from __future__ import annotations

import importlib.resources
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Final

from geo.errors import GeodataError, msg
from geo.region import BUNDLED_REGION_FILE, Region, load_region

BUNDLE_PACKAGE: Final[str] = "limes_app"
"""The wheel's package of run-time files: the app scripts, ``.streamlit/config.toml``, ``static/``, ``data/``."""
SQLITE_FILE: Final[str] = "limes.sqlite"
"""The default store's file name inside the var folder."""


def checkout_root() -> Path | None:
    """The repository when Limes runs from a source checkout, else ``None`` (an installed wheel)."""
    root = Path(__file__).resolve().parents[1]
    return root if (root / "pyproject.toml").is_file() and (root / "streamlit_app.py").is_file() else None


def bundle_dir() -> Path:
    """The folder holding ``streamlit_app.py``, ``report_form.py``, ``.streamlit/``, ``static/`` and ``data/``."""
    root = checkout_root()
    if root is not None:
        return root
    if importlib.util.find_spec(BUNDLE_PACKAGE) is None:
        raise GeodataError(msg("neither a Limes checkout nor the installed package {bundle_package!r} was found: "
                               "reinstall Limes from its wheel", bundle_package=BUNDLE_PACKAGE))
    return Path(str(importlib.resources.files(BUNDLE_PACKAGE)))


def bundled_data_dir() -> Path:
    """The bundled geodata: DEMs, Natural Earth vectors, the sample incident file (``data/``)."""
    return bundle_dir() / "data"


def default_var_dir() -> Path:
    """Where Limes writes by default: ``<checkout>/var``, or ``~/.local/share/limes`` for an installed wheel."""
    root = checkout_root()
    return root / "var" if root is not None else Path.home() / ".local" / "share" / "limes"


def sqlite_url(var_dir: Path) -> str:
    """The URL of the default SQLite store in ``var_dir``."""
    return f"sqlite:///{var_dir / SQLITE_FILE}"


def bundled_region() -> Region:
    """The region shipped with Limes (``data/regions/bundled.toml``): the default everywhere."""
    return load_region(bundled_data_dir() / BUNDLED_REGION_FILE)


EARLIEST_EVENT: Final[datetime] = datetime(1990, 1, 1, tzinfo=timezone.utc)
"""Default floor for event times: earlier ones are typos or placeholders, quarantined as ``bad_date``."""


def utc_now() -> datetime:
    """The real time, timezone-aware UTC (the default clock)."""
    return datetime.now(timezone.utc)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """Everything configurable about one Limes process.

    Parameters
    ----------
    store_url : str
        ``sqlite:///path`` or ``postgresql://user@host:port/db``.
    data_dir : Path
        The bundled geodata (read only).
    var_dir : Path
        Writable: the default SQLite file, and (from a wheel) the app folder Streamlit serves.
    app_dir : Path
        The folder of ``streamlit_app.py``; Streamlit serves its ``static/`` at ``/app/static/``.
    contact_retention_days : float
        Days a reporter's contact details are kept.
    reports_per_hour : int
        Reports one client may send per clock hour through the public form.
    form_proxy_hops : int
        Trusted reverse proxies in front of the public form.
    scenario : bool
        Load and refresh the bundled scenario into the store.
    hot_window_days : float
        Days of events each dashboard server keeps in memory; older history is aggregated by the
        store (0 keeps every event in memory).
        Load and refresh the bundled scenario into the store (never into one holding real data).
    earliest_event : datetime
        Imported rows timed before it (UTC) are quarantined as ``bad_date``.
    live_sharing : bool
        Sessions of a server showing the same live view share one computation a second (off: each
        session computes its own, the behaviour before; kept for the load test's comparison).
    language : str
        The default language of the interface and of what the CLI writes (a code of
        :data:`geo.i18n.LANGUAGES`; a signed-in user's own choice wins in the dashboard).
    tak_endpoint : str
        ``host:port`` of the TAK server incident taskings go to (CoT over TCP); empty: none.
    unit_endpoints : tuple of (str, str)
        ``(callsign, host:port)`` of units reached directly; they win over the TAK server.
    fusion_m, fusion_min : float
        Signals within this distance (metres) and time (minutes) of an open incident attach to it.
    clock : Callable[[], datetime]
        Returns the current time, timezone-aware UTC.
    region : Region
        The watched border (``--region FILE`` / ``LIMES_REGION``); the bundled one by default.

    Values are checked where they are used (``RateLimit``, ``purge_contacts``, ``client_address``).
    """

    store_url: str
    data_dir: Path
    var_dir: Path
    app_dir: Path
    contact_retention_days: float = 30.0
    reports_per_hour: int = 5
    form_proxy_hops: int = 0
    scenario: bool = True
    hot_window_days: float = 400.0
    earliest_event: datetime = EARLIEST_EVENT
    live_sharing: bool = True
    language: str = "en"
    tak_endpoint: str = ""
    unit_endpoints: tuple[tuple[str, str], ...] = ()
    fusion_m: float = 2000.0
    fusion_min: float = 30.0
    clock: Callable[[], datetime] = field(default=utc_now, compare=False)
    region: Region = field(default_factory=bundled_region)

    @property
    def static_dir(self) -> Path:
        """The folder served at ``/app/static/``: Streamlit takes ``static/`` beside the main script."""
        return self.app_dir / "static"

    @property
    def generated_dir(self) -> Path:
        """Images the app writes for the browser (relief, coverage), served at ``/app/static/generated/``."""
        return self.static_dir / "generated"

    @classmethod
    def build(cls, *, store_url: str | None = None, data_dir: Path | None = None, var_dir: Path | None = None,
              **options: object) -> Settings:
        """Settings with the folders not given filled in: the checkout's, or the installed package's.

        ``store_url`` defaults to ``limes.sqlite`` in the var folder; ``options`` are the other fields. The bundled
        scenario is of the bundled region: another region has it off unless ``scenario`` says otherwise.
        """
        var_dir = (var_dir or default_var_dir()).absolute()
        region = options.get("region")
        if "scenario" not in options and region is not None and region != bundled_region():
            options["scenario"] = False
        root = checkout_root()
        return cls(store_url=store_url or sqlite_url(var_dir), data_dir=(data_dir or bundled_data_dir()).absolute(),
                   var_dir=var_dir, app_dir=root if root is not None else var_dir / "app", **options)  # type: ignore[arg-type]
