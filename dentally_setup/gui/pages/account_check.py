"""Page 5: the linked account, and whether it can take payments yet, in people's words."""

from __future__ import annotations

from PySide6.QtWidgets import QPushButton, QWidget

from dentally_setup.flow.readiness import Readiness, can_take_payments, readiness
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.layouts import button_row
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.gui.pages.stripe_status import esc
from dentally_setup.portal.models import StripeLink


class AccountCheckPage(BasePage):
    step = Step.ACCOUNT_CHECK
    # The settings page (its module, a types table, a group's site lists) took 65-95 ms of
    # the window's time to build when Next was pressed; built while this page waits for
    # Stripe's answer or the person reads it, Next opens it without that wait.
    warm_next = True

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, services, parent)
        self.setSubTitle(self.tr("Can the linked Stripe account take payments?"))
        self.account_text = self.paragraph(name=self.tr("Linked account"))
        self.status_text = self.paragraph(name=self.tr("Whether the account can take payments"))
        self.needs_text = self.paragraph(name=self.tr("What Stripe still needs"))
        self.next_text = self.paragraph(name=self.tr("What to do next"))
        self.both_text = self.paragraph(name=self.tr("The Dentally app's account"))
        self.open_button = QPushButton(self.tr("Open Stripe to finish"))
        self.open_button.setAccessibleName(self.tr("Open Stripe in my browser to finish"))
        self.open_button.clicked.connect(self._open_stripe)
        self.check_button = QPushButton(self.tr("Check again"))
        self.check_button.setAccessibleName(self.tr("Check the account again"))
        self.check_button.clicked.connect(self.refresh)
        self.describe({
            self.open_button: self.tr("Opens Stripe in your web browser, where the account "
                                      "owner can give Stripe what it still needs."),
            self.check_button: self.tr("Asks Stripe again whether the account can take "
                                       "payments."),
        })
        self.body.addLayout(button_row(self.open_button, self.check_button))
        self.body.addStretch(1)
        self._loaded = False
        self.final = False

    @property
    def ready(self) -> bool:
        return self._loaded and can_take_payments(self.state.account)

    def initializePage(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        self._loaded = False
        self.call(lambda c: c.stripe_link(), self._show,
                  self.tr("Asking Stripe about the account…"), retry=self.refresh)

    def _show(self, link: StripeLink) -> None:
        self.state.link = link
        acct = link.account
        if not link.linked or acct is None:
            self.account_text.setText(self.tr("<b>The portal is not linked to Stripe any more.</b> "
                                              "Go back and link it again."))
            self.status_text.clear()
            self.needs_text.clear()
            self.next_text.clear()
            self.both_text.clear()
            self.open_button.hide()
            self._loaded = True
            self.completeChanged.emit()
            return
        if acct.display_name != acct.id:
            heading = self.tr("Linked account: <b>{name}</b> ({id})").format(
                name=esc(acct.display_name), id=esc(acct.id))
        else:  # Stripe gave no name and no email: the id alone, not "acct_1 (acct_1)"
            heading = self.tr("Linked account: <b>{id}</b>").format(id=esc(acct.id))
        self.account_text.setText(heading)
        r = readiness(acct)
        self.final = r.final
        # words and a sign, not colour
        mark = self.tr("✔ Ready:") if r.ready else self.tr("✖ Not ready yet:")
        if r.final:
            mark = self.tr("✖ Closed:")
        self.status_text.setText(
            f"<b>{mark}</b> {esc(tr_flow(r.headline))}<br>{esc(tr_flow(r.detail))}")
        needs = "<br>".join(esc(t) for t in self._sentences(r) if t)
        self.needs_text.setText(needs)
        self.needs_text.setVisible(bool(needs))
        self.next_text.setText(self.tr("<b>Next:</b> {step}").format(
            step=esc(tr_flow(r.next_step))) if r.next_step else "")
        self.next_text.setVisible(bool(r.next_step))
        self.open_button.setVisible(not r.ready or bool(r.needs))
        app = link.dentally_app_account
        if app is not None and app.id != acct.id:
            self.both_text.setText(
                self.tr("The portal now uses this <b>new</b> account. The Dentally app still "
                        "uses <b>{name}</b> ({id}); nothing moved.")
                .format(name=esc(app.business_name) or self.tr("its account"), id=esc(app.id)))
            self.both_text.show()
        else:
            self.both_text.hide()
        self._loaded = True
        self.completeChanged.emit()
        self.contentReady.emit()

    def _sentences(self, r: Readiness) -> list[str]:
        """What Stripe did not accept, still needs, is checking, and wants later, each part
        in the person's language (the same facts as Readiness.lines for the CLI)."""
        def joined(items: tuple[str, ...]) -> str:
            return "; ".join(tr_flow(i) for i in items)

        out: list[str] = []
        if r.problems:
            out.append(self.tr("Stripe did not accept: {items}").format(items=joined(r.problems)))
        if r.needs:
            needs = joined(r.needs)
            if r.deadline:
                needs = self.tr("{needs} — by {date}").format(needs=needs, date=r.deadline)
            out.append(self.tr("Stripe still needs: {needs}").format(needs=needs))
        if r.checking:
            out.append(self.tr("Stripe is checking these: {items}").format(
                items=joined(r.checking)))
        if r.later:
            later = joined(r.later)
            if r.later_deadline:
                later = self.tr("{needs} — by {date}").format(needs=later, date=r.later_deadline)
            out.append(self.tr("Due later: {items}").format(items=later))
        return out

    def _open_stripe(self) -> None:
        acct = self.state.account
        self.services.open_external(self.services.dashboard_url(acct.id if acct else ""))

    def isComplete(self) -> bool:
        # A closed account (rejected.*) goes no further: payments cannot be switched on.
        return (self._loaded and not self.working and self.state.account is not None
                and not self.final)

    def nextId(self) -> int:
        return int(Step.SETTINGS)
