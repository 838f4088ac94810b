"""The demo scenarios trainers pick from, each built as a fresh world state."""

from __future__ import annotations

import time
from typing import Any

from dentally_setup.sandbox.group import (
    GROUP_NAME,
    GROUP_SITES,
    GROUP_TYPES,
    group_exceptions,
    group_sites,
    group_types,
)
from dentally_setup.sandbox.world import STATE_VERSION, rfc3339

SCENARIOS: dict[str, str] = {
    "fresh": "A practice whose Stripe login has one account of its own; it links directly.",
    "already-connected": (
        "The practice's Stripe account is already connected to the Dentally app, so a new "
        "account sharing its legal entity has to be made."
    ),
    "needs-verification": (
        "Linking works, but the account cannot take payments until Stripe has more details "
        "(finish them on the imitation's dashboard)."
    ),
    "no-stripe": (
        "The practice has no Stripe login at all: it signs up on Stripe's form for a new "
        "login, filled in with the practice's details."
    ),
    "denied": "Like fresh, for showing what happens when someone clicks Deny on Stripe.",
    "already-linked": "The portal is already linked to a ready account; site 1 has settings.",
    "portal-trouble": (
        "Like fresh, but the portal is slow and fails every third request, to show error "
        "handling (still completable)."
    ),
    "group": (
        f"A dental group already linked to a ready account: {GROUP_SITES} sites and "
        f"{GROUP_TYPES} appointment types, some sites already set differently."
    ),
}

# Faults each scenario starts with (the same rule syntax as the --faults option).
SCENARIO_FAULTS: dict[str, str] = {"portal-trouble": "delay:1.5,fail-every:3:503"}

DEMO_LOGIN = "reception@riverside-dental.example"
# Shown as a hint on the imitation's sign-in page: a demo value, not a secret.
DEMO_PASSWORD = "sandbox-demo"  # noqa: S105
PRACTICE_NAME = "Riverside Dental Practice"
DAY = 24 * 3600


def check_scenario(name: str) -> str:
    if name not in SCENARIOS:
        valid = ", ".join(sorted(SCENARIOS))
        raise ValueError(f"There is no sandbox scenario called '{name}'. Choose one of: {valid}.")
    return name


def _settings(now: float) -> dict[str, Any]:
    return {
        "deposits": {"enabled": False, "default_amount_minor": None, "by_appointment_type": {}},
        "balances": {"enabled": False},
        "invoices": {"enabled": False},
        "updated_at": rfc3339(now - 30 * DAY),
        "updated_by": None,
        "version": 1,
    }


def _account(acct_id: str, now: float, *, ready: bool = True, **extra: Any) -> dict[str, Any]:
    account: dict[str, Any] = {
        "id": acct_id,
        "business_name": PRACTICE_NAME,
        "email": DEMO_LOGIN,
        "country": "GB",
        "default_currency": "gbp",
        "url": "https://riverside-dental.example",
        "phone": "+44 20 7946 0321",
        "charges_enabled": ready,
        "payouts_enabled": ready,
        "details_submitted": ready,
        "currently_due": [],
        "past_due": [],
        "disabled_reason": None,
        "current_deadline": None,
        "display_name": None,  # Stripe's settings.dashboard.display_name
    "business_type": "company",
    "connected_platform": None,  # None, "portal" (us) or "dentally_app"
        "login": DEMO_LOGIN,
        "shares_legal_entity_with": None,
        "created": int(now - 400 * DAY),
    }
    if not ready:
        account.update(
            currently_due=["external_account", "representative.verification.document"],
            disabled_reason="requirements.pending_verification",
            current_deadline=int(now + 14 * DAY),
        )
    account.update(extra)
    return account


def build_state(scenario: str, now: float | None = None, *, sites: int | None = None,
                types: int | None = None) -> dict[str, Any]:
    """A new world state for ``scenario`` (see ``SCENARIOS``); ``sites`` and ``types``
    replace its sites and appointment types with that many of a generated group's."""
    check_scenario(scenario)
    if scenario == "group":
        sites = GROUP_SITES if sites is None else sites
        types = GROUP_TYPES if types is None else types
    now = time.time() if now is None else now
    practice: dict[str, Any] = {
        "id": "prac_riverside",
        "name": PRACTICE_NAME,
        "legal_name": "Riverside Dental Care Ltd",
        "country": "GB",
        "currency": "GBP",
        "email": DEMO_LOGIN,
        "phone": "+44 20 7946 0321",
        "website": "https://riverside-dental.example",
        "sites": [
            {"id": "site_1", "name": "Riverside – High Street"},
            {"id": "site_2", "name": "Riverside – Meadow Lane"},
        ],
    }
    type_rows = [
        ("at_new_patient", "New patient exam", 40, 6000, True),
        ("at_checkup", "Check-up", 20, 4500, True),
        ("at_hygiene", "Hygiene", 30, 6500, True),
        ("at_emergency", "Emergency", 30, 8000, True),
        ("at_whitening", "Whitening consultation", 30, None, True),
        ("at_ortho_review", "Orthodontic review", 20, 5500, False),
    ]
    appointment_types: list[dict[str, Any]] = [
        {"id": i, "name": n, "duration_minutes": d, "price_minor": p, "online_bookable": b}
        for i, n, d, p, b in type_rows
    ]
    if sites is not None:
        practice["sites"] = group_sites(sites)
    if types is not None:
        appointment_types = group_types(types)
    settings = {site["id"]: _settings(now) for site in practice["sites"]}
    link: dict[str, Any] = {"status": "unlinked", "account_id": None}
    app_account = None
    new_ready = True
    acct: dict[str, Any] | None

    if scenario == "already-connected":
        acct = _account("acct_1RvrsdDntlApp01", now, connected_platform="dentally_app")
        app_account = {"id": acct["id"], "business_name": acct["business_name"]}
    elif scenario == "needs-verification":
        acct = _account("acct_1RvrsdVerify001", now, ready=False, created=int(now - DAY))
        new_ready = False
    elif scenario == "group":
        acct = _account("acct_1BrghtwtrGroup01", now, connected_platform="portal",
                        business_name=GROUP_NAME)
        practice["name"] = GROUP_NAME
        link = {"status": "linked", "account_id": acct["id"]}
        exceptions = group_exceptions(list(settings), [t["id"] for t in appointment_types])
        for sid, changes in exceptions.items():
            settings[sid].update(changes, updated_by="web admin", version=2)
    elif scenario == "already-linked":
        acct = _account("acct_1RvrsdLinked001", now, connected_platform="portal")
        link = {"status": "linked", "account_id": acct["id"]}
        settings["site_1"].update(
            deposits={
                "enabled": True,
                "default_amount_minor": 2000,
                "by_appointment_type": {"at_emergency": 0, "at_new_patient": 3000},
            },
            balances={"enabled": True},
            invoices={"enabled": False},
            updated_at=rfc3339(now - 7 * DAY),
            updated_by="web admin",
            version=3,
        )
    elif scenario == "no-stripe":
        acct = None
    else:  # fresh, denied, portal-trouble
        acct = _account("acct_1RvrsdSandbox01", now)
    logins = {} if acct is None else {
        DEMO_LOGIN: {"password": DEMO_PASSWORD, "accounts": [acct["id"]]}}

    return {
        "version": STATE_VERSION,
        "scenario": scenario,
        "clock_offset": 0.0,
        "practice": practice,
        "appointment_types": appointment_types,
        "settings": settings,
        "link": link,
        "dentally_app_account": app_account,
        "link_sessions": {},
        "idempotency": {},
        "applied_writes": {},
        "link_session_requests": [],
        "authorize_requests": [],
        "token_exchanges": [],
        "requests": [],
        "logins": logins,
        "accounts": {} if acct is None else {acct["id"]: acct},
        "attempts": {},
        "codes": {},
        "new_accounts_ready": new_ready,
    }
