"""Run the publishing endpoint under uvicorn with mutual TLS, wired to the store; and the administrator's steps
(agree, issue, revoke), each versioned and audited.

uvicorn does not hand the client's certificate to the app, so :class:`_PeerCertProtocol` (its h11
protocol, one instance per connection) reads it from the TLS connection and adds it to each
request's scope as the ASGI TLS extension (``client_cert_chain``, PEM).
"""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from geo.errors import InputError, msg
from geo.sharing.agreement import Agreement, agreement_from_json
from geo.sharing.ca import CA_CERT, SERVER_CERT, SERVER_KEY, IssuedCert, cert_identity, issue_cert
from geo.sharing.endpoint import Admission, Refused, Sent, share_app
from geo.sharing.picture import Picture
from geo.sharing.source import picture_from_store, share_window
from geo.store import (
    Store,
    add_agreement,
    add_cert,
    cert_record,
    current_agreements,
    epoch_ms,
    log_sent,
    revoke_certs,
)
from geo.trust import AuditEntry, record

Clock = Callable[[], datetime]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class _PeerCertProtocol(H11Protocol):
    """uvicorn's h11 protocol, adding the client's certificate to every request of the connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        ssl_object = transport.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
        chain = [ssl.DER_cert_to_PEM_cert(der)] if der else []
        app = self.app

        async def with_cert(scope: dict[str, Any], receive: Any, send: Any) -> None:
            extensions = {**scope.get("extensions", {}), "tls": {"client_cert_chain": chain}}
            await app({**scope, "extensions": extensions}, receive, send)

        self.app = with_cert


def store_gate(store: Store, *, clock: Clock = _utc_now) -> Callable[[str, str | None], Admission]:
    """Admit a certificate we issued to this path's partner, not revoked, not expired, under an active agreement."""

    def gate(partner: str, pem: str | None) -> Admission:
        if pem is None:
            raise Refused("no client certificate")
        common_name, serial, not_after = cert_identity(pem)
        issued = cert_record(store, serial)
        if issued is None:
            raise Refused("certificate not issued by this endpoint", serial=serial)
        holder, _, revoked_at_ms = issued
        if revoked_at_ms is not None:
            raise Refused("certificate revoked", serial=serial)
        if common_name != partner or holder != partner:
            raise Refused(f"certificate of {holder!r}, not of {partner!r}", serial=serial)
        if not_after <= clock():
            raise Refused("certificate expired", serial=serial)
        rows = current_agreements(store)
        rows = rows[rows["partner"] == partner]
        if rows.empty or rows.iloc[0]["status"] != "active":
            raise Refused("no active agreement", serial=serial)
        return Admission(agreement_from_json(rows.iloc[0]["terms"]), int(rows.iloc[0]["version"]), serial)

    return gate


def store_source(store: Store, *, clock: Clock = _utc_now) -> Callable[[Agreement, int], Picture]:
    """Pictures from the store's aggregates, each kept until its window moves (at most one build per hour)."""
    built: dict[tuple[str, int], tuple[datetime, Picture]] = {}
    lock = threading.Lock()

    def source(agreement: Agreement, version: int) -> Picture:
        now = clock()
        end = share_window(agreement, now)[1]
        with lock:
            held = built.get((agreement.partner, version))
            if held is None or held[0] != end:
                built[(agreement.partner, version)] = held = (end, picture_from_store(store, agreement,
                                                                                      version=version, now=now))
            return held[1]

    return source


def store_log(store: Store, *, clock: Clock = _utc_now) -> Callable[[Sent], None]:
    def log(sent: Sent) -> None:
        log_sent(store, partner=sent.partner, version=sent.version, path=sent.path, status=sent.status,
                 items=sent.items, size_bytes=sent.size_bytes, cert_serial=sent.cert_serial, detail=sent.detail,
                 sent_at_ms=epoch_ms(clock()))

    return log


def share_server(store: Store, *, ca_dir: Path, host: str, port: int, clock: Clock = _utc_now) -> uvicorn.Server:
    """The endpoint's server: TLS with our server certificate, client certificates of our authority required."""
    missing = [n for n in (CA_CERT, SERVER_CERT, SERVER_KEY) if not (ca_dir / n).exists()]
    if missing:
        raise InputError(msg("{ca_dir} lacks {missing}: create the authority with `limes share ca`",
                             ca_dir=ca_dir, missing=missing))
    app = share_app(gate=store_gate(store, clock=clock), source=store_source(store, clock=clock),
                    log=store_log(store, clock=clock))
    config = uvicorn.Config(app, host=host, port=port, http=_PeerCertProtocol, lifespan="off", log_level="warning",
                            proxy_headers=False, server_header=False, ssl_certfile=str(ca_dir / SERVER_CERT),
                            ssl_keyfile=str(ca_dir / SERVER_KEY), ssl_ca_certs=str(ca_dir / CA_CERT),
                            ssl_cert_reqs=ssl.CERT_REQUIRED)
    return uvicorn.Server(config)


def agree(store: Store, agreements: list[Agreement], *, actor: str, now: datetime | None = None) -> dict[str, int]:
    """Store each agreement whose terms changed (or that was revoked) as a new active version, audited.

    Returns ``{partner: version}`` of the versions written (unchanged agreements are left as they are).
    """
    current = current_agreements(store).set_index("partner")
    written: dict[str, int] = {}
    with store.transaction() as tx:
        for agreement in agreements:
            terms = agreement.terms_json()
            held = current.loc[agreement.partner] if agreement.partner in current.index else None
            if held is not None and held["terms"] == terms and held["status"] == "active":
                continue
            written[agreement.partner] = add_agreement(tx, partner=agreement.partner, terms=terms, status="active",
                                                       set_by=actor, set_at_ms=epoch_ms(now))
            record(tx, AuditEntry(actor=actor, action="share_agreed", target=agreement.partner,
                                  detail=f"version {written[agreement.partner]}: res {agreement.res}, delay "
                                         f"{agreement.delay_h:g} h, k {agreement.k}, levels {agreement.levels}"), at=now)
    return written


def revoke(store: Store, partner: str, *, actor: str, now: datetime | None = None) -> int:
    """End ``partner``'s agreement (a new version, ``revoked``) and revoke its certificates; audited.

    The endpoint reads both on every request, so the next poll is refused. Returns the version written.
    """
    current = current_agreements(store)
    held = current[current["partner"] == partner]
    if held.empty:
        raise InputError(msg("no agreement with {partner!r}; partners are {partners}",
                             partner=partner, partners=sorted(current["partner"])))
    with store.transaction() as tx:
        version = add_agreement(tx, partner=partner, terms=str(held.iloc[0]["terms"]), status="revoked",
                                set_by=actor, set_at_ms=epoch_ms(now))
        certs = revoke_certs(tx, partner=partner, at_ms=epoch_ms(now))
        record(tx, AuditEntry(actor=actor, action="share_revoked", target=partner,
                              detail=f"version {version}; {certs} certificate(s) revoked"), at=now)
    return version


def issue(store: Store, ca_dir: Path, out_dir: Path, *, partner: str, days: float, actor: str,
          now: datetime | None = None, not_before: datetime | None = None) -> IssuedCert:
    """Issue ``partner`` a client certificate (see :func:`geo.sharing.ca.issue_cert`), recorded and audited."""
    issued = issue_cert(ca_dir, out_dir, partner=partner, days=days, now=now, not_before=not_before)
    with store.transaction() as tx:
        add_cert(tx, serial=issued.serial, partner=partner, not_after_ms=epoch_ms(issued.not_after),
                 issued_at_ms=epoch_ms(now))
        record(tx, AuditEntry(actor=actor, action="share_cert_issued", target=partner,
                              detail=f"serial {issued.serial}, valid until {issued.not_after:%Y-%m-%d %H:%M} UTC"),
               at=now)
    return issued
