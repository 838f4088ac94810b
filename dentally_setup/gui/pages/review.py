"""Page 7: what will change, site by site; Save writes each change once (If-Match and an
idempotency key) and the portal's answer confirms it. A 412 shows what someone else changed
and lets the person choose; a 409 stripe_not_ready sends them back to the account check.
What to write, the payments-off rule and the choices after a 412 are flow.save_plan's; this
page shows them and runs each write on a worker."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import QPushButton, QTextBrowser, QWidget

from dentally_setup.flow import messages
from dentally_setup.flow.readiness import can_take_payments
from dentally_setup.flow.save import SiteWrite, write_site
from dentally_setup.flow.save_plan import (
    ConflictChoice,
    SaveConflict,
    SavePlan,
    plan_from_drafts,
    resolve_conflict,
)
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.pages.base import BasePage, button_row
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.gui.pages.stripe_status import esc
from dentally_setup.portal.errors import Conflict, SettingsChanged, StoredDifferently
from dentally_setup.portal.models import VersionedSettings

log = logging.getLogger(__name__)


class ReviewPage(BasePage):
    step = Step.REVIEW

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, services, parent)
        self.setSubTitle(self.tr("Check the changes, then press Save."))
        self.summary = QTextBrowser()
        self.summary.setAccessibleName(self.tr("Changes to be saved"))
        self.summary.setOpenLinks(False)
        self.body.addWidget(self.summary, 1)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setAccessibleName(self.tr("Save the payment settings"))
        self.save_button.clicked.connect(self.save)
        self.keep_theirs = QPushButton(self.tr("Keep their change"))
        self.keep_theirs.setAccessibleName(
            self.tr("Keep the other person's change and review again"))
        self.keep_theirs.clicked.connect(self._keep_theirs)
        self.use_mine = QPushButton(self.tr("Use mine instead"))
        self.use_mine.setAccessibleName(self.tr("Save my settings over the other person's change"))
        self.use_mine.clicked.connect(self._use_mine)
        self.to_account = QPushButton(self.tr("Back to the account check"))
        self.to_account.setAccessibleName(self.tr("Go back to the account check"))
        self.to_account.clicked.connect(
            lambda: self.backRequested.emit(Step.ACCOUNT_CHECK))
        self.describe({
            self.summary: self.tr("Each site's settings now and after saving."),
            self.save_button: self.tr("Saves the changes to the portal, then reads them back "
                                      "to confirm."),
            self.keep_theirs: self.tr("Keeps what the other person saved; you can review "
                                      "again."),
            self.use_mine: self.tr("Saves your settings in place of the other person's."),
            self.to_account: self.tr("Goes back to check the Stripe account."),
        })
        self.body.addLayout(
            button_row(self.save_button, self.keep_theirs, self.use_mine, self.to_account))
        self.plan = SavePlan(())
        self._conflict: SaveConflict | None = None
        self._done = False

    def initializePage(self) -> None:
        self._done = False
        self._conflict = None
        self._show_plan()
        self.contentReady.emit()

    @property
    def stripe_ready(self) -> bool:
        return can_take_payments(self.state.account)

    def _make_plan(self) -> SavePlan:
        practice = self.state.practice
        return plan_from_drafts(
            [site.id for site in practice.sites] if practice else [],
            self.state.current, self.state.drafts, self.state.types, self.state.currency,
            payments_off=not self.stripe_ready, saved=self.state.saved,
        )

    def _show_plan(self) -> None:
        self.keep_theirs.hide()
        self.use_mine.hide()
        self.to_account.hide()
        if self.state.practice is None:
            return
        self.plan = self._make_plan()
        parts: list[str] = []
        if self.plan.payments_off:
            parts.append(self.tr(
                "<p><b>Stripe is not ready yet</b>, so deposits, balances and invoices will be "
                "saved switched <b>off</b>, with your amounts kept. Come back and save again "
                "once Stripe has finished its checks.</p>"))
        for site in self.plan.sites:
            name = esc(self.state.site_name(site.site_id))
            if site.new is None:
                parts.append(f"<h3>{name}</h3><p>⚠ {esc(tr_flow(site.problem))}</p>")
                continue
            parts.append(f"<h3>{name}</h3>")
            if site.saved:
                parts.append(self.tr("<p>✔ Saved.</p>"))
            elif not site.changes:
                parts.append(self.tr("<p>No changes.</p>"))
            else:
                rows = "".join(
                    f"<tr><td>{esc(tr_flow(c.label))}</td><td>{esc(tr_flow(c.before))}</td>"
                    f"<td>→</td><td><b>{esc(tr_flow(c.after))}</b></td></tr>"
                    for c in site.changes)
                setting, now, new_ = self.tr("Setting"), self.tr("Now"), self.tr("New")
                parts.append(f"<table cellspacing='6'><tr><th align='left'>{setting}</th>"
                             f"<th align='left'>{now}</th><th></th>"
                             f"<th align='left'>{new_}</th></tr>{rows}</table>")
        self.summary.setHtml("".join(parts))
        to_write = bool(self.plan.to_write)
        self.save_button.setEnabled(to_write)
        self.save_button.setVisible(not self._done)
        if not to_write:
            self._done = True
        self.completeChanged.emit()

    # ---- saving ------------------------------------------------------------------------

    def save(self) -> None:
        """Write each changed site in turn. The key and ETag of each write are saved in
        the progress file before it is sent, so a crash mid-save resumes the *same* write."""
        for write in self.plan.writes(self.state.pending_writes):
            self.state.pending_writes[write.site_id] = write
        self.progressChanged.emit()
        self._save_next()

    def _save_next(self) -> None:
        planned = {site.site_id for site in self.plan.to_write}
        todo = [w for sid, w in self.state.pending_writes.items() if sid in planned]
        if not todo:
            self._all_saved()
            return
        write = todo[0]
        self.call(lambda c: write_site(c, write), lambda saved: self._saved(write, saved),
                  self.tr("Saving {site}…").format(site=self.state.site_name(write.site_id)),
                  retry=self._save_next,
                  on_failed=lambda exc: self._save_failed(write, exc))

    def _saved(self, write: SiteWrite, saved: VersionedSettings) -> None:
        self.state.pending_writes.pop(write.site_id, None)
        self.state.saved[write.site_id] = saved
        self.state.current[write.site_id] = saved
        self.plan = self._make_plan()
        self.progressChanged.emit()
        self._save_next()

    def _all_saved(self) -> None:
        self._done = True
        self._show_plan()
        self.save_button.hide()
        self.completeChanged.emit()
        self.contentReady.emit()

    def _save_failed(self, write: SiteWrite, exc: BaseException) -> bool:
        if isinstance(exc, SettingsChanged):
            # Nothing was written. Forget this write; the person chooses what happens next.
            self.state.pending_writes.pop(write.site_id, None)
            conflict = SaveConflict.from_error(write.site_id, exc,
                                               self.state.current[write.site_id],
                                               self.state.types, self.state.currency)
            self._conflict = conflict
            theirs = ""
            if conflict.theirs is not None:
                who = conflict.who or self.tr("someone else")
                theirs = self.tr("<p>{who} changed, on {site}:</p>").format(
                    who=esc(who), site=esc(self.state.site_name(write.site_id)))
                theirs += "".join(f"<p>{esc(tr_flow(c.label))}: {esc(tr_flow(c.before))} → "
                                  f"<b>{esc(tr_flow(c.after))}</b></p>"
                                  for c in conflict.changes)
            self.summary.setHtml(theirs or self.tr("<p>The settings were changed elsewhere.</p>"))
            self.show_message(messages.for_portal_error(exc))
            self.keep_theirs.show()
            self.use_mine.show()
            self.save_button.hide()
            self.progressChanged.emit()
            return True
        if isinstance(exc, StoredDifferently):
            # Applied, but the site holds something else now: plan again against what it
            # holds, so the page shows what is still different and Save can fix it.
            self.state.pending_writes.pop(write.site_id, None)
            self.state.current[write.site_id] = exc.stored
            self.show_message(messages.for_portal_error(exc))
            self._show_plan()
            self.progressChanged.emit()
            return True
        if isinstance(exc, Conflict) and exc.code == "stripe_not_ready":
            self.state.pending_writes.pop(write.site_id, None)
            self.show_message(messages.for_portal_error(exc))
            self.to_account.show()
            return True
        return False  # the page explains it, with Try again (same key, so never twice)

    def _keep_theirs(self) -> None:
        self._resolve(ConflictChoice.KEEP_THEIRS)

    def _use_mine(self) -> None:
        self._resolve(ConflictChoice.USE_MINE)

    def _resolve(self, choice: ConflictChoice) -> None:
        conflict = self._conflict
        if conflict is None:
            return
        self._conflict = None
        self.errors.clear()
        outcome = resolve_conflict(conflict, choice)
        if outcome.draft is not None:
            self.state.drafts[conflict.site_id] = outcome.draft
        if outcome.current is None:
            site_id = conflict.site_id
            self.call(lambda c: c.payment_settings(site_id),
                      lambda versioned: self._reloaded(site_id, versioned),
                      self.tr("Reading the settings again…"))
            return
        self.state.current[conflict.site_id] = outcome.current
        self._show_plan()

    def _reloaded(self, site_id: str, versioned: VersionedSettings) -> None:
        self.state.current[site_id] = versioned
        self._show_plan()

    def isComplete(self) -> bool:
        return self._done and not self.working

    def nextId(self) -> int:
        return int(Step.DONE)
