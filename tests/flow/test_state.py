"""The wizard's in-memory state and its progress file (flow.state)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from dentally_setup.flow.drafts import SiteDraft
from dentally_setup.flow.save import SiteWrite
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.portal.models import (
    LinkSession,
    PaymentSettings,
    Practice,
    Site,
    StripeAccount,
    StripeLink,
    VersionedSettings,
)
from dentally_setup.store.progress import Progress, load_progress, save_progress

TOKEN = "dpt_live_Known-Token-7f3a9c21e5"
OAUTH_STATE = "st4te-Value-That-Must-Not-Leak-93kd"
SETTINGS = PaymentSettings(True, 2500, {"at_hygiene": 0}, True, False, site_id="site_1",
                           currency="GBP")


def full_state() -> WizardState:
    state = WizardState(demo=True, scenario="fresh", portal_url="https://portal.example/api",
                        token=TOKEN)
    state.session = LinkSession(
        "ls_abc123", "pending",
        f"https://connect.stripe.com/oauth/authorize?client_id=ca_x&state={OAUTH_STATE}",
        "https://portal.example/stripe/callback", "2026-12-12T10:00:00Z", livemode=False)
    state.drafts = {
        "site_1": SiteDraft(True, "25.5", {"at_hygiene": "0", "at_checkup": "2x"}, True, False),
        "site_2": SiteDraft(),
    }
    state.same_for_all = False
    state.pending_writes = {
        "site_1": SiteWrite("site_1", SETTINGS, '"etag-1"', "ds-1111-2222"),
    }
    state.saved = {"site_2": VersionedSettings(SETTINGS, '"etag-2"')}
    state.history = ["welcome", "sign-in", "stripe-status", "link"]
    return state


def test_progress_never_holds_the_token() -> None:
    state = full_state()
    progress = state.to_progress(Step.SETTINGS)
    text = json.dumps(dataclasses.asdict(progress))
    assert TOKEN not in text
    assert OAUTH_STATE not in text  # the authorize URL carries the OAuth state
    assert "ls_abc123" in text  # the session id is what resume needs
    assert progress.step == "settings" and progress.link_session_id == "ls_abc123"
    assert progress.completed_writes == ["site_2"]


def test_progress_file_round_trip(isolated_home: Path) -> None:
    state = full_state()
    path = save_progress(state.to_progress(Step.REVIEW))  # refuses anything secret-looking
    assert TOKEN not in path.read_text(encoding="utf-8")

    loaded, note = load_progress()
    assert loaded is not None and note is None
    restored = WizardState()
    assert restored.restore(loaded) is Step.REVIEW
    assert restored.drafts == state.drafts
    assert restored.drafts["site_1"].default == "25.5"  # as typed
    assert restored.same_for_all is False
    assert restored.history == state.history
    assert restored.token == ""  # comes from the keyring, never from this file
    (site, before), = state.pending_writes.items()
    after = restored.pending_writes[site]
    assert (after.site_id, after.etag, after.idempotency_key) == \
        (before.site_id, before.etag, before.idempotency_key)
    assert after.new.same_choices(before.new)


def test_restore_in_memory_round_trip() -> None:
    state = full_state()
    restored = WizardState()
    assert restored.restore(state.to_progress(Step.LINK)) is Step.LINK
    assert restored.to_progress(Step.LINK).site_drafts == \
        state.to_progress(Step.LINK).site_drafts


def test_restore_copes_with_an_unknown_step_and_an_unreadable_write() -> None:
    progress = Progress(step="a-page-from-the-future",
                        pending_writes={"site_1": {"etag": '"e"'},  # no key, no payload
                                        "site_2": SiteWrite("site_2", SETTINGS, '"e2"',
                                                            "ds-2").to_json()},
                        site_drafts={"site_1": {"default": "30"}})
    state = WizardState()
    assert state.restore(progress) is Step.WELCOME
    assert list(state.pending_writes) == ["site_2"]
    assert state.drafts["site_1"].default == "30"


def test_empty_state_progress() -> None:
    progress = WizardState().to_progress(Step.WELCOME)
    assert progress.link_session_id is None and progress.portal_url is None
    assert progress.site_drafts == {} and progress.pending_writes == {}


def test_account_and_currency() -> None:
    state = WizardState()
    assert state.account is None and state.currency == "GBP"
    acct = StripeAccount("acct_1", True, True, True)
    state.session = LinkSession("ls_1", "completed", "https://connect.stripe.com/x", "",
                                "2026-12-12T10:00:00Z", livemode=False, account=acct)
    assert state.account is acct
    other = StripeAccount("acct_2", True, True, True)
    state.link = StripeLink("linked", False, account=other)
    assert state.account is other  # the live link wins over the session
    state.practice = Practice("p", "P", "IE", "EUR", (Site("s", "S"),))
    assert state.currency == "EUR"


def test_client_follows_the_portal_address() -> None:
    state = WizardState(portal_url="https://portal.example/api/", token=TOKEN)
    first = state.client()
    assert first is state.client() and first.base_url == "https://portal.example/api"
    state.portal_url = "https://other.example/api"
    second = state.client()
    assert second is not first and second.base_url == "https://other.example/api"
    state.forget_client()
    assert state.client() is not second


def test_site_name_falls_back_to_the_id() -> None:
    from dentally_setup.flow.state import WizardState
    from dentally_setup.portal.models import Practice, Site

    state = WizardState(practice=Practice(id="p", name="P", country="GB", currency="GBP",
                                          sites=(Site("s1", "High Street"),)))
    assert state.site_name("s1") == "High Street"
    assert state.site_name("gone") == "gone"
    assert WizardState().site_name("s1") == "s1"


def test_one_client_for_an_address_the_client_normalises() -> None:
    # A saved address in capitals or with the default port is normalised by the client;
    # that must not make a new client (and a new cancel event) on every call.
    state = WizardState(portal_url="HTTPS://Portal.Example.com:443/api/", token="t")
    first = state.client()
    assert first.base_url == "https://portal.example.com/api"
    assert state.client() is first
    state.portal_url = "https://other.example.com/api"
    assert state.client() is not first
