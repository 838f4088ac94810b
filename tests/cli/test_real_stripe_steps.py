"""The README's steps for running the sandbox portal against real Stripe test mode, checked
as far as they can be without a Stripe platform or the internet: the commands and options
exist, the credentials are read from the documented variables, the redirect URI printed is
the one the README says to register, and the authorize URL the portal hands out is real
Stripe's with that redirect URI."""

from __future__ import annotations

import re
import shlex
import socket
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from dentally_setup.app import gui_parser
from dentally_setup.cli.main import build_parser, main
from dentally_setup.portal.client import check_portal_url
from dentally_setup.sandbox import ENV_CLIENT_ID, ENV_KEY, Sandbox
from tests.sandbox.helpers import make_client

README = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
SECTION = README[README.index("### Against real Stripe test mode"):]
SECTION = SECTION[:SECTION.index("\n## ")]
FAKE_KEY = "sk_test_0000000000000000000000000000"  # shaped like one; never sent anywhere
FAKE_CLIENT = "ca_00000000000000000000000000000000"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_documented_commands_and_options_exist() -> None:
    sandbox_line = next(line.strip() for line in SECTION.splitlines()
                        if line.strip().startswith("dentally-setup sandbox"))
    args = build_parser().parse_args(shlex.split(sandbox_line)[1:])
    assert args.port == 8765 and args.scenario == "fresh" and args.reset
    gui_line = re.search(r"`(dentally-setup --portal-url [^`]+)`", SECTION)
    assert gui_line is not None
    gui_args = gui_parser().parse_args(shlex.split(gui_line.group(1))[1:])
    assert gui_args.portal_url == "http://127.0.0.1:8765/api" and not gui_args.demo
    # The app accepts that http:// address (this computer only).
    assert check_portal_url(gui_args.portal_url).startswith("http://127.0.0.1:8765")
    for name in (ENV_KEY, ENV_CLIENT_ID):
        assert f"export {name}=" in SECTION


def test_the_printed_redirect_uri_is_the_one_to_register(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    documented = re.search(r"`(http://127\.0\.0\.1:8765/stripe/callback)`", SECTION)
    assert documented is not None
    port = _free_port()
    monkeypatch.setenv(ENV_KEY, FAKE_KEY)
    monkeypatch.setenv(ENV_CLIENT_ID, FAKE_CLIENT)
    assert main(["sandbox", "--scenario", "fresh", "--reset", "--port", str(port),
                 "--state-dir", str(tmp_path), "--print-and-exit"]) == 0
    out = capsys.readouterr().out
    expected = documented.group(1).replace("8765", str(port))
    assert f"Redirect URI:     {expected}" in out
    assert f"Portal URL:       http://127.0.0.1:{port}/api" in out
    assert FAKE_KEY not in out


def test_a_live_key_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENV_KEY, "sk_live_" + "0" * 24)
    monkeypatch.setenv(ENV_CLIENT_ID, FAKE_CLIENT)
    assert main(["sandbox", "--state-dir", str(tmp_path), "--print-and-exit"]) != 0
    assert "test mode" in capsys.readouterr().err


@pytest.mark.parametrize("landing", ["login", "register"])
def test_the_portal_sends_the_browser_to_real_stripe(tmp_path: Path, landing: str) -> None:
    sb: Any = Sandbox("fresh", tmp_path, stripe_secret_key=FAKE_KEY,
                      stripe_client_id=FAKE_CLIENT, portal_port=_free_port(), reset=True)
    sb.start()
    try:
        prefill = {"email": "owner@riverside.example"} if landing == "register" else None
        session = make_client(sb).create_link_session(landing=landing, prefill=prefill)
        redirect_uri = sb.redirect_uri
    finally:
        sb.stop()
    url = urllib.parse.urlsplit(session.authorize_url)
    query = dict(urllib.parse.parse_qsl(url.query))
    assert (url.scheme, url.netloc, url.path) == ("https", "connect.stripe.com",
                                                  "/oauth/authorize")
    assert query["client_id"] == FAKE_CLIENT and query["scope"] == "read_write"
    assert query["redirect_uri"] == redirect_uri == session.redirect_uri
    assert query["stripe_landing"] == landing
    assert ("stripe_user[email]" in query) is (landing == "register")
