"""What every wizard page shares: a title, a content area, a busy line, an error panel,
``call`` to run portal work in the background with cancel and "Try again", and the signals
through which a page tells the wizard what happened (see services.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget, QWizardPage

from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.a11y import ReadOutLabel
from dentally_setup.gui.busy import BusyLine
from dentally_setup.gui.error_panel import ErrorPanel
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.pages.services import PageServices

if TYPE_CHECKING:
    from dentally_setup.flow.messages import Message
    from dentally_setup.portal.client import PortalClient

log = logging.getLogger(__name__)
T = TypeVar("T")


class BasePage(QWizardPage):
    step: Step = Step.WELCOME
    # Build the next page while this one is on screen (the wizard does it once this page
    # is shown), for a next page that is slow to build and nearly always reached.
    warm_next: bool = False

    # The page has its content: the wizard may take its picture, resume or autopilot on.
    contentReady = Signal()
    # The page changed what "carry on where you left off" restores. The wizard saves it
    # at once: a direct connection, so it is on disk when emit() returns, which the Review
    # page relies on before it sends a write.
    progressChanged = Signal()
    # Go on to the next step, as Next would (a choice on the page that decides the way).
    nextRequested = Signal()
    # Go back to an earlier step (a Step), because the world changed there.
    backRequested = Signal(object)
    # The portal said whether Stripe is live (True) or in test mode (False).
    environmentKnown = Signal(object)
    # A problem is shown on the page (a flow.messages.Message), for the Support window.
    problemShown = Signal(object)

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.services = services
        self.setTitle(tr_flow(self.step.title))
        self.busy = BusyLine()
        self.errors = ErrorPanel()
        self._cancel: threading.Event | None = None
        self._outer = QVBoxLayout(self)
        self.body = QVBoxLayout()
        self._outer.addLayout(self.body, 1)
        self._outer.addWidget(self.errors)
        self._outer.addWidget(self.busy)

    # ---- helpers for subclasses ------------------------------------------------------

    def is_current(self) -> bool:
        """True while this page is the one the wizard shows."""
        wiz = self.wizard()
        return wiz is not None and wiz.currentPage() is self

    def paragraph(self, text: str = "", *, name: str = "") -> QLabel:
        # Imported here, not with the module: the first Qt.* value PySide hands out builds
        # the whole Qt namespace (~25 ms), which the first page's paint must not wait for.
        from PySide6.QtCore import Qt

        label = ReadOutLabel()  # its texts (results) are read out
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.RichText)
        label.setOpenExternalLinks(False)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if name:
            label.setAccessibleName(name)
        label.setText(text)  # named first: the text is then its description
        self.body.addWidget(label)
        return label

    @staticmethod
    def describe(descriptions: dict[QWidget, str]) -> None:
        """Accessible descriptions: what a control does, read out by a screen reader after
        its name."""
        for widget, text in descriptions.items():
            widget.setAccessibleDescription(text)

    @property
    def working(self) -> bool:
        return self._cancel is not None

    def call(
        self,
        work: Callable[[PortalClient], T],
        on_done: Callable[[T], None],
        busy_text: str,
        *,
        retry: Callable[[], None] | None = None,
        on_failed: Callable[[BaseException], bool] | None = None,
    ) -> None:
        """Run ``work(client)`` on a worker thread. The busy line offers Cancel; a failure
        is explained in the page with "Try again" (``retry``), unless ``on_failed``
        handles it (returns True)."""
        from dentally_setup.gui.worker import run_in_background  # not needed to paint a page

        self.cancel_work()
        cancel = threading.Event()
        self._cancel = cancel
        self.errors.clear()
        client = self.state.client().with_cancel(cancel)
        self.busy.start(busy_text, cancel=self.cancel_work)
        self.completeChanged.emit()

        def done(result: Any) -> None:
            if self._cancel is not cancel:
                return  # superseded or cancelled: a late answer must not change the page
            self._finish()
            on_done(result)

        def failed(exc: BaseException) -> None:
            from dentally_setup.flow import messages
            from dentally_setup.portal.errors import Cancelled

            if self._cancel is not cancel:
                return
            self._finish()
            if isinstance(exc, Cancelled):
                self.show_message(messages.for_portal_error(exc), retry)
                return
            if on_failed is not None and on_failed(exc):
                return
            msg = messages.for_exception(exc)
            log.warning("%s: %s %s", self.step.slug, msg.code, msg.details.splitlines()[0]
                        if msg.details else "")
            if msg.code == "DS-BUG":
                log.error("unexpected error on %s", self.step.slug, exc_info=exc)
            self.show_message(msg, retry)

        run_in_background(lambda: work(client), done, failed)

    def cancel_work(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self._cancel = None
        self.busy.stop()
        self.completeChanged.emit()

    def show_message(self, message: Message, retry: Callable[[], None] | None = None) -> None:
        self.errors.show_message(message, retry)
        self.problemShown.emit(message)

    def _finish(self) -> None:
        self._cancel = None
        self.busy.stop()
        self.completeChanged.emit()

    def cleanupPage(self) -> None:
        self.cancel_work()
        self.errors.clear()
        super().cleanupPage()

    def leave(self) -> None:
        """Called by the wizard when the person moves on from this page (either way)."""
        self.cancel_work()

    def validatePage(self) -> bool:
        # Next can also be pressed by the keyboard, resume or the autopilot: never leave a
        # page that is still busy or incomplete.
        return self.isComplete() and not self.working

    def autopilot_ready(self) -> bool:
        """True when the autopilot may press Next on this page."""
        return self.validatePage()
