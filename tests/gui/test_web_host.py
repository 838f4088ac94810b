"""Stripe's page in its own process: it ends (with every Chromium process) when the page is
left, when the app is killed, or when it crashes; it is started ahead of time and dropped
when not needed; and only the process the app started may speak for it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import psutil
import pytest
from PySide6.QtCore import Qt

from dentally_setup.flow.steps import Step
from dentally_setup.gui.stripe_page import app_side_process as webhost_process
from dentally_setup.gui.stripe_page.app_side_process import WebHostProcess
from dentally_setup.gui.stripe_page.app_side_remote import RemoteLinkBrowser

LEFT = Qt.MouseButton.LeftButton
WEBENGINE_LIB = "libQt6WebEngineCore"
pytestmark = pytest.mark.linux_only(reason="reads process trees and memory maps the Linux way")


def gone(pid: int) -> bool:
    """Ended (a zombie waiting for a parent that does not reap it has ended too)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def web_tree(pid: int) -> list[int]:
    try:
        proc = psutil.Process(pid)
        return [pid, *(p.pid for p in proc.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def chromium_children(pid: int) -> list[psutil.Process]:
    try:
        return [p for p in psutil.Process(pid).children(recursive=True)
                if "QtWebEngine" in p.name()]
    except psutil.NoSuchProcess:
        return []


def maps_webengine(pid: int) -> bool:
    return any(WEBENGINE_LIB in m.path for m in psutil.Process(pid).memory_maps())


def test_stripes_page_runs_in_a_web_host_that_ends_when_the_page_is_left(make_wizard):
    h = make_wizard()
    h.go_to_link_page()
    browser = h.wait_stripe_page("signin")
    assert isinstance(browser, RemoteLinkBrowser)
    # The host painted the page it loaded, so the app's check keeps it (no fallback).
    h.qtbot.waitUntil(lambda: browser._watch._painted, timeout=20000)
    assert browser._local is None
    host = browser.host.pid
    h.qtbot.waitUntil(lambda: len(chromium_children(host)) >= 1, timeout=20000)
    assert maps_webengine(host)
    # Commands and answers cross the process boundary.
    assert "Sign in" in h.run_js_and_wait(browser, "document.body.innerText")
    assert browser.current_host() == h.sandbox.stripe_url.split("//", 1)[1].rstrip("/")
    pictured: list[bool] = []
    browser.snapshot(lambda: pictured.append(True))
    h.qtbot.waitUntil(lambda: bool(pictured), timeout=10000)
    image = browser._holder.image
    assert image is not None and not image.isNull() and image.width() > 100
    tree = web_tree(host)
    assert len(tree) >= 2
    h.qtbot.mouseClick(h.wizard.button(h.wizard.WizardButton.BackButton), LEFT)
    h.wait_step(Step.STRIPE_STATUS)
    h.qtbot.waitUntil(lambda: all(gone(pid) for pid in tree), timeout=15000)


def _link_completes_in_the_apps_process(h, browser, session_id: str) -> None:
    """After a fallback: the same browser object shows Stripe's page from this process, for
    the same link session, and the link completes; this PC keeps to this process."""
    from dentally_setup.gui.stripe_page.app_side_choice import use_web_host
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser
    from dentally_setup.store.config import load_config

    page = h.page(Step.LINK)
    h.sign_in_on_stripe()
    assert page.browser is browser and isinstance(browser._local, LinkBrowser)
    assert h.state.session is not None and h.state.session.id == session_id  # no new one
    assert not page.errors.isVisible()
    h.choose_account().click("#authorize")
    h.wait_ready(Step.ACCOUNT_CHECK)
    assert h.state.link_outcome == "completed"
    assert load_config().web_host_failed and not use_web_host()


def test_a_crashed_web_host_is_replaced_by_the_page_in_the_apps_process(make_wizard):
    """The host dies after Stripe's page painted: the page opens again in the app's own
    process, for the same link session, and the link completes."""
    h = make_wizard()
    h.go_to_link_page()
    browser = h.wait_stripe_page("signin")
    session_id = h.state.session.id
    first = browser.host.pid
    h.stripe_pages.clear()
    os.kill(first, signal.SIGKILL)
    _link_completes_in_the_apps_process(h, browser, session_id)
    assert gone(first)


FAKE_HOST = Path(__file__).with_name("fake_web_host.py")


@pytest.mark.parametrize("behaviour", ["exit-at-start", "silent-after-open", "no-paint"])
def test_a_web_host_that_fails_is_replaced_by_the_page_in_the_apps_process(
        make_wizard, monkeypatch, behaviour):
    """A host that exits at start, says hello and then stops answering, or loads the page
    and never paints it: the page opens in the app's own process and the link completes
    (the fake host is a real process on a real socket, started as the real one is)."""
    from dentally_setup.gui.stripe_page import app_side_health

    monkeypatch.setattr(webhost_process, "host_command",
                        lambda *_a, **_k: (sys.executable, [str(FAKE_HOST), behaviour]))
    monkeypatch.setattr(app_side_health, "SILENCE_LIMIT_MS", 1500)
    monkeypatch.setattr(app_side_health, "PING_EVERY_MS", 300)
    monkeypatch.setattr(app_side_health, "PAINT_CHECK_MS", 500)
    webhost_process.drop_warm()
    h = make_wizard()
    h.go_to_link_page()
    page = h.page(Step.LINK)
    h.qtbot.waitUntil(lambda: page.browser is not None and page.browser._local is not None,
                      timeout=30000)
    browser = page.browser
    h.qtbot.waitUntil(lambda: h.state.session is not None, timeout=20000)
    h.qtbot.waitUntil(lambda: h.run_js_and_wait(
        browser, "document.body ? document.body.getAttribute('data-page') : ''") == "signin",
        timeout=20000)  # the page in this process, not the fake's word for it
    _link_completes_in_the_apps_process(h, browser, h.state.session.id)


def test_the_host_is_started_ahead_and_used_by_the_link_page(make_wizard):
    h = make_wizard()
    h.next()
    h.wait_ready(Step.SIGN_IN)
    h.qtbot.waitUntil(lambda: webhost_process._warm is not None, timeout=5000)
    warm = webhost_process._warm
    assert not warm.finished
    assert warm.allow_scripts  # the demo: its autopilot clicks through by script
    h.next()
    h.wait_ready(Step.STRIPE_STATUS)
    assert webhost_process._warm is warm  # the status page keeps the same one
    h.next()
    h.wait_step(Step.LINK)
    browser = h.wait_stripe_page("signin")
    assert browser.host is warm and webhost_process._warm is None


def test_a_host_started_ahead_ends_when_the_portal_is_already_linked(make_wizard):
    h = make_wizard("already-linked")
    h.next()
    h.wait_ready(Step.SIGN_IN)
    h.qtbot.waitUntil(lambda: webhost_process._warm is not None, timeout=5000)
    warm = webhost_process._warm
    h.next()
    h.wait_ready(Step.STRIPE_STATUS)
    h.next()
    h.wait_step(Step.ACCOUNT_CHECK)
    h.qtbot.waitUntil(lambda: warm.finished, timeout=10000)
    assert webhost_process._warm is None


def test_the_host_lifecycle_follows_the_step(qtbot):
    """One place decides: a host is started ahead on the steps before Stripe's page (not
    while the page is busy with the portal), kept for the link step, ended elsewhere. For a
    real practice (not the demo) it is started without --allow-scripts."""
    from PySide6.QtCore import QObject

    from dentally_setup.gui.stripe_page.app_side_lifecycle import HostLifecycle

    owner = QObject()
    busy = [True]
    lifecycle = HostLifecycle(owner, allow_scripts=False, busy=lambda: busy[0])
    checks: list[bool] = []
    lifecycle._timer.timeout.connect(lambda: checks.append(True))
    lifecycle.on_step(Step.SIGN_IN)
    qtbot.waitUntil(lambda: len(checks) >= 3, timeout=5000)  # asked three times, busy
    assert webhost_process._warm is None
    busy[0] = False
    qtbot.waitUntil(lambda: webhost_process._warm is not None, timeout=5000)
    warm = webhost_process._warm
    assert "--allow-scripts" not in psutil.Process(warm.pid).cmdline()
    lifecycle.on_step(Step.GUIDANCE)
    lifecycle.on_step(Step.LINK)
    assert webhost_process._warm is warm and not warm.finished  # kept for the link step
    lifecycle.on_step(Step.SETTINGS)
    qtbot.waitUntil(lambda: warm.finished, timeout=10000)
    assert webhost_process._warm is None
    # Back from Stripe's page to the status page: no new host is started behind the person
    # (the page's memory stays given back); going forward to it again starts one.
    lifecycle.on_step(Step.LINK)
    lifecycle.on_step(Step.STRIPE_STATUS)
    assert not lifecycle._timer.isActive()
    lifecycle.on_step(Step.SIGN_IN)
    assert lifecycle._timer.isActive()
    lifecycle.on_step(Step.SETTINGS)


def test_an_unclaimed_host_ends_by_itself(qtbot, monkeypatch):
    monkeypatch.setattr(webhost_process, "WARM_TTL_MS", 300)
    webhost_process.prewarm()
    warm = webhost_process._warm
    assert warm is not None
    pid = warm.pid
    assert pid > 0 and not gone(pid)
    qtbot.waitUntil(lambda: warm.finished and gone(pid), timeout=15000)
    assert webhost_process._warm is None


def _impostor(host: WebHostProcess, first_line: bytes) -> Any:
    """A local program of the same user that connects to the host's socket first."""
    from PySide6.QtNetwork import QLocalSocket

    impostor = QLocalSocket()
    impostor.connectToServer(host._server.fullServerName())
    assert impostor.waitForConnected(5000)
    impostor.write(first_line)
    impostor.flush()
    return impostor


@pytest.mark.parametrize("first_line", [
    b'{"ev": "hello", "nonce": "guessed"}\n',
    # Not ASCII: compared as text, this raised TypeError and the real host was then refused
    # until the 30 s start timeout.
    '{"ev": "hello", "nonce": "n\u00f6nce-\u00e9t\u00e9"}\n'.encode(),
    b'{"ev": "hello", "nonce": 12}\n',
    b'{"ev": "hello", "nonce": ' + b"[" * 100_000 + b"\n",
])
def test_a_process_that_cannot_prove_it_is_the_host_is_refused(qtbot, first_line):
    """The impostor's connection is closed; the real host still connects, promptly."""
    from PySide6.QtNetwork import QLocalSocket

    host = WebHostProcess()
    with qtbot.waitSignal(host.hello, timeout=15000):
        impostor = _impostor(host, first_line)
        qtbot.waitUntil(
            lambda: impostor.state() == QLocalSocket.LocalSocketState.UnconnectedState,
            timeout=10000)
    assert host.connected and not host.finished
    impostor.abort()
    host.stop()
    qtbot.waitUntil(lambda: host._process.state() == host._process.ProcessState.NotRunning,
                    timeout=10000)


def test_the_web_host_gets_none_of_the_apps_secrets(qtbot, monkeypatch):
    """The portal token, the demo token and the sandbox's Stripe key stay with the app."""
    secrets = {"DENTALLY_PORTAL_TOKEN": "portal-secret-123",
               "DENTALLY_DEMO_TOKEN": "demo-secret-456",
               "DENTALLY_SANDBOX_STRIPE_KEY": "sk_test_789"}
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DENTALLY_TEST_UNRELATED_VISIBLE", "x")
    monkeypatch.setenv("NOT_OURS_STAYS", "kept")
    host = WebHostProcess()
    with qtbot.waitSignal(host.hello, timeout=15000):
        pass
    environ = psutil.Process(host.pid).environ()
    assert environ.get("NOT_OURS_STAYS") == "kept"  # the rest of the environment is passed on
    assert not [name for name in environ if name.startswith("DENTALLY_")
                and name != "DENTALLY_WEBHOST_NONCE"]
    assert not any(value in "\n".join(environ.values()) for value in secrets.values())
    host.stop()
    qtbot.waitUntil(lambda: host._process.state() == host._process.ProcessState.NotRunning,
                    timeout=10000)


def test_the_host_takes_its_nonce_out_of_its_environment(monkeypatch):
    from dentally_setup.gui.stripe_page.host_side import take_nonce
    from dentally_setup.gui.stripe_page.protocol import NONCE_ENV

    monkeypatch.setenv(NONCE_ENV, "abc123")
    assert take_nonce() == "abc123"
    assert NONCE_ENV not in os.environ  # Chromium's helpers, started later, never see it


@pytest.mark.parametrize(("allow_scripts", "expected"), [(False, None), (True, "ran")])
def test_scripts_run_in_stripes_page_only_when_the_app_allows_them(
        qtbot, allow_scripts, expected):
    """A host started for a real practice (no --allow-scripts) refuses the "js" command;
    the demo's host runs it."""
    host = WebHostProcess(allow_scripts=allow_scripts)
    host.send({"cmd": "open", "prefix": "https://portal.example/cb",
               "hosts": ["connect.stripe.com"], "embed": 0, "w": 0, "h": 0})
    with qtbot.waitSignal(host.message, timeout=60000,
                          check_params_cb=lambda m: m.get("ev") == "opened"):
        pass
    with qtbot.waitSignal(host.message, timeout=30000,
                          check_params_cb=lambda m: m.get("ev") == "js") as answer:
        host.send({"cmd": "js", "id": 7, "script": "'ran'"})
    assert answer.args[0]["id"] == 7
    assert answer.args[0]["result"] == expected
    assert bool(answer.args[0].get("refused")) is not allow_scripts
    host.stop()
    qtbot.waitUntil(lambda: host._process.state() == host._process.ProcessState.NotRunning,
                    timeout=15000)


def test_killing_the_app_on_the_link_page_ends_every_web_process(tmp_path, qtbot):
    """The real app, SIGKILLed while Stripe's page is shown: nothing of Chromium stays
    behind. The app's own process never loads QtWebEngine at all."""
    home = tmp_path / "home"
    env = {**os.environ, "DENTALLY_SETUP_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    app = subprocess.Popen(
        [sys.executable, "-m", "dentally_setup", "--demo", "--autopilot",
         "--autopilot-delay", "2000"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    progress = Path(home / "state" / "progress.json")
    tree: list[int] = []
    try:
        def on_link_page_with_chromium() -> bool:
            if app.poll() is not None:
                raise AssertionError("the app ended before the link page")
            try:
                if json.loads(progress.read_text()).get("step") != "link":
                    return False
            except (OSError, ValueError):
                return False
            hosts = [p for p in psutil.Process(app.pid).children()
                     if "--web-host" in p.cmdline()]
            return len(hosts) == 1 and bool(chromium_children(hosts[0].pid))

        # The autopilot waits 2 s on each page and each Stripe screen: time to look.
        qtbot.waitUntil(on_link_page_with_chromium, timeout=60000)
        host = next(p for p in psutil.Process(app.pid).children() if "--web-host" in p.cmdline())
        tree = web_tree(host.pid)
        assert maps_webengine(host.pid)
        assert not maps_webengine(app.pid)  # the app itself never loaded QtWebEngine
    finally:
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
    qtbot.waitUntil(lambda: all(gone(pid) for pid in tree), timeout=20000)


def test_the_in_process_web_view_still_links(make_wizard, monkeypatch):
    """DENTALLY_WEBVIEW=inline (and platforms that cannot embed another process's window,
    such as Wayland) keep Stripe's page in the app's own process: the same flow works."""
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser

    monkeypatch.setenv("DENTALLY_WEBVIEW", "inline")
    h = make_wizard()
    h.go_to_link_page()
    h.sign_in_on_stripe()
    browser = h.choose_account()
    assert isinstance(browser, LinkBrowser)
    browser.click("#authorize")
    h.wait_ready(Step.ACCOUNT_CHECK)
    assert h.state.link_outcome == "completed"


def test_a_crashed_page_in_the_apps_process_is_explained_and_start_again_opens_a_new_one(
        make_wizard, monkeypatch):
    """With nothing left to fall back to (the page already runs in the app's process), a
    crashed renderer is explained (DS-W-CRASH) and Start again opens a fresh page."""
    monkeypatch.setenv("DENTALLY_WEBVIEW", "inline")
    h = make_wizard()
    h.go_to_link_page()
    browser = h.wait_stripe_page("signin")
    renderer = browser._page.renderProcessPid()  # Chromium's process for this page
    assert renderer in [p.pid for p in psutil.Process(os.getpid()).children(recursive=True)]
    os.kill(renderer, signal.SIGKILL)
    page = h.page(Step.LINK)
    h.qtbot.waitUntil(page.errors.isVisible, timeout=15000)
    assert "stopped working" in page.errors.text.text() and "DS-W-CRASH" in page.errors.text.text()
    h.stripe_pages.clear()
    h.qtbot.mouseClick(page.restart_button, LEFT)
    again = h.wait_stripe_page("signin", timeout=30000)
    assert again is not browser
    h.qtbot.waitUntil(lambda: not page.errors.isVisible(), timeout=5000)


def test_the_keyboard_goes_into_stripes_page_and_comes_back(make_wizard):
    """Tab onto the page hands the keyboard to the web host (its first control gets it);
    when the host gives it back (Tab past the end, or F6), the app's next button has it."""
    from PySide6.QtWidgets import QApplication

    h = make_wizard()
    h.go_to_link_page()
    browser = h.wait_stripe_page("signin")
    page = h.page(Step.LINK)
    h.wizard.activateWindow()
    h.qtbot.waitUntil(h.wizard.isActiveWindow, timeout=5000)
    page.restart_button.setFocus()
    h.qtbot.keyClick(page.restart_button, Qt.Key.Key_Backtab)  # back: onto "Open in browser"
    h.qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab)  # ...and the page
    assert QApplication.focusWidget() is browser._holder

    def focused_in_page():
        return h.run_js_and_wait(browser, "document.activeElement.id || ''")

    h.qtbot.waitUntil(lambda: focused_in_page() != "", timeout=10000)
    assert focused_in_page() == "sign-in"  # Shift+Tab lands on the page's last control
    browser._on_event({"ev": "focus_out", "forward": True})
    assert QApplication.focusWidget() is page.browser_button
