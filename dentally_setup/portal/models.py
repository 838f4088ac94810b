"""Typed views of the portal contract's schemas (resources/portal-api.yaml).

Each model has ``from_json`` that checks types strictly and raises ``ShapeError``
naming the field, so a portal that answers with the wrong shape gives a clear message
instead of a KeyError deep inside the GUI. ``to_json`` gives back the contract's shape.

The payment-settings model (``PaymentSettings``, ``AppointmentType``) lives in
``settings.model``, which ``settings`` and ``portal`` both read; it is re-exported here
for the code that takes every portal type from one place. Readers raise ``ShapeError``;
the client reports it as ``MalformedResponse``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dentally_setup.settings.model import AppointmentType, PaymentSettings, VersionedSettings
from dentally_setup.settings.shape import (
    JSON,
    ShapeError,
    boolean,
    obj,
    opt_string,
    string,
    string_list,
)


@dataclass(frozen=True)
class Site:
    id: str
    name: str

    @classmethod
    def from_json(cls, data: Any, where: str = "site") -> Site:
        d = obj(data, where)
        return cls(id=string(d, "id", where), name=string(d, "name", where))

    def to_json(self) -> JSON:
        return {"id": self.id, "name": self.name}


@dataclass(frozen=True)
class Practice:
    id: str
    name: str
    country: str
    currency: str
    sites: tuple[Site, ...]
    legal_name: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None

    @classmethod
    def from_json(cls, data: Any, where: str = "practice") -> Practice:
        d = obj(data, where)
        sites_raw = d.get("sites")
        if not isinstance(sites_raw, list):
            raise ShapeError(f"{where}.sites should be a list")
        return cls(
            id=string(d, "id", where),
            name=string(d, "name", where),
            country=string(d, "country", where),
            currency=string(d, "currency", where).upper(),
            sites=tuple(Site.from_json(s, f"{where}.sites[{i}]") for i, s in enumerate(sites_raw)),
            legal_name=opt_string(d, "legal_name", where),
            email=opt_string(d, "email", where),
            phone=opt_string(d, "phone", where),
            website=opt_string(d, "website", where),
        )

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "name": self.name,
            "legal_name": self.legal_name,
            "country": self.country,
            "currency": self.currency,
            "email": self.email,
            "phone": self.phone,
            "website": self.website,
            "sites": [s.to_json() for s in self.sites],
        }


@dataclass(frozen=True)
class RequirementError:
    """Why Stripe did not accept something submitted (Stripe's ``requirements.errors``)."""

    requirement: str
    code: str
    reason: str = ""

    @classmethod
    def from_json(cls, data: Any, where: str = "error") -> RequirementError:
        d = obj(data, where)
        return cls(requirement=string(d, "requirement", where), code=string(d, "code", where),
                   reason=opt_string(d, "reason", where) or "")

    def to_json(self) -> JSON:
        return {"requirement": self.requirement, "code": self.code, "reason": self.reason}


@dataclass(frozen=True)
class Requirements:
    currently_due: tuple[str, ...] = ()
    past_due: tuple[str, ...] = ()
    disabled_reason: str | None = None
    current_deadline: str | None = None
    eventually_due: tuple[str, ...] = ()
    pending_verification: tuple[str, ...] = ()
    errors: tuple[RequirementError, ...] = ()
    future_deadline: str | None = None

    @classmethod
    def from_json(cls, data: Any, where: str = "requirements") -> Requirements:
        d = obj(data if data is not None else {}, where)
        errors_raw = d.get("errors") or []
        if not isinstance(errors_raw, list):
            raise ShapeError(f"{where}.errors should be a list")
        return cls(
            currently_due=tuple(string_list(d, "currently_due", where)),
            past_due=tuple(string_list(d, "past_due", where)),
            disabled_reason=opt_string(d, "disabled_reason", where),
            current_deadline=opt_string(d, "current_deadline", where),
            eventually_due=tuple(string_list(d, "eventually_due", where)),
            pending_verification=tuple(string_list(d, "pending_verification", where)),
            errors=tuple(RequirementError.from_json(e, f"{where}.errors[{i}]")
                         for i, e in enumerate(errors_raw)),
            future_deadline=opt_string(d, "future_deadline", where),
        )

    def to_json(self) -> JSON:
        return {
            "currently_due": list(self.currently_due),
            "past_due": list(self.past_due),
            "eventually_due": list(self.eventually_due),
            "pending_verification": list(self.pending_verification),
            "errors": [e.to_json() for e in self.errors],
            "disabled_reason": self.disabled_reason,
            "current_deadline": self.current_deadline,
            "future_deadline": self.future_deadline,
        }


@dataclass(frozen=True)
class StripeAccount:
    id: str
    charges_enabled: bool
    payouts_enabled: bool
    details_submitted: bool
    requirements: Requirements = field(default_factory=Requirements)
    business_name: str | None = None
    email: str | None = None
    country: str | None = None
    default_currency: str | None = None

    @property
    def ready(self) -> bool:
        """Whether the account can take deposits now."""
        return self.charges_enabled

    @property
    def display_name(self) -> str:
        """What to call the account, never blank: the contract's ``business_name`` (Stripe's
        dashboard display name, else its business profile name), else the email, else the id."""
        for name in (self.business_name, self.email):
            if name and name.strip():
                return name.strip()
        return self.id

    @classmethod
    def from_json(cls, data: Any, where: str = "account") -> StripeAccount:
        d = obj(data, where)
        return cls(
            id=string(d, "id", where),
            charges_enabled=boolean(d, "charges_enabled", where),
            payouts_enabled=boolean(d, "payouts_enabled", where),
            details_submitted=boolean(d, "details_submitted", where),
            requirements=Requirements.from_json(d.get("requirements"), f"{where}.requirements"),
            business_name=opt_string(d, "business_name", where),
            email=opt_string(d, "email", where),
            country=opt_string(d, "country", where),
            default_currency=opt_string(d, "default_currency", where),
        )

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "business_name": self.business_name,
            "email": self.email,
            "country": self.country,
            "default_currency": self.default_currency,
            "charges_enabled": self.charges_enabled,
            "payouts_enabled": self.payouts_enabled,
            "details_submitted": self.details_submitted,
            "requirements": self.requirements.to_json(),
        }


@dataclass(frozen=True)
class DentallyAppAccount:
    id: str
    business_name: str | None = None

    @classmethod
    def from_json(cls, data: Any, where: str = "dentally_app_account") -> DentallyAppAccount:
        d = obj(data, where)
        return cls(id=string(d, "id", where), business_name=opt_string(d, "business_name", where))

    def to_json(self) -> JSON:
        return {"id": self.id, "business_name": self.business_name}


@dataclass(frozen=True)
class StripeLink:
    status: str  # "unlinked" | "linked"
    livemode: bool
    account: StripeAccount | None = None
    dentally_app_account: DentallyAppAccount | None = None

    @property
    def linked(self) -> bool:
        return self.status == "linked"

    @classmethod
    def from_json(cls, data: Any, where: str = "stripe") -> StripeLink:
        d = obj(data, where)
        status = string(d, "status", where)
        if status not in ("unlinked", "linked"):
            raise ShapeError(f"{where}.status has an unknown value")
        account = d.get("account")
        app = d.get("dentally_app_account")
        return cls(
            status=status,
            livemode=boolean(d, "livemode", where),
            account=StripeAccount.from_json(account, f"{where}.account") if account else None,
            dentally_app_account=(
                DentallyAppAccount.from_json(app, f"{where}.dentally_app_account") if app else None
            ),
        )

    def to_json(self) -> JSON:
        return {
            "status": self.status,
            "livemode": self.livemode,
            "account": self.account.to_json() if self.account else None,
            "dentally_app_account": (
                self.dentally_app_account.to_json() if self.dentally_app_account else None
            ),
        }


LINK_STATUSES = ("pending", "completed", "denied", "failed", "expired", "cancelled")


@dataclass(frozen=True)
class LinkError:
    code: str
    message: str


@dataclass(frozen=True)
class LinkSession:
    id: str
    status: str
    authorize_url: str
    redirect_uri: str
    expires_at: str
    livemode: bool
    account: StripeAccount | None = None
    error: LinkError | None = None

    @property
    def pending(self) -> bool:
        return self.status == "pending"

    @classmethod
    def from_json(cls, data: Any, where: str = "link_session") -> LinkSession:
        d = obj(data, where)
        status = string(d, "status", where)
        if status not in LINK_STATUSES:
            raise ShapeError(f"{where}.status has an unknown value")
        account = d.get("account")
        err = d.get("error")
        error = None
        if err:
            e = obj(err, f"{where}.error")
            error = LinkError(
                string(e, "code", f"{where}.error"), string(e, "message", f"{where}.error")
            )
        return cls(
            id=string(d, "id", where),
            status=status,
            authorize_url=string(d, "authorize_url", where),
            redirect_uri=string(d, "redirect_uri", where),
            expires_at=string(d, "expires_at", where),
            livemode=boolean(d, "livemode", where),
            account=StripeAccount.from_json(account, f"{where}.account") if account else None,
            error=error,
        )


__all__ = [
    "AppointmentType",
    "DentallyAppAccount",
    "LinkError",
    "LinkSession",
    "PaymentSettings",
    "Practice",
    "Requirements",
    "Site",
    "StripeAccount",
    "StripeLink",
    "VersionedSettings",
]
