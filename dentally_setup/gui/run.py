"""Start the GUI: the QApplication, the resume question, the wizard, and the autopilot. The
demo world, when asked for, is started by the entry point and handed in (a DemoWorld)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING

from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.flow.stripe_page import Route, route_for
from dentally_setup.gui.qtsetup import EMBEDDING_PLATFORMS, expected_platform, prepare_qt
from dentally_setup.resources import resource
from dentally_setup.store.config import Config

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication

    from dentally_setup.gui.pages.services import DemoWorld
    from dentally_setup.gui.wizard import SetupWizard

log = logging.getLogger(__name__)


def make_app(args: argparse.Namespace, cfg: Config) -> QApplication:
    # Where Stripe's page will open, guessed before the QApplication exists: QtWebEngine in
    # the app's own process needs a shared GL context set up now (a choice made later in the
    # Support window makes do without it: app_side_choice.prepare_in_process_engine).
    route = route_for(expected_platform(), cfg, os.environ.get("DENTALLY_WEBVIEW"),
                      EMBEDDING_PLATFORMS)
    prepare_qt(args.software_rendering or cfg.software_rendering,
               webengine_here=route is Route.INLINE)
    from PySide6.QtCore import QLocale
    from PySide6.QtWidgets import QApplication

    from dentally_setup.gui.i18n import install_translator

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    # The system's language when resources/translations has it (the source is en-GB).
    if install_translator(app):
        log.info("translation installed for %s", QLocale.system().name())
    qss = resource("style.qss")
    if qss.exists():
        app.setStyleSheet(qss.read_text(encoding="utf-8"))
    return app


def set_window_icon(app: QApplication) -> None:
    """Called after the first paint: the icon is the window system's to draw, not part of
    the page, and loading Qt's SVG support is a few milliseconds the page need not wait for."""
    from PySide6.QtGui import QIcon

    app.setWindowIcon(QIcon(str(resource("app-icon.svg"))))  # SVG: crisp at any scale


def initial_state(args: argparse.Namespace, demo: DemoWorld | None) -> WizardState:
    state = WizardState(demo=demo is not None, scenario=demo.scenario if demo else None)
    if demo is not None:
        state.portal_url, state.token = demo.portal_url, demo.token
        return state
    from dentally_setup.store.config import load_config

    cfg = load_config()
    state.portal_url = args.portal_url or os.environ.get("DENTALLY_PORTAL_URL") or (
        cfg.portal_url or "")
    state.token = os.environ.get("DENTALLY_PORTAL_TOKEN", "")
    return state


def offer_resume(wizard: SetupWizard, args: argparse.Namespace) -> None:
    """"Carry on where you left off?" when unfinished progress exists for this mode."""
    from PySide6.QtWidgets import QMessageBox

    from dentally_setup.store import progress as progress_store

    saved, warning = progress_store.load_progress()
    if warning:
        # Not a modal box: it must not block a kiosk autopilot, and nothing needs answering.
        # Added to, not replacing, a notice about the settings file shown just before.
        wizard.show_notice(warning, add=True)
    if saved is None or args.fresh or args.autopilot:
        return
    state = wizard.state
    if saved.demo != state.demo or (saved.portal_url and not state.demo
                                    and saved.portal_url != state.portal_url):
        return
    try:
        if Step.from_slug(saved.step) <= Step.WELCOME:
            return  # nothing was entered yet: just start
    except ValueError:
        return
    step = state.restore(saved)
    from PySide6.QtCore import QCoreApplication

    from dentally_setup.gui.i18n import tr_flow

    answer = wizard.ask(
        QCoreApplication.translate("Resume", "Carry on where you left off?"),
        QCoreApplication.translate(
            "Resume", "Last time you reached “{page}”. Carry on from there? What you entered "
            "is kept; the portal is checked again first.").format(page=tr_flow(step.title)))
    if answer != QMessageBox.StandardButton.Yes:
        state.drafts.clear()
        state.pending_writes.clear()
        progress_store.clear_progress()
        return
    state.resume_target = step
    log.info("resuming towards %s", step.slug)


def log_unexpected(exc_type: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
    """sys.excepthook for the window: PySide hands it what a slot or a page's override
    raised and did not handle. The details go to the log (redacted there), never to the
    person's screen; support finds them by the DS-BUG line."""
    log.error("DS-BUG: unexpected error inside the app", exc_info=(exc_type, exc, tb))


def run_gui(args: argparse.Namespace, demo: DemoWorld | None = None) -> int:
    from dentally_setup.gui.log_records import log_handler
    from dentally_setup.store.config import load_config_with_warning

    log_handler()  # the Support window's log view shows this run from its start
    sys.excepthook = log_unexpected
    loaded = load_config_with_warning()
    cfg = loaded.config
    app = make_app(args, cfg)

    from dentally_setup.gui.first_paint import after_first_paint, quit_after_first_paint
    from dentally_setup.gui.wizard import SetupWizard

    state = initial_state(args, demo)
    wizard = SetupWizard(state, demo=demo, screenshots=args.screenshots)

    def add_zoom() -> None:
        from dentally_setup.gui.zoom import Zoom

        wizard.zoom = Zoom(wizard, app, cfg.zoom, presenter=args.presenter or cfg.presenter)

    if cfg.zoom != 1.0 or args.presenter or cfg.presenter:
        add_zoom()  # a chosen text size is part of how the first page looks
    if loaded.warning:
        wizard.show_notice(loaded.warning)
    autopilot = None
    if args.autopilot:
        from dentally_setup.gui.autopilot import Autopilot

        delay = args.autopilot_delay * (2 if args.presenter or cfg.presenter else 1)
        autopilot = Autopilot(wizard, delay_ms=delay)
        # It never resumes, but a bad file is set aside; and before the window opens,
        # as it moves on (and saves) as soon as the first page is ready.
        offer_resume(wizard, args)

    def painted() -> None:
        # What the person needs before they can act but not to see the first page waits
        # for its first paint (start-up is "launch to the first page on screen").
        set_window_icon(app)
        if wizard.zoom is None:
            add_zoom()  # the system's text size: only the keys that change it were missing
        if autopilot is None:
            offer_resume(wizard, args)
            if state.resume_target is not None:
                wizard.next()

    after_first_paint(wizard, painted)
    if args.quit_after_first_paint:
        quit_after_first_paint(wizard)
    wizard.show()
    if autopilot is not None:
        autopilot.start()
    code = app.exec()
    if autopilot is not None:
        return autopilot.finish_report()
    return int(code)
