"""The support view's facts, redacted (flow.diagnostics)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from dentally_setup.flow.diagnostics import (
    as_text,
    collect,
    proxy_summary,
    reachability,
    trust_source,
)
from dentally_setup.flow.messages import Message
from dentally_setup.portal.client import PortalClient
from dentally_setup.redact import register_secret
from dentally_setup.sandbox import Sandbox

SECRET = "portal-token-Zq81kLm0Xy"
STRIPE_KEY = "sk_test_51HxAbCdEfGhIjKlMnOp"


def rows(**kw: Any) -> list[tuple[str, str]]:
    args: dict[str, Any] = {
        "qt_versions": [("Qt", "6.7.0"), ("PySide6", "6.7.0")],
        "page": "Stripe status",
        "history": ["Welcome", "Sign in to the portal", "Stripe status"],
        "portal_url": "https://portal.example/api",
        "portal_status": "reachable, 80 ms",
        "stripe_status": "reachable, 120 ms",
        "keyring_backend": "memory",
        "errors": [],
        "log_dir": "/home/reception/logs",
        "mode": "demo",
    }
    args.update(kw)
    return collect(**args)


def value(found: Sequence[tuple[str, str]], key: str) -> str:
    return dict(found)[key]


def test_rows_and_text() -> None:
    found = rows()
    assert [k for k, _ in found][:5] == ["App", "Python", "System", "Qt", "PySide6"]
    assert value(found, "App").endswith("(demo)")
    assert value(found, "Pages so far") == "Welcome → Sign in to the portal → Stripe status"
    assert value(found, "Errors") == "none this session"
    text = as_text(found)
    width = max(len(k) for k, _ in found)
    for line, (key, val) in zip(text.splitlines(), found, strict=True):
        assert line == f"{key.ljust(width)} : {val}"
    assert as_text([]) == ""


def test_empty_history_and_address() -> None:
    found = rows(history=[], portal_url="")
    assert value(found, "Pages so far") == "none"
    assert value(found, "Portal address") == "not set"


def test_last_eight_errors_only() -> None:
    errors = [(f"10:0{i}", Message(f"DS-{i}", f"Problem {i}.", "Next.")) for i in range(10)]
    found = rows(errors=errors)
    shown = [v for k, v in found if k.startswith("Error at")]
    assert shown == [f"DS-{i}: Problem {i}." for i in range(2, 10)]


def test_secrets_are_redacted() -> None:
    register_secret(SECRET)
    found = rows(
        portal_url=f"https://portal.example/api?key={STRIPE_KEY}",
        page=f"Sign in (token {SECRET})",
        errors=[("10:01", Message("DS-BUG", f"Stripe said {STRIPE_KEY} was wrong.", "Next.",
                                  details=SECRET)),
                ("10:02", Message("DS-401", f"Token {SECRET} refused.", "Next."))],
    )
    text = as_text(found)
    assert SECRET not in text
    assert STRIPE_KEY not in text and "51HxAbCdEfGhIjKlMnOp" not in text
    assert "sk_test_[redacted]" in text  # test or live still shows
    assert value(found, "Current page") == "Sign in (token [redacted])"
    assert "DS-BUG: Stripe said sk_test_[redacted] was wrong." in text


def test_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.practice.example:3128")
    summary = proxy_summary()
    assert "https=http://proxy.practice.example:3128" in summary
    assert value(rows(), "Proxy") == summary


def test_no_proxy_at_all(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    assert proxy_summary() == "none (direct connection)"


@pytest.mark.parametrize("proxy", [
    "http://reception:Pr0xyPassw0rd@proxy.practice.example:3128",
    "reception:Pr0xyPassw0rd@proxy.practice.example:3128",  # no scheme
    "http://reception:Pr0xy@Passw0rd@proxy.practice.example:3128",  # an @ in the password
])
def test_proxy_password_is_not_shown(monkeypatch: pytest.MonkeyPatch, proxy: str) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy)
    text = as_text(rows())
    assert "Passw0rd" not in text and "reception:" not in text
    assert "[redacted]@proxy.practice.example:3128" in value(rows(), "Proxy")


def test_trust_source_names_a_store() -> None:
    assert "certificate" in trust_source()


def test_reachability(make_sandbox: Callable[..., Sandbox],
                      client_for: Callable[..., PortalClient]) -> None:
    sb = make_sandbox("fresh")
    assert reachability(None) == "not signed in"
    assert reachability(client_for(sb)).startswith("reachable, ")
    wrong = PortalClient(sb.portal_url, "not-the-token", budget=2.0)
    assert reachability(wrong).startswith("problem: unauthorized after ")


def test_flow_imports_no_qt() -> None:
    code = (
        "import sys, pkgutil, importlib, dentally_setup.flow as f\n"
        "for m in pkgutil.iter_modules(f.__path__):\n"
        "    importlib.import_module('dentally_setup.flow.' + m.name)\n"
        "print([m for m in sys.modules if m.startswith(('PySide6', 'shiboken'))])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_stripe_reachability_against_the_imitation_and_a_closed_port(sandbox: Sandbox) -> None:
    from dentally_setup.flow.diagnostics import stripe_reachability

    assert stripe_reachability(sandbox.stripe_url + "/oauth/authorize").startswith("reachable")
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert stripe_reachability(f"http://127.0.0.1:{port}/", timeout=2).startswith("not reachable")
