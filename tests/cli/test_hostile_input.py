"""`settings apply` given things that are not policy files (a FIFO, /dev/zero, a huge file,
arrays thousands deep, a number thousands of digits long), and text with control
characters from the portal or the file: each ends in plain words, nothing hangs, and no
terminal escape reaches the terminal."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dentally_setup.cli.main import main
from dentally_setup.flow.messages import for_portal_error
from dentally_setup.portal.errors import PortalError
from tests.cli.conftest import POLICY

ESC = "\x1b"


def _apply(path: Path | str) -> int:
    return main(["settings", "apply", str(path), "--site", "site_1", "--dry-run"])


@pytest.mark.posix_only(reason="FIFOs are POSIX only")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    fifo = tmp_path / "policy.toml"
    os.mkfifo(fifo)
    result: list[int] = []
    done = threading.Event()

    def run() -> None:
        result.append(_apply(fifo))
        done.set()

    threading.Thread(target=run, daemon=True).start()
    if not done.wait(10):
        # Opened for reading, the FIFO blocks until a writer comes: be the writer so the
        # test ends, then fail.
        with open(fifo, "wb"):
            pass
        pytest.fail("settings apply waited on a FIFO")
    assert result == [2]
    assert "not an ordinary file" in capsys.readouterr().err


@pytest.mark.posix_only(reason="/dev/zero is POSIX")
def test_dev_zero_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert _apply("/dev/zero") == 2
    assert "not an ordinary file" in capsys.readouterr().err


def test_a_file_over_a_megabyte_is_refused_unread(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    big = tmp_path / "big.toml"
    big.write_text(POLICY + "# " + "x" * (1024 * 1024) + "\n", encoding="utf-8")
    assert _apply(big) == 2
    err = capsys.readouterr().err
    assert "at most 1 MB" in err and "Traceback" not in err


def test_a_file_of_exactly_a_megabyte_is_still_read(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "padded.toml"
    padding = 1024 * 1024 - len(POLICY.encode()) - 1
    path.write_text(POLICY + "#" * padding + "\n", encoding="utf-8")
    assert path.stat().st_size == 1024 * 1024
    # It gets past the file checks (and fails later, for want of a portal address).
    assert _apply(path) == 2
    err = capsys.readouterr().err
    assert "1 MB" not in err and "portal address" in err


@pytest.mark.parametrize(("text", "words"), [
    ("x = " + "[" * 3000 + "]" * 3000 + "\n", "far too deeply"),
    ("[deposits]\nenabled = true\ndefault = " + "9" * 5000 + "\n", "far too long"),
])
def test_a_file_built_to_break_the_parser_is_a_plain_usage_error(
    policy_file: Any, capsys: pytest.CaptureFixture[str], text: str, words: str
) -> None:
    assert _apply(policy_file(text)) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and "DS-BUG" not in err


def test_a_huge_but_parsable_amount_is_a_plain_usage_error(
    linked: Any, use_portal: Any, policy_file: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # 4,299 digits: tomllib reads it, but amount * 100 would have too many digits to print.
    use_portal(linked)
    text = POLICY.replace('default = "25.00"', "default = " + "9" * 4299)
    assert _apply(policy_file(text)) == 2
    err = capsys.readouterr().err
    assert "deposits.default" in err and "Traceback" not in err and "DS-BUG" not in err


# ---- control characters ----------------------------------------------------------------

def test_control_characters_from_the_portal_are_escaped_in_cli_output(
    linked: Any, use_portal: Any, policy_file: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    use_portal(linked)
    with linked.world.lock:
        linked.world.practice["sites"][0]["name"] = f"High{ESC}]0;pwned\x07 St\u202e"
        linked.world.appointment_types[2]["name"] = f"Hy{ESC}[2Jgiene"
    assert main(["status"]) == 0
    # TOML spells the ESC as \u001b; it names the portal's type, ESC and all.
    policy = policy_file(POLICY.replace('"Hygiene"', '"Hy\\u001b[2Jgiene"'))
    assert main(["settings", "apply", str(policy), "--site", "site_1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert ESC not in out and "\x07" not in out and "\u202e" not in out
    assert "High\\u001b]0;pwned\\u0007 St\\u202e" in out
    assert "Hy\\u001b[2Jgiene" in out


def test_control_characters_in_a_policy_key_are_escaped(
    linked: Any, use_portal: Any, policy_file: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    use_portal(linked)
    # An unknown appointment type whose name (TOML escapes) hides text with ESC [8m.
    text = POLICY.replace('"Hygiene"', '"Evil\\u001b[8m hidden\\u001b[0m"')
    assert _apply(policy_file(text)) == 2
    err = capsys.readouterr().err
    assert ESC not in err and "Evil\\u001b[8m hidden" in err


def test_status_json_stays_valid_json_with_control_characters(
    linked: Any, use_portal: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    use_portal(linked)
    name = f"A{ESC}B\u0085C\u202eD"
    with linked.world.lock:
        linked.world.practice["sites"][0]["name"] = name
    assert main(["status", "--json"]) == 0
    out = capsys.readouterr().out
    assert ESC not in out and "\u0085" not in out and "\u202e" not in out
    assert json.loads(out)["practice"]["sites"][0]["name"] == name


def test_control_characters_in_a_portal_message_are_escaped_in_the_flow_message() -> None:
    exc = PortalError("weird", f"Nope{ESC}[31m red\r\n", status=418)
    for surface in ("gui", "cli"):
        msg = for_portal_error(exc, surface)  # type: ignore[arg-type]
        for text in (msg.text, msg.details, msg.for_support()):
            assert ESC not in text and "\r" not in text
        assert "Nope\\u001b[31m red\\u000d\\u000a" in msg.text


class _RedirectAway(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(302)
        self.send_header("Location", "http://127.0.0.2:9/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def test_a_portal_redirecting_elsewhere_exits_4_naming_the_address(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _RedirectAway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("DENTALLY_PORTAL_URL", f"http://127.0.0.1:{server.server_address[1]}")
        monkeypatch.setenv("DENTALLY_PORTAL_TOKEN", "tok-123456")
        assert main(["status"]) == 4
    finally:
        server.shutdown()
        server.server_close()
    err = capsys.readouterr().err
    assert "[DS-REDIR]" in err and "http://127.0.0.2:9/elsewhere" in err


def test_control_characters_in_a_link_error_are_escaped_in_the_flow_message() -> None:
    from dentally_setup.flow.messages import for_link

    msg = for_link("failed", f"odd{ESC}", f"Stripe said {ESC}]52;c;evil\x07")
    assert ESC not in msg.details and "\x07" not in msg.details
    assert "odd\\u001b" in msg.details and "Stripe said \\u001b]52;c;evil\\u0007" in msg.details
