"""A busy line: an indeterminate bar, what we are waiting for, and a Cancel button."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QProgressBar, QPushButton, QWidget

from dentally_setup.gui.a11y import ReadOutLabel


class BusyLine(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = ReadOutLabel()
        self.label.setAccessibleName(self.tr("Busy"))
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)
        self.bar.setMaximumWidth(160)
        self.bar.setTextVisible(False)
        self.bar.setAccessibleName(self.tr("Working"))
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.setAccessibleName(self.tr("Cancel waiting"))
        self.cancel_button.clicked.connect(self._on_cancel)
        self.cancel_button.setAccessibleDescription(self.tr("Stops waiting. Nothing you "
                                                            "entered is lost."))
        self._cancel: Callable[[], None] | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, text: str, cancel: Callable[[], None] | None = None) -> None:
        self.bar.setRange(0, 0)  # indeterminate until someone counts
        self.label.setText(text)
        self._cancel = cancel
        self.cancel_button.setVisible(cancel is not None)
        self.show()

    def count(self, done: int, total: int, text: str) -> None:
        """A wait that can be counted ("Saving 12 of 40…"): a filling bar and the text."""
        self.bar.setRange(0, max(total, 1))
        self.bar.setValue(done)
        self.label.setText(text)

    def stop(self) -> None:
        self._cancel = None
        self.hide()

    def _on_cancel(self) -> None:
        if self._cancel is not None:
            self._cancel()
