"""Take secrets out of text before it reaches a log file, the diagnostics view or the
clipboard.

Support reads logs over a screen-share, so anything that lets someone act as the practice
must never be written down: the portal API token, Stripe keys, and the OAuth values that
travel through URLs (``code``, ``state``, access and refresh tokens). This runs on every
log record, so every pattern is compiled once and the secrets registry is folded into one
regular expression that is rebuilt only when a new secret is registered.

``redact`` is idempotent (``redact(redact(x)) == redact(x)``): the log view and the
diagnostics window may redact text that was already redacted by the log formatter.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6

_R = re.escape(REDACTED)

# Names whose values are secrets wherever they appear as key=value or as a JSON key.
_HIDDEN_NAMES = (
    r"access_token|refresh_token|id_token|client_secret|api_key|password|token|state|code"
)

# "Bearer <token>" in headers, curl commands and exception text. Stops at quotes and
# separators so `"Authorization": "Bearer abc",` keeps its JSON shape.
_BEARER = re.compile(rf"\b(Bearer)\s+(?!{_R})[^\s\"'<>,;]+", re.IGNORECASE)

# HTTP Basic credentials (a proxy's Proxy-Authorization, for one). Case-sensitive and at
# least 8 base64 characters so "basic settings" in a sentence is left alone.
_BASIC = re.compile(rf"\b(Basic)\s+(?!{_R})[A-Za-z0-9+/]{{8,}}=*")

# Stripe API keys. The type prefix is kept: "sk_test_[redacted]" tells support whether a
# test or a live key was involved without revealing it.
_STRIPE_KEY = re.compile(r"\b((?:sk|rk|pk)_(?:live|test)_|whsec_)[A-Za-z0-9]+[A-Za-z0-9_]*")

# Stripe OAuth authorization codes ("ac_" + a long random part).
_AUTH_CODE = re.compile(r"\bac_[A-Za-z0-9]{6,}")

# key=value in query strings, fragments and form bodies. The look-behind stops
# "status_code=404" from matching as "code=".
_PARAM = re.compile(
    rf"(?<![A-Za-z0-9_])((?:{_HIDDEN_NAMES})=)(?!{_R})[^&\s\"'#<>;,]+", re.IGNORECASE
)

# "key": "value" in JSON, and 'key': 'value' in Python reprs of dicts.
_JSON = re.compile(
    rf"""(?P<head>(?P<q1>["'])(?P<key>{_HIDDEN_NAMES}|authorization)(?P=q1)\s*:\s*"""
    rf"""(?P<q2>["']))(?P<value>(?:(?!(?P=q2)).)*)(?P=q2)""",
    re.IGNORECASE,
)
# The portal's own error bodies carry {"code": "already_linked"}: support needs those, so a
# JSON "code" is kept when it reads like an error code (snake_case, or already redacted).
# Authorization codes ("ac_...") are still caught by _AUTH_CODE.
_ERROR_CODE = re.compile(rf"(?:[a-z0-9_]|{_R})*")
# "Authorization": "Bearer [redacted]" already says all it should.
_SCHEME_REDACTED = re.compile(rf"(?:Bearer|Basic) {_R}", re.IGNORECASE)

# Any http(s) URL that has a query string. The host decides what happens to it.
_URL_WITH_QUERY = re.compile(
    r"(?P<base>https?://(?P<netloc>[^/\s?#\"'<>]+)(?P<path>[^\s?#\"'<>]*))\?(?P<query>[^\s#\"'<>]*)",
    re.IGNORECASE,
)

_lock = threading.Lock()
_registry: set[str] = set()
_registry_pattern: re.Pattern[str] | None = None


def _usable(value: str) -> bool:
    # Short values would shred ordinary words; a value inside the placeholder itself
    # ("redacted") would make the output contain the "secret" it just replaced.
    return len(value) >= MIN_SECRET_LENGTH and value not in REDACTED


def register_secret(value: str | None) -> None:
    """Redact *value* from all text from now on (the app registers the token it uses)."""
    global _registry_pattern
    if not value or not _usable(value):
        return
    with _lock:
        if value not in _registry:
            _registry.add(value)
            _registry_pattern = None


def clear_registered_secrets() -> None:
    """Forget every registered secret (tests; and after the token is deleted)."""
    global _registry_pattern
    with _lock:
        _registry.clear()
        _registry_pattern = None


def _secrets_pattern(extra: Iterable[str]) -> re.Pattern[str] | None:
    global _registry_pattern
    extra_set = {s for s in extra if s and _usable(s)}
    if not extra_set:
        with _lock:
            if _registry_pattern is None and _registry:
                _registry_pattern = _compile_literals(_registry)
            return _registry_pattern
    with _lock:
        values = _registry | extra_set
    return _compile_literals(values)


def _compile_literals(values: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so a secret that contains another is removed whole. The placeholder
    # comes first of all so text that is already "[redacted]" is consumed as it is, which
    # keeps redact() idempotent even for a secret that overlaps the placeholder.
    ordered = sorted(values, key=len, reverse=True)
    return re.compile("|".join([_R, *map(re.escape, ordered)]))


def _redact_url(match: re.Match[str]) -> str:
    netloc = match.group("netloc").rsplit("@", 1)[-1]
    host = netloc.split(":", 1)[0].lower().rstrip(".")
    is_stripe = host == "stripe.com" or host.endswith(".stripe.com")
    if not match.group("query"):
        return match.group(0)  # nothing after "?": nothing to hide
    if is_stripe or "/oauth/" in match.group("path").lower() + "/":
        return f"{match.group('base')}?{REDACTED}"
    return match.group(0)


def _redact_json(match: re.Match[str]) -> str:
    value = match.group("value")
    if match.group("key").lower() == "code" and _ERROR_CODE.fullmatch(value):
        return match.group(0)
    if value == REDACTED or _SCHEME_REDACTED.fullmatch(value):
        return match.group(0)
    q2 = match.group("q2")
    return f"{match.group('head')}{REDACTED}{q2}"


def _one_pass(text: str, literals: re.Pattern[str] | None) -> str:
    if literals is not None:
        text = literals.sub(REDACTED, text)
    # URLs before the per-parameter rules: a Stripe or /oauth/ query string goes as a
    # whole, so those rules never see half of it.
    if "://" in text:
        text = _URL_WITH_QUERY.sub(_redact_url, text)
    text = _BEARER.sub(rf"\1 {REDACTED}", text)
    text = _BASIC.sub(rf"\1 {REDACTED}", text)
    text = _STRIPE_KEY.sub(rf"\1{REDACTED}", text)
    text = _AUTH_CODE.sub(REDACTED, text)
    if "=" in text:
        text = _PARAM.sub(rf"\1{REDACTED}", text)
    if ":" in text:
        text = _JSON.sub(_redact_json, text)
    return text


# Passes are repeated until nothing changes. One rule can expose a match for another (a
# replaced secret creates a word boundary before "Bearer"; a redacted key swallows the
# "https" of a URL that then no longer hides the next one). Every change swaps at least
# one character outside a placeholder for a placeholder, so this always ends; a line with
# no secrets, the usual case, costs one pass, and one with secrets usually two.
_MAX_PASSES = 8


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Return *text* with registered secrets, *secrets* and known secret shapes replaced
    by ``[redacted]``."""
    if not text:
        return text
    literals = _secrets_pattern(secrets)
    for _ in range(_MAX_PASSES):
        redacted = _one_pass(text, literals)
        if redacted == text:
            break
        text = redacted
    return text
