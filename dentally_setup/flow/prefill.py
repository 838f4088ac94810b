"""The practice's details as Stripe ``prefill`` for a new login (``landing: register``).

Only fields Stripe documents for ``stripe_user[...]``: email, url (with its scheme),
country, phone_number (digits only), business_name, currency. The portal's practice has no
business type or person's name, so those are left for the person to fill in on Stripe.
Prefill does nothing for someone who signs in with an existing login.
"""

from __future__ import annotations

import re

from dentally_setup.portal.models import Practice


def phone_digits(phone: str | None) -> str:
    """'+44 20 7946 0321' -> '442079460321': Stripe takes the phone number as digits only
    (a country code given with + or 00 is kept, without them)."""
    text = (phone or "").strip()
    if text.startswith("00"):
        text = text[2:]
    return re.sub(r"\D", "", text)


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
        "phone_number": phone_digits(practice.phone),
        "currency": practice.currency.lower(),
    }
    return {k: v for k, v in fields.items() if v}
