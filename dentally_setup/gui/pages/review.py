"""Page 7: what will change, site by site; Save writes each change once (If-Match and an
idempotency key), reads it back and confirms. A 412 shows what someone else changed and
lets the person choose; a 409 stripe_not_ready sends them back to the account check."""

from __future__ import annotations

import logging
from dataclasses import replace

from PySide6.QtWidgets import QPushButton, QTextBrowser, QWidget

from dentally_setup.flow import messages
from dentally_setup.flow.drafts import SiteDraft, build_settings
from dentally_setup.flow.save import SiteWrite, plan_write, write_site
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.pages.base import BasePage, button_row
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.gui.pages.stripe_status import esc
from dentally_setup.portal.errors import Conflict, SettingsChanged
from dentally_setup.portal.models import PaymentSettings, VersionedSettings
from dentally_setup.settings.diff import diff_settings

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
        self.plan: dict[str, PaymentSettings] = {}
        self._conflict: SettingsChanged | None = None
        self._conflict_site = ""
        self._done = False

    def initializePage(self) -> None:
        self._done = False
        self._conflict = None
        self._show_plan()
        self.contentReady.emit()

    @property
    def stripe_ready(self) -> bool:
        acct = self.state.account
        return acct is not None and acct.charges_enabled

    def _show_plan(self) -> None:
        self.keep_theirs.hide()
        self.use_mine.hide()
        self.to_account.hide()
        practice = self.state.practice
        if practice is None:
            return
        self.plan = {}
        parts: list[str] = []
        if not self.stripe_ready:
            parts.append(self.tr(
                "<p><b>Stripe is not ready yet</b>, so deposits, balances and invoices will be "
                "saved switched <b>off</b>, with your amounts kept. Come back and save again "
                "once Stripe has finished its checks.</p>"))
        for site in practice.sites:
            current = self.state.current.get(site.id)
            draft = self.state.drafts.get(site.id)
            if current is None or draft is None:
                continue
            new, problems = build_settings(draft, self.state.types, self.state.currency,
                                           current.settings)
            if new is None:
                problem = tr_flow(next(iter(problems.values())))
                parts.append(f"<h3>{esc(site.name)}</h3><p>⚠ {esc(problem)}</p>")
                continue
            new = replace(new, site_id=site.id)
            if not self.stripe_ready:
                new = replace(new, deposits_enabled=False, balances_enabled=False,
                              invoices_enabled=False)
            changes = diff_settings(current.settings, new, self.state.types, self.state.currency)
            parts.append(f"<h3>{esc(site.name)}</h3>")
            if site.id in self.state.saved and self.state.saved[site.id].settings.same_choices(new):
                parts.append(self.tr("<p>✔ Saved.</p>"))
            elif not changes:
                parts.append(self.tr("<p>No changes.</p>"))
            else:
                self.plan[site.id] = new
                rows = "".join(
                    f"<tr><td>{esc(tr_flow(c.label))}</td><td>{esc(tr_flow(c.before))}</td>"
                    f"<td>→</td><td><b>{esc(tr_flow(c.after))}</b></td></tr>" for c in changes)
                setting, now, new_ = self.tr("Setting"), self.tr("Now"), self.tr("New")
                parts.append(f"<table cellspacing='6'><tr><th align='left'>{setting}</th>"
                             f"<th align='left'>{now}</th><th></th>"
                             f"<th align='left'>{new_}</th></tr>{rows}</table>")
        self.summary.setHtml("".join(parts))
        self.save_button.setEnabled(bool(self.plan))
        self.save_button.setVisible(not self._done)
        if not self.plan:
            self._done = True
        self.completeChanged.emit()

    # ---- saving ------------------------------------------------------------------------

    def save(self) -> None:
        """Write each changed site in turn. The key and ETag of each write are saved in
        the progress file before it is sent, so a crash mid-save resumes the *same* write."""
        for site_id, new in self.plan.items():
            pending = self.state.pending_writes.get(site_id)
            if pending is not None and pending.new.same_choices(new):
                continue  # resume: reuse the key, the portal replays instead of re-applying
            write = plan_write(site_id, self.state.current[site_id], new)
            if write is not None:
                self.state.pending_writes[site_id] = write
        self.progressChanged.emit()
        self._save_next()

    def _save_next(self) -> None:
        todo = [w for sid, w in self.state.pending_writes.items() if sid in self.plan]
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
        self.plan.pop(write.site_id, None)
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
            self._conflict, self._conflict_site = exc, write.site_id
            theirs = ""
            if exc.current is not None:
                changes = diff_settings(self.state.current[write.site_id].settings, exc.current,
                                        self.state.types, self.state.currency)
                who = exc.current.updated_by or self.tr("someone else")
                theirs = self.tr("<p>{who} changed, on {site}:</p>").format(
                    who=esc(who), site=esc(self.state.site_name(write.site_id)))
                theirs += "".join(f"<p>{esc(tr_flow(c.label))}: {esc(tr_flow(c.before))} → "
                                  f"<b>{esc(tr_flow(c.after))}</b></p>" for c in changes)
            self.summary.setHtml(theirs or self.tr("<p>The settings were changed elsewhere.</p>"))
            self.show_message(messages.for_portal_error(exc))
            self.keep_theirs.show()
            self.use_mine.show()
            self.save_button.hide()
            self.progressChanged.emit()
            return True
        if isinstance(exc, Conflict) and exc.code == "stripe_not_ready":
            self.state.pending_writes.pop(write.site_id, None)
            self.show_message(messages.for_portal_error(exc))
            self.to_account.show()
            return True
        return False  # the page explains it, with Try again (same key, so never twice)

    def _refresh_current(self, settings: PaymentSettings | None, etag: str | None) -> None:
        if settings is not None and etag:
            self.state.current[self._conflict_site] = VersionedSettings(settings, etag)

    def _keep_theirs(self) -> None:
        exc = self._conflict
        if exc is None:
            return
        self._refresh_current(exc.current, exc.etag)
        if exc.current is not None:
            self.state.drafts[self._conflict_site] = SiteDraft.from_settings(exc.current)
        self._after_conflict()

    def _use_mine(self) -> None:
        exc = self._conflict
        if exc is None:
            return
        self._refresh_current(exc.current, exc.etag)
        self._after_conflict()

    def _after_conflict(self) -> None:
        self._conflict = None
        self.errors.clear()
        if self._conflict_site not in self.state.current or not self.state.current[
                self._conflict_site].etag:
            self.call(lambda c: c.payment_settings(self._conflict_site), self._reloaded,
                      self.tr("Reading the settings again…"))
            return
        self._show_plan()

    def _reloaded(self, versioned: VersionedSettings) -> None:
        self.state.current[self._conflict_site] = versioned
        self._show_plan()

    def isComplete(self) -> bool:
        return self._done and not self.working

    def nextId(self) -> int:
        return int(Step.DONE)
