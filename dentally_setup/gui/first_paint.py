"""--quit-after-first-paint: exit as soon as the first page has been painted, so anyone can
time start-up from outside (the benchmark does)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget


class _FirstPaint(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False


_filter = _FirstPaint()


def quit_after_first_paint(window: QWidget) -> None:
    window.installEventFilter(_filter)
