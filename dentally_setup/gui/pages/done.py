"""Page 8: what is now true, what patients will see, and what to do next."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from dentally_setup.flow.readiness import account_heading, readiness
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.money import display_money
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.gui.pages.stripe_status import esc


class DonePage(BasePage):
    step = Step.DONE

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, services, parent)
        self.setSubTitle(self.tr("All set."))
        self.summary = self.paragraph(name=self.tr("Summary"))
        self.next_steps = self.paragraph(name=self.tr("Next steps"))
        self.body.addStretch(1)

    def initializePage(self) -> None:
        st = self.state
        acct = st.account
        lines: list[str] = []
        if acct is not None:
            # The account check page's words: its name, headline and next step.
            r = readiness(acct)
            lines.append(self.tr("The portal is linked to Stripe account <b>{account}</b>.")
                         .format(account=esc(account_heading(acct))))
            lines.append(esc(tr_flow(r.headline)))
            if r.next_step and not r.ready:
                lines.append(esc(tr_flow(r.next_step)))
        for site in st.practice.sites if st.practice else ():
            vs = st.saved.get(site.id) or st.current.get(site.id)
            if vs is None:
                continue
            s = vs.settings
            if s.deposits_enabled:
                amount = display_money(s.deposit_default_minor, st.currency)
                dep = self.tr("deposit {amount} per online booking").format(amount=amount)
            else:
                dep = self.tr("no deposits")
            if s.balances_enabled and s.invoices_enabled:
                paying = self.tr("patients can pay balances and invoices online")
            elif s.balances_enabled:
                paying = self.tr("patients can pay balances online")
            elif s.invoices_enabled:
                paying = self.tr("patients can pay invoices online")
            else:
                paying = self.tr("no online payments")
            lines.append(self.tr("<b>{site}</b>: {deposits}; {payments}.").format(
                site=esc(site.name), deposits=dep, payments=paying))
        self.summary.setText("<br>".join(lines))
        self.next_steps.setText(self.tr(
            "<b>What patients will see:</b> when they book online they are asked for the "
            "deposit; in the portal they can pay what they owe.<br><br>"
            "<b>Next steps:</b><ul>"
            "<li>If Stripe still needs details, finish them in Stripe, then run this "
            "assistant again to switch payments on.</li>"
            "<li>Linking Stripe to the Dentally app itself is a separate step, in the "
            "Dentally app under Settings → Sites → Online payments.</li></ul>"))
        self.contentReady.emit()

    def nextId(self) -> int:
        return -1  # the last page: Qt shows Finish
