"""What the person types on the settings page, kept as text (so a half-typed amount comes
back exactly as typed after a restart), and its conversion to the portal's model."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from dentally_setup.portal.models import AppointmentType, PaymentSettings
from dentally_setup.settings.money import MoneyError, parse_money
from dentally_setup.settings.validate import validate_settings

DEFAULT_FIELD = "deposits.default_amount_minor"


def type_field(type_id: str) -> str:
    return f"deposits.by_appointment_type.{type_id}"


def plain_amount(minor: int | None) -> str:
    """Minor units as the text an edit box shows next to its currency sign: 2500 -> '25.00'."""
    if minor is None:
        return ""
    return f"{Decimal(minor) / 100:.2f}"


@dataclass
class SiteDraft:
    deposits_enabled: bool = False
    default: str = ""
    by_type: dict[str, str] = field(default_factory=dict)  # type id -> text; "" = default
    balances: bool = False
    invoices: bool = False

    @classmethod
    def from_settings(cls, settings: PaymentSettings) -> SiteDraft:
        return cls(
            deposits_enabled=settings.deposits_enabled,
            default=plain_amount(settings.deposit_default_minor),
            by_type={k: plain_amount(v) for k, v in settings.deposit_by_type.items()},
            balances=settings.balances_enabled,
            invoices=settings.invoices_enabled,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "deposits_enabled": self.deposits_enabled,
            "default": self.default,
            "by_type": dict(self.by_type),
            "balances": self.balances,
            "invoices": self.invoices,
        }

    @classmethod
    def from_json(cls, data: Any) -> SiteDraft:
        if not isinstance(data, dict):
            return cls()
        by_type = data.get("by_type")
        return cls(
            deposits_enabled=bool(data.get("deposits_enabled", False)),
            default=str(data.get("default", "")),
            by_type=(
                {str(k): str(v) for k, v in by_type.items()} if isinstance(by_type, dict) else {}
            ),
            balances=bool(data.get("balances", False)),
            invoices=bool(data.get("invoices", False)),
        )


def build_settings(
    draft: SiteDraft,
    types: Sequence[AppointmentType],
    currency: str,
    base: PaymentSettings | None = None,
) -> tuple[PaymentSettings | None, dict[str, str]]:
    """Parse and check a draft. Returns the settings to send, or None with the problems
    keyed by the contract's field path (the GUI shows each beside its field)."""
    problems: dict[str, str] = {}
    default_minor: int | None = None
    if draft.default.strip():
        try:
            default_minor = parse_money(draft.default, currency)
        except MoneyError as exc:
            problems[DEFAULT_FIELD] = f"Default deposit: {exc}"
    by_type: dict[str, int] = {}
    names = {t.id: t.name for t in types}
    for type_id, text in draft.by_type.items():
        if not text.strip():
            continue  # blank = this type uses the default
        try:
            by_type[type_id] = parse_money(text, currency)
        except MoneyError as exc:
            problems[type_field(type_id)] = f"Deposit for {names.get(type_id, type_id)}: {exc}"
    if problems:
        return None, problems
    settings = PaymentSettings(
        deposits_enabled=draft.deposits_enabled,
        deposit_default_minor=default_minor,
        deposit_by_type=by_type,
        balances_enabled=draft.balances,
        invoices_enabled=draft.invoices,
        site_id=base.site_id if base else "",
        currency=currency,
    )
    for problem in validate_settings(settings, types, currency):
        problems.setdefault(problem.field, problem.message)
    if problems:
        return None, problems
    return settings, {}
