"""Run blocking work (HTTP, keyring) off the GUI thread and get the answer back as a
signal, as dangerzone's startup runner does. The GUI thread never waits on the network."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives on the GUI thread; the worker emits into it, so callbacks run on the GUI
    thread (a queued connection), never on the worker."""

    done = Signal(object)
    failed = Signal(object)

    def __init__(
        self,
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException], None],
    ) -> None:
        super().__init__()
        self._on_done = on_done
        self._on_failed = on_failed
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_failed)

    @Slot(object)
    def _deliver_done(self, result: Any) -> None:
        _live.discard(self)
        self._on_done(result)

    @Slot(object)
    def _deliver_failed(self, exc: BaseException) -> None:
        _live.discard(self)
        self._on_failed(exc)


class _Task(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._fn()
        except BaseException as exc:  # reported to the page, which explains it
            log.debug("background task failed: %r", exc)
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


# Relays must outlive their task; this set keeps them alive until they deliver.
_live: set[_Relay] = set()


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_failed: Callable[[BaseException], None],
) -> None:
    relay = _Relay(on_done, on_failed)
    _live.add(relay)
    QThreadPool.globalInstance().start(_Task(fn, relay))


def busy_tasks() -> int:
    """How many background tasks have not reported yet (tests wait for zero)."""
    return len(_live)
