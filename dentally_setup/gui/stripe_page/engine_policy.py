"""Where the embedded Stripe view may go and how its pages are read (no Qt imports).

Kept apart from ``engine_view.py`` so the rules that protect staff on a shared PC are
unit-tested without a screen or a browser engine. Everything here works on URL
strings; the Qt page only asks ``NavigationPolicy.decide`` and acts on the answer.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from dentally_setup.flow.link import is_loopback, is_redirect

__all__ = [
    "CONNECTED_ELSEWHERE_RE",
    "FOCUS_EDGE_JS",
    "LOAD_FAILED",
    "PAGE_CRASHED",
    "PROBE_JS",
    "PROXY_AUTH",
    "WEBAUTH_MESSAGE",
    "Decision",
    "NavigationPolicy",
    "display_host",
    "is_connected_elsewhere",
    "parse_error_body",
    "read_probe",
    "safe_url",
]

# (error, description) pairs for LinkBrowser.stripeError when Stripe gave us no words.
LOAD_FAILED = (
    "load_failed",
    "The Stripe page could not be loaded. Check the internet connection, "
    "or use 'Open in my browser instead'.",
)
PAGE_CRASHED = (
    "page_crashed",
    "The Stripe page stopped working. Try again, or use 'Open in my browser instead'.",
)
PROXY_AUTH = (
    "proxy_auth",
    "The practice's proxy asked for a user name and password before showing Stripe's page. "
    "Use 'Open in my browser instead': your browser signs in to the proxy for you.",
)
WEBAUTH_MESSAGE = (
    "This sign-in needs a security key or passkey. "
    "Use 'Open in my browser instead' to finish in your browser."
)

# Runs in an isolated JavaScript world, so page scripts cannot tamper with what it reads.
# The result travels as a JSON string: PySide6 does not convert JS objects to dicts.
# "json" is filled only for JSON documents (or bodies that start with "{"), which is how
# Stripe shows authorize errors that are not redirected.
PROBE_JS = """(function () {
  var b = document.body;
  if (!b) { return JSON.stringify({kind: "", text: "", json: ""}); }
  var text = (b.innerText || "").slice(0, 20000);
  var pre = document.querySelector("pre");
  var isJson = (document.contentType || "").indexOf("json") >= 0;
  var json = isJson ? (pre ? pre.textContent : text) : (text.trim().charAt(0) === "{" ? text : "");
  return JSON.stringify(
    {kind: b.getAttribute("data-page") || "", text: text, json: json.slice(0, 20000)});
})()"""

# The first (or last) control a person can tab to; run in an isolated world.
FOCUS_EDGE_JS = """(function (last) {
  var all = document.querySelectorAll(
    "a[href], button, input, select, textarea, [tabindex]");
  var usable = Array.prototype.filter.call(all, function (e) {
    return !e.disabled && e.tabIndex >= 0 && e.type !== "hidden" && e.offsetParent !== null;
  });
  var target = last ? usable[usable.length - 1] : usable[0];
  if (target) { target.focus(); }
})(%s)"""

# Stripe's chooser says "This account is connected to another platform. Please create a
# new account." (STRIPE.md). Matched loosely so a change of case or spacing still counts.
CONNECTED_ELSEWHERE_RE = re.compile(r"connected\s+to\s+another\s+platform", re.IGNORECASE)

# Subframes may show these without a network fetch; Stripe.js and hCaptcha use them.
_SUBFRAME_LOCAL_SCHEMES = frozenset({"about", "data", "blob"})
_WEB_SCHEMES = frozenset({"http", "https"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


class Decision(enum.Enum):
    """What the page should do with a navigation."""

    ALLOW = "allow"  # load it in the view
    REDIRECT = "redirect"  # the portal's redirect_uri: load it (the portal needs it), then stop
    EXTERNAL = "external"  # a web page on a host we do not show: ask the person instead
    BLOCK = "block"  # never: file:, javascript:, custom schemes, data: at top level...


def safe_url(url: str) -> str:
    """``scheme://host[:port]/path`` without query, fragment or user info, for logs.

    The OAuth ``state`` and ``code`` travel in the query, so a full URL must never reach
    a log file that support may ask for.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "<unparsable url>"
    if not parts.scheme:
        return "<relative url>"
    if parts.scheme not in _WEB_SCHEMES:
        return f"{parts.scheme}:"  # data:/javascript: bodies can be long or sensitive
    netloc = f"{host}:{port}" if port else host
    return f"{parts.scheme}://{netloc}{parts.path}"


class _HostRule:
    """One entry of the allowed list: ``host``, ``*.domain`` or ``127.0.0.1:PORT``."""

    def __init__(self, pattern: str) -> None:
        pattern = pattern.strip().lower()
        self.port: int | None = None
        host, sep, port = pattern.rpartition(":")
        if sep and port.isdigit() and "]" not in port:
            pattern, self.port = host, int(port)
        self.wildcard = pattern.startswith("*.")
        self.host = pattern[2:] if self.wildcard else pattern
        self.host = self.host.strip("[]")
        if not self.host:
            raise ValueError(f"empty host pattern: {pattern!r}")

    def matches(self, host: str, port: int, default_port: int) -> bool:
        # An entry without a port means the scheme's usual one: Stripe on :8443 is not Stripe.
        if port != (default_port if self.port is None else self.port):
            return False
        if self.wildcard:
            # "*.stripe.com" means sub-domains only; list "stripe.com" for the apex.
            return host.endswith("." + self.host)
        return host == self.host


class NavigationPolicy:
    """Decides each navigation of the embedded view.

    ``redirect_prefix`` is the portal's ``redirect_uri`` (matched by
    ``flow.link.is_redirect``: scheme, host, port, and the path or one below it).
    ``allowed_hosts`` are the hosts the view may show: normally Stripe's, over https only,
    plus ``127.0.0.1:PORT`` entries for the demo sandbox (the one place plain http is
    shown). An entry with a port matches that port only; an entry without one matches the
    scheme's port.

    Subframes (Stripe.js on js.stripe.com, hCaptcha, 3-D Secure frames) get a looser
    rule: any https page, plus about:/data:/blob: frames, may load inside an allowed
    top page, because blocking them breaks sign-in and they cannot take the person
    anywhere. Plain http subframes only from allowed hosts (the demo sandbox).
    """

    def __init__(self, redirect_prefix: str, allowed_hosts: Sequence[str]) -> None:
        if not redirect_prefix:
            raise ValueError("redirect_prefix must not be empty")
        self.redirect_prefix = redirect_prefix
        self._rules = [_HostRule(entry) for entry in allowed_hosts if entry.strip()]

    def host_allowed(self, url: str) -> bool:
        """True when ``url`` is on a host (and port) in the allowed list, over https, or over
        plain http on a loopback host (the demo sandbox): ``http://connect.stripe.com`` is
        not Stripe as far as the person can tell."""
        if not self._listed(url):
            return False
        scheme, host = _scheme_host(url)
        return scheme == "https" or is_loopback(host)

    def _listed(self, url: str) -> bool:
        """True when ``url`` is http(s) on a host (and port) in the allowed list."""
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
            default_port = _DEFAULT_PORTS.get(parts.scheme, 0)
            port = parts.port or default_port
        except ValueError:
            return False
        if parts.scheme not in _WEB_SCHEMES or not host:
            return False
        return any(rule.matches(host, port, default_port) for rule in self._rules)

    def decide(self, url: str, is_main_frame: bool) -> Decision:
        """The answer for one navigation request (top page or subframe)."""
        if is_main_frame and is_redirect(url, self.redirect_prefix):
            return Decision.REDIRECT
        try:
            scheme = urlsplit(url).scheme.lower()
        except ValueError:
            return Decision.BLOCK
        if not is_main_frame:
            if scheme in _SUBFRAME_LOCAL_SCHEMES or scheme == "https":
                return Decision.ALLOW
            return Decision.ALLOW if self.host_allowed(url) else Decision.BLOCK
        if scheme not in _WEB_SCHEMES:
            return Decision.BLOCK
        if self.host_allowed(url):
            return Decision.ALLOW
        # Stripe's own host over plain http: a downgrade, never shown and never handed on.
        return Decision.BLOCK if self._listed(url) else Decision.EXTERNAL

    def is_secure_location(self, url: str) -> bool:
        """Whether the padlock may show: https only. The demo sandbox's plain http on
        127.0.0.1 is allowed, but it is not a secure connection and is not shown as one."""
        try:
            return urlsplit(url).scheme.lower() == "https"
        except ValueError:
            return False


def _scheme_host(url: str) -> tuple[str, str]:
    try:
        parts = urlsplit(url)
        return parts.scheme.lower(), (parts.hostname or "").lower()
    except ValueError:
        return "", ""


def display_host(url: str) -> str:
    """The host staff see in the location bar (with the port when it is not the default)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if port and port != _DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{port}"
    return host


def is_connected_elsewhere(text: str) -> bool:
    """True when page text carries Stripe's "connected to another platform" notice."""
    return bool(CONNECTED_ELSEWHERE_RE.search(text))


def parse_error_body(text: str) -> tuple[str, str] | None:
    """``(error, error_description)`` when ``text`` is Stripe's JSON error body.

    Stripe shows authorize errors other than access_denied as a JSON document in the
    browser. Chromium wraps such a document in a ``<pre>`` and may add a "Pretty-print"
    control, so the JSON object is cut out between the first ``{`` and the last ``}``.
    """
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start or len(text) > 100_000:
        return None
    try:
        data = json.loads(text[start : end + 1])
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    error = data.get("error")
    if isinstance(error, dict):  # Stripe API style: {"error": {"type": ..., "message": ...}}
        code = error.get("code") or error.get("type")
        description = error.get("message", "")
        error = code
    else:
        description = data.get("error_description", "")
    if not isinstance(error, str) or not error:
        return None
    return error, description if isinstance(description, str) else ""


def read_probe(raw: object) -> tuple[str, str, str] | None:
    """``(data-page, body text, JSON candidate)`` from the page probe's JSON string.

    The probe returns a string because PySide6 does not turn JavaScript objects into
    dicts; anything unexpected (no result because the page went away) gives None.
    """
    if not isinstance(raw, str):
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    kind, text, body = (str(data.get(key) or "") for key in ("kind", "text", "json"))
    return kind, text, body
