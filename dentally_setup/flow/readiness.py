"""A linked Stripe account's readiness in people's words.

Stripe names what it still needs with field paths (``external_account``,
``representative.verification.document``...) and says why an account is held with a
``disabled_reason`` code. Reception staff need "the business's bank account", a date and a
next step, not paths or codes. The account check page, the Done page, ``status`` and
``doctor`` all describe an account from here, so they say the same thing.

The codes and key families are Stripe's (its OpenAPI ``account_requirements`` schema and the
``country_spec.verification_fields`` fixture, copied in tests/stripe_reference/); the tests
feed every one of them through this module.
"""

from __future__ import annotations

import re
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
    ("executives", "details of the business's executives"),
    ("person_", "details of a person at the business"),
    ("individual.verification", "ID for the account holder"),
    ("individual", "the account holder's personal details"),
    ("company.verification", "documents that confirm the business"),
    ("company.tax_id", "the business's tax or company number"),
    ("company.owners_provided", "confirmation that every owner is listed"),
    ("company.directors_provided", "confirmation that every director is listed"),
    ("company.executives_provided", "confirmation that every executive is listed"),
    ("company", "the business's details"),
    ("documents.bank_account_ownership_verification", "proof of who owns the bank account"),
    ("documents", "documents about the business"),
    ("business_profile", "the business's public details (website, what it sells)"),
    ("business_type", "the type of business"),
    ("tos_acceptance", "acceptance of Stripe's terms"),
    ("settings.payments", "how the business appears on card statements"),
    ("settings.card_payments", "how the business appears on card statements"),
    ("settings", "the account's settings in Stripe"),
)

# Every requirements.disabled_reason in Stripe's account schema: why payments are held.
_DISABLED: dict[str, str] = {
    "requirements.past_due": "Stripe needs information that is now overdue.",
    "requirements.pending_verification": "Stripe is checking the information it was given.",
    "under_review": "Stripe is reviewing the account.",
    "listed": "Stripe is reviewing the account.",
    "action_required.requested_capabilities": (
        "Stripe is waiting for the account to ask for card payments."),
    "platform_paused": "The Dentally Portal has paused payments for this account.",
    "other": "Stripe has paused payments for this account.",
    "rejected.fraud": "Stripe has closed the account.",
    "rejected.other": "Stripe has closed the account.",
    "rejected.listed": "Stripe has closed the account.",
    "rejected.terms_of_service": "Stripe has closed the account.",
    "rejected.incomplete_verification": "Stripe has closed the account.",
    "rejected.platform_fraud": "The Dentally Portal has closed the account.",
    "rejected.platform_other": "The Dentally Portal has closed the account.",
    "rejected.platform_terms_of_service": "The Dentally Portal has closed the account.",
}

# What to do next, for each reason (and for none).
_OPEN_STRIPE = "Open Stripe to give it these details, then press Check again."
_WAIT = "Nothing to do now: Stripe emails the account owner if it needs more. Check again later."
_ASK_DENTALLY = "Contact Dentally support to ask why."
_LINK_ANOTHER = ("Payments cannot be switched on for this account. Unlink it on the Stripe "
                 "status page and link another account, or ask Stripe support.")
_NEXT: dict[str, str] = {
    "requirements.past_due": _OPEN_STRIPE,
    "requirements.pending_verification": _WAIT,
    "under_review": _WAIT,
    "listed": "Stripe may ask the account owner for more details by email; reply to Stripe, "
              "or ask Stripe support.",
    "action_required.requested_capabilities": _ASK_DENTALLY,
    "platform_paused": _ASK_DENTALLY,
    "other": "Open Stripe to see what it says, or ask Stripe support.",
    "rejected.fraud": "Stripe closed it because it suspected fraud. " + _LINK_ANOTHER,
    "rejected.other": _LINK_ANOTHER,
    "rejected.listed": "Stripe closed it because the business or a person in it is on a "
                       "list Stripe must check. " + _LINK_ANOTHER,
    "rejected.terms_of_service": "Stripe closed it because of a breach of Stripe's terms. "
                                 + _LINK_ANOTHER,
    "rejected.incomplete_verification": "Stripe closed it because the details it asked for "
                                        "were not given in time. " + _LINK_ANOTHER,
    "rejected.platform_fraud": _ASK_DENTALLY,
    "rejected.platform_other": _ASK_DENTALLY,
    "rejected.platform_terms_of_service": _ASK_DENTALLY,
}
_NEXT_UNKNOWN = "Open Stripe to see what it says, then press Check again."

# Stripe's requirements.errors codes people meet most; others read from Stripe's reason.
_ERROR_CODES: dict[str, str] = {
    "verification_document_expired": "the document has expired",
    "verification_document_not_readable": "the document could not be read",
    "verification_document_not_uploaded": "the document was not uploaded",
    "verification_document_too_large": "the file is too large",
    "verification_failed_other": "Stripe could not verify it",
    "verification_failed_address_match": "the address did not match",
    "verification_failed_name_match": "the name did not match",
    "verification_failed_id_number_match": "the ID number did not match",
    "invalid_value_other": "the value was not accepted",
    "invalid_address_po_boxes_disallowed": "a PO box cannot be used",
    "invalid_url_format": "the website address is not valid",
    "invalid_phone_number": "the phone number is not valid",
}

HEADLINE_READY = "This Stripe account can take payments."
HEADLINE_NOT_READY = "This Stripe account cannot take payments yet."
HEADLINE_CLOSED = "This Stripe account has been closed and cannot take payments."
DETAIL_READY = "Deposits and online payments will work as soon as you switch them on."
DETAIL_PAYOUTS_HELD = ("Payments will work. Stripe will hold payouts to the bank until it has "
                       "everything it needs.")
DETAIL_NOT_READY = ("Deposits cannot be taken until Stripe finishes checking the account. You "
                    "can prepare the payment settings now; they start working once Stripe is "
                    "done.")
DETAIL_CLOSED = "Deposits cannot be taken with this account."


def describe_requirement(path: str) -> str:
    """A requirement key in words; a key this app has never seen still reads as words."""
    for prefix, words in _WORDS:
        if path.startswith(prefix):
            return words
    # Readable fallback: "capabilities.card_payments" -> "capabilities: card payments",
    # dropping list positions ("0") that mean nothing to a person.
    parts = [p for p in re.split(r"[.\[\]]+", path.strip()) if p and not p.isdigit()]
    return ": ".join(p.replace("_", " ").strip() for p in parts) or "details Stripe asked for"


def describe_error(requirement: str, code: str, reason: str = "") -> str:
    """One of Stripe's requirements.errors in words."""
    what = describe_requirement(requirement)
    why = _ERROR_CODES.get(code) or reason.strip().rstrip(".") or code.replace("_", " ")
    return f"{what}: {why}"


def describe_reason(reason: str | None) -> str:
    """Why Stripe holds the account, in words ("" when Stripe gave no reason)."""
    return _DISABLED.get(reason or "", "")


def is_final(reason: str | None) -> bool:
    """Stripe's rejected.* reasons are final: the account will not be reopened by waiting."""
    return bool(reason) and str(reason).startswith("rejected.")


def format_deadline(text: str | None) -> str | None:
    """RFC 3339 -> '12 December 2026' (None when absent or unreadable)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return f"{when.day} {when:%B %Y}"


def _words(paths: tuple[str, ...] | list[str], skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    out: list[str] = []
    for path in paths:
        if not path.strip():
            continue  # a blank path names nothing; it would show as an empty "; ;" item
        words = describe_requirement(path)
        if words not in out and words not in skip:
            out.append(words)
    return tuple(out)


@dataclass(frozen=True)
class Readiness:
    ready: bool
    headline: str
    needs: tuple[str, ...]
    deadline: str | None
    detail: str
    final: bool = False  # closed (rejected.*): never "being checked", never switched on
    next_step: str = ""
    checking: tuple[str, ...] = ()  # submitted; Stripe is checking them
    later: tuple[str, ...] = ()  # due later (eventually_due, future requirements)
    later_deadline: str | None = None
    problems: tuple[str, ...] = ()  # Stripe's requirements.errors in words

    @property
    def needs_sentence(self) -> str:
        """"Stripe still needs: the business's bank account; ID for a director — by 12 December"."""
        if not self.needs:
            return ""
        text = "Stripe still needs: " + "; ".join(self.needs)
        if self.deadline:
            text += f" — by {self.deadline}"
        return text

    @property
    def checking_sentence(self) -> str:
        return "Stripe is checking these: " + "; ".join(self.checking) if self.checking else ""

    @property
    def later_sentence(self) -> str:
        if not self.later:
            return ""
        text = "Due later: " + "; ".join(self.later)
        if self.later_deadline:
            text += f" — by {self.later_deadline}"
        return text

    @property
    def problems_sentence(self) -> str:
        if not self.problems:
            return ""
        return "Stripe did not accept: " + "; ".join(self.problems)

    def lines(self) -> list[str]:
        """Everything said about the account, one sentence a line (for the command line)."""
        parts = [self.headline, self.detail, self.problems_sentence, self.needs_sentence,
                 self.checking_sentence, self.later_sentence, self.next_step]
        return [p for p in parts if p]


def readiness(account: StripeAccount) -> Readiness:
    req = account.requirements
    needs = _words([*req.past_due, *req.currently_due])
    checking = _words(req.pending_verification, skip=needs)
    later = _words(req.eventually_due, skip=needs + checking)
    problems = tuple(dict.fromkeys(describe_error(e.requirement, e.code, e.reason)
                                   for e in req.errors))
    deadline = format_deadline(req.current_deadline)
    later_deadline = format_deadline(req.future_deadline)
    if is_final(req.disabled_reason):
        reason = describe_reason(req.disabled_reason) or "Stripe has closed the account."
        return Readiness(False, HEADLINE_CLOSED, (), None, f"{reason} {DETAIL_CLOSED}",
                         final=True, next_step=_NEXT.get(req.disabled_reason or "",
                                                         _LINK_ANOTHER),
                         checking=checking, later=later, later_deadline=later_deadline,
                         problems=problems)
    if account.charges_enabled:
        detail = DETAIL_READY if account.payouts_enabled else DETAIL_PAYOUTS_HELD
        step = _OPEN_STRIPE if needs else ""
        return Readiness(True, HEADLINE_READY, needs, deadline, detail, next_step=step,
                         checking=checking, later=later, later_deadline=later_deadline,
                         problems=problems)
    reason = describe_reason(req.disabled_reason)
    detail = (reason + " " if reason else "") + DETAIL_NOT_READY
    if needs and req.disabled_reason in (None, "requirements.past_due", "under_review",
                                         "requirements.pending_verification"):
        step = _OPEN_STRIPE  # something is asked of the practice: that comes first
    elif req.disabled_reason in _NEXT:
        step = _NEXT[req.disabled_reason or ""]
    else:
        step = _OPEN_STRIPE if needs else (_WAIT if checking else _NEXT_UNKNOWN)
    return Readiness(False, HEADLINE_NOT_READY, needs, deadline, detail, next_step=step,
                     checking=checking, later=later, later_deadline=later_deadline,
                     problems=problems)


def account_heading(account: StripeAccount) -> str:
    """"Riverside Dental Practice (acct_1...)": the name never blank, the id once."""
    name = account.display_name
    return name if name == account.id else f"{name} ({account.id})"


def account_lines(account: StripeAccount) -> list[str]:
    """The account described for the command line (``status`` and ``doctor``), in the same
    words as the account check page."""
    return [f"Account: {account_heading(account)}", *readiness(account).lines()]


def can_take_payments(account: StripeAccount | None) -> bool:
    """Whether payments can be switched on now: there is a linked account, Stripe lets it
    take charges, and Stripe has not closed it (rejected.* is final). The one test of this
    for the pages, the save plan and the CLI; the same answer as readiness().ready."""
    return (account is not None and account.charges_enabled
            and not is_final(account.requirements.disabled_reason))
