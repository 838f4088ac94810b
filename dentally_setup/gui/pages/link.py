"""Page 4: Stripe's authorize page inside the app (or in the system browser), then wait for
the portal to say how the link ended. The app never sees the authorization code: Stripe
sends the browser to the portal's redirect_uri and the portal exchanges it."""

from __future__ import annotations

import itertools
import logging
import urllib.parse

from PySide6.QtCore import QCoreApplication, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from dentally_setup.flow import messages
from dentally_setup.flow.link import cancel_quietly, seconds_left, start_session, wait_for_outcome
from dentally_setup.flow.prefill import prefill_from_practice
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.flow.stripe_page import Route
from dentally_setup.gui.a11y import ReadOutLabel
from dentally_setup.gui.i18n import QT_TRANSLATE_NOOP, tr_flow
from dentally_setup.gui.layouts import button_row
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.location_bar import LocationBar
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.gui.stripe_page.app_side_browser import make_link_browser
from dentally_setup.gui.stripe_page.app_side_choice import link_route
from dentally_setup.gui.stripe_page.interface import StripeBrowser
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import LinkSession

log = logging.getLogger(__name__)

PENDING_REDIRECT = "dentally-setup:pending-link-session"
STRIPE_HOSTS = ("connect.stripe.com", "dashboard.stripe.com", "stripe.com", "*.stripe.com")
ELSEWHERE_TEXT = QT_TRANSLATE_NOOP(
    "LinkPage",
    "<b>This Stripe account already serves another platform</b> (the Dentally app), so "
    "Stripe will not connect it to the portal too.<br><br>The way through, on Stripe's "
    "page: choose <b>Create a new account</b> (you stay signed in with the same login), "
    "then choose to <b>share the legal entity</b> of the existing business. Its details "
    "are copied for you."
)


class LinkPage(BasePage):
    step = Step.LINK

    # A fresh view of Stripe's page was made (for whoever drives or watches it).
    browserCreated = Signal(object)
    # The link session ended: "completed", "denied", "expired", ...
    linkEnded = Signal(str)
    # The one-platform explanation is now shown beside Stripe's page.
    guidanceShown = Signal()

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, services, parent)
        self.setSubTitle(self.tr("Sign in on Stripe's page, choose the practice's account and "
                                 "press Connect."))
        self.browser: StripeBrowser | None = None
        self._route = Route.SEPARATE  # set by begin()
        self._completed = False
        self._idle = QTimer(self)
        self._idle.setSingleShot(True)
        self._idle.timeout.connect(self._session_idle)

        self.location_bar = LocationBar()
        self.body.addWidget(self.location_bar)

        self.stack = QStackedWidget()
        self.web_area = QWidget()
        self.web_row = QHBoxLayout(self.web_area)
        self.web_row.setContentsMargins(0, 0, 0, 0)
        self.side = self._guidance_panel()
        self.web_row.addWidget(self.side)
        self.side.hide()
        self.waiting = ReadOutLabel()  # how the link ended is read out
        self.waiting.setWordWrap(True)
        self.waiting.setAccessibleName(self.tr("Link progress"))
        self.stack.addWidget(self.web_area)
        self.stack.addWidget(self.waiting)
        self.body.addWidget(self.stack, 1)

        self.browser_button = QPushButton(self.tr("Open in my browser instead"))
        self.browser_button.setAccessibleName(
            self.tr("Open Stripe's page in my web browser instead"))
        self.browser_button.clicked.connect(self.use_system_browser)
        self.restart_button = QPushButton(self.tr("Start again"))
        self.restart_button.setAccessibleName(self.tr("Start the link again"))
        self.restart_button.clicked.connect(lambda: self.begin())
        self.not_listed_button = QPushButton(self.tr("My account isn't listed"))
        self.not_listed_button.setAccessibleName(self.tr("My Stripe account isn't listed"))
        self.not_listed_button.clicked.connect(self.show_guidance)
        self.cancel_button = QPushButton(self.tr("Cancel linking"))
        self.cancel_button.setAccessibleName(self.tr("Cancel linking"))
        self.cancel_button.clicked.connect(self.cancel_link)
        self.describe({
            self.browser_button: self.tr(
                "Opens the same Stripe page in your usual web browser. Use it for a security "
                "key or passkey, or when the page here does not work."),
            self.restart_button: self.tr("Asks the portal for a fresh Stripe page and starts "
                                         "the link again."),
            self.not_listed_button: self.tr(
                "Explains what to do when Stripe does not offer the practice's account, "
                "because it already serves the Dentally app."),
            self.cancel_button: self.tr("Stops linking. Nothing is linked; you can start "
                                        "again."),
            self.how_button: self.tr("Shows the three steps with pictures."),
        })
        self.body.addLayout(button_row(self.browser_button, self.restart_button,
                                       self.not_listed_button, end=(self.cancel_button,)))

    def _page_first_in_tab_order(self, browser: QWidget) -> None:
        """Made after the page's buttons (and Chromium's own widget only once a page has
        loaded), Stripe's page would come after them in the Tab order: it comes first, as on
        screen, then the panel beside it and the buttons below (setTabOrder(a, b) moves b to
        just after a, so each follows the one before)."""
        stop, proxy = browser, browser.focusProxy()
        while proxy is not None:  # down to the widget that really takes the keyboard
            stop, proxy = proxy, proxy.focusProxy()
        if stop.nextInFocusChain() is self.how_button:
            return
        for first, second in itertools.pairwise((
                stop, self.how_button, self.browser_button,
                self.restart_button, self.not_listed_button, self.cancel_button)):
            QWidget.setTabOrder(first, second)

    def _guidance_panel(self) -> QFrame:
        panel = QFrame()
        panel.setObjectName("guidancePanel")
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        panel.setMaximumWidth(280)
        panel.setAccessibleName(self.tr("Account connected to another platform"))
        text = QLabel(QCoreApplication.translate("LinkPage", ELSEWHERE_TEXT))
        text.setWordWrap(True)
        self.how_button = QPushButton(self.tr("Show me how"))
        self.how_button.setAccessibleName(self.tr("Show the steps with pictures"))
        self.how_button.clicked.connect(self._to_guidance)
        layout = QVBoxLayout(panel)
        layout.addWidget(text)
        layout.addWidget(self.how_button)
        layout.addStretch(1)
        return panel

    # ---- the flow ----------------------------------------------------------------------

    def initializePage(self) -> None:
        self._completed = False
        self.side.hide()
        if self.state.landing == "register":
            self.setSubTitle(self.tr("Fill in Stripe's sign-up form for the practice's new "
                                     "Stripe login, then press Connect."))
        else:
            self.setSubTitle(self.tr("Sign in on Stripe's page, choose the practice's account "
                                     "and press Connect."))
        self.begin(self.state.landing)

    def begin(self, landing: str | None = None) -> None:
        """Start (or start again with) a fresh link session."""
        landing = landing or self.state.landing
        self.state.landing = landing
        self._completed = False
        self._idle.stop()
        old = self.state.session
        # Until the new session arrives there is none to open: "Open in my browser" must
        # never open the old (now cancelled) one.
        self.state.session = None
        prefill = (prefill_from_practice(self.state.practice)
                   if landing == "register" and self.state.practice else None)

        def work(client: PortalClient) -> LinkSession:
            if old is not None and old.pending:
                cancel_quietly(client, old.id)
            return start_session(client, landing, prefill)

        # Decided once per attempt, so a change in the Support window counts from the next.
        self._route = link_route()
        self.stack.setCurrentWidget(self.web_area)
        self.call(work, self._show_session, self.tr("Asking the portal for Stripe's page…"),
                  retry=self.begin)
        if self._route is Route.BROWSER:
            self._drop_browser()  # support chose the system browser: nothing of Stripe here
            return
        # A fresh view (and off-the-record profile) for every attempt, built while the portal
        # answers: Chromium's start-up overlaps the request instead of following it.
        self._ensure_browser()

    def _show_session(self, session: LinkSession) -> None:
        self.state.session = session
        self.progressChanged.emit()
        left = seconds_left(session)
        if left is not None:
            self._idle.start(int(max(1.0, left) * 1000))
        if self._route is Route.BROWSER:
            self.use_system_browser()
            return
        browser = self.browser or self._ensure_browser()
        browser.set_redirect_prefix(session.redirect_uri)
        browser.load(session.authorize_url)
        self.stack.setCurrentWidget(self.web_area)

    def _ensure_browser(self) -> StripeBrowser:
        self._drop_browser()
        hosts = list(STRIPE_HOSTS)
        demo = self.services.demo
        if demo is not None:
            hosts.append(urllib.parse.urlsplit(demo.stripe_url).netloc)
        # No session yet: a prefix no navigation can start with, until the portal answers.
        browser = make_link_browser(PENDING_REDIRECT, hosts, allow_scripts=demo is not None)
        browser.setAccessibleName(self.tr("Stripe's page"))
        browser.redirectReached.connect(self._stripe_part_over)
        browser.connectedElsewhere.connect(self.show_guidance)
        browser.stripeError.connect(self._stripe_error)
        browser.loadProgress.connect(self.location_bar.progress.setValue)
        browser.locationChanged.connect(self.location_bar.show_location)
        browser.externalRequested.connect(self._external)
        browser.certificateProblem.connect(
            lambda text: self.show_message(messages.for_key("webview_certificate", text),
                                           self.use_system_browser))
        browser.webAuthProblem.connect(
            lambda text: self.show_message(messages.for_key("webview_webauthn", text),
                                           self.use_system_browser))
        self.web_row.insertWidget(0, browser, 1)
        self._page_first_in_tab_order(browser)
        # Again once a page has painted: in this process Chromium's widget exists only then.
        browser.painted.connect(lambda: self._page_first_in_tab_order(browser))
        self.browser = browser
        self.location_bar.page_made()
        browser.pageKind.connect(self._stripe_page_shown)
        self.browserCreated.emit(browser)
        return browser

    def _stripe_page_shown(self, kind: str) -> None:
        if not self.services.screenshots_wanted:
            return
        # Chromium paints a moment after the load finishes: picture it once it has.
        name = f"link-{kind or 'stripe'}"
        QTimer.singleShot(250, lambda: self._picture_stripe(name))

    def _picture_stripe(self, name: str) -> None:
        browser = self.browser
        if browser is None or not self.is_current():
            return

        def shoot() -> None:
            if self.browser is browser and self.is_current():
                self.services.take_screenshot(name)

        browser.snapshot(shoot)

    def _drop_browser(self) -> None:
        if self.browser is not None:
            browser, self.browser = self.browser, None
            self.web_row.removeWidget(browser)
            browser.shutdown()
            browser.deleteLater()
            self.location_bar.clear()

    def _stripe_part_over(self) -> None:
        """The browser reached the portal's redirect_uri: the portal now finishes the link."""
        self._idle.stop()
        self._drop_browser()
        self.waiting.setText(self.tr("<b>Finishing the link…</b><br>The portal is completing "
                                     "the link with Stripe. This takes a few seconds."))
        self.stack.setCurrentWidget(self.waiting)
        self._poll()

    def use_system_browser(self) -> None:
        session = self.state.session
        if session is None or not session.pending:
            return
        self._drop_browser()  # no Stripe session left inside the app
        self.services.open_external(session.authorize_url)
        self.waiting.setText(self.tr(
            "<b>Stripe's page is open in your web browser.</b><br>Sign in there, choose the "
            "practice's account and press Connect. This page moves on by itself when you "
            "have finished."))
        self.stack.setCurrentWidget(self.waiting)
        self._poll()

    def _poll(self) -> None:
        session = self.state.session
        if session is None:
            return
        interval = 0.25 if self.services.demo is not None else 1.0
        sid = session.id
        self.call(lambda c: wait_for_outcome(c, sid, c.cancel, interval=interval),
                  self._outcome, self.tr("Waiting for Stripe and the portal…"), retry=self._poll)

    def _outcome(self, session: LinkSession) -> None:
        self.state.session = session
        self.state.link_outcome = session.status
        if session.status == "completed":
            self._completed = True
            self.state.link = None  # the account check page reads it afresh
            self.waiting.setText(self.tr("<b>Linked.</b> Moving on to check the account…"))
            self.completeChanged.emit()
            self.linkEnded.emit(session.status)
            return
        err = session.error
        msg = messages.for_link(session.status, err.code if err else None,
                                err.message if err else "")
        self.waiting.setText(f"<b>{tr_flow(msg.what)}</b>")
        self.stack.setCurrentWidget(self.waiting)
        self.show_message(msg, self.begin)
        if err is not None and err.code == "account_connected_elsewhere":
            self.show_guidance()
        self.linkEnded.emit(session.status)

    def cancel_link(self) -> None:
        self.cancel_work()
        self._idle.stop()
        self._drop_browser()
        session = self.state.session
        if session is not None and session.pending:
            sid = session.id
            self.call(lambda c: c.cancel_link_session(sid), self._outcome, self.tr("Cancelling…"))
        else:
            self.stack.setCurrentWidget(self.waiting)
            self.show_message(messages.for_link("cancelled"), self.begin)

    def show_guidance(self) -> None:
        """The one-platform trap was spotted (or the person said their account is missing):
        explain it beside the page, keeping Stripe's page where it is."""
        self.side.show()
        self.guidanceShown.emit()

    def _to_guidance(self) -> None:
        self.backRequested.emit(Step.GUIDANCE)

    def _stripe_error(self, code: str, description: str) -> None:
        if code == "proxy_auth":
            # Only the system browser can sign in to the practice's proxy.
            self.show_message(messages.for_key("webview_proxy", description),
                              self.use_system_browser)
            return
        key = {"load_failed": "webview_load", "page_crashed": "webview_crashed"}.get(
            code, "stripe_authorize_error")
        self.show_message(messages.for_key(key, f"{code}: {description}"), self.begin)

    def _external(self, url: str) -> None:
        host = urllib.parse.urlsplit(url).hostname or url
        answer = self.services.ask(
            self.tr("Open in your browser?"),
            self.tr("Stripe's page wants to open {host}. It will open in your web browser, "
                    "not here. Open it?").format(host=host))
        if answer == QMessageBox.StandardButton.Yes:
            self.services.open_external(url)

    def _session_idle(self) -> None:
        if self.browser is not None and not self._completed:
            self.show_message(messages.for_key("session_idle"), self.begin)

    # ---- wizard hooks ------------------------------------------------------------------

    def isComplete(self) -> bool:
        return self._completed and not self.working

    def leave(self) -> None:
        super().leave()
        self._idle.stop()
        self._drop_browser()

    def cleanupPage(self) -> None:
        session = self.state.session
        # Going back: Next from the page before starts on Stripe's sign-in again, unless the
        # person asks for the sign-up form again ("We don't have a Stripe account yet").
        self.state.landing = "login"
        self.leave()
        if session is not None and session.pending:
            # Going back: the portal should stop accepting this session's state.
            from dentally_setup.gui.worker import run_in_background

            client = self.state.client()
            run_in_background(lambda: cancel_quietly(client, session.id),
                              lambda _r: None, lambda _e: None)
        super().cleanupPage()

    def nextId(self) -> int:
        return int(Step.ACCOUNT_CHECK)
