"""Crash-safe file writes.

A reception PC can lose power or be switched off mid-save. Writing to a temporary file in
the same folder and then ``os.replace``-ing it over the real one means a reader sees either
the whole old file or the whole new one, never half of each.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import time
from datetime import datetime
from pathlib import Path

log = logging.getLogger(__name__)


def _fsync_dir(folder: Path) -> None:
    # Makes the rename itself durable on POSIX. Windows cannot open a directory for
    # fsync (and NTFS journals the rename anyway), so skip it there and on any OS error.
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_text(path: Path | str, text: str, *, encoding: str = "utf-8") -> None:
    """Replace *path* with *text* so that readers never see a partly written file.

    The temporary file lives in the same folder because ``os.replace`` is only atomic
    within one file system. On any failure the temporary file is removed and the old
    content of *path* is left as it was.
    """
    target = Path(path)
    folder = target.parent
    # Private: these files are the person's own (see paths.private_dir). mkstemp makes
    # the file itself 0600, and os.replace carries that mode over to the target.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        # newline="" keeps "\n" as written: the files are JSON and should read the same on
        # every OS, not grow "\r\n" on Windows.
        with os.fdopen(fd, "w", encoding=encoding, newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        # BaseException too: a KeyboardInterrupt mid-write must not leave litter behind.
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(folder)


def remove_stale_temps(path: Path | str, *, older_than: float = 300.0) -> int:
    """Delete temporary files a killed process left next to *path*; returns how many.

    Only files older than *older_than* seconds go, so a save in progress in another
    instance of the app is not pulled from under it.
    """
    target = Path(path)
    removed = 0
    now = time.time()
    for tmp in target.parent.glob(f".{target.name}.*.tmp"):
        try:
            if now - tmp.stat().st_mtime >= older_than:
                tmp.unlink()
                removed += 1
        except OSError:
            continue  # gone already, or locked: try again next start
    if removed:
        log.info("Removed %d leftover temporary file(s) next to %s", removed, target.name)
    return removed


def set_aside(path: Path) -> Path | None:
    """Rename an unreadable file to ``<name>.corrupt-<timestamp>`` and return the new path.

    Kept, not deleted, so support can see what went wrong. Returns None when even the
    rename fails (e.g. the file is locked by antivirus); the caller still uses defaults.
    """
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    try:
        path.replace(target)
    except OSError as exc:
        log.warning("Could not set aside %s: %s", path, exc)
        return None
    return target
