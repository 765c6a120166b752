"""Local mode means this machine; forwarding headers are not trusted; /_stcore/metrics is not public (issue 14, class 6)."""

from __future__ import annotations

import asyncio
import ipaddress
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from hypothesis import given, settings
from hypothesis import strategies as st
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from bench.serving import free_port
from geo.trust import UVICORN_TRUST_NO_PROXY, local_refusal
from geo.trust.local import FORWARDING_HEADERS

ROOT = Path(__file__).resolve().parents[1]
LOCAL = {"server_address": "127.0.0.1", "peer": "127.0.0.1"}
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "localhost:8501", "127.0.0.1:8501", "[::1]:8501", "127.3.4.5", "LOCALHOST")
EXAMPLES = settings(max_examples=80, deadline=None)


def _cased(name: str, flips: list[bool]) -> str:
    return "".join(c.upper() if flip else c for c, flip in zip(name, flips + [False] * len(name), strict=False))


def test_a_plain_loopback_browser_gets_local_mode() -> None:
    for host in LOOPBACK_HOSTS:
        assert local_refusal(**LOCAL, headers={"Host": host, "User-Agent": "x", "Origin": f"http://{host}"}) is None


@EXAMPLES
@given(name=st.one_of(st.sampled_from(sorted(FORWARDING_HEADERS)),
                      st.from_regex(r"x-forwarded-[a-z-]{1,12}", fullmatch=True)),
       flips=st.lists(st.booleans(), max_size=30), value=st.sampled_from(["127.0.0.1", "::1", "localhost", "", "a"]),
       host=st.sampled_from(LOOPBACK_HOSTS))
def test_any_forwarding_header_refuses_local_mode(name: str, flips: list[bool], value: str, host: str) -> None:
    # Even a forged "X-Forwarded-For: 127.0.0.1" through a proxy on this machine: forwarded is forwarded.
    refusal = local_refusal(**LOCAL, headers={"Host": host, _cased(name, flips): value})
    assert refusal is not None and "forwarded by a proxy" in refusal


@EXAMPLES
@given(peer=st.one_of(st.ip_addresses().map(str), st.none(), st.sampled_from(["", "unknown", "0.0.0.0"])))
def test_a_peer_off_this_machine_is_refused(peer: str | None) -> None:
    loopback = peer not in (None, "", "unknown") and ipaddress.ip_address(peer).is_loopback
    refusal = local_refusal(server_address="127.0.0.1", peer=peer, headers={"Host": "localhost"})
    assert (refusal is None) == loopback, (peer, refusal)


@EXAMPLES
@given(host=st.one_of(st.from_regex(r"[a-z][a-z0-9-]{0,20}(\.[a-z]{2,6}){0,2}(:[0-9]{1,5})?", fullmatch=True),
                      st.ip_addresses(v=4).map(str), st.just("")))
def test_a_host_that_is_not_a_loopback_name_is_refused(host: str) -> None:
    name = host.rsplit(":", 1)[0]
    loopback = name == "localhost" or name.endswith(".localhost") or (
        name.replace(".", "").isdigit() and ipaddress.ip_address(name).is_loopback)
    refusal = local_refusal(**LOCAL, headers={"host": host})
    assert (refusal is None) == loopback, (host, refusal)


@pytest.mark.parametrize("address", ["0.0.0.0", "", None, "10.0.0.5", "::"])
def test_a_server_on_every_interface_has_no_local_mode(address: str | None) -> None:
    assert "not on loopback" in local_refusal(server_address=address, peer="127.0.0.1", headers={"Host": "localhost"})


@pytest.mark.parametrize("forwarded_for", ["127.0.0.1", "203.0.113.9", "10.9.9.9, 203.0.113.9", "::1"])
def test_uvicorn_told_to_trust_no_proxy_keeps_the_real_peer(monkeypatch, forwarded_for: str) -> None:
    # uvicorn trusts 127.0.0.1 by default: a loopback peer (a local proxy) sets the client address with one header.
    seen: list[tuple[str, int]] = []

    async def app(scope, receive, send) -> None:
        seen.append(scope["client"])

    def client_seen(trusted: str | list[str]) -> tuple[str, int]:
        scope = {"type": "http", "client": ("127.0.0.1", 5555),
                 "headers": [(b"x-forwarded-for", forwarded_for.encode())]}
        asyncio.run(ProxyHeadersMiddleware(app, trusted_hosts=trusted)(scope, None, None))
        return seen[-1]

    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    default = client_seen(uvicorn.Config(app).forwarded_allow_ips)
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", UVICORN_TRUST_NO_PROXY["FORWARDED_ALLOW_IPS"])
    ours = client_seen(uvicorn.Config(app).forwarded_allow_ips)
    assert default != ("127.0.0.1", 5555)  # the default believes the header
    assert ours == ("127.0.0.1", 5555)  # told to trust no proxy, it keeps the real peer


def test_metrics_are_not_served(tmp_path: Path) -> None:
    script = tmp_path / "app.py"
    script.write_text("import streamlit as st\nst.write('hello')\n")
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "dashboard.serve", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        for method in ("GET", "HEAD", "OPTIONS"):
            answer = httpx.request(method, f"http://127.0.0.1:{port}/_stcore/metrics", timeout=5)
            assert answer.status_code == 404, (method, answer.status_code)
            assert b"active_sessions" not in answer.content
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@EXAMPLES
@given(forged=st.lists(st.one_of(st.ip_addresses().map(str), st.sampled_from(["127.0.0.1", "unknown", ""])),
                       max_size=4),
       appended=st.lists(st.ip_addresses().map(str), min_size=1, max_size=3), peer=st.ip_addresses().map(str))
def test_behind_proxy_hops_the_rate_limit_keys_on_the_proxy_appended_address(forged: list[str], appended: list[str],
                                                                            peer: str) -> None:
    from geo.reports import client_address

    # The client writes whatever it likes on the left; each of the trusted proxies appends the address it saw.
    header = ", ".join([*forged, *appended])
    hops = len(appended)
    assert client_address(peer=peer, forwarded_for=header, proxy_hops=hops) == appended[0]
    assert client_address(peer=peer, forwarded_for=header, proxy_hops=0) == peer  # no proxy trusted: the peer
