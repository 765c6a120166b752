"""The live commands of ``limes``: ``poll``, ``listen-cot``, ``simulate-feed`` and ``demo``."""

from __future__ import annotations

import argparse
import json
import os
import socketserver
import sys
import threading
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from dashboard.cli_options import add_db, command_settings, command_translator, stop_on_signals
from dashboard.config import feed_tokens
from geo.errors import FeedError, describe
from geo.i18n import Translator

if TYPE_CHECKING:
    from geo.feeds import PollResult


def add_live_commands(sub: argparse._SubParsersAction) -> None:
    """Register the live commands on the command line's subparsers."""
    poll = sub.add_parser("poll", help="poll live feeds (GeoJSON, SensorThings, Cursor-on-Target) into the store")
    poll.add_argument("--config", help="TOML file with [[feed]] tables (name, url, kind, interval_s, ...)")
    poll.add_argument("--url", help="poll one feed at this URL (with --kind)")
    poll.add_argument("--kind", choices=["geojson", "sensorthings", "cot", "kobo"], default="geojson")
    poll.add_argument("--name", help="feed name for --url (the events' source); default: the kind")
    poll.add_argument("--once", action="store_true", help="poll every feed once, then stop")
    add_db(poll)
    poll.add_argument("--json", action="store_true", help="one JSON object per poll")
    poll.set_defaults(handler=run_poll)
    listen = sub.add_parser("listen-cot", help="receive Cursor-on-Target over TCP as TAK clients send it")
    listen.add_argument("--port", type=int, default=8087)
    listen.add_argument("--name", default="cot-tcp", help="feed name (the events' source)")
    listen.add_argument("--max-connections", type=int, default=64, help="clients served at once; more are refused")
    listen.add_argument("--idle-timeout-s", type=float, default=120.0,
                        help="seconds a client may stay silent before its connection is closed")
    add_db(listen)
    listen.set_defaults(handler=run_listen_cot)
    sim = sub.add_parser("simulate-feed", help="serve the bundled scenario's next hours as live feeds on loopback")
    sim.add_argument("--port", type=int, default=8765)
    sim.add_argument("--speed", type=float, default=60.0, help="clock acceleration (default 60: a minute a second)")
    sim.set_defaults(handler=run_simulate)
    demo = sub.add_parser("demo", help="the simulator, the poller and the dashboard together (Ctrl-C stops all)")
    demo.add_argument("--port", type=int, default=8501, help="dashboard port")
    demo.add_argument("--feed-port", type=int, default=8765, help="simulator port")
    demo.add_argument("--speed", type=float, default=60.0)
    add_db(demo)
    demo.set_defaults(handler=run_demo)


def run_poll(args: argparse.Namespace) -> int:
    import tomllib

    from geo.feeds import Feed, load_feeds, run_poller
    from geo.store import open_store

    region = command_settings(args).region
    tr = command_translator(args)
    if args.url:
        try:
            feeds = [Feed(name=args.name or args.kind, url=args.url, kind=args.kind, region=region)]
        except FeedError as exc:  # a feed described wrongly on the command line: input, not a failing service
            print(f"limes: {describe(exc, tr)}", file=sys.stderr)
            return 2
    elif args.config:
        try:
            feeds = load_feeds(tomllib.loads(Path(args.config).read_text(encoding="utf-8")), region=region)
        except (OSError, tomllib.TOMLDecodeError, FeedError) as exc:  # a FeedError here is the config's fault
            reason = describe(exc, tr)
            print(tr.gettext("limes: cannot read the feed config {path}: {reason}").format(path=args.config,
                                                                                     reason=reason),
                  file=sys.stderr)
            return 2
    else:
        print(tr.gettext("limes: give --url URL --kind KIND, or --config FILE"), file=sys.stderr)
        return 2
    store = open_store(command_settings(args).store_url)
    stop = threading.Event()
    polls: dict[str, int] = {}
    failed: set[str] = set()

    def report(result: PollResult) -> None:
        if args.once and polls.get(result.feed):
            return  # a fast feed polled again while a slow one finished its first poll
        polls[result.feed] = polls.get(result.feed, 0) + 1
        if result.error:
            failed.add(result.feed)
        print(json.dumps(asdict(result)) if args.json else _poll_line(result, tr), flush=True)
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
        print(tr.gettext("limes: the poll failed for {feeds} (see above and feed_health)").format(
            feeds=tr.listing(sorted(failed))), file=sys.stderr)
        return 3
    return 0


def _poll_line(r: PollResult, tr: Translator) -> str:
    """One poll's outcome as ``limes poll`` prints it, in ``tr``'s language (the error as the poller gave it)."""
    if r.error:
        state = tr.gettext("error: {reason}").format(reason=r.error)
    else:
        state = tr.gettext("not modified") if r.not_modified else tr.gettext("ok")
    figures = {name: tr.number(getattr(r, name)) for name in ("pages", "read", "inserted", "duplicates", "units",
                                                                "quarantined", "skipped")}
    return tr.gettext("{feed}: {state}; pages {pages}, read {read}, inserted {inserted}, duplicates {duplicates}, "
                      "units {units}, quarantined {quarantined}, skipped {skipped}").format(feed=r.feed, state=state,
                                                                                           **figures)


def _serve_until_interrupted(server: socketserver.BaseServer, message: str) -> None:
    """Serve until Ctrl-C, then close the server."""
    print(message, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def run_listen_cot(args: argparse.Namespace) -> int:
    from geo.feeds import make_cot_listener
    from geo.store import open_store

    store = open_store(command_settings(args).store_url)
    server = make_cot_listener(store, name=args.name, port=args.port, max_connections=args.max_connections,
                               idle_timeout_s=args.idle_timeout_s)
    try:
        _serve_until_interrupted(server, command_translator(args).gettext(
            "Listening for Cursor-on-Target on {url}; Ctrl-C stops it.").format(
            url=f"tcp://127.0.0.1:{server.server_address[1]}"))
    finally:
        store.close()
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from geo.scenario import FeedSimulator, make_server

    server = make_server(FeedSimulator(speed=args.speed), port=args.port)
    tr = command_translator(args)
    _serve_until_interrupted(server, tr.gettext("Feed simulator on {url} (×{speed}); Ctrl-C stops it.").format(
        url=f"http://127.0.0.1:{server.server_address[1]}", speed=tr.number(args.speed)))
    return 0


def run_demo(args: argparse.Namespace) -> int:
    """Simulator and poller in threads of this process, the dashboard as a child; Ctrl-C stops all three."""
    import subprocess
    import tomllib

    from dashboard.config import settings_env
    from dashboard.serve import prepare_app_dir
    from geo.feeds import load_feeds, run_poller
    from geo.scenario import FeedSimulator, demo_feeds_toml, make_server
    from geo.settings import bundled_region
    from geo.store import open_store

    config = command_settings(args)
    tr = command_translator(args)
    if not config.scenario:
        print(tr.gettext("limes: the demo replays the bundled scenario of the {bundled} border, and region {region} has "
                         "it off; serve your own data with `limes serve --region FILE` (import it with `limes import`, "
                         "poll live feeds with `limes poll`)").format(bundled=bundled_region().name,
                                                                     region=config.region.name), file=sys.stderr)
        return 2
    server = make_server(FeedSimulator(speed=args.speed), port=args.feed_port)
    threading.Thread(target=server.serve_forever, name="limes-simulator", daemon=True).start()
    feeds = load_feeds(tomllib.loads(demo_feeds_toml(server.server_address[1])), region=config.region)
    store = open_store(config.store_url)
    stop = threading.Event()
    poller = threading.Thread(target=run_poller, args=(feeds, store), kwargs={"should_stop": stop.is_set},
                              name="limes-poller", daemon=True)
    poller.start()
    stop_on_signals()
    prepare_app_dir(config)
    dashboard = subprocess.Popen([sys.executable, "-m", "dashboard.cli", "serve", "--port", str(args.port)],
                                 env={**os.environ, **settings_env(config)}, cwd=config.app_dir)
    print(tr.gettext("Limes demo: dashboard {dashboard}, feeds {feeds} (×{speed}). Ctrl-C stops everything.").format(
        dashboard=f"http://127.0.0.1:{args.port}", feeds=f"http://127.0.0.1:{server.server_address[1]}",
        speed=tr.number(args.speed)), flush=True)
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
