"""The one-platform trap: detected before linking, while linking and by the person; the
guidance; the sign-in (landing: login) link session through Stripe's chooser to a new account
sharing the legal entity; both accounts shown after. And a practice with no Stripe login:
"We don't have a Stripe account yet", Stripe's sign-up form with the practice's details."""

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
    # The words describe what Stripe shows, in order: sign in, the chooser, share + Connect.
    from dentally_setup.gui.pages.guidance import STEPS

    assert [image for image, _t, _w in STEPS] == [
        "step-sign-in.svg", "step-new-account.svg", "step-share-entity.svg"]
    words = " ".join(w.text() for w in guidance.findChildren(QLabel))
    for said in ("usual Stripe login", "Do not make a new login", "Create a new account",
                 "connected to another platform", "share the legal entity", "Connect"):
        assert said in words
    h.next()  # "Continue to Stripe"
    h.wait_step(Step.LINK)
    h.wait_stripe_page("signin")
    # The portal was asked for Stripe's sign-in, not its sign-up form for a new login.
    request = h.sandbox.world.link_session_requests[-1]
    assert request.get("landing", "login") == "login" and "prefill" not in request
    assert h.sandbox.world.authorize_requests[-1]["stripe_landing"] == "login"
    h.sign_in_on_stripe()
    browser = h.wait_stripe_page("chooser")
    # Stripe's chooser lists the login's account, marked as connected elsewhere...
    disabled = h.run_js_and_wait(
        browser, f"document.querySelector('#account-{app.id}').disabled")
    assert disabled is True
    # ...and "Create a new account" leads to the share-the-legal-entity choice.
    browser.click("#create-account")
    browser = h.wait_stripe_page("new-account")
    shared = h.run_js_and_wait(browser, f"document.querySelector('#share-{app.id}').checked")
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
    # The way through is on Stripe's own page, in the same session: its "Create a new
    # account" (no new link session, no sign-up form for a second login).
    sessions = len(h.sandbox.world.link_session_requests)
    page.browser.click("#create-account")
    h.wait_stripe_page("new-account")
    assert len(h.sandbox.world.link_session_requests) == sessions


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
    h.qtbot.waitUntil(lambda: len(h.sandbox.world.authorize_requests) == 2, timeout=10000)
    assert h.sandbox.world.authorize_requests[-1]["stripe_landing"] == "login"
    assert h.sandbox.world.link_session_requests[-1].get("landing", "login") == "login"


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


def test_no_stripe_login_signs_up_with_the_practices_details(make_wizard):
    h = make_wizard("no-stripe")
    status = to_status(h)
    assert status.no_stripe_button.isVisible()
    assert "no Stripe login at all" in status.explain.text()
    h.qtbot.mouseClick(status.no_stripe_button, LEFT)
    h.wait_step(Step.LINK)
    browser = h.wait_stripe_page("register")  # no sign-in page first
    request = h.sandbox.world.link_session_requests[-1]
    practice = h.state.practice
    assert request["landing"] == "register"
    assert request["prefill"] == {
        "email": practice.email, "url": practice.website, "country": "GB",
        "business_name": practice.legal_name, "phone_number": "442079460321",
        "currency": "gbp"}
    query = h.sandbox.world.authorize_requests[-1]
    assert query["stripe_landing"] == "register"
    assert query["stripe_user[phone_number]"] == "442079460321"
    # Stripe's sign-up form shows them filled in; the person adds a password.
    email = h.run_js_and_wait(browser, "document.querySelector('#reg-email').value")
    assert email == practice.email
    browser.run_js("document.querySelector('#reg-password').value = 'a-long-password';"
                   "document.querySelector('#create').click();")
    h.wait_stripe_page("authorize").click("#authorize")
    check = h.wait_ready(Step.ACCOUNT_CHECK)
    acct = h.state.account
    assert acct.id in check.account_text.text() and practice.legal_name in \
        check.account_text.text()
    assert h.sandbox.world.logins[practice.email]["accounts"] == [acct.id]


def test_back_from_the_sign_up_form_then_next_signs_in(make_wizard):
    h = make_wizard("fresh")
    status = to_status(h)
    h.qtbot.mouseClick(status.no_stripe_button, LEFT)
    h.wait_stripe_page("register")
    h.wizard.back()
    h.wait_ready(Step.STRIPE_STATUS)
    h.next()
    h.wait_stripe_page("signin")
    assert h.sandbox.world.authorize_requests[-1]["stripe_landing"] == "login"


def test_already_connected_status_page_offers_no_sign_up(make_wizard):
    h = make_wizard("already-connected")
    status = to_status(h)
    assert not status.no_stripe_button.isVisible()
