"""Security-key and passkey prompts (WebAuthn) on Stripe's sign-in, Qt 6.7+.

The app shows no PIN entry or account picker of its own, so a request that needs one is
cancelled cleanly and the person is pointed to the browser route, which handles every kind
of key. A request that only needs a touch of the key is left to run."""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Signal
from PySide6.QtWebEngineCore import QWebEngineWebAuthUxRequest as Req

from dentally_setup.gui.stripe_page.engine_policy import WEBAUTH_MESSAGE

log = logging.getLogger(__name__)


class SecurityKeyGuard(QObject):
    problem = Signal(str)  # once per request that could not be completed here

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._request: Any = None

    def watch(self, request: Any) -> None:
        """Slot for QWebEnginePage.webAuthUxRequested."""
        self._request = request
        request.stateChanged.connect(self._state_changed)
        self._state_changed(request.state())

    def _state_changed(self, state: Any) -> None:
        request, states = self._request, Req.WebAuthUxState
        if request is None or not shiboken6.isValid(request):
            return
        log.info("security key request: %s", getattr(state, "name", state))
        # NotStarted, Discovery (Qt 6.12+), FinishTokenCollection: the key itself asks for
        # a touch.
        waiting = {getattr(states, name, None) for name in
                   ("NotStarted", "Discovery", "FinishTokenCollection")}
        if state in waiting - {None}:
            return
        self._request = None  # finished, one way or another: report it once
        if state == states.Completed:
            return
        if state != states.Cancelled:
            request.cancel()
        self.problem.emit(WEBAUTH_MESSAGE)
