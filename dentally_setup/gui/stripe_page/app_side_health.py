"""Whether the web host really shows Stripe's page, checked from the app.

The separate process is the default on Windows and X11, but it has only ever run on Linux
here: if it misbehaves on a reception PC, the person must not be left with a blank or
detached page. ``HostWatch`` reports ``failed`` when the host ends or crashes while the page
is shown, stops answering, or is asked to sit inside our window and does not: its window
must be a child of our placeholder at the placeholder's size, asked of the window system
itself (the X11 window tree; on Windows ``GetParent``/``IsWindowVisible``/``GetWindowRect``),
within ``SHOW_CHECK_MS``; and once Stripe's page has loaded,
it must have painted it within ``PAINT_CHECK_MS`` (a blank page is no page). The load itself
is not timed: a slow network is not the host's fault. ``RemoteLinkBrowser`` then shows the
page in the app's own process instead.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from dentally_setup.gui.stripe_page.app_side_process import WebHostProcess
from dentally_setup.gui.stripe_page.protocol import Command
from dentally_setup.gui.stripe_page.win32windows import child_sizes as windows_child_sizes
from dentally_setup.gui.stripe_page.x11focus import child_sizes as x11_child_sizes

log = logging.getLogger(__name__)

# Which windows sit directly inside one of ours, and their sizes, asked of the window system:
# chosen once, as the platform does not change while the app runs. Each answers None where
# it cannot ask (X11 not in use, say), and the check then stands aside.
child_sizes: Callable[[int], list[tuple[int, int]] | None] = (
    windows_child_sizes if sys.platform == "win32" else x11_child_sizes)

PING_EVERY_MS = 2_000
# Chromium's start can hold the host's event loop for a few seconds on a busy 2-core PC, so
# silence is allowed for a while before the host counts as hung.
SILENCE_LIMIT_MS = 15_000
SHOW_CHECK_MS = 5_000  # after the host says its window is inside ours, and ours is shown
PAINT_CHECK_MS = 5_000  # after the page has loaded, while ours is shown
_CHECK_EVERY_MS = 200
_SIZE_SLACK = 2  # pixels: rounding between device-independent and device pixels


class HostWatch(QObject):
    """Watches one host while Stripe's page is shown. ``failed`` fires once, with why."""

    failed = Signal(str)

    def __init__(self, host: WebHostProcess, holder: QWidget, parent: QObject) -> None:
        super().__init__(parent)
        self._host = host
        self._holder = holder
        self._done = False
        self._last_heard = time.monotonic()
        self._ping = QTimer(self)
        self._ping.setInterval(PING_EVERY_MS)
        self._ping.timeout.connect(self._tick)
        self._ping.start()
        self._embed_check = QTimer(self)
        self._embed_check.setInterval(_CHECK_EVERY_MS)
        self._embed_check.timeout.connect(self._check_embedded)
        self._shown_checks = 0
        self._loaded = self._painted = False
        self._paint_check = QTimer(self)
        self._paint_check.setSingleShot(True)
        self._paint_check.setInterval(PAINT_CHECK_MS)
        self._paint_check.timeout.connect(self._paint_overdue)
        host.hello.connect(self.heard)
        host.ended.connect(self._ended)
        if host.finished:  # a warm host that ended a moment ago
            QTimer.singleShot(0, self, lambda: self._ended("had already ended"))

    def heard(self) -> None:
        """The host said something: it is still answering."""
        self._last_heard = time.monotonic()

    def opened(self, asked_to_embed: bool, embedded: bool) -> None:
        """The host made its browser; check its window is where it says."""
        if not asked_to_embed:
            return  # no native windows here (offscreen): the page is pictured, not embedded
        if not embedded:
            self._fail("its window could not be put inside the app's window")
            return
        self._embed_check.start()

    def page_loaded(self) -> None:
        """Stripe's page has loaded in the host: it must paint it soon."""
        if not self._loaded and not self._painted and not self._done:
            self._loaded = True
            self._paint_check.start()

    def painted(self) -> None:
        self._painted = True
        self._paint_check.stop()

    def stop(self) -> None:
        self._done = True
        self._ping.stop()
        self._embed_check.stop()
        self._paint_check.stop()

    def _tick(self) -> None:
        if self._done or not self._host.connected:
            return  # still starting: WebHostProcess ends it if it never says hello
        silent_ms = (time.monotonic() - self._last_heard) * 1000
        if silent_ms > SILENCE_LIMIT_MS:
            self._fail(f"it stopped answering ({silent_ms / 1000:.0f} s without a word)")
            return
        self._host.send({"cmd": Command.PING})

    def _check_embedded(self) -> None:
        holder = self._holder
        if not holder.isVisible() or holder.width() <= 0 or holder.height() <= 0:
            return  # the page is not on screen: nothing to see yet
        sizes = child_sizes(int(holder.winId()))
        if sizes is None:  # neither X11 nor Windows: the window system cannot be asked here
            self._embed_check.stop()
            return
        want_w, want_h = holder.width() * holder.devicePixelRatio(), (
            holder.height() * holder.devicePixelRatio())
        if any(abs(w - want_w) <= _SIZE_SLACK and abs(h - want_h) <= _SIZE_SLACK
               for w, h in sizes):
            log.info("the web host's window is inside the app's, at the page's size")
            self._embed_check.stop()
            return
        self._shown_checks += 1
        if self._shown_checks * _CHECK_EVERY_MS >= SHOW_CHECK_MS:
            self._fail(f"its window did not appear inside the app's window (found {sizes})")

    def _paint_overdue(self) -> None:
        if not self._holder.isVisible():
            self._paint_check.start()  # not on screen, so nothing to paint yet: look again
            return
        self._fail("it loaded Stripe's page but did not paint it")

    def _ended(self, why: str) -> None:
        self._fail(f"it ended ({why})")

    def _fail(self, why: str) -> None:
        if self._done:
            return
        self.stop()
        self.failed.emit(why)
