"""What a wizard page may ask of the window around it, declared once.

A page is given a ``PageServices`` when it is made (as gh hands each command its few
dependencies instead of the whole program) and tells the window what happened through its
own signals (``BasePage``: contentReady, progressChanged, backRequested, environmentKnown,
problemShown; the link and welcome pages add a few), which the wizard connects. So a page
never reaches for the wizard, and the wizard is the only one that knows every page.

``DemoWorld`` is what the GUI needs of the demo world. The entry point starts the sandbox
and hands it over as one; gui/ never imports sandbox/.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from dentally_setup.gui.zoom import Zoom


class DemoWorld(Protocol):
    """The embedded demo world, as the wizard, its pages and the autopilot use it."""

    @property
    def scenario(self) -> str: ...
    @property
    def portal_url(self) -> str: ...
    @property
    def token(self) -> str: ...
    @property
    def stripe_url(self) -> str: ...
    @property
    def demo_password(self) -> str:
        """The password the demo's Stripe sign-in page shows (and accepts)."""
        ...

    def scenarios(self) -> Mapping[str, str]:
        """Each scenario's name, and what it shows, in menu order."""
        ...

    def reset(self, scenario: str | None = None) -> None:
        """Start the demo over, optionally as another scenario."""
        ...

    def dashboard_url(self, account_id: str) -> str: ...

    def complete_verification(self, account_id: str) -> None:
        """What the account owner does on Stripe's dashboard: give Stripe all it asked for,
        so the account can take payments."""
        ...


class PageServices(Protocol):
    """The few things a page asks of the window and needs an answer (or an effect) from."""

    @property
    def demo(self) -> DemoWorld | None: ...
    @property
    def zoom(self) -> Zoom | None: ...
    @property
    def screenshots_wanted(self) -> bool: ...

    def take_screenshot(self, name: str) -> None: ...

    def ask(self, title: str, text: str) -> QMessageBox.StandardButton:
        """A yes/no question; tests and the autopilot answer it themselves."""
        ...

    def open_external(self, url: str) -> None:
        """Open ``url`` in the system's web browser."""
        ...

    def dashboard_url(self, account_id: str) -> str: ...

    def remember_portal(self, url: str, token: str, remember: bool) -> None:
        """Keep the portal's address (and, if asked, its token) for next time."""
        ...
