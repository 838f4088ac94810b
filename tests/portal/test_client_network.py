"""The portal client on practice networks: a proxy that wants a password, and addresses."""

from __future__ import annotations

import socketserver
import threading
import time

import pytest

from dentally_setup.flow.messages import for_portal_error
from dentally_setup.portal.client import PortalClient, check_portal_url
from dentally_setup.portal.errors import InsecureAddress, PortalUnreachable


class _Proxy407(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.server.seen += 1  # type: ignore[attr-defined]
        self.rfile.readline()
        self.wfile.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                         b"Proxy-Authenticate: NTLM\r\nContent-Length: 0\r\n\r\n")


@pytest.fixture
def proxy_407(monkeypatch):
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Proxy407)
    server.seen = 0  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    for var in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(var, url)
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    yield server
    server.shutdown()
    server.server_close()


def test_a_proxy_wanting_a_password_is_explained_and_not_retried(proxy_407):
    client = PortalClient("https://portal.example.com/api", "token", budget=20)
    started = time.monotonic()
    with pytest.raises(PortalUnreachable) as caught:
        client.practice()
    assert caught.value.code == "proxy_auth"
    assert proxy_407.seen == 1  # retrying cannot help, so it is not tried again
    assert time.monotonic() - started < 5
    message = for_portal_error(caught.value)
    assert message.code == "DS-PROXY" and "proxy" in message.what


@pytest.mark.parametrize("url", ["http://portal.example.com/api", "http://10.0.0.5/api"])
def test_plain_http_is_refused_off_this_computer(url):
    with pytest.raises(InsecureAddress):
        check_portal_url(url)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/api", "http://localhost/api",
                                 "http://[::1]:9/api", "https://portal.example.com/api/"])
def test_https_and_loopback_http_are_accepted(url):
    assert check_portal_url(url) == url.rstrip("/")


@pytest.mark.parametrize("url", ["portal.example.com", "ftp://x.example/api",
                                 "https://user:pw@portal.example.com/api",
                                 "https://portal.example.com/api?token=x"])
def test_malformed_addresses_are_refused_in_words(url):
    with pytest.raises(ValueError, match=r"\w"):
        check_portal_url(url)
