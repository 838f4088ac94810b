"""Appointment types and settings shared by the settings tests (no portal needed)."""

from __future__ import annotations

from dentally_setup.portal.models import AppointmentType, PaymentSettings

TYPES = [
    AppointmentType("at_new", "New patient exam", 40, True, 9500),
    AppointmentType("at_hyg", "Hygiene", 30, True, 6500),
    AppointmentType("at_emerg", "Emergency", 20, True, None),
]


def settings(
    enabled: bool = True,
    default: int | None = 2500,
    by_type: dict[str, int] | None = None,
    balances: bool = False,
    invoices: bool = False,
) -> PaymentSettings:
    return PaymentSettings(
        deposits_enabled=enabled,
        deposit_default_minor=default,
        deposit_by_type=dict(by_type or {}),
        balances_enabled=balances,
        invoices_enabled=invoices,
    )
