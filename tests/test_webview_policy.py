"""The embedded view's URL rules, without Qt."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dentally_setup.gui.stripe_page import engine_policy as webview_policy
from dentally_setup.gui.stripe_page.engine_policy import (
    Decision,
    NavigationPolicy,
    display_host,
    is_connected_elsewhere,
    parse_error_body,
    safe_url,
)

REDIRECT = "https://portal.example.co.uk/stripe/oauth/callback"
STRIPE = ["connect.stripe.com", "dashboard.stripe.com", "stripe.com", "*.stripe.com"]


@pytest.fixture
def policy() -> NavigationPolicy:
    return NavigationPolicy(REDIRECT, STRIPE)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://connect.stripe.com/oauth/authorize?client_id=ca_1&state=s", Decision.ALLOW),
        ("https://stripe.com/", Decision.ALLOW),
        ("https://js.stripe.com/v3/", Decision.ALLOW),
        ("https://a.b.stripe.com/x", Decision.ALLOW),
        # Stripe over plain http is a downgrade: never shown, never handed on.
        ("http://connect.stripe.com/oauth/authorize", Decision.BLOCK),
        ("http://stripe.com/", Decision.BLOCK),
        ("HTTP://js.stripe.com/", Decision.BLOCK),
        ("http://www.google.com/", Decision.EXTERNAL),
        ("https://CONNECT.Stripe.COM/oauth", Decision.ALLOW),
        (REDIRECT + "?code=ac_1&state=s", Decision.REDIRECT),
        (REDIRECT + "?error=access_denied&state=s", Decision.REDIRECT),
        ("https://portal.example.co.uk/other", Decision.EXTERNAL),
        ("https://evilstripe.com/", Decision.EXTERNAL),
        ("https://stripe.com.evil.example/", Decision.EXTERNAL),
        ("https://connect.stripe.com:8443/", Decision.EXTERNAL),  # not the https port
        ("https://www.google.com/", Decision.EXTERNAL),
        ("file:///etc/passwd", Decision.BLOCK),
        ("data:text/html,<p>hi</p>", Decision.BLOCK),
        ("javascript:alert(1)", Decision.BLOCK),
        ("about:blank", Decision.BLOCK),
        ("ms-settings:privacy", Decision.BLOCK),
        ("blob:https://connect.stripe.com/1234", Decision.BLOCK),
        ("", Decision.BLOCK),
        ("https://[::1/", Decision.BLOCK),  # unparsable
    ],
)
def test_main_frame(policy: NavigationPolicy, url: str, expected: Decision) -> None:
    assert policy.decide(url, is_main_frame=True) is expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://js.stripe.com/v3/controller.html", Decision.ALLOW),
        ("https://newassets.hcaptcha.com/captcha/v1/", Decision.ALLOW),
        ("about:blank", Decision.ALLOW),
        ("about:srcdoc", Decision.ALLOW),
        ("data:text/html,x", Decision.ALLOW),
        ("http://tracker.example/", Decision.BLOCK),
        ("http://js.stripe.com/v3/", Decision.BLOCK),
        ("file:///C:/Windows/win.ini", Decision.BLOCK),
        ("ms-settings:privacy", Decision.BLOCK),
        # A subframe never counts as the redirect: only the top page ends the Stripe part.
        (REDIRECT + "?code=ac_1", Decision.ALLOW),
    ],
)
def test_subframe(policy: NavigationPolicy, url: str, expected: Decision) -> None:
    assert policy.decide(url, is_main_frame=False) is expected


def test_redirect_wins_over_allowed_host() -> None:
    policy = NavigationPolicy("http://127.0.0.1:5000/cb", ["127.0.0.1:5000"])
    assert policy.decide("http://127.0.0.1:5000/cb?code=x", True) is Decision.REDIRECT
    assert policy.decide("http://127.0.0.1:5000/authorize", True) is Decision.ALLOW


def test_loopback_entries_match_port() -> None:
    policy = NavigationPolicy("http://127.0.0.1:5001/cb", ["127.0.0.1:5000"])
    assert policy.decide("http://127.0.0.1:5000/oauth/authorize", True) is Decision.ALLOW
    assert policy.decide("http://127.0.0.1:5002/oauth/authorize", True) is Decision.EXTERNAL
    assert policy.decide("http://localhost:5000/", True) is Decision.EXTERNAL
    assert policy.host_allowed("http://127.0.0.1:5000/x")
    assert not policy.host_allowed("ftp://127.0.0.1:5000/x")


def test_wildcard_is_subdomains_only() -> None:
    policy = NavigationPolicy(REDIRECT, ["*.stripe.com"])
    assert policy.decide("https://connect.stripe.com/", True) is Decision.ALLOW
    assert policy.decide("https://stripe.com/", True) is Decision.EXTERNAL


def test_bad_configuration() -> None:
    with pytest.raises(ValueError):
        NavigationPolicy("", STRIPE)
    with pytest.raises(ValueError):
        NavigationPolicy(REDIRECT, ["*."])


def test_secure_location(policy: NavigationPolicy) -> None:
    assert policy.is_secure_location("https://connect.stripe.com/x")
    assert not policy.is_secure_location("http://connect.stripe.com/x")
    assert policy.is_secure_location("HTTPS://connect.stripe.com/x")
    # The demo sandbox's plain http is allowed, but it is not a secure connection: no padlock.
    demo = NavigationPolicy("http://127.0.0.1:5000/cb", ["127.0.0.1:5000"])
    assert demo.host_allowed("http://127.0.0.1:5000/authorize")
    assert not demo.is_secure_location("http://127.0.0.1:5000/authorize")
    assert not demo.is_secure_location("http://127.0.0.1:5999/authorize")  # not demo's
    assert not demo.is_secure_location("http://example.com/")
    assert not demo.is_secure_location("https://[::1/")


def test_the_sandbox_is_the_only_plain_http_shown() -> None:
    policy = NavigationPolicy("http://127.0.0.1:5000/cb", ["127.0.0.1:5000", *STRIPE])
    assert policy.decide("http://127.0.0.1:5000/authorize", True) is Decision.ALLOW
    assert policy.decide("http://connect.stripe.com/oauth/authorize", True) is Decision.BLOCK
    assert policy.decide("https://connect.stripe.com/oauth/authorize", True) is Decision.ALLOW


@pytest.mark.parametrize(("prefix", "url"), [
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000@evil.example/?code=x"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:8000.evil.example/?code=x"),
    ("http://127.0.0.1:8000", "http://127.0.0.1:80001/?code=x"),
    ("http://127.0.0.1:8000/cb", "http://127.0.0.1:8000/cb@evil.example/?code=x"),
    ("http://127.0.0.1:8000/cb", "http://127.0.0.1:8000/cbx?code=x"),
    ("http://127.0.0.1:8000/cb", "http://127.0.0.1:8000/cb%2F..%2Fx?code=x"),
    ("https://portal.example/cb", "https://portal.example/cb.evil.example/?code=x"),
    ("https://portal.example", "https://portal.example.evil.example/?code=x"),
    ("https://portal.example", "https://portal.example:444/?code=x"),
])
def test_a_look_alike_of_the_redirect_is_not_the_redirect(prefix: str, url: str) -> None:
    """Matched as a string prefix, each of these counted as the portal's redirect_uri."""
    assert url.startswith(prefix)
    assert NavigationPolicy(prefix, STRIPE).decide(url, True) is not Decision.REDIRECT
    assert NavigationPolicy("http://127.0.0.1:8000/cb", STRIPE).decide(
        "http://127.0.0.1:8000/cb/?code=x", True) is Decision.REDIRECT


def test_safe_url_drops_query_fragment_and_userinfo() -> None:
    assert safe_url(REDIRECT + "?code=ac_secret&state=st#frag") == REDIRECT
    assert safe_url("https://user:pw@connect.stripe.com/a?b=c") == "https://connect.stripe.com/a"
    assert safe_url("http://127.0.0.1:5000/cb?code=x") == "http://127.0.0.1:5000/cb"
    assert safe_url("data:text/html,secret") == "data:"
    assert safe_url("javascript:steal()") == "javascript:"
    assert safe_url("/relative?code=x") == "<relative url>"
    assert "secret" not in safe_url("https://[::1/?code=secret")


def test_display_host() -> None:
    assert display_host("https://connect.stripe.com/oauth?x=1") == "connect.stripe.com"
    assert display_host("https://connect.stripe.com:443/") == "connect.stripe.com"
    assert display_host("http://127.0.0.1:5000/a") == "127.0.0.1:5000"
    assert display_host("about:blank") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("This account is connected to another platform. Please create a new account.", True),
        ("THIS ACCOUNT IS CONNECTED TO ANOTHER PLATFORM", True),
        ("connected to\nanother  platform", True),
        ("Connected to Stripe", False),
        ("", False),
    ],
)
def test_connected_elsewhere(text: str, expected: bool) -> None:
    assert is_connected_elsewhere(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"error": "invalid_request", "error_description": "No such client"}',
         ("invalid_request", "No such client")),
        ('Pretty-print [ ]\n{\n  "error": "invalid_scope"\n}', ("invalid_scope", "")),
        ('{"error": {"type": "invalid_request_error", "message": "Bad"}}',
         ("invalid_request_error", "Bad")),
        ('{"error": "x", "error_description": 5}', ("x", "")),
        ('{"ok": true}', None),
        ('{"error": ""}', None),
        ("[1, 2]", None),
        ("Sign in to Stripe", None),
        ("{not json}", None),
        ("", None),
    ],
)
def test_parse_error_body(text: str, expected: tuple[str, str] | None) -> None:
    assert parse_error_body(text) == expected


def test_policy_module_does_not_import_qt() -> None:
    tree = ast.parse(Path(webview_policy.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    }
    assert not imported & {"PySide6", "shiboken6", "PyQt6"}
