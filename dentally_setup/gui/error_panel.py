"""Errors shown in the page where they happened: the plain sentence, a stable code, a
"Details" expander and "Copy details" for support, and an optional "Try again"."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dentally_setup.gui.a11y import alert, plain_text
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.layouts import button_row
from dentally_setup.redact import redact

if TYPE_CHECKING:
    from dentally_setup.flow.messages import Message


class ErrorPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorPanel")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("Problem"))
        self._retry: Callable[[], None] | None = None
        self._message: Message | None = None

        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName(self.tr("Problem description"))
        self.retry_button = QPushButton(self.tr("Try again"))
        self.retry_button.setAccessibleName(self.tr("Try again"))
        self.retry_button.clicked.connect(self._on_retry)
        self.details_button = QPushButton(self.tr("Details"))
        self.details_button.setCheckable(True)
        self.details_button.setAccessibleName(self.tr("Show details for support"))
        self.copy_button = QPushButton(self.tr("Copy details"))
        self.copy_button.setAccessibleName(self.tr("Copy details for support"))
        self.copy_button.clicked.connect(self.copy_details)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setAccessibleName(self.tr("Details for support"))
        self.details.setMaximumHeight(110)
        self.details.hide()
        self.details_button.toggled.connect(self.details.setVisible)
        self.retry_button.setAccessibleDescription(self.tr("Tries the same thing again. What "
                                                           "you entered is kept."))
        self.details_button.setAccessibleDescription(self.tr("Shows the technical details "
                                                             "support may ask for."))
        self.copy_button.setAccessibleDescription(self.tr("Copies the details (without any "
                                                          "password or token) to paste for "
                                                          "support."))
        self.details.setAccessibleDescription(self.tr("Technical details for support."))

        buttons = button_row(self.retry_button, end=(self.details_button, self.copy_button))
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        layout.addWidget(self.details)
        self.hide()

    @property
    def message(self) -> Message | None:
        return self._message

    def show_message(self, message: Message, retry: Callable[[], None] | None = None) -> None:
        # Made selectable here rather than when built (every page builds its panel, the
        # first page before its first paint): any Qt.* value makes PySide build the whole
        # Qt namespace (~25 ms).
        from PySide6.QtCore import Qt

        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._message = message
        self._retry = retry
        # The icon is a word, not only a colour: nothing is conveyed by colour alone.
        shown = (
            self.tr("<b>Problem:</b> {what}<br>{next}<br><small>Code for support: {code}</small>")
            .format(what=_esc(tr_flow(message.what)), next=_esc(tr_flow(message.next)),
                    code=message.code))
        self.text.setText(shown)
        self.details.setPlainText(redact(message.for_support()))
        self.retry_button.setVisible(retry is not None)
        self.show()
        words = plain_text(shown)
        self.text.setAccessibleDescription(words)
        alert(self, words)  # a screen reader stops and reads the problem out

    def clear(self) -> None:
        self._message = None
        self.hide()

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details.toPlainText())

    def _on_retry(self) -> None:
        retry = self._retry
        self.clear()
        if retry is not None:
            retry()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
