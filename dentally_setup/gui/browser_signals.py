"""What Stripe's page reports, as Qt signals: shared by the in-process ``LinkBrowser``
(webview.py) and ``RemoteLinkBrowser`` (remote_browser.py, the same page in the web host
process), so the link page, the autopilot and the tests drive either the same way. Kept
apart from both so that neither import pulls in the other (or QtWebEngine)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget


class BrowserSignals(QWidget):
    """The signals of Stripe's page (webhost_protocol.FORWARDED_SIGNALS lists them too)."""

    redirectReached = Signal()  # the browser reached the portal's redirect_uri
    connectedElsewhere = Signal()  # Stripe says the account serves another platform
    stripeError = Signal(str, str)  # (code, description)
    loadProgress = Signal(int)
    locationChanged = Signal(str, bool)  # (host shown, secure)
    pageKind = Signal(str)  # the page's data-page (signin, chooser, authorize...)
    externalRequested = Signal(str)  # a page outside Stripe wants opening
    certificateProblem = Signal(str)
    webAuthProblem = Signal(str)
    popupOpened = Signal(str)
    painted = Signal()  # first paint after the first successful load (for the benchmark)
