"""Sharing the situational picture with partner agencies on agreed terms: agreements as data, a local certificate
authority, and a read-only mutual-TLS endpoint that serves each partner aggregates only.

The partner's side (a ``limes-share`` feed into tables of its own) is :mod:`geo.feeds`'s.
"""

from geo.sharing.agreement import (
    SHARE_RES_RANGE,
    Agreement,
    AgreementError,
    agreement_from_json,
    agreement_from_terms,
    load_agreements,
)
from geo.sharing.ca import CA_CERT, IssuedCert, cert_identity, create_ca, issue_cert
from geo.sharing.endpoint import Admission, Refused, Sent, share_app
from geo.sharing.picture import Picture, SharedLevel
from geo.sharing.publish import COLLECTIONS, HEXAGONS, LEVELS, PICTURE_KEY
from geo.sharing.serve import agree, issue, revoke, share_server, store_gate, store_log, store_source
from geo.sharing.source import picture_from_store, share_window

__all__ = [
    "Admission",
    "Agreement",
    "AgreementError",
    "CA_CERT",
    "COLLECTIONS",
    "HEXAGONS",
    "IssuedCert",
    "LEVELS",
    "PICTURE_KEY",
    "Picture",
    "Refused",
    "SHARE_RES_RANGE",
    "Sent",
    "SharedLevel",
    "agree",
    "agreement_from_json",
    "agreement_from_terms",
    "cert_identity",
    "create_ca",
    "issue",
    "issue_cert",
    "load_agreements",
    "picture_from_store",
    "revoke",
    "share_app",
    "share_server",
    "share_window",
    "store_gate",
    "store_log",
    "store_source",
]
