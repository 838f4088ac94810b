"""The Support window: facts support asks for, readable aloud over a screen-share, with
"Copy diagnostics" (redacted text) and "Open log folder"."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from typing import TYPE_CHECKING, Protocol

import shiboken6
from PySide6.QtCore import QUrl, qVersion
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dentally_setup.flow import diagnostics
from dentally_setup.flow.stripe_page import ROUTE_WORDS, describe
from dentally_setup.gui.layouts import button_row
from dentally_setup.gui.log_view import LogView
from dentally_setup.gui.stripe_page.app_side_choice import link_route
from dentally_setup.gui.stripe_page_setting import StripePageSetting
from dentally_setup.gui.worker import run_in_background
from dentally_setup.redact import redact
from dentally_setup.store.config import load_config
from dentally_setup.store.paths import log_dir

if TYPE_CHECKING:
    from dentally_setup.flow.messages import Message
    from dentally_setup.flow.state import WizardState
    from dentally_setup.flow.steps import Step
    from dentally_setup.gui.pages.services import DemoWorld


class SupportFacts(Protocol):
    """What the Support window reads of the wizard."""

    @property
    def state(self) -> WizardState: ...
    @property
    def demo(self) -> DemoWorld | None: ...
    @property
    def visited(self) -> list[str]: ...
    @property
    def errors_seen(self) -> list[tuple[str, Message]]: ...

    def current_step(self) -> Step: ...


def qt_versions() -> list[tuple[str, str]]:
    import PySide6

    rows = [("Qt", qVersion()), ("PySide6", PySide6.__version__)]
    # Not imported to ask its version: QtWebEngine is not loaded in the app's own process
    # (Stripe's page runs in a web host process), and loading it here costs memory for good.
    if importlib.util.find_spec("PySide6.QtWebEngineCore") is None:
        rows.append(("QtWebEngine", "not installed"))
    else:
        try:
            version = importlib.metadata.version("PySide6_Addons")  # QtWebEngine's wheel
        except importlib.metadata.PackageNotFoundError:  # the built app has no metadata
            version = PySide6.__version__
        where = ROUTE_WORDS[link_route()]
        rows.append(("QtWebEngine", f"{version} (Stripe's page opens {where})"))
    return rows


class DiagnosticsWindow(QDialog):
    def __init__(self, wizard: SupportFacts, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.wizard = wizard
        self.setWindowTitle(self.tr("Support — diagnostics"))
        self.resize(720, 520)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("Diagnostics"))
        self.log_view = LogView()
        self.tabs = QTabWidget()
        self.tabs.addTab(self.text, self.tr("Diagnostics"))
        self.tabs.addTab(self.log_view, self.tr("Log"))
        self.text.setAccessibleDescription(self.tr(
            "Versions, the portal and Stripe checks and the last errors, with every secret "
            "hidden."))
        self.tabs.setAccessibleName(self.tr("Diagnostics and log"))
        self.tabs.setAccessibleDescription(self.tr("The diagnostics, or this run's log."))
        self.tabs.tabBar().setAccessibleName(self.tr("Diagnostics or log"))
        self.tabs.tabBar().setAccessibleDescription(self.tr(
            "Left and right arrows switch between the diagnostics and the log."))
        self.copy_button = QPushButton(self.tr("Copy diagnostics"))
        self.copy_button.setAccessibleName(self.tr("Copy the diagnostics to the clipboard"))
        self.copy_button.clicked.connect(self.copy)
        self.logs_button = QPushButton(self.tr("Open log folder"))
        self.logs_button.setAccessibleName(self.tr("Open the folder with the log files"))
        self.copy_button.setAccessibleDescription(self.tr("Copies the text above without any "
                                                          "password or token."))
        self.logs_button.setAccessibleDescription(self.tr("Opens the log folder in the file "
                                                          "manager."))
        self.logs_button.clicked.connect(
            lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir()))))
        close = QPushButton(self.tr("Close"))
        close.setAccessibleName(self.tr("Close the support window"))
        close.setAccessibleDescription(self.tr("Settings chosen here are already saved."))
        close.clicked.connect(self.accept)
        row = button_row(self.copy_button, self.logs_button, end=(close,))
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        # Where Stripe's page opens: support changes it here over a screen-share.
        self.stripe_page = StripePageSetting()
        self.stripe_page.changed.connect(lambda _route: self.refresh())
        layout.addWidget(self.stripe_page)
        layout.addLayout(row)
        self._portal = "checking…"
        self._stripe = "checking…"
        self._keyring = "checking…"
        self.refresh()
        self._check_in_background()

    def _check_in_background(self) -> None:
        state = self.wizard.state
        client = state.client() if state.token and state.portal_url else None
        demo = self.wizard.demo
        stripe_url = demo.stripe_url if demo is not None else "https://connect.stripe.com/"

        def work() -> tuple[str, str, str]:
            from dentally_setup.store.secrets import backend_name

            return (diagnostics.reachability(client), diagnostics.stripe_reachability(stripe_url),
                    backend_name())

        def done(result: tuple[str, str, str]) -> None:
            # The checks take up to a few seconds: the window (or the wizard with it) may
            # have closed and been deleted since.
            if not (shiboken6.isValid(self) and shiboken6.isValid(self.wizard)):
                return
            self._portal, self._stripe, self._keyring = result
            self.refresh()

        run_in_background(work, done, lambda exc: None)

    def refresh(self) -> None:
        wiz = self.wizard
        rows = diagnostics.collect(
            qt_versions=qt_versions(),
            page=wiz.current_step().title,
            history=wiz.visited,
            portal_url=wiz.state.portal_url,
            portal_status=self._portal,
            stripe_status=self._stripe,
            keyring_backend=self._keyring,
            errors=wiz.errors_seen,
            log_dir=str(log_dir()),
            mode="demo" if wiz.demo is not None else "normal",
        )
        rows += describe(load_config(), os.environ.get("DENTALLY_WEBVIEW"))
        self.text.setPlainText(diagnostics.as_text(rows))

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(redact(self.text.toPlainText()))
