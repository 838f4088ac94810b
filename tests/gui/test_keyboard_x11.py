"""Tab and Shift+Tab pass through Stripe's page and back to the app's buttons, in both
directions, with either way of showing the page: in the app's own process, and in the web
host (another process's window inside ours). Real key presses through a real X server
(Xvfb), from tab_driver.py, which runs the wizard on X11 and reports where each key left the
keyboard: in the page (which control) or in the app (which widget)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.gui.test_web_host_x11 import free_display

pytestmark = [pytest.mark.linux_only(reason="real key presses through X11, under Xvfb"),
              pytest.mark.needs_program("Xvfb", reason="scripts/bootstrap installs it")]

# Where the keyboard is when it is in the app: a button of the app, not the page's place.
NOT_A_BUTTON = ("", "Stripe's page", "QWidget")


@pytest.mark.parametrize("browser", ["inline", "process"])
def test_tab_and_shift_tab_go_through_stripes_page_and_back(browser: str, tmp_path: Path,
                                                           qtbot: Any) -> None:
    n = free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        qtbot.waitUntil(lambda: Path(f"/tmp/.X11-unix/X{n}").exists(), timeout=10000)
        env = {k: v for k, v in os.environ.items()
               if k not in ("QT_QPA_PLATFORM", "DBUS_SESSION_BUS_ADDRESS")}
        env.update(DISPLAY=f":{n}", DENTALLY_WEBVIEW=browser,
                   DENTALLY_SETUP_HOME=str(tmp_path / "home"))
        run = subprocess.run([sys.executable, "-m", "tests.gui.tab_driver"], env=env,
                             capture_output=True, text=True, timeout=150, check=False)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
    seen = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert run.returncode == 0 and seen[-1] == {"done": True}, (seen, run.stderr[-3000:])
    last = {s["phase"]: s for s in seen if "phase" in s}  # where each phase ended
    presses = [s["phase"] for s in seen if "phase" in s]

    assert last["into"]["page"] == "email", seen  # Tab enters at the page's first control
    # Tab goes through the page's three controls and out: no going round inside it.
    assert presses.count("through") == 3, seen
    # ...to the button below it, as on screen (not to the end of the window's Tab order).
    assert last["through"] == dict(last["through"], page="",
                                   app="Open Stripe's page in my web browser instead"), seen
    assert last["back in"]["page"] == "sign-in", seen  # Shift+Tab enters at its last control
    assert presses.count("back out") == 3, seen
    assert last["back out"]["page"] == "" and last["back out"]["app"] not in NOT_A_BUTTON, seen
    assert last["in again"]["page"] == "email", seen
    if browser == "process":
        assert last["F6"]["page"] == "" and last["F6"]["app"] not in NOT_A_BUTTON, seen
        assert last["after F6"]["page"] == "sign-in", seen
