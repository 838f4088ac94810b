""""Painted" for a QWebEngineView, the same rule for the app and the baseline: the page has
finished loading (ok) and the view's render widget has then received a paint event."""

from PySide6.QtCore import QEvent, QObject


class _PaintAfterLoad(QObject):
    def __init__(self, view, on_painted):
        super().__init__(view)
        self._view = view
        self._on_painted = on_painted
        self._done = False
        self._watched = []
        view.loadFinished.connect(self._loaded)

    def _loaded(self, ok):
        if not ok or self._done or self._watched:
            return
        target = self._view.focusProxy() or self._view
        for w in (target, *target.findChildren(QObject)):
            w.installEventFilter(self)
            self._watched.append(w)

    def eventFilter(self, watched, event):
        if not self._done and event.type() == QEvent.Type.Paint:
            self._done = True
            for w in self._watched:
                w.removeEventFilter(self)
            self._on_painted()
        return False


def watch_painted(view, on_painted):
    """Call ``on_painted()`` once, at the first paint after the first successful load."""
    return _PaintAfterLoad(view, on_painted)
