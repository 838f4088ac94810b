"""The web host: a child process that shows Stripe's page for the app (``--web-host NAME``).

It runs the same ``LinkBrowser`` the app would run in-process and forwards its signals over
a local socket (see ``protocol``). Its window is put inside the app's window (the
app hands over the native id of a placeholder); where the platform has no native windows
(offscreen) it stays a window of its own, sized like the placeholder, and the app pictures
it from snapshots. When the app goes away (closed, crashed, killed) the socket closes and
the host quits, so no Chromium process outlives the app.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QFocusEvent, QKeySequence, QShortcut, QWindow
from PySide6.QtNetwork import QLocalSocket
from PySide6.QtWidgets import QApplication, QVBoxLayout, QWidget

from dentally_setup.gui.qtsetup import prepare_qt, use_system_proxy
from dentally_setup.gui.stripe_page.protocol import (
    FORWARDED_SIGNALS,
    NONCE_ENV,
    Command,
    Event,
    LineBuffer,
    ProtocolError,
    decode,
    encode,
    jsonable,
)
from dentally_setup.gui.stripe_page.x11focus import give_focus

if TYPE_CHECKING:
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser

log = logging.getLogger(__name__)


class _SocketLogHandler(logging.Handler):
    """Sends log records to the app, which writes them to its own (redacted) log: one log
    file for support, and no second writer on it."""

    def __init__(self, send: Any) -> None:
        super().__init__(logging.DEBUG)
        self._send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._send({"ev": Event.LOG, "level": record.levelno, "name": record.name,
                        "msg": self.format(record)})
        except Exception:  # logging must never take the host down
            self.handleError(record)


class _KeepInside(QObject):
    """Keeps the host's window inside the app's placeholder window.

    Qt makes the native window afresh at times (``show()``, and when QWebEngineView
    switches it to an OpenGL surface on the first load), and a new native window forgets
    its foreign parent; so the parent is set again every time the window id changes.
    """

    def __init__(self, widget: QWidget, holder: QWindow) -> None:
        super().__init__(widget)
        self._widget = widget
        self._holder = holder  # a QWindow wrapping the app's window; kept alive here
        widget.installEventFilter(self)
        self.apply()

    def apply(self) -> None:
        handle = self._widget.windowHandle()
        if handle is not None and handle.parent() is not self._holder:
            handle.setParent(self._holder)
            handle.setPosition(0, 0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.WinIdChange:
            self.apply()
        return False


class _ClickFocus(QObject):
    """A click in Stripe's page gives the keyboard to the host's window. The window manager
    gives the keyboard to the app's top-level window (ours is inside it, from another
    process), and X then sends keys here only while the pointer is over the page.

    It watches the widget Chromium draws into, once it exists (after a load), not the whole
    application: an application-wide event filter crashes PySide6 with QtWebEngine."""

    def __init__(self, window: QWidget, browser: LinkBrowser,
                 took: Callable[[], None]) -> None:
        super().__init__(window)
        self._window = window
        self._browser = browser
        self._took = took
        self._watched: QWidget | None = None
        browser.pageKind.connect(self._watch)
        browser.painted.connect(self._watch)

    def _watch(self, *_args: object) -> None:
        target = self._browser.page_widget()
        if target is not None and target is not self._watched:
            target.installEventFilter(self)
            self._watched = target

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Qt's idea of the active window is no guide here (it says active while X sends
        # the keys elsewhere), so every click asks.
        if event.type() == QEvent.Type.MouseButtonPress:
            if give_focus(int(self._window.winId())):
                self._took()
        return False


class _TabEdges(QWidget):
    """The host's window: the browser between two invisible tab stops. Tab past the page's
    last control (or Shift+Tab before its first) lands on a stop, and the keyboard is handed
    back to the app, which moves on to its next (or previous) control. The direction comes
    from the key. The page's render widget joins the Tab chain only once Chromium has made
    it, at the chain's end (past the stop after it, and Qt does not wrap round the window for
    a web page): it is put back between the stops each time the page paints."""

    def __init__(self, browser: LinkBrowser, hand_back: Callable[[bool], None]) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self._browser = browser
        self._hand_back = hand_back
        self._before = _Edge(self._left)
        self._after = _Edge(self._left)
        layout.addWidget(self._before)
        layout.addWidget(browser, 1)
        layout.addWidget(self._after)
        browser.painted.connect(self._keep_order)
        # Chromium may cycle Tab inside the page instead of letting it out, so F6 (the
        # usual "next pane" key) always gives the keyboard back; Shift+F6 goes backwards.
        for key, forward in ((Qt.Key.Key_F6, True), (Qt.KeyboardModifier.ShiftModifier
                                                      | Qt.Key.Key_F6, False)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.activated.connect(lambda forward=forward: self._left(forward))

    def _keep_order(self, *_args: object) -> None:
        page = self._browser.page_widget()
        if page is not None and page.nextInFocusChain() is not self._after:
            QWidget.setTabOrder(page, self._after)

    def _left(self, forward: bool) -> None:
        self._hand_back(forward)
        # Ready for the next visit: focus sits on the page again (no key reason, so the
        # stop is not "reached" once more).
        self._browser.setFocus(Qt.FocusReason.OtherFocusReason)


class _Edge(QWidget):
    def __init__(self, reached: Callable[[bool], None]) -> None:
        super().__init__()
        self._reached = reached
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        self.setFixedHeight(0)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        if event.reason() == Qt.FocusReason.TabFocusReason:
            self._reached(True)
        elif event.reason() == Qt.FocusReason.BacktabFocusReason:
            self._reached(False)


class WebHost:
    """Carries out the app's commands on one LinkBrowser and reports what it does."""

    def __init__(self, socket: QLocalSocket, allow_scripts: bool = False) -> None:
        self._socket = socket
        self._allow_scripts = allow_scripts
        self._lines = LineBuffer()
        self.browser: LinkBrowser | None = None
        self.window: QWidget | None = None  # the browser between its tab stops
        self._inside: _KeepInside | None = None
        socket.readyRead.connect(self._read)

    def send(self, message: dict[str, Any]) -> None:
        if not self._socket.isValid():
            return
        try:
            data = encode(message)
        except (RecursionError, ValueError):  # a page's result nested too deeply for JSON
            log.warning("a %s message could not be encoded; not sent",
                        message.get("ev", "?"))
            return
        self._socket.write(data)
        self._socket.flush()

    def _read(self) -> None:
        try:
            lines = self._lines.feed(bytes(self._socket.readAll().data()))
        except ProtocolError:
            log.warning("the app sent an over-long message; ignored")
            return
        for line in lines:
            try:
                self.handle(decode(line))
            except ProtocolError as exc:
                log.warning("ignored a message from the app: %s", exc)
            except Exception:
                log.exception("a command from the app failed")

    def handle(self, msg: dict[str, Any]) -> None:
        try:
            cmd = Command(str(msg.get("cmd")))
        except ValueError:
            log.warning("unknown command %r; ignored", msg.get("cmd"))
            return
        if cmd is Command.JS and not self._allow_scripts:
            # Outside the demo, nothing may script the real Stripe page a practice signs in
            # on; the app's caller hears "refused" rather than waiting for ever.
            log.warning("refused to run a script in Stripe's page (not the demo)")
            if msg.get("id") is not None:
                self.send({"ev": Event.JS, "id": msg.get("id"), "result": None,
                           "refused": True})
            return
        if cmd not in (Command.OPEN, Command.PING, Command.QUIT) and (
                self.browser is None or self.window is None):
            log.warning("command %r before open; ignored", cmd.value)
            return
        self.HANDLERS[cmd](self, msg)

    def _prefix(self, msg: dict[str, Any]) -> None:
        assert self.browser is not None
        self.browser.set_redirect_prefix(str(msg["prefix"]))

    def _load(self, msg: dict[str, Any]) -> None:
        assert self.browser is not None
        self.browser.load(str(msg["url"]))

    def _size(self, msg: dict[str, Any]) -> None:
        self._show(int(msg["w"]), int(msg["h"]))

    def _focus(self, msg: dict[str, Any]) -> None:
        # Tab reached Stripe's page in the app: the keyboard goes to the page, at its
        # first control (or its last, for Shift+Tab), as in a browser.
        assert self.browser is not None and self.window is not None
        log.info("keyboard handed to Stripe's page")
        if not give_focus(int(self.window.winId())):
            self.window.activateWindow()
        self.browser.focus_edge(last=bool(msg.get("backward")))

    def _js(self, msg: dict[str, Any]) -> None:
        assert self.browser is not None
        call_id = msg.get("id")
        if call_id is None:
            self.browser.run_js(str(msg["script"]))
        else:
            self.browser.run_js(str(msg["script"]), lambda result: self.send(
                {"ev": Event.JS, "id": call_id, "result": jsonable(result)}))

    def _grab(self, msg: dict[str, Any]) -> None:
        assert self.browser is not None
        ok = self.browser.grab_png(str(msg["path"]))
        self.send({"ev": Event.GRABBED, "id": msg.get("id"), "ok": ok})

    def _open(self, msg: dict[str, Any]) -> None:
        started = time.perf_counter()
        # Deferred: QtWebEngine's modules take about 200 ms to import (measured with
        # -X importtime); the host says hello first and _preload imports them meanwhile.
        from dentally_setup.gui.stripe_page.engine_view import LinkBrowser

        use_system_proxy()
        browser = LinkBrowser(str(msg["prefix"]), [str(h) for h in msg["hosts"]])
        window = _TabEdges(browser, lambda forward: self.send(
            {"ev": Event.FOCUS_OUT, "forward": forward}))
        window.setWindowFlag(Qt.WindowType.FramelessWindowHint)
        window.setWindowTitle("Stripe")
        for name in FORWARDED_SIGNALS:
            getattr(browser, name).connect(
                lambda *args, _name=name: self.send(
                    {"ev": Event.SIGNAL, "name": _name, "args": jsonable(list(args))}))
        width, height = int(msg.get("w") or 0), int(msg.get("h") or 0)
        parent_id = msg.get("embed")
        window.winId()
        embedded = False
        if parent_id:
            holder = QWindow.fromWinId(int(parent_id))
            if holder is not None:
                self._inside = _KeepInside(window, holder)
                embedded = True
        if embedded:
            self._clicks = _ClickFocus(window, browser, lambda: self.send(
                {"ev": Event.KEYBOARD_TAKEN}))
        self.window = window
        self.browser = browser
        if width > 0 and height > 0:
            self._show(width, height)
        # else the app's placeholder is not laid out yet: shown at its first "size", so the
        # page never flashes up at a made-up size inside the app's window.
        log.info("web host ready in %.0f ms (embedded in the app's window: %s)",
                 (time.perf_counter() - started) * 1000, embedded)
        self.send({"ev": Event.OPENED, "embedded": embedded})

    def _show(self, width: int, height: int) -> None:
        window = self.window
        if window is None:
            return
        if window.isVisible():
            window.resize(width, height)
            return
        window.setGeometry(0, 0, width, height)
        window.show()
        if self._inside is not None:
            self._inside.apply()  # show() makes a widget's window top-level again

    def _ping(self, _msg: dict[str, Any]) -> None:
        self.send({"ev": Event.PONG})

    def _quit(self, _msg: dict[str, Any]) -> None:
        if self.browser is not None:
            self.browser.shutdown()  # view, then page, then profile
            self.browser = None
        # Let the deletions run before the event loop ends.
        QTimer.singleShot(0, QCoreApplication.quit)

    # Every command the app may send, and what carries it out (a test holds it to Command).
    HANDLERS: ClassVar[dict[Command, Callable[[WebHost, dict[str, Any]], None]]] = {
        Command.OPEN: _open,
        Command.PREFIX: _prefix,
        Command.LOAD: _load,
        Command.SIZE: _size,
        Command.FOCUS: _focus,
        Command.JS: _js,
        Command.GRAB: _grab,
        Command.PING: _ping,
        Command.QUIT: _quit,
    }


def _preload() -> None:
    # Imported for its side effect: QtWebEngine's code is loaded before "open" needs it.
    import dentally_setup.gui.stripe_page.engine_view  # noqa: F401


def take_nonce() -> str:
    """The one-time nonce from our environment, removed from it once read (so nothing this
    process starts, Chromium's helpers included, inherits it)."""
    return os.environ.pop(NONCE_ENV, "")


def serve(server_name: str, software_rendering: bool = False,
          allow_scripts: bool = False) -> int:
    """The host's main: connect back to the app, then do as it says until it goes away."""
    nonce = take_nonce()
    prepare_qt(software_rendering, webengine_here=True)
    app = QApplication(sys.argv[:1])
    app.setQuitOnLastWindowClosed(False)

    socket = QLocalSocket()
    socket.connectToServer(server_name)
    if not socket.waitForConnected(10_000):
        print(f"web host: cannot reach the app ({socket.errorString()})", file=sys.stderr)
        return 3
    host = WebHost(socket, allow_scripts)
    handler = _SocketLogHandler(host.send)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    # The app closing the connection (or dying) ends the host, and Chromium with it.
    socket.disconnected.connect(app.quit)
    host.send({"ev": Event.HELLO, "nonce": nonce})
    # While the person is still reading the page before, load QtWebEngine's code (not yet
    # Chromium itself): "open" then only has to start the browser.
    QTimer.singleShot(0, _preload)
    code = app.exec()
    root.removeHandler(handler)
    if host.browser is not None:
        host.browser.shutdown()
    return int(code)
