"""The per-appointment-type deposits on the payment settings page, as one table (model and
view) instead of a row of widgets per type: a group has 60 types or more, and a widget
grid made opening the page slow (240 widgets to create, style and lay out) and switching
site repaint them all. The view paints only the rows on screen, whatever the count.

Typing in a cell is committed on every key, so the page checks as the person types, as it
does for the other fields. A filter hides rows by name, never a row with a problem.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from dentally_setup.gui.money import display_money
from dentally_setup.portal.models import AppointmentType

NAME, PRICE, DEPOSIT, PROBLEM = range(4)
ROLE_TYPE_ID = Qt.ItemDataRole.UserRole + 1
Index = QModelIndex | QPersistentModelIndex
# Looked up once: data() runs for every cell painted, and each enum lookup costs.
DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole
FOREGROUND = Qt.ItemDataRole.ForegroundRole
FONT = Qt.ItemDataRole.FontRole
ACCESSIBLE_TEXT = Qt.ItemDataRole.AccessibleTextRole
DESCRIPTIONS = (Qt.ItemDataRole.AccessibleDescriptionRole, Qt.ItemDataRole.ToolTipRole)
# The colour of QLabel#fieldProblem in resources/style.qss.
PROBLEM_COLOUR = QColor("#a33a00")


class TypeDepositsModel(QAbstractTableModel):
    """Rows: the bookable appointment types. Deposit texts are kept as typed."""

    edited = Signal(str)  # type id, after the person changed its deposit text

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._types: list[AppointmentType] = []
        self._prices: list[str] = []
        self._texts: dict[str, str] = {}
        self._problems: dict[str, str] = {}
        self._row_of: dict[str, int] = {}
        self._default_word = self.tr("default")
        # Translated once: the header asks on every paint.
        self._headers = (self.tr("Appointment type"), self.tr("Usual price"),
                         self.tr("Deposit"), "")
        self._problem_brush = QBrush(PROBLEM_COLOUR)
        self._muted_brush = QBrush(QColor("#6b6b6b"))
        self._bold = QFont()
        self._bold.setBold(True)

    def set_types(self, types: Sequence[AppointmentType], currency: str, no_price: str) -> None:
        self.beginResetModel()
        self._types = list(types)
        self._prices = [display_money(t.price_minor, currency) if t.price_minor is not None
                        else no_price for t in self._types]
        self._row_of = {t.id: row for row, t in enumerate(self._types)}
        self._texts = {}
        self._problems = {}
        self.endResetModel()

    def type_ids(self) -> list[str]:
        return [t.id for t in self._types]

    def type_name(self, row: int) -> str:
        return self._types[row].name

    def row_of(self, type_id: str) -> int:
        return self._row_of[type_id]

    def text(self, type_id: str) -> str:
        return self._texts.get(type_id, "")

    def problem(self, type_id: str) -> str:
        return self._problems.get(type_id, "")

    def texts(self) -> dict[str, str]:
        return {k: v for k, v in self._texts.items() if v.strip()}

    def set_texts(self, texts: dict[str, str]) -> None:
        """Show another site's deposits: one change signal for the column, no rebuild."""
        self._texts = {k: v for k, v in texts.items() if k in self._row_of}
        self._column_changed(DEPOSIT)

    def set_problems(self, problems: dict[str, str]) -> bool:
        """Problems by type id (already in the person's words); True when any changed."""
        problems = {k: v for k, v in problems.items() if k in self._row_of and v}
        if problems == self._problems:
            return False
        self._problems = problems
        self._column_changed(DEPOSIT, PROBLEM)
        return True

    def _column_changed(self, first: int, last: int | None = None) -> None:
        if self._types:
            self.dataChanged.emit(self.index(0, first),
                                  self.index(len(self._types) - 1, last or first))

    # ---- QAbstractTableModel ---------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._types)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 4

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        return self._headers[section]

    def flags(self, index: Index) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return base | Qt.ItemFlag.ItemIsEditable if index.column() == DEPOSIT else base

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        if not index.isValid():
            return None
        row, col = index.row(), index.column()
        t = self._types[row]
        if role == DISPLAY:
            if col == NAME:
                return t.name
            if col == PRICE:
                return self._prices[row]
            if col == DEPOSIT:
                text = self._texts.get(t.id, "")
                return text if text.strip() else self._default_word
            problem = self._problems.get(t.id, "")
            return f"⚠ {problem}" if problem else ""
        if role == FOREGROUND:
            if col == PROBLEM:
                return self._problem_brush
            if col == DEPOSIT and not self._texts.get(t.id, "").strip():
                return self._muted_brush
            return None
        if role == FONT:
            return self._bold if col == PROBLEM and t.id in self._problems else None
        if col == PROBLEM and role == ACCESSIBLE_TEXT:
            # An empty cell would be read out as nothing at all: say there is no problem.
            return self._problems.get(t.id, "") or self.tr("No problem with {name}").format(
                name=t.name)
        if col != DEPOSIT:
            return None
        text = self._texts.get(t.id, "")
        if role == EDIT:
            return text
        if role == ROLE_TYPE_ID:
            return t.id
        if role == ACCESSIBLE_TEXT:
            return self.tr("Deposit for {name}: {amount}").format(
                name=t.name, amount=text.strip() or self._default_word)
        if role in DESCRIPTIONS:
            usual = self.tr("Usual price {price}. Blank uses the default.").format(
                price=self._prices[row])
            # A screen reader hears the problem first, then what the field is for.
            problem = self._problems.get(t.id, "")
            return f"{problem} {usual}" if problem else usual
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != EDIT or index.column() != DEPOSIT:
            return False
        type_id = self._types[index.row()].id
        text = str(value or "")
        if self._texts.get(type_id, "") == text:
            return True
        self._texts[type_id] = text
        self.dataChanged.emit(index, index)
        self.edited.emit(type_id)
        return True


class TypeFilter(QSortFilterProxyModel):
    """Rows whose type name has the filter's letters (any case), and every row with a
    problem, so a filter never hides what stops Next."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._wanted = ""

    def set_wanted(self, text: str) -> None:
        if not hasattr(self, "beginFilterChange"):  # Qt 6.8-6.9 (pyproject allows them)
            self._wanted = text.strip().casefold()
            self.invalidateRowsFilter()
            return
        # Qt 6.10+, where invalidateRowsFilter is deprecated.
        self.beginFilterChange()
        self._wanted = text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        if not self._wanted or not isinstance(model, TypeDepositsModel):
            return True
        type_id = model.type_ids()[source_row]
        return self._wanted in model.type_name(source_row).casefold() or bool(
            model.problem(type_id))


class _CommitAsTyped(QStyledItemDelegate):
    """A plain line edit whose every key reaches the model (checked as the person types)."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index
                     ) -> QWidget:
        editor = QLineEdit(parent)
        editor.setPlaceholderText(self.tr("default"))
        editor.setAccessibleName(str(index.data(Qt.ItemDataRole.AccessibleTextRole) or ""))
        editor.textEdited.connect(lambda _text: self.commitData.emit(editor))
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        if isinstance(editor, QLineEdit):
            text = str(index.data(Qt.ItemDataRole.EditRole) or "")
            if editor.text() != text:  # keep the cursor where the person is typing
                editor.setText(text)

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: Index) -> None:
        if isinstance(editor, QLineEdit):
            model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


def make_types_view(proxy: TypeFilter, parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent)
    view.setModel(proxy)
    view.setItemDelegateForColumn(DEPOSIT, _CommitAsTyped(view))
    view.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setTabKeyNavigation(False)  # Tab leaves the table, as it leaves other fields
    view.setWordWrap(False)
    view.verticalHeader().hide()
    # Fixed row heights: the view never measures rows, so 60 or 600 cost the same.
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    header = view.horizontalHeader()
    header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
    header.setSectionResizeMode(PRICE, QHeaderView.ResizeMode.Fixed)
    header.setSectionResizeMode(DEPOSIT, QHeaderView.ResizeMode.Fixed)
    header.setSectionResizeMode(PROBLEM, QHeaderView.ResizeMode.Stretch)
    view.setColumnWidth(PRICE, 110)
    view.setColumnWidth(DEPOSIT, 110)
    view.setAlternatingRowColors(True)
    return view
