"""Measure GUI-thread stalls: a precise 5 ms repeating timer on the GUI thread; a stall is
the gap between two ticks (5 ms when the thread is free)."""

import time

from PySide6.QtCore import QObject, Qt, QTimer


class StallMeter(QObject):
    def __init__(self, interval_ms=5, parent=None):
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.gaps = []  # (end of gap, seconds)

    def start(self):
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self):
        self._timer.stop()
        self._tick()

    def _tick(self):
        now = time.perf_counter()
        self.gaps.append((now, now - self._last))
        self._last = now

    def longest(self, since=0.0, until=float("inf")):
        """The longest stall within [since, until], in seconds: each gap clipped to the
        window. (Unclipped, the first gap ending after ``since`` counted whatever the thread
        did before it: group_gui's "stall while saving" was the review page's own paint.)"""
        return max((min(t, until) - max(t - g, since) for t, g in self.gaps
                    if t >= since and t - g <= until), default=0.0)
