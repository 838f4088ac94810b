"""Fixtures for the store tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dentally_setup.redact import clear_registered_secrets


@pytest.fixture(autouse=True)
def _forget_registered_secrets() -> Iterator[None]:
    # The secrets store registers every token it handles; keep that from leaking into
    # other tests' redaction.
    yield
    clear_registered_secrets()


@pytest.fixture
def no_keyring() -> Iterator[object]:
    """A keyring with no backend at all, as on a locked-down PC or a bare Linux box."""
    import keyring
    from keyring.backends import fail

    old = keyring.get_keyring()
    backend = fail.Keyring()
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.set_keyring(old)
