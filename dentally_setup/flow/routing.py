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


def resume_step(saved: Step, link: StripeLink) -> Step:
    """Where to land after a restart, given where the person was and what is true now.

    The link may have completed in the browser while the app was closed, or been undone
    in the web admin; the live state wins over the saved step.
    """
    if saved <= Step.SIGN_IN:
        return Step.SIGN_IN
    if saved in (Step.STRIPE_STATUS, Step.GUIDANCE, Step.LINK):
        return Step.ACCOUNT_CHECK if link.linked else Step.STRIPE_STATUS
    # Past the link: if it has gone since, the person must link again first.
    if not link.linked:
        return Step.STRIPE_STATUS
    if saved == Step.DONE:
        return Step.SETTINGS
    return saved
