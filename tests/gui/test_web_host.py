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

import psutil
import pytest
from PySide6.QtCore import Qt

from dentally_setup.flow.steps import Step
from dentally_setup.gui import webhost_process
from dentally_setup.gui.remote_browser import RemoteLinkBrowser
from dentally_setup.gui.webhost_process import WebHostProcess

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


def test_a_crashed_web_host_is_explained_and_start_again_opens_a_new_one(make_wizard):
    h = make_wizard()
    h.go_to_link_page()
    browser = h.wait_stripe_page("signin")
    first = browser.host.pid
    os.kill(first, signal.SIGKILL)
    page = h.page(Step.LINK)
    h.qtbot.waitUntil(page.errors.isVisible, timeout=15000)
    assert "stopped working" in page.errors.text.text() and "DS-W-CRASH" in page.errors.text.text()
    h.stripe_pages.clear()
    h.qtbot.mouseClick(page.restart_button, LEFT)
    again = h.wait_stripe_page("signin", timeout=30000)
    assert again is not browser and again.host.pid != first
    h.qtbot.waitUntil(lambda: not page.errors.isVisible(), timeout=5000)


def test_the_host_is_started_ahead_and_used_by_the_link_page(make_wizard):
    h = make_wizard()
    h.next()
    h.wait_ready(Step.SIGN_IN)
    h.qtbot.waitUntil(lambda: webhost_process._warm is not None, timeout=5000)
    warm = webhost_process._warm
    assert not warm.finished
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


def test_an_unclaimed_host_ends_by_itself(qtbot, monkeypatch):
    monkeypatch.setattr(webhost_process, "WARM_TTL_MS", 300)
    webhost_process.prewarm()
    warm = webhost_process._warm
    assert warm is not None
    pid = warm.pid
    assert pid > 0 and not gone(pid)
    qtbot.waitUntil(lambda: warm.finished and gone(pid), timeout=15000)
    assert webhost_process._warm is None


def test_a_process_that_cannot_prove_it_is_the_host_is_refused(qtbot):
    from PySide6.QtNetwork import QLocalSocket

    host = WebHostProcess()
    impostor = QLocalSocket()
    impostor.connectToServer(host._server.fullServerName())
    assert impostor.waitForConnected(5000)
    with qtbot.waitSignal(host.ended, timeout=10000) as ended:
        impostor.write(b'{"ev": "hello", "nonce": "guessed"}\n')
        impostor.flush()
    assert ended.args == ["did not identify itself"]
    qtbot.waitUntil(lambda: host._process.state() == host._process.ProcessState.NotRunning,
                    timeout=10000)
    impostor.abort()


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
    from dentally_setup.gui.webview import LinkBrowser

    monkeypatch.setenv("DENTALLY_WEBVIEW", "inline")
    h = make_wizard()
    h.go_to_link_page()
    h.sign_in_on_stripe()
    browser = h.choose_account()
    assert isinstance(browser, LinkBrowser)
    browser.click("#authorize")
    h.wait_ready(Step.ACCOUNT_CHECK)
    assert h.state.link_outcome == "completed"


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
