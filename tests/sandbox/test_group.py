"""The `group` scenario and the sandbox's --sites / --types / --latency options."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from dentally_setup.cli.main import main
from dentally_setup.flow.parallel import MAX_JOBS
from dentally_setup.sandbox import Sandbox
from dentally_setup.sandbox.group import group_sites, group_types
from dentally_setup.sandbox.httpbase import _Handler, _Server
from dentally_setup.sandbox.scenarios import build_state
from dentally_setup.settings.validate import validate_settings
from tests.sandbox.helpers import make_client


def test_group_scenario_is_a_linked_group_with_some_sites_set_differently(tmp_path: Path
                                                                          ) -> None:
    with Sandbox("group", tmp_path) as sb:
        client = make_client(sb)
        practice = client.practice()
        types = client.appointment_types()
        assert len(practice.sites) == 40 and len(types) == 60
        assert client.stripe_link().status == "linked"
        names = [s.name for s in practice.sites]
        assert len(set(names)) == 40 and names[0] == "Brightwater – Harrogate"
        type_names = [t.name for t in types]
        assert len(set(type_names)) == 60
        assert {"New patient exam", "Hygiene 30 min", "Emergency appointment",
                "Invisalign consultation"} <= set(type_names)
        settings = {s.id: client.payment_settings(s.id).settings for s in practice.sites}
    deposits_on = [sid for sid, s in settings.items() if s.deposits_enabled]
    balances_on = [sid for sid, s in settings.items() if s.balances_enabled]
    # A few sites differ; most start with everything off.
    assert 3 <= len(deposits_on) <= 8 and 2 <= len(balances_on) <= 6
    for sid in deposits_on:
        # What the web admin set passes the portal's own rules.
        assert validate_settings(settings[sid], types, practice.currency) == []


def test_generated_names_are_deterministic_and_unique_at_any_size() -> None:
    assert group_sites(200) == group_sites(200)
    assert len({s["name"] for s in group_sites(400)}) == 400
    types = group_types(300)
    assert len({t["id"] for t in types}) == 300 and len({t["name"] for t in types}) == 300
    assert all(t["price_minor"] is None or t["price_minor"] % 100 == 0 for t in types)


def test_sites_and_types_resize_any_scenario() -> None:
    state = build_state("fresh", sites=200, types=64)
    assert len(state["practice"]["sites"]) == 200 and len(state["settings"]) == 200
    assert len(state["appointment_types"]) == 64
    assert len(build_state("already-linked", sites=3)["practice"]["sites"]) == 3


def test_latency_holds_every_request(tmp_path: Path) -> None:
    with Sandbox("fresh", tmp_path, latency=0.2) as sb:
        client = make_client(sb)
        started = time.perf_counter()
        client.practice()
        assert time.perf_counter() - started >= 0.2


def test_sandbox_command_takes_the_group_size(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--sites", "200", "--types", "64", "--latency", "0.05",
                 "--print-and-exit", "--state-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "200 sites, 64 appointment types, every request answered after 0.05 s" in out
    assert main(["sandbox", "--sites", "0", "--print-and-exit"]) == 2
    assert "--sites must be a whole number from 1 to 1000" in capsys.readouterr().err
    assert main(["sandbox", "--latency", "-1", "--print-and-exit"]) == 2
    assert "--latency must be between 0 and 60 seconds" in capsys.readouterr().err


def test_the_portal_queues_a_burst_of_connections_instead_of_dropping_them() -> None:
    # A group's reads connect 2 x --jobs at once (up to 16); while the accepting thread
    # waits for the GIL they queue in the listen backlog. With socketserver's backlog of 5
    # the kernel dropped the rest and each client waited a second to try again. Nothing
    # accepts here, so only the backlog can hold them: with 5, the 7th connect times out.
    server = _Server(("127.0.0.1", 0), _Handler)
    socks: list[socket.socket] = []
    try:
        for _ in range(2 * MAX_JOBS):
            socks.append(socket.create_connection(server.server_address[:2], timeout=5))
    finally:
        for s in socks:
            s.close()
        server.server_close()
    assert len(socks) == 2 * MAX_JOBS
