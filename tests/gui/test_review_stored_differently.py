"""The Review page when the portal stores something other than what was sent: the write
was applied once, the page says so in plain words (DS-DIFF, not DS-BAD) and shows what is
still different, and Save writes it again."""

from __future__ import annotations

from dentally_setup.flow.steps import Step
from tests.altering_proxy import altering_proxies
from tests.gui.test_wizard_flow import _left, fill_settings


def test_an_answer_that_differs_is_shown_and_can_be_saved_again(make_wizard):
    h = make_wizard("already-linked")
    for step in (Step.SIGN_IN, Step.STRIPE_STATUS, Step.ACCOUNT_CHECK):
        h.next()
        h.wait_ready(step)
    h.next()
    fill_settings(h, "30.00")
    h.next()
    h.wait_step(Step.REVIEW)
    review = h.page(Step.REVIEW)
    real_url = h.state.portal_url
    with altering_proxies() as start:
        # From here the portal's answers to writes say invoices stayed off.
        h.state.portal_url = start(h.sandbox, invoices_enabled=False)
        h.qtbot.mouseClick(review.save_button, _left())
        h.qtbot.waitUntil(lambda: review.errors.message is not None
                          and review.errors.message.code == "DS-DIFF", timeout=10000)
        h.qtbot.waitUntil(lambda: not review.working, timeout=10000)
    assert h.sandbox.world.applied_writes["site_1"] == 1
    assert "Invoices paid online" in review.summary.toPlainText()
    assert review.save_button.isVisible() and review.save_button.isEnabled()
    assert "site_1" not in h.state.pending_writes  # it was applied: not replayed
    h.state.portal_url = real_url
    h.qtbot.mouseClick(review.save_button, _left())
    h.wait_ready(Step.REVIEW)
    assert h.state.saved["site_1"].settings.invoices_enabled
    assert h.sandbox.world.applied_writes["site_1"] == 2
