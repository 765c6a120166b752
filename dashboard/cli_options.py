"""What every ``limes`` command shares: its settings from options and environment, the store options, signals, and
the audit entry of what a shell user did."""

from __future__ import annotations

import argparse
import getpass
import os
import signal
from pathlib import Path

from dashboard.config import settings_from_env
from geo.i18n import Translator, parse_language, translator
from geo.region import load_region
from geo.settings import Settings


def command_settings(args: argparse.Namespace) -> Settings:
    """The settings of this command: its options, then the ``LIMES_*`` environment, then the defaults."""
    return settings_from_env(os.environ, store_url=getattr(args, "db", None), var_dir=getattr(args, "var_dir", None),
                             reports_per_hour=getattr(args, "per_hour", None),
                             form_proxy_hops=getattr(args, "proxy_hops", None),
                             contact_retention_days=getattr(args, "days", None),
                             region=load_region(args.region) if getattr(args, "region", None) else None,
                             language=parse_language(args.lang) if getattr(args, "lang", None) else None)


def command_translator(args: argparse.Namespace) -> Translator:
    """The language this command writes for people in: ``--lang``, else ``$LIMES_LANG``, else English."""
    return translator(command_settings(args).language)


def add_lang(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """The ``--lang`` option every command has (``nested``: a step of a command, ``limes share agree``, where the
    option may stand too; absent there, it leaves the command's own value alone)."""
    parser.add_argument("--lang", metavar="CODE", **({"default": argparse.SUPPRESS} if nested else {}),
                        help="language of the messages, PDFs and texts written: en, el, mk, sq, bg, sr, sr-Latn; "
                             "default: $LIMES_LANG, else en")


def add_region(parser: argparse.ArgumentParser, *, nested: bool = False) -> None:
    """The ``--region`` option every command has (``nested``: as for :func:`add_lang`)."""
    parser.add_argument("--region", type=Path, metavar="FILE", **({"default": argparse.SUPPRESS} if nested else {}),
                        help="region TOML file (limes region init); default: $LIMES_REGION, else the bundled region")


def add_db(parser: argparse.ArgumentParser) -> None:
    """The ``--db`` and ``--var-dir`` options of a command that uses the store."""
    parser.add_argument("--db", help="store URL (sqlite:///path or postgresql://...); default: $LIMES_DB or "
                                     "limes.sqlite in the var folder")
    parser.add_argument("--var-dir", type=Path, help="writable folder for the default store (and, from a wheel, the "
                                                     "app folder); default: $LIMES_VAR_DIR, else var/ of a checkout "
                                                     "or ~/.local/share/limes")


def stop_on_signals() -> None:
    """Ctrl-C and a plain `kill` both stop the processes we started (a shell may start us with SIGINT ignored)."""
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.default_int_handler)


def cli_actor() -> str:
    """Who a command's audit entries name: ``cli:<operating-system user>`` (whoever has a shell on the server)."""
    return f"cli:{getpass.getuser()}"


def cli_audit(store_url: str, action: str, *, target: str, detail: str) -> None:
    """Record in the store at ``store_url`` what the command did, as the Data and Briefing pages record their
    downloads: the actor is :func:`cli_actor`, the client ``cli``."""
    from geo.store import open_store  # the store's drivers load only for commands that use it
    from geo.trust import AuditEntry, record

    store = open_store(store_url)
    try:
        record(store, AuditEntry(cli_actor(), action, target=target, client="cli", detail=detail))
    finally:
        store.close()
