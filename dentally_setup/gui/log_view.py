"""An in-app view of the log, for support on a screen-share: it shows what the handler in
gui/log_records.py has collected since the start, filtered by level."""

from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

from dentally_setup.gui.i18n import QT_TRANSLATE_NOOP
from dentally_setup.gui.log_records import log_handler

LEVELS = ((QT_TRANSLATE_NOOP("LogView", "Everything"), logging.DEBUG),
          (QT_TRANSLATE_NOOP("LogView", "Information"), logging.INFO),
          (QT_TRANSLATE_NOOP("LogView", "Warnings and errors"), logging.WARNING),
          (QT_TRANSLATE_NOOP("LogView", "Errors only"), logging.ERROR))


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
        shown = QLabel(self.tr("Show:"))
        shown.setBuddy(self.level)  # on Linux a combo box is named by its label
        row.addWidget(shown)
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
