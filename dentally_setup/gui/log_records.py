"""The log handler behind the Support window's log view: it forwards records (already
redacted by logsetup's filter) to a Qt signal, as dangerzone's log window does. Attached
when the GUI starts, so the view shows the run from its start; kept apart from the view
(gui/log_view.py) so that start does not pay for the view's widgets."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from dentally_setup.logsetup import add_handler


class _Bridge(QObject):
    record = Signal(int, str)


class QtLogHandler(logging.Handler):
    """Thread-safe: records from worker threads reach the view through a queued signal."""

    def __init__(self, keep: int = 2000) -> None:
        super().__init__(logging.DEBUG)
        self.bridge = _Bridge()
        self.keep = keep
        self.lines: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a broken record must not break the app
            self.handleError(record)
            return
        self.lines.append((record.levelno, text))
        del self.lines[: -self.keep]
        self.bridge.record.emit(record.levelno, text)


_handler: QtLogHandler | None = None


def log_handler() -> QtLogHandler:
    """One handler for the whole run, attached (with redaction) on first use."""
    global _handler
    if _handler is None:
        _handler = QtLogHandler()
        add_handler(_handler)
    return _handler
