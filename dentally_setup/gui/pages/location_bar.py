"""Above Stripe's page on the link page: where the page really is (its host, and a padlock
only for an https page whose address was checked) and how far it has loaded, so staff can
see it is Stripe."""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QWidget

from dentally_setup.gui.a11y import ReadOutLabel
from dentally_setup.resources import resource


class LocationBar(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.padlock = QLabel()
        self.padlock.setPixmap(QIcon(str(resource("padlock.svg"))).pixmap(QSize(16, 16)))
        self.padlock.setAccessibleName(self.tr("Secure connection"))
        self.host = ReadOutLabel(spoken=False)  # readable: where the page really is
        self.host.setAccessibleName(self.tr("Web page address"))
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(180)
        self.progress.setAccessibleName(self.tr("Page loading"))
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.padlock)
        row.addWidget(self.host, 1)
        row.addWidget(self.progress)
        self.hide()

    def page_made(self) -> None:
        """A new view of Stripe's page: shown, without a padlock until a page has loaded and
        its address has been checked."""
        self.show()
        self.padlock.hide()

    def show_location(self, host: str, secure: bool) -> None:
        self.host.setText(host)
        self.padlock.setVisible(secure)

    def clear(self) -> None:
        """No page, so no address or padlock to vouch for."""
        self.host.setText("")
        self.progress.setValue(0)
        self.hide()
