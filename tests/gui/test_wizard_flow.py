"""The wizard page by page against the sandbox, with the real web view clicking through the
sandbox's Stripe pages."""

from __future__ import annotations

from dentally_setup.flow.steps import Step
from tests.gui.deposits import type_deposit
from tests.sandbox.helpers import Browser


def fill_settings(h, default="25.00") -> None:
    page = h.wait_ready(Step.SETTINGS)
    page.deposits_on.setChecked(True)
    page.balances.setChecked(True)
    page.invoices.setChecked(True)
    page.default.clear()
    h.qtbot.keyClicks(page.default, default)


def save_and_finish(h) -> None:
    h.next()  # settings -> review
    h.wait_step(Step.REVIEW)
    review = h.page(Step.REVIEW)
    h.qtbot.waitUntil(lambda: review.save_button.isEnabled(), timeout=10000)
    h.qtbot.mouseClick(review.save_button, _left())
    h.wait_ready(Step.REVIEW)
    h.next()
    h.wait_step(Step.DONE)


def _left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_fresh_journey_in_the_web_view(make_wizard):
    h = make_wizard("fresh")
    h.go_to_link_page()
    h.sign_in_on_stripe()
    h.wait_stripe_page("chooser")
    link_page = h.page(Step.LINK)
    assert link_page.location_bar.host.text().startswith("127.0.0.1:")  # shown to staff
    h.choose_account().click("#authorize")
    # The browser reaches the portal's redirect_uri; the app polls and moves on by itself.
    h.wait_ready(Step.ACCOUNT_CHECK)
    assert link_page.browser is None  # the web view (and its Stripe session) is gone
    acct = h.state.account
    assert acct is not None and acct.charges_enabled
    assert "can take payments" in h.page(Step.ACCOUNT_CHECK).status_text.text()
    h.next()
    fill_settings(h)
    save_and_finish(h)
    # Exactly one applied write per site, read back and confirmed.
    assert h.sandbox.world.applied_writes == {"site_1": 1, "site_2": 1}
    saved = h.state.saved["site_1"].settings
    assert saved.deposits_enabled and saved.deposit_default_minor == 2500
    assert saved.balances_enabled and saved.invoices_enabled
    # The app never saw the authorization code: it is nowhere in what it kept.
    exchanged = [e for e in h.sandbox.world.token_exchanges if e.get("code")]
    assert exchanged
    assert all(e["code"] not in repr(h.state) for e in exchanged)


def test_deny_path_explains_and_offers_try_again(make_wizard):
    h = make_wizard("denied")
    h.go_to_link_page()
    h.sign_in_on_stripe()
    h.choose_account().click("#deny")
    page = h.page(Step.LINK)
    h.qtbot.waitUntil(lambda: page.errors.isVisible(), timeout=20000)
    assert page.errors.message.code == "DS-L-DENIED"
    assert "declined" in page.errors.text.text()
    assert page.errors.retry_button.isVisible()
    assert not page.isComplete()
    assert h.wizard.currentId() == int(Step.LINK)
    # Try again starts a fresh session with a fresh Stripe page.
    first = h.state.session.id
    h.stripe_pages.clear()
    h.qtbot.mouseClick(page.errors.retry_button, _left())
    h.wait_stripe_page("signin")
    assert h.state.session.id != first and h.state.session.pending


def test_browser_route_polls_until_linked(make_wizard):
    h = make_wizard("fresh")
    h.go_to_link_page()
    page = h.page(Step.LINK)
    h.wait_stripe_page("signin")
    h.qtbot.mouseClick(page.browser_button, _left())
    assert page.browser is None  # nothing of Stripe stays inside the app
    assert h.opened == [h.state.session.authorize_url]
    # The "system browser": a fake that fetches the URL and follows the sandbox's forms.
    from dentally_setup.sandbox import DEMO_PASSWORD

    b = Browser()
    p = b.open(h.opened[0])
    p = b.click(p, "sign-in", password=DEMO_PASSWORD)
    p = b.click(p, "continue")
    p = b.click(p, "authorize")
    assert "linked" in p.text.lower()
    h.wait_ready(Step.ACCOUNT_CHECK)
    assert h.state.link_outcome == "completed"


def test_settings_validation_as_you_type(make_wizard):
    h = make_wizard("already-linked")
    h.next()
    h.wait_ready(Step.SIGN_IN)
    h.next()
    h.wait_ready(Step.STRIPE_STATUS)
    h.next()
    h.wait_ready(Step.ACCOUNT_CHECK)
    h.next()
    page = h.wait_ready(Step.SETTINGS)
    page.deposits_on.setChecked(True)
    for bad, words in (("abc", "pounds and pence"), ("25.555", ""), ("0.10", "")):
        page.default.clear()
        h.qtbot.keyClicks(page.default, bad)
        assert not page.isComplete(), bad
        assert page.default_problem.isVisible(), bad
        assert page.default_problem.text().startswith("⚠ Default deposit"), bad
        if words:
            assert words in page.default_problem.text().lower()
    # A per-type deposit above the type's price is named beside that type.
    hygiene = next(t for t in h.state.types if t.name.startswith("Hygiene"))
    page.default.clear()
    h.qtbot.keyClicks(page.default, "20")
    type_deposit(h.qtbot, page, hygiene.id, "999")
    assert not page.isComplete()
    assert "price" in page.type_problem(hygiene.id)
    type_deposit(h.qtbot, page, hygiene.id, "0", replace=True)
    assert page.isComplete()
    # What was typed is kept, as typed, in the draft of the site shown; the sites differed
    # on the portal, so the other site keeps its own until "same for all sites" is ticked.
    assert not page.same_for_all.isChecked()
    first, second = h.state.drafts["site_1"], h.state.drafts["site_2"]
    assert first.default == "20" and first.by_type[hygiene.id] == "0"
    assert second.default != "20"
    page.same_for_all.setChecked(True)
    assert h.state.drafts["site_2"].default == "20"
    assert h.state.drafts["site_2"].by_type[hygiene.id] == "0"


def test_412_shows_their_change_and_lets_the_person_choose(make_wizard):
    h = make_wizard("already-linked")
    for step in (Step.SIGN_IN, Step.STRIPE_STATUS, Step.ACCOUNT_CHECK):
        h.next()
        h.wait_ready(step)
    h.next()
    fill_settings(h, "30.00")
    h.next()
    h.wait_step(Step.REVIEW)
    # Someone changes site 1 in the web admin while the person is reviewing.
    h.sandbox.world.external_edit("site_1", balances_enabled=False, default_amount_minor=4200)
    review = h.page(Step.REVIEW)
    h.qtbot.mouseClick(review.save_button, _left())
    h.qtbot.waitUntil(lambda: review.keep_theirs.isVisible(), timeout=10000)
    assert review.errors.message.code == "DS-412"
    assert "£42.00" in review.summary.toPlainText()
    assert h.sandbox.world.applied_writes.get("site_1", 0) == 0
    h.qtbot.mouseClick(review.use_mine, _left())
    h.qtbot.waitUntil(lambda: review.save_button.isEnabled(), timeout=10000)
    h.qtbot.mouseClick(review.save_button, _left())
    h.wait_ready(Step.REVIEW)
    assert h.sandbox.world.applied_writes["site_1"] == 1
    assert h.state.saved["site_1"].settings.deposit_default_minor == 3000


def test_409_stripe_not_ready_sends_back_to_account_check(make_wizard):
    h = make_wizard("already-linked")
    for step in (Step.SIGN_IN, Step.STRIPE_STATUS, Step.ACCOUNT_CHECK):
        h.next()
        h.wait_ready(step)
    h.next()
    fill_settings(h)
    h.next()
    h.wait_step(Step.REVIEW)
    # Stripe pulls the account's charges between the check and the save.
    acct_id = h.state.account.id
    with h.sandbox.world.lock:
        h.sandbox.world.accounts[acct_id].update(charges_enabled=False,
                                                 currently_due=["external_account"])
    review = h.page(Step.REVIEW)
    h.qtbot.mouseClick(review.save_button, _left())
    h.qtbot.waitUntil(lambda: review.to_account.isVisible(), timeout=10000)
    assert review.errors.message.code == "DS-409S"
    h.qtbot.mouseClick(review.to_account, _left())
    h.wait_ready(Step.ACCOUNT_CHECK)
    check = h.page(Step.ACCOUNT_CHECK)
    assert "bank account" in check.needs_text.text()
    assert check.open_button.isVisible()


def test_link_page_left_idle_past_expiry_offers_a_fresh_session(make_wizard):
    h = make_wizard("fresh")
    # The portal's clock runs 14 min 58 s behind: its 15-minute session expires in ~2 s.
    h.sandbox.advance_clock(-(15 * 60 - 2))
    h.go_to_link_page()
    page = h.page(Step.LINK)
    h.wait_stripe_page("signin")
    h.qtbot.waitUntil(page.errors.isVisible, timeout=15000)
    assert page.errors.message.code == "DS-L-IDLE"
    first = h.state.session.id
    h.sandbox.advance_clock(15 * 60 - 2)
    h.stripe_pages.clear()
    h.qtbot.mouseClick(page.errors.retry_button, _left())
    h.wait_stripe_page("signin")
    assert h.state.session.id != first
