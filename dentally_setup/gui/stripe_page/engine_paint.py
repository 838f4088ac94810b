""""Painted" for a QWebEngineView: the page has finished loading (ok) and the view's render
widget has then received a paint event. The link page reports it (the benchmark times it) and
the benchmark's bare web view uses the same rule, so both sides are timed alike."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QWidget


class PaintAfterLoad(QObject):
    """Calls ``on_painted()`` once, at the first paint after the first successful load."""

    def __init__(self, view: QWidget, on_painted: Callable[[], None]) -> None:
        super().__init__(view)
        self._view = view
        self._on_painted = on_painted
        self._done = False
        self._watched: list[QObject] = []
        view.loadFinished.connect(self._loaded)  # type: ignore[attr-defined]

    def _loaded(self, ok: bool) -> None:
        if not ok or self._done or self._watched:
            return
        # Chromium paints into the view's render widget (its focus proxy), not the view.
        target = self._view.focusProxy() or self._view
        for w in (target, *target.findChildren(QObject)):
            w.installEventFilter(self)
            self._watched.append(w)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            for w in self._watched:
                w.removeEventFilter(self)
            self._on_painted()
        return False
