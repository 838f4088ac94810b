"""The app's side of the web host's window: the placeholder it is put into, and the click
that takes the keyboard back from it (X11)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, Signal
from PySide6.QtGui import QFocusEvent, QGuiApplication, QImage, QPainter, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import QWidget


class Placeholder(QWidget):
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


class ClickBack(QObject):
    """While the host's window has the keyboard, a click anywhere in our own window takes
    it back (X11 only: Windows moves the keyboard between the two windows by itself).
    Application-wide, as a click may land on any widget; only while the page is shown, and
    never with QtWebEngine in this process (such a filter crashes PySide6 there)."""

    def __init__(self, browser: QWidget, keyboard_in_page: Callable[[], bool],
                 keyboard_back: Callable[[], None]) -> None:
        # The browser's state as two callables, so this module needs nothing of the remote
        # browser's (which imports it).
        super().__init__(browser)
        self._browser = browser
        self._keyboard_in_page = keyboard_in_page
        self._keyboard_back = keyboard_back
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
        if (event.type() == QEvent.Type.MouseButtonPress and self._keyboard_in_page()
                and isinstance(watched, QWidget) and watched.window() is self._browser.window()):
            self._keyboard_back()
        return False
