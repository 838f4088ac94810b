"""Saving settings: keyed, version-checked writes against the sandbox (flow.save)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import pytest

from dentally_setup.flow.messages import for_portal_error
from dentally_setup.flow.save import SiteWrite, plan_write, write_site
from dentally_setup.flow.state import WizardState
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.errors import (
    Conflict,
    MalformedResponse,
    PortalUnreachable,
    SettingsChanged,
    StoredDifferently,
)
from dentally_setup.portal.models import PaymentSettings, VersionedSettings
from dentally_setup.sandbox import Sandbox
from dentally_setup.store.progress import Progress


def puts(sb: Sandbox) -> int:
    return len([r for r in sb.world.requests if r[0] == "PUT"])


def wanted(current: VersionedSettings, **changes: Any) -> PaymentSettings:
    return dataclasses.replace(current.settings, **changes)


@pytest.fixture
def client(linked: Sandbox, client_for: Callable[..., PortalClient]) -> PortalClient:
    return client_for(linked)


def test_nothing_to_write(client: PortalClient) -> None:
    current = client.payment_settings("site_1")
    assert plan_write("site_1", current, current.settings) is None
    # Who saved it and when does not count as a change.
    same = wanted(current, updated_by="someone else", updated_at="2030-01-01T00:00:00Z")
    assert plan_write("site_1", current, same) is None


def test_plan_fixes_key_and_etag(client: PortalClient) -> None:
    current = client.payment_settings("site_2")
    new = wanted(current, deposits_enabled=True, deposit_default_minor=2500)
    first, second = plan_write("site_2", current, new), plan_write("site_2", current, new)
    assert first is not None and second is not None
    assert first.etag == current.etag and first.site_id == "site_2" and first.new == new
    assert first.idempotency_key.startswith("ds-")
    assert first.idempotency_key != second.idempotency_key  # one key per intended change


def test_write_applies_exactly_once(linked: Sandbox, client: PortalClient) -> None:
    current = client.payment_settings("site_2")
    write = plan_write("site_2", current,
                       wanted(current, deposits_enabled=True, deposit_default_minor=2500))
    assert write is not None
    saved = write_site(client, write)
    assert saved.settings.same_choices(write.new)
    assert saved.etag != current.etag
    assert linked.world.applied_writes == {"site_2": 1}
    assert puts(linked) == 1


def test_lost_answer_is_retried_with_the_same_key(linked: Sandbox, client: PortalClient) -> None:
    current = client.payment_settings("site_2")
    write = plan_write("site_2", current, wanted(current, balances_enabled=True))
    assert write is not None
    linked.faults.drop_after_apply(1)
    write_site(client, write)
    assert linked.world.applied_writes == {"site_2": 1}
    assert puts(linked) == 2  # applied, answer lost, replayed


def test_replaying_a_saved_write_after_a_crash_applies_once(
    linked: Sandbox, client: PortalClient, client_for: Callable[..., PortalClient],
) -> None:
    """The write is kept in the progress file before sending; after the answer is lost and
    the app closes, the same SiteWrite (same key, same ETag) is sent again on restart."""
    current = client.payment_settings("site_2")
    write = plan_write("site_2", current,
                       wanted(current, invoices_enabled=True, deposit_default_minor=3000))
    assert write is not None
    saved_text = json.dumps(write.to_json())

    linked.faults.drop_after_apply(1)
    no_retry = client_for(linked, budget=1.0, backoff=5.0, max_backoff=5.0)
    with pytest.raises(PortalUnreachable):
        write_site(no_retry, write)
    assert linked.world.applied_writes == {"site_2": 1}  # it did arrive

    again = SiteWrite.from_json("site_2", json.loads(saved_text))
    assert again.idempotency_key == write.idempotency_key and again.etag == write.etag
    confirmed = write_site(client, again)  # the old ETag is fine: the portal replays
    assert confirmed.settings.same_choices(write.new)
    assert linked.world.applied_writes == {"site_2": 1}
    assert puts(linked) == 2


def test_site_write_json_round_trip(client: PortalClient) -> None:
    current = client.payment_settings("site_1")
    write = plan_write("site_1", current, wanted(
        current, deposit_by_type={"at_hygiene": 0, "at_checkup": 1500}))
    assert write is not None
    data = json.loads(json.dumps(write.to_json()))
    assert set(data) == {"idempotency_key", "etag", "payload"}
    assert data["payload"] == write.new.input_json()
    back = SiteWrite.from_json("site_1", data)
    assert (back.site_id, back.etag, back.idempotency_key) == \
        (write.site_id, write.etag, write.idempotency_key)
    assert back.new.same_choices(write.new)
    assert back.new.site_id == "site_1"
    assert back.to_json() == write.to_json()


def test_stale_etag_raises_settings_changed_with_the_current_ones(
    linked: Sandbox, client: PortalClient,
) -> None:
    current = client.payment_settings("site_1")
    write = plan_write("site_1", current, wanted(current, deposit_default_minor=2200))
    assert write is not None
    linked.world.external_edit("site_1", invoices_enabled=True)  # someone in the web admin
    with pytest.raises(SettingsChanged) as info:
        write_site(client, write)
    exc = info.value
    assert exc.status == 412
    assert exc.current is not None
    assert exc.current.invoices_enabled and exc.current.deposit_default_minor == 2000
    assert exc.current.updated_by == "web admin"
    now = client.payment_settings("site_1")
    assert exc.etag == now.etag != write.etag
    assert linked.world.applied_writes == {}
    assert for_portal_error(exc).code == "DS-412"


def test_an_answer_that_differs_is_not_taken_as_saved(
    linked: Sandbox, altering_proxy: Callable[..., str], client_for: Callable[..., PortalClient],
) -> None:
    """The PUT's answer is what the portal stored: no second read. When it differs from
    what was sent, the write was applied (exactly once) but the site holds something else:
    StoredDifferently with what it holds, not a 'malformed answer' (DS-BAD)."""
    proxy_url = altering_proxy(linked, balances_enabled=False)
    client = PortalClient(proxy_url, linked.token, budget=5.0, backoff=0.01)
    current = client.payment_settings("site_2")
    write = plan_write("site_2", current, wanted(current, balances_enabled=True))
    assert write is not None
    with pytest.raises(StoredDifferently) as info:
        write_site(client, write)
    assert linked.world.applied_writes == {"site_2": 1}
    assert not isinstance(info.value, MalformedResponse)
    stored = info.value.stored
    assert stored.settings.balances_enabled is False and stored.etag != current.etag
    assert info.value.sent.same_choices(write.new)
    message = for_portal_error(info.value)
    assert message.code == "DS-DIFF" and "saved" in message.what
    assert "settings show" in for_portal_error(info.value, "cli").next
    settings_reads = [r for r in linked.world.requests
                      if r[0] == "GET" and r[1].endswith("/site_2/payment-settings")]
    assert len(settings_reads) == 1  # the one read before the write; none after


def test_write_uses_the_put_answer_without_reading_again(
    linked: Sandbox, client: PortalClient,
) -> None:
    current = client.payment_settings("site_2")
    reads_before = len([r for r in linked.world.requests if r[0] == "GET"])
    write = plan_write("site_2", current, wanted(current, invoices_enabled=True))
    assert write is not None
    saved = write_site(client, write)
    assert saved.settings.invoices_enabled and saved.etag == client.payment_settings(
        "site_2").etag
    assert len([r for r in linked.world.requests if r[0] == "GET"]) == reads_before + 1


def test_turning_payments_on_while_unlinked(make_sandbox: Callable[..., Sandbox],
                                            client_for: Callable[..., PortalClient]) -> None:
    sb = make_sandbox("fresh")
    client = client_for(sb)
    current = client.payment_settings("site_1")
    write = plan_write("site_1", current,
                       wanted(current, deposits_enabled=True, deposit_default_minor=2500))
    assert write is not None
    with pytest.raises(Conflict) as info:
        write_site(client, write)
    assert info.value.code == "stripe_not_ready"
    assert for_portal_error(info.value).code == "DS-409S"
    assert sb.world.applied_writes == {}


def test_a_pending_write_with_a_payload_of_the_wrong_shape_is_replanned_not_a_crash() -> None:
    """A progress file edited by hand or cut short: the payload's shape is refused with a
    ShapeError (a ValueError), so resuming re-plans that site instead of failing at start."""
    bad = {"idempotency_key": "ds-1", "etag": '"e"', "payload": {"deposits": "yes"}}
    state = WizardState()
    state.restore(Progress(pending_writes={"site_1": bad}))
    assert state.pending_writes == {}
