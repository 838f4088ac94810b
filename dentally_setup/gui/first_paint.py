"""Work that waits for a window's first paint: what the person needs once the window is on
screen but not to see it (``after_first_paint``), and --quit-after-first-paint, which exits
as soon as the first page has been painted so anyone can time start-up from outside (the
benchmark does)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

# Set by quit_after_first_paint: the first paint ends the run, and what waits for it is
# left undone (start-up is timed to the paint, and that work is not part of it).
_quit_at_first_paint = False


class _FirstPaint(QObject):
    def __init__(self, widget: QWidget, then: Callable[[], None]) -> None:
        super().__init__(widget)  # a child of the widget: kept alive as long as it is
        self._then = then
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            # Queued, so the paint (and the rest of the window's) finishes first, and tied to
            # this child of the widget, so nothing runs for a widget deleted in between. A
            # timer started before show() would not do: on a real screen the first paint
            # waits for the window system, and such a timer can fire before it.
            then = QApplication.quit if _quit_at_first_paint else self._then
            QTimer.singleShot(0, self, then)
        return False


def after_first_paint(widget: QWidget, then: Callable[[], None]) -> None:
    """Call ``then`` once ``widget`` has been painted for the first time."""
    _FirstPaint(widget, then)


def quit_after_first_paint(window: QWidget) -> None:
    global _quit_at_first_paint
    _quit_at_first_paint = True
    after_first_paint(window, QApplication.quit)
