"""A portal (or something in front of it) that answers in hostile ways: redirects that
would carry the token elsewhere, an answer that trickles in a byte at a time, JSON nested
a hundred thousand deep. Real servers on loopback addresses, real HTTP."""

from __future__ import annotations

import socket
import socketserver
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dentally_setup.flow.messages import for_portal_error
from dentally_setup.portal.client import PortalClient, check_portal_url
from dentally_setup.portal.errors import (
    Cancelled,
    MalformedResponse,
    PortalUnreachable,
    RedirectRefused,
)

PRACTICE = (b'{"practice": {"id": "p1", "name": "Smile", "country": "GB", '
            b'"currency": "GBP", "sites": []}}')


class _Recorder(socketserver.StreamRequestHandler):
    """Records every connection and what arrived on it, then answers 200 with a practice
    (so a client that did follow the redirect would succeed, not fail for another reason)."""

    def handle(self) -> None:
        self.connection.settimeout(2)
        received = b""
        try:
            while b"\r\n\r\n" not in received:
                chunk = self.connection.recv(4096)
                if not chunk:
                    break
                received += chunk
        except OSError:
            pass
        self.server.received.append(received)  # type: ignore[attr-defined]
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: " + str(len(PRACTICE)).encode() + b"\r\n\r\n"
                         + PRACTICE)


@pytest.fixture
def recorder() -> Iterator[socketserver.ThreadingTCPServer]:
    """The 'elsewhere': a server on another loopback address (127.0.0.2)."""
    server = socketserver.ThreadingTCPServer(("127.0.0.2", 0), _Recorder)
    server.received = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


ROUTES: dict[str, tuple[int, dict[str, str], bytes]] = {}


class _Portal(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        self.server.seen.append((self.command, self.path,  # type: ignore[attr-defined]
                                 self.headers.get("Authorization")))
        status, headers, body = ROUTES[self.path.split("/api", 1)[1]]
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = _answer

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def portal() -> Iterator[ThreadingHTTPServer]:
    ROUTES.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Portal)
    server.seen = []  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _client(server: ThreadingHTTPServer, **kw: float) -> PortalClient:
    return PortalClient(f"http://127.0.0.1:{server.server_address[1]}/api", "secret-token-1",
                        budget=kw.get("budget", 5.0), backoff=0.01, max_backoff=0.02)


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_address_is_refused_and_the_token_stays_home(
    portal, recorder, status
):
    elsewhere = f"http://127.0.0.2:{recorder.server_address[1]}/steal"
    ROUTES["/v1/practice"] = (status, {"Location": elsewhere + "?x=1"}, b"")
    with pytest.raises(RedirectRefused) as caught:
        _client(portal).practice()
    assert recorder.received == []  # not a single byte, let alone the Authorization header
    assert len(portal.seen) == 1  # nothing retried
    assert caught.value.address == elsewhere
    message = for_portal_error(caught.value)
    assert message.code == "DS-REDIR"
    assert elsewhere in message.what and "token was not sent" in message.what


def test_a_keyed_put_redirected_elsewhere_is_refused_not_retried(portal, recorder):
    elsewhere = f"http://127.0.0.2:{recorder.server_address[1]}/api/v1/sites/s1"
    ROUTES["/v1/sites/s1"] = (307, {"Location": elsewhere}, b"")
    with pytest.raises(RedirectRefused):
        _client(portal).request("PUT", "/v1/sites/s1", {"a": 1}, idempotency_key="k1")
    assert recorder.received == [] and len(portal.seen) == 1


def test_a_redirect_to_another_port_on_the_same_host_is_refused(portal, recorder):
    # Same host, different port: another origin, perhaps another program.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        other_port = s.getsockname()[1]
    ROUTES["/v1/practice"] = (302, {"Location": f"http://127.0.0.1:{other_port}/api/x"}, b"")
    with pytest.raises(RedirectRefused) as caught:
        _client(portal).practice()
    assert f":{other_port}" in caught.value.address


def test_a_redirect_from_http_to_https_is_refused_before_connecting(portal, recorder):
    # Another scheme is another origin, even on the same host and port.
    target = f"https://127.0.0.2:{recorder.server_address[1]}/api/v1/practice"
    ROUTES["/v1/practice"] = (308, {"Location": target}, b"")
    with pytest.raises(RedirectRefused) as caught:
        _client(portal).practice()
    assert caught.value.address == target and recorder.received == []


def test_a_redirect_within_the_portal_is_followed_with_the_token(portal):
    ROUTES["/v1/practice"] = (302, {"Location": "/api/v2/practice"}, b"")
    ROUTES["/v2/practice"] = (200, {"Content-Type": "application/json"}, PRACTICE)
    assert _client(portal).practice().name == "Smile"
    assert portal.seen[-1] == ("GET", "/api/v2/practice", "Bearer secret-token-1")


def test_a_redirect_that_is_not_a_usable_address_is_refused(portal):
    ROUTES["/v1/practice"] = (302, {"Location": "http://user:pw@127.0.0.1:1/x"}, b"")
    with pytest.raises(RedirectRefused):
        _client(portal).practice()


# ---- a body that trickles in --------------------------------------------------------------

class _Trickle(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.rfile.readline()
        self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 100000\r\n\r\n")
        stop: threading.Event = self.server.stop  # type: ignore[attr-defined]
        try:
            # The server paces itself (a byte every 0.2 s); the test waits on events.
            while not stop.wait(0.2):
                self.wfile.write(b" ")
                self.wfile.flush()
        except OSError:
            pass  # the client hung up, as it should


@pytest.fixture
def trickle() -> Iterator[str]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    server.stop = threading.Event()  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api"
    server.stop.set()  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


def test_a_trickling_answer_ends_at_the_budget(trickle):
    client = PortalClient(trickle, "t", budget=1.0, timeout=10.0, backoff=0.01)
    started = time.monotonic()
    with pytest.raises(PortalUnreachable) as caught:
        client.practice()
    elapsed = time.monotonic() - started
    assert caught.value.code == "network"
    # Each byte arrives well inside the 10 s socket timeout, so only the overall budget
    # can end this; allow a chunk's wait and a slow CI beyond it.
    assert 0.9 <= elapsed < 2.5


def test_cancel_stops_a_trickling_answer_promptly(trickle):
    cancel = threading.Event()
    client = PortalClient(trickle, "t", budget=30.0, timeout=10.0, cancel=cancel)
    outcome: list[BaseException] = []
    finished = threading.Event()

    def run() -> None:
        try:
            client.practice()
        except BaseException as exc:
            outcome.append(exc)
        finished.set()

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    assert not finished.wait(0.5)  # still reading the trickle
    cancel.set()
    cancelled_at = time.monotonic()
    assert finished.wait(5)
    assert time.monotonic() - cancelled_at < 1.0
    assert isinstance(outcome[0], Cancelled)


# ---- other hostile bodies -----------------------------------------------------------------

def test_json_nested_beyond_reason_is_a_malformed_answer(portal):
    ROUTES["/v1/practice"] = (200, {"Content-Type": "application/json"}, b"[" * 100000)
    with pytest.raises(MalformedResponse) as caught:
        _client(portal).practice()
    assert "nested" in caught.value.message
    assert for_portal_error(caught.value).code == "DS-BAD"


def test_an_error_answer_nested_beyond_reason_is_still_an_error_not_a_crash(portal):
    ROUTES["/v1/practice"] = (404, {"Content-Type": "application/json"}, b"[" * 100000)
    with pytest.raises(MalformedResponse):
        _client(portal).practice()


# ---- the address ----------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "normal"), [
    ("HTTPS://Portal.Example.COM/api/", "https://portal.example.com/api"),
    ("Https://portal.example.com:443/api", "https://portal.example.com/api"),
    ("HTTP://LOCALHOST:8080/Api", "http://localhost:8080/Api"),  # the path keeps its case
])
def test_addresses_are_normalised(given, normal):
    assert check_portal_url(given) == normal


def test_https_in_capitals_still_uses_the_os_trust_store():
    client = PortalClient("HTTPS://Portal.Example.COM/api", "t")
    assert client.base_url == "https://portal.example.com/api"
    contexts = [h._context for h in client._opener.handlers
                if isinstance(h, urllib.request.HTTPSHandler)]
    # Ours (truststore, the OS store) and only ours; without it urllib adds a default
    # handler whose context is None (Python's own CA bundle).
    assert contexts and all(c is not None for c in contexts)
    assert type(contexts[0]).__module__.startswith("truststore")


def test_a_port_that_is_not_a_number_is_refused_in_words():
    with pytest.raises(ValueError, match="port"):
        check_portal_url("https://portal.example.com:abc/api")
