"""Every portal endpoint, and every error status, checked against resources/portal-api.yaml."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import call, link_flow, make_client

SETTINGS = "/v1/sites/{site_id}/payment-settings"
SESSION = "/v1/payments/stripe/link-sessions/{id}"
CANCEL = "/v1/payments/stripe/link-sessions/{id}/cancel"


def settings_body(**deposits):
    dep = {"enabled": False, "default_amount_minor": None, "by_appointment_type": {}}
    dep.update(deposits)
    return {"payment_settings": {"deposits": dep, "balances": {"enabled": False},
                                 "invoices": {"enabled": False}}}


def test_read_endpoints(sb):
    practice = call(sb, "GET", "/v1/practice").body["practice"]
    assert practice["currency"] == "GBP" and practice["country"] == "GB"
    assert len(practice["sites"]) == 2 and practice["legal_name"]
    types = call(sb, "GET", "/v1/appointment-types").body["appointment_types"]
    assert 5 <= len(types) <= 6
    assert any(t["price_minor"] is None for t in types)
    assert any(not t["online_bookable"] for t in types)
    assert {"New patient exam": 6000, "Check-up": 4500}.items() <= {
        t["name"]: t["price_minor"] for t in types}.items()
    link = call(sb, "GET", "/v1/payments/stripe").body["stripe"]
    assert link == {"status": "unlinked", "livemode": False, "account": None,
                    "dentally_app_account": None}


def test_link_session_endpoints(sb):
    created = call(sb, "POST", "/v1/payments/stripe/link-sessions",
                   {"landing": "register", "prefill": {"email": "a@b.example"}},
                   headers={"Idempotency-Key": "key-0001"})
    assert created.status == 201
    ls = created.body["link_session"]
    assert ls["status"] == "pending" and ls["redirect_uri"].endswith("/stripe/callback")
    assert ls["authorize_url"].startswith(sb.stripe_url + "/oauth/authorize?")
    got = call(sb, "GET", f"/v1/payments/stripe/link-sessions/{ls['id']}", template=SESSION)
    assert got.body["link_session"]["id"] == ls["id"]
    cancelled = call(sb, "POST", f"/v1/payments/stripe/link-sessions/{ls['id']}/cancel", {},
                     template=CANCEL)
    assert cancelled.body["link_session"]["status"] == "cancelled"
    again = call(sb, "POST", f"/v1/payments/stripe/link-sessions/{ls['id']}/cancel", {},
                 template=CANCEL)
    assert again.body["link_session"]["status"] == "cancelled"
    missing = call(sb, "GET", "/v1/payments/stripe/link-sessions/ls_nope", template=SESSION)
    assert missing.status == 404 and missing.body["error"]["code"] == "not_found"
    missing = call(sb, "POST", "/v1/payments/stripe/link-sessions/ls_nope/cancel", {},
                   template=CANCEL)
    assert missing.status == 404


def test_settings_get_put_and_etag(sb):
    got = call(sb, "GET", "/v1/sites/site_1/payment-settings", template=SETTINGS)
    etag = got.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    body = settings_body(default_amount_minor=2500)
    put = call(sb, "PUT", "/v1/sites/site_1/payment-settings", body, template=SETTINGS,
               headers={"If-Match": etag, "Idempotency-Key": "put-key-1"})
    assert put.status == 200 and put.headers["etag"] != etag
    ps = put.body["payment_settings"]
    assert ps["deposits"]["default_amount_minor"] == 2500 and ps["updated_by"] == "Dentally Setup"
    replay = call(sb, "PUT", "/v1/sites/site_1/payment-settings", body, template=SETTINGS,
                  headers={"If-Match": etag, "Idempotency-Key": "put-key-1"})
    assert replay.status == 200 and replay.body == put.body
    assert sb.world.applied_writes == {"site_1": 1}
    reused = call(sb, "PUT", "/v1/sites/site_1/payment-settings", settings_body(),
                  template=SETTINGS, headers={"If-Match": etag, "Idempotency-Key": "put-key-1"})
    assert reused.status == 422 and reused.body["error"]["code"] == "idempotency_key_reused"


def test_auth_errors(sb):
    assert call(sb, "GET", "/v1/practice", token=None).status == 401
    wrong = call(sb, "GET", "/v1/practice", token="nope")
    assert wrong.status == 401 and wrong.body["error"]["code"] == "unauthorized"
    no_ua = call(sb, "GET", "/v1/practice", headers={"User-Agent": None})
    assert no_ua.status == 403 and no_ua.body["error"]["code"] == "forbidden"


def test_not_found(sb):
    unknown = call(sb, "GET", "/v1/nothing-here", check=False)
    assert unknown.status == 404
    call(sb, "GET", "/v1/practice", check=False)
    from tests.sandbox.helpers import validate

    validate("components/schemas/Error", unknown.body)
    site = call(sb, "GET", "/v1/sites/site_9/payment-settings", template=SETTINGS)
    assert site.status == 404 and site.body["error"]["code"] == "not_found"


def test_put_errors_428_412_409_422(sb):
    path = "/v1/sites/site_1/payment-settings"
    etag = call(sb, "GET", path, template=SETTINGS).headers["etag"]
    no_match = call(sb, "PUT", path, settings_body(), template=SETTINGS)
    assert no_match.status == 428 and no_match.body["error"]["code"] == "precondition_required"

    sb.world.external_edit("site_1", default_amount_minor=1500)
    stale = call(sb, "PUT", path, settings_body(), template=SETTINGS, headers={"If-Match": etag})
    assert stale.status == 412 and stale.body["error"]["code"] == "settings_changed"
    current = stale.body["error"]["payment_settings"]
    assert current["deposits"]["default_amount_minor"] == 1500
    assert current["updated_by"] == "web admin"
    etag = call(sb, "GET", path, template=SETTINGS).headers["etag"]

    on = call(sb, "PUT", path, settings_body(enabled=True, default_amount_minor=2000),
              template=SETTINGS, headers={"If-Match": etag})
    assert on.status == 409 and on.body["error"]["code"] == "stripe_not_ready"
    # Keeping deposits off while changing the amount is allowed when unlinked.
    off = call(sb, "PUT", path, settings_body(default_amount_minor=4000), template=SETTINGS,
               headers={"If-Match": etag})
    assert off.status == 200

    etag = off.headers["etag"]
    bad = call(sb, "PUT", path, settings_body(
        enabled=True, default_amount_minor=10,
        by_appointment_type={"at_checkup": 5000, "at_hygiene": 600_000, "at_nope": 100,
                             "at_emergency": 0, "at_new_patient": 20, "at_whitening": "x"}),
        template=SETTINGS, headers={"If-Match": etag})
    assert bad.status == 422 and bad.body["error"]["code"] == "validation_failed"
    fields = {(f["field"], f["code"]) for f in bad.body["error"]["fields"]}
    assert fields == {
        ("deposits.default_amount_minor", "below_minimum"),
        ("deposits.by_appointment_type.at_checkup", "exceeds_price"),
        ("deposits.by_appointment_type.at_hygiene", "above_maximum"),
        ("deposits.by_appointment_type.at_nope", "unknown_appointment_type"),
        ("deposits.by_appointment_type.at_new_patient", "below_minimum"),
        ("deposits.by_appointment_type.at_whitening", "invalid"),
    }
    required = call(sb, "PUT", path, {"payment_settings": {"deposits": {"enabled": True}}},
                    template=SETTINGS, headers={"If-Match": etag})
    assert {(f["field"], f["code"]) for f in required.body["error"]["fields"]} == {
        ("deposits.default_amount_minor", "required"), ("balances", "required"),
        ("invoices", "required")}
    assert sb.world.applied_writes == {"site_1": 1}


def test_body_errors(sb):
    path = "/v1/payments/stripe/link-sessions"
    not_json = call(sb, "POST", path, raw_body=b"{nope", headers={"Content-Type": "x"})
    assert not_json.status == 422 and not_json.body["error"]["code"] == "validation_failed"
    huge = call(sb, "POST", path, raw_body=b" " * (1024 * 1024 + 1))
    assert huge.status == 422
    short_key = call(sb, "POST", path, {}, headers={"Idempotency-Key": "short"})
    assert short_key.status == 422
    bad = call(sb, "POST", path, {"landing": "elsewhere", "prefill": {"business_type": "x"}})
    assert {f["field"] for f in bad.body["error"]["fields"]} == {"landing",
                                                                 "prefill.business_type"}


def test_already_linked_409_and_linked_status(make_sandbox):
    sb = make_sandbox("already-linked")
    link = call(sb, "GET", "/v1/payments/stripe").body["stripe"]
    assert link["status"] == "linked" and link["account"]["charges_enabled"] is True
    conflict = call(sb, "POST", "/v1/payments/stripe/link-sessions", {"landing": "login"})
    assert conflict.status == 409 and conflict.body["error"]["code"] == "already_linked"
    site1 = call(sb, "GET", "/v1/sites/site_1/payment-settings", template=SETTINGS).body
    assert site1["payment_settings"]["deposits"]["enabled"] is True
    deleted = call(sb, "DELETE", "/v1/payments/stripe")
    assert deleted.body["stripe"]["status"] == "unlinked"
    site1 = call(sb, "GET", "/v1/sites/site_1/payment-settings", template=SETTINGS).body
    ps = site1["payment_settings"]
    assert not (ps["deposits"]["enabled"] or ps["balances"]["enabled"] or ps["invoices"]["enabled"])
    assert not any(a["connected_platform"] == "portal" for a in sb.world.accounts.values())


def test_dentally_app_account_reported(make_sandbox):
    sb = make_sandbox("already-connected")
    link = call(sb, "GET", "/v1/payments/stripe").body["stripe"]
    assert link["dentally_app_account"]["id"].startswith("acct_")


def test_linked_account_contract_shape(make_sandbox):
    sb = make_sandbox("needs-verification")
    link_flow(make_client(sb))
    account = call(sb, "GET", "/v1/payments/stripe").body["stripe"]["account"]
    assert account["charges_enabled"] is False
    assert account["requirements"]["current_deadline"].endswith("Z")
    assert "external_account" in account["requirements"]["currently_due"]
    assert account["business_name"] == "Riverside Dental Practice"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_fault_statuses_follow_error_schema(sb, status):
    sb.faults.fail_next(1, status)
    answer = call(sb, "GET", "/v1/practice")
    assert answer.status == status and answer.body["error"]["code"] == "unavailable"


def test_rate_limit_follows_contract(sb):
    sb.faults.rate_limit(1, retry_after=7)
    answer = call(sb, "GET", "/v1/practice")
    assert answer.status == 429 and answer.headers["retry-after"] == "7"
    assert answer.body["error"]["code"] == "rate_limited"
    assert call(sb, "GET", "/v1/practice").status == 200
