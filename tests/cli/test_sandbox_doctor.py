from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from dentally_setup import __version__
from dentally_setup.cli.main import main


def test_sandbox_print_and_exit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--print-and-exit", "--state-dir", str(tmp_path / "sb")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"Portal URL: +http://127\.0\.0\.1:\d+", out)
    assert "DENTALLY_PORTAL_URL=http://127.0.0.1:" in out and "dentally-setup status" in out
    assert "Sandbox stopped." in out


def test_sandbox_default_state_dir_is_app_data(isolated_home: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--print-and-exit"]) == 0
    assert str(isolated_home / "data" / "sandbox") in capsys.readouterr().out


def test_sandbox_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sandbox", "--scenario", "nope", "--print-and-exit"]) == 2
    err = capsys.readouterr().err
    assert "no sandbox scenario called 'nope'" in err and "already-linked" in err
    assert main(["sandbox", "--faults", "explode:3", "--print-and-exit"]) == 2
    assert "--faults:" in capsys.readouterr().err


@pytest.mark.posix_only(reason="Windows cannot send Ctrl+C to one child process: "
                        "GenerateConsoleCtrlEvent reaches every process on the console")
def test_sandbox_subprocess_serves_until_sigterm(tmp_path: Path, monkeypatch: Any,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    env = dict(os.environ, PYTHONUNBUFFERED="1", DENTALLY_SETUP_HOME=str(tmp_path / "home"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "dentally_setup.cli.main", "sandbox",
         "--scenario", "already-linked", "--state-dir", str(tmp_path / "sb")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8", env=env,
    )
    watchdog = threading.Timer(60, proc.kill)  # never hang the suite if it misbehaves
    watchdog.start()
    try:
        assert proc.stdout is not None
        seen: dict[str, str] = {}
        for line in proc.stdout:
            if line.startswith("Portal URL:"):
                seen["url"] = line.split(":", 1)[1].strip()
            elif line.startswith("Token:"):
                seen["token"] = line.split(":", 1)[1].split()[0]
            elif line.startswith("Press Ctrl+C"):
                break
        assert "url" in seen and "token" in seen, proc.stderr.read() if proc.stderr else ""
        monkeypatch.setenv("DENTALLY_PORTAL_URL", seen["url"])
        monkeypatch.setenv("DENTALLY_PORTAL_TOKEN", seen["token"])
        assert main(["status", "--json"]) == 0
        data = json.loads(capsys.readouterr().out)
        assert data["stripe"]["status"] == "linked"

        proc.send_signal(signal.SIGTERM if sys.platform != "win32" else signal.CTRL_C_EVENT)
        out, err = proc.communicate(timeout=30)
    finally:
        watchdog.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Sandbox stopped." in out
    assert "Traceback" not in err


def test_doctor_against_sandbox(linked: Any, use_portal: Any,
                                capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert f"dentally-setup {__version__}" in out
    assert "Python:" in out and "OS:" in out and "Qt:" in out and "QtWebEngine:" in out
    assert f"{linked.portal_url} (from DENTALLY_PORTAL_URL)" in out
    assert "API token:" in out and "set (from DENTALLY_PORTAL_TOKEN)" in out
    assert re.search(r"Portal: +reachable \(\d+ ms\); the token works", out)
    assert "Password store:" in out and "TLS trust:" in out and "Log folder:" in out
    assert linked.token not in out
    # The linked account in the account check page's words.
    assert re.search(r"Stripe: +linked \(test mode\); Account: Riverside Dental Practice "
                     r"\(acct_", out)
    assert "This Stripe account can take payments." in out


def test_doctor_wrong_token_and_proxy_credentials(linked: Any, use_portal: Any,
                                                  monkeypatch: Any,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked, token="s3cret-wrong-token")
    monkeypatch.setenv("HTTPS_PROXY", "http://alice:pr0xyPass@proxy.practice.example:8080")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "token was not accepted" in out
    assert "***@proxy.practice.example:8080" in out
    assert "pr0xyPass" not in out and "s3cret-wrong-token" not in out


def test_doctor_unreachable_and_no_token(closed_port_url: str, monkeypatch: Any,
                                         memory_keyring: object,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DENTALLY_PORTAL_BUDGET", "1")
    assert main(["doctor", "--portal-url", closed_port_url]) == 0
    out = capsys.readouterr().out
    assert "API token:" in out and "not set" in out
    assert "NOT REACHABLE" in out


def test_doctor_without_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["doctor"]) == 0
    assert "Portal address: not set" in capsys.readouterr().out
