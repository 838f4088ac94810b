from __future__ import annotations

import string
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dentally_setup.redact import (
    REDACTED,
    clear_registered_secrets,
    redact,
    register_secret,
)


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    clear_registered_secrets()
    yield
    clear_registered_secrets()


@pytest.mark.parametrize(("text", "expected"), [
    # Bearer tokens, in headers, JSON and reprs
    ("Authorization: Bearer abc.def-ghi_123", "Authorization: Bearer [redacted]"),
    ('{"Authorization": "Bearer abc123", "x": 1}',
     '{"Authorization": "Bearer [redacted]", "x": 1}'),
    ("bearer xyz", "bearer [redacted]"),
    ("Proxy-Authorization: Basic dXNlcjpwYXNzd29yZA==", "Proxy-Authorization: Basic [redacted]"),
    # Stripe keys keep their type so support can tell test from live
    ("key sk_" + "live_51HabcDEF123", "key sk_live_[redacted]"),
    ("sk_test_abc rk_live_def rk_test_ghi pk_live_jkl pk_test_mno",
     "sk_test_[redacted] rk_live_[redacted] rk_test_[redacted] pk_live_[redacted] "
     "pk_test_[redacted]"),
    ("whsec_abcdef0123", "whsec_[redacted]"),
    # OAuth values in query strings and form bodies
    ("https://portal.example/stripe/callback?code=ac_123456789&state=s3cr3t&scope=read_write",
     "https://portal.example/stripe/callback?code=[redacted]&state=[redacted]"
     "&scope=read_write"),
    ("grant_type=authorization_code&code=ac_abc&refresh_token=rt_1",
     "grant_type=authorization_code&code=[redacted]&refresh_token=[redacted]"),
    ("access_token=xyz;other=1", "access_token=[redacted];other=1"),
    ("#access_token=xyz&token_type=bearer", "#access_token=[redacted]&token_type=bearer"),
    # ...and in JSON and Python reprs
    ('{"code": "ac_123456789abcdef", "state": "abcd"}',
     '{"code": "[redacted]", "state": "[redacted]"}'),
    ('{"access_token": "sk_test_x", "refresh_token": "rt_abc"}',
     '{"access_token": "[redacted]", "refresh_token": "[redacted]"}'),
    ("{'state': 'abc', 'step': 'link'}", "{'state': '[redacted]', 'step': 'link'}"),
    ("stripe said: authorization code ac_Q2w3E4r5T6y7 expired",
     "stripe said: authorization code [redacted] expired"),
    # The portal's own error codes stay readable
    ('{"error": {"code": "already_linked", "message": "x"}}',
     '{"error": {"code": "already_linked", "message": "x"}}'),
    ("status_code=404", "status_code=404"),
    # Whole query strings of Stripe and /oauth/ URLs
    ("go to https://connect.stripe.com/oauth/authorize?response_type=code&client_id=ca_1"
     "&scope=read_write&state=abc123 now",
     "go to https://connect.stripe.com/oauth/authorize?[redacted] now"),
    ("https://dashboard.stripe.com/settings?foo=bar", "https://dashboard.stripe.com/settings?[redacted]"),
    ("https://stripe.com/?x=1", "https://stripe.com/?[redacted]"),
    ("http://127.0.0.1:51234/oauth/authorize?client_id=ca_1&redirect_uri=http%3A%2F%2Fx",
     "http://127.0.0.1:51234/oauth/authorize?[redacted]"),
    ('"http://localhost:8/oauth/token?x=1"', '"http://localhost:8/oauth/token?[redacted]"'),
    # Look-alikes are left alone
    ("https://notstripe.com/?x=1", "https://notstripe.com/?x=1"),
    ("https://stripe.com.evil.example/?x=1", "https://stripe.com.evil.example/?x=1"),
    ("https://portal.example/api/sites?page=2", "https://portal.example/api/sites?page=2"),
    ("basic settings saved", "basic settings saved"),
    ("at_1 acct_1Abc ca_123", "at_1 acct_1Abc ca_123"),
    ("", ""),
])
def test_patterns(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected


def test_registered_and_given_secrets() -> None:
    register_secret("portal-token-abc123")
    assert redact("sent portal-token-abc123 twice: portal-token-abc123") == (
        "sent [redacted] twice: [redacted]"
    )
    assert redact("x one-off-secret y", secrets=["one-off-secret"]) == "x [redacted] y"
    # Not kept: given secrets are for that call only.
    assert redact("one-off-secret") == "one-off-secret"


def test_short_and_placeholder_values_are_ignored() -> None:
    for value in ("abc", "12345", "", None, "redacted", "[redacted]"):
        register_secret(value)
    assert redact("abc 12345 redacted") == "abc 12345 redacted"
    assert redact("a [redacted] b") == "a [redacted] b"


def test_longer_secret_wins_over_its_prefix() -> None:
    register_secret("abcdef")
    register_secret("abcdefghij")
    assert redact("xx abcdefghij yy") == "xx [redacted] yy"


def test_fast_enough_for_every_log_record() -> None:
    register_secret("portal-token-abc123")
    line = ("2025-01-01 10:00:00 INFO    dentally_setup.portal.client: GET "
            "https://portal.example/api/sites/site_1/payment_settings -> 200 in 0.12 s")
    started = time.perf_counter()
    for _ in range(2000):
        redact(line)
    per_call = (time.perf_counter() - started) / 2000
    assert per_call < 0.0005  # generous; typically ~10 µs


# -- properties --------------------------------------------------------------------------

_SECRET_ALPHABET = string.ascii_letters + string.digits + "-_.~+/=:"
secret_values = st.text(alphabet=_SECRET_ALPHABET, min_size=6, max_size=30)
fragments = st.sampled_from([
    "Bearer ", "bearer", "Basic ", "sk_test_", "sk_live_", "pk_test_", "whsec_", "ac_",
    "code=", "state=", "access_token=", "&", "?", "#", "=", ";", ":", " ", '"', "'",
    '"code": "', "'state': '", '"Authorization": "', "https://connect.stripe.com/oauth/authorize?",
    "http://127.0.0.1:8765/oauth/authorize?", "https://portal.example/cb?", "/oauth/",
    REDACTED, "[", "]", "redacted", "abcdef123456", "already_linked", "\n",
])
texts = st.lists(st.one_of(st.text(max_size=12), fragments), max_size=20).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=texts, secrets=st.lists(secret_values, max_size=3))
def test_redact_is_idempotent(text: str, secrets: list[str]) -> None:
    once = redact(text, secrets)
    assert redact(once, secrets) == once


@settings(max_examples=400, deadline=None)
@given(before=texts, secret=secret_values, after=texts)
def test_registered_secret_never_survives(before: str, secret: str, after: str) -> None:
    clear_registered_secrets()
    register_secret(secret)
    try:
        out = redact(before + secret + after)
        assert secret not in out
        assert redact(out) == out
    finally:
        clear_registered_secrets()
