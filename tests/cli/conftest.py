"""Fixtures for the CLI tests: a linked sandbox and the environment pointing at it."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

POLICY = """\
[deposits]
enabled = true
default = "25.00"
[deposits.appointment_types]
"New patient exam" = "40.00"
"Hygiene" = "0"
[balances]
enabled = true
[invoices]
enabled = true
"""


@pytest.fixture
def linked(tmp_path: Path) -> Iterator[Any]:
    """A running sandbox whose portal is already linked to a ready Stripe account."""
    from dentally_setup.sandbox import Sandbox

    sb = Sandbox(scenario="already-linked", state_dir=tmp_path / "sandbox-linked")
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def use_portal(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Point the CLI at a sandbox through the environment, as a script would."""

    def _use(sb: Any, token: str | None = None) -> None:
        monkeypatch.setenv("DENTALLY_PORTAL_URL", sb.portal_url)
        monkeypatch.setenv("DENTALLY_PORTAL_TOKEN", token or sb.token)
        monkeypatch.setenv("DENTALLY_PORTAL_BUDGET", "5")

    return _use


@pytest.fixture
def policy_file(tmp_path: Path) -> Callable[..., Path]:
    def _write(text: str = POLICY, name: str = "policy.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def closed_port_url() -> str:
    """An address on this computer where nothing listens (connection refused at once)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/api"
