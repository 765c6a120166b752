"""A local certificate authority for sharing, as TAK federation does it: ``limes share ca`` creates the authority
and the endpoint's server certificate, ``limes share issue`` a client certificate per partner.

Keys are ECDSA P-256; private keys are written readable by their owner only (0600). A partner receives
its certificate, its key and our authority's certificate (to check our server), nothing else. The
partner's name is the certificate's common name; the endpoint also checks the serial against the
store (issued by us, not revoked) and the validity, which TLS itself checks too.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from geo.errors import InputError, msg

CA_CERT: Final[str] = "ca.pem"
CA_KEY: Final[str] = "ca.key"
SERVER_CERT: Final[str] = "server.pem"
SERVER_KEY: Final[str] = "server.key"


@dataclass(frozen=True, slots=True)
class IssuedCert:
    """A certificate we issued: its serial (hex), holder, expiry (UTC) and the files written."""

    serial: str
    partner: str
    not_after: datetime
    cert_path: Path
    key_path: Path
    ca_path: Path


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Limes sharing"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _load_ca(ca_dir: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    try:
        cert = x509.load_pem_x509_certificate((ca_dir / CA_CERT).read_bytes())
        key = serialization.load_pem_private_key((ca_dir / CA_KEY).read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise InputError(msg("no certificate authority in {ca_dir} ({exc}); create one with `limes share ca`",
                             ca_dir=ca_dir, exc=exc)) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise InputError(msg("{key_path} is not an ECDSA key written by `limes share ca`",
                             key_path=ca_dir / CA_KEY))
    return cert, key


def _sign(subject: str, issuer: x509.Name, public_key: ec.EllipticCurvePublicKey, ca_key: ec.EllipticCurvePrivateKey,
          *, not_before: datetime, not_after: datetime, usage: ExtendedKeyUsageOID | None, hosts: tuple[str, ...] = (),
          authority: bool = False) -> x509.Certificate:
    builder = (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer).public_key(public_key)
               .serial_number(x509.random_serial_number()).not_valid_before(not_before).not_valid_after(not_after)
               .add_extension(x509.BasicConstraints(ca=authority, path_length=0 if authority else None), critical=True))
    if authority:
        builder = builder.add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                                      content_commitment=False, key_encipherment=False,
                                                      data_encipherment=False, key_agreement=False,
                                                      encipher_only=False, decipher_only=False), critical=True)
    if usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if hosts:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def create_ca(ca_dir: Path, *, name: str, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"), days: int = 3650,
              now: datetime | None = None) -> Path:
    """Create the authority (``ca.pem``, ``ca.key``) and the endpoint's server certificate for ``hosts`` in
    ``ca_dir``; refuses to overwrite an existing authority. Returns the authority's certificate path."""
    if (ca_dir / CA_KEY).exists():
        raise InputError(msg("{ca_dir} already holds a certificate authority; refusing to replace it",
                             ca_dir=ca_dir))
    if days < 1 or not name.strip():
        raise InputError(msg("the authority needs a name and days >= 1; got name={name!r}, days={days}",
                             name=name, days=days))
    ca_dir.mkdir(parents=True, exist_ok=True)
    start = (now or datetime.now(timezone.utc)) - timedelta(minutes=5)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _sign(f"{name} sharing CA", _name(f"{name} sharing CA"), ca_key.public_key(), ca_key, not_before=start,
                    not_after=start + timedelta(days=days), usage=None, authority=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = _sign(f"{name} sharing endpoint", ca_cert.subject, server_key.public_key(), ca_key,
                        not_before=start, not_after=start + timedelta(days=days), usage=ExtendedKeyUsageOID.SERVER_AUTH,
                        hosts=hosts)
    _write_key(ca_dir / CA_KEY, ca_key)
    _write_key(ca_dir / SERVER_KEY, server_key)
    (ca_dir / CA_CERT).write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    (ca_dir / SERVER_CERT).write_bytes(server_cert.public_bytes(serialization.Encoding.PEM))
    return ca_dir / CA_CERT


def issue_cert(ca_dir: Path, out_dir: Path, *, partner: str, days: float = 365, now: datetime | None = None,
               not_before: datetime | None = None) -> IssuedCert:
    """A client certificate for ``partner`` (its common name), valid ``days`` from ``not_before`` (default now),
    written with its key and our authority's certificate into ``out_dir`` as ``<partner>.pem``, ``<partner>.key``
    and ``ca.pem``: the bundle to hand over."""
    if days <= 0:
        raise InputError(msg("days must be > 0; got {days}", days=days))
    ca_cert, ca_key = _load_ca(ca_dir)
    start = not_before or (now or datetime.now(timezone.utc)) - timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _sign(partner, ca_cert.subject, key.public_key(), ca_key, not_before=start,
                 not_after=start + timedelta(days=days), usage=ExtendedKeyUsageOID.CLIENT_AUTH)
    out_dir.mkdir(parents=True, exist_ok=True)
    cert_path, key_path, ca_path = out_dir / f"{partner}.pem", out_dir / f"{partner}.key", out_dir / CA_CERT
    _write_key(key_path, key)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if ca_path.resolve() != (ca_dir / CA_CERT).resolve():
        ca_path.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    return IssuedCert(serial=format(cert.serial_number, "x"), partner=partner, not_after=cert.not_valid_after_utc,
                      cert_path=cert_path, key_path=key_path, ca_path=ca_path)


def cert_identity(pem: str) -> tuple[str, str, datetime]:
    """``(common name, serial as hex, not valid after)`` of a PEM certificate (as the endpoint received it)."""
    cert = x509.load_pem_x509_certificate(pem.encode())
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(names[0].value) if names else ""
    return common_name, format(cert.serial_number, "x"), cert.not_valid_after_utc
