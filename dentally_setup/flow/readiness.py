"""A linked Stripe account's readiness in people's words.

Stripe names what it still needs with field paths (``external_account``,
``representative.verification.document``...). Reception staff need "the business's bank
account" and a date, not paths.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dentally_setup.portal.models import StripeAccount

# Most specific first: the first prefix that matches a requirement names it.
_WORDS: tuple[tuple[str, str], ...] = (
    ("external_account", "the business's bank account"),
    ("representative.verification", "ID for the business's representative"),
    ("representative", "details of the business's representative"),
    ("directors", "details of the directors"),
    ("owners", "details of the owners"),
    ("person_", "details of a person at the business"),
    ("individual.verification", "ID for the account holder"),
    ("individual", "the account holder's personal details"),
    ("company.verification", "documents that confirm the business"),
    ("company.tax_id", "the business's tax or company number"),
    ("company", "the business's details"),
    ("business_profile", "the business's public details (website, what it sells)"),
    ("business_type", "the type of business"),
    ("tos_acceptance", "acceptance of Stripe's terms"),
    ("settings.payments", "how the business appears on card statements"),
)

_DISABLED: dict[str, str] = {
    "requirements.past_due": "Stripe needs information that is now overdue.",
    "requirements.pending_verification": "Stripe is checking the information it was given.",
    "under_review": "Stripe is reviewing the account.",
    "rejected.fraud": "Stripe has closed the account.",
    "rejected.other": "Stripe has closed the account.",
    "listed": "Stripe is reviewing the account.",
}


def describe_requirement(path: str) -> str:
    for prefix, words in _WORDS:
        if path.startswith(prefix):
            return words
    return path.replace("_", " ").replace(".", ": ")


def format_deadline(text: str | None) -> str | None:
    """RFC 3339 -> '12 December 2026' (None when absent or unreadable)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return f"{when.day} {when:%B %Y}"


@dataclass(frozen=True)
class Readiness:
    ready: bool
    headline: str
    needs: tuple[str, ...]
    deadline: str | None
    detail: str

    @property
    def needs_sentence(self) -> str:
        """"Stripe still needs: the business's bank account; ID for a director — by 12 December"."""
        if not self.needs:
            return ""
        text = "Stripe still needs: " + "; ".join(self.needs)
        if self.deadline:
            text += f" — by {self.deadline}"
        return text


def readiness(account: StripeAccount) -> Readiness:
    req = account.requirements
    needs: list[str] = []
    for path in (*req.past_due, *req.currently_due):
        if not path.strip():
            continue  # a blank path names nothing; it would show as an empty "; ;" item
        words = describe_requirement(path)
        if words not in needs:
            needs.append(words)
    deadline = format_deadline(req.current_deadline)
    if account.charges_enabled:
        headline = "This Stripe account can take payments."
        detail = (
            "Deposits and online payments will work as soon as you switch them on."
            if account.payouts_enabled
            else "Payments will work. Stripe will hold payouts to the bank until it has "
            "everything it needs."
        )
        return Readiness(True, headline, tuple(needs), deadline, detail)
    headline = "This Stripe account cannot take payments yet."
    reason = _DISABLED.get(req.disabled_reason or "", "")
    detail = (
        (reason + " " if reason else "")
        + "Deposits cannot be taken until Stripe finishes checking the account. You can "
        "prepare the payment settings now; they start working once Stripe is done."
    )
    return Readiness(False, headline, tuple(needs), deadline, detail)


def can_take_payments(account: StripeAccount | None) -> bool:
    """Whether payments can be switched on now: there is a linked account and Stripe lets
    it take charges. The one test of this for the pages, the save plan and the CLI."""
    return account is not None and account.charges_enabled
