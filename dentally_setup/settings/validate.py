"""The portal's rules for payment settings, checked before anything is sent.

These mirror the contract (PaymentSettingsInput in resources/portal-api.yaml) field for
field and code for code, so the portal's 422 ``validation_failed`` should never be the
first a person hears of a mistake: the GUI can mark the box, and ``settings apply`` can
refuse a file before touching any site.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dentally_setup.settings.model import AppointmentType, PaymentSettings
from dentally_setup.settings.money import MAXIMUM_MINOR, format_money, minimum_minor

DEFAULT_FIELD = "deposits.default_amount_minor"
BY_TYPE_FIELD = "deposits.by_appointment_type"


@dataclass(frozen=True)
class Problem:
    """One thing wrong, in the contract's terms (``field``, ``code``) and in people's."""

    field: str  # dotted path, e.g. deposits.by_appointment_type.at_hyg
    code: str  # required, below_minimum, above_maximum, exceeds_price,
    #            unknown_appointment_type, invalid
    message: str

    def __str__(self) -> str:
        return self.message


def type_label(type_id: str, types: Sequence[AppointmentType]) -> str:
    """How to name an appointment type to people: its name, or its id if unknown.

    Two types with the same name get their id added, so a message never leaves a
    person guessing which "Check-up" it meant.
    """
    names = [t.name for t in types]
    for t in types:
        if t.id == type_id:
            return f"{t.name} ({t.id})" if names.count(t.name) > 1 else t.name
    return type_id


def _bounds(
    label: str, path: str, amount: int, currency: str, *, allow_zero: bool
) -> list[Problem]:
    lowest = minimum_minor(currency)
    if allow_zero and amount == 0:
        return []
    if amount < lowest:
        shown = format_money(amount, currency)
        least = format_money(lowest, currency)
        extra = " (or 0 for no deposit)" if allow_zero else ""
        return [Problem(path, "below_minimum",
                        f"{label}: {shown} is less than the smallest amount a card payment "
                        f"can take ({least}){extra}.")]
    if amount > MAXIMUM_MINOR:
        return [Problem(path, "above_maximum",
                        f"{label}: {format_money(amount, currency)} is more than the most "
                        f"a deposit can be ({format_money(MAXIMUM_MINOR, currency)}).")]
    return []


def validate_settings(
    settings: PaymentSettings, types: Sequence[AppointmentType], currency: str
) -> list[Problem]:
    """Every way ``settings`` breaks the portal's rules (empty list: fine to send).

    - The default deposit is required only while deposits are on; when it is given it
      must be within the currency's minimum and ``MAXIMUM_MINOR`` either way, because the
      portal checks it whether or not deposits are on.
    - A per-type amount of 0 means "no deposit for this type". Any other amount follows
      the same bounds and may not exceed the type's usual price (when it has one).
    - Per-type keys must be ids of appointment types the portal knows.
    """
    problems: list[Problem] = []
    default = settings.deposit_default_minor
    if default is None:
        if settings.deposits_enabled:
            problems.append(Problem(DEFAULT_FIELD, "required",
                                    "Default deposit: enter an amount, because deposits for "
                                    "online bookings are on."))
    else:
        problems += _bounds("Default deposit", DEFAULT_FIELD, default, currency,
                            allow_zero=False)

    by_id = {t.id: t for t in types}
    for type_id, amount in sorted(settings.deposit_by_type.items()):
        path = f"{BY_TYPE_FIELD}.{type_id}"
        known = by_id.get(type_id)
        if known is None:
            problems.append(Problem(path, "unknown_appointment_type",
                                    f"Deposit for {type_id}: the portal has no appointment "
                                    "type with that id."))
            continue
        label = f"Deposit for {type_label(type_id, types)}"
        if isinstance(amount, bool) or not isinstance(amount, int):
            problems.append(Problem(path, "invalid", f"{label}: that is not an amount."))
            continue
        found = _bounds(label, path, amount, currency, allow_zero=True)
        if not found and known.price_minor is not None and amount > known.price_minor:
            found = [Problem(path, "exceeds_price",
                             f"{label}: {format_money(amount, currency)} is more than the "
                             f"appointment's price ({format_money(known.price_minor, currency)}).")]
        problems += found
    return problems
