"""A portal (or something pretending to be one) that answers badly: HTML instead of JSON,
a huge body, wrong types, missing fields, no ETag. Each ends in a clear error, never a crash
deep inside the app."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dentally_setup.flow.messages import for_portal_error
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.errors import MalformedResponse, PortalUnreachable

ANSWERS: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status, ctype, body, headers = ANSWERS[self.path.split("/api", 1)[1]]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def bad_portal() -> Iterator[PortalClient]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = PortalClient(f"http://127.0.0.1:{server.server_address[1]}/api", "t",
                          budget=1.0, backoff=0.01, max_backoff=0.02)
    yield client
    server.shutdown()
    server.server_close()


def answer(path: str, body: object, status: int = 200, ctype: str = "application/json",
           headers: dict[str, str] | None = None) -> None:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    ANSWERS[path] = (status, ctype, raw, headers or {})


def test_html_instead_of_json_names_the_likely_cause(bad_portal):
    answer("/v1/practice", b"<html><body>Sign in to the proxy</body></html>", ctype="text/html")
    with pytest.raises(MalformedResponse) as caught:
        bad_portal.practice()
    assert "not JSON" in caught.value.message and "address" in caught.value.message
    assert for_portal_error(caught.value).code == "DS-BAD"


def test_html_error_page_from_a_proxy_in_front_of_a_5xx_is_transient(bad_portal):
    answer("/v1/practice", b"<html>Bad gateway</html>", status=502, ctype="text/html")
    with pytest.raises(PortalUnreachable):
        bad_portal.practice()


def test_a_huge_body_is_refused(bad_portal):
    answer("/v1/practice", b"{" + b" " * (3 * 1024 * 1024) + b"}")
    with pytest.raises(MalformedResponse, match="too large"):
        bad_portal.practice()


@pytest.mark.parametrize("practice, field", [
    ({"id": "p", "name": "P", "country": "GB", "currency": "GBP", "sites": "two"}, "sites"),
    ({"id": "p", "name": "P", "country": "GB", "currency": 826, "sites": []}, "currency"),
    ({"id": "p", "country": "GB", "currency": "GBP", "sites": []}, "name"),
    ({"id": "p", "name": "P", "country": "GB", "currency": "GBP",
      "sites": [{"id": 1, "name": "A"}]}, "sites[0].id"),
])
def test_wrong_types_and_missing_fields_name_the_field(bad_portal, practice, field):
    answer("/v1/practice", {"practice": practice})
    with pytest.raises(MalformedResponse) as caught:
        bad_portal.practice()
    assert field in caught.value.message


def test_settings_without_an_etag_are_refused(bad_portal):
    answer("/v1/sites/s1/payment-settings", {"payment_settings": {
        "deposits": {"enabled": False, "default_amount_minor": None},
        "balances": {"enabled": False}, "invoices": {"enabled": False},
        "site_id": "s1", "currency": "GBP", "updated_at": "2026-11-27T10:00:00Z"}})
    with pytest.raises(MalformedResponse, match="ETag"):
        bad_portal.payment_settings("s1")


def test_an_unknown_link_status_is_refused(bad_portal):
    answer("/v1/payments/stripe", {"stripe": {"status": "half-linked", "livemode": False}})
    with pytest.raises(MalformedResponse, match="status"):
        bad_portal.stripe_link()
