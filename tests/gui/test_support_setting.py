"""The Support window's "Show Stripe's page" setting: changed with the mouse in the real
window, saved in the config file at once, and the next link page opens Stripe's page that
way (in this process, in a web host, or in the system browser with the link still
finishing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from PySide6.QtCore import QPoint, Qt

from dentally_setup.flow.steps import Step
from dentally_setup.flow.stripe_page import Route
from dentally_setup.gui.diagnostics import DiagnosticsWindow
from dentally_setup.gui.stripe_page import app_side_process
from dentally_setup.gui.stripe_page.app_side_remote import RemoteLinkBrowser
from dentally_setup.sandbox import DEMO_PASSWORD
from dentally_setup.store.config import Config, config_path, save_config
from tests.gui.test_accessibility import focusable_unnamed
from tests.sandbox.helpers import Browser

LEFT = Qt.MouseButton.LeftButton


def open_support(h) -> DiagnosticsWindow:
    """The Support… button beside the pages opens the window support reads from."""
    h.qtbot.mouseClick(h.wizard.support_button, LEFT)

    def shown() -> list[DiagnosticsWindow]:
        return [w for w in h.wizard.findChildren(DiagnosticsWindow) if w.isVisible()]

    h.qtbot.waitUntil(lambda: len(shown()) == 1, timeout=5000)
    return shown()[0]


def click(h, window: DiagnosticsWindow, route: Route | None) -> None:
    button = window.stripe_page.choices[route]
    # On the round indicator: the button is wider than its text, so its middle may be blank.
    h.qtbot.mouseClick(button, LEFT, pos=QPoint(6, button.height() // 2))


def choose(h, window: DiagnosticsWindow, route: Route | None) -> None:
    click(h, window, route)
    assert window.stripe_page.choices[route].isChecked()


def saved() -> dict:
    return json.loads(config_path().read_text(encoding="utf-8"))


def test_in_this_windows_process_is_saved_and_the_next_page_runs_here(make_wizard):
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser

    h = make_wizard()
    h.next()
    h.wait_ready(Step.SIGN_IN)
    window = open_support(h)
    assert focusable_unnamed(window) == []  # the choices too: named and described
    assert window.stripe_page.choices[None].isChecked()  # nothing saved: automatic
    assert "separate process" in window.stripe_page.status.text()
    choose(h, window, Route.INLINE)
    assert saved()["stripe_page"] == "inline"
    assert "in this window's process" in window.stripe_page.status.text()
    assert "Stripe's page opens in the app's own process" in window.text.toPlainText()
    assert app_side_process._warm is None  # a host started ahead would go unused: ended
    window.close()
    h.next()
    h.wait_ready(Step.STRIPE_STATUS)
    h.next()
    h.wait_step(Step.LINK)
    h.sign_in_on_stripe()
    browser = h.choose_account()
    assert isinstance(browser, LinkBrowser)
    browser.click("#authorize")
    h.wait_ready(Step.ACCOUNT_CHECK)
    assert h.state.link_outcome == "completed"


def test_choosing_the_separate_process_tries_again_after_a_failure(make_wizard):
    save_config(Config(web_host_failed=True))
    h = make_wizard()
    h.next()
    h.wait_ready(Step.SIGN_IN)
    window = open_support(h)
    status = window.stripe_page.status.text()
    assert "failed on this PC before" in status and "in this window's process" in status
    choose(h, window, Route.SEPARATE)
    assert saved()["stripe_page"] == "separate" and saved()["web_host_failed"] is False
    window.close()
    h.next()
    h.wait_ready(Step.STRIPE_STATUS)
    h.next()
    h.wait_step(Step.LINK)
    browser = h.wait_stripe_page("signin")
    assert isinstance(browser, RemoteLinkBrowser) and browser._local is None
    # Back to automatic: remembered as no setting at all.
    window = open_support(h)
    choose(h, window, None)
    assert saved()["stripe_page"] is None


def test_in_my_browser_counts_from_start_again_and_the_link_still_finishes(make_wizard):
    h = make_wizard()
    h.go_to_link_page()
    page = h.page(Step.LINK)
    shown = h.wait_stripe_page("signin")
    window = open_support(h)
    choose(h, window, Route.BROWSER)
    assert saved()["stripe_page"] == "browser"
    window.close()
    assert page.browser is shown and h.opened == []  # the page open now stays as it is
    first = h.state.session.id
    h.stripe_pages.clear()
    h.qtbot.mouseClick(page.restart_button, LEFT)
    h.qtbot.waitUntil(lambda: bool(h.opened), timeout=20000)
    assert h.state.session.id != first
    assert h.opened == [h.state.session.authorize_url]
    assert page.browser is None and h.stripe_pages == []  # nothing of Stripe in the app
    assert page.stack.currentWidget() is page.waiting
    # The "system browser": the test's own HTTP client follows the authorize URL.
    b = Browser()
    p = b.open(h.opened[0])
    p = b.click(p, "sign-in", password=DEMO_PASSWORD)
    p = b.click(p, "continue")
    p = b.click(p, "authorize")
    assert "linked" in p.text.lower()
    h.wait_ready(Step.ACCOUNT_CHECK)
    assert h.state.link_outcome == "completed"


def test_a_setting_that_cannot_be_saved_is_said_and_not_shown_as_chosen(make_wizard,
                                                                        monkeypatch):
    from dentally_setup.gui import stripe_page_setting

    def refused(_config: Config) -> None:  # a locked-down profile folder
        raise PermissionError(13, "Permission denied", str(config_path()))

    monkeypatch.setattr(stripe_page_setting, "save_config", refused)
    h = make_wizard()
    window = open_support(h)
    click(h, window, Route.INLINE)
    status = window.stripe_page.status.text()
    assert "could not be saved" in status and "DS-CFG-SAVE" in status
    assert window.stripe_page.choices[None].isChecked()
    assert not config_path().exists()


START = (
    "import argparse, os\n"
    "from PySide6.QtCore import QCoreApplication, Qt\n"
    "from dentally_setup.gui.run import make_app\n"
    "from dentally_setup.store.config import load_config\n"
    "make_app(argparse.Namespace(software_rendering=False), load_config())\n"
    "print(QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts))\n"
)


@pytest.mark.parametrize(("setting", "shared"), [("inline", True), ("separate", False),
                                                 ("browser", False)])
def test_the_next_start_prepares_qt_for_the_saved_way(setting: str, shared: bool,
                                                      monkeypatch) -> None:
    """QtWebEngine in the app's own process needs shared GL contexts set before the
    QApplication: a start after "In this window's process" was chosen sets them."""
    save_config(Config(stripe_page=setting))
    monkeypatch.delenv("DENTALLY_WEBVIEW", raising=False)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}  # offscreen counts as embedding
    out = subprocess.run([sys.executable, "-c", START], capture_output=True, text=True,
                         env=env, timeout=60, check=True).stdout
    assert out.strip().splitlines()[-1] == str(shared)
