"""Which module and class make each wizard page; pages are made on first use.

Each page is built (and its module imported) when the wizard first goes to it, so the
window paints without paying for pages the person may never reach.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices

PAGES: dict[Step, tuple[str, str]] = {
    Step.WELCOME: ("welcome", "WelcomePage"),
    Step.SIGN_IN: ("sign_in", "SignInPage"),
    Step.STRIPE_STATUS: ("stripe_status", "StripeStatusPage"),
    Step.GUIDANCE: ("guidance", "GuidancePage"),
    Step.LINK: ("link", "LinkPage"),
    Step.ACCOUNT_CHECK: ("account_check", "AccountCheckPage"),
    Step.SETTINGS: ("payment_settings", "PaymentSettingsPage"),
    Step.REVIEW: ("review", "ReviewPage"),
    Step.DONE: ("done", "DonePage"),
}


class LazyPages(dict[Step, BasePage]):
    """The wizard's pages, each made on first use (with the state and the services every
    page is given) and handed to ``register`` (which adds it to the wizard)."""

    def __init__(self, state: WizardState, services: PageServices,
                 register: Callable[[Step, BasePage], None]) -> None:
        super().__init__()
        self._state = state
        self._services = services
        self._register = register

    def __missing__(self, step: Step) -> BasePage:
        module, name = PAGES[step]
        cls = getattr(importlib.import_module(f"dentally_setup.gui.pages.{module}"), name)
        page: BasePage = cls(self._state, self._services)
        self[step] = page
        self._register(step, page)
        return page

    def build_next(self, page: object) -> None:
        """Build the page after ``page`` now, while the person is still on it (for a page
        that asks, ``warm_next``)."""
        next_id = page.nextId() if isinstance(page, BasePage) and page.warm_next else -1
        if next_id >= 0 and Step(next_id) not in self:
            self[Step(next_id)]
