"""The browser interface of Stripe's page, declared once: the signals it reports and the
methods the link page, the autopilot and the tests call. Two implementations:
``engine_view.LinkBrowser`` (QtWebEngine in this process) and
``app_side_remote.RemoteLinkBrowser`` (the same page in the web host process). Kept apart
from both so that neither import pulls in the other (or QtWebEngine)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget


class StripeBrowser(QWidget):
    """Stripe's page as a widget. Subclasses implement every method below that raises
    NotImplementedError; ``protocol.FORWARDED_SIGNALS`` names the signals the web host
    forwards, and a test holds it to this list."""

    redirectReached = Signal()  # the browser reached the portal's redirect_uri
    connectedElsewhere = Signal()  # Stripe says the account serves another platform
    stripeError = Signal(str, str)  # (code, description)
    loadProgress = Signal(int)
    locationChanged = Signal(str, bool)  # (host shown, secure: https)
    pageKind = Signal(str)  # the page's data-page (signin, chooser, authorize...)
    externalRequested = Signal(str)  # a page outside Stripe wants opening
    certificateProblem = Signal(str)
    webAuthProblem = Signal(str)
    popupOpened = Signal(str)  # a popup was shown in the view or offered to the browser
    painted = Signal()  # first paint after the first successful load (for the benchmark)

    def set_redirect_prefix(self, redirect_uri: str) -> None:
        """Name the portal's redirect_uri once the link session is known (the browser is
        made while the portal is asked, so Chromium starts during that wait)."""
        raise NotImplementedError

    def load(self, url: str) -> None:
        """Open ``url`` (Stripe's authorize URL); the navigation rules still apply."""
        raise NotImplementedError

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run ``script`` in the page (the demo's autopilot and the tests; a web host
        started for a real practice refuses it and answers None)."""
        raise NotImplementedError

    def click(self, selector: str) -> None:
        """Click the first element matching the CSS ``selector``, if there is one."""
        self.run_js(f"(function(){{var e=document.querySelector({json.dumps(selector)});"
                    "if(e){e.click();return true;}return false;})()")

    def snapshot(self, done: Callable[[], None]) -> None:
        """Call ``done`` once the page can be pictured with the app's window."""
        raise NotImplementedError

    def current_host(self) -> str:
        """The host shown in the address display ("" once closed)."""
        raise NotImplementedError

    def shutdown(self) -> None:
        """End the page and everything it used (no Stripe session left behind). Safe to
        call twice."""
        raise NotImplementedError
