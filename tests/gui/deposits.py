"""Typing a per-type deposit into the payment settings page's table, as a person does:
open the cell's editor and type (each key is checked as it is typed)."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit

from dentally_setup.gui.pages.type_deposits import DEPOSIT


def deposit_editor(page: Any, type_id: str) -> QLineEdit:
    view = page.types_view
    source = page.types_model.index(page.types_model.row_of(type_id), DEPOSIT)
    index = page.types_filter.mapFromSource(source)
    assert index.isValid(), f"{type_id} is filtered out of the table"
    view.setCurrentIndex(index)
    view.edit(index)
    editor = view.indexWidget(index)
    assert isinstance(editor, QLineEdit)
    return editor


def type_deposit(qtbot: Any, page: Any, type_id: str, text: str, *, replace: bool = False
                 ) -> None:
    editor = deposit_editor(page, type_id)
    if replace:
        editor.selectAll()  # the next key replaces what is there, as a person would
    else:
        editor.end(False)
    qtbot.keyClicks(editor, text)
