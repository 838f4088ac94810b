"""Text size: Ctrl+plus / Ctrl+minus / Ctrl+0 scale the whole app's text from the system's
own size (so system text scaling carries through), and the choice is remembered."""

from __future__ import annotations

import logging

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)

STEPS = (0.8, 0.9, 1.0, 1.15, 1.3, 1.5, 1.75, 2.0)


class Zoom:
    def __init__(self, window: QWidget, app: QApplication, zoom: float = 1.0,
                 presenter: bool = False) -> None:
        self.app = app
        self.base = app.font().pointSizeF()
        self.presenter = presenter
        self.zoom = min(STEPS, key=lambda s: abs(s - zoom))
        for keys, step in ((QKeySequence.StandardKey.ZoomIn, 1),
                           (QKeySequence.StandardKey.ZoomOut, -1)):
            shortcut = QShortcut(keys, window)
            shortcut.activated.connect(lambda step=step: self.change(step))
        # Ctrl+= as well: on many keyboards "+" needs Shift.
        QShortcut(QKeySequence("Ctrl+="), window).activated.connect(lambda: self.change(1))
        QShortcut(QKeySequence("Ctrl+0"), window).activated.connect(self.reset)
        self.apply()

    @property
    def scale(self) -> float:
        return self.zoom * (1.35 if self.presenter else 1.0)

    def apply(self) -> None:
        font = self.app.font()
        font.setPointSizeF(max(6.0, self.base * self.scale))
        self.app.setFont(font)

    def change(self, step: int) -> None:
        index = STEPS.index(self.zoom) + step
        self.zoom = STEPS[max(0, min(len(STEPS) - 1, index))]
        self.apply()
        self._remember()

    def set_presenter(self, on: bool) -> None:
        """Trainers' presenter mode: larger text now and next time."""
        self.presenter = on
        self.apply()
        self._remember()

    def reset(self) -> None:
        self.zoom = 1.0
        self.apply()
        self._remember()

    def _remember(self) -> None:
        from dentally_setup.store.config import load_config, save_config

        try:
            cfg = load_config()
            cfg.zoom = self.zoom
            cfg.presenter = self.presenter
            save_config(cfg)
        except (OSError, ValueError) as exc:
            log.warning("could not remember the text size: %r", exc)
