"""What a page raises and does not handle goes to the log as DS-BUG, not to the screen."""

from __future__ import annotations

import logging
import sys

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QWizard, QWizardPage

from dentally_setup.gui.run import log_unexpected


class _Broken(QWizardPage):
    def initializePage(self) -> None:
        raise ImportError("a module the build left out")


@pytest.mark.qt_no_exception_capture
def test_an_error_in_a_page_goes_to_the_log(qtbot, monkeypatch, caplog) -> None:
    monkeypatch.setattr(sys, "excepthook", log_unexpected)
    wizard = QWizard()
    qtbot.addWidget(wizard)
    wizard.addPage(QWizardPage())
    wizard.addPage(_Broken())
    wizard.show()
    caplog.set_level(logging.ERROR, logger="dentally_setup.gui.run")

    def records() -> list[logging.LogRecord]:
        return [r for r in caplog.records if "DS-BUG" in r.getMessage()]

    # From the event loop, as a click on Next would: Qt calls the page, PySide the hook.
    QTimer.singleShot(0, wizard.next)
    qtbot.waitUntil(lambda: len(records()) == 1, timeout=5000)
    (record,) = records()
    assert record.exc_info is not None and record.exc_info[0] is ImportError
