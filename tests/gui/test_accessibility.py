"""Keyboard alone completes the wizard; every control has an accessible name; the Support
window shows no secret; the proxy comes from the system, the same for Qt and Python."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLineEdit,
    QWidget,
    QWizard,
)

from dentally_setup.flow.steps import Step

LEFT = Qt.MouseButton.LeftButton


def focusable_unnamed(page: QWidget) -> list[str]:
    """Focusable controls that a screen reader could not name and describe."""
    missing = []
    for w in page.findChildren(QWidget):
        if not w.isVisible() or not (w.focusPolicy() & Qt.FocusPolicy.TabFocus):
            continue
        named = bool(w.accessibleName()) or (isinstance(w, QAbstractButton)
                                             and bool(w.text().strip()))
        if named and (w.accessibleDescription() or _inner_part(w)):
            continue
        if _inner_part(w):
            continue
        missing.append(f"{type(w).__name__} {w.accessibleName() or w.objectName()!r}")
    return missing


def _inner_part(w: QWidget) -> bool:
    """Inner parts of a named control (a combo box's list, the web view's render surface)."""
    parent = w.parent()
    if parent is not None and type(parent).__name__ in ("QComboBox", "LinkBrowser",
                                                        "QWebEngineView"):
        return True
    return bool(parent is not None and parent.parent() is not None
                and type(parent.parent()).__name__ == "LinkBrowser")


def test_every_focusable_control_has_an_accessible_name_and_description(make_wizard):
    h = make_wizard("already-connected")
    checked = []
    for step in (Step.WELCOME, Step.SIGN_IN, Step.STRIPE_STATUS, Step.GUIDANCE):
        page = h.wait_ready(step)
        assert focusable_unnamed(page) == [], step
        checked.append(step)
        h.next()
    h.sign_in_on_stripe()
    h.wait_stripe_page("chooser")
    link = h.page(Step.LINK)
    assert focusable_unnamed(link) == []
    assert link.browser.accessibleName() == "Stripe's page"
    h.wait_stripe_page("chooser").click("#create-account")
    h.wait_stripe_page("new-account").click("#create")
    h.wait_stripe_page("authorize").click("#authorize")
    for step in (Step.ACCOUNT_CHECK, Step.SETTINGS):
        page = h.wait_ready(step)
        assert focusable_unnamed(page) == [], step
        h.next()
    review = h.wait_step(Step.REVIEW) or h.page(Step.REVIEW)
    assert focusable_unnamed(review) == []
    assert focusable_unnamed(h.wizard.side_panel) == []
    from PySide6.QtWidgets import QWizard as W

    for which in (W.WizardButton.BackButton, W.WizardButton.NextButton,
                  W.WizardButton.CancelButton):
        button = h.wizard.button(which)
        assert button.accessibleName() and button.accessibleDescription()


def press(qtbot, key, text=""):
    widget = QApplication.focusWidget()
    assert widget is not None
    qtbot.keyClick(widget, key)


def tab_to(qtbot, target: QWidget, limit: int = 60) -> None:
    """Press Tab until ``target`` has the focus: proves it is in the tab order."""
    for _ in range(limit):
        if QApplication.focusWidget() is target:
            return
        press(qtbot, Qt.Key.Key_Tab)
    raise AssertionError(f"{target.accessibleName() or target} is not reachable with Tab")


def test_keyboard_alone_completes_the_wizard(make_wizard):
    h = make_wizard("already-linked")
    qtbot, wizard = h.qtbot, h.wizard
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow, timeout=5000)
    next_button = wizard.button(QWizard.WizardButton.NextButton)

    def next_by_keyboard():
        qtbot.waitUntil(next_button.isEnabled, timeout=20000)
        tab_to(qtbot, next_button)
        press(qtbot, Qt.Key.Key_Space)

    next_by_keyboard()
    h.wait_ready(Step.SIGN_IN)
    sign_in = h.page(Step.SIGN_IN)
    tab_to(qtbot, sign_in.show_token)  # "show" is a deliberate key press, and reachable
    press(qtbot, Qt.Key.Key_Space)
    assert sign_in.token.echoMode() == QLineEdit.EchoMode.Normal
    press(qtbot, Qt.Key.Key_Space)
    assert sign_in.token.echoMode() == QLineEdit.EchoMode.Password
    next_by_keyboard()
    h.wait_ready(Step.STRIPE_STATUS)
    next_by_keyboard()
    h.wait_ready(Step.ACCOUNT_CHECK)
    next_by_keyboard()
    settings = h.wait_ready(Step.SETTINGS)
    if not settings.deposits_on.isChecked():
        tab_to(qtbot, settings.deposits_on)
        press(qtbot, Qt.Key.Key_Space)
    tab_to(qtbot, settings.default)
    settings.default.selectAll()
    qtbot.keyClicks(settings.default, "19.99")
    for box in (settings.balances, settings.invoices):
        if not box.isChecked():
            tab_to(qtbot, box)
            press(qtbot, Qt.Key.Key_Space)
    next_by_keyboard()
    h.wait_step(Step.REVIEW)
    review = h.page(Step.REVIEW)
    qtbot.waitUntil(review.save_button.isEnabled, timeout=10000)
    tab_to(qtbot, review.save_button)
    press(qtbot, Qt.Key.Key_Space)
    h.wait_ready(Step.REVIEW)
    next_by_keyboard()
    h.wait_step(Step.DONE)
    assert h.state.saved["site_1"].settings.deposit_default_minor == 1999
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    tab_to(qtbot, finish)
    press(qtbot, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=5000)


def test_support_window_shows_and_copies_no_secret(make_wizard):
    token = "portal-token-visible-nowhere-123456"
    h = make_wizard("fresh", token=token)
    h.next()
    h.wait_ready(Step.SIGN_IN)
    import logging

    from dentally_setup.flow.messages import Message
    from dentally_setup.gui.diagnostics import DiagnosticsWindow
    from dentally_setup.gui.log_records import log_handler

    log_handler()
    # Secrets where support would look: a logged line and the last errors.
    logging.getLogger("dentally_setup.test").warning(
        "calling with %s and key sk_test_abcdefgh12345678", token)
    h.wizard.note_error(Message("DS-TEST", f"Token {token} refused.", "Check it."))

    window = DiagnosticsWindow(h.wizard)
    h.qtbot.addWidget(window)
    h.qtbot.waitUntil(lambda: "checking" not in window.text.toPlainText(), timeout=15000)
    text = window.text.toPlainText()
    assert "Portal" in text and "Stripe" in text and "Password store" in text
    assert "Qt" in text and "QtWebEngine" in text
    window.copy()
    copied = QApplication.clipboard().text()
    for shown in (text, copied, window.log_view.text.toPlainText()):
        assert token not in shown
        assert "abcdefgh12345678" not in shown
    window.close()


def test_proxy_comes_from_the_environment_for_qt_and_python(monkeypatch, qapp):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.practice.example:3128")
    monkeypatch.setenv("https_proxy", "http://proxy.practice.example:3128")
    monkeypatch.setenv("NO_PROXY", "")
    monkeypatch.setenv("no_proxy", "")
    from PySide6.QtCore import QUrl
    from PySide6.QtNetwork import QNetworkProxyFactory, QNetworkProxyQuery

    from dentally_setup.flow.diagnostics import proxy_summary
    from dentally_setup.portal.client import PortalClient

    qt = QNetworkProxyFactory.systemProxyForQuery(
        QNetworkProxyQuery(QUrl("https://connect.stripe.com/")))
    assert qt[0].hostName() == "proxy.practice.example" and qt[0].port() == 3128
    client = PortalClient("https://portal.example.com/api", "t")
    handlers = [h for h in client._opener.handlers if hasattr(h, "proxies")]
    assert handlers[0].proxies["https"] == "http://proxy.practice.example:3128"
    assert "proxy.practice.example:3128" in proxy_summary()


def test_text_zooms_with_ctrl_plus_and_minus_and_is_remembered(make_wizard, qapp):
    from PySide6.QtGui import QKeySequence

    from dentally_setup.gui.zoom import Zoom
    from dentally_setup.store.config import load_config

    h = make_wizard("fresh")
    base = qapp.font().pointSizeF()
    try:
        h.wizard.zoom = Zoom(h.wizard, qapp, 1.0)
        h.wizard.activateWindow()
        h.qtbot.waitUntil(h.wizard.isActiveWindow, timeout=5000)
        h.qtbot.keySequence(h.wizard, QKeySequence("Ctrl+="))
        assert qapp.font().pointSizeF() > base
        assert load_config().zoom > 1.0
        h.qtbot.keySequence(h.wizard, QKeySequence("Ctrl+0"))
        assert abs(qapp.font().pointSizeF() - base) < 0.01
        welcome = h.wait_ready(Step.WELCOME)
        welcome.presenter.setChecked(True)  # the trainers' presenter mode
        assert qapp.font().pointSizeF() > base * 1.3
        assert load_config().presenter is True
    finally:
        font = qapp.font()
        font.setPointSizeF(base)
        qapp.setFont(font)


def test_log_view_filters_by_level(qapp):
    import logging

    from dentally_setup.gui.log_records import log_handler
    from dentally_setup.gui.log_view import LogView

    log_handler()
    view = LogView()
    logger = logging.getLogger("dentally_setup.test.levels")
    logger.setLevel(logging.DEBUG)
    logger.info("an ordinary step")
    logger.warning("something worth a look")
    assert "an ordinary step" in view.text.toPlainText()
    view.level.setCurrentIndex(2)  # warnings and errors
    shown = view.text.toPlainText()
    assert "something worth a look" in shown and "an ordinary step" not in shown
    logger.info("another ordinary step")
    assert "another ordinary step" not in view.text.toPlainText()
    view.close()


def test_rich_text_is_read_as_words() -> None:
    from dentally_setup.gui.a11y import plain_text

    assert plain_text("<b>Signed in.</b> Practice: A &amp; B<br>Sites: One, Two") == (
        "Signed in. Practice: A & B\nSites: One, Two")
    assert plain_text("<b>Next steps:</b><ul><li>First,</li><li>then.</li></ul>") == (
        "Next steps:\n• First,\n• then.")
    assert plain_text("  plain words ") == "plain words"


def test_results_and_problems_are_read_with_their_words(make_wizard):
    """A screen reader reads a result label's name and then what it says: the result's words
    are its description (its name stays what it is for)."""
    from dentally_setup.flow.messages import Message

    h = make_wizard("fresh")
    h.next()
    sign_in = h.wait_ready(Step.SIGN_IN)
    assert sign_in.result.accessibleName() == "Sign-in result"
    assert sign_in.result.accessibleDescription().startswith("Signed in. Practice: ")
    assert h.wizard.banner.accessibleDescription().startswith("DEMO — ")
    h.wizard.show_notice("Demo reset: fresh.")
    assert h.wizard.notice.accessibleDescription() == "Demo reset: fresh."

    sign_in.show_message(Message("DS-TEST", "The portal did not answer.", "Try again later."))
    panel = sign_in.errors
    assert panel.isVisible() and panel.accessibleName() == "Problem"
    assert panel.accessibleDescription() == (
        "Problem: The portal did not answer.\nTry again later.\nCode for support: DS-TEST")
    assert panel.text.accessibleDescription() == panel.accessibleDescription()
    sign_in.url.textEdited.emit("changed")  # the result no longer holds: cleared, and said so
    assert sign_in.result.text() == "" and sign_in.result.accessibleDescription() == ""

    sign_in.sign_in()
    h.wait_ready(Step.SIGN_IN)
    h.next()
    status = h.wait_ready(Step.STRIPE_STATUS)
    assert status.summary.accessibleName() == "Stripe link status"
    assert status.summary.accessibleDescription() == "The portal is not linked to Stripe yet."


def test_the_step_list_marks_the_current_step_without_claiming_the_focus(make_wizard):
    from PySide6.QtGui import QAccessible

    h = make_wizard("fresh")
    h.next()
    h.wait_ready(Step.SIGN_IN)
    steps = h.wizard.steps
    assert [item.text() for item in steps.selectedItems()] == ["Sign in to the portal"]
    assert steps.currentRow() == -1
    cells = QAccessible.queryAccessibleInterface(steps)
    states = [cells.child(i).state() for i in range(cells.childCount())]
    assert [bool(s.focused) for s in states] == [False] * steps.count()
    assert [bool(s.selected) for s in states].index(True) == 1


def test_fields_and_combo_boxes_are_labelled_by_the_words_beside_them(make_wizard):
    """On Linux a combo box's accessible name is its current item (Qt's design): only the
    label whose buddy it is says what it is for. Fields get the same, for every platform."""
    from PySide6.QtWidgets import QComboBox, QLabel

    def labels(page: QWidget) -> dict[QWidget, str]:
        return {label.buddy(): label.text() for label in page.findChildren(QLabel)
                if label.buddy() is not None}

    h = make_wizard("fresh")
    welcome = h.wait_ready(Step.WELCOME)
    assert labels(welcome)[welcome.scenario] == "Demo scenario:"
    h.next()
    sign_in = h.wait_ready(Step.SIGN_IN)
    assert labels(sign_in)[sign_in.url] == "Portal address:"
    assert labels(sign_in)[sign_in.token] == "API token:"
    for step in (Step.STRIPE_STATUS, Step.LINK):
        h.next()
        h.wait_step(step)
    h.sign_in_on_stripe()
    h.choose_account().click("#authorize")
    h.wait_ready(Step.ACCOUNT_CHECK)
    h.next()
    settings = h.wait_ready(Step.SETTINGS)
    found = labels(settings)
    assert found[settings.site] == "Site:" and found[settings.default] == "Default deposit:"
    # The per-type deposits are one table: each deposit cell, and the field a person types
    # into, is named by its appointment type (there is no label beside it to be a buddy).
    from dentally_setup.gui.pages.type_deposits import ACCESSIBLE_TEXT, DEPOSIT
    from tests.gui.deposits import deposit_editor

    model = settings.types_model
    for row in range(model.rowCount()):
        name = model.type_name(row)
        assert str(model.index(row, DEPOSIT).data(ACCESSIBLE_TEXT)).startswith(
            f"Deposit for {name}:"), name
    first = model.type_ids()[0]
    assert deposit_editor(settings, first).accessibleName().startswith(
        f"Deposit for {model.type_name(0)}:")
    for box in settings.findChildren(QComboBox):
        if box.isVisible():
            assert box in found


def test_without_a_screen_reader_stripes_page_stays_in_the_web_host(qapp, monkeypatch):
    """Nothing changes for everyone else: no assistive technology (offscreen, no
    accessibility bus), so the page runs where it always did."""
    monkeypatch.delenv("DENTALLY_WEBVIEW", raising=False)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    from dentally_setup.gui.a11y import assistive_technology_active
    from dentally_setup.gui.stripe_page.app_side_choice import use_web_host

    assert not assistive_technology_active()
    assert use_web_host()


@pytest.mark.linux_only(reason="the accessibility bus is asked over D-Bus on Linux only")
def test_a_build_without_qtdbus_still_opens_stripes_page(monkeypatch, caplog) -> None:
    """The installed build once left QtDBus out: asking the bus raised ImportError and the
    link page never opened. Without it, no screen reader is assumed, and the log says so."""
    from dentally_setup.gui import a11y

    monkeypatch.setitem(sys.modules, "PySide6.QtDBus", None)  # as a build without it
    with caplog.at_level(logging.WARNING, logger="dentally_setup.gui.a11y"):
        assert a11y._linux_bus_says_active() is False
    assert any("QtDBus is missing" in r.getMessage() for r in caplog.records)
