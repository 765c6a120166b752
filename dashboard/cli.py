"""The ``limes`` command line: ``bench``, ``import``, ``serve``, ``report``, ``public-form``, ``purge-contacts``,
``purge-events``, the live commands of :mod:`dashboard.live_cli`, ``routes`` of :mod:`dashboard.routes_cli` and
``handover`` of :mod:`dashboard.handover_cli`."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bench import suite
from dashboard.cli_options import (
    add_db,
    add_lang,
    add_region,
    cli_actor,
    cli_audit,
    command_settings,
    command_translator,
    stop_on_signals,
)
from dashboard.handover_cli import add_handover_command
from dashboard.live_cli import add_live_commands
from dashboard.region_cli import add_region_command
from dashboard.routes_cli import add_routes_command, report_routes
from dashboard.share_cli import add_share_command
from geo.errors import LimesError, ServiceError, describe
from geo.i18n import Translator, translator


def _bench(args: argparse.Namespace) -> int:
    from bench.harness import format_table

    figures = suite.run(args.only or suite.GROUPS, events=args.events, import_rows=args.import_rows,
                        mirror_events=args.mirror_events, live_events=args.live_events, load_events=args.load_events)
    print(json.dumps({f.name: f.as_dict() for f in figures}, indent=2) if args.json else format_table(figures))
    return 0


def _exit_on_signals() -> None:
    """Turn SIGTERM and SIGHUP into ``SystemExit`` (as Ctrl-C is ``KeyboardInterrupt``): ``finally`` blocks then
    run, so the import's record ends ``failed`` with its counts and its reader process is stopped.

    ``kill -9`` runs nothing here: the reader process watches this one and exits by itself.
    """
    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


def _import(args: argparse.Namespace) -> int:
    import getpass

    from geo.ingest import check_importable, import_file
    from geo.store import open_store
    from geo.trust import AuditEntry, record

    # Read and map the file first: a refused file must not leave a new, empty store behind.
    _exit_on_signals()
    mapping = check_importable(Path(args.path), mapping=args.mapping)
    settings = command_settings(args)
    tr = command_translator(args)
    store = open_store(settings.store_url)
    try:
        def show(rows: int) -> None:
            print("\r  " + tr.ngettext("{n} row read", "{n} rows read", rows).format(n=tr.number(rows)), end="",
                  file=sys.stderr, flush=True)

        report = import_file(Path(args.path), store, mapping=mapping, progress=None if args.json else show,
                             earliest=settings.earliest_event)
        # Whoever has a shell on the server imports as the operating-system user: audited like the Data page.
        record(store, AuditEntry(f"cli:{getpass.getuser()}", "import", target=Path(args.path).name, client="cli",
                                 detail=f"{report.inserted} inserted, {report.duplicates} duplicates, "
                                        f"{report.quarantined} quarantined"))
    finally:
        store.close()
    if args.json:
        print(json.dumps({k: report.as_dict()[k] for k in ("read", "inserted", "duplicates", "quarantined", "reasons")}))
    else:
        print(file=sys.stderr)
        print(report.summary(tr))
    return 0


def _public_form(args: argparse.Namespace) -> int:
    """The public community report form as its own Streamlit app: no login, no data but the form."""
    import subprocess

    from dashboard.config import settings_env
    from dashboard.serve import prepare_app_dir
    from geo.reports import RateLimit
    from geo.store import open_store

    config = command_settings(args)
    RateLimit(max_reports=config.reports_per_hour)  # refused here, not at the first report
    open_store(config.store_url).close()  # a store that cannot be opened fails here, with its message
    prepare_app_dir(config)
    tr = command_translator(args)
    print(tr.ngettext("Public report form on {url} (at most {n} report an hour per client). Ctrl-C stops it.",
                      "Public report form on {url} (at most {n} reports an hour per client). Ctrl-C stops it.",
                      config.reports_per_hour).format(url=f"http://{args.address}:{args.port}",
                                                      n=tr.number(config.reports_per_hour)), flush=True)
    stop_on_signals()
    # The app folder as working directory: Streamlit reads .streamlit/config.toml (static serving) there.
    form = subprocess.Popen([sys.executable, "-m", "dashboard.serve", str(config.app_dir / "report_form.py"),
                             "--server.address", args.address, "--server.port", str(args.port)],
                            env={**os.environ, **settings_env(config)}, cwd=config.app_dir)
    try:
        return form.wait()
    except KeyboardInterrupt:
        form.terminate()
        form.wait(timeout=20)
        return 0


def _serve(args: argparse.Namespace) -> int:
    from dashboard.serve import serve

    extra = [a for a in args.streamlit_args if a != "--"]
    config = command_settings(args)
    print(command_translator(args).gettext("Limes dashboard on {url}, its libraries loading before the first visitor. "
                                           "Ctrl-C stops it.").format(url=f"http://{args.address}:{args.port}"),
          flush=True)
    return serve(config, address=args.address, port=args.port, streamlit_args=extra)


def _purge_contacts(args: argparse.Namespace) -> int:
    """Delete reporters' contact details older than the retention period (run it daily, e.g. from cron)."""
    from datetime import timedelta

    from geo.reports import purge_contacts
    from geo.store import open_store

    config = command_settings(args)
    store = open_store(config.store_url)
    try:
        # Audited by purge_contacts itself, as the shell user who ran it.
        purged = purge_contacts(store, retention=timedelta(days=config.contact_retention_days), now=config.clock(),
                                actor=cli_actor())
    finally:
        store.close()
    tr = command_translator(args)
    print(tr.ngettext("contact details deleted from {n} report received more than {days} days ago",
                      "contact details deleted from {n} reports received more than {days} days ago", purged).format(
        n=purged, days=tr.number(config.contact_retention_days)))
    return 0


def _purge_events(args: argparse.Namespace) -> int:
    """Remove whole months of events older than ``--keep-days`` (run it daily, e.g. from cron)."""
    from datetime import timedelta

    from geo.store import open_store, purge_event_months

    config = command_settings(args)
    store = open_store(config.store_url)
    try:
        purged = purge_event_months(store, keep_from=config.clock() - timedelta(days=args.keep_days))
    finally:
        store.close()
    tr = command_translator(args)
    if purged.months:
        text = tr.ngettext("{n} event removed with the months before the one {days} days ago: {months}",
                           "{n} events removed with the months before the one {days} days ago: {months}",
                           purged.events)
    else:
        text = tr.gettext("No month ended before the one {days} days ago: no event removed")
    print(text.format(n=tr.number(purged.events), days=tr.number(args.keep_days),
                      months=tr.listing([_month_name(m, tr) for m in purged.months])))
    return 0


def _month_name(month: str, tr: Translator) -> str:
    """A ``YYYY-MM`` month as ``tr``'s locale names it standing alone (``Μάιος 2019``, ``мај 2019``)."""
    from babel.dates import format_skeleton

    year, number = (int(part) for part in month.split("-"))
    return format_skeleton("yMMMM", date(year, number, 1), locale=tr.language.locale)


def _report(args: argparse.Namespace) -> int:
    """The briefing pack of a period as a PDF (and, on request, PNG map and CSV/GeoJSON/GeoParquet figures)."""
    import time
    from datetime import datetime, timezone

    from geo.briefing import (
        BriefingParams,
        ReportOptions,
        SectionSource,
        briefing_from_store,
        read_rules,
        write_report,
    )
    from geo.spatial import load_basemap
    from geo.store import open_store
    from geo.timewindow import day_range_window

    try:
        first, last = date.fromisoformat(args.date_from), date.fromisoformat(args.date_to)
    except ValueError as exc:
        print(command_translator(args).gettext("limes: dates are YYYY-MM-DD: {reason}").format(reason=exc),
              file=sys.stderr)
        return 2
    window = day_range_window(datetime(first.year, first.month, first.day, tzinfo=timezone.utc),
                              datetime(last.year, last.month, last.day, tzinfo=timezone.utc))
    params = BriefingParams(k=args.k, **({"rules": read_rules(Path(args.rules))} if args.rules else {}))
    options = ReportOptions(sections=SectionSource(path=Path(args.sections_file) if args.sections_file else None,
                                                   target_length_km=args.target_km),
                            only=tuple(args.sections or ()), params=params)
    extra = {kind: Path(path) for kind, path in (("png", args.png), ("csv", args.csv), ("geojson", args.geojson),
                                                 ("parquet", args.geoparquet)) if path}
    config = command_settings(args)
    started = time.perf_counter()
    basemap = load_basemap(config.region)
    tr = command_translator(args)
    store = open_store(config.store_url)
    try:
        briefing = briefing_from_store(store, window, options=options, basemap=basemap, generated_at=config.clock(),
                                       tr=tr)
    finally:
        store.close()
    routes = (report_routes(config.store_url, window, region=config.region, k=args.k, now=config.clock())
              if args.routes else None)
    written = write_report(briefing, basemap, out=Path(args.out), extra_outputs=extra, routes=routes, tr=tr)
    cli_audit(config.store_url, "export", target=Path(args.out).name,
              detail=f"briefing pack {first:%Y-%m-%d} to {last:%Y-%m-%d}, k={args.k}: "
                     f"{', '.join(p.name for p in written)}"[:200])
    sections = tr.ngettext("{n} section", "{n} sections", len(briefing.sections)).format(n=len(briefing.sections))
    pages = 1 + len(briefing.sections) + bool(routes)
    print(tr.ngettext("{sections}, {n} page; wrote {files} in {seconds} s", "{sections}, {n} pages; wrote {files} in "
                      "{seconds} s", pages).format(sections=sections, n=pages, files=", ".join(map(str, written)),
                                                   seconds=tr.number(time.perf_counter() - started, decimals=1)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="limes", description="Limes border situational awareness")
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="measure performance figures beside the naive approach")
    bench.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    bench.add_argument("--events", type=int, default=10_000_000, help="events to aggregate (default 10 M)")
    bench.add_argument("--import-rows", type=int, default=2_000_000, help="events to import (default 2 M)")
    for flag, default, what in (("--live-events", 25, "events for the feed-to-browser latency (needs Chromium)"),
                                ("--mirror-events", 10_000_000, "events the mirror holds for the live append"),
                                ("--load-events", 1_000_000, "stored events for the load test of many sessions")):
        bench.add_argument(flag, type=int, default=default, help=f"{what}; default {default:,}, 0 skips it")
    bench.add_argument("--only", nargs="+", help="run only these groups of figures", choices=suite.GROUPS)
    bench.set_defaults(handler=_bench)
    load = sub.add_parser("import", help="import an event file (CSV, GeoJSON, GeoPackage, GeoParquet, Excel)")
    load.add_argument("path", help="the file to import")
    load.add_argument("--mapping", help="preset (native, iom, generic) or a TOML mapping file; default: detect")
    add_db(load)
    load.add_argument("--json", action="store_true", help="print the report as one JSON object")
    load.set_defaults(handler=_import)
    add_live_commands(sub)
    serve = sub.add_parser("serve", help="the dashboard alone, its libraries loaded before the first visitor")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", default="127.0.0.1",
                       help="interface (default loopback; any other needs OIDC login configured, see README)")
    add_db(serve)
    serve.add_argument("streamlit_args", nargs=argparse.REMAINDER,
                       help="after --: more `streamlit run` options, e.g. -- --secrets.files prod-secrets.toml")
    serve.set_defaults(handler=_serve)
    report = sub.add_parser("report", help="the commanders' briefing pack of a period as a PDF")
    report.add_argument("--from", dest="date_from", required=True, help="first day, YYYY-MM-DD (UTC)")
    report.add_argument("--to", dest="date_to", required=True, help="last day, YYYY-MM-DD (UTC), included")
    report.add_argument("--out", required=True, help="the PDF to write")
    report.add_argument("--sections", nargs="+", metavar="SECTION", help="only these sections (ids or names)")
    report.add_argument("--sections-file", help="sections as lines, or areas as polygons (any OGR format with a CRS)")
    report.add_argument("--target-km", type=float, default=25.0, help="automatic section length (default 25 km)")
    report.add_argument("--k", type=int, default=5, help="suppress counts below k (default 5)")
    report.add_argument("--rules", help="TOML file of level rules (default: the built-in rules)")
    report.add_argument("--png", help="also write the sector map as PNG here")
    report.add_argument("--csv", help="also write the section figures as CSV here")
    report.add_argument("--geojson", help="also write the section figures as GeoJSON here")
    report.add_argument("--geoparquet", help="also write the section figures as GeoParquet here")
    report.add_argument("--routes", action="store_true",
                        help="add the planners' page: likely crossing routes for the stored sensors and patrols")
    add_db(report)
    report.set_defaults(handler=_report)
    form = sub.add_parser("public-form", help="the public community report form, an app of its own (no login)")
    form.add_argument("--port", type=int, default=8502)
    form.add_argument("--address", default="127.0.0.1",
                      help="interface to listen on (default loopback; put a reverse proxy with TLS in front)")
    form.add_argument("--per-hour", type=int,
                      help="reports a client may send per clock hour (default: $LIMES_REPORTS_PER_HOUR or 5)")
    form.add_argument("--proxy-hops", type=int,
                      help="trusted reverse proxies in front: the client is their X-Forwarded-For entry "
                           "(default: $LIMES_FORM_PROXY_HOPS or 0)")
    add_db(form)
    form.set_defaults(handler=_public_form)
    purge = sub.add_parser("purge-contacts", help="delete reporters' contact details past the retention period")
    purge.add_argument("--days", type=float,
                       help="retention period in days (default: $LIMES_CONTACT_RETENTION_DAYS or 30)")
    add_db(purge)
    purge.set_defaults(handler=_purge_contacts)
    purge_events = sub.add_parser("purge-events", help="remove whole months of events past the retention period "
                                                       "(PostgreSQL drops their month partitions)")
    purge_events.add_argument("--keep-days", type=float, required=True,
                              help="keep at least this many days: months that ended before the month of that day go")
    add_db(purge_events)
    purge_events.set_defaults(handler=_purge_events)
    add_routes_command(sub, add_db)
    add_share_command(sub, add_db)
    add_handover_command(sub, add_db)
    add_region_command(sub)
    for command in sub.choices.values():
        add_region(command)
        add_lang(command)
        for steps in (a for a in command._actions if isinstance(a, argparse._SubParsersAction)):
            for step in steps.choices.values():  # `limes share agree FILE --lang mk` as well as `limes share --lang mk`
                add_region(step, nested=True)
                add_lang(step, nested=True)
    return parser


def _reader(args: argparse.Namespace) -> Translator:
    """The language of an error message: the command's (``--lang``, ``$LIMES_LANG``), English where that cannot be
    told (the error may be the language or the region itself)."""
    try:
        return command_translator(args)
    except LimesError:
        return translator()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``limes`` script: 0 on success; on a Limes error one line on stderr and exit
    code 3 for a :class:`~geo.errors.ServiceError` (store, feed), 2 for any other (input, analysis)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ServiceError as exc:  # the store or a feed failed: running again later may work
        print(f"limes: {describe(exc, _reader(args))}", file=sys.stderr)
        return 3
    except LimesError as exc:  # bad input, or an analysis the data cannot support
        print(f"limes: {describe(exc, _reader(args))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: what was running cleaned up on the way out; no traceback for it
        print("limes: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
