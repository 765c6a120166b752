"""``limes handover``: the shift handover of a period as a PDF (internal, or suppressed for outside the room)."""

from __future__ import annotations

import argparse
import getpass
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

from dashboard.cli_options import command_settings, command_translator
from geo.errors import IncidentError


def shift_time(text: str, *, option: str) -> datetime:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM`` (UTC unless it names an offset) as a UTC time."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise IncidentError(f"{option} is a UTC time as YYYY-MM-DD or YYYY-MM-DDTHH:MM; got {text!r}") from None
    return at.replace(tzinfo=timezone.utc) if at.tzinfo is None else at.astimezone(timezone.utc)


def add_handover_command(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``limes handover`` on the command line's subparsers."""
    handover = sub.add_parser("handover", help="the shift handover (incidents, key figures, open alerts) as a PDF")
    handover.add_argument("--from", dest="start", required=True, help="shift start, YYYY-MM-DDTHH:MM (UTC)")
    handover.add_argument("--to", dest="end", required=True, help="shift end, YYYY-MM-DDTHH:MM (UTC), excluded")
    handover.add_argument("--out", required=True, help="the PDF to write")
    handover.add_argument("--external", action="store_true",
                          help="a copy for outside the control room: counts below k suppressed, no single incidents")
    handover.add_argument("--k", type=int, default=5, help="suppress counts below k in an external copy (default 5)")
    add_db(handover)
    handover.set_defaults(handler=run_handover)


def run_handover(args: argparse.Namespace) -> int:
    """Write the handover PDF; 0 on success (bad times or an empty period exit 2 through ``limes``)."""
    from geo.incidents import handover_from_store, render_handover_pdf
    from geo.spatial import load_towns
    from geo.store import open_store
    from geo.trust import AuditEntry, record

    start, end = shift_time(args.start, option="--from"), shift_time(args.end, option="--to")
    config = command_settings(args)
    tr = command_translator(args)
    store = open_store(config.store_url)
    try:
        handover = handover_from_store(store, start=start, end=end, generated_at=config.clock(), towns=load_towns(),
                                       external=args.external, k=args.k, tr=tr)
        Path(args.out).write_bytes(render_handover_pdf(handover, tr=tr, zone=config.region.time_zone))
        record(store, AuditEntry(f"cli:{getpass.getuser()}", "handover", target=Path(args.out).name, client="cli",
                                 detail=f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC, "
                                        f"{'external' if args.external else 'internal'}"))
    finally:
        store.close()
    shift = tr.gettext("{start} to {end}").format(start=tr.utc_and_local(start, config.region.time_zone),
                                                  end=tr.utc_and_local(end, config.region.time_zone))
    if args.external:
        print(tr.gettext("external handover {shift}: {n} figures published, counts below k={k} suppressed, no single "
                         "incidents; wrote {file}").format(shift=shift, n=int(handover.figures.notna().sum()), k=args.k,
                                                           file=args.out))
    else:
        print(tr.gettext("handover {shift}: {opened} opened, {closed} closed, {open} still open, {alerts} open alerts; "
                         "wrote {file}").format(shift=shift, opened=len(handover.opened), closed=len(handover.closed),
                                                open=len(handover.still_open), alerts=len(handover.alerts),
                                                file=args.out))
    return 0
