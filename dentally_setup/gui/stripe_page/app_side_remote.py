"""Stripe's page from a web host process (``host_side.py``), shown inside the link page.

``RemoteLinkBrowser`` implements ``StripeBrowser``, so the link page, the autopilot and the
tests drive it as they drive ``LinkBrowser``. Leaving the page ends the host process
(``app_side_process.py``), and with it every Chromium process and the memory they held (an
in-process QtWebEngine keeps both until the app exits).

If the host does not really show the page (``app_side_health.HostWatch``: it ends, stops
answering, or its window is not inside ours), it is ended and the same page opens in the
app's own process, in the same place, for the same link session; this PC then keeps to the
app's own process (``app_side_choice.remember_web_host_failed``).
"""

from __future__ import annotations

import itertools
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QVBoxLayout, QWidget

if TYPE_CHECKING:
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser

from dentally_setup.flow import messages
from dentally_setup.gui.stripe_page.app_side_choice import (
    prepare_in_process_engine,
    remember_web_host_failed,
)
from dentally_setup.gui.stripe_page.app_side_health import HostWatch
from dentally_setup.gui.stripe_page.app_side_holder import ClickBack, Placeholder
from dentally_setup.gui.stripe_page.app_side_process import take_host
from dentally_setup.gui.stripe_page.interface import StripeBrowser
from dentally_setup.gui.stripe_page.protocol import FORWARDED_SIGNALS, Command, Event
from dentally_setup.gui.stripe_page.x11focus import give_focus

log = logging.getLogger(__name__)


class RemoteLinkBrowser(StripeBrowser):
    """Stripe's page in a web host process (or, after a fallback, in this one)."""

    def __init__(self, redirect_prefix: str, allowed_hosts: Sequence[str],
                 parent: QWidget | None = None, *, software_rendering: bool = False,
                 allow_scripts: bool = False) -> None:
        super().__init__(parent)
        self._closed = False
        self._host_gone = False  # the host is ended or replaced; the page may live on here
        self._redirected = False
        self._prefix, self._hosts, self._url = redirect_prefix, list(allowed_hosts), ""
        self._local: LinkBrowser | None = None  # the page in this process, after a fallback
        self._host_name = ""
        self._calls = itertools.count(1)
        self._callbacks: dict[int, Callable[[Any], None]] = {}
        self._grabs: dict[int, tuple[str, Callable[[], None]]] = {}
        layout = self._layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._holder = Placeholder(self)
        self._holder.setAccessibleName(self.tr("Stripe's page"))
        self._holder.setAccessibleDescription(self.tr(
            "Tab moves into Stripe's page; F6 comes back to the app's buttons."))
        layout.addWidget(self._holder)
        self.setFocusProxy(self._holder)  # the tab stop for the page
        self._holder.resized.connect(self._send_size)

        self.host = take_host(software_rendering, allow_scripts)
        self.host.message.connect(self._on_event)
        self._watch = HostWatch(self.host, self._holder, self)
        self._watch.failed.connect(self._fall_back)
        self._holder.tabbedIn.connect(self._give_keyboard)
        # Whether the host's window has the keyboard (X11: then a click on our own widgets
        # must take it back, as the window manager sees our window as focused already).
        self.keyboard_in_page = False
        self._click_back = ClickBack(self, lambda: self.keyboard_in_page, self.keyboard_back)
        embed = int(self._holder.winId()) if QGuiApplication.platformName() != "offscreen" else 0
        self._embed = embed
        # No size until the placeholder is laid out (its first resize sends one).
        laid_out = self._holder.isVisible()
        self.host.send({"cmd": Command.OPEN, "prefix": redirect_prefix,
                        "hosts": list(allowed_hosts), "embed": embed,
                        "w": self._holder.width() if laid_out else 0,
                        "h": self._holder.height() if laid_out else 0})

    # ---- StripeBrowser's API ------------------------------------------------------------

    def set_redirect_prefix(self, redirect_prefix: str) -> None:
        self._prefix = redirect_prefix
        if self._local is not None:
            self._local.set_redirect_prefix(redirect_prefix)
        elif not self._host_gone:
            self.host.send({"cmd": Command.PREFIX, "prefix": redirect_prefix})

    def load(self, url: str) -> None:
        self._url = url
        if self._local is not None:
            self._local.load(url)
        elif not self._host_gone:
            self.host.send({"cmd": Command.LOAD, "url": url})

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        if self._local is not None:
            self._local.run_js(script, callback)
            return
        if self._closed or self._host_gone:
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
        if self._local is not None:
            self._local.snapshot(done)
            return
        if self._closed or self._host_gone:
            done()
            return
        fd, path = tempfile.mkstemp(prefix="dentally-web-", suffix=".png")
        os.close(fd)
        call_id = next(self._calls)
        self._grabs[call_id] = (path, done)
        self.host.send({"cmd": Command.GRAB, "id": call_id, "path": path})

    def current_host(self) -> str:
        if self._local is not None:
            return self._local.current_host()
        return "" if self._closed or self._host_gone else self._host_name

    def shutdown(self) -> None:
        """End the host process (and every Chromium process with it), or the page in this
        process after a fallback. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._end_host()
        if self._local is not None:
            self._local.shutdown()

    # ---- internals --------------------------------------------------------------------

    def _end_host(self) -> None:
        if self._host_gone:
            return
        self._host_gone = True
        self._watch.stop()
        self._callbacks.clear()
        for path, _done in self._grabs.values():
            Path(path).unlink(missing_ok=True)
        self._grabs.clear()
        self.host.message.disconnect(self._on_event)
        self.host.stop()
        self._holder.hide()
        self._click_back.remove()
        if self.keyboard_in_page:
            self.keyboard_back()

    def _fall_back(self, why: str) -> None:
        """The host did not show the page: end it, and show the page here instead, loading
        the same address (the link session goes on; only a Stripe sign-in is asked again)."""
        if self._closed or self._redirected or self._local is not None:
            return
        log.warning("%s", messages.for_key("webview_host_failed", why).for_support())
        remember_web_host_failed()
        self._end_host()
        # Deferred: QtWebEngine takes about 200 ms to import (measured with -X importtime),
        # which a working host spares the app entirely.
        from dentally_setup.gui.stripe_page.engine_view import LinkBrowser

        prepare_in_process_engine()
        local = LinkBrowser(self._prefix, self._hosts, self)
        for name in FORWARDED_SIGNALS:
            getattr(local, name).connect(getattr(self, name))
        self._layout.addWidget(local)
        self.setFocusProxy(local)
        self._local = local
        if self._url:
            local.load(self._url)

    # ---- internals --------------------------------------------------------------------

    def _send_size(self, width: int, height: int) -> None:
        if not self._closed and not self._host_gone:
            self.host.send({"cmd": Command.SIZE, "w": width, "h": height})

    def _on_event(self, msg: dict[str, Any]) -> None:
        if self._closed or self._host_gone:
            return
        self._watch.heard()
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
        if not self._embed:
            log.info("the web host's window is separate (no native windows here)")
        self._watch.opened(bool(self._embed), bool(msg.get("embedded")))

    def _on_pong(self, _msg: dict[str, Any]) -> None:
        pass  # hearing it is the point (_on_event)

    def _forward(self, name: str, args: list[Any]) -> None:
        count = FORWARDED_SIGNALS.get(name)
        if count is None or len(args) != count:
            log.warning("ignored an unknown signal %r from the web host", name)
            return
        if name == "pageKind":
            self._watch.page_loaded()
        elif name == "painted":
            self._watch.painted()
        if name == "locationChanged":
            self._host_name = str(args[0])
        elif name == "redirectReached":
            self._redirected = True  # the host may end now: the Stripe part is over
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
        # It had the focus already (the page's keys went to the host), so no focus event came
        # to clear this: the next Tab or Shift+Tab onto the page must enter it again.
        self._holder.quiet_focus = False
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

    # The host's events this browser acts on (HELLO and LOG are WebHostProcess's own); a
    # test holds the two tables together to Event.
    HANDLERS: ClassVar[dict[Event, Callable[[RemoteLinkBrowser, dict[str, Any]], None]]] = {
        Event.OPENED: _on_opened,
        Event.SIGNAL: _on_signal,
        Event.JS: _on_js,
        Event.GRABBED: _on_grabbed,
        Event.KEYBOARD_TAKEN: _on_keyboard_taken,
        Event.FOCUS_OUT: _on_focus_out,
        Event.PONG: _on_pong,
    }
