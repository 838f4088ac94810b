"""The save plan (flow.save_plan) that the Review page and `settings apply` share: what each
site gets, the Stripe-not-ready rule, the order of writes, resuming a pending write, and
the choices after a 412. Plain Python, over the real sandbox portal."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from dentally_setup.flow.drafts import SiteDraft
from dentally_setup.flow.readiness import can_take_payments
from dentally_setup.flow.save import SiteWrite, write_site
from dentally_setup.flow.save_plan import (
    ConflictChoice,
    SaveConflict,
    payments_switched_off,
    plan_from_drafts,
    plan_from_policy,
    resolve_conflict,
)
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.errors import SettingsChanged
from dentally_setup.portal.models import AppointmentType, VersionedSettings
from dentally_setup.sandbox import Sandbox
from dentally_setup.settings.model import PaymentSettings

SITES = ("site_1", "site_2")


@pytest.fixture
def client(linked: Sandbox, client_for: Callable[..., PortalClient]) -> PortalClient:
    return client_for(linked)


def _read(client: PortalClient) -> dict[str, VersionedSettings]:
    return {sid: client.payment_settings(sid) for sid in SITES}


def _drafts(current: dict[str, VersionedSettings], **change: object
            ) -> dict[str, SiteDraft]:
    return {sid: dataclasses.replace(SiteDraft.from_settings(v.settings), **change)
            for sid, v in current.items()}


def test_payments_switched_off_keeps_every_amount() -> None:
    on = PaymentSettings(True, 2500, {"at_hygiene": 0}, True, True, site_id="s")
    off = payments_switched_off(on)
    assert (off.deposits_enabled, off.balances_enabled, off.invoices_enabled) == \
        (False, False, False)
    assert (off.deposit_default_minor, off.deposit_by_type) == (2500, {"at_hygiene": 0})


def test_stripe_not_ready_saves_payments_off_with_the_amounts_kept(
    client: PortalClient,
) -> None:
    current = _read(client)
    types = client.appointment_types()
    drafts = _drafts(current, deposits_enabled=True, default="31.00", balances=True)
    plan = plan_from_drafts(SITES, current, drafts, types, "GBP", payments_off=True)
    assert plan.payments_off
    for site in plan.sites:
        assert site.new is not None
        assert not (site.new.deposits_enabled or site.new.balances_enabled
                    or site.new.invoices_enabled)
        assert site.new.deposit_default_minor == 3100  # the amount is kept for later
    ready = plan_from_drafts(SITES, current, drafts, types, "GBP", payments_off=False)
    assert all(s.new is not None and s.new.deposits_enabled for s in ready.sites)


def test_only_sites_that_change_are_written_in_site_order(client: PortalClient) -> None:
    current = _read(client)
    types = client.appointment_types()
    drafts = _drafts(current)
    drafts["site_2"] = dataclasses.replace(drafts["site_2"], invoices=True)
    drafts["site_1"] = dataclasses.replace(drafts["site_1"], default="22.00")
    plan = plan_from_drafts(("site_2", "site_1"), current, drafts, types, "GBP",
                            payments_off=False)
    assert [s.site_id for s in plan.to_write] == ["site_2", "site_1"]
    assert [w.site_id for w in plan.writes()] == ["site_2", "site_1"]
    unchanged = plan_from_drafts(SITES, current, _drafts(current), types, "GBP",
                                 payments_off=False)
    assert unchanged.to_write == () and unchanged.writes() == []
    assert all(s.changes == () for s in unchanged.sites)


def test_a_draft_with_a_problem_is_shown_and_not_written(client: PortalClient) -> None:
    current = _read(client)
    drafts = _drafts(current, default="twenty")
    plan = plan_from_drafts(SITES, current, drafts, client.appointment_types(), "GBP",
                            payments_off=False)
    assert all(s.new is None and "Default deposit" in s.problem for s in plan.sites)
    assert plan.writes() == []


def test_a_saved_site_is_not_written_again(linked: Sandbox, client: PortalClient) -> None:
    current = _read(client)
    types = client.appointment_types()
    drafts = _drafts(current, invoices=True)
    plan = plan_from_drafts(SITES, current, drafts, types, "GBP", payments_off=False)
    saved = {w.site_id: write_site(client, w) for w in plan.writes()[:1]}
    again = plan_from_drafts(SITES, current, drafts, types, "GBP", payments_off=False,
                             saved=saved)
    assert [s.site_id for s in again.sites if s.saved] == ["site_1"]
    assert [w.site_id for w in again.writes()] == ["site_2"]
    assert linked.world.applied_writes == {"site_1": 1}


def test_a_pending_write_is_resumed_with_its_key_and_a_changed_one_is_not(
    client: PortalClient,
) -> None:
    current = _read(client)
    types = client.appointment_types()
    plan = plan_from_drafts(SITES, current, _drafts(current, invoices=True), types, "GBP",
                            payments_off=False)
    first = {w.site_id: w for w in plan.writes()}
    resumed = {w.site_id: w for w in plan.writes(first)}
    assert resumed == first  # same key and ETag: the portal replays, never applies twice
    other = plan_from_drafts(SITES, current, _drafts(current, balances=False,
                                                     invoices=False), types, "GBP",
                             payments_off=False)
    fresh = {w.site_id: w for w in other.writes(first)}
    for sid, write in fresh.items():
        assert write.idempotency_key != first[sid].idempotency_key


def test_the_policy_plan_keeps_what_the_file_says(client: PortalClient) -> None:
    # `settings apply` does not quietly switch payments off: the portal's 409 is reported.
    current = _read(client)
    policy = dataclasses.replace(current["site_2"].settings, deposits_enabled=True,
                                 deposit_default_minor=2500, site_id="")
    plan = plan_from_policy(policy, current, client.appointment_types(), "GBP")
    assert not plan.payments_off
    assert [s.site_id for s in plan.sites] == list(SITES)
    assert all(s.new is not None and s.new.deposits_enabled for s in plan.sites)
    assert {s.site_id: s.new.site_id for s in plan.sites if s.new} == {s: s for s in SITES}


def _conflict(linked: Sandbox, client: PortalClient, types: list[AppointmentType]
              ) -> tuple[SaveConflict, SiteWrite, dict[str, VersionedSettings]]:
    current = _read(client)
    plan = plan_from_drafts(SITES, current, _drafts(current, default="23.00"), types, "GBP",
                            payments_off=False)
    write = plan.writes()[0]
    linked.world.external_edit(write.site_id, invoices_enabled=True)
    with pytest.raises(SettingsChanged) as info:
        write_site(client, write)
    return (SaveConflict.from_error(write.site_id, info.value, current[write.site_id],
                                    types, "GBP"), write, current)


def test_after_a_412_keep_theirs_takes_their_settings_and_nothing_is_left_to_write(
    linked: Sandbox, client: PortalClient,
) -> None:
    types = client.appointment_types()
    conflict, write, current = _conflict(linked, client, types)
    assert conflict.who == "web admin"
    assert [str(c) for c in conflict.changes] == ["Invoices paid online: Off -> On"]
    outcome = resolve_conflict(conflict, ConflictChoice.KEEP_THEIRS)
    assert outcome.current is not None and outcome.draft is not None
    assert outcome.current.etag == client.payment_settings(write.site_id).etag
    current[write.site_id] = outcome.current
    drafts = {write.site_id: outcome.draft}
    plan = plan_from_drafts([write.site_id], current, drafts, types, "GBP",
                            payments_off=False)
    assert plan.writes() == []
    assert linked.world.applied_writes == {}


def test_after_a_412_use_mine_writes_mine_over_theirs_once(
    linked: Sandbox, client: PortalClient,
) -> None:
    types = client.appointment_types()
    conflict, write, current = _conflict(linked, client, types)
    outcome = resolve_conflict(conflict, ConflictChoice.USE_MINE)
    assert outcome.draft is None and outcome.current is not None
    current[write.site_id] = outcome.current
    drafts = {write.site_id: SiteDraft.from_settings(write.new)}
    plan = plan_from_drafts([write.site_id], current, drafts, types, "GBP",
                            payments_off=False)
    [again] = plan.writes()
    # Mine, based on their version: their invoices change is replaced by mine.
    assert [str(c) for c in plan.sites[0].changes] == [
        "Default deposit: £20.00 -> £23.00", "Invoices paid online: On -> Off"]
    saved = write_site(client, again)
    assert saved.settings.same_choices(write.new)
    assert linked.world.applied_writes == {write.site_id: 1}


def test_a_412_that_does_not_say_what_is_there_means_read_again() -> None:
    exc = SettingsChanged("changed", None, None)
    base = VersionedSettings(PaymentSettings(True, 2000, {}, True, True, site_id="site_1"),
                             '"e1"')
    conflict = SaveConflict.from_error("site_1", exc, base, [], "GBP")
    for choice in ConflictChoice:
        outcome = resolve_conflict(conflict, choice)
        assert outcome.current is None and outcome.draft is None


def test_can_take_payments(client: PortalClient) -> None:
    account = client.stripe_link().account
    assert account is not None and can_take_payments(account) is account.charges_enabled
    assert can_take_payments(dataclasses.replace(account, charges_enabled=False)) is False
    assert can_take_payments(None) is False
