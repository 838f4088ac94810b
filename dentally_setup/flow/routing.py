"""Which page comes next: the wizard's branching as plain functions (tested without Qt)."""

from __future__ import annotations

from dentally_setup.flow.steps import Step
from dentally_setup.portal.models import StripeLink


def after_stripe_status(link: StripeLink, *, relink: bool = False) -> Step:
    """Linked: check the account. Not linked: link now, unless the practice's Stripe account
    already serves the Dentally app, in which case a new account is needed first."""
    if link.linked and not relink:
        return Step.ACCOUNT_CHECK
    if link.dentally_app_account is not None:
        return Step.GUIDANCE
    return Step.LINK
