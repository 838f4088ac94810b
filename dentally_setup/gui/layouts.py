"""Small layout helpers shared by the pages and windows."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QWidget


def button_row(*buttons: QWidget, end: tuple[QWidget, ...] = ()) -> QHBoxLayout:
    """A row of buttons the width of their words, on the left; ``end`` ones on the right."""
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    for button in end:
        row.addWidget(button)
    return row
