"""`dentally-setup doctor`: a report support can ask a practice to read out or paste.

It never prints a secret: the token is only "set" or "not set", and a proxy address has
any user name and password replaced. It always exits 0, because it is a report; a portal
that cannot be reached is said plainly in the report instead.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import ssl
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable

from dentally_setup import __version__
from dentally_setup.cli.common import (
    EXIT_OK,
    CliError,
    budget_seconds,
    messages_for,
    resolve_portal_url,
    resolve_token,
)
from dentally_setup.flow.readiness import account_lines
from dentally_setup.flow.stripe_page import describe
from dentally_setup.portal.client import PortalClient, check_portal_url
from dentally_setup.portal.errors import AuthError, PortalError
from dentally_setup.redact import redact
from dentally_setup.store.config import load_config
from dentally_setup.store.paths import config_dir, data_dir, log_dir, state_dir

log = logging.getLogger(__name__)

_DOCTOR_BUDGET = 10.0  # a report should not hang on a dead portal for the full 30 s


def add_parser(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
               ) -> None:
    p = subparsers.add_parser(
        "doctor", parents=parents, help="show diagnostics for support (no secrets)",
        description="Show versions, the portal address and whether it answers, the password "
                    "store, proxy and certificate settings, and where files are kept.",
    )
    p.set_defaults(handler=run)


def _safe(fn: Callable[[], str]) -> str:
    """One line of the report; a failure becomes the line's text, not the end of it."""
    try:
        return fn()
    except Exception as exc:
        log.info("doctor: %s", exc, exc_info=True)
        return f"unknown ({type(exc).__name__}: {exc})"


def qt_versions() -> tuple[str, str]:
    """(Qt, QtWebEngine) versions. PySide6 is imported here only, so other commands stay
    fast and work on a machine where Qt is broken."""
    try:
        import PySide6
        from PySide6 import QtCore
    except Exception as exc:
        return f"not available ({type(exc).__name__}: {exc})", "not available"
    qt = f"PySide6 {PySide6.__version__}, Qt {QtCore.qVersion()}"
    try:
        from PySide6 import QtWebEngineCore

        version_fn = getattr(QtWebEngineCore, "qWebEngineVersion", None)
        web = str(version_fn()) if version_fn else "installed (version not reported)"
        chromium_fn = getattr(QtWebEngineCore, "qWebEngineChromiumVersion", None)
        if chromium_fn:
            web += f" (Chromium {chromium_fn()})"
    except Exception as exc:
        web = f"not available ({type(exc).__name__}: {exc})"
    return qt, web


def mask_url(url: str) -> str:
    """``url`` with any user name/password replaced by ***."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "(unreadable address)"
    if not (parts.username or parts.password):
        return url
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"***@{host}"))


def proxy_lines() -> list[str]:
    proxies = urllib.request.getproxies()
    if not proxies:
        return ["none (direct connection)"]
    return [f"{scheme}: {value if scheme == 'no' else mask_url(value)}"
            for scheme, value in sorted(proxies.items())]


def tls_trust() -> str:
    override = os.environ.get("SSL_CERT_FILE")
    extra = f"; SSL_CERT_FILE={override}" if override else ""
    try:
        import truststore  # a probe (is it installed?), and 13-20 ms only `doctor` needs

        version = getattr(truststore, "__version__", "?")
        return f"the operating system's certificate store (truststore {version}){extra}"
    except Exception:
        paths = ssl.get_default_verify_paths()
        return f"Python's default certificates ({paths.cafile or paths.capath}){extra}"


def portal_check(url: str, token: str | None) -> str:
    """Whether the portal answers, how fast, and whether it accepts the token."""
    # With no token we still send the request: a 401 proves the portal is there.
    client = PortalClient(url, token or "", budget=min(budget_seconds(), _DOCTOR_BUDGET),
                          timeout=min(budget_seconds(), _DOCTOR_BUDGET))
    started = time.monotonic()
    try:
        practice = client.practice()
    except AuthError as exc:
        ms = (time.monotonic() - started) * 1000
        if token:
            return f"reachable ({ms:.0f} ms), but the token was not accepted " \
                   f"(HTTP {exc.status}). {messages_for(exc)}"
        return f"reachable ({ms:.0f} ms); no token to check"
    except PortalError as exc:
        ms = (time.monotonic() - started) * 1000
        return f"NOT REACHABLE after {ms:.0f} ms. {messages_for(exc)}"
    ms = (time.monotonic() - started) * 1000
    return f"reachable ({ms:.0f} ms); the token works for {practice.name} ({practice.id})"


def stripe_rows(url: str, token: str) -> list[tuple[str, str]]:
    """The linked Stripe account, in the same words as the account check page and
    ``status``; a portal that does not say is a line of the report, not its end."""
    client = PortalClient(url, token, budget=min(budget_seconds(), _DOCTOR_BUDGET),
                          timeout=min(budget_seconds(), _DOCTOR_BUDGET))
    try:
        link = client.stripe_link()
    except PortalError as exc:
        return [("Stripe", f"not checked. {messages_for(exc)}")]
    mode = "" if link.livemode else " (test mode)"
    if not link.linked or link.account is None:
        return [("Stripe", f"not linked{mode}")]
    lines = account_lines(link.account)
    rows = [("Stripe", f"linked{mode}; {lines[0]}")]
    return rows + [("", line) for line in lines[1:]]


def report(portal_url_arg: str | None) -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = [
        ("App", f"dentally-setup {__version__}"),
        ("Python", f"{platform.python_version()} ({platform.python_implementation()}), "
                   f"{sys.executable}"),
        ("OS", _safe(lambda: f"{platform.platform()} ({platform.machine()})")),
    ]
    qt, web = qt_versions()
    rows += [("Qt", qt), ("QtWebEngine", web)]

    raw_url, source = resolve_portal_url(portal_url_arg)
    if not raw_url:
        rows.append(("Portal address", "not set (use --portal-url, $DENTALLY_PORTAL_URL, or "
                                       "the setup assistant)"))
    else:
        try:
            url = check_portal_url(raw_url)
        except (PortalError, ValueError) as exc:
            reason = exc.message if isinstance(exc, PortalError) else str(exc)
            rows.append(("Portal address", f"{mask_url(raw_url)} (from {source}): cannot be "
                                           f"used: {reason}"))
        else:
            token, token_source = resolve_token(url)
            rows.append(("Portal address", f"{url} (from {source})"))
            rows.append(("API token", f"set (from {token_source})" if token else "not set"))
            try:
                rows.append(("Portal", portal_check(url, token)))
            except CliError as exc:
                rows.append(("Portal", f"not checked: {exc.message}"))
            else:
                if token:
                    rows += stripe_rows(url, token)

    rows.append(("Password store", _safe(_keyring_backend)))
    for i, line in enumerate(proxy_lines()):
        rows.append(("Proxy" if i == 0 else "", line))
    rows.append(("TLS trust", _safe(tls_trust)))
    rows += stripe_page_rows()
    rows += _folders()
    return rows


def stripe_page_rows() -> list[tuple[str, str]]:
    """The Support window's "Show Stripe's page" setting and the failure this PC remembers,
    in the same words as the Support window (flow/stripe_page.py)."""
    return describe(load_config(), os.environ.get("DENTALLY_WEBVIEW"))


def _keyring_backend() -> str:
    # Here, not at the top: 6.2 ms (median of 11) the other commands never need.
    from dentally_setup.store.secrets import backend_name

    return backend_name()


def _folders() -> list[tuple[str, str]]:
    return [
        ("Config folder", _safe(lambda: str(config_dir()))),
        ("State folder", _safe(lambda: str(state_dir()))),
        ("Data folder", _safe(lambda: str(data_dir()))),
        ("Log folder", _safe(lambda: str(log_dir()))),
    ]


def run(args: argparse.Namespace) -> int:
    rows = report(getattr(args, "portal_url", None))
    width = max(len(label) for label, _ in rows) + 1
    print("Dentally Setup diagnostics (no secrets are shown)")
    for label, value in rows:
        head = f"{label}:" if label else ""
        # redact() as a last guard: a proxy or error text must never carry a secret out.
        print(f"{head:<{width}} {redact(value)}")
    return EXIT_OK
