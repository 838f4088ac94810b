"""The Stripe imitation's OAuth pages and API, clicked through over plain HTTP."""

from __future__ import annotations

import urllib.parse

import pytest

from dentally_setup.sandbox import DEMO_LOGIN
from dentally_setup.sandbox.stripe_bridge import SANDBOX_SECRET_KEY
from tests.sandbox.helpers import Browser, link_flow, make_client, sign_in


def _token(sb, code: str) -> tuple[int, dict]:
    import json
    import urllib.request

    req = urllib.request.Request(
        sb.stripe_url + "/oauth/token",
        data=urllib.parse.urlencode({"grant_type": "authorization_code", "code": code}).encode(),
        headers={"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"}, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_fresh_links(sb, client):
    session = client.create_link_session()
    browser = Browser()
    page = browser.open(session.authorize_url)
    assert page.page == "signin" and page.input("email")["value"] == DEMO_LOGIN
    assert "Stripe (sandbox imitation)" in page.text and "sign-in" in page.ids
    page = sign_in(Browser(), session.authorize_url)
    assert page.page == "chooser"
    page = browser.click(sign_in(browser, session.authorize_url), "continue")
    assert page.page == "authorize" and "Connect Riverside Dental Practice" in page.text
    page = browser.click(page, "authorize")
    assert page.page == "linked" and page.url.startswith(session.redirect_uri)
    assert "Stripe is linked. You can close this window and go back to Dentally Setup." in page.text
    done = client.link_session(session.id)
    assert done.status == "completed" and done.account and done.account.charges_enabled
    link = client.stripe_link()
    assert link.linked and link.account.id == done.account.id
    assert [e["outcome"] for e in sb.world.token_exchanges] == ["ok"]


def test_deny(make_sandbox):
    sb = make_sandbox("denied")
    client = make_client(sb)
    session_id, page = link_flow(client, decision="deny")
    assert page.page == "denied"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(page.url).query)
    assert query["error"] == ["access_denied"]
    assert query["error_description"] == ["The user denied your request"]
    session = client.link_session(session_id)
    assert session.status == "denied" and session.error.code == "access_denied"
    assert sb.world.token_exchanges == []
    assert not client.stripe_link().linked


def test_already_connected_sign_in_then_new_account_shares_legal_entity(make_sandbox):
    """What a practice does on real Stripe: sign in with its usual login; the chooser marks
    the account another platform controls; "Create a new account" under the same login,
    sharing the legal entity."""
    sb = make_sandbox("already-connected")
    client = make_client(sb)
    app_account = client.stripe_link().dentally_app_account
    session = client.create_link_session()  # landing: login
    browser = Browser()
    page = sign_in(browser, session.authorize_url)
    assert page.page == "chooser"
    assert "This account is connected to another platform. Please create a new account." \
        in page.text
    radio = page.input(f"account-{app_account.id}")
    assert "disabled" in radio
    assert "create-account" in page.ids
    page = browser.follow_link(page, "create-account")
    assert page.page == "new-account"
    assert DEMO_LOGIN in page.text  # under the same login, not a new one
    share = page.input(f"share-{app_account.id}")
    assert "checked" in share and share["value"] == app_account.id
    assert f"Share the legal entity of Riverside Dental Practice ({app_account.id})" in page.text
    assert "password" not in page.ids  # no sign-up here
    page = browser.click(page, "create", business_name="Typed over")
    assert page.page == "authorize"
    page = browser.click(page, "authorize")
    assert page.page == "linked"
    done = client.link_session(session.id)
    assert done.account.id != app_account.id and done.account.charges_enabled
    assert done.account.business_name == "Riverside Dental Practice"
    new = sb.world.accounts[done.account.id]
    assert new["shares_legal_entity_with"] == app_account.id
    assert sb.world.logins[DEMO_LOGIN]["accounts"] == [app_account.id, new["id"]]
    assert list(sb.world.logins) == [DEMO_LOGIN]


def test_new_account_without_sharing_is_a_separate_business(make_sandbox):
    sb = make_sandbox("already-connected")
    client = make_client(sb)
    session = client.create_link_session()
    browser = Browser()
    page = browser.follow_link(sign_in(browser, session.authorize_url), "create-account")
    page = browser.click(page, "create", share_legal_entity="", business_name="Side line")
    browser.click(page, "authorize")
    new = sb.world.accounts[client.link_session(session.id).account.id]
    assert new["shares_legal_entity_with"] is None and new["business_name"] == "Side line"


def test_choosing_a_connected_account_is_refused(make_sandbox):
    sb = make_sandbox("already-connected")
    client = make_client(sb)
    app_id = client.stripe_link().dentally_app_account.id
    browser = Browser()
    page = sign_in(browser, client.create_link_session().authorize_url)
    page = browser.click(page, "continue", account=app_id)
    assert page.page == "chooser" and "error" in page.ids


def test_register_landing_is_a_sign_up_form_for_a_new_login(make_sandbox):
    sb = make_sandbox("no-stripe")
    client = make_client(sb)
    prefill = {"email": "owner@riverside.example", "business_name": "Riverside Dental",
               "url": "https://riverside.example", "country": "GB", "currency": "gbp",
               "phone_number": "442000000000", "first_name": "Ann", "last_name": "Lee",
               "business_type": "corporation"}
    session = client.create_link_session(landing="register", prefill=prefill)
    assert sb.world.link_session_requests == [{"landing": "register", "prefill": prefill}]
    browser = Browser()
    page = browser.open(session.authorize_url)
    # Straight to the sign-up form: no sign-in, no chooser, nothing to share.
    assert page.page == "register"
    assert "sign-in" not in page.ids and "share-legal-entity" not in page.html
    assert page.input("business_name")["value"] == "Riverside Dental"
    assert page.input("reg-email")["value"] == "owner@riverside.example"
    assert page.input("full_name")["value"] == "Ann Lee"
    seen = sb.world.authorize_requests[-1]
    assert seen["stripe_landing"] == "register" and seen["scope"] == "read_write"
    assert seen["stripe_user[email]"] == "owner@riverside.example"
    assert seen["stripe_user[business_name]"] == "Riverside Dental"
    short = browser.click(page, "create", password="short")
    assert short.page == "register" and "error" in short.ids
    page = browser.click(short, "create", password="a-long-password")
    assert page.page == "authorize"
    page = browser.click(page, "authorize")
    done = client.link_session(session.id)
    assert done.account.email == "owner@riverside.example"
    assert sb.world.logins["owner@riverside.example"]["accounts"] == [done.account.id]
    assert sb.world.accounts[done.account.id]["business_type"] == "company"


def test_register_with_an_existing_login_is_refused(make_sandbox):
    sb = make_sandbox("already-connected")
    client = make_client(sb)
    session = client.create_link_session(landing="register", prefill={"email": DEMO_LOGIN})
    browser = Browser()
    page = browser.open(session.authorize_url)
    page = browser.click(page, "create", password="a-long-password")
    assert page.page == "register" and "already exists" in page.text
    assert len(sb.world.logins[DEMO_LOGIN]["accounts"]) == 1


def test_code_exchanged_once_even_if_callback_reloaded(sb, client):
    session_id, stop = link_flow(client, follow=False)
    callback = stop.url
    assert callback.startswith(client.link_session(session_id).redirect_uri)
    browser = Browser()
    first, second = browser.open(callback), browser.open(callback)
    assert first.page == "linked" and second.page == "linked"
    assert len(sb.world.token_exchanges) == 1
    assert client.stripe_link().linked


def test_reused_code_is_invalid_grant_and_revokes(sb, client):
    _session_id, stop = link_flow(client, follow=False)
    Browser().open(stop.url)
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(stop.url).query)["code"][0]
    status, body = _token(sb, code)
    assert status == 400 and body["error"] == "invalid_grant"
    assert "already been used" in body["error_description"]
    status, body = _token(sb, "ac_unknown")
    assert body == {"error": "invalid_grant",
                    "error_description": "Authorization code does not exist: ac_unknown"}
    # Stripe revoked the connection: the portal notices on its next look.
    assert not client.stripe_link().linked


def test_expired_code_fails_the_session(sb, client):
    session_id, stop = link_flow(client, follow=False)
    sb.advance_clock(6 * 60)
    page = Browser().open(stop.url)
    assert page.page == "failed"
    session = client.link_session(session_id)
    assert session.status == "failed" and session.error.code == "invalid_grant"


def test_expired_session_and_state(sb, client):
    session = client.create_link_session()
    browser = Browser()
    page = browser.click(sign_in(browser, session.authorize_url), "continue")
    sb.advance_clock(16 * 60)
    assert client.link_session(session.id).status == "expired"
    page = browser.click(page, "authorize")
    assert page.page == "expired" and page.status == 400
    assert sb.world.token_exchanges == []
    unknown = browser.open(session.redirect_uri + "?code=ac_x&state=made-up")
    assert unknown.page == "unknown-state" and "not recognised" in unknown.text


def test_cancelled_session_refuses_callback(sb, client):
    session_id, stop = link_flow(client, follow=False)
    assert client.cancel_link_session(session_id).status == "cancelled"
    assert Browser().open(stop.url).page == "cancelled"
    assert sb.world.token_exchanges == []


@pytest.mark.parametrize(("change", "error"), [
    ({"client_id": "ca_wrong"}, "invalid_request"),
    ({"client_id": None}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "read_only"}, "invalid_scope"),
    ({"redirect_uri": "https://evil.example/cb"}, "invalid_redirect_uri"),
])
def test_authorize_errors_are_json(sb, client, change, error):
    url = client.create_link_session().authorize_url
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    for key, value in change.items():
        if value is None:
            query.pop(key)
        else:
            query[key] = value
    page = Browser().open(parts._replace(query=urllib.parse.urlencode(query)).geturl())
    assert page.status == 400 and page.json()["error"] == error
    assert page.json()["error_description"]
    assert len(sb.world.authorize_requests) == 1


def test_wrong_password(sb, client):
    browser = Browser()
    page = browser.open(client.create_link_session().authorize_url)
    page = browser.click(page, "sign-in", password="nope")
    assert page.page == "signin" and "Incorrect email or password." in page.text


def test_needs_verification_then_dashboard(make_sandbox):
    import dataclasses

    from dentally_setup.portal.client import new_idempotency_key
    from dentally_setup.portal.errors import Conflict

    sb = make_sandbox("needs-verification")
    client = make_client(sb)
    session_id, _page = link_flow(client)
    account = client.link_session(session_id).account
    assert not account.charges_enabled and account.requirements.current_deadline
    current = client.payment_settings("site_1")
    on = dataclasses.replace(current.settings, deposits_enabled=True, deposit_default_minor=2000)
    with pytest.raises(Conflict):
        client.put_payment_settings("site_1", on, current.etag, new_idempotency_key())
    browser = Browser()
    dash = browser.open(sb.dashboard_url(account.id))
    assert dash.page == "dashboard" and "external_account" in dash.text
    dash = browser.click(dash, "complete-verification")
    assert dash.page == "dashboard" and "complete-verification" not in dash.ids
    link = client.stripe_link()
    assert link.account.charges_enabled and link.account.requirements.currently_due == ()
    client.put_payment_settings("site_1", on, current.etag, new_idempotency_key())


def test_pages_have_no_external_resources(sb, client):
    page = Browser().open(client.create_link_session().authorize_url)
    assert "http://" not in page.html.replace(sb.stripe_url, "")
    assert "https://" not in page.html and "#635bff" in page.html
