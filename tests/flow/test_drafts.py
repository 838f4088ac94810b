"""What the person types on the settings page, and its conversion (flow.drafts)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from dentally_setup.flow.drafts import (
    DEFAULT_FIELD,
    SiteDraft,
    build_settings,
    plain_amount,
    type_field,
)
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import AppointmentType, PaymentSettings
from dentally_setup.sandbox import Sandbox

TYPES = [
    AppointmentType("at_checkup", "Check-up", 20, True, 4500),
    AppointmentType("at_hygiene", "Hygiene", 30, True, 6500),
    AppointmentType("at_whitening", "Whitening consultation", 30, True, None),
]
BASE = PaymentSettings(
    deposits_enabled=True, deposit_default_minor=2000,
    deposit_by_type={"at_checkup": 0, "at_hygiene": 3000},
    balances_enabled=True, invoices_enabled=False,
    site_id="site_1", currency="GBP", updated_at="2026-11-20T09:00:00Z", updated_by="web admin",
)


def draft(**kw: object) -> SiteDraft:
    d = SiteDraft(deposits_enabled=True, default="25.00", by_type={}, balances=True,
                  invoices=True)
    for key, value in kw.items():
        setattr(d, key, value)
    return d


def test_plain_amount() -> None:
    assert plain_amount(2500) == "25.00"
    assert plain_amount(5) == "0.05"
    assert plain_amount(0) == "0.00"
    assert plain_amount(None) == ""


def test_from_settings() -> None:
    assert SiteDraft.from_settings(BASE) == SiteDraft(
        deposits_enabled=True, default="20.00",
        by_type={"at_checkup": "0.00", "at_hygiene": "30.00"},
        balances=True, invoices=False,
    )
    empty = PaymentSettings(False, None, {}, False, False)
    assert SiteDraft.from_settings(empty) == SiteDraft()


def test_json_round_trip_keeps_text_as_typed() -> None:
    typed = SiteDraft(deposits_enabled=True, default="25.5",
                      by_type={"at_checkup": "2x", "at_hygiene": " £1,250.5 ", "at_whitening": ""},
                      balances=False, invoices=True)
    back = SiteDraft.from_json(json.loads(json.dumps(typed.to_json())))
    assert back == typed
    assert back.default == "25.5"  # not "25.50", not 2550
    assert back.by_type["at_checkup"] == "2x"


def test_json_is_a_copy() -> None:
    d = draft(by_type={"at_checkup": "10"})
    data = d.to_json()
    data["by_type"]["at_checkup"] = "99"
    assert d.by_type == {"at_checkup": "10"}


@pytest.mark.parametrize("data", [None, [], "text", {"by_type": ["x"]}, {}])
def test_from_json_tolerates_rubbish(data: object) -> None:
    got = SiteDraft.from_json(data)
    assert got.by_type == {} and got.default == "" and not got.deposits_enabled


def test_settings_round_trip() -> None:
    settings, problems = build_settings(SiteDraft.from_settings(BASE), TYPES, "GBP", BASE)
    assert problems == {}
    assert settings is not None and settings.same_choices(BASE)
    assert settings.site_id == "site_1" and settings.currency == "GBP"


def test_builds_minor_units() -> None:
    settings, problems = build_settings(
        draft(default="£25.5", by_type={"at_checkup": "0", "at_hygiene": "40"}), TYPES, "GBP")
    assert problems == {}
    assert settings is not None
    assert settings.deposit_default_minor == 2550
    assert settings.deposit_by_type == {"at_checkup": 0, "at_hygiene": 4000}
    assert settings.site_id == ""  # no base


@pytest.mark.parametrize("blank", ["", "   "])
def test_blank_per_type_means_the_default(blank: str) -> None:
    settings, problems = build_settings(
        draft(by_type={"at_checkup": blank, "at_hygiene": "30.00"}), TYPES, "GBP")
    assert problems == {}
    assert settings is not None and settings.deposit_by_type == {"at_hygiene": 3000}


@pytest.mark.parametrize(("text", "words"), [
    ("abc", "That is not an amount"),
    ("25.555", "at most two digits after the point"),
    ("-5", "cannot be negative"),
    ("€25", "practice uses GBP"),
])
def test_bad_text_keyed_by_field(text: str, words: str) -> None:
    settings, problems = build_settings(draft(default=text), TYPES, "GBP")
    assert settings is None
    assert list(problems) == [DEFAULT_FIELD]
    assert problems[DEFAULT_FIELD].startswith("Default deposit: ") and words in \
        problems[DEFAULT_FIELD]

    settings, problems = build_settings(draft(by_type={"at_hygiene": text}), TYPES, "GBP")
    assert settings is None
    assert list(problems) == ["deposits.by_appointment_type.at_hygiene"]
    assert problems[type_field("at_hygiene")].startswith("Deposit for Hygiene: ")


def test_every_bad_field_at_once() -> None:
    _settings, problems = build_settings(
        draft(default="abc", by_type={"at_checkup": "25.555", "at_hygiene": "10",
                                      "at_gone": "x"}), TYPES, "GBP")
    assert set(problems) == {DEFAULT_FIELD, type_field("at_checkup"), type_field("at_gone")}
    assert problems[type_field("at_gone")].startswith("Deposit for at_gone: ")


@pytest.mark.parametrize(("d", "field", "words"), [
    (draft(default="0.10"), DEFAULT_FIELD, "less than the smallest amount"),
    (draft(default="0"), DEFAULT_FIELD, "less than the smallest amount"),
    (draft(default="5000.01"), DEFAULT_FIELD, "more than the most a deposit can be"),
    (draft(default=""), DEFAULT_FIELD, "enter an amount"),  # required while deposits are on
    (draft(by_type={"at_checkup": "0.20"}), type_field("at_checkup"), "less than the smallest"),
    (draft(by_type={"at_checkup": "45.01"}), type_field("at_checkup"),
     "more than the appointment's price (£45.00)"),
    (draft(by_type={"at_whitening": "5000.01"}), type_field("at_whitening"),
     "more than the most"),
    (draft(by_type={"at_gone": "10"}), type_field("at_gone"), "no appointment type"),
])
def test_bounds_keyed_by_field(d: SiteDraft, field: str, words: str) -> None:
    settings, problems = build_settings(d, TYPES, "GBP")
    assert settings is None
    assert list(problems) == [field]
    assert words in problems[field]


def test_bounds_allowed() -> None:
    for d in (draft(default="0.30"), draft(by_type={"at_checkup": "45.00"}),
              draft(by_type={"at_whitening": "5000.00"}), draft(by_type={"at_checkup": "0"}),
              draft(deposits_enabled=False, default="")):
        settings, problems = build_settings(d, TYPES, "GBP")
        assert problems == {} and settings is not None, d


def test_with_the_portals_types(make_sandbox: Callable[..., Sandbox],
                                client_for: Callable[..., PortalClient]) -> None:
    client = client_for(make_sandbox("already-linked"))
    types = client.appointment_types()
    current = client.payment_settings("site_1")
    d = SiteDraft.from_settings(current.settings)
    settings, problems = build_settings(d, types, "GBP", current.settings)
    assert problems == {} and settings is not None
    assert settings.same_choices(current.settings)
    d.by_type["at_checkup"] = "45.01"  # the sandbox's check-up costs £45.00
    _settings, problems = build_settings(d, types, "GBP", current.settings)
    assert list(problems) == [type_field("at_checkup")]
