"""A linked account's readiness in people's words (flow.readiness)."""

from __future__ import annotations

import pytest

from dentally_setup.flow.readiness import (
    Readiness,
    describe_requirement,
    format_deadline,
    readiness,
)
from dentally_setup.portal.models import Requirements, StripeAccount


def account(*, charges: bool, payouts: bool | None = None, due: tuple[str, ...] = (),
            past_due: tuple[str, ...] = (), reason: str | None = None,
            deadline: str | None = None) -> StripeAccount:
    return StripeAccount(
        "acct_1", charges_enabled=charges,
        payouts_enabled=charges if payouts is None else payouts,
        details_submitted=charges,
        requirements=Requirements(due, past_due, reason, deadline),
    )


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("external_account", "the business's bank account"),
        ("representative.verification.document", "ID for the business's representative"),
        ("representative.first_name", "details of the business's representative"),
        ("directors.0.first_name", "details of the directors"),
        ("owners.1.dob.day", "details of the owners"),
        ("person_1AbCdEf.verification.document", "details of a person at the business"),
        ("individual.verification.document", "ID for the account holder"),
        ("individual.dob.day", "the account holder's personal details"),
        ("company.verification.document", "documents that confirm the business"),
        ("company.tax_id", "the business's tax or company number"),
        ("company.address.city", "the business's details"),
        ("business_profile.url", "the business's public details (website, what it sells)"),
        ("business_type", "the type of business"),
        ("tos_acceptance.date", "acceptance of Stripe's terms"),
        ("settings.payments.statement_descriptor", "how the business appears on card statements"),
    ],
)
def test_requirement_paths_in_words(path: str, words: str) -> None:
    assert describe_requirement(path) == words


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("capabilities.card_payments", "capabilities: card payments"),
        ("something_new", "something new"),
        ("plain", "plain"),
    ],
)
def test_unknown_paths_degrade_to_readable_text(path: str, words: str) -> None:
    assert describe_requirement(path) == words


def test_unknown_and_blank_paths_in_a_readiness() -> None:
    got = readiness(account(charges=False, due=("capabilities.card_payments", "", "  ",
                                                 "external_account")))
    assert got.needs == ("capabilities: card payments", "the business's bank account")
    assert got.needs_sentence == ("Stripe still needs: capabilities: card payments; "
                                  "the business's bank account")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("2026-12-12T10:00:00Z", "12 December 2026"),
        ("2026-12-12T10:00:00+00:00", "12 December 2026"),
        ("2026-03-01T00:00:00Z", "1 March 2026"),  # no leading zero
        ("2026-12-12", "12 December 2026"),
        (None, None),
        ("", None),
        ("next Tuesday", None),
        ("1765533600", None),  # not RFC 3339
    ],
)
def test_deadline_formatting(text: str | None, shown: str | None) -> None:
    assert format_deadline(text) == shown


def test_needs_sentence() -> None:
    r = Readiness(False, "h", ("the business's bank account", "ID for the account holder"),
                  "12 December 2026", "d")
    assert r.needs_sentence == ("Stripe still needs: the business's bank account; "
                                "ID for the account holder — by 12 December 2026")
    assert Readiness(False, "h", ("the type of business",), None, "d").needs_sentence == \
        "Stripe still needs: the type of business"
    assert Readiness(True, "h", (), "12 December 2026", "d").needs_sentence == ""


def test_ready() -> None:
    got = readiness(account(charges=True))
    assert got.ready
    assert got.headline == "This Stripe account can take payments."
    assert "as soon as you switch them on" in got.detail
    assert got.needs == () and got.needs_sentence == ""


def test_ready_but_payouts_held_still_lists_needs() -> None:
    got = readiness(account(charges=True, payouts=False, due=("external_account",),
                            deadline="2026-12-12T00:00:00Z"))
    assert got.ready
    assert "hold payouts" in got.detail
    assert got.needs_sentence == ("Stripe still needs: the business's bank account"
                                  " — by 12 December 2026")


def test_not_ready() -> None:
    got = readiness(account(
        charges=False,
        past_due=("company.tax_id",),
        due=("representative.verification.document",
             "representative.verification.additional_document", "external_account"),
        reason="requirements.past_due", deadline="2026-12-12T23:00:00Z"))
    assert not got.ready
    assert got.headline == "This Stripe account cannot take payments yet."
    # Overdue first; two paths with the same words are said once.
    assert got.needs == ("the business's tax or company number",
                         "ID for the business's representative",
                         "the business's bank account")
    assert got.deadline == "12 December 2026"
    assert got.detail.startswith("Stripe needs information that is now overdue. ")
    assert "prepare the payment settings now" in got.detail


@pytest.mark.parametrize(
    ("reason", "words"),
    [
        ("requirements.past_due", "Stripe needs information that is now overdue."),
        ("requirements.pending_verification", "Stripe is checking the information it was given."),
        ("under_review", "Stripe is reviewing the account."),
        ("listed", "Stripe is reviewing the account."),
        ("rejected.fraud", "Stripe has closed the account."),
        ("rejected.other", "Stripe has closed the account."),
    ],
)
def test_disabled_reason_words(reason: str, words: str) -> None:
    got = readiness(account(charges=False, reason=reason))
    assert got.detail.startswith(words + " Deposits cannot be taken")
    assert reason not in got.detail


@pytest.mark.parametrize("reason", [None, "", "platform_paused", "something.new"])
def test_unknown_or_missing_disabled_reason(reason: str | None) -> None:
    got = readiness(account(charges=False, reason=reason))
    assert got.detail.startswith("Deposits cannot be taken until Stripe finishes checking")
    assert not got.ready and got.needs_sentence == ""
