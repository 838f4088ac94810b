"""The practice's details as Stripe prefill (flow.prefill)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from dentally_setup.flow.prefill import prefill_from_practice
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import Practice, Site
from dentally_setup.sandbox import Sandbox

PRACTICE = Practice(
    id="prac_1", name="Riverside Dental Practice", country="GB", currency="GBP",
    sites=(Site("site_1", "High Street"),), legal_name="Riverside Dental Care Ltd",
    email="reception@riverside.example", phone="+44 20 7946 0321", website="riverside.example",
)


def practice(**changes: Any) -> Practice:
    return dataclasses.replace(PRACTICE, **changes)


def test_full_practice() -> None:
    assert prefill_from_practice(practice()) == {
        "email": "reception@riverside.example",
        "url": "https://riverside.example",
        "country": "GB",
        "business_name": "Riverside Dental Care Ltd",
        "phone_number": "442079460321",
        "currency": "gbp",
    }


@pytest.mark.parametrize(
    ("phone", "digits"),
    [("+44 20 7946 0321", "442079460321"), ("0044 (20) 7946-0321", "442079460321"),
     ("020 7946 0321", "02079460321"), ("  ", None), (None, None)],
)
def test_phone_number_as_digits(phone: str | None, digits: str | None) -> None:
    assert prefill_from_practice(practice(phone=phone)).get("phone_number") == digits


def test_only_fields_stripe_documents() -> None:
    documented = {"email", "url", "country", "phone_number", "business_name",
                  "business_type", "first_name", "last_name", "currency"}
    assert set(prefill_from_practice(practice())) <= documented


@pytest.mark.parametrize(
    ("website", "url"),
    [
        ("riverside.example", "https://riverside.example"),
        ("www.riverside.example/team", "https://www.riverside.example/team"),
        ("https://riverside.example", "https://riverside.example"),
        ("http://riverside.example", "http://riverside.example"),  # a scheme is kept as given
    ],
)
def test_website_gets_a_scheme(website: str, url: str) -> None:
    assert prefill_from_practice(practice(website=website))["url"] == url


def test_empties_are_dropped() -> None:
    got = prefill_from_practice(practice(email=None, phone="", website=None, country=""))
    assert got == {"business_name": "Riverside Dental Care Ltd", "currency": "gbp"}
    assert "" not in got.values()


def test_legal_name_preferred_then_trading_name() -> None:
    assert prefill_from_practice(practice())["business_name"] == "Riverside Dental Care Ltd"
    for missing in (None, ""):
        assert prefill_from_practice(practice(legal_name=missing))["business_name"] == \
            "Riverside Dental Practice"


@pytest.mark.parametrize("currency", ["GBP", "gbp", "Eur"])
def test_currency_lower_cased(currency: str) -> None:
    assert prefill_from_practice(practice(currency=currency))["currency"] == currency.lower()


def test_from_the_portals_practice(make_sandbox: Callable[..., Sandbox],
                                  client_for: Callable[..., PortalClient]) -> None:
    got = prefill_from_practice(client_for(make_sandbox("already-connected")).practice())
    assert got["business_name"] == "Riverside Dental Care Ltd"
    assert got["url"] == "https://riverside-dental.example"
    assert got["currency"] == "gbp" and got["country"] == "GB"
