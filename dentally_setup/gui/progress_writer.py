"""Writing the progress file off the GUI thread, in order.

The progress file is written atomically and synced to disk, and with a group's 40 sites it
is big: each write took 10-80 ms of the GUI thread on a busy PC, so while many sites were
being saved the window stalled. Snapshots are taken on the GUI thread (``to_progress``
builds new plain data) and written here by one thread, one after another, so a later
snapshot is never overwritten by an earlier one.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor

from dentally_setup.store import progress as progress_store
from dentally_setup.store.progress import Progress

log = logging.getLogger(__name__)

DRAIN_TIMEOUT_S = 10.0


class ProgressWriter:
    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="progress")
        self._last: Future[None] | None = None

    def write(self, progress: Progress) -> Future[None]:
        """Queue ``progress``; the future ends when it is on disk (or failed, logged)."""
        self._last = self._pool.submit(self._write, progress)
        return self._last

    def drain(self) -> None:
        """Wait for the writes queued so far: before anyone else writes or removes the
        file, so nothing queued lands after them."""
        last, self._last = self._last, None
        if last is not None:
            last.result(timeout=DRAIN_TIMEOUT_S)

    @staticmethod
    def _write(progress: Progress) -> None:
        try:
            progress_store.save_progress(progress)
        except (OSError, ValueError) as exc:  # as the wizard's own save_progress
            log.warning("could not save progress: %r", exc)
