"""The one-platform trap: detected before linking, while linking and by the person; the
guidance; the register + prefill link session; both accounts shown after."""

from __future__ import annotations

from PySide6.QtCore import Qt

from dentally_setup.flow.steps import Step

LEFT = Qt.MouseButton.LeftButton


def to_status(h):
    h.next()
    h.wait_ready(Step.SIGN_IN)
    h.next()
    return h.wait_ready(Step.STRIPE_STATUS)


def test_detected_before_linking_and_guided_to_a_shared_entity_account(make_wizard, tmp_path):
    h = make_wizard("already-connected", screenshots=tmp_path / "shots")
    status = to_status(h)
    app = h.state.link.dentally_app_account
    assert app is not None
    text = status.summary.text() + status.explain.text()
    assert app.id in text and "already serves the Dentally app" in text
    assert "one</b> platform only" in text
    h.next()
    guidance = h.wait_ready(Step.GUIDANCE)
    assert app.id in guidance.why.text()
    # Three illustrated steps, drawn from resources/ (not empty pictures).
    from PySide6.QtWidgets import QLabel

    pictures = [w for w in guidance.findChildren(QLabel) if w.pixmap() is not None
                and not w.pixmap().isNull()]
    assert len(pictures) == 3
    h.next()  # "Continue to Stripe"
    h.wait_step(Step.LINK)
    h.sign_in_on_stripe()
    browser = h.wait_stripe_page("register")
    # The portal was asked for the sign-up landing with the practice's details...
    request = h.sandbox.world.link_session_requests[-1]
    practice = h.state.practice
    assert request["landing"] == "register"
    assert request["prefill"]["business_name"] == (practice.legal_name or practice.name)
    assert request["prefill"]["email"] == practice.email
    assert request["prefill"]["currency"] == "gbp"
    assert request["prefill"]["url"].startswith("https://")
    # ...and they reached Stripe's authorize URL as stripe_user[...] with stripe_landing.
    query = h.sandbox.world.authorize_requests[-1]
    assert query["stripe_landing"] == "register"
    assert query["stripe_user[email]"] == practice.email
    # The imitation offers to share the legal entity of the existing business.
    shared = h.run_js_and_wait(browser, "document.querySelector('#share-legal-entity').checked")
    assert shared is True
    browser.click("#create")
    h.wait_stripe_page("authorize").click("#authorize")
    check = h.wait_ready(Step.ACCOUNT_CHECK)
    acct = h.state.account
    assert acct.id != app.id
    assert acct.id in check.account_text.text()
    assert app.id in check.both_text.text() and "nothing moved" in check.both_text.text()
    assert (tmp_path / "shots").exists()


def test_watcher_spots_stripes_message_while_linking(make_wizard):
    # The portal does not know about the Dentally app's account here: only Stripe's chooser
    # gives it away, so the watcher on the page must catch it.
    h = make_wizard("already-connected")
    h.sandbox.world.dentally_app_account = None
    to_status(h)
    assert h.wizard.currentPage().nextId() == int(Step.LINK)
    h.next()
    h.wait_step(Step.LINK)
    h.sign_in_on_stripe()
    h.wait_stripe_page("chooser")
    page = h.page(Step.LINK)
    h.qtbot.waitUntil(page.side.isVisible, timeout=10000)
    assert page.browser is not None and page.browser.isVisible()  # the page is kept
    # "Create a new account" starts again on the sign-up form with the practice's details.
    h.qtbot.mouseClick(page.create_button, LEFT)
    h.qtbot.waitUntil(lambda: h.sandbox.world.link_session_requests[-1].get("landing")
                      == "register", timeout=10000)
    h.sign_in_on_stripe()
    h.wait_stripe_page("register")


def test_my_account_isnt_listed_button_leads_to_the_guidance(make_wizard):
    h = make_wizard("fresh")
    h.go_to_link_page()
    page = h.page(Step.LINK)
    h.wait_stripe_page("signin")
    h.qtbot.mouseClick(page.not_listed_button, LEFT)
    assert page.side.isVisible()
    h.qtbot.mouseClick(page.how_button, LEFT)
    guidance = h.wait_ready(Step.GUIDANCE)
    assert "one platform only" in guidance.why.text()
    assert page.browser is None  # leaving the link page destroyed the web view
    h.next()
    h.wait_step(Step.LINK)
    h.qtbot.waitUntil(lambda: h.sandbox.world.link_session_requests[-1].get("landing")
                      == "register", timeout=10000)


def test_needs_verification_then_check_again_turns_ready(make_wizard):
    h = make_wizard("needs-verification")
    h.go_to_link_page()
    h.sign_in_on_stripe()
    h.choose_account().click("#authorize")
    check = h.wait_ready(Step.ACCOUNT_CHECK)
    text = check.status_text.text()
    assert "Not ready yet" in text and "cannot take payments yet" in text
    assert check.needs_text.text().startswith("Stripe still needs: ")
    assert "bank account" in check.needs_text.text() and " — by " in check.needs_text.text()
    h.qtbot.mouseClick(check.open_button, LEFT)
    assert h.opened and "/dashboard" in h.opened[-1]
    # Finish verification on the (imitation) Stripe dashboard, as the person would.
    from tests.sandbox.helpers import Browser

    b = Browser()
    dash = b.open(h.opened[-1])
    b.click(dash, "complete-verification")
    h.qtbot.mouseClick(check.check_button, LEFT)
    h.qtbot.waitUntil(lambda: check.isComplete() and "Ready:" in check.status_text.text(),
                      timeout=10000)


def test_not_ready_saves_with_payments_off_and_amounts_kept(make_wizard):
    h = make_wizard("needs-verification")
    h.go_to_link_page()
    h.sign_in_on_stripe()
    h.choose_account().click("#authorize")
    h.wait_ready(Step.ACCOUNT_CHECK)
    h.next()
    page = h.wait_ready(Step.SETTINGS)
    assert page.not_ready.isVisible()
    page.deposits_on.setChecked(True)
    page.default.clear()
    h.qtbot.keyClicks(page.default, "35")
    h.next()
    review = h.page(Step.REVIEW)
    h.wait_step(Step.REVIEW)
    assert "switched <b>off</b>" in review.summary.toHtml() or "switched off" in (
        review.summary.toPlainText())
    h.qtbot.mouseClick(review.save_button, LEFT)
    h.wait_ready(Step.REVIEW)
    saved = h.state.saved["site_1"].settings
    assert not saved.deposits_enabled and saved.deposit_default_minor == 3500
    # The person's choice is kept for later: the draft still says deposits on.
    assert h.state.drafts["site_1"].deposits_enabled
