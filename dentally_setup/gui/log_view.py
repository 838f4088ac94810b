"""An in-app view of the log, for support on a screen-share: a logging handler forwards
records (already redacted by logsetup's filter) to a Qt signal, as dangerzone's log window
does, and the view filters them by level."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication, QObject, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from dentally_setup.gui.i18n import QT_TRANSLATE_NOOP
from dentally_setup.logsetup import add_handler

LEVELS = ((QT_TRANSLATE_NOOP("LogView", "Everything"), logging.DEBUG),
          (QT_TRANSLATE_NOOP("LogView", "Information"), logging.INFO),
          (QT_TRANSLATE_NOOP("LogView", "Warnings and errors"), logging.WARNING),
          (QT_TRANSLATE_NOOP("LogView", "Errors only"), logging.ERROR))


class _Bridge(QObject):
    record = Signal(int, str)


class QtLogHandler(logging.Handler):
    """Thread-safe: records from worker threads reach the view through a queued signal."""

    def __init__(self, keep: int = 2000) -> None:
        super().__init__(logging.DEBUG)
        self.bridge = _Bridge()
        self.keep = keep
        self.lines: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a broken record must not break the app
            self.handleError(record)
            return
        self.lines.append((record.levelno, text))
        del self.lines[: -self.keep]
        self.bridge.record.emit(record.levelno, text)


_handler: QtLogHandler | None = None


def log_handler() -> QtLogHandler:
    """One handler for the whole run, attached (with redaction) on first use."""
    global _handler
    if _handler is None:
        _handler = QtLogHandler()
        add_handler(_handler)
    return _handler


class LogView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.handler = log_handler()
        self.level = QComboBox()
        self.level.setAccessibleName(self.tr("Show log messages of level"))
        for name, value in LEVELS:
            self.level.addItem(QCoreApplication.translate("LogView", name), value)
        self.level.setCurrentIndex(1)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("Log messages"))
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("Show:")))
        row.addWidget(self.level)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.text, 1)
        self.level.currentIndexChanged.connect(self.refill)
        self.handler.bridge.record.connect(self._add)
        self.refill()

    def minimum(self) -> int:
        return int(self.level.currentData())

    def refill(self) -> None:
        shown = [text for level, text in self.handler.lines if level >= self.minimum()]
        self.text.setPlainText("\n".join(shown))

    def _add(self, level: int, text: str) -> None:
        if level >= self.minimum():
            self.text.appendPlainText(text)
