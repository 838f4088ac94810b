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

import json
import re
import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6

_R = re.escape(REDACTED)

# Names whose values are secrets wherever they appear as key=value, "key": "value" or a
# "Key: value" header: any name ending in one of these words (portal_token, api_token,
# X-Api-Key, X-Auth-Token, client_secret, DENTALLY_PORTAL_TOKEN...). Not "*_key" in
# general: the idempotency key is not a secret and support needs to see it.
_HIDDEN_WORDS = (
    r"token|secret|password|passwd|passphrase|pwd|api[_-]?key|private[_-]?key"
    r"|secret[_-]?key|access[_-]?key|credentials?|session[_-]?id"
)
_SECRET_NAME = rf"(?:[a-z0-9]+[_-])*(?:{_HIDDEN_WORDS})"
# ...and the OAuth values, which are secrets under these exact names only ("status_code"
# and "link state" are not).
_HIDDEN_NAMES = rf"{_SECRET_NAME}|state|code"
# The end of such a name, for the rules where the name is followed by ":" or "=": matching
# from the last word (the start of "portal_token" needs no reading) is twice as fast, and
# these rules run on every log record.
_NAME_END = (
    rf"(?:(?<![a-z0-9])(?:{_HIDDEN_WORDS})|(?<![a-z0-9_-])(?:state|code))"
)
_SECRET_NAME_END = rf"(?<![a-z0-9])(?:{_HIDDEN_WORDS})"

# "Bearer <token>" in headers, curl commands and exception text. Stops at quotes and
# separators so `"Authorization": "Bearer abc",` keeps its JSON shape.
_BEARER = re.compile(rf"\b(Bearer)\s+(?!{_R})[^\s\"'<>,;]+", re.IGNORECASE)

# HTTP Basic credentials (a proxy's Proxy-Authorization, for one). Case-sensitive and at
# least 8 base64 characters so "basic settings" in a sentence is left alone.
_BASIC = re.compile(rf"\b(Basic)\s+(?!{_R})[A-Za-z0-9+/]{{8,}}=*")

# An Authorization or Cookie header written out as a line ("Authorization: Token x",
# "Cookie: session=x; other=y", "Authorization: Digest username=..., response=..."):
# everything after the scheme, to the end of the line, whatever the scheme is.
_HEADER = re.compile(
    rf"(?<![\w-])(?P<name>(?:proxy-)?authorization|(?:set-)?cookie)[ \t]*:[ \t]*"
    rf"(?P<scheme>(?!{_R})[A-Za-z][\w-]*[ \t]+(?=\S))?(?P<value>[^\r\n]+)",
    re.IGNORECASE,
)

# "password: hunter22", "X-Api-Key: abc", "api_token: 'abc'" (a secret name, a colon, a
# value). A quoted name has its quote before the colon, so "key": "value" is left to
# _JSON. A flag about a
# secret ("remember_token: True") is not one.
_COLON = re.compile(
    rf"{_SECRET_NAME_END}[ \t]*:[ \t]*"
    rf"""(?P<value>(?P<q>["'])(?:(?!(?P=q)).)*(?:(?P=q)|(?=[\r\n])|\Z)|(?!{_R}|(?:true|false|none|null)\b)[^\s"'<>,;]+)""",
    re.IGNORECASE,
)

# A line _COLON could match contains one of these (lower case).
_COLON_HINTS = ("token", "secret", "passw", "pwd", "key", "credential", "session")

# Stripe API keys. The type prefix is kept: "sk_test_[redacted]" tells support whether a
# test or a live key was involved without revealing it.
_STRIPE_KEY = re.compile(r"\b((?:sk|rk|pk)_(?:live|test)_|whsec_)[A-Za-z0-9]+[A-Za-z0-9_]*")

# Stripe OAuth authorization codes ("ac_" + a long random part).
_AUTH_CODE = re.compile(r"\bac_[A-Za-z0-9]{6,}")

# key=value in query strings, fragments, form bodies and "name=value" log text, the value
# bare or quoted. "status_code=404" does not match as "code=".
_PARAM = re.compile(
    rf"(?P<head>{_NAME_END}=)"
    rf"""(?P<value>(?P<q>["'])(?:(?!(?P=q)).)*(?:(?P=q)|(?=[\r\n])|\Z)|(?!{_R})[^&\s"'#<>;,]+)""",
    re.IGNORECASE,
)

# "key": "value" in JSON, 'key': 'value' in Python reprs of dicts, and \"key\": \"value\"
# in JSON that was itself put in a JSON string. The value is read escape by escape, so an
# escaped quote inside it ("a\"b") does not end it early and leave the rest in view; it may
# run over lines, and one with no closing quote (a cut-off body) is hidden to the end.
_JSON = re.compile(
    rf"""(?P<head>(?P<q1>\\*["'])(?P<key>{_HIDDEN_NAMES}|(?:proxy-)?authorization)(?P=q1)"""
    rf"""\s*:\s*(?P<q2>\\*["']))(?P<value>(?:(?!(?P=q2))(?:\\.|[^\\]))*)(?:(?P=q2)|\Z)""",
    re.IGNORECASE | re.DOTALL,
)
# The portal's own error bodies carry {"code": "already_linked"}: support needs those, so a
# JSON "code" is kept when it reads like an error code (snake_case, or already redacted).
# Authorization codes ("ac_...") are still caught by _AUTH_CODE.
_ERROR_CODE = re.compile(rf"(?:[a-z0-9_]|{_R})*")
# An Authorization value is "scheme credentials": the scheme is kept, it helps support.
_SCHEME_VALUE = re.compile(r"(?P<scheme>[A-Za-z][\w-]*)\s+(?P<rest>\S.*)", re.DOTALL)

# "user:password@host", in a URL or in free text (a proxy setting in an error message).
# The user name is kept for support; the password goes.
_USERINFO = re.compile(
    rf"(?P<user>(?<![\w.%+-])[\w.%+-]+):(?!{_R}@)(?P<password>[^\s@/:\\\"'<>]+)@(?=[\w\[])"
)

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


def _variants(value: str) -> set[str]:
    """*value* as it may appear in text: as it is, URL-encoded (in a query string or a
    form body) and JSON-escaped (some servers also escape "/")."""
    escaped = json.dumps(value)[1:-1]
    return {value, quote(value, safe=""), quote_plus(value, safe=""), escaped,
            escaped.replace("/", "\\/")}


def _split_over_lines(value: str) -> str:
    # The value with a line break (and the indent after it) allowed between any two of
    # its characters: a long token wrapped by a terminal, a mail client or a pretty printer.
    return r"(?:\\?\r?\n[ \t]*)?".join(map(re.escape, value))


def _compile_literals(values: Iterable[str]) -> re.Pattern[str]:
    # Longest first, so a secret that contains another is removed whole. The placeholder
    # comes first of all so text that is already "[redacted]" is consumed as it is, which
    # keeps redact() idempotent even for a secret that overlaps the placeholder.
    ordered = sorted({v for value in values for v in _variants(value)}, key=len, reverse=True)
    return re.compile("|".join([_R, *map(_split_over_lines, ordered)]))


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
    head, q2 = match.group("head"), match.group("q2")
    if match.group("key").lower().endswith("authorization"):
        scheme = _SCHEME_VALUE.fullmatch(value)
        if scheme is not None:  # "Token [redacted]": the scheme is no secret, and helps
            return f"{head}{scheme.group('scheme')} {REDACTED}{q2}"
    return f"{head}{REDACTED}{q2}"


def _redact_header(match: re.Match[str]) -> str:
    return f"{match.group('name')}: {match.group('scheme') or ''}{REDACTED}"


def _redact_value(match: re.Match[str]) -> str:
    # Keeps the quotes of a quoted value, so the text keeps its shape.
    head = match.group(0)[: match.start("value") - match.start(0)]
    q = match.group("q") or ""
    return f"{head}{q}{REDACTED}{q}"


def _one_pass(text: str, literals: re.Pattern[str] | None) -> str:
    if literals is not None:
        text = literals.sub(REDACTED, text)
    # URLs before the per-parameter rules: a Stripe or /oauth/ query string goes as a
    # whole, so those rules never see half of it.
    if "://" in text:
        text = _URL_WITH_QUERY.sub(_redact_url, text)
    if "@" in text:
        text = _USERINFO.sub(rf"\g<user>:{REDACTED}@", text)
    text = _BEARER.sub(rf"\1 {REDACTED}", text)
    text = _BASIC.sub(rf"\1 {REDACTED}", text)
    text = _STRIPE_KEY.sub(rf"\1{REDACTED}", text)
    text = _AUTH_CODE.sub(REDACTED, text)
    if "=" in text:
        text = _PARAM.sub(_redact_value, text)
    if ":" in text:
        # Plain substring tests first: most log lines name no header and no secret, and
        # "in" is far cheaper than a regular expression tried at every position.
        lowered = text.lower()
        if "authorization" in lowered or "cookie" in lowered:
            text = _HEADER.sub(_redact_header, text)
        if any(word in lowered for word in _COLON_HINTS):
            text = _COLON.sub(_redact_value, text)
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
