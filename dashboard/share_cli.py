"""``limes share``: sharing the picture with partner agencies (issue 22).

``ca`` creates our certificate authority and the endpoint's server certificate; ``issue`` a partner's
client certificate bundle; ``agree`` stores the agreements of a TOML file (a new version where terms
changed); ``revoke`` ends a partner's agreement and certificates; ``serve`` runs the mutual-TLS endpoint.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from dashboard.cli_options import command_settings, command_translator
from geo.errors import msg


def add_share_command(sub: argparse._SubParsersAction, add_db: Callable[[argparse.ArgumentParser], None]) -> None:
    """Register ``limes share ca|issue|agree|revoke|serve`` on the command line's subparsers."""
    share = sub.add_parser("share", help="share the picture with partner agencies over mutual TLS")
    steps = share.add_subparsers(dest="share_command", required=True)
    ca = steps.add_parser("ca", help="create our certificate authority and the endpoint's server certificate")
    ca.add_argument("--dir", required=True, type=Path, help="folder for the authority (keys written 0600)")
    ca.add_argument("--name", required=True, help="our agency's name, in the certificates")
    ca.add_argument("--host", nargs="+", default=["127.0.0.1", "localhost"], help="the endpoint's names/addresses")
    ca.add_argument("--valid-days", type=int, default=3650)
    ca.set_defaults(handler=_ca)
    issue = steps.add_parser("issue", help="a partner's client certificate, key and our authority, for handing over")
    issue.add_argument("--dir", required=True, type=Path, help="the authority's folder")
    issue.add_argument("--partner", required=True, help="the partner's name (as in its agreement)")
    issue.add_argument("--out", required=True, type=Path, help="folder to write <partner>.pem, <partner>.key, ca.pem")
    issue.add_argument("--valid-days", type=float, default=365)
    add_db(issue)
    issue.set_defaults(handler=_issue)
    agree = steps.add_parser("agree", help="store the agreements of a TOML file (versioned, audited)")
    agree.add_argument("file", type=Path, help="TOML: publisher = ... and [[agreement]] tables")
    add_db(agree)
    agree.set_defaults(handler=_agree)
    revoke = steps.add_parser("revoke", help="end a partner's agreement and revoke its certificates")
    revoke.add_argument("partner")
    add_db(revoke)
    revoke.set_defaults(handler=_revoke)
    serve = steps.add_parser("serve", help="the read-only publishing endpoint (mutual TLS)")
    serve.add_argument("--dir", required=True, type=Path, help="the authority's folder (server certificate)")
    serve.add_argument("--port", type=int, default=8443)
    serve.add_argument("--address", default="127.0.0.1")
    add_db(serve)
    serve.set_defaults(handler=_serve)


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _ca(args: argparse.Namespace) -> int:
    from geo.sharing import create_ca

    path = create_ca(args.dir, name=args.name, hosts=tuple(args.host), days=args.valid_days)
    print(command_translator(args).gettext("authority and server certificate in {folder}; partners need {file}").format(
        folder=args.dir, file=path))
    return 0


def _issue(args: argparse.Namespace) -> int:
    from geo.sharing import issue
    from geo.store import open_store

    store = open_store(command_settings(args).store_url)
    try:
        issued = issue(store, args.dir, args.out, partner=args.partner, days=args.valid_days, actor=_actor())
    finally:
        store.close()
    tr = command_translator(args)
    print(tr.gettext("{partner}: serial {serial}, valid until {until}; hand over {certificate}, {key} and "
                     "{authority}").format(partner=issued.partner, serial=issued.serial,
                                           until=tr.utc_and_local(issued.not_after, command_settings(args).region.time_zone),
                                           certificate=issued.cert_path, key=issued.key_path, authority=issued.ca_path))
    return 0


def _agree(args: argparse.Namespace) -> int:
    import tomllib

    from geo.sharing import AgreementError, agree, load_agreements
    from geo.store import open_store

    try:
        agreements = load_agreements(tomllib.loads(args.file.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise AgreementError(msg("cannot read {name}: {exc}", name=args.file, exc=exc)) from None
    store = open_store(command_settings(args).store_url)
    try:
        written = agree(store, agreements, actor=_actor())
    finally:
        store.close()
    tr = command_translator(args)
    for agreement in agreements:
        version = written.get(agreement.partner)
        print((tr.gettext("{partner}: version {version}") if version else tr.gettext("{partner}: unchanged")).format(
            partner=agreement.partner, version=version))
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from geo.sharing import revoke
    from geo.store import open_store

    store = open_store(command_settings(args).store_url)
    try:
        version = revoke(store, args.partner, actor=_actor())
    finally:
        store.close()
    print(command_translator(args).gettext("{partner}: agreement revoked (version {version}); its certificates are "
                                           "refused from now on").format(partner=args.partner, version=version))
    return 0


def _serve(args: argparse.Namespace) -> int:
    from geo.sharing import share_server
    from geo.store import open_store

    settings = command_settings(args)
    store = open_store(settings.store_url)
    try:  # uvicorn handles SIGINT and SIGTERM itself: it stops after the answers in flight
        server = share_server(store, ca_dir=args.dir, host=args.address, port=args.port, clock=settings.clock)
        print(command_translator(args).gettext("sharing endpoint on {url} (client certificates required)").format(
            url=f"https://{args.address}:{args.port}/<partner>"), file=sys.stderr, flush=True)
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
    return 0
