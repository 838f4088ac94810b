"""The account check page says what Stripe says, in the words flow.readiness gives every
surface: a closed account is final (no way on to switch payments on); what is being checked
and what is due later are said as such; never a raw requirement key."""

from __future__ import annotations

import html

from PySide6.QtWidgets import QWizard

from dentally_setup.flow.steps import Step


def _link_then(h, change) -> object:
    h.go_to_link_page()
    h.sign_in_on_stripe()
    browser = h.choose_account()
    acct_id = next(iter(h.sandbox.world.accounts))
    with h.sandbox.world.lock:  # what Stripe says about the account changes meanwhile
        change(h.sandbox.world.accounts[acct_id])
    browser.click("#authorize")
    h.wait_step(Step.ACCOUNT_CHECK)
    page = h.page(Step.ACCOUNT_CHECK)
    h.qtbot.waitUntil(lambda: page._loaded and not page.working, timeout=20000)
    return page


def test_a_closed_account_is_final_and_goes_no_further(make_wizard):
    h = make_wizard("needs-verification")

    def close(acct):
        acct["disabled_reason"] = "rejected.fraud"

    page = _link_then(h, close)
    text = page.status_text.text() + page.next_text.text() + page.needs_text.text()
    assert "Closed" in text and "has been closed" in text
    assert "suspected fraud" in page.next_text.text()
    assert "checking" not in text and "prepare the payment settings" not in text
    assert "rejected" not in text
    assert not page.isComplete()
    assert not h.wizard.button(QWizard.WizardButton.NextButton).isEnabled()


def test_checking_and_due_later_in_words(make_wizard):
    h = make_wizard("needs-verification")

    def pending(acct):
        acct.update(currently_due=[], pending_verification=["individual.verification.document"],
                    future_due=["company.tax_id"], future_deadline=1800000000,
                    errors=[{"requirement": "individual.verification.document",
                             "code": "verification_document_expired",
                             "reason": "The document has expired."}])

    page = _link_then(h, pending)
    said = html.unescape(page.needs_text.text())  # the words as shown, not the markup
    assert "Stripe is checking these: ID for the account holder" in said
    assert "Due later: the business's tax or company number — by 15 January 2027" in said
    assert "Stripe did not accept: ID for the account holder: the document has expired" in said
    for raw in ("individual.verification", "company.tax_id", "verification_document"):
        assert raw not in said
    assert page.next_text.isVisible() and page.next_text.text().startswith("<b>Next:</b>")
