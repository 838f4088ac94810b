from __future__ import annotations

from collections.abc import Callable

import pytest

from dentally_setup.portal.client import PortalClient
from dentally_setup.sandbox import Sandbox
from tests.sandbox.helpers import make_client


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox("fresh")


@pytest.fixture
def client(sb: Sandbox) -> PortalClient:
    return make_client(sb)

