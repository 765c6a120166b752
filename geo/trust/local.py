"""Local mode means this machine: whether one browser connection may have every role without a login.

Local mode (no identity provider configured) is granted only to a connection that is itself from
loopback and was not forwarded: the server listens on loopback, the TCP peer is a loopback
address, no proxy header (``Forwarded``, ``X-Forwarded-*``, ``X-Real-IP``, ``Via``, …) is
present, and the ``Host`` the browser asked for is a loopback name. A reverse proxy on the same
machine passes the first two tests but never the last two; a forged ``X-Forwarded-For:
127.0.0.1`` fails the third. The web server itself is told to trust no forwarding header
(:data:`UVICORN_TRUST_NO_PROXY`), so the peer is the real one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from geo.trust.access import is_loopback

FORWARDING_HEADERS: Final[frozenset[str]] = frozenset({
    "forwarded", "via", "x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip", "x-cluster-client-ip",
    "x-original-forwarded-for", "fastly-client-ip",
})
"""Headers a proxy adds (lower case), besides every ``X-Forwarded-*`` header."""
UVICORN_TRUST_NO_PROXY: Final[dict[str, str]] = {"FORWARDED_ALLOW_IPS": ""}
"""Environment for Streamlit's uvicorn: no peer is a trusted proxy, so ``X-Forwarded-For`` never replaces the
peer address (uvicorn trusts 127.0.0.1 by default). Behind ``--proxy-hops`` Limes reads the header itself."""


def host_name(host: str) -> str:
    """The name part of a ``Host`` header value: ``[::1]:8501`` -> ``::1``, ``localhost:8501`` -> ``localhost``."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def local_refusal(*, server_address: str | None, peer: str | None, headers: Mapping[str, str]) -> str | None:
    """Why this connection may not have local mode, or ``None`` when it may.

    Parameters
    ----------
    server_address : str or None
        The address the server listens on (``server.address``).
    peer : str or None
        The TCP peer of the connection, as the web server saw it (no forwarding header trusted).
    headers : Mapping[str, str]
        The request headers of the browser connection (any case).
    """
    if not is_loopback(server_address):
        return f"the server listens on {server_address or 'every network interface'}, not on loopback"
    if not is_loopback(peer):
        return f"the connection comes from {peer or 'an unknown address'}, not from this machine"
    names = {k.strip().lower() for k in headers}
    forwarded = sorted(n for n in names if n in FORWARDING_HEADERS or n.startswith("x-forwarded-"))
    if forwarded:
        return f"the connection was forwarded by a proxy ({', '.join(forwarded)})"
    host = next((v for k, v in headers.items() if k.strip().lower() == "host"), "")
    name = host_name(host)
    if not (is_loopback(name) or name == "localhost" or name.endswith(".localhost")):
        return f"the browser asked for the host {host or '(none)'!r}, not a loopback name"
    return None
