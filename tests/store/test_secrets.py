from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from dentally_setup.redact import redact
from dentally_setup.store import secrets
from dentally_setup.store.secrets import (
    MESSAGE_NO_STORE,
    NO_BACKEND,
    SecretStore,
    find_secrets,
    looks_like_secret_key,
)

URL = "https://portal.example"


def test_saved_to_keyring_and_read_back(memory_keyring) -> None:
    store = SecretStore()
    result = store.set_token(URL, "tok_abcdef123456")
    assert result.saved_to_keyring and result.message is None and not result.show_warning
    assert memory_keyring.store == {("DentallySetup", URL): "tok_abcdef123456"}
    # A fresh store (next run) reads it from the keyring; a trailing slash is the same portal.
    assert SecretStore().get_token(URL + "/") == "tok_abcdef123456"


def test_token_is_registered_for_redaction(memory_keyring) -> None:
    SecretStore().set_token(URL, "tok_abcdef123456")
    assert redact("oops tok_abcdef123456 leaked") == "oops [redacted] leaked"


def test_delete(memory_keyring) -> None:
    store = SecretStore()
    store.set_token(URL, "tok_abcdef123456")
    store.delete_token(URL)
    assert store.get_token(URL) is None
    store.delete_token(URL)  # already gone: no error


def test_missing_token_is_none(memory_keyring) -> None:
    assert SecretStore().get_token(URL) is None


def test_backend_name(memory_keyring) -> None:
    name = SecretStore().backend_name()
    assert name and name != NO_BACKEND


def test_no_backend_falls_back_to_memory_and_says_so_once(no_keyring) -> None:
    store = SecretStore()
    assert store.backend_name() == NO_BACKEND
    assert store.get_token(URL) is None
    first = store.set_token(URL, "tok_abcdef123456")
    assert not first.saved_to_keyring and first.show_warning and first.message == MESSAGE_NO_STORE
    assert store.warning_shown
    assert store.get_token(URL) == "tok_abcdef123456"
    second = store.set_token("https://other.example", "tok_zyxwvu654321")
    assert not second.saved_to_keyring and not second.show_warning and second.message
    store.delete_token(URL)
    assert store.get_token(URL) is None


def test_empty_chainer_counts_as_no_backend(monkeypatch) -> None:
    import keyring
    from keyring.backends import chainer

    old = keyring.get_keyring()
    monkeypatch.setattr(chainer.ChainerBackend, "backends", property(lambda self: []))
    keyring.set_keyring(chainer.ChainerBackend())
    try:
        assert SecretStore().backend_name() == NO_BACKEND
        assert not SecretStore().set_token(URL, "tok_abcdef123456").saved_to_keyring
    finally:
        keyring.set_keyring(old)


class _Failing:
    """A backend whose writes fail, like a Credential Manager blocked by policy."""

    priority = 1

    def get_password(self, service: str, username: str) -> str | None:
        raise RuntimeError("boom")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise RuntimeError(f"cannot store {password}")

    def delete_password(self, service: str, username: str) -> None:
        raise RuntimeError("boom")


@pytest.fixture
def failing_keyring() -> Iterator[object]:
    import keyring
    import keyring.backend

    class Backend(_Failing, keyring.backend.KeyringBackend):
        pass

    old = keyring.get_keyring()
    keyring.set_keyring(Backend())
    try:
        yield
    finally:
        keyring.set_keyring(old)


def test_failing_backend_falls_back_without_crashing(failing_keyring, caplog) -> None:
    store = SecretStore()
    assert store.get_token(URL) is None
    result = store.set_token(URL, "tok_abcdef123456")
    assert not result.saved_to_keyring and result.message and result.show_warning
    assert store.get_token(URL) == "tok_abcdef123456"
    store.delete_token(URL)
    assert "tok_abcdef123456" not in caplog.text


@pytest.fixture
def hanging_keyring() -> Iterator[threading.Event]:
    import keyring
    import keyring.backend

    release = threading.Event()

    class Backend(keyring.backend.KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            release.wait()
            return None

        def set_password(self, service: str, username: str, password: str) -> None:
            release.wait()

        def delete_password(self, service: str, username: str) -> None:
            release.wait()

    old = keyring.get_keyring()
    keyring.set_keyring(Backend())
    try:
        yield release
    finally:
        release.set()  # let the abandoned helper threads finish
        keyring.set_keyring(old)


def test_hung_keyring_returns_within_the_timeout(hanging_keyring) -> None:
    store = SecretStore(timeout=0.2)
    started = time.monotonic()
    assert store.get_token(URL) is None
    assert time.monotonic() - started < 2.0
    # After one timeout the store is treated as unavailable: no second wait.
    started = time.monotonic()
    result = store.set_token(URL, "tok_abcdef123456")
    assert time.monotonic() - started < 0.1
    assert not result.saved_to_keyring and result.show_warning and result.message
    assert store.get_token(URL) == "tok_abcdef123456"
    assert "did not answer" in store.backend_name()


def test_hung_set_password_falls_back(hanging_keyring) -> None:
    store = SecretStore(timeout=0.2)
    # Pretend the backend lookup is quick but the write hangs.
    started = time.monotonic()
    result = store.set_token(URL, "tok_abcdef123456")
    assert time.monotonic() - started < 2.0
    assert not result.saved_to_keyring


def test_module_level_functions_share_one_store(memory_keyring, monkeypatch) -> None:
    monkeypatch.setattr(secrets, "_default_store", None)
    assert secrets.set_token(URL, "tok_abcdef123456").saved_to_keyring
    assert secrets.get_token(URL) == "tok_abcdef123456"
    assert secrets.backend_name() != NO_BACKEND
    secrets.delete_token(URL)
    assert secrets.get_token(URL) is None
    assert secrets.default_store() is secrets.default_store()


@pytest.mark.parametrize(("name", "secret"), [
    ("token", True), ("portal_token", True), ("client_secret", True), ("password", True),
    ("Authorization", True), ("auth_code", True), ("code", True), ("state", True),
    ("step", False), ("zip_code", False), ("idempotency_key", False), ("etag", False),
    ("statement", False), ("default", False),
])
def test_secret_key_names(name: str, secret: bool) -> None:
    assert looks_like_secret_key(name) is secret


def test_flags_about_tokens_are_not_tokens() -> None:
    assert find_secrets({"remember_token": True, "state": None}) == []
    assert find_secrets({"a": [{"token": "x"}]}) == ["a[0].token"]
