"""The ``limes`` command line: ``bench``, ``import``, ``poll``, ``simulate-feed``, ``demo``, ``report``,
``public-form``, ``purge-contacts``."""

from __future__ import annotations

import argparse
import json
import os
import signal
import socketserver
import sys
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from bench import suite
from dashboard.config import feed_tokens, settings_from_env
from dashboard.routes_cli import add_routes_command
from geo.errors import FeedError, LimesError, ServiceError, describe
from geo.settings import Settings

if TYPE_CHECKING:
    from geo.feeds import PollResult


def _settings(args: argparse.Namespace) -> Settings:
    """The settings of this command: its options, then the ``LIMES_*`` environment, then the defaults."""
    return settings_from_env(os.environ, store_url=getattr(args, "db", None), var_dir=getattr(args, "var_dir", None),
                             reports_per_hour=getattr(args, "per_hour", None),
                             form_proxy_hops=getattr(args, "proxy_hops", None),
                             contact_retention_days=getattr(args, "days", None))


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
    settings = _settings(args)
    store = open_store(settings.store_url)
    try:
        def show(rows: int) -> None:
            print(f"\r  {rows:,} rows read", end="", file=sys.stderr, flush=True)

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
        print(report.summary())
    return 0


def _poll(args: argparse.Namespace) -> int:
    import tomllib

    from geo.feeds import Feed, load_feeds, run_poller
    from geo.store import open_store

    if args.url:
        try:
            feeds = [Feed(name=args.name or args.kind, url=args.url, kind=args.kind)]
        except FeedError as exc:  # a feed described wrongly on the command line: input, not a failing service
            print(f"limes: {exc}", file=sys.stderr)
            return 2
    elif args.config:
        try:
            feeds = load_feeds(tomllib.loads(Path(args.config).read_text(encoding="utf-8")))
        except (OSError, tomllib.TOMLDecodeError, FeedError) as exc:  # a FeedError here is the config's fault
            print(f"limes: cannot read the feed config {args.config}: {exc}", file=sys.stderr)
            return 2
    else:
        print("limes: give --url URL --kind KIND, or --config FILE", file=sys.stderr)
        return 2
    store = open_store(_settings(args).store_url)
    stop = threading.Event()
    polls: dict[str, int] = {}
    failed: set[str] = set()

    def report(result: PollResult) -> None:
        if args.once and polls.get(result.feed):
            return  # a fast feed polled again while a slow one finished its first poll
        polls[result.feed] = polls.get(result.feed, 0) + 1
        if result.error:
            failed.add(result.feed)
        print(json.dumps(asdict(result)) if args.json else _poll_line(result), flush=True)
        if args.once and all(polls.get(f.name) for f in feeds):
            stop.set()

    try:
        run_poller(feeds, store, should_stop=stop.is_set, on_result=report,
                   tokens=feed_tokens((f.token_env for f in feeds), os.environ))
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
    if args.once and failed:
        print(f"limes: the poll failed for {', '.join(sorted(failed))} (see above and feed_health)", file=sys.stderr)
        return 3
    return 0


def _poll_line(r: PollResult) -> str:
    state = f"error: {r.error}" if r.error else ("not modified" if r.not_modified else "ok")
    return (f"{r.feed}: {state}; pages {r.pages}, read {r.read}, inserted {r.inserted}, duplicates {r.duplicates}, "
            f"units {r.units}, quarantined {r.quarantined}, skipped {r.skipped}")


def _serve_until_interrupted(server: socketserver.BaseServer, message: str) -> None:
    """Serve until Ctrl-C, then close the server."""
    print(message, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def _listen_cot(args: argparse.Namespace) -> int:
    from geo.feeds import make_cot_listener
    from geo.store import open_store

    store = open_store(_settings(args).store_url)
    server = make_cot_listener(store, name=args.name, port=args.port, max_connections=args.max_connections,
                               idle_timeout_s=args.idle_timeout_s)
    try:
        _serve_until_interrupted(server, f"listening for Cursor-on-Target on tcp://127.0.0.1:{server.server_address[1]}"
                                         "; Ctrl-C stops")
    finally:
        store.close()
    return 0


def _simulate(args: argparse.Namespace) -> int:
    from geo.scenario import FeedSimulator, make_server

    server = make_server(FeedSimulator(speed=args.speed), port=args.port)
    _serve_until_interrupted(server, f"simulator on http://127.0.0.1:{server.server_address[1]} (x{args.speed:g}); "
                                     "Ctrl-C stops it")
    return 0


def _demo(args: argparse.Namespace) -> int:
    """Simulator and poller in threads of this process, the dashboard as a child; Ctrl-C stops all three."""
    import subprocess
    import tomllib

    from dashboard.config import settings_env
    from dashboard.serve import prepare_app_dir
    from geo.feeds import load_feeds, run_poller
    from geo.scenario import FeedSimulator, demo_feeds_toml, make_server
    from geo.store import open_store

    config = _settings(args)
    server = make_server(FeedSimulator(speed=args.speed), port=args.feed_port)
    threading.Thread(target=server.serve_forever, name="limes-simulator", daemon=True).start()
    feeds = load_feeds(tomllib.loads(demo_feeds_toml(server.server_address[1])))
    store = open_store(config.store_url)
    stop = threading.Event()
    poller = threading.Thread(target=run_poller, args=(feeds, store), kwargs={"should_stop": stop.is_set},
                              name="limes-poller", daemon=True)
    poller.start()
    _stop_on_signals()
    prepare_app_dir(config)
    dashboard = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", "--port", str(args.port)],
                                 env={**os.environ, **settings_env(config)}, cwd=config.app_dir)
    print(f"Limes demo: dashboard http://127.0.0.1:{args.port}, feeds http://127.0.0.1:{server.server_address[1]} "
          f"(x{args.speed:g}). Ctrl-C stops everything.", flush=True)
    try:
        dashboard.wait()
    except KeyboardInterrupt:
        pass
    finally:
        dashboard.terminate()
        dashboard.wait(timeout=20)
        stop.set()
        poller.join(timeout=10)
        server.shutdown()
        server.server_close()
        store.close()
    return 0


def _public_form(args: argparse.Namespace) -> int:
    """The public community report form as its own Streamlit app: no login, no data but the form."""
    import subprocess

    from dashboard.config import settings_env
    from dashboard.serve import prepare_app_dir
    from geo.reports import RateLimit
    from geo.store import open_store

    config = _settings(args)
    RateLimit(max_reports=config.reports_per_hour)  # refused here, not at the first report
    open_store(config.store_url).close()  # a store that cannot be opened fails here, with its message
    prepare_app_dir(config)
    print(f"Public report form on http://{args.address}:{args.port} (at most {config.reports_per_hour} reports an "
          "hour per client). Ctrl-C stops it.", flush=True)
    _stop_on_signals()
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
    return serve(_settings(args), address=args.address, port=args.port, streamlit_args=extra)


def _purge_contacts(args: argparse.Namespace) -> int:
    """Delete reporters' contact details older than the retention period (run it daily, e.g. from cron)."""
    from datetime import timedelta

    from geo.reports import purge_contacts
    from geo.store import open_store

    config = _settings(args)
    store = open_store(config.store_url)
    try:
        purged = purge_contacts(store, retention=timedelta(days=config.contact_retention_days), now=config.clock())
    finally:
        store.close()
    print(f"contact details deleted from {purged} reports received more than {config.contact_retention_days:g} "
          "days ago")
    return 0


def _report(args: argparse.Namespace) -> int:
    """The briefing pack of a period as a PDF (and, on request, PNG map and CSV/GeoJSON/GeoParquet figures)."""
    import time
    from datetime import date, datetime, timezone

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
        print(f"limes: dates are YYYY-MM-DD: {exc}", file=sys.stderr)
        return 2
    window = day_range_window(datetime(first.year, first.month, first.day, tzinfo=timezone.utc),
                              datetime(last.year, last.month, last.day, tzinfo=timezone.utc))
    params = BriefingParams(k=args.k, **({"rules": read_rules(Path(args.rules))} if args.rules else {}))
    options = ReportOptions(sections=SectionSource(path=Path(args.sections_file) if args.sections_file else None,
                                                   target_length_km=args.target_km),
                            only=tuple(args.sections or ()), params=params)
    extra = {kind: Path(path) for kind, path in (("png", args.png), ("csv", args.csv), ("geojson", args.geojson),
                                                 ("parquet", args.geoparquet)) if path}
    config = _settings(args)
    started = time.perf_counter()
    basemap = load_basemap()
    store = open_store(config.store_url)
    try:
        briefing = briefing_from_store(store, window, options=options, basemap=basemap, generated_at=config.clock())
    finally:
        store.close()
    written = write_report(briefing, basemap, out=Path(args.out), extra_outputs=extra)
    print(f"{len(briefing.sections)} sections, {1 + len(briefing.sections)} pages; wrote "
          f"{', '.join(map(str, written))} in {time.perf_counter() - started:.1f} s")
    return 0


def _stop_on_signals() -> None:
    """Ctrl-C and a plain `kill` both stop the processes we started (a shell may start us with SIGINT ignored)."""
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, signal.default_int_handler)


def _add_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="store URL (sqlite:///path or postgresql://...); default: $LIMES_DB or "
                                     "limes.sqlite in the var folder")
    parser.add_argument("--var-dir", type=Path, help="writable folder for the default store (and, from a wheel, the "
                                                     "app folder); default: $LIMES_VAR_DIR, else var/ of a checkout "
                                                     "or ~/.local/share/limes")


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
    _add_db(load)
    load.add_argument("--json", action="store_true", help="print the report as one JSON object")
    load.set_defaults(handler=_import)
    poll = sub.add_parser("poll", help="poll live feeds (GeoJSON, SensorThings, Cursor-on-Target) into the store")
    poll.add_argument("--config", help="TOML file with [[feed]] tables (name, url, kind, interval_s, ...)")
    poll.add_argument("--url", help="poll one feed at this URL (with --kind)")
    poll.add_argument("--kind", choices=["geojson", "sensorthings", "cot", "kobo"], default="geojson")
    poll.add_argument("--name", help="feed name for --url (the events' source); default: the kind")
    poll.add_argument("--once", action="store_true", help="poll every feed once, then stop")
    _add_db(poll)
    poll.add_argument("--json", action="store_true", help="one JSON object per poll")
    poll.set_defaults(handler=_poll)
    listen = sub.add_parser("listen-cot", help="receive Cursor-on-Target over TCP as TAK clients send it")
    listen.add_argument("--port", type=int, default=8087)
    listen.add_argument("--name", default="cot-tcp", help="feed name (the events' source)")
    listen.add_argument("--max-connections", type=int, default=64, help="clients served at once; more are refused")
    listen.add_argument("--idle-timeout-s", type=float, default=120.0,
                        help="seconds a client may stay silent before its connection is closed")
    _add_db(listen)
    listen.set_defaults(handler=_listen_cot)
    sim = sub.add_parser("simulate-feed", help="serve the bundled scenario's next hours as live feeds on loopback")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--speed", type=float, default=60.0, help="clock acceleration (default 60: a minute a second)")
    sim.set_defaults(handler=_simulate)
    demo = sub.add_parser("demo", help="the simulator, the poller and the dashboard together (Ctrl-C stops all)")
    demo.add_argument("--port", type=int, default=8501, help="dashboard port")
    demo.add_argument("--feed-port", type=int, default=8765, help="simulator port")
    demo.add_argument("--speed", type=float, default=60.0)
    _add_db(demo)
    demo.set_defaults(handler=_demo)
    serve = sub.add_parser("serve", help="the dashboard alone, its libraries loaded before the first visitor")
    serve.add_argument("--port", type=int, default=8501)
    serve.add_argument("--address", default="127.0.0.1",
                       help="interface (default loopback; any other needs OIDC login configured, see README)")
    _add_db(serve)
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
    _add_db(report)
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
    _add_db(form)
    form.set_defaults(handler=_public_form)
    purge = sub.add_parser("purge-contacts", help="delete reporters' contact details past the retention period")
    purge.add_argument("--days", type=float,
                       help="retention period in days (default: $LIMES_CONTACT_RETENTION_DAYS or 30)")
    _add_db(purge)
    purge.set_defaults(handler=_purge_contacts)
    add_routes_command(sub, _add_db)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``limes`` script: 0 on success; on a Limes error one line on stderr and exit
    code 3 for a :class:`~geo.errors.ServiceError` (store, feed), 2 for any other (input, analysis)."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except ServiceError as exc:  # the store or a feed failed: running again later may work
        print(f"limes: {describe(exc)}", file=sys.stderr)
        return 3
    except LimesError as exc:  # bad input, or an analysis the data cannot support
        print(f"limes: {describe(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C: what was running cleaned up on the way out; no traceback for it
        print("limes: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
