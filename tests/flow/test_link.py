"""The link step against the sandbox over HTTP: a session, Stripe's pages clicked through by
a small browser, and the wait for the outcome (flow.link)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from dentally_setup.flow.link import (
    cancel_quietly,
    is_redirect,
    redirect_uri_problem,
    seconds_left,
    start_session,
    wait_for_outcome,
)
from dentally_setup.flow.messages import for_link, for_portal_error
from dentally_setup.flow.prefill import prefill_from_practice
from dentally_setup.flow.readiness import format_deadline, readiness
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.errors import Cancelled, Conflict, PortalError
from dentally_setup.portal.models import LinkSession
from dentally_setup.sandbox import Sandbox
from tests.sandbox.helpers import Browser, Page, sign_in

Poll = Callable[..., LinkSession]


def click_through(session: LinkSession, decision: str = "authorize") -> Page:
    """What the person does on Stripe's pages: sign in, pick the account (or make a new
    one when none can be chosen), decide; or sign up for a new login on the register form."""
    browser = Browser()
    page = browser.open(session.authorize_url)
    if page.page == "register":
        page = browser.click(page, "create", password="a-long-password")
    else:
        page = sign_in(browser, session.authorize_url)
    if page.page == "chooser":
        page = (browser.click(page, "continue") if " checked>" in page.html
                else browser.follow_link(page, "create-account"))
    if page.page == "new-account":
        page = browser.click(page, "create")
    assert page.page == "authorize", page.html
    return browser.click(page, decision)


def wait_while_browsing(client: PortalClient, session: LinkSession,
                        decision: str) -> tuple[LinkSession, list[str]]:
    """Poll on a worker, as the GUI does, while the browser finishes on Stripe's pages."""
    seen: list[str] = []
    first_poll = threading.Event()

    def on_poll(s: LinkSession) -> None:
        seen.append(s.status)
        first_poll.set()

    with ThreadPoolExecutor(1) as pool:
        waiting = pool.submit(wait_for_outcome, client, session.id, threading.Event(),
                              interval=0.05, on_poll=on_poll)
        assert first_poll.wait(10)
        click_through(session, decision)
        outcome = waiting.result(timeout=20)
    return outcome, seen


@pytest.fixture
def fresh(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox("fresh")


@pytest.fixture
def client(fresh: Sandbox, client_for: Callable[..., PortalClient]) -> PortalClient:
    return client_for(fresh)


def test_completed(fresh: Sandbox, client: PortalClient) -> None:
    session = start_session(client)
    assert session.pending and session.id.startswith("ls_")
    outcome, seen = wait_while_browsing(client, session, "authorize")
    assert outcome.status == "completed"
    assert outcome.account is not None and outcome.account.id == "acct_1RvrsdSandbox01"
    assert seen[0] == "pending" and seen[-1] == "completed"
    assert len(fresh.world.token_exchanges) == 1  # the portal exchanged the code, once
    assert client.stripe_link().linked


def test_denied(fresh: Sandbox, client: PortalClient) -> None:
    session = start_session(client)
    outcome, _seen = wait_while_browsing(client, session, "deny")
    assert outcome.status == "denied"
    assert for_link(outcome.status, outcome.error.code if outcome.error else None).code == \
        "DS-L-DENIED"
    assert fresh.world.token_exchanges == []
    assert not client.stripe_link().linked


def test_cancel_stops_the_wait_promptly(fresh: Sandbox, client: PortalClient) -> None:
    session = start_session(client)
    cancel = threading.Event()
    interval = 30.0
    timer = threading.Timer(0.2, cancel.set)
    started = time.monotonic()
    timer.start()
    try:
        with pytest.raises(Cancelled):
            wait_for_outcome(client, session.id, cancel, interval=interval)
    finally:
        timer.cancel()
    elapsed = time.monotonic() - started
    # The wait is on the event, not a sleep: it ends with the event, far inside one interval.
    assert elapsed < 5.0 < interval * 2
    # Stopping the wait does not touch the session; cancel_quietly does.
    assert client.link_session(session.id).pending
    cancel_quietly(client, session.id)
    assert client.link_session(session.id).status == "cancelled"
    assert for_link("cancelled").code == "DS-L-CANCEL"


def test_already_cancelled_sends_nothing(fresh: Sandbox, client: PortalClient) -> None:
    session = start_session(client)
    cancel = threading.Event()
    cancel.set()
    before = len(fresh.world.requests)
    with pytest.raises(Cancelled):
        wait_for_outcome(client, session.id, cancel)
    assert len(fresh.world.requests) == before


def test_cancel_quietly_cancels_and_a_failure_is_logged_not_raised(
        client: PortalClient, caplog: pytest.LogCaptureFixture) -> None:
    session = start_session(client)
    cancel_quietly(client, session.id)
    assert client.link_session(session.id).status == "cancelled"
    with caplog.at_level("INFO", logger="dentally_setup.flow.link"):
        cancel_quietly(client, "ls_does_not_exist")  # a 404: logged, not raised
    assert "could not cancel link session ls_does_not_exist: not_found" in caplog.text


def test_expired(fresh: Sandbox, client: PortalClient) -> None:
    session = start_session(client)
    fresh.advance_clock(16 * 60)
    outcome = wait_for_outcome(client, session.id, threading.Event(), interval=0.01)
    assert outcome.status == "expired"
    assert for_link(outcome.status).code == "DS-L-EXPIRED"


def test_gives_up_on_its_own(client: PortalClient) -> None:
    session = start_session(client)
    with pytest.raises(PortalError) as info:
        wait_for_outcome(client, session.id, threading.Event(), interval=0.01,
                         give_up_after=0)
    assert info.value.code == "timeout"


def test_one_platform_way_through_signs_in(make_sandbox: Callable[..., Sandbox],
                                           client_for: Callable[..., PortalClient]) -> None:
    """The one-platform way through: sign in (landing: login), and in Stripe's chooser a new
    account under the same login, sharing the legal entity."""
    sb = make_sandbox("already-connected")
    client = client_for(sb)
    session = start_session(client, landing="login")
    outcome, _seen = wait_while_browsing(client, session, "authorize")
    assert outcome.status == "completed" and outcome.account is not None
    assert outcome.account.id != "acct_1RvrsdDntlApp01"  # not the Dentally app's account
    assert sb.world.accounts[outcome.account.id]["shares_legal_entity_with"] == \
        "acct_1RvrsdDntlApp01"


def test_register_landing_with_prefill(make_sandbox: Callable[..., Sandbox],
                                       client_for: Callable[..., PortalClient]) -> None:
    """No Stripe login at all: Stripe's sign-up form, prefilled from the practice."""
    sb = make_sandbox("no-stripe")
    client = client_for(sb)
    prefill = prefill_from_practice(client.practice())
    session = start_session(client, landing="register", prefill=prefill)
    assert sb.world.link_session_requests[-1] == {"landing": "register", "prefill": prefill}
    outcome, _seen = wait_while_browsing(client, session, "authorize")
    assert outcome.status == "completed" and outcome.account is not None
    assert outcome.account.email == prefill["email"]


def test_linked_but_not_ready(make_sandbox: Callable[..., Sandbox],
                              client_for: Callable[..., PortalClient]) -> None:
    sb = make_sandbox("needs-verification")
    client = client_for(sb)
    outcome, _seen = wait_while_browsing(client, start_session(client), "authorize")
    assert outcome.status == "completed"
    stripe = client.stripe_link()
    assert stripe.linked and stripe.account is not None
    got = readiness(stripe.account)
    assert not got.ready
    assert got.needs == ("the business's bank account", "ID for the business's representative")
    deadline = stripe.account.requirements.current_deadline
    assert got.deadline == format_deadline(deadline) and got.deadline is not None
    assert got.needs_sentence.endswith(f" — by {got.deadline}")
    assert got.detail.startswith("Stripe is checking the information it was given.")


def test_already_linked_portal_refuses_a_session(make_sandbox: Callable[..., Sandbox],
                                                 client_for: Callable[..., PortalClient]) -> None:
    with pytest.raises(Conflict) as info:
        start_session(client_for(make_sandbox("already-linked")))
    assert for_portal_error(info.value).code == "DS-409L"


def session(expires_at: str = "2026-12-12T10:00:00Z", redirect_uri: str = "") -> LinkSession:
    return LinkSession("ls_1", "pending", "https://connect.stripe.com/oauth/authorize?x=1",
                       redirect_uri, expires_at, livemode=False)


def test_seconds_left() -> None:
    now = datetime(2026, 12, 12, 9, 59, tzinfo=UTC)
    assert seconds_left(session(), now) == 60.0
    assert seconds_left(session("2026-12-12T10:00:00+00:00"), now) == 60.0
    assert seconds_left(session("2026-12-12T10:00:00"), now) == 60.0  # no zone: UTC
    assert seconds_left(session(), now + timedelta(minutes=2)) == -60.0
    assert seconds_left(session("soon")) is None


def test_seconds_left_for_a_live_session(client: PortalClient) -> None:
    left = seconds_left(start_session(client))
    assert left is not None and 14 * 60 < left <= 15 * 60


def test_is_redirect(client: PortalClient) -> None:
    live = start_session(client)
    assert is_redirect(live.redirect_uri + "?code=ac_123&state=abc", live.redirect_uri)
    assert is_redirect(live.redirect_uri, live.redirect_uri)
    assert not is_redirect(live.authorize_url, live.redirect_uri)
    assert not is_redirect("https://connect.stripe.com/oauth/authorize", live.redirect_uri)
    assert not is_redirect("https://anything.example/", session(redirect_uri="").redirect_uri)
    assert not is_redirect("", session(redirect_uri="").redirect_uri)


PORTAL_CB = "https://portal.example.co.uk/stripe/callback"


@pytest.mark.parametrize(("url", "expected"), [
    (PORTAL_CB, True),
    (PORTAL_CB + "?code=ac_1&state=s", True),
    (PORTAL_CB + "#done", True),
    (PORTAL_CB + "/done?state=s", True),  # a path below it
    ("https://portal.example.co.uk:443/stripe/callback?code=x", True),  # the default port
    ("HTTPS://Portal.Example.CO.UK/stripe/callback?code=x", True),  # scheme and host: any case
    # userinfo: the browser goes to evil.example
    ("https://portal.example.co.uk@evil.example/stripe/callback", False),
    ("https://portal.example.co.uk:443@evil.example/stripe/callback", False),
    ("https://user:pw@portal.example.co.uk/stripe/callback", False),
    # another host that starts or ends like the portal's
    ("https://portal.example.co.uk.evil.example/stripe/callback", False),
    ("https://evil-portal.example.co.uk/stripe/callback", False),
    ("https://sub.portal.example.co.uk/stripe/callback", False),
    # another port or scheme
    ("https://portal.example.co.uk:8443/stripe/callback", False),
    ("http://portal.example.co.uk/stripe/callback", False),
    ("wss://portal.example.co.uk/stripe/callback", False),
    # a path that merely starts with the same letters, or climbs out of it
    ("https://portal.example.co.uk/stripe/callbackevil", False),
    ("https://portal.example.co.uk/stripe/callback-x", False),
    ("https://portal.example.co.uk/stripe/callback/../admin", False),
    ("https://portal.example.co.uk/stripe/callback/%2e%2e/admin", False),
    ("https://portal.example.co.uk/stripe/callback%2F..%2Fadmin", False),
    ("https://portal.example.co.uk/stripe/%63allback", False),  # percent-encoded look-alike
    ("https://portal.example.co.uk/STRIPE/callback", False),  # paths are case-sensitive
    ("https://portal.example.co.uk/", False),
    ("https://portal.example.co.uk%2eevil.example/stripe/callback", False),
    ("https://[::1/stripe/callback", False),  # unparsable
    ("javascript:alert(1)//https://portal.example.co.uk/stripe/callback", False),
])
def test_is_redirect_compares_scheme_host_port_and_path(url: str, expected: bool) -> None:
    assert is_redirect(url, PORTAL_CB) is expected


def test_is_redirect_when_the_prefix_has_no_path() -> None:
    """The forms a string prefix let through when the redirect_uri had no path."""
    bare = "http://127.0.0.1:8000"
    assert is_redirect("http://127.0.0.1:8000/cb?code=x", bare)
    assert not is_redirect("http://127.0.0.1:8000@evil.example/", bare)
    assert not is_redirect("http://127.0.0.1:8000.evil.example/", bare)
    assert not is_redirect("http://127.0.0.1:80000/", bare)
    assert is_redirect("https://portal.example/cb/x", "https://portal.example/cb/")
    assert not is_redirect("https://portal.example/cb", "https://portal.example/cb/")


@pytest.mark.parametrize(("uri", "problem"), [
    (PORTAL_CB, None),
    ("http://127.0.0.1:8123/stripe/callback", None),  # the demo sandbox, on this PC
    ("http://localhost:8123/cb", None),
    ("http://[::1]:8123/cb", None),
    ("http://portal.example.co.uk/stripe/callback", "is not https"),
    ("https://portal.example.co.uk", "has no path"),
    ("https://portal.example.co.uk/", "has no path"),
    ("https://user@portal.example.co.uk/cb", "is not a plain web address"),
    ("ftp://portal.example.co.uk/cb", "is not a plain web address"),
    ("", "is not a plain web address"),
])
def test_redirect_uri_problem(uri: str, problem: str | None) -> None:
    assert redirect_uri_problem(uri) == problem


def test_a_session_whose_redirect_uri_is_not_https_is_refused(
        fresh: Sandbox, client: PortalClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The portal (here the sandbox, over HTTP) answers with a plain-http redirect_uri on
    another host: the session is cancelled and the person gets a DS- message."""
    from dentally_setup.sandbox.portal_api import PortalApp

    monkeypatch.setattr(PortalApp, "redirect_uri",
                        property(lambda _self: "http://portal.example.invalid/stripe/callback"))
    with pytest.raises(PortalError) as info:
        start_session(client)
    message = for_portal_error(info.value)
    assert message.code == "DS-L-REDIRECT"
    assert "not https" in info.value.message and "not safe" in message.what
    statuses = [s["status"] for s in fresh.world.link_sessions.values()]
    assert statuses == ["cancelled"]  # the portal stops accepting that session's state
