"""The payment-settings model: what a site's payment settings are, and the appointment
types they refer to, in the portal contract's shapes (resources/portal-api.yaml).

It lives here, below both ``portal`` (which carries it over HTTP) and the rest of
``settings`` (validation, the policy file, diffs), so both read it in one direction.
``from_json`` checks types strictly and raises ``ShapeError`` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dentally_setup.settings.shape import (
    JSON,
    ShapeError,
    boolean,
    integer,
    obj,
    opt_integer,
    opt_string,
    string,
)


@dataclass(frozen=True)
class AppointmentType:
    id: str
    name: str
    duration_minutes: int
    online_bookable: bool
    price_minor: int | None = None

    @classmethod
    def from_json(cls, data: Any, where: str = "appointment_type") -> AppointmentType:
        d = obj(data, where)
        return cls(
            id=string(d, "id", where),
            name=string(d, "name", where),
            duration_minutes=integer(d, "duration_minutes", where),
            online_bookable=boolean(d, "online_bookable", where),
            price_minor=opt_integer(d, "price_minor", where),
        )

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "name": self.name,
            "duration_minutes": self.duration_minutes,
            "price_minor": self.price_minor,
            "online_bookable": self.online_bookable,
        }


@dataclass(frozen=True)
class PaymentSettings:
    """One site's payment settings as the contract's ``PaymentSettings``.

    Amounts are integer minor units (pence for GBP).
    """

    deposits_enabled: bool
    deposit_default_minor: int | None
    deposit_by_type: dict[str, int]
    balances_enabled: bool
    invoices_enabled: bool
    site_id: str = ""
    currency: str = ""
    updated_at: str = ""
    updated_by: str | None = None

    @classmethod
    def from_json(cls, data: Any, where: str = "payment_settings") -> PaymentSettings:
        d = obj(data, where)
        dep = obj(d.get("deposits"), f"{where}.deposits")
        by_type_raw = dep.get("by_appointment_type") or {}
        by_type = obj(by_type_raw, f"{where}.deposits.by_appointment_type")
        for key, value in by_type.items():
            if not isinstance(value, int) or isinstance(value, bool):
                raise ShapeError(
                    f"{where}.deposits.by_appointment_type.{key} should be a whole number"
                )
        bal = obj(d.get("balances"), f"{where}.balances")
        inv = obj(d.get("invoices"), f"{where}.invoices")
        return cls(
            deposits_enabled=boolean(dep, "enabled", f"{where}.deposits"),
            deposit_default_minor=opt_integer(dep, "default_amount_minor", f"{where}.deposits"),
            deposit_by_type=dict(by_type),
            balances_enabled=boolean(bal, "enabled", f"{where}.balances"),
            invoices_enabled=boolean(inv, "enabled", f"{where}.invoices"),
            site_id=str(d.get("site_id") or ""),
            currency=str(d.get("currency") or "").upper(),
            updated_at=str(d.get("updated_at") or ""),
            updated_by=opt_string(d, "updated_by", where),
        )

    def input_json(self) -> JSON:
        """The contract's ``PaymentSettingsInput``: what a PUT sends."""
        return {
            "deposits": {
                "enabled": self.deposits_enabled,
                "default_amount_minor": self.deposit_default_minor,
                "by_appointment_type": dict(sorted(self.deposit_by_type.items())),
            },
            "balances": {"enabled": self.balances_enabled},
            "invoices": {"enabled": self.invoices_enabled},
        }

    def to_json(self) -> JSON:
        data = self.input_json()
        data.update(
            site_id=self.site_id,
            currency=self.currency,
            updated_at=self.updated_at,
            updated_by=self.updated_by,
        )
        return data

    def same_choices(self, other: PaymentSettings) -> bool:
        """True when both ask for the same thing (ignores who saved it and when)."""
        return self.input_json() == other.input_json()


@dataclass(frozen=True)
class VersionedSettings:
    """Payment settings with the version (the portal's ETag) they were read at,
    for If-Match."""

    settings: PaymentSettings
    etag: str
