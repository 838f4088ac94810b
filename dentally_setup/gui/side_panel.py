"""The panel beside the wizard's pages: where the person is (the environment banner: DEMO,
TEST MODE or LIVE), the list of steps, a notice when there is one, and the Support button."""

from __future__ import annotations

import logging

from PySide6.QtCore import QItemSelectionModel, QModelIndex
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from dentally_setup.flow.steps import MAIN_PATH
from dentally_setup.gui.a11y import ReadOutLabel
from dentally_setup.gui.i18n import tr_flow

log = logging.getLogger(__name__)


class SidePanel(QWidget):
    def __init__(self, *, demo: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._demo = demo
        self._livemode: bool | None = None
        self.setMinimumWidth(210)
        self.banner = ReadOutLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.setAccessibleName(self.tr("Environment"))
        self.steps = QListWidget()
        self.steps.setAccessibleName(self.tr("Steps"))
        self.steps.setSpacing(2)
        for step in MAIN_PATH:
            QListWidgetItem(tr_flow(step.title), self.steps)
        self.notice = ReadOutLabel()
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName(self.tr("Notice"))
        self.notice.hide()
        self.support_button = QPushButton(self.tr("Support…"))
        self.support_button.setAccessibleName(self.tr("Support and diagnostics"))
        self.support_button.setAccessibleDescription(self.tr(
            "Opens the diagnostics and log for support, with every secret hidden."))
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.notice)
        layout.addWidget(self.support_button)

    def settle(self) -> None:
        """After the first paint: any Qt.* value makes PySide build the Python enums of the
        whole Qt namespace (~25 ms), so none is touched before it."""
        from PySide6.QtCore import Qt

        # Only a list to read, never a stop for Tab.
        self.steps.setFocusPolicy(Qt.FocusPolicy.NoFocus)

    def label_environment(self, livemode: bool | None) -> None:
        """The banner's words and its "kind" for the style sheet; ``None`` keeps what is
        known. (Polished again by ``set_environment`` once the window is shown.)"""
        if livemode is not None:
            self._livemode = livemode
        if self._demo:
            text, kind = self.tr("DEMO — practice data is made up and no real money moves."), "demo"
        elif self._livemode is False:
            text, kind = self.tr("TEST MODE — Stripe is in test mode; no real money moves."), "test"
        elif self._livemode:
            text, kind = self.tr("LIVE — real payments."), "live"
        else:
            text, kind = self.tr("Not signed in yet."), "unknown"
        self.banner.setText(f"<b>{text}</b>")
        self.banner.setProperty("kind", kind)

    def set_environment(self, livemode: bool | None) -> None:
        """The banner always says where the person is: DEMO, TEST MODE or LIVE."""
        self.label_environment(livemode)
        # The style sheet reads "kind" when it polishes the banner: polish it again.
        self.banner.style().unpolish(self.banner)
        self.banner.style().polish(self.banner)

    def show_notice(self, text: str, *, add: bool = False) -> None:
        """Show *text*; with *add*, below a notice already shown (a reset settings file and a
        reset progress file at one start are two things to read)."""
        log.info("notice shown: %s", text)  # support can then see what the person was told
        if add and self.notice.text() and text:
            text = f"{self.notice.text()}\n\n{text}"
        self.notice.setVisible(bool(text))  # shown first: a notice is read out once on screen
        self.notice.setText(text)

    def mark_step(self, row: int) -> None:
        """The current step is the list's selected item, never its "current" item: Qt tells a
        screen reader that an item view's current item has the focus, wherever the keyboard
        really is (and the step list never takes the focus)."""
        self.steps.selectionModel().setCurrentIndex(
            QModelIndex(), QItemSelectionModel.SelectionFlag.NoUpdate)
        self.steps.clearSelection()
        self.steps.item(row).setSelected(True)
