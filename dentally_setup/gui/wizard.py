"""The wizard window: one page per step, a visible list of steps, the environment banner
(DEMO / TEST MODE / LIVE) and a Support button, all beside the pages.

The wizard gives each page the services it may ask for (it implements
pages.services.PageServices) and connects the page's signals: a page never calls the
wizard."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QWidget,
    QWizard,
)

from dentally_setup import APP_NAME
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import MAIN_PATH, Step
from dentally_setup.gui.first_paint import after_first_paint
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.registry import LazyPages
from dentally_setup.gui.pages.services import DemoWorld
from dentally_setup.gui.side_panel import SidePanel
from dentally_setup.gui.stripe_page.app_side_lifecycle import HostLifecycle

# QMessageBox, QUrl and the rest are imported where they are used, after the first paint:
# PySide builds the Python side of a Qt class the first time it is imported (~2 ms for
# QMessageBox).
if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from dentally_setup.flow.messages import Message
    from dentally_setup.gui.pages.link import LinkPage
    from dentally_setup.gui.pages.welcome import WelcomePage
    from dentally_setup.gui.zoom import Zoom

log = logging.getLogger(__name__)


class SetupWizard(QWizard):
    linkEnded = Signal(str)
    browserCreated = Signal(object)

    def __init__(
        self,
        state: WizardState,
        *,
        demo: DemoWorld | None = None,
        screenshots: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.demo = demo
        self.screenshots = screenshots
        self.opener: Callable[[str], None] = self._open_in_system_browser
        self.asker: Callable[[str, str], QMessageBox.StandardButton] = self._ask_with_box
        self.errors_seen: list[tuple[str, Message]] = []
        self.visited: list[str] = []
        self._shots = 0
        self._auto_next: Callable[[BasePage], bool] | None = None
        self.zoom: Zoom | None = None  # set by run.py
        # Where Next goes instead of the current page's choice (see go_back_to).
        self._detour: Step | None = None

        self.setWindowTitle(APP_NAME + (self.tr(" — DEMO (no real money)") if demo else ""))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.resize(1180, 760)
        self.pages = LazyPages(state, self, self._add_page)
        self.pages[Step.WELCOME]
        self.setStartId(int(Step.WELCOME))
        self.side_panel = SidePanel(demo=demo is not None)  # kept: PySide would free it
        self.side_panel.support_button.clicked.connect(self.open_support)
        self.banner, self.steps = self.side_panel.banner, self.side_panel.steps
        self.notice = self.side_panel.notice
        self.support_button = self.side_panel.support_button
        self.setSideWidget(self.side_panel)
        for which, name, text in (
            (QWizard.WizardButton.BackButton, self.tr("Back"),
             self.tr("Goes to the previous step. What you entered is kept.")),
            (QWizard.WizardButton.NextButton, self.tr("Next"),
             self.tr("Goes to the next step when this one is complete.")),
            (QWizard.WizardButton.CancelButton, self.tr("Cancel"),
             self.tr("Closes the assistant. Next time you can carry on where you left off.")),
            (QWizard.WizardButton.FinishButton, self.tr("Finish"),
             self.tr("Closes the assistant; everything is saved.")),
        ):
            button = self.button(which)
            button.setAccessibleName(name)
            button.setAccessibleDescription(text)
        self.currentIdChanged.connect(self._page_changed)
        self._previous: BasePage | None = None
        # Stripe's page's process starts ahead of the link page and ends when no page is
        # ahead: decided there from the current step.
        self.host_lifecycle = HostLifecycle(
            self, allow_scripts=demo is not None,
            busy=lambda: self._previous is not None and self._previous.working)
        # Not set_environment: nothing is polished before the window is shown, so the style
        # sheet will read the banner's kind then (a repolish now would only cost that paint).
        self.side_panel.label_environment(None)
        after_first_paint(self, self.side_panel.settle)

    def _add_page(self, step: Step, page: BasePage) -> None:
        """A page was made: add it, and listen to what it reports."""
        self.setPage(int(step), page)
        page.contentReady.connect(lambda: self.page_ready(page))
        page.progressChanged.connect(self.save_progress)
        page.nextRequested.connect(self.next)
        page.backRequested.connect(self.go_back_to)
        page.environmentKnown.connect(self.set_environment)
        page.problemShown.connect(self.note_error)
        # Pages with more to say. Their modules load when first reached (registry.py), so
        # the class comes from the page table, not from an import here.
        if step == Step.WELCOME:
            cast("WelcomePage", page).demoResetRequested.connect(self.reset_demo)
        elif step == Step.LINK:
            link = cast("LinkPage", page)
            link.browserCreated.connect(self.browserCreated)
            link.linkEnded.connect(self._link_ended)
            link.guidanceShown.connect(lambda: self.take_screenshot("link-guidance"))

    def nextId(self) -> int:
        """Where Next goes: the current page's choice, unless the wizard takes a detour."""
        if self._detour is not None:
            return int(self._detour)
        return super().nextId()

    def validateCurrentPage(self) -> bool:
        """Before Qt moves on, make sure the page it moves to exists."""
        if not super().validateCurrentPage():
            return False
        next_id = self.nextId()
        if next_id >= 0:
            self.pages[Step(next_id)]
        return True

    # ---- side panel --------------------------------------------------------------------

    def set_environment(self, livemode: bool | None) -> None:
        self.side_panel.set_environment(livemode)

    def show_notice(self, text: str, *, add: bool = False) -> None:
        self.side_panel.show_notice(text, add=add)

    # ---- page changes ------------------------------------------------------------------

    def current_step(self) -> Step:
        cid = self.currentId()
        return Step(cid) if cid >= 0 else Step.WELCOME

    def _page_changed(self, page_id: int) -> None:
        opening = self._previous is None
        self._detour = None
        if self._previous is not None:
            self._previous.leave()
        if page_id < 0:
            return
        step = Step(page_id)
        self._previous = self.pages[step]
        self.host_lifecycle.on_step(step)
        self.visited.append(step.slug)
        self.state.history.append(step.slug)
        shown = step if step in MAIN_PATH else Step.LINK
        self.side_panel.mark_step(MAIN_PATH.index(shown))
        # Not for the start page as the window opens: nothing has been entered yet, and last
        # time's progress must still be there for the resume question (asked once the page
        # is on screen).
        if not opening:
            self.save_progress()
        if self._previous.warm_next:
            QTimer.singleShot(0, lambda: self.pages.build_next(self.currentPage()))

    def page_ready(self, page: BasePage) -> None:
        """A page has its content (its contentReady signal). Pages say so from
        initializePage, before Qt has laid the page out, so the rest waits one turn of the
        event loop."""
        if page is not self.currentPage():
            return
        QTimer.singleShot(0, lambda: self._after_ready(page))

    def _after_ready(self, page: BasePage) -> None:
        """Take the page's picture, then let a resume or the autopilot move on."""
        if page is not self.currentPage():
            return
        self.take_screenshot(page.step.slug)
        target = self.state.resume_target
        if target is not None:
            if page.step >= target:
                self.state.resume_target = None
            elif page.isComplete():
                self.next()
                return
        if self._auto_next is not None:
            self._auto_next(page)

    def set_auto_next(self, hook: Callable[[BasePage], bool] | None) -> None:
        self._auto_next = hook

    def _link_ended(self, status: str) -> None:
        self.linkEnded.emit(status)
        if status == "completed":
            # "completed goes on": the person should not need to press Next after Stripe.
            QTimer.singleShot(0, self.next)

    def go_back_to(self, step: Step) -> None:
        """Go back through the history to ``step`` (e.g. after a 409 stripe_not_ready)."""
        if int(step) not in self.visitedIds():
            if step == Step.GUIDANCE:
                # The link page spotted the one-platform trap and the person asked how: back
                # to the Stripe status page, and from there to the guidance (a detour until
                # the page changes).
                self._back_to(Step.STRIPE_STATUS)
                # Sign in with the usual login; Stripe's chooser makes the new account.
                self.state.landing = "login"
                self._detour = Step.GUIDANCE
                QTimer.singleShot(0, self.next)
            return
        self._back_to(step)
        # QWizard does not re-initialise a page it goes back to; here the world changed
        # (that is why we came back), so read it afresh.
        self.pages[step].initializePage()

    def _back_to(self, step: Step) -> None:
        while self.currentId() != int(step) and self.currentId() != self.startId():
            self.back()

    # ---- services for pages (PageServices) ---------------------------------------------

    @property
    def screenshots_wanted(self) -> bool:
        return self.screenshots is not None

    def ask(self, title: str, text: str) -> QMessageBox.StandardButton:
        return self.asker(title, text)

    def _ask_with_box(self, title: str, text: str) -> QMessageBox.StandardButton:
        from PySide6.QtWidgets import QMessageBox

        return QMessageBox.question(self, title, text)

    def open_external(self, url: str) -> None:
        log.info("opening the system browser")
        self.opener(url)

    @staticmethod
    def _open_in_system_browser(url: str) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        QDesktopServices.openUrl(QUrl(url))

    def dashboard_url(self, account_id: str) -> str:
        if self.demo is not None:
            return self.demo.dashboard_url(account_id)
        return self.state.stripe_dashboard_url

    def remember_portal(self, url: str, token: str, remember: bool) -> None:
        """Save the address in the config and (if asked) the token in the keyring, off the
        GUI thread: the keyring can take a moment, or hang on a locked session."""
        if self.demo is not None:
            return
        from dentally_setup.gui.worker import run_in_background
        from dentally_setup.store import config as config_store
        from dentally_setup.store import secrets

        cfg = config_store.load_config()
        if cfg.portal_url != url:
            cfg.portal_url = url
            config_store.save_config(cfg)
        if not remember:
            # A shared PC: "don't remember" also forgets a token remembered before.
            run_in_background(lambda: secrets.delete_token(url), lambda _r: None,
                              lambda exc: log.warning("could not forget the token: %r", exc))
            return

        def stored(result: secrets.StoreResult) -> None:
            # Said once per run: the store flags only the first fallback for showing.
            if result.show_warning and result.message:
                self.show_notice(result.message)

        run_in_background(lambda: secrets.set_token(url, token), stored,
                          lambda exc: log.warning("could not store the token: %r", exc))

    def reset_demo(self, scenario: str) -> None:
        if self.demo is None:
            return
        from dentally_setup.store import progress as progress_store

        self.demo.reset(scenario)
        self.state.scenario = scenario
        progress_store.clear_progress()
        log.info("demo reset to scenario %s", scenario)
        self.show_notice(self.tr("Demo reset: {scenario}.").format(scenario=scenario))

    def save_progress(self) -> None:
        from dentally_setup.store import progress as progress_store

        step = self.current_step()
        if step == Step.DONE:
            progress_store.clear_progress()
            return
        try:
            progress_store.save_progress(self.state.to_progress(step))
        except (OSError, ValueError) as exc:
            log.warning("could not save progress: %r", exc)

    def note_error(self, message: Message) -> None:
        from datetime import datetime

        self.errors_seen.append((datetime.now().strftime("%H:%M:%S"), message))
        del self.errors_seen[:-20]
        self.take_screenshot(f"{self.current_step().slug}-problem")

    def take_screenshot(self, name: str) -> None:
        if self.screenshots is None:
            return
        self._shots += 1
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{self._shots:02d}-{name}.png"
        self.grab().save(str(path))

    def open_support(self) -> None:
        from dentally_setup.gui.diagnostics import DiagnosticsWindow

        window = DiagnosticsWindow(self, self)
        window.show()

    def done(self, result: int) -> None:
        if result == int(QWizard.DialogCode.Accepted):
            from dentally_setup.store import progress as progress_store

            progress_store.clear_progress()
        for page in self.pages.values():
            page.leave()
        super().done(result)
