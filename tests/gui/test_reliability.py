"""Nothing lost, nothing written twice: faults with "Try again", a responsive GUI thread
while the portal is slow, resume after a restart or a SIGKILL, and the keyring fallback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import QElapsedTimer, Qt, QTimer

from dentally_setup.flow.steps import Step
from tests.gui.deposits import type_deposit

LEFT = Qt.MouseButton.LeftButton


def to_settings(h):
    for step in (Step.SIGN_IN, Step.STRIPE_STATUS, Step.ACCOUNT_CHECK):
        h.next()
        h.wait_ready(step)
    h.next()
    return h.wait_ready(Step.SETTINGS)


def test_portal_failing_ends_in_a_message_keeps_input_and_try_again_saves_once(make_wizard):
    h = make_wizard("already-linked")
    h.state.budget = 1.5  # a portal that keeps failing is given up on quickly here
    h.state.forget_client()
    page = to_settings(h)
    page.deposits_on.setChecked(True)
    page.default.clear()
    h.qtbot.keyClicks(page.default, "27.50")
    h.next()
    h.wait_step(Step.REVIEW)
    review = h.page(Step.REVIEW)
    h.sandbox.faults.fail_next(1000, status=503)
    started = time.monotonic()
    h.qtbot.mouseClick(review.save_button, LEFT)
    h.qtbot.waitUntil(review.errors.isVisible, timeout=15000)
    assert time.monotonic() - started < 10  # bounded, not a hang
    assert review.errors.message.code == "DS-503"
    assert review.errors.retry_button.isVisible()
    assert h.state.drafts["site_1"].default == "27.50"  # the person's input is kept
    assert h.sandbox.world.applied_writes.get("site_1", 0) == 0
    key = h.state.pending_writes["site_1"].idempotency_key
    # The portal recovers, but the first try's answer is lost after it applied the change.
    h.sandbox.faults.clear()
    h.sandbox.faults.drop_after_apply(1)
    h.qtbot.mouseClick(review.errors.retry_button, LEFT)
    h.wait_ready(Step.REVIEW)
    # Retried with the same key: applied exactly once.
    assert h.sandbox.world.applied_writes["site_1"] == 1
    assert key not in {w.idempotency_key for w in h.state.pending_writes.values()}
    assert h.state.saved["site_1"].settings.deposit_default_minor == 2750


def test_malformed_answer_is_explained(make_wizard):
    h = make_wizard("already-linked")
    h.next()
    h.wait_ready(Step.SIGN_IN)
    h.next()
    status = h.page(Step.STRIPE_STATUS)
    h.wait_ready(Step.STRIPE_STATUS)
    h.sandbox.faults.malformed(1)
    h.qtbot.mouseClick(status.refresh_button, LEFT)
    h.qtbot.waitUntil(status.errors.isVisible, timeout=10000)
    assert status.errors.message.code == "DS-BAD"
    assert "Traceback" not in status.errors.text.text()
    h.qtbot.mouseClick(status.errors.retry_button, LEFT)
    h.wait_ready(Step.STRIPE_STATUS)


def test_gui_thread_stays_responsive_while_the_portal_takes_two_seconds(make_wizard):
    h = make_wizard("fresh", faults="delay:2.0")
    gaps: list[int] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    timer.start()
    h.next()  # the sign-in page calls the (slow) portal on its own
    page = h.wait_ready(Step.SIGN_IN, timeout=30000)
    timer.stop()
    assert page.isComplete()
    assert len(gaps) > 50  # the loop really ticked throughout the 2-second calls
    # A blocked GUI thread would show a gap near 2000 ms; allow for a busy machine.
    assert max(gaps) < 1000, f"longest stall {max(gaps)} ms"


def test_no_keyring_is_explained_once_and_the_token_kept_in_memory(make_wizard, qtbot,
                                                                 monkeypatch):
    import keyring
    from keyring.backends import fail

    from dentally_setup.flow.state import WizardState
    from dentally_setup.gui.wizard import SetupWizard
    from dentally_setup.store import secrets

    h = make_wizard("fresh")  # only for its sandbox
    old = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    monkeypatch.setattr(secrets, "_default_store", None)  # a fresh store
    try:
        wizard = SetupWizard(WizardState())
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.next()
        page = wizard.pages[Step.SIGN_IN]
        page.url.setText(h.sandbox.portal_url)
        page.token.setText(h.sandbox.token)
        assert page.token.echoMode() == page.token.EchoMode.Password  # masked
        qtbot.mouseClick(page.check_button, LEFT)
        qtbot.waitUntil(lambda: page.isComplete() or page.errors.isVisible(), timeout=10000)
        assert page.isComplete(), page.errors.text.text()
        qtbot.waitUntil(wizard.notice.isVisible, timeout=10000)
        assert "no password store" in wizard.notice.text()
        assert secrets.get_token(h.sandbox.portal_url.rstrip("/")) == h.sandbox.token
        wizard.close()
    finally:
        keyring.set_keyring(old)


# ---- resume -------------------------------------------------------------------------


def resume_wizard(qtbot, sandbox):
    """Start the wizard the way the app does after a restart, answering "Carry on"."""
    from argparse import Namespace

    from PySide6.QtWidgets import QMessageBox

    from dentally_setup.flow.state import WizardState
    from dentally_setup.gui.run import offer_resume
    from dentally_setup.gui.wizard import SetupWizard

    state = WizardState(demo=True, scenario=sandbox.scenario, portal_url=sandbox.portal_url,
                        token=sandbox.token)
    wizard = SetupWizard(state, demo=sandbox)
    asked: list[str] = []
    wizard.asker = lambda title, _t: (asked.append(title), QMessageBox.StandardButton.Yes)[1]
    wizard.opener = lambda url: None
    qtbot.addWidget(wizard)
    offer_resume(wizard, Namespace(fresh=False, autopilot=False))
    assert asked == ["Carry on where you left off?"]
    wizard.show()
    wizard.next()
    return wizard


def test_resume_restores_what_was_typed_even_half_typed(make_wizard, qtbot):
    h = make_wizard("already-linked")
    page = to_settings(h)
    page.deposits_on.setChecked(True)
    hygiene = next(t for t in h.state.types if t.name.startswith("Hygiene"))
    page.default.clear()
    h.qtbot.keyClicks(page.default, "31.5")
    type_deposit(h.qtbot, page, hygiene.id, "2x")  # half-typed, invalid
    h.wizard.hide()  # the PC is switched off: no goodbye, the progress file is all there is
    wizard = resume_wizard(qtbot, h.sandbox)
    qtbot.waitUntil(lambda: wizard.currentId() == int(Step.SETTINGS), timeout=20000)
    settings = wizard.pages[Step.SETTINGS]
    qtbot.waitUntil(lambda: settings.default.text() == "31.5", timeout=10000)
    assert settings.type_text(hygiene.id) == "2x"
    assert settings.deposits_on.isChecked()
    assert settings.type_problem(hygiene.id)
    wizard.close()


def test_resume_after_a_write_reached_the_portal_does_not_write_again(make_wizard, qtbot):
    h = make_wizard("already-linked")
    page = to_settings(h)
    page.deposits_on.setChecked(True)
    page.default.clear()
    h.qtbot.keyClicks(page.default, "33.00")
    h.next()
    h.wait_step(Step.REVIEW)
    review = h.page(Step.REVIEW)
    # The save is planned and recorded with its key, then the portal fails...
    h.sandbox.faults.fail_next(1000, status=503)
    h.state.budget = 0.5
    h.state.forget_client()
    review.save()
    h.qtbot.waitUntil(review.errors.isVisible, timeout=15000)
    assert h.sandbox.world.applied_writes.get("site_1", 0) == 0
    pending = h.state.pending_writes["site_1"]
    h.sandbox.faults.clear()
    # ...and, as if the last try had reached the portal just as the PC died, that very
    # write (same key, same body) is applied there.
    from dentally_setup.flow.save import write_site
    from dentally_setup.portal.client import PortalClient

    write_site(PortalClient(h.sandbox.portal_url, h.sandbox.token), pending)
    assert h.sandbox.world.applied_writes["site_1"] == 1
    h.wizard.hide()
    h.sandbox.faults.clear()
    wizard = resume_wizard(qtbot, h.sandbox)
    qtbot.waitUntil(lambda: wizard.currentId() == int(Step.REVIEW), timeout=20000)
    again = wizard.pages[Step.REVIEW]
    qtbot.waitUntil(lambda: not again.working, timeout=10000)
    # The portal was read again on the way here and already holds the change: nothing is
    # left to save, so there is nothing the person could press to send it twice.
    qtbot.waitUntil(again.isComplete, timeout=15000)
    assert again.plan.to_write == ()
    assert not again.save_button.isEnabled()
    assert "No changes: all 2 sites" in again.summary.toPlainText()
    assert h.sandbox.world.applied_writes["site_1"] == 1  # never twice
    wizard.close()


@pytest.mark.posix_only(reason="signal.SIGKILL does not exist on Windows")
@pytest.mark.parametrize("kill_at", ["sign-in", "stripe-status", "account-check", "settings",
                                     "review"])
def test_sigkill_at_any_page_then_resume(kill_at, tmp_path, qtbot, monkeypatch):
    """The real app is killed with SIGKILL on a page; a new run resumes from its files."""
    from dentally_setup.sandbox import Sandbox

    home = tmp_path / "home"
    env = {**os.environ, "DENTALLY_SETUP_HOME": str(home), "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "dentally_setup", "--demo", "--scenario", "already-linked",
         "--autopilot", "--autopilot-delay", "400"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    progress = home / "state" / "progress.json"
    applied_before = None
    try:
        def reached() -> bool:
            if proc.poll() is not None:
                raise AssertionError("the app ended before the page was reached")
            try:
                return json.loads(progress.read_text()).get("step") == kill_at
            except (OSError, ValueError):
                return False

        qtbot.waitUntil(reached, timeout=60000)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    world_dir = home / "data" / "demo-sandbox"
    sandbox = Sandbox(scenario="already-linked", state_dir=world_dir)
    sandbox.start()
    try:
        applied_before = dict(sandbox.world.applied_writes)
        monkeypatch.setenv("DENTALLY_SETUP_HOME", str(home))
        wizard = resume_wizard(qtbot, sandbox)
        target = Step.from_slug(kill_at)
        qtbot.waitUntil(lambda: wizard.currentId() == int(target), timeout=30000)
        page = wizard.pages[target]
        qtbot.waitUntil(lambda: not page.working, timeout=15000)
        assert not page.errors.isVisible()
        assert sandbox.world.applied_writes == applied_before  # resuming wrote nothing
        wizard.close()
        from dentally_setup.gui.worker import busy_tasks

        qtbot.waitUntil(lambda: busy_tasks() == 0, timeout=20000)
    finally:
        sandbox.stop()


def test_corrupt_progress_is_set_aside_with_a_message(tmp_path, isolated_home):
    state = Path(isolated_home) / "state"
    state.mkdir(parents=True, exist_ok=True)
    (state / "progress.json").write_bytes(b"\x00{not json")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-m", "dentally_setup", "--demo", "--autopilot",
                           "--autopilot-delay", "0"], env=env, capture_output=True, text=True,
                          timeout=90, check=False)
    assert proc.returncode == 0, proc.stderr[-1500:]
    assert list(state.glob("progress.json.corrupt-*"))


# What the person was told is in the log as "notice shown: ...".
_SETTINGS_RESET = "notice shown: Your saved settings could not be read and were reset"
_PROGRESS_RESET = "notice shown: Your progress from last time could not be read"


@pytest.mark.parametrize(("config", "progress"), [
    (b"[" * 100_000, b'{"version": 1, "step": "settings", "x": ' + b"[" * 100_000),
    (b'{"zoom": 2, "pad": "' + b"x" * 2_000_000 + b'"}', b'{"step": "\xff\xfe"}'),
], ids=["nested", "oversized-and-not-utf-8"])
def test_the_app_starts_with_hostile_settings_and_progress_files(config, progress,
                                                                 isolated_home):
    """A file nested 100,000 deep made json raise RecursionError, and the app ended with
    "something went wrong" at every start; now it starts, sets both aside and says so."""
    home = Path(isolated_home)
    (home / "config").mkdir()
    (home / "config" / "config.json").write_bytes(config)
    (home / "state").mkdir()
    (home / "state" / "progress.json").write_bytes(progress)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    # The autopilot reads the progress file before the window opens; the run ends at the
    # first paint, so its report says "unfinished" (exit 1) after showing the first page.
    proc = subprocess.run([sys.executable, "-m", "dentally_setup", "--demo", "--autopilot",
                           "--quit-after-first-paint"], env=env, capture_output=True,
                          text=True, timeout=90, check=False)
    assert "something went wrong" not in proc.stderr, proc.stderr[-1500:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["pages"] == ["welcome"]
    (kept_config,) = (home / "config").glob("config.json.corrupt-*")
    (kept_progress,) = (home / "state").glob("progress.json.corrupt-*")
    assert kept_config.read_bytes() == config and kept_progress.read_bytes() == progress
    assert not (home / "config" / "config.json").exists()
    logged = (home / "logs" / "dentally-setup.log").read_text(encoding="utf-8")
    assert f"{_SETTINGS_RESET}; the old file was kept as {kept_config}." in logged
    assert _PROGRESS_RESET in logged and str(kept_progress) in logged


def test_a_progress_notice_is_added_to_a_settings_notice_not_put_over_it(sandbox, qtbot,
                                                                         isolated_home):
    from argparse import Namespace

    from dentally_setup.flow.state import WizardState
    from dentally_setup.gui.run import offer_resume
    from dentally_setup.gui.wizard import SetupWizard

    (Path(isolated_home) / "state").mkdir()
    (Path(isolated_home) / "state" / "progress.json").write_bytes(b"[" * 100_000)
    wizard = SetupWizard(WizardState(demo=True, scenario=sandbox.scenario,
                                     portal_url=sandbox.portal_url, token=sandbox.token),
                         demo=sandbox)
    qtbot.addWidget(wizard)
    wizard.show_notice("Your saved settings could not be read and were reset.")
    offer_resume(wizard, Namespace(fresh=False, autopilot=False))
    wizard.show()
    assert wizard.notice.isVisible()
    text = wizard.notice.text()
    assert text.startswith("Your saved settings could not be read and were reset.")
    assert "Your progress from last time could not be read" in text


def test_a_remembered_token_signs_in_by_itself_and_can_be_forgotten(make_wizard, qtbot,
                                                                     memory_keyring):
    from dentally_setup.flow.state import WizardState
    from dentally_setup.gui.wizard import SetupWizard
    from dentally_setup.store import secrets

    h = make_wizard("fresh")  # for its sandbox
    url = h.sandbox.portal_url.rstrip("/")
    secrets.set_token(url, h.sandbox.token)
    wizard = SetupWizard(WizardState(portal_url=url))  # the saved address, no token given
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.next()
    page = wizard.pages[Step.SIGN_IN]
    qtbot.waitUntil(page.isComplete, timeout=10000)
    assert page.token.text() == h.sandbox.token
    assert page.token.echoMode() == page.token.EchoMode.Password
    # The next person unticks "Remember": the token is forgotten on this PC.
    page.remember.setChecked(False)
    page.sign_in()
    qtbot.waitUntil(lambda: secrets.get_token(url) is None, timeout=10000)
    wizard.close()
