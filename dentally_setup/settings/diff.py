"""Payment settings in people's words, and what changes between two versions.

Shared by the CLI (``status``, ``settings apply``) and the GUI's review page, so the
wording is the same everywhere support might hear it read out. No Qt here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dentally_setup.settings.model import AppointmentType, PaymentSettings
from dentally_setup.settings.money import format_money
from dentally_setup.settings.validate import type_label

DEPOSITS = "Deposits for online bookings"
DEFAULT_DEPOSIT = "Default deposit"
BALANCES = "Balances paid online"
INVOICES = "Invoices paid online"
NOT_SET = "—"
USES_DEFAULT = "default"
NO_DEPOSIT = "no deposit"


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str

    def __str__(self) -> str:
        return f"{self.label}: {self.before} -> {self.after}"


def _on_off(value: bool) -> str:
    return "On" if value else "Off"


def _type_amount(amount: int | None, currency: str) -> str:
    if amount is None:
        return USES_DEFAULT
    if amount == 0:
        return NO_DEPOSIT
    return format_money(amount, currency)


def _type_order(
    old: PaymentSettings, new: PaymentSettings | None, types: Sequence[AppointmentType]
) -> list[str]:
    """Known types in the portal's order, then ids it does not know (sorted)."""
    ids = set(old.deposit_by_type) | set(new.deposit_by_type if new else ())
    ordered = [t.id for t in types if t.id in ids]
    return ordered + sorted(ids - set(ordered))


def _rows(
    settings: PaymentSettings,
    type_ids: Sequence[str],
    types: Sequence[AppointmentType],
    currency: str,
) -> list[tuple[str, str]]:
    default = settings.deposit_default_minor
    rows = [
        (DEPOSITS, _on_off(settings.deposits_enabled)),
        (DEFAULT_DEPOSIT, NOT_SET if default is None else format_money(default, currency)),
    ]
    rows += [
        (f"Deposit for {type_label(tid, types)}",
         _type_amount(settings.deposit_by_type.get(tid), currency))
        for tid in type_ids
    ]
    rows += [
        (BALANCES, _on_off(settings.balances_enabled)),
        (INVOICES, _on_off(settings.invoices_enabled)),
    ]
    return rows


def describe_settings(
    settings: PaymentSettings, types: Sequence[AppointmentType], currency: str
) -> list[tuple[str, str]]:
    """(label, value) rows for one site's settings, e.g. ("Default deposit", "£25.00").

    Only appointment types with their own amount get a row; the rest use the default.
    """
    return _rows(settings, _type_order(settings, None, types), types, currency)


def diff_settings(
    old: PaymentSettings,
    new: PaymentSettings,
    types: Sequence[AppointmentType],
    currency: str,
) -> list[Change]:
    """What would change going from ``old`` to ``new``, in display order.

    Empty when both ask for the same thing (who saved them and when is ignored).
    """
    order = _type_order(old, new, types)
    before = _rows(old, order, types, currency)
    after = _rows(new, order, types, currency)
    # Both lists have the same labels in the same order because they share ``order``.
    return [
        Change(label, b, a)
        for (label, b), (_, a) in zip(before, after, strict=True)
        if b != a
    ]


@dataclass(frozen=True)
class ChangeGroup:
    """Sites that get exactly the same changes (in display order)."""

    site_ids: tuple[str, ...]
    changes: tuple[Change, ...]


def group_changes(changes_by_site: Mapping[str, Sequence[Change]]) -> list[ChangeGroup]:
    """Sites with the same changes together, so a group's 38 identical changes read once.

    The largest group comes first (the common change), then the rest by size; among equal
    sizes, and within a group, the sites keep the order given. Sites with no changes are
    left out.
    """
    by_changes: dict[tuple[Change, ...], list[str]] = {}
    for site_id, changes in changes_by_site.items():
        if changes:
            by_changes.setdefault(tuple(changes), []).append(site_id)
    groups = [ChangeGroup(tuple(sites), changes) for changes, sites in by_changes.items()]
    # sorted() is stable: equal sizes stay in the order their first site was given.
    return sorted(groups, key=lambda g: -len(g.site_ids))
