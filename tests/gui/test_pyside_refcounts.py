"""Guards against a PySide6 regression that crashes the app: 6.12.0 drops a reference to
True/False whenever Qt calls a Python override returning bool, or a Python Signal carrying a
bool is emitted. On Python 3.11 the bools are not immortal, so after a few hundred calls
the interpreter aborts ("bool_dealloc"). The wizard calls isComplete() all the time."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWizard, QWizardPage


class _Page(QWizardPage):
    def isComplete(self) -> bool:
        return True


class _Sender(QObject):
    sig = Signal(str, bool)


def test_bool_returning_override_keeps_reference_counts(qapp):
    wizard = QWizard()
    page = _Page()
    wizard.addPage(page)
    before = sys.getrefcount(True)
    for _ in range(50):
        page.completeChanged.emit()  # QWizard calls isComplete() each time
    assert sys.getrefcount(True) - before >= 0


def test_python_bool_signal_keeps_reference_counts(qapp):
    sender = _Sender()
    got: list[bool] = []
    sender.sig.connect(lambda _s, flag: got.append(flag))
    before = sys.getrefcount(True)
    for _ in range(50):
        sender.sig.emit("x", True)
    got.clear()
    assert sys.getrefcount(True) - before >= 0
