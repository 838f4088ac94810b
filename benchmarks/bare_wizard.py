"""Baseline for start-up and memory: a bare PySide6 QWizard with one page that quits as
soon as it has been painted (the same rule as the app's --quit-after-first-paint).
Deliberately standalone: it imports nothing but PySide6."""

import sys

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWizard, QWizardPage


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, QApplication.quit)
        return False


def main() -> int:
    app = QApplication(sys.argv[:1])
    wizard = QWizard()
    wizard.setWizardStyle(QWizard.WizardStyle.ModernStyle)
    page = QWizardPage()
    page.setTitle("Welcome")
    QVBoxLayout(page).addWidget(QLabel("A bare wizard page."))
    wizard.addPage(page)
    wizard.resize(1180, 760)
    watcher = FirstPaint()
    wizard.installEventFilter(watcher)
    wizard.show()
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
