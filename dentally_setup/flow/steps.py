"""The wizard's pages as plain ids, shared by the GUI, the autopilot and resume."""

from __future__ import annotations

from enum import IntEnum


class Step(IntEnum):
    WELCOME = 0
    SIGN_IN = 1
    STRIPE_STATUS = 2
    GUIDANCE = 3
    LINK = 4
    ACCOUNT_CHECK = 5
    SETTINGS = 6
    REVIEW = 7
    DONE = 8

    @property
    def slug(self) -> str:
        """Stable name used in progress files, screenshots and the autopilot's JSON."""
        return self.name.lower().replace("_", "-")

    @property
    def title(self) -> str:
        return TITLES[self]

    @classmethod
    def from_slug(cls, slug: str) -> Step:
        for step in cls:
            if step.slug == slug:
                return step
        raise ValueError(f"unknown step {slug!r}")


TITLES: dict[Step, str] = {
    Step.WELCOME: "Welcome",
    Step.SIGN_IN: "Sign in to the portal",
    Step.STRIPE_STATUS: "Stripe status",
    Step.GUIDANCE: "A new Stripe account",
    Step.LINK: "Link with Stripe",
    Step.ACCOUNT_CHECK: "Account check",
    Step.SETTINGS: "Payment settings",
    Step.REVIEW: "Review and save",
    Step.DONE: "Done",
}

# The side list shows these; the guidance step appears only when it is needed.
MAIN_PATH: tuple[Step, ...] = (
    Step.WELCOME,
    Step.SIGN_IN,
    Step.STRIPE_STATUS,
    Step.LINK,
    Step.ACCOUNT_CHECK,
    Step.SETTINGS,
    Step.REVIEW,
    Step.DONE,
)
