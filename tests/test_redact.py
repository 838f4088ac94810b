from __future__ import annotations

import json
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


# Each of these leaked before (issue 11): the secret, or part of it, stayed in the text.
@pytest.mark.parametrize(("text", "expected"), [
    # Secret-looking JSON keys beyond the OAuth names
    ('{"portal_token": "dp_tok_123456"}', '{"portal_token": "[redacted]"}'),
    ('{"api_token": "abc123456", "site": "s1"}', '{"api_token": "[redacted]", "site": "s1"}'),
    ("{'portal_token': 'abc123456'}", "{'portal_token': '[redacted]'}"),
    ('{"secret": "abc123456"}', '{"secret": "[redacted]"}'),
    ('{"webhook_secret": "abc123456"}', '{"webhook_secret": "[redacted]"}'),
    ('{"x-api-key": "abc123456"}', '{"x-api-key": "[redacted]"}'),
    ('{"session_id": "abc123456"}', '{"session_id": "[redacted]"}'),
    # Headers written out as lines
    ("X-Api-Key: abc123456", "X-Api-Key: [redacted]"),
    ("x-api-key:abc123456", "x-api-key:[redacted]"),
    ("X-Auth-Token: abc123456", "X-Auth-Token: [redacted]"),
    ("Private-Token: abc123456", "Private-Token: [redacted]"),
    ("Authorization: Token abc123456", "Authorization: Token [redacted]"),
    ("Authorization: Basic abc", "Authorization: Basic [redacted]"),  # short, still hidden
    ('Authorization: Digest username="bob", response="6629fae49393a05397450978507c4ef1"',
     "Authorization: Digest [redacted]"),
    ("Authorization: abc123456", "Authorization: [redacted]"),  # no scheme at all
    ("Proxy-Authorization: Negotiate YIIabc", "Proxy-Authorization: Negotiate [redacted]"),
    ('{"Authorization": "Token abc123456"}', '{"Authorization": "Token [redacted]"}'),
    ("Cookie: _portal_session=abc123456; theme=dark", "Cookie: [redacted]"),
    ("Set-Cookie: session_id=abc123456; Path=/; HttpOnly", "Set-Cookie: [redacted]"),
    # An escaped quote inside the value no longer ends it with the rest in view
    ('{"secret": "a\\"b_secret"}', '{"secret": "[redacted]"}'),
    ('{"password": "p\\"ss_rest", "x": 1}', '{"password": "[redacted]", "x": 1}'),
    # JSON inside a JSON string (a body quoted in an error), and a value over two lines
    ('"{\\"access_token\\": \\"abc123456\\"}"', '"{\\"access_token\\": \\"[redacted]\\"}"'),
    ('{"token": "abc123\n456def"}', '{"token": "[redacted]"}'),
    # A body cut off inside the value: hidden to the end
    ('body: {"refresh_token": "rt_abc123', 'body: {"refresh_token": "[redacted]"'),
    # name=value and name: value for the wider family of names
    ("DENTALLY_PORTAL_TOKEN=dp_tok_123456", "DENTALLY_PORTAL_TOKEN=[redacted]"),
    ("secret=abc123456&x=1", "secret=[redacted]&x=1"),
    ('access_token="abc 123456"', 'access_token="[redacted]"'),
    ("password: hunter22", "password: [redacted]"),
    ("password: 'hunter 22'", "password: '[redacted]'"),
    ("client_secret: cs_abc123", "client_secret: [redacted]"),
    # user:password@host, in a URL and in free text
    ("proxy https://bob:hunter22@proxy.example:8080/ failed",
     "proxy https://bob:[redacted]@proxy.example:8080/ failed"),
    ("using proxy bob:hunter22@proxy.example:8080",
     "using proxy bob:[redacted]@proxy.example:8080"),
    ("socks5://svc.user:p%40ss@[::1]:1080", "socks5://svc.user:[redacted]@[::1]:1080"),
])
def test_gaps_in_the_secret_family_are_closed(text: str, expected: str) -> None:
    assert redact(text) == expected
    assert redact(expected) == expected


# Already hidden before, kept hidden: the rest of the family.
@pytest.mark.parametrize(("text", "expected"), [
    ('{"password": "hunter22"}', '{"password": "[redacted]"}'),
    ('{"refresh_token": "rt_abc"}', '{"refresh_token": "[redacted]"}'),
    ('{"client_secret": "cs_abc"}', '{"client_secret": "[redacted]"}'),
    ("client_secret=cs_abc", "client_secret=[redacted]"),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "Authorization: Basic [redacted]"),
    ("sk_test_51Habc rk_live_51Hdef", "sk_test_[redacted] rk_live_[redacted]"),
])
def test_the_rest_of_the_family_stays_hidden(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize("text", [
    "Idempotency-Key: 7b0c-uuid",  # support needs the key; it lets no one act
    '{"idempotency_key": "7b0c-uuid"}',
    "token_type=bearer",
    "remember_token: True",  # a flag about a token, not a token
    "write email to bob@example.com",
    "at 10:00:00 the link state was pending",
    "Authorization header missing",
])
def test_look_alikes_of_the_family_are_left_alone(text: str) -> None:
    assert redact(text) == text


def test_a_registered_token_is_hidden_url_encoded_escaped_and_split_over_lines() -> None:
    token = "dp+live/tok=9f8e7d6c5b4a"
    register_secret(token)
    for text in [
        "callback?t=dp%2Blive%2Ftok%3D9f8e7d6c5b4a&x=1",  # quote(safe="")
        "t=dp%2Blive%2Ftok%3D9f8e7d6c5b4a",
        '{"t": "dp+live\\/tok=9f8e7d6c5b4a"}',  # JSON with "/" escaped
        "x dp+live/tok=9f8\n    e7d6c5b4a y",  # wrapped, with the indent after it
        "x dp+live/tok\r\n=9f8e7d6c5b4a y",
    ]:
        out = redact(text)
        assert "9f8e7d6c5b4a" not in out and "e7d6c5b4a" not in out, out
        assert REDACTED in out


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
    '"portal_token": "', "X-Api-Key: ", "Authorization: ", "Cookie: ", "password: ", "\\",
    '\\"', "user:", "@", "%2F", "true",
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


@settings(max_examples=300, deadline=None)
@given(secret=st.text(alphabet=_SECRET_ALPHABET + '"\\ ', min_size=1, max_size=30),
       key=st.sampled_from(["portal_token", "api_token", "password", "client_secret",
                            "access_token", "x-api-key", "secret"]))
def test_a_json_value_under_a_secret_key_never_survives(secret: str, key: str) -> None:
    text = json.dumps({key: secret, "site": "site_1"})
    out = redact(text)
    assert json.loads(out) == {key: REDACTED, "site": "site_1"}
