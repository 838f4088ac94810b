"""Fixtures every test shares: an isolated home for config/state/logs, an in-memory
keyring, and (lazily) a running sandbox."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import platform_marks

# Qt and Chromium settings must be in place before anything imports PySide6.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_flags = "--disable-gpu --log-level=3"
if sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0:
    _flags += " --no-sandbox"
os.environ.setdefault("QTWEBENGINE_CHROMIUM_FLAGS", _flags)
os.environ.setdefault("QT_LOGGING_RULES", "qt.webenginecontext.debug=false")

try:  # QtWebEngine needs this before any QApplication exists (pytest-qt makes one lazily)
    from PySide6.QtCore import QCoreApplication, Qt

    if QCoreApplication.instance() is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
except ImportError:  # pragma: no cover - PySide6 is a test dependency
    pass


class MemoryKeyring:
    """A keyring backend that keeps secrets in a dict (tests only)."""

    priority = 100

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.store.pop((service, username), None)


def _make_backend() -> object:
    import keyring.backend

    class _Backend(MemoryKeyring, keyring.backend.KeyringBackend):
        pass

    return _Backend()


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every config, state, data and log folder at a temporary directory."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("DENTALLY_SETUP_HOME", str(home))
    for var in ("DENTALLY_PORTAL_URL", "DENTALLY_PORTAL_TOKEN", "HTTP_PROXY", "HTTPS_PROXY",
                "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return home


@pytest.fixture
def memory_keyring() -> Iterator[object]:
    """Install an in-memory keyring backend for the test, restoring the old one after."""
    import keyring

    old = keyring.get_keyring()
    backend = _make_backend()
    keyring.set_keyring(backend)  # type: ignore[arg-type]
    try:
        yield backend
    finally:
        keyring.set_keyring(old)


@pytest.fixture
def make_sandbox(tmp_path: Path) -> Iterator[Any]:
    """Start sandboxes (each in its own folder, stopped after the test); each call may pick
    a scenario and any Sandbox option."""
    from dentally_setup.sandbox import Sandbox

    started: list[Sandbox] = []

    def make(scenario: str = "fresh", **kwargs: Any) -> Sandbox:
        kwargs.setdefault("state_dir", tmp_path / f"sandbox-{len(started)}")
        sb = Sandbox(scenario=scenario, **kwargs)
        sb.start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def sandbox(make_sandbox: Any) -> object:
    """A running sandbox (portal + Stripe imitation) with the `fresh` scenario."""
    return make_sandbox("fresh")


# Tests for one platform only: markers registered in pyproject.toml, the rules in
# tests/platform_marks.py (skipped elsewhere with the reason shown by -ra, never quietly).
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    platform_marks.check_collected(items)


def pytest_runtest_setup(item: pytest.Item) -> None:
    platform_marks.check_item(item)
