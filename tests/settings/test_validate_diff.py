from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dentally_setup.portal.models import AppointmentType
from dentally_setup.settings.diff import Change, describe_settings, diff_settings
from dentally_setup.settings.money import MAXIMUM_MINOR, MINIMUM_MINOR
from dentally_setup.settings.validate import Problem, validate_settings
from tests.settings.helpers import TYPES, settings


def codes(problems: list[Problem]) -> list[tuple[str, str]]:
    return [(p.field, p.code) for p in problems]


def test_valid_settings_have_no_problems() -> None:
    s = settings(by_type={"at_new": 4000, "at_hyg": 0, "at_emerg": 500000})
    assert validate_settings(s, TYPES, "GBP") == []


def test_default_required_only_when_enabled() -> None:
    assert codes(validate_settings(settings(default=None), TYPES, "GBP")) == [
        ("deposits.default_amount_minor", "required")
    ]
    assert validate_settings(settings(enabled=False, default=None), TYPES, "GBP") == []


def test_bounds_on_default() -> None:
    low = validate_settings(settings(default=29), TYPES, "GBP")
    assert codes(low) == [("deposits.default_amount_minor", "below_minimum")]
    assert "Default deposit: £0.29" in low[0].message and "£0.30" in low[0].message
    assert validate_settings(settings(default=30), TYPES, "GBP") == []
    assert codes(validate_settings(settings(default=49), TYPES, "EUR")) == [
        ("deposits.default_amount_minor", "below_minimum")
    ]
    assert codes(validate_settings(settings(default=0), TYPES, "GBP")) == [
        ("deposits.default_amount_minor", "below_minimum")
    ]
    high = validate_settings(settings(default=MAXIMUM_MINOR + 1), TYPES, "GBP")
    assert codes(high) == [("deposits.default_amount_minor", "above_maximum")]
    # checked even while deposits are off: the portal does too
    assert codes(validate_settings(settings(enabled=False, default=10), TYPES, "GBP")) == [
        ("deposits.default_amount_minor", "below_minimum")
    ]


def test_per_type_rules() -> None:
    problems = validate_settings(
        settings(by_type={"at_hyg": 7000, "at_new": 10, "nope": 100}), TYPES, "GBP"
    )
    assert codes(problems) == [
        ("deposits.by_appointment_type.at_hyg", "exceeds_price"),
        ("deposits.by_appointment_type.at_new", "below_minimum"),
        ("deposits.by_appointment_type.nope", "unknown_appointment_type"),
    ]
    assert problems[0].message == (
        "Deposit for Hygiene: £70.00 is more than the appointment's price (£65.00)."
    )
    assert "Deposit for New patient exam" in problems[1].message


def test_duplicate_type_names_are_told_apart() -> None:
    types = [*TYPES, AppointmentType("at_hyg2", "Hygiene", 30, True, 1000)]
    problems = validate_settings(settings(by_type={"at_hyg2": 2000}), types, "GBP")
    assert "Deposit for Hygiene (at_hyg2)" in problems[0].message


@given(st.integers(min_value=-10**6, max_value=10**7),
       st.sampled_from(sorted(MINIMUM_MINOR)))
def test_any_amount_below_minimum_is_named(amount: int, currency: str) -> None:
    lowest = MINIMUM_MINOR[currency]
    default_problems = validate_settings(settings(default=amount), TYPES, currency)
    type_problems = validate_settings(settings(by_type={"at_emerg": amount}), TYPES, currency)
    if amount < lowest:
        assert codes(default_problems) == [("deposits.default_amount_minor", "below_minimum")]
        assert default_problems[0].message.startswith("Default deposit:")
        if amount != 0:
            assert codes(type_problems) == [
                ("deposits.by_appointment_type.at_emerg", "below_minimum")
            ]
            assert type_problems[0].message.startswith("Deposit for Emergency:")
        else:
            assert type_problems == []
    elif amount > MAXIMUM_MINOR:
        assert codes(default_problems) == [("deposits.default_amount_minor", "above_maximum")]
        assert [p.code for p in type_problems] == ["above_maximum"]
    else:
        assert default_problems == [] and type_problems == []


def test_diff_in_peoples_words() -> None:
    old = settings(enabled=False, default=None, by_type={"at_hyg": 1000})
    new = settings(enabled=True, default=2500, by_type={"at_hyg": 0, "at_new": 4000},
                   balances=True)
    changes = diff_settings(old, new, TYPES, "GBP")
    assert [str(c) for c in changes] == [
        "Deposits for online bookings: Off -> On",
        "Default deposit: — -> £25.00",
        "Deposit for New patient exam: default -> £40.00",
        "Deposit for Hygiene: £10.00 -> no deposit",
        "Balances paid online: Off -> On",
    ]
    assert changes[0] == Change("Deposits for online bookings", "Off", "On")


def test_diff_empty_when_same_and_ignores_metadata() -> None:
    from dataclasses import replace

    s = settings(by_type={"at_hyg": 0})
    assert diff_settings(s, replace(s, site_id="x", updated_at="now"), TYPES, "GBP") == []


def test_diff_unknown_type_and_removal() -> None:
    old = settings(by_type={"gone": 1000, "at_hyg": 0})
    new = settings()
    assert [str(c) for c in diff_settings(old, new, TYPES, "GBP")] == [
        "Deposit for Hygiene: no deposit -> default",
        "Deposit for gone: £10.00 -> default",
    ]


def test_describe() -> None:
    rows = describe_settings(settings(by_type={"at_hyg": 0}, invoices=True), TYPES, "GBP")
    assert rows == [
        ("Deposits for online bookings", "On"),
        ("Default deposit", "£25.00"),
        ("Deposit for Hygiene", "no deposit"),
        ("Balances paid online", "Off"),
        ("Invoices paid online", "On"),
    ]
