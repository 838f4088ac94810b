"""Page 3: is the portal linked to Stripe? Linked: show the account and go on to the
settings (or unlink and link another). Not linked: explain what happens next, including the
one-platform rule when the practice's account already serves the Dentally app, and offer
"We don't have a Stripe account yet" (Stripe's sign-up form, ``landing: register``, filled
in with the practice's details) for a practice with no Stripe login at all."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from dentally_setup.flow.routing import after_stripe_status
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.layouts import button_row
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import StripeLink


def esc(text: str | None) -> str:
    return html.escape(text or "")


class StripeStatusPage(BasePage):
    step = Step.STRIPE_STATUS

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, services, parent)
        self.setSubTitle(self.tr("Is the portal already linked to a Stripe account?"))
        self.summary = self.paragraph(name=self.tr("Stripe link status"))
        self.explain = self.paragraph(name=self.tr("What happens next"))
        self.unlink_button = QPushButton(self.tr("Unlink and link another account…"))
        self.unlink_button.setAccessibleName(self.tr("Unlink this Stripe account and link another"))
        self.unlink_button.clicked.connect(self._unlink)
        self.refresh_button = QPushButton(self.tr("Check again"))
        self.refresh_button.setAccessibleName(self.tr("Check the Stripe link again"))
        self.refresh_button.clicked.connect(self.refresh)
        self.no_stripe_button = QPushButton(self.tr("We don't have a Stripe account yet"))
        self.no_stripe_button.setAccessibleName(self.tr(
            "We don't have a Stripe account yet: sign up on Stripe"))
        self.no_stripe_button.clicked.connect(self.sign_up)
        self.describe({
            self.no_stripe_button: self.tr("Opens Stripe's sign-up form for a new Stripe "
                                           "login, filled in with the practice's details."),
            self.unlink_button: self.tr("Unlinks this Stripe account from the portal; "
                                        "payments stop until another is linked."),
            self.refresh_button: self.tr("Asks the portal again whether Stripe is linked."),
        })
        self.body.addLayout(
            button_row(self.refresh_button, self.unlink_button, self.no_stripe_button))
        self.body.addStretch(1)
        self._loaded = False

    def initializePage(self) -> None:
        self.state.relink = False
        # Sign-in is the way for any practice with a Stripe login; the sign-up form only
        # when the person says there is none (sign_up).
        self.state.landing = "login"
        self.refresh()

    def refresh(self) -> None:
        self._loaded = False
        self.summary.setText("")
        self.explain.setText("")
        self.unlink_button.hide()
        self.no_stripe_button.hide()
        self.call(lambda c: c.stripe_link(), self._show, self.tr("Asking the portal about Stripe…"),
                  retry=self.refresh)

    def _show(self, link: StripeLink) -> None:
        self.state.link = link
        self.environmentKnown.emit(link.livemode)
        app = link.dentally_app_account
        if link.linked and link.account is not None:
            acct = link.account
            self.summary.setText(
                self.tr("<b>The portal is linked to Stripe.</b><br>Account: {name} ({id})")
                .format(name=esc(acct.display_name), id=esc(acct.id)))
            self.explain.setText(
                self.tr("Press <b>Next</b> to check the account and set up payments."))
            self.unlink_button.show()
        elif app is not None:
            self.summary.setText(
                self.tr("<b>The portal is not linked to Stripe yet.</b><br>"
                        "The practice's Stripe account <b>{name}</b> ({id}) already serves the "
                        "Dentally app.")
                .format(name=esc(app.business_name) or self.tr("unnamed"), id=esc(app.id)))
            self.explain.setText(self.tr(
                "Stripe lets an account work with <b>one</b> platform only, so that account "
                "cannot also serve the portal. You will create a second Stripe account that "
                "shares the practice's business details. Nothing changes for the Dentally app. "
                "Press <b>Next</b> to see how."))
        else:
            self.summary.setText(self.tr("<b>The portal is not linked to Stripe yet.</b>"))
            self.explain.setText(self.tr(
                "Next, Stripe's own page opens. Sign in with the practice's Stripe login, "
                "choose the practice's account and press <b>Connect</b>. Press <b>Next</b> "
                "to start.<br><br>If the practice has no Stripe login at all, press <b>We "
                "don't have a Stripe account yet</b>: Stripe's sign-up form opens, filled in "
                "with the practice's details."))
            self.no_stripe_button.show()
        self._loaded = True
        self.completeChanged.emit()
        self.contentReady.emit()

    def _unlink(self) -> None:
        answer = self.services.ask(
            self.tr("Unlink Stripe?"),
            self.tr("Unlinking switches off deposits and online payments on every site until "
                    "another Stripe account is linked. Unlink now?"),
        )
        if answer != QMessageBox.StandardButton.Yes:
            return

        def work(client: PortalClient) -> StripeLink:
            return client.unlink()

        def done(link: StripeLink) -> None:
            self.state.relink = True
            self._show(link)

        self.call(work, done, self.tr("Unlinking…"))

    def sign_up(self) -> None:
        """"We don't have a Stripe account yet": on to Stripe's sign-up form."""
        self.state.landing = "register"
        self.nextRequested.emit()

    def isComplete(self) -> bool:
        return self._loaded and not self.working

    def nextId(self) -> int:
        if self.state.landing == "register":
            return int(Step.LINK)
        if self.state.link is None:
            return int(Step.LINK)
        return int(after_stripe_status(self.state.link, relink=self.state.relink))
