"""Page 2: the portal address and API token, checked with GET /v1/practice."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from dentally_setup.flow import messages
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.a11y import ReadOutLabel
from dentally_setup.gui.layouts import button_row
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.portal.client import PortalClient, check_portal_url
from dentally_setup.portal.errors import PortalError
from dentally_setup.portal.models import AppointmentType, Practice, StripeLink
from dentally_setup.redact import register_secret

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _SignedIn:
    practice: Practice
    types: list[AppointmentType]
    link: StripeLink


class SignInPage(BasePage):
    step = Step.SIGN_IN

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, services, parent)
        self.setSubTitle(self.tr("Enter the portal's address and its API token."))
        self.paragraph(
            self.tr("Both are in the Dentally Portal web admin under <b>Settings → API tokens</b>.")
        )
        self.url = QLineEdit()
        self.url.setPlaceholderText(self.tr("https://your-practice.portal.example/api"))
        self.url.setAccessibleName(self.tr("Portal address"))
        self.token = QLineEdit()
        # Masked: support often watches over a screen-share; showing it is a deliberate click.
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setAccessibleName(self.tr("API token"))
        self.token.setAccessibleDescription(self.tr("Hidden. Press Show to see it."))
        self.show_token = QPushButton(self.tr("Show"))
        self.show_token.setCheckable(True)
        self.show_token.setAccessibleName(self.tr("Show the API token"))
        self.show_token.toggled.connect(self._toggle_show)
        self.remember = QCheckBox(
            self.tr("Remember the token on this PC (in its password store)"))
        self.remember.setChecked(True)
        self.remember.setAccessibleName(self.tr("Remember the token on this PC"))
        self.check_button = QPushButton(self.tr("Sign in"))
        self.check_button.setAccessibleName(self.tr("Sign in to the portal"))
        self.check_button.setDefault(False)
        self.check_button.clicked.connect(self.sign_in)
        self.result = ReadOutLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName(self.tr("Sign-in result"))
        self.describe({
            self.url: self.tr("The portal's API address, starting with https://"),
            self.show_token: self.tr("Shows or hides the token. Others may be watching your "
                                     "screen."),
            self.remember: self.tr("Keeps the token in this computer's password store so "
                                   "you are not asked next time."),
            self.check_button: self.tr("Checks the address and token with the portal."),
        })
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        token_row.addWidget(self.show_token)
        form = QFormLayout()
        form.addRow(self.tr("Portal address:"), self.url)
        token_label = QLabel(self.tr("API token:"))
        token_label.setBuddy(self.token)  # a row of two widgets gets no label by itself
        form.addRow(token_label, token_row)
        form.addRow("", self.remember)
        form.addRow("", button_row(self.check_button))  # as wide as its words, not the form
        self.body.addLayout(form)
        self.body.addWidget(self.result)
        self.body.addStretch(1)
        self.url.textEdited.connect(self._edited)
        self.token.textEdited.connect(self._edited)
        self.token.returnPressed.connect(self.sign_in)
        self._signed_in = False
        self.keyring_note = ""

    def initializePage(self) -> None:
        demo = self.services.demo
        if not self.url.text():
            self.url.setText(self.state.portal_url)
        if not self.token.text() and self.state.token:
            self.token.setText(self.state.token)
        self.remember.setVisible(demo is None)
        if self.state.token and not self._signed_in:
            # Demo mode, a token from the environment, or a resume: check straight away.
            self.sign_in()
        elif demo is None and self.url.text() and not self.token.text():
            self._look_up_remembered(self.url.text().strip().rstrip("/"))

    def _look_up_remembered(self, url: str) -> None:
        """A token remembered on this PC signs in by itself. The keyring is asked off the
        GUI thread: it can take a moment, or hang on a locked session (5 s at most)."""
        from dentally_setup.gui.worker import run_in_background
        from dentally_setup.store import secrets

        def found(token: str | None) -> None:
            if token and not self.token.text() and self.url.text().strip().rstrip("/") == url:
                self.token.setText(token)
                self.sign_in()

        run_in_background(lambda: secrets.get_token(url), found,
                          lambda exc: log.warning("keyring lookup failed: %r", exc))

    def _toggle_show(self, shown: bool) -> None:
        self.token.setEchoMode(QLineEdit.EchoMode.Normal if shown else QLineEdit.EchoMode.Password)
        self.show_token.setText(self.tr("Hide") if shown else self.tr("Show"))

    def _edited(self) -> None:
        if self._signed_in:
            self._signed_in = False
            self.result.clear()
            self.completeChanged.emit()

    def sign_in(self) -> None:
        try:
            url = check_portal_url(self.url.text())
        except (ValueError, PortalError) as exc:
            text = exc.message if isinstance(exc, PortalError) else str(exc)
            self.show_message(
                messages.Message("DS-URL", text, self.tr("Correct the portal address.")))
            return
        token = self.token.text().strip()
        if not token:
            self.show_message(messages.Message(
                "DS-TOKEN", self.tr("The API token is empty."),
                self.tr("Paste the token from the web admin.")))
            return
        register_secret(token)
        self.state.portal_url, self.state.token = url, token
        self.state.forget_client()

        def work(client: PortalClient) -> _SignedIn:
            return _SignedIn(client.practice(), client.appointment_types(), client.stripe_link())

        self.call(work, self._signed, self.tr("Signing in to the portal…"), retry=self.sign_in)

    def _signed(self, result: _SignedIn) -> None:
        self.state.practice, self.state.types, self.state.link = (
            result.practice, result.types, result.link)
        sites = ", ".join(s.name for s in result.practice.sites)
        self.result.setText(
            self.tr("<b>Signed in.</b> Practice: {practice}<br>Sites: {sites}")
            .format(practice=result.practice.name, sites=sites))
        self._signed_in = True
        self.environmentKnown.emit(result.link.livemode)
        self.services.remember_portal(self.state.portal_url, self.state.token,
                                      self.remember.isChecked())
        self.completeChanged.emit()
        self.contentReady.emit()

    def isComplete(self) -> bool:
        return self._signed_in and not self.working

    def nextId(self) -> int:
        return int(Step.STRIPE_STATUS)
