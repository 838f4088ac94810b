"""The real PortalClient against the sandbox: retries, idempotency, 412, faults."""

from __future__ import annotations

import dataclasses

import pytest

from dentally_setup.portal.client import new_idempotency_key
from dentally_setup.portal.errors import (
    AuthError,
    Conflict,
    MalformedResponse,
    NotFound,
    PortalUnreachable,
    RateLimited,
    SettingsChanged,
    ValidationFailed,
)
from tests.sandbox.helpers import link_flow, make_client


def test_reads(client):
    assert client.practice().name == "Riverside Dental Practice"
    assert {t.id for t in client.appointment_types()} >= {"at_new_patient", "at_checkup"}
    assert not client.stripe_link().linked
    with pytest.raises(NotFound):
        client.payment_settings("site_404")


def test_wrong_token(sb):
    bad = make_client(sb)
    bad._token = "wrong"
    with pytest.raises(AuthError):
        bad.practice()


def test_get_retried_after_503(sb, client):
    sb.faults.fail_next(2, 503)
    assert client.practice().currency == "GBP"
    assert [r[2] for r in sb.world.requests] == [503, 503, 200]


def test_drop_after_apply_applies_once(sb, client):
    current = client.payment_settings("site_2")
    wanted = dataclasses.replace(current.settings, deposit_default_minor=3500)
    sb.faults.drop_after_apply(1)
    saved = client.put_payment_settings("site_2", wanted, current.etag, new_idempotency_key())
    assert saved.settings.deposit_default_minor == 3500
    assert sb.world.applied_writes == {"site_2": 1}
    assert len([r for r in sb.world.requests if r[0] == "PUT"]) == 2


def test_rate_limited_then_served(sb, client):
    sb.faults.rate_limit(1, retry_after=0)
    assert client.practice().id
    assert [r[2] for r in sb.world.requests] == [429, 200]


def test_rate_limit_longer_than_budget(sb):
    sb.faults.rate_limit(1, retry_after=60)
    with pytest.raises(RateLimited):
        make_client(sb, budget=1.0).practice()


def test_malformed_json(sb, client):
    sb.faults.malformed(1)
    with pytest.raises(MalformedResponse):
        client.practice()


def test_timeout_then_retry(sb):
    sb.faults.delay(1.0, n=1)
    client = make_client(sb, timeout=0.5)
    assert client.practice().id
    assert sb.world.requests[-1][2] == 200


def test_timeout_outlasts_budget(sb):
    sb.faults.delay(1.0)
    with pytest.raises(PortalUnreachable):
        make_client(sb, timeout=0.5, budget=0.9).practice()


def test_put_412_carries_current(sb, client):
    current = client.payment_settings("site_1")
    sb.world.external_edit("site_1", balances_enabled=True, default_amount_minor=900)
    wanted = dataclasses.replace(current.settings, deposit_default_minor=3000)
    with pytest.raises(SettingsChanged) as info:
        client.put_payment_settings("site_1", wanted, current.etag, new_idempotency_key())
    assert info.value.current is not None
    assert info.value.current.balances_enabled is True
    assert info.value.current.deposit_default_minor == 900
    assert info.value.etag == client.payment_settings("site_1").etag


def test_stripe_not_ready_and_validation(client):
    current = client.payment_settings("site_1")
    on = dataclasses.replace(current.settings, deposits_enabled=True, deposit_default_minor=2000)
    with pytest.raises(Conflict) as conflict:
        client.put_payment_settings("site_1", on, current.etag, new_idempotency_key())
    assert conflict.value.code == "stripe_not_ready"
    bad = dataclasses.replace(current.settings, deposit_default_minor=5)
    with pytest.raises(ValidationFailed) as invalid:
        client.put_payment_settings("site_1", bad, current.etag, new_idempotency_key())
    assert [(f.field, f.code) for f in invalid.value.fields] == [
        ("deposits.default_amount_minor", "below_minimum")]


def test_link_then_turn_on_then_unlink(sb, client):
    session_id, page = link_flow(client)
    assert page.page == "linked"
    assert client.link_session(session_id).status == "completed"
    current = client.payment_settings("site_1")
    on = dataclasses.replace(current.settings, deposits_enabled=True, deposit_default_minor=2000,
                             deposit_by_type={"at_emergency": 0, "at_hygiene": 6500},
                             balances_enabled=True, invoices_enabled=True)
    saved = client.put_payment_settings("site_1", on, current.etag, new_idempotency_key())
    assert saved.settings.same_choices(on)
    with pytest.raises(Conflict):
        client.create_link_session()
    assert client.unlink().status == "unlinked"
    after = client.payment_settings("site_1").settings
    assert not (after.deposits_enabled or after.balances_enabled or after.invoices_enabled)
    assert after.deposit_default_minor == 2000  # amounts are kept for next time


def test_link_session_post_retried_with_same_key(sb, client):
    sb.faults.fail_next(1, 503)
    sb.faults.drop_after_apply(1)
    session = client.create_link_session(prefill={"email": "x@y.example"})
    assert session.pending
    assert len(sb.world.link_sessions) == 1
    assert len(sb.world.link_session_requests) == 1
