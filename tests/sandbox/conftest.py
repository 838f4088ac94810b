from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dentally_setup.portal.client import PortalClient
from dentally_setup.sandbox import Sandbox
from tests.sandbox.helpers import make_client


@pytest.fixture
def make_sandbox(tmp_path: Path) -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes (stopped after the test); each call may pick a scenario."""
    started: list[Sandbox] = []

    def make(scenario: str = "fresh", **kwargs: Any) -> Sandbox:
        kwargs.setdefault("state_dir", tmp_path / "sandbox-state")
        sb = Sandbox(scenario=scenario, **kwargs)
        sb.start()
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()


@pytest.fixture
def sb(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox("fresh")


@pytest.fixture
def client(sb: Sandbox) -> PortalClient:
    return make_client(sb)

