"""--autopilot (demo only): walks the whole wizard by itself at a pace a room can follow,
clicking through the demo's imitation of Stripe inside the real web view (by script in the
page), and prints one JSON line with the result as its last output."""

from __future__ import annotations

import json
import logging
import sys
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from dentally_setup.flow.readiness import can_take_payments
from dentally_setup.flow.steps import Step
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.link import LinkPage
from dentally_setup.gui.pages.review import ReviewPage
from dentally_setup.gui.worker import run_in_background

if TYPE_CHECKING:
    from dentally_setup.gui.pages.account_check import AccountCheckPage
    from dentally_setup.gui.pages.payment_settings import PaymentSettingsPage
    from dentally_setup.gui.pages.stripe_status import StripeStatusPage
    from dentally_setup.gui.stripe_page.interface import StripeBrowser
    from dentally_setup.gui.wizard import SetupWizard

log = logging.getLogger(__name__)

# Picks the first account the chooser offers (an account connected elsewhere is disabled).
CHOOSE_FIRST = (
    "(() => { const r = document.querySelector('input[name=account]:not([disabled])');"
    " if (r) { r.checked = true; document.querySelector('#continue').click(); return 'chose'; }"
    " const c = document.querySelector('#create-account'); if (c) { c.click(); return 'create'; }"
    " return 'none'; })()"
)


class Autopilot(QObject):
    def __init__(self, wizard: SetupWizard, delay_ms: int = 800, timeout_s: int = 120) -> None:
        super().__init__(wizard)
        self.wizard = wizard
        self.delay = max(0, delay_ms)
        self.outcome = ""
        self.failure = ""
        self._finished = False
        self._acted_on: set[tuple[int, str]] = set()
        self._verified = False
        self._watchdog = QTimer(self)
        self._watchdog.setSingleShot(True)
        self._watchdog.timeout.connect(lambda: self.fail(f"did not finish in {timeout_s} s"))
        self._watchdog.start(timeout_s * 1000)
        wizard.linkEnded.connect(self._link_ended)
        wizard.browserCreated.connect(self._watch_browser)
        wizard.set_auto_next(self._page_ready)
        wizard.asker = lambda _title, _text: _yes()

    @property
    def scenario(self) -> str:
        demo = self.wizard.demo
        return demo.scenario if demo is not None else ""

    def start(self) -> None:
        welcome = self.wizard.pages[Step.WELCOME]
        self._later(lambda: self._next_from(welcome))

    def _later(self, action: Any) -> None:
        QTimer.singleShot(self.delay, action)

    # ---- pages -------------------------------------------------------------------------

    def _page_ready(self, page: BasePage) -> bool:
        if self._finished:
            return True
        step = page.step
        if step == Step.ACCOUNT_CHECK and not self._account_ready():
            self._complete_verification()
            return True
        if step == Step.SETTINGS:
            self._fill_settings()
        if isinstance(page, ReviewPage) and not page.isComplete():
            self._later(page.save)
            return True
        if step == Step.DONE:
            self.outcome = self.outcome or "linked"
            self._later(self.finish)
            return True
        if step == Step.STRIPE_STATUS and self.scenario == "no-stripe":
            # "We don't have a Stripe account yet", as a practice with no Stripe login does.
            self._later(cast("StripeStatusPage", page).sign_up)
            return True
        self._later(lambda: self._next_from(page))
        return True

    def _next_from(self, page: BasePage) -> None:
        if self.wizard.currentPage() is page and page.autopilot_ready():
            self.wizard.next()

    def _account_ready(self) -> bool:
        return can_take_payments(self.wizard.state.account)

    def _complete_verification(self) -> None:
        """What a person does on Stripe's dashboard: press "Complete verification" (the
        demo's imitation), then "Check again" in the app."""
        demo = self.wizard.demo
        acct = self.wizard.state.account
        if self._verified or demo is None or acct is None:
            self.fail("the linked account is not ready and the autopilot cannot fix it")
            return
        self._verified = True
        account_id = acct.id
        page = cast("AccountCheckPage", self.wizard.pages[Step.ACCOUNT_CHECK])
        # Off the GUI thread: the demo world saves itself to disk.
        run_in_background(lambda: demo.complete_verification(account_id),
                          lambda _r: self._later(page.refresh),
                          lambda exc: self.fail(f"could not complete verification: {exc!r}"))

    def _fill_settings(self) -> None:
        page = cast("PaymentSettingsPage", self.wizard.pages[Step.SETTINGS])
        if self.scenario == "group":
            # What an IT person does for a group: one policy for every site.
            page.same_for_all.setChecked(True)
        for box in (page.deposits_on, page.balances, page.invoices):
            box.setChecked(True)
        page.default.setText("25.00")
        page.default.textEdited.emit("25.00")

    # ---- the Stripe pages --------------------------------------------------------------

    def _watch_browser(self, browser: StripeBrowser) -> None:
        browser.pageKind.connect(lambda kind: self._later(lambda: self._stripe_page(browser, kind)))

    def _stripe_page(self, browser: StripeBrowser, kind: str) -> None:
        link = self.wizard.pages[Step.LINK]
        if self._finished or not isinstance(link, LinkPage) or link.browser is not browser:
            return
        key = (id(browser), kind)
        if key in self._acted_on:
            return
        self._acted_on.add(key)
        log.info("autopilot on Stripe page %s", kind)
        if kind == "signin":
            # Types the demo password shown on the page, as a trainer would.
            browser.run_js(f"document.querySelector('#password').value = {self._password_js()};"
                           " document.querySelector('#sign-in').click();")
        elif kind == "chooser":
            browser.run_js(CHOOSE_FIRST)
        elif kind == "new-account":
            browser.click("#create")  # sharing the legal entity, as Stripe offers it
        elif kind == "register":
            # Stripe's sign-up form for a new login: the practice's details are filled in;
            # a trainer types a password.
            browser.run_js(f"document.querySelector('#reg-password').value = {self._password_js()};"
                           " document.querySelector('#create').click();")
        elif kind == "authorize":
            browser.click("#deny" if self.scenario == "denied" else "#authorize")

    def _password_js(self) -> str:
        """The demo's password as a JavaScript string (the autopilot runs only in the demo)."""
        demo = self.wizard.demo
        return json.dumps(demo.demo_password if demo is not None else "")

    def _link_ended(self, status: str) -> None:
        if status == "completed":
            return
        self.outcome = status
        if status == "denied":
            self._later(self.finish)
        else:
            self.fail(f"the link ended as {status}")

    # ---- the end -----------------------------------------------------------------------

    def fail(self, reason: str) -> None:
        if self._finished:
            return
        self.failure = reason
        log.error("autopilot failed: %s", reason)
        self.finish()

    def finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        self._watchdog.stop()
        self.wizard.take_screenshot("autopilot-end")
        QApplication.quit()

    def report(self) -> dict[str, Any]:
        st = self.wizard.state
        acct = st.account
        app_acct = st.link.dentally_app_account if st.link else None
        data: dict[str, Any] = {
            "scenario": self.scenario,
            "outcome": self.outcome or ("failed" if self.failure else "unfinished"),
            "account_id": acct.id if acct and self.outcome == "linked" else None,
            "settings_saved": bool(st.saved),
            "sites_saved": len(st.saved),
            "pages": list(self.wizard.visited),
        }
        if app_acct is not None:
            data["dentally_app_account_id"] = app_acct.id
        if self.failure:
            data["error"] = self.failure
        return data

    def finish_report(self) -> int:
        """Print the JSON line (always last) and give the exit code."""
        print(json.dumps(self.report()), flush=True)
        if self.failure or not self._finished:
            print(f"autopilot: {self.failure or 'stopped before the end'}", file=sys.stderr)
            return 1
        return 0


def _yes() -> Any:
    from PySide6.QtWidgets import QMessageBox

    return QMessageBox.StandardButton.Yes
