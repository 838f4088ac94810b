"""Stripe's page from a web host process (``host_side.py``), shown inside the link page.

``RemoteLinkBrowser`` has the signals and methods of ``LinkBrowser``, so the link page, the
autopilot and the tests drive either the same way. Leaving the page ends the host process
(``app_side_process.py``), and with it every Chromium process and the memory they held (an
in-process QtWebEngine keeps both until the app exits).
"""

from __future__ import annotations

import itertools
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ClassVar

from PySide6.QtCore import (
    QCoreApplication,
    QEvent,
    QObject,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QFocusEvent,
    QGuiApplication,
    QImage,
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QVBoxLayout, QWidget

from dentally_setup.gui.stripe_page.app_side_process import take_host
from dentally_setup.gui.stripe_page.engine_policy import PAGE_CRASHED
from dentally_setup.gui.stripe_page.interface import StripeBrowser
from dentally_setup.gui.stripe_page.protocol import FORWARDED_SIGNALS, Command, Event
from dentally_setup.gui.stripe_page.x11focus import give_focus

log = logging.getLogger(__name__)


# ---- the widget -------------------------------------------------------------------------

class _Holder(QWidget):
    """The native window the host's window is put into. Where the host cannot be put inside
    (offscreen), or for a screenshot, it paints the host's last snapshot instead."""

    resized = Signal(int, int)
    tabbedIn = Signal(bool)  # True for Shift+Tab

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_NativeWindow)
        # In the tab order, so the keyboard can reach Stripe's page (it is handed over to
        # the host's window when Tab lands here).
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.image: QImage | None = None
        self.quiet_focus = False  # focus given back by the host: not a Tab into the page

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        reason = event.reason()
        if not self.quiet_focus and reason in (Qt.FocusReason.TabFocusReason,
                                               Qt.FocusReason.BacktabFocusReason):
            self.tabbedIn.emit(reason == Qt.FocusReason.BacktabFocusReason)
        self.quiet_focus = False

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().base())
        if self.image is not None and not self.image.isNull():
            painter.drawImage(0, 0, self.image)
        else:  # until the host's window covers this one
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             self.tr("Opening Stripe's page…"))
        painter.end()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.resized.emit(self.width(), self.height())


class _ClickBack(QObject):
    """While the host's window has the keyboard, a click anywhere in our own window takes
    it back (X11 only: Windows moves the keyboard between the two windows by itself).
    Application-wide, as a click may land on any widget; only while the page is shown, and
    never with QtWebEngine in this process (such a filter crashes PySide6 there)."""

    def __init__(self, browser: RemoteLinkBrowser) -> None:
        super().__init__(browser)
        self._browser = browser
        self._app = QCoreApplication.instance()
        if QGuiApplication.platformName() == "xcb" and self._app is not None:
            self._app.installEventFilter(self)
        else:
            self._app = None

    def remove(self) -> None:
        if self._app is not None:
            self._app.removeEventFilter(self)
            self._app = None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.MouseButtonPress and self._browser.keyboard_in_page
                and isinstance(watched, QWidget) and watched.window() is self._browser.window()):
            self._browser.keyboard_back()
        return False


class RemoteLinkBrowser(StripeBrowser):
    """Stripe's page in a web host process, with LinkBrowser's signals and methods."""

    def __init__(self, redirect_prefix: str, allowed_hosts: Sequence[str],
                 parent: QWidget | None = None, *, software_rendering: bool = False,
                 allow_scripts: bool = False) -> None:
        super().__init__(parent)
        self._closed = False
        self._host_name = ""
        self._calls = itertools.count(1)
        self._callbacks: dict[int, Callable[[Any], None]] = {}
        self._grabs: dict[int, tuple[str, Callable[[], None]]] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._holder = _Holder(self)
        self._holder.setAccessibleName(self.tr("Stripe's page"))
        self._holder.setAccessibleDescription(self.tr(
            "Tab moves into Stripe's page; F6 comes back to the app's buttons."))
        layout.addWidget(self._holder)
        self.setFocusProxy(self._holder)  # the tab stop for the page
        self._holder.resized.connect(self._send_size)

        self.host = take_host(software_rendering, allow_scripts)
        self.host.message.connect(self._on_event)
        self.host.ended.connect(self._host_ended)
        self._holder.tabbedIn.connect(self._give_keyboard)
        # Whether the host's window has the keyboard (X11: then a click on our own widgets
        # must take it back, as the window manager sees our window as focused already).
        self.keyboard_in_page = False
        self._click_back = _ClickBack(self)
        embed = int(self._holder.winId()) if QGuiApplication.platformName() != "offscreen" else 0
        # No size until the placeholder is laid out (its first resize sends one).
        laid_out = self._holder.isVisible()
        self.host.send({"cmd": Command.OPEN, "prefix": redirect_prefix,
                        "hosts": list(allowed_hosts), "embed": embed,
                        "w": self._holder.width() if laid_out else 0,
                        "h": self._holder.height() if laid_out else 0})

    # ---- LinkBrowser's API ------------------------------------------------------------

    def set_redirect_prefix(self, redirect_prefix: str) -> None:
        self.host.send({"cmd": Command.PREFIX, "prefix": redirect_prefix})

    def load(self, url: str) -> None:
        self.host.send({"cmd": Command.LOAD, "url": url})

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        if self._closed:
            return
        if callback is None:
            self.host.send({"cmd": Command.JS, "id": None, "script": script})
            return
        call_id = next(self._calls)
        self._callbacks[call_id] = callback
        self.host.send({"cmd": Command.JS, "id": call_id, "script": script})

    def snapshot(self, done: Callable[[], None]) -> None:
        """Fetch a picture of the host's page and paint it in the placeholder, so a
        screenshot of the app's window shows Stripe's page; then call ``done``."""
        if self._closed:
            done()
            return
        fd, path = tempfile.mkstemp(prefix="dentally-web-", suffix=".png")
        os.close(fd)
        call_id = next(self._calls)
        self._grabs[call_id] = (path, done)
        self.host.send({"cmd": Command.GRAB, "id": call_id, "path": path})

    def current_host(self) -> str:
        return "" if self._closed else self._host_name

    def shutdown(self) -> None:
        """End the host process (and every Chromium process with it). Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._callbacks.clear()
        for path, _done in self._grabs.values():
            Path(path).unlink(missing_ok=True)
        self._grabs.clear()
        self.host.message.disconnect(self._on_event)
        self.host.ended.disconnect(self._host_ended)
        self.host.stop()
        self._holder.hide()
        self._click_back.remove()
        if self.keyboard_in_page:
            self.keyboard_back()

    # ---- internals --------------------------------------------------------------------

    def _send_size(self, width: int, height: int) -> None:
        if not self._closed:
            self.host.send({"cmd": Command.SIZE, "w": width, "h": height})

    def _on_event(self, msg: dict[str, Any]) -> None:
        if self._closed:
            return
        try:
            handler = self.HANDLERS[Event(str(msg.get("ev")))]
        except (KeyError, ValueError):
            log.warning("ignored an unknown event %r from the web host", msg.get("ev"))
            return
        handler(self, msg)

    def _on_signal(self, msg: dict[str, Any]) -> None:
        args = msg.get("args")
        self._forward(str(msg.get("name")), args if isinstance(args, list) else [])

    def _on_js(self, msg: dict[str, Any]) -> None:
        if msg.get("refused"):
            log.warning("the web host refused to run a script (not the demo)")
        callback = self._callbacks.pop(int(msg.get("id") or 0), None)
        if callback is not None:
            callback(msg.get("result"))

    def _on_grabbed(self, msg: dict[str, Any]) -> None:
        self._grabbed(int(msg.get("id") or 0), bool(msg.get("ok")))

    def _on_keyboard_taken(self, _msg: dict[str, Any]) -> None:
        self.keyboard_in_page = True

    def _on_focus_out(self, msg: dict[str, Any]) -> None:
        self._take_keyboard_back(bool(msg.get("forward")))

    def _on_opened(self, msg: dict[str, Any]) -> None:
        if not msg.get("embedded"):
            log.info("the web host's window is separate (no native windows here)")

    def _forward(self, name: str, args: list[Any]) -> None:
        count = FORWARDED_SIGNALS.get(name)
        if count is None or len(args) != count:
            log.warning("ignored an unknown signal %r from the web host", name)
            return
        if name == "locationChanged":
            self._host_name = str(args[0])
        elif name == "redirectReached":
            self._holder.hide()  # the portal's page is never shown
        getattr(self, name).emit(*args)

    def keyboard_back(self) -> None:
        """The app's window takes the keyboard back from the host's."""
        self.keyboard_in_page = False
        if not give_focus(int(self.window().winId())):
            self.window().activateWindow()

    def _give_keyboard(self, backward: bool) -> None:
        """Tab reached the page: the host takes the keyboard and puts it on the page's
        first (or last) control."""
        self.host.send({"cmd": Command.FOCUS, "backward": backward})
        self.keyboard_in_page = True

    def _take_keyboard_back(self, forward: bool) -> None:
        """Tab went past the page's last control (or Shift+Tab before its first): the
        keyboard comes back to the app, on the control after (or before) the page."""
        log.info("keyboard back from Stripe's page")
        self.keyboard_back()
        self._holder.quiet_focus = True
        self._holder.setFocus(Qt.FocusReason.OtherFocusReason)
        widget: QWidget | None = self._holder
        for _ in range(500):  # the focus chain is a ring; stop if it has no other stop
            assert widget is not None
            widget = widget.nextInFocusChain() if forward else widget.previousInFocusChain()
            if widget is None or widget is self._holder:
                return
            if (widget.isVisible() and widget.isEnabled()
                    and widget.focusPolicy() & Qt.FocusPolicy.TabFocus):
                widget.setFocus(Qt.FocusReason.TabFocusReason if forward
                                else Qt.FocusReason.BacktabFocusReason)
                return

    def _grabbed(self, call_id: int, ok: bool) -> None:
        entry = self._grabs.pop(call_id, None)
        if entry is None:
            return
        path, done = entry
        try:
            if ok:
                self._holder.image = QImage(path)
                self._holder.update()
        finally:
            Path(path).unlink(missing_ok=True)
        done()

    def _host_ended(self, why: str) -> None:
        if self._closed:
            return
        log.warning("the web host ended while the page was shown: %s", why)
        self._closed = True
        self._holder.hide()
        self._click_back.remove()
        if self.keyboard_in_page:
            self.keyboard_back()
        self.stripeError.emit(*PAGE_CRASHED)

    # The host's events this browser acts on (HELLO and LOG are WebHostProcess's own); a
    # test holds the two tables together to Event.
    HANDLERS: ClassVar[dict[Event, Callable[[RemoteLinkBrowser, dict[str, Any]], None]]] = {
        Event.OPENED: _on_opened,
        Event.SIGNAL: _on_signal,
        Event.JS: _on_js,
        Event.GRABBED: _on_grabbed,
        Event.KEYBOARD_TAKEN: _on_keyboard_taken,
        Event.FOCUS_OUT: _on_focus_out,
    }
