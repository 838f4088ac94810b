"""Which page comes next, and where a restart lands (flow.routing, flow.steps)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dentally_setup.flow.routing import after_stripe_status
from dentally_setup.flow.steps import MAIN_PATH, TITLES, Step
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import DentallyAppAccount, StripeAccount, StripeLink
from dentally_setup.sandbox import Sandbox

ACCOUNT = StripeAccount("acct_1", charges_enabled=True, payouts_enabled=True,
                        details_submitted=True)
APP = DentallyAppAccount("acct_app", "Riverside Dental Practice")


def link(linked: bool, *, app: bool = False) -> StripeLink:
    return StripeLink(
        status="linked" if linked else "unlinked",
        livemode=False,
        account=ACCOUNT if linked else None,
        dentally_app_account=APP if app else None,
    )


@pytest.mark.parametrize(
    ("stripe", "relink", "expected"),
    [
        (link(True), False, Step.ACCOUNT_CHECK),  # linked: check the account
        (link(True), True, Step.LINK),  # "unlink and link another"
        (link(True, app=True), True, Step.GUIDANCE),  # relink, but the login's account is taken
        (link(False, app=True), False, Step.GUIDANCE),  # dentally_app_account: new account first
        (link(False), False, Step.LINK),  # plain: link now
        (link(False), True, Step.LINK),
    ],
)
def test_after_stripe_status(stripe: StripeLink, relink: bool, expected: Step) -> None:
    assert after_stripe_status(stripe, relink=relink) is expected


@pytest.mark.parametrize("step", list(Step), ids=lambda s: s.slug)
def test_slugs_round_trip(step: Step) -> None:
    assert Step.from_slug(step.slug) is step
    assert step.title == TITLES[step] and step.title


def test_unknown_slug() -> None:
    with pytest.raises(ValueError, match="unknown step"):
        Step.from_slug("payment-settings")


def test_main_path_skips_guidance_only() -> None:
    assert [s for s in Step if s not in MAIN_PATH] == [Step.GUIDANCE]
    assert list(MAIN_PATH) == sorted(MAIN_PATH)


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("fresh", Step.LINK),
        ("already-connected", Step.GUIDANCE),
        ("already-linked", Step.ACCOUNT_CHECK),
    ],
)
def test_after_stripe_status_with_the_portal_answer(
    make_sandbox: Callable[..., Sandbox], client_for: Callable[..., PortalClient],
    scenario: str, expected: Step,
) -> None:
    stripe = client_for(make_sandbox(scenario)).stripe_link()
    assert after_stripe_status(stripe) is expected
