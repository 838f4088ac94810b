"""The support view's facts as plain text, redacted: what support asks for over the phone.
Kept free of Qt; the GUI passes in what only Qt knows (its versions)."""

from __future__ import annotations

import platform
import re
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence

from dentally_setup import __version__
from dentally_setup.flow.messages import Message
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.errors import PortalError
from dentally_setup.redact import REDACTED, redact

# "user:password@" in a proxy address (with or without a scheme in front).
_PROXY_CREDENTIALS = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)?[^/\s]*@")


def _hide_credentials(address: str) -> str:
    return _PROXY_CREDENTIALS.sub(lambda m: f"{m.group('scheme') or ''}{REDACTED}@", address)


def proxy_summary() -> str:
    proxies = urllib.request.getproxies()
    if not proxies:
        return "none (direct connection)"
    # A practice proxy's password in HTTPS_PROXY must not reach the support view.
    return ", ".join(f"{k}={_hide_credentials(v)}" for k, v in sorted(proxies.items()))


def trust_source() -> str:
    try:
        # A probe (is it installed?), and 13-20 ms the diagnostics need only when shown.
        import truststore  # noqa: F401
    except ImportError:
        return "Python's certificate bundle"
    return "the operating system's certificate store (truststore)"


def reachability(client: PortalClient | None) -> str:
    """One quick authenticated call, with its latency (run off the GUI thread)."""
    if client is None:
        return "not signed in"
    started = time.monotonic()
    try:
        client.practice()
    except PortalError as exc:
        return f"problem: {exc.code} after {(time.monotonic() - started) * 1000:.0f} ms"
    return f"reachable, {(time.monotonic() - started) * 1000:.0f} ms"


def stripe_reachability(url: str, timeout: float = 5.0) -> str:
    """Whether Stripe's sign-in host answers from this PC (any HTTP answer counts)."""
    started = time.monotonic()
    try:
        req = urllib.request.Request(url, method="HEAD")  # noqa: S310 (https, or the demo)
        with urllib.request.urlopen(req, timeout=timeout):  # noqa: S310
            pass
    except urllib.error.HTTPError:
        pass  # an HTTP answer still proves the host is reachable
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return f"not reachable ({type(reason).__name__})"
    return f"reachable, {(time.monotonic() - started) * 1000:.0f} ms"


def collect(
    *,
    qt_versions: Sequence[tuple[str, str]],
    page: str,
    history: Sequence[str],
    portal_url: str,
    portal_status: str,
    stripe_status: str,
    keyring_backend: str,
    errors: Sequence[tuple[str, Message]],
    log_dir: str,
    mode: str,
) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("App", f"Dentally Setup {__version__} ({mode})"),
        ("Python", sys.version.split()[0]),
        ("System", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        *qt_versions,
        ("Current page", page),
        ("Pages so far", " → ".join(history) or "none"),
        ("Portal address", portal_url or "not set"),
        ("Portal", portal_status),
        ("Stripe", stripe_status),
        ("Proxy", proxy_summary()),
        ("Certificates", trust_source()),
        ("Password store", keyring_backend),
        ("Log folder", log_dir),
    ]
    if errors:
        for when, msg in errors[-8:]:
            rows.append((f"Error at {when}", f"{msg.code}: {msg.what}"))
    else:
        rows.append(("Errors", "none this session"))
    return [(k, redact(v)) for k, v in rows]


def as_text(rows: Sequence[tuple[str, str]]) -> str:
    width = max((len(k) for k, _ in rows), default=0)
    return "\n".join(f"{k.ljust(width)} : {v}" for k, v in rows)
