"""Logging for the app: a rotating file support can ask for, with every secret redacted.

Redaction happens in two places on purpose. ``RedactingFilter`` scrubs the record itself
(message with its arguments, exception and stack text) before any handler of ours sees
it, so a handler that reads ``record.getMessage()`` directly, like the GUI's log view,
gets clean text. ``RedactingFormatter`` then redacts the final formatted line, which also
covers anything a formatter adds after filtering.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
from pathlib import Path

from dentally_setup.redact import redact
from dentally_setup.store.paths import log_dir

LOG_FILE = "dentally-setup.log"
MAX_BYTES = 1_000_000
BACKUP_COUNT = 5
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

# Marks the handlers setup_logging added, so a second call finds them instead of adding
# duplicates.
_OURS = "_dentally_setup_handler"


class RedactingFormatter(logging.Formatter):
    """A Formatter whose output has been through ``redact``."""

    def __init__(self, fmt: str = LOG_FORMAT, datefmt: str | None = None) -> None:
        super().__init__(fmt, datefmt)

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class RedactingFilter(logging.Filter):
    """Replaces a record's message, exception text and stack text with redacted text.

    The record is shared by every handler, so scrubbing it in place also protects any
    handler added later. ``exc_info`` is kept (tools may want the exception type), but
    ``exc_text`` is filled in redacted, and ``Formatter`` uses that cached text rather
    than formatting the traceback again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: log what we have rather than nothing
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


class RotatingFile(logging.FileHandler):
    """A log file that starts afresh once it has reached ``max_bytes``, keeping ``backups``
    older ones as ``.1`` (the newest) to ``.N``: the rule of the standard library's
    RotatingFileHandler, written out here because importing ``logging.handlers`` (which
    brings socket, pickle and queue along) is a few per cent of the window's start-up.

    The file is opened on the first record (``delay``), so a second instance of the app
    (which only shows "already running") does not hold it open on Windows, where an open
    file blocks the renaming.
    """

    def __init__(self, path: Path | str, max_bytes: int, backups: int) -> None:
        super().__init__(path, encoding="utf-8", delay=True)
        self.max_bytes = max_bytes
        self.backups = backups

    def _open(self) -> io.TextIOWrapper:
        # 0600, not the umask's usual 0644: the log names the portal, the sites and what
        # went wrong, which is nobody else's business on a shared machine. Tightened on an
        # existing file too, for logs written by an older version.
        def private(path: str, flags: int) -> int:
            fd = os.open(path, flags, 0o600)
            if os.name == "posix":
                # A FAT stick (a trainer's portable demo) may refuse modes: log anyway.
                with contextlib.suppress(OSError):
                    os.fchmod(fd, 0o600)
            return fd

        # "a" as FileHandler's default mode: this handler never asks for another.
        return open(self.baseFilename, "a", encoding=self.encoding, errors=self.errors,
                    opener=private)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            if self._full():
                self._rotate()
            super().emit(record)
        except Exception:  # as the standard handlers do: report it, never raise it
            self.handleError(record)

    def _full(self) -> bool:
        if self.stream is None:
            self.stream = self._open()
        return self.stream.seek(0, os.SEEK_END) >= self.max_bytes

    def _rotate(self) -> None:
        if self.stream is not None:
            self.stream.close()  # Windows cannot rename an open file
        try:
            base = self.baseFilename
            for i in range(self.backups - 1, 0, -1):
                if os.path.exists(f"{base}.{i}"):
                    os.replace(f"{base}.{i}", f"{base}.{i + 1}")
            os.replace(base, f"{base}.1")
        finally:
            self.stream = self._open()


def _prepare(handler: logging.Handler) -> logging.Handler:
    handler.setFormatter(RedactingFormatter())
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
    return handler


def _our_handlers(root: logging.Logger) -> list[logging.Handler]:
    return [h for h in root.handlers if getattr(h, _OURS, None)]


def setup_logging(verbose: bool = False, *, console: bool = False) -> Path:
    """Log to ``log_dir()/dentally-setup.log`` (about 1 MB x 5 files); returns that path.

    Safe to call again (say, after the command line turned on --verbose): levels are
    updated and nothing is added twice. If the log folder changed in between (a different
    ``DENTALLY_SETUP_HOME``), the file handler moves to the new file.
    """
    path = log_dir() / LOG_FILE
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)

    existing = _our_handlers(root)
    wanted = os.path.abspath(path)  # what a FileHandler keeps as baseFilename
    keep = False
    for h in existing:
        if getattr(h, _OURS) != "file":
            continue
        if getattr(h, "baseFilename", None) == wanted:
            keep = True
        else:
            root.removeHandler(h)
            h.close()
    if not keep:
        fh = RotatingFile(path, MAX_BYTES, BACKUP_COUNT)
        setattr(fh, _OURS, "file")
        root.addHandler(_prepare(fh))

    has_console = any(getattr(h, _OURS) == "console" for h in existing)
    # A windowed build on Windows has no stderr at all (sys.stderr is None).
    if console and not has_console and sys.stderr is not None:
        ch = logging.StreamHandler(sys.stderr)
        setattr(ch, _OURS, "console")
        ch.setLevel(logging.DEBUG if verbose else logging.WARNING)
        root.addHandler(_prepare(ch))
    for h in _our_handlers(root):
        if getattr(h, _OURS) == "console":
            h.setLevel(logging.DEBUG if verbose else logging.WARNING)

    # Python's own warnings (deprecations and the like) go to the log, not to a console
    # that does not exist in the windowed build.
    logging.captureWarnings(True)
    return path


def add_handler(handler: logging.Handler) -> logging.Handler:
    """Attach *handler* (e.g. the GUI's log view) to the root logger with redaction.

    Adding the same handler twice has no effect. Returns the handler.
    """
    root = logging.getLogger()
    _prepare(handler)
    if handler not in root.handlers:
        root.addHandler(handler)
    return handler


def shutdown_logging() -> None:
    """Remove and close the handlers setup_logging added (tests; and the app at exit)."""
    root = logging.getLogger()
    for h in _our_handlers(root):
        root.removeHandler(h)
        h.close()
