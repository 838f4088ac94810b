"""Page 7: what will change, the same change on many sites shown once; Save writes each
change once (If-Match and an idempotency key), a few sites at a time, and the portal's
answer confirms it. A 412 shows what someone else changed and lets the person choose; a 409
stripe_not_ready sends them back to the account check. What to write, the payments-off rule
and the choices after a 412 are flow.save_plan's; the grouping is settings.diff's; this
page shows them and runs the writes on a worker (flow.save_many)."""

from __future__ import annotations

import logging
import threading

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QPushButton, QTextBrowser, QWidget

from dentally_setup.flow import messages
from dentally_setup.flow.readiness import can_take_payments
from dentally_setup.flow.save import SiteWrite
from dentally_setup.flow.save_many import SaveReport, save_sites
from dentally_setup.flow.save_plan import (
    ConflictChoice,
    SaveConflict,
    SavePlan,
    plan_from_drafts,
    resolve_conflict,
)
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.a11y import tell
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.layouts import button_row
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.review_summary import grouped_html, site_list
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.gui.pages.stripe_status import esc
from dentally_setup.gui.progress_writer import DRAIN_TIMEOUT_S, ProgressWriter
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.errors import Conflict, SettingsChanged, StoredDifferently
from dentally_setup.portal.models import VersionedSettings
from dentally_setup.settings.diff import Change, group_changes
from dentally_setup.store.progress import Progress

log = logging.getLogger(__name__)

PROGRESS_EVERY_MS = 250


class _SaveRelay(QObject):
    """Lives on the GUI thread: the saving thread emits here, so each site's outcome is
    handled on the GUI thread (a queued connection)."""

    siteDone = Signal(object, object, object)  # SiteWrite, VersionedSettings|None, error
    batchEnded = Signal()  # the saving thread is done, even after Cancel


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
        self._save_total = self._save_count = 0
        self._stopped = False
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(PROGRESS_EVERY_MS)
        self._progress_timer.timeout.connect(self._flush_progress)
        self._writer = ProgressWriter()
        self._relay = _SaveRelay(self)
        self._relay.siteDone.connect(self._site_done)
        self._relay.batchEnded.connect(self._batch_ended)
        # True from Save until the saving thread ends. After Cancel, writes already sent
        # are still finishing: Save stays off until then, so no write is sent twice at once.
        self._batch_running = False

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
        practice = self.state.practice
        if practice is None:
            return
        self.plan = self._make_plan()
        parts: list[str] = []
        if self.plan.payments_off:
            parts.append(self.tr(
                "<p><b>Stripe is not ready yet</b>, so deposits, balances and invoices will be "
                "saved switched <b>off</b>, with your amounts kept. Come back and save again "
                "once Stripe has finished its checks.</p>"))
        changes_by_site: dict[str, list[Change]] = {}
        saved: list[str] = []
        unchanged: list[str] = []
        invalid: list[str] = []
        for site in self.plan.sites:
            if site.new is None:
                invalid.append(f"<h3>{esc(self.state.site_name(site.site_id))}</h3>"
                               f"<p>⚠ {esc(tr_flow(site.problem))}</p>")
            elif site.saved:
                saved.append(site.site_id)
            elif not site.changes:
                unchanged.append(site.site_id)
            else:
                changes_by_site[site.site_id] = list(site.changes)
        parts += grouped_html(group_changes(changes_by_site), len(practice.sites),
                              self.state.site_name)
        parts += invalid
        for site_ids, line in ((saved, self.tr("✔ Saved")), (unchanged, self.tr("No changes"))):
            if site_ids:
                total = len(practice.sites)
                parts.append(f"<p>{line}: {esc(site_list(site_ids, total, self.state.site_name))}"
                             "</p>")
        self.summary.setHtml("".join(parts))
        to_write = bool(self.plan.to_write)
        self.save_button.setEnabled(to_write and not self._batch_running)
        self.save_button.setVisible(not self._done)
        if not to_write:
            self._done = True
        self.completeChanged.emit()

    # ---- saving ------------------------------------------------------------------------

    def save(self) -> None:
        """Write each changed site, a few at a time. The key and ETag of each write are saved in
        the progress file before it is sent, so a crash mid-save resumes the *same* write."""
        self.setSubTitle(self.tr("Check the changes, then press Save."))
        for write in self.plan.writes(self.state.pending_writes):
            self.state.pending_writes[write.site_id] = write
        self._save_all()

    def _save_all(self) -> None:
        """Send every pending write, a few at a time (flow/save_many.py). Each site is
        recorded as it is confirmed, so Cancel or a failure loses nothing written."""
        planned = {site.site_id for site in self.plan.to_write}
        todo = [w for sid, w in self.state.pending_writes.items() if sid in planned]
        if not todo:
            self._all_saved()
            return
        self._save_total, self._save_count = len(todo), 0
        self._stopped = False
        relay = self._relay
        # The keys are on disk before the first write is sent (waited for on the worker,
        # so the window does not wait for the disk).
        keys_saved = self._writer.write(self._snapshot())

        def work(client: PortalClient) -> SaveReport:
            # Cancel sets client.cancel: no new write starts after it. The writes already
            # sent finish (a client Cancel does not reach them), so what was written is
            # known and shown rather than left unconfirmed.
            writer = client.with_cancel(threading.Event())
            try:
                keys_saved.result(timeout=DRAIN_TIMEOUT_S)
                return save_sites(writer, todo, stop=client.cancel, on_done=lambda w, saved,
                                  exc: relay.siteDone.emit(w, saved, exc))
            finally:
                relay.batchEnded.emit()

        self._batch_running = True
        self.call(work, self._save_finished, self._saving_text(), retry=self._save_all,
                  on_failed=self._save_crashed)

    def _batch_ended(self) -> None:
        self._batch_running = False
        if self._stopped:  # after Cancel: the writes in flight have ended, Save is back
            self._show_plan()
            self._say_stopped()

    def _saving_text(self) -> str:
        return self.tr("Saving {done} of {total}…").format(done=self._save_count,
                                                          total=self._save_total)

    def _site_done(self, write: SiteWrite, saved: VersionedSettings | None,
                   exc: BaseException | None) -> None:
        """One site ended (on the GUI thread, in the order they ended)."""
        if saved is None:
            return  # kept in pending_writes with its key; reported when all have ended
        self._saved(write, saved)
        self._save_count += 1
        if self.working:
            self.busy.count(self._save_count, self._save_total, self._saving_text())
        elif self._stopped:  # a write in flight when Cancel was pressed: show it as saved
            self._show_plan()
            self._say_stopped()

    def _saved(self, write: SiteWrite, saved: VersionedSettings) -> None:
        self.state.pending_writes.pop(write.site_id, None)
        self.state.saved[write.site_id] = saved
        self.state.current[write.site_id] = saved
        # The progress file (written and synced on this thread) is written at most every
        # PROGRESS_EVERY_MS while sites are being confirmed, not once per site: 40 syncs
        # in a row stalled the window. Safe: a site confirmed but still listed as pending
        # after a crash is sent again with the same key, and the portal only replays it.
        if not self._progress_timer.isActive():
            self._progress_timer.start()

    def _snapshot(self) -> Progress:
        return self.state.to_progress(self.step)

    def _flush_progress(self) -> None:
        self._progress_timer.stop()
        self._writer.write(self._snapshot())

    def leave(self) -> None:
        super().leave()
        # The wizard writes (or removes) the progress file next: ours must land first.
        self._progress_timer.stop()
        self._writer.drain()

    def _save_finished(self, report: SaveReport) -> None:
        self._flush_progress()
        first = report.first_failure
        if first is None:
            self._all_saved()
            return
        site_id, exc = first
        self._show_plan()
        if not self._save_failed(self.state.pending_writes[site_id], exc):
            msg = messages.for_exception(exc)
            log.warning("saving %s: %s", site_id, msg.code)
            self.show_message(msg, self._save_all)  # same keys: never applied twice

    def _save_crashed(self, exc: BaseException) -> bool:
        log.error("saving stopped unexpectedly", exc_info=exc)
        self._show_plan()
        return False  # the page explains it, with Try again

    def cancel_work(self) -> None:
        saving = self.working and self._save_total > 0 and not self._done
        super().cancel_work()
        if saving:
            self._flush_progress()
            self._stopped = True
            self._show_plan()
            self._say_stopped()

    def _say_stopped(self) -> None:
        self.setSubTitle(self.tr(
            "Saving stopped: {done} of {total} sites saved. The rest were not sent; "
            "press Save to save them.").format(done=self._save_count, total=self._save_total))

    def _all_saved(self) -> None:
        self.setSubTitle(self.tr("Everything is saved and confirmed by the portal. Press "
                                 "Next to finish."))
        self._done = True
        self._show_plan()
        self.save_button.hide()
        tell(self.summary, self.summary.toPlainText())  # "✔ Saved." for each site, read out
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
            self._flush_progress()  # after any queued snapshot, never before
            return True
        if isinstance(exc, StoredDifferently):
            # Applied, but the site holds something else now: plan again against what it
            # holds, so the page shows what is still different and Save can fix it.
            self.state.pending_writes.pop(write.site_id, None)
            self.state.current[write.site_id] = exc.stored
            self.show_message(messages.for_portal_error(exc))
            self._show_plan()
            self._flush_progress()
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
