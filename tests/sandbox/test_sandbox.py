"""The Sandbox object: scenarios, persistence, reset, Stripe keys, Faults.parse."""

from __future__ import annotations

import dataclasses
import json
import time
import urllib.parse
import urllib.request

import pytest

from dentally_setup.portal.client import new_idempotency_key
from dentally_setup.sandbox import SCENARIOS, Faults, Sandbox
from tests.sandbox.helpers import NO_PROXY, link_flow, make_client


def test_starts_and_stops_fast(tmp_path):
    started = time.perf_counter()
    sb = Sandbox(state_dir=tmp_path)
    sb.start()
    try:
        assert sb.portal_url.startswith("http://127.0.0.1:") and sb.portal_url.endswith("/api")
        assert sb.stripe_url.startswith("http://127.0.0.1:")
        assert time.perf_counter() - started < 1.0
    finally:
        stopping = time.perf_counter()
        sb.stop()
        assert time.perf_counter() - stopping < 1.0


def test_scenarios_and_unknown():
    assert set(SCENARIOS) == {"fresh", "already-connected", "needs-verification", "no-stripe",
                              "denied", "already-linked", "portal-trouble", "group"}
    with pytest.raises(ValueError, match="fresh"):
        Sandbox(scenario="nope")


def test_persistence_round_trip(tmp_path):
    sb = Sandbox(state_dir=tmp_path)
    sb.start()
    try:
        client = make_client(sb)
        link_flow(client)
        current = client.payment_settings("site_1")
        wanted = dataclasses.replace(current.settings, deposit_default_minor=4200)
        client.put_payment_settings("site_1", wanted, current.etag, new_idempotency_key())
        old_port = sb.portal_url
    finally:
        sb.stop()
    saved = json.loads((tmp_path / "sandbox-world.json").read_text())
    assert saved["link"]["status"] == "linked"

    again = Sandbox(state_dir=tmp_path)
    again.start()
    try:
        assert again.portal_url != old_port
        client = make_client(again)
        assert client.stripe_link().linked
        assert client.payment_settings("site_1").settings.deposit_default_minor == 4200
        assert again.world.applied_writes == {"site_1": 1}
        # Stored sessions answer with URLs for the new ports, not stale ones.
        session_id = next(iter(again.world.link_sessions))
        session = client.link_session(session_id)
        assert session.redirect_uri.startswith(again.portal_url.removesuffix("/api"))
        assert session.authorize_url.startswith(again.stripe_url)
    finally:
        again.stop()

    fresh = Sandbox(state_dir=tmp_path, reset=True)
    fresh.start()
    try:
        assert not make_client(fresh).stripe_link().linked
    finally:
        fresh.stop()


def test_pending_session_resumes_with_new_ports(tmp_path):
    sb = Sandbox(state_dir=tmp_path)
    sb.start()
    session_id = make_client(sb).create_link_session().id
    sb.stop()
    sb.start()
    try:
        client = make_client(sb)
        session = client.link_session(session_id)
        assert session.pending and session.authorize_url.startswith(sb.stripe_url)
        from tests.sandbox.helpers import Browser, sign_in

        browser = Browser()
        page = browser.click(browser.click(sign_in(browser, session.authorize_url), "continue"),
                             "authorize")
        assert page.page == "linked"
    finally:
        sb.stop()


def test_other_scenario_in_saved_state_starts_over(tmp_path):
    sb = Sandbox("already-linked", state_dir=tmp_path)
    sb.start()
    sb.stop()
    other = Sandbox("fresh", state_dir=tmp_path)
    other.start()
    try:
        assert other.world.link["status"] == "unlinked"
    finally:
        other.stop()


def test_reset(make_sandbox):
    sb = make_sandbox("fresh")
    client = make_client(sb)
    link_flow(client)
    assert client.stripe_link().linked
    sb.reset()
    assert not client.stripe_link().linked and sb.world.token_exchanges == []
    sb.reset("already-linked")
    assert sb.scenario == "already-linked" and client.stripe_link().linked
    with pytest.raises(ValueError):
        sb.reset("nope")


def test_portal_trouble_faults(make_sandbox):
    sb = make_sandbox("portal-trouble")
    assert sb.faults.take_delay() == 1.5
    sb.faults.delay(0)  # keep the test quick; the failing every third request stays
    client = make_client(sb)
    for _ in range(4):
        assert client.practice().id
    assert [r[2] for r in sb.world.requests] == [200, 200, 503, 200, 200]


def test_stripe_keys():
    with pytest.raises(ValueError, match="live"):
        Sandbox(stripe_secret_key="sk_live_abc", stripe_client_id="ca_x")
    with pytest.raises(ValueError, match="both"):
        Sandbox(stripe_secret_key="sk_test_abc")
    real = Sandbox(stripe_secret_key="sk_test_abc", stripe_client_id="ca_x")
    assert real.real_stripe


def test_stripe_keys_from_environment(monkeypatch):
    monkeypatch.setenv("DENTALLY_SANDBOX_STRIPE_KEY", "sk_live_zzz")
    monkeypatch.setenv("DENTALLY_SANDBOX_STRIPE_CLIENT_ID", "ca_zzz")
    with pytest.raises(ValueError, match="live"):
        Sandbox()


def test_external_edit_changes_etag(sb):
    client = make_client(sb)
    before = client.payment_settings("site_2")
    after = sb.world.external_edit("site_2", deposits={"default_amount_minor": 700},
                                   invoices=True)
    assert after["updated_by"] == "web admin" and after["invoices"]["enabled"] is True
    assert client.payment_settings("site_2").etag != before.etag
    assert sb.world.applied_writes == {}


def test_world_records_are_json(sb):
    client = make_client(sb)
    link_flow(client)
    for name in ("applied_writes", "link_session_requests", "authorize_requests",
                 "token_exchanges", "requests"):
        json.dumps(getattr(sb.world, name))
    assert sb.world.requests[0] == ("POST", "/api/v1/payments/stripe/link-sessions", 201)


def test_faults_parse_good():
    faults = Faults.parse("fail:3:503, drop-after-apply:1,delay:2.0,rate-limit:1:2,malformed:1")
    assert faults.take_delay() == 2.0
    assert [faults.take_action().kind for _ in range(5)] == [
        "fail", "fail", "fail", "rate_limit", "malformed"]
    assert faults.take_action() is None
    assert faults.take_drop("GET") is False and faults.take_drop("PUT") is True
    assert faults.take_drop("PUT") is False
    faults = Faults.parse("delay:0.5:1,fail-every:2,drop-after-apply")
    assert faults.take_delay() == 0.5 and faults.take_delay() == 0.0
    assert faults.take_action() is None and faults.take_action().status == 503
    faults.clear()
    assert faults.take_action() is None and faults.take_drop("POST") is False


@pytest.mark.parametrize(("spec", "words"), [
    ("", "No fault rules"),
    ("explode:1", "Unknown fault rule 'explode'"),
    ("fail", "write it like fail:3"),
    ("fail:x", "'x' is not a whole number"),
    ("fail:1:200", "HTTP error status"),
    ("delay:soon", "'soon' is not a number"),
    ("rate-limit:-1", "whole number of 0 or more"),
    ("malformed:1:2", "write it like malformed:1"),
])
def test_faults_parse_bad(spec, words):
    with pytest.raises(ValueError, match=words):
        Faults.parse(spec)


def test_bad_fault_spec_refused_by_sandbox():
    with pytest.raises(ValueError):
        Sandbox(faults="nonsense")


def test_shared_sandbox_fixture(sandbox):
    assert make_client(sandbox).practice().sites[0].id == "site_1"


@pytest.mark.parametrize("by", ["dashboard", "demo world"])
def test_complete_verification_makes_the_account_ready(make_sandbox, by):
    """The demo dashboard's "Complete verification" button (a form POST from a trainer's
    browser) and Sandbox.complete_verification (how the autopilot presses it) do the same."""
    sb = make_sandbox("needs-verification")
    acct_id = "acct_1RvrsdVerify001"
    assert sb.world.accounts[acct_id]["charges_enabled"] is False
    if by == "dashboard":
        form = urllib.parse.urlencode({"account": acct_id}).encode()
        request = urllib.request.Request(f"{sb.stripe_url}/dashboard/verify", data=form,
                                         method="POST")
        with urllib.request.build_opener(NO_PROXY).open(request, timeout=10) as reply:
            assert reply.status == 200  # the dashboard again, after the redirect
    else:
        sb.complete_verification(acct_id)
    acct = sb.world.accounts[acct_id]
    assert acct["charges_enabled"] is True and acct["payouts_enabled"] is True
    assert acct["currently_due"] == []
    sb.stop()  # the world is written within moments; stopping writes it at once
    saved = json.loads((sb.state_dir / "sandbox-world.json").read_text())
    assert saved["accounts"][acct_id]["charges_enabled"] is True
