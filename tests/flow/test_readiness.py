"""A linked account's readiness in people's words (flow.readiness)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dentally_setup.flow.readiness import (
    Readiness,
    account_heading,
    account_lines,
    describe_requirement,
    format_deadline,
    readiness,
)
from dentally_setup.portal.models import RequirementError, Requirements, StripeAccount


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


@pytest.mark.parametrize("reason", [None, "", "something.new"])
def test_unknown_or_missing_disabled_reason(reason: str | None) -> None:
    got = readiness(account(charges=False, reason=reason))
    assert got.detail.startswith("Deposits cannot be taken until Stripe finishes checking")
    assert not got.ready and got.needs_sentence == ""


# ---- Stripe's own lists (tests/stripe_reference) -----------------------------------------

REFERENCE = Path(__file__).resolve().parents[1] / "stripe_reference"
SCHEMA = json.loads((REFERENCE / "account-schema-excerpt.json").read_text("utf-8"))
FIXTURES = json.loads((REFERENCE / "fixtures3-account-country_spec.json").read_text("utf-8"))
REASONS = SCHEMA["components"]["schemas"]["account_requirements"]["properties"][
    "disabled_reason"]["enum"]


def _fixture_keys() -> list[str]:
    res = FIXTURES["resources"]
    keys: set[str] = set()
    for kind in res["country_spec"]["verification_fields"].values():
        keys.update(kind["minimum"], kind["additional"])
    for block in (res["account"]["requirements"], res["account"]["future_requirements"]):
        for name in ("currently_due", "eventually_due", "past_due", "pending_verification"):
            keys.update(block[name])
    return sorted(keys)


# Key families Stripe uses that the fixtures do not happen to list.
OTHER_FAMILIES = [
    "directors.dob.day", "executives.first_name", "person_1AbCdEf.verification.document",
    "documents.company_registration_verification.files",
    "documents.bank_account_ownership_verification.files", "company.directors_provided",
    "company.executives_provided", "company.verification.document",
    "individual.verification.additional_document", "settings.dashboard.display_name",
]


def test_reference_lists_are_what_stripe_publishes() -> None:
    assert len(REASONS) == 15 and "rejected.fraud" in REASONS
    assert len(_fixture_keys()) > 40


@pytest.mark.parametrize("key", _fixture_keys() + OTHER_FAMILIES)
def test_every_requirement_key_reads_as_words(key: str) -> None:
    words = describe_requirement(key)
    # A known family, not the readable fallback ("x: y"), and never the raw key.
    assert words != key and "." not in words and "_" not in words and ":" not in words
    got = readiness(account(charges=False, due=(key,)))
    assert key not in " ".join(got.lines())


@pytest.mark.parametrize("reason", REASONS)
def test_every_disabled_reason_has_words_and_a_next_step(reason: str) -> None:
    got = readiness(account(charges=False, reason=reason))
    text = " ".join(got.lines())
    assert reason not in text
    assert got.detail.split(". ")[0] + "." != "Deposits cannot be taken until Stripe finishes " \
        "checking the account."  # words of its own, not only the generic sentence
    assert got.next_step
    if reason.startswith("rejected."):
        assert got.final and not got.ready
        assert "checking" not in text and "being checked" not in text
        assert "prepare the payment settings" not in text  # no offer to switch payments on
        assert "closed" in got.headline
    else:
        assert not got.final


def test_a_rejected_account_is_final_even_with_charges_still_enabled() -> None:
    got = readiness(account(charges=True, reason="rejected.fraud"))
    assert got.final and not got.ready
    assert "suspected fraud" in got.next_step


def test_pending_verification_and_due_later_and_errors() -> None:
    acct = StripeAccount(
        "acct_1", charges_enabled=True, payouts_enabled=True, details_submitted=True,
        requirements=Requirements(
            currently_due=("external_account",),
            eventually_due=("external_account", "company.tax_id", "owners.first_name"),
            pending_verification=("representative.verification.document",),
            errors=(RequirementError("individual.verification.document",
                                     "verification_document_expired", "It expired."),
                    RequirementError("company.tax_id", "some_new_code", "")),
            future_deadline="2027-01-31T00:00:00Z"))
    got = readiness(acct)
    assert got.checking_sentence == ("Stripe is checking these: ID for the business's "
                                     "representative")
    # Due later: what is not already due now, with the future deadline.
    assert got.later_sentence == ("Due later: the business's tax or company number; details "
                                  "of the owners — by 31 January 2027")
    assert got.problems == ("ID for the account holder: the document has expired",
                            "the business's tax or company number: some new code")
    lines = account_lines(acct)
    assert lines[0] == "Account: acct_1"
    assert got.needs_sentence in lines and got.later_sentence in lines
    assert all("_" not in line.split(": ", 1)[-1] for line in lines[1:])


@pytest.mark.parametrize(
    ("name", "email", "shown"),
    [("Riverside", "r@x.example", "Riverside (acct_1)"),
     (None, "r@x.example", "r@x.example (acct_1)"),
     ("  ", None, "acct_1"), (None, "", "acct_1")],
)
def test_account_name_never_blank(name: str | None, email: str | None, shown: str) -> None:
    acct = StripeAccount("acct_1", False, False, False, business_name=name, email=email)
    assert account_heading(acct) == shown


def test_the_15_minute_link_limit_is_the_portals() -> None:
    from dentally_setup.flow.messages import for_link

    what = for_link("expired").what
    assert "portal allows 15 minutes" in what and "Stripe allows" not in what


def test_can_take_payments_agrees_with_readiness_for_a_closed_account() -> None:
    from dentally_setup.flow.readiness import can_take_payments

    closed = account(charges=True, reason="rejected.other")
    assert can_take_payments(closed) is False and readiness(closed).ready is False
    assert can_take_payments(account(charges=True)) is True
