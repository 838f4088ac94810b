"""The practice's details as Stripe ``prefill`` for a new account."""

from __future__ import annotations

from dentally_setup.portal.models import Practice


def prefill_from_practice(practice: Practice) -> dict[str, str]:
    """Only fields Stripe accepts; empty ones are left out (Stripe ignores bad values, but
    an empty field would overwrite nothing useful)."""
    website = practice.website or ""
    if website and "://" not in website:
        website = "https://" + website  # Stripe wants the scheme
    fields = {
        "email": practice.email or "",
        "url": website,
        "country": practice.country,
        "business_name": practice.legal_name or practice.name,
        "phone_number": practice.phone or "",
        "currency": practice.currency.lower(),
    }
    return {k: v for k, v in fields.items() if v}
