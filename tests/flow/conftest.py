"""Fixtures for the flow tests: sandboxes in any scenario, and real portal clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from dentally_setup.portal.client import PortalClient
from dentally_setup.sandbox import Sandbox
from tests.altering_proxy import altering_proxies
from tests.sandbox.helpers import make_client


@pytest.fixture
def linked(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """The portal already linked to a ready Stripe account; site_1 has settings."""
    return make_sandbox("already-linked")


@pytest.fixture
def client_for() -> Callable[..., PortalClient]:
    """A real portal client with short timeouts (see tests.sandbox.helpers.make_client)."""

    def make(sb: Sandbox, **kwargs: Any) -> PortalClient:
        client: PortalClient = make_client(sb, **kwargs)
        return client

    return make


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    """Secrets registered by one test must not redact text in the next."""
    from dentally_setup.redact import clear_registered_secrets

    clear_registered_secrets()
    yield
    clear_registered_secrets()



@pytest.fixture
def altering_proxy() -> Iterator[Callable[..., str]]:
    """``altering_proxy(sandbox, balances_enabled=False)`` -> a portal URL whose PUT
    answers say the site holds that, whatever was sent (see tests.altering_proxy)."""
    with altering_proxies() as start:
        yield start
