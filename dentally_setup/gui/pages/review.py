"""Page 7: what will change, site by site; Save writes each change once (If-Match and an
idempotency key), reads it back and confirms. A 412 shows what someone else changed and
lets the person choose; a 409 stripe_not_ready sends them back to the account check."""

from __future__ import annotations

import logging
import threading
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QTextBrowser, QWidget

from dentally_setup.flow import messages
from dentally_setup.flow.drafts import SiteDraft, build_settings
from dentally_setup.flow.save import SiteWrite, plan_write
from dentally_setup.flow.save_many import SaveReport, save_sites
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.stripe_status import esc
from dentally_setup.gui.progress_writer import DRAIN_TIMEOUT_S, ProgressWriter
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.errors import Conflict, SettingsChanged
from dentally_setup.portal.models import PaymentSettings, VersionedSettings
from dentally_setup.settings.diff import Change, ChangeGroup, diff_settings, group_changes
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

    def __init__(self, state: WizardState, parent: QWidget | None = None) -> None:
        super().__init__(state, parent)
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
            lambda: self.setup_wizard().go_back_to(Step.ACCOUNT_CHECK))
        self.describe({
            self.summary: self.tr("Each site's settings now and after saving."),
            self.save_button: self.tr("Saves the changes to the portal, then reads them back "
                                      "to confirm."),
            self.keep_theirs: self.tr("Keeps what the other person saved; you can review "
                                      "again."),
            self.use_mine: self.tr("Saves your settings in place of the other person's."),
            self.to_account: self.tr("Goes back to check the Stripe account."),
        })
        row = QHBoxLayout()
        for b in (self.save_button, self.keep_theirs, self.use_mine, self.to_account):
            row.addWidget(b)
        row.addStretch(1)
        self.body.addLayout(row)
        self.plan: dict[str, PaymentSettings] = {}
        self._conflict: SettingsChanged | None = None
        self._conflict_site = ""
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
        self.setup_wizard().page_ready(self)

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
        changes_by_site: dict[str, list[Change]] = {}
        saved: list[str] = []
        unchanged: list[str] = []
        invalid: list[str] = []
        for site in practice.sites:
            current = self.state.current.get(site.id)
            draft = self.state.drafts.get(site.id)
            if current is None or draft is None:
                continue
            new, problems = build_settings(draft, self.state.types, self.state.currency,
                                           current.settings)
            if new is None:
                problem = tr_flow(next(iter(problems.values())))
                invalid.append(f"<h3>{esc(site.name)}</h3><p>⚠ {esc(problem)}</p>")
                continue
            new = replace(new, site_id=site.id)
            if not self.stripe_ready:
                new = replace(new, deposits_enabled=False, balances_enabled=False,
                              invoices_enabled=False)
            if site.id in self.state.saved and self.state.saved[site.id].settings.same_choices(new):
                saved.append(site.id)
                continue
            changes = diff_settings(current.settings, new, self.state.types, self.state.currency)
            if not changes:
                unchanged.append(site.id)
                continue
            self.plan[site.id] = new
            changes_by_site[site.id] = changes
        parts += self._grouped_html(group_changes(changes_by_site), len(practice.sites))
        parts += invalid
        for site_ids, line in ((saved, self.tr("✔ Saved")), (unchanged, self.tr("No changes"))):
            if site_ids:
                parts.append(f"<p>{line}: {esc(self._site_list(site_ids, len(practice.sites)))}"
                             "</p>")
        self.summary.setHtml("".join(parts))
        self.save_button.setEnabled(bool(self.plan) and not self._batch_running)
        self.save_button.setVisible(not self._done)
        if not self.plan:
            self._done = True
        self.completeChanged.emit()

    def _site_list(self, site_ids: list[str], total: int) -> str:
        """"Harrogate", "Harrogate, Ilkley", or "all 40 sites" / "12 sites: …"."""
        names = ", ".join(self.state.site_name(sid) for sid in site_ids)
        if len(site_ids) == 1:
            return names
        if len(site_ids) == total:
            return self.tr("all {n} sites").format(n=total)
        return self.tr("{n} sites: {names}").format(n=len(site_ids), names=names)

    def _grouped_html(self, groups: list[ChangeGroup], total: int) -> list[str]:
        """Each distinct change once: the common one first ("38 sites"), then the sites
        that differ, each with its own. Which sites is said without listing 38 names."""
        parts: list[str] = []
        setting, now, new_ = self.tr("Setting"), self.tr("Now"), self.tr("New")
        for n, group in enumerate(groups):
            count = len(group.site_ids)
            if count == 1:
                heading = esc(self.state.site_name(group.site_ids[0]))
                who = ""
            else:
                heading = esc(self.tr("{n} sites").format(n=count))
                if count == total:
                    who = self.tr("Every site.")
                elif n == 0 and count > 5:
                    who = self.tr("Every site not named below.")
                else:
                    who = esc(", ".join(self.state.site_name(s) for s in group.site_ids))
            if n == 1 and len(groups[0].site_ids) > 1:
                parts.append(self.tr("<h3>Sites that differ</h3>"))
            rows = "".join(
                f"<tr><td>{esc(tr_flow(c.label))}</td><td>{esc(tr_flow(c.before))}</td>"
                f"<td>→</td><td><b>{esc(tr_flow(c.after))}</b></td></tr>" for c in group.changes)
            tag = "h4" if n > 0 and len(groups[0].site_ids) > 1 else "h3"
            parts.append(f"<{tag}>{heading}</{tag}>" + (f"<p>{who}</p>" if who else ""))
            parts.append(f"<table cellspacing='6'><tr><th align='left'>{setting}</th>"
                         f"<th align='left'>{now}</th><th></th>"
                         f"<th align='left'>{new_}</th></tr>{rows}</table>")
        return parts

    # ---- saving ------------------------------------------------------------------------

    def save(self) -> None:
        """Write each changed site, a few at a time. The key and ETag of each write are saved in
        the progress file before it is sent, so a crash mid-save resumes the *same* write."""
        self.setSubTitle(self.tr("Check the changes, then press Save."))
        for site_id, new in self.plan.items():
            pending = self.state.pending_writes.get(site_id)
            if pending is not None and pending.new.same_choices(new):
                continue  # resume: reuse the key, the portal replays instead of re-applying
            write = plan_write(site_id, self.state.current[site_id], new)
            if write is not None:
                self.state.pending_writes[site_id] = write
        self._save_all()

    def _save_all(self) -> None:
        """Send every pending write, a few at a time (flow/save_many.py). Each site is
        recorded as it is confirmed, so Cancel or a failure loses nothing written."""
        todo = [w for sid, w in self.state.pending_writes.items() if sid in self.plan]
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
            # sent finish with their read-back (a client Cancel does not reach), so what
            # was written is known and shown rather than left unconfirmed.
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
        self.plan.pop(write.site_id, None)
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
        self.completeChanged.emit()
        self.setup_wizard().page_ready(self)

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
            self._flush_progress()  # after any queued snapshot, never before
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
