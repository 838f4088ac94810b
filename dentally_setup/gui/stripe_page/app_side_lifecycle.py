"""When the web host process starts and ends, decided in one place from the wizard's step.

Stripe's page comes two pages after the sign-in for most practices, and the host takes
about half a second to start Python and Qt: so on the sign-in, Stripe status and guidance
steps a host is started ahead of time, idle (``app_side_process.prewarm``; an unclaimed one
ends by itself after two minutes), except on the way back from Stripe's page. The link
step's browser takes it. Any other step has no Stripe page ahead, so a host started for one
ends. The wizard calls ``on_step`` whenever its
current page changes; nothing else starts or ends a warm host.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

from dentally_setup.flow.steps import Step
from dentally_setup.gui.stripe_page.app_side_choice import software_rendering, use_web_host

log = logging.getLogger(__name__)

# Steps from which Stripe's page is likely next: a host is kept ready.
AHEAD: frozenset[Step] = frozenset({Step.SIGN_IN, Step.STRIPE_STATUS, Step.GUIDANCE})
# The link step: its browser has taken the host (or starts one); nothing to decide here.
SHOWN: frozenset[Step] = frozenset({Step.LINK})
# A moment after the page is on screen, so the page's first paint does not wait for it.
PREWARM_DELAY_MS = 150

_PROCESS_MODULE = "dentally_setup.gui.stripe_page.app_side_process"


class HostLifecycle(QObject):
    """Starts a host ahead of Stripe's page and ends it when no page is ahead.

    ``allow_scripts``: the app's mode (the demo and its autopilot script the imitation of
    Stripe; a host for a real practice refuses scripts). ``busy``: whether the current page
    is waiting for the portal; the host's start-up would compete with it for the CPU (the
    sign-in check must stay responsive), so the start waits until it is not."""

    def __init__(self, parent: QObject, *, allow_scripts: bool,
                 busy: Callable[[], bool]) -> None:
        super().__init__(parent)
        self._allow_scripts = allow_scripts
        self._busy = busy
        self._step: Step | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(PREWARM_DELAY_MS)
        self._timer.timeout.connect(self._prewarm_when_idle)

    def on_step(self, step: Step) -> None:
        """The wizard's current step changed."""
        # Back from Stripe's page: the person has just left it, and all of Chromium's memory
        # goes back with its host; a new one is started only if they press Next again.
        from_the_page = self._step in SHOWN
        self._step = step
        if step in AHEAD:
            if not from_the_page:
                self._timer.start()
            return
        self._timer.stop()
        if step not in SHOWN:
            drop_warm()

    def _prewarm_when_idle(self) -> None:
        if self._step not in AHEAD or not use_web_host():
            return
        if self._busy():
            self._timer.start()
            return
        # Deferred: the host's module brings QtNetwork, 30-60 ms on this machine (measured
        # with -X importtime), which the app's first window need not wait for.
        from dentally_setup.gui.stripe_page.app_side_process import prewarm

        prewarm(software_rendering=software_rendering(), allow_scripts=self._allow_scripts)


def drop_warm() -> None:
    """End a host started ahead of time, if there is one."""
    module = sys.modules.get(_PROCESS_MODULE)
    if module is not None:  # never started one: nothing to import, nothing to end
        module.drop_warm()
