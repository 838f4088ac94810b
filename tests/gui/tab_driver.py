"""Presses Tab, Shift+Tab and F6 on Stripe's page as a person does, on a real X server, and
prints where the keyboard went after each key (one JSON line each). Run by
test_keyboard_x11.py under Xvfb, with the project's Python, in its own process (the tests'
QApplication is offscreen; this one must be on X11). Keys go through the X server (XTest),
so they reach whichever window X gives them to, the web host's included.

Usage: tab_driver.py  (DENTALLY_WEBVIEW chooses the browser: inline or process)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import sys
import tempfile
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWizard

from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.pages.link import LinkPage
from dentally_setup.gui.qtsetup import prepare_qt
from dentally_setup.gui.stripe_page.x11focus import give_focus
from dentally_setup.gui.wizard import SetupWizard
from dentally_setup.sandbox import Sandbox

TAB, F6, SHIFT = 0xFF09, 0xFFC3, 0xFFE1
WHERE_JS = ("document.hasFocus() && document.activeElement && document.activeElement.id"
            " ? document.activeElement.id : ''")


class XKeys:
    """Real key presses through the X server (the XTest extension, through ctypes)."""

    def __init__(self) -> None:
        self.x = ctypes.CDLL(ctypes.util.find_library("X11"))
        self.xt = ctypes.CDLL(ctypes.util.find_library("Xtst"))
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
        self.x.XFlush.argtypes = [ctypes.c_void_p]
        self.xt.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                              ctypes.c_ulong]
        self.xt.XTestFakeMotionEvent.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                                 ctypes.c_int, ctypes.c_ulong]
        self.dpy = self.x.XOpenDisplay(None)
        assert self.dpy, "no X display"

    def pointer_to(self, x: int, y: int) -> None:
        # X gives keys to the window under the pointer when it is inside the focused one:
        # a keyboard user's pointer rests away from the page.
        self.xt.XTestFakeMotionEvent(self.dpy, 0, x, y, 0)
        self.x.XFlush(self.dpy)

    def press(self, keysym: int, shift: bool = False) -> None:
        code = self.x.XKeysymToKeycode(self.dpy, keysym)
        shift_code = self.x.XKeysymToKeycode(self.dpy, SHIFT)
        if shift:
            self.xt.XTestFakeKeyEvent(self.dpy, shift_code, 1, 0)
        self.xt.XTestFakeKeyEvent(self.dpy, code, 1, 0)
        self.xt.XTestFakeKeyEvent(self.dpy, code, 0, 0)
        if shift:
            self.xt.XTestFakeKeyEvent(self.dpy, shift_code, 0, 0)
        self.x.XFlush(self.dpy)


def main() -> int:
    os.environ["QT_QPA_PLATFORM"] = "xcb"  # a real X server, as a person's desktop
    prepare_qt()
    app = QApplication(sys.argv[:1])
    sandbox = Sandbox(scenario="fresh", state_dir=Path(tempfile.mkdtemp(prefix="tabs-")),
                      reset=True)
    sandbox.start()
    state = WizardState(demo=True, scenario="fresh", portal_url=sandbox.portal_url,
                        token=sandbox.token)
    wizard = SetupWizard(state, demo=sandbox)
    wizard.move(0, 0)
    wizard.show()
    keys = XKeys()
    keys.pointer_to(wizard.width() + 50, wizard.height() + 50)
    steps: list[Callable[[], None]] = []
    code = [1]

    def report(what: dict[str, Any]) -> None:
        print(json.dumps(what), flush=True)

    def link_page() -> LinkPage:
        page = wizard.pages[Step.LINK]
        assert isinstance(page, LinkPage) and page.browser is not None
        return page

    def where(then: Callable[[dict[str, Any]], None]) -> None:
        page = link_page()
        assert page.browser is not None
        focused = QApplication.focusWidget()
        app_side = (focused.accessibleName() or type(focused).__name__) if focused else ""
        page.browser.run_js(WHERE_JS, lambda in_page: then(
            {"app": app_side, "page": in_page or ""}))

    def key_then(phase: str, keysym: int, shift: bool,
                 until: Callable[[dict[str, Any]], bool], label: str, tries: int) -> None:
        """Press the key, then look until ``until`` holds (or a bound passes), report."""
        before: dict[str, Any] = {}
        where(before.update)
        keys.press(keysym, shift)
        looks = [0]

        def look() -> None:
            def seen(now: dict[str, Any]) -> None:
                looks[0] += 1
                settled = now != before and (until(now) or looks[0] >= 10)
                if settled or looks[0] >= 30:
                    now.update(key=label, phase=phase)
                    report(now)
                    if until(now) or tries <= 1:
                        next_step()
                    else:
                        key_then(phase, keysym, shift, until, label, tries - 1)
                    return
                QTimer.singleShot(100, look)

            where(seen)

        QTimer.singleShot(100, look)

    def in_page(now: dict[str, Any]) -> bool:
        return bool(now["page"])

    def in_app(now: dict[str, Any]) -> bool:
        return not now["page"] and now["app"] not in ("", "Stripe's page")

    def next_step() -> None:
        if not steps:
            code[0] = 0
            report({"done": True})
            QTimer.singleShot(0, app.quit)
            return
        steps.pop(0)()

    # (phase, key, with Shift, done when, how many presses at most)
    plan: list[tuple[str, int, bool, Callable[[dict[str, Any]], bool], int]] = [
        ("into", TAB, False, in_page, 20),      # Tab from the app's buttons into the page
        ("through", TAB, False, in_app, 6),     # through the page and out, to the app
        ("back in", TAB, True, in_page, 1),     # Shift+Tab: in again, at its last control
        ("back out", TAB, True, in_app, 6),     # through it backwards and out
        ("in again", TAB, False, in_page, 1),   # Tab: in again, at its first control
    ]
    if os.environ.get("DENTALLY_WEBVIEW") == "process":
        plan += [("F6", F6, False, in_app, 1),             # the web host's way out
                 ("after F6", TAB, True, in_page, 1)]      # and Shift+Tab straight back in
    for phase, keysym, shift, until, tries in plan:
        label = ("Shift+" if shift else "") + ("F6" if keysym == F6 else "Tab")
        steps.append(partial(key_then, phase, keysym, shift, until, label, tries))

    def start(kind: str) -> None:
        if kind != "signin" or getattr(start, "done", False):
            return
        start.done = True  # type: ignore[attr-defined]

        def focused() -> None:
            give_focus(int(wizard.winId()))
            wizard.activateWindow()
            page = link_page()
            page.cancel_button.setFocus()
            report({"start": page.cancel_button.accessibleName()})
            next_step()

        QTimer.singleShot(0, focused)

    wizard.browserCreated.connect(lambda browser: browser.pageKind.connect(start))

    def onwards() -> None:
        if wizard.currentId() == int(Step.LINK):
            return
        button = wizard.button(QWizard.WizardButton.NextButton)
        if button.isEnabled() and not wizard.currentPage().working:  # type: ignore[attr-defined]
            wizard.next()
        QTimer.singleShot(100, onwards)

    QTimer.singleShot(0, onwards)
    QTimer.singleShot(90_000, app.quit)  # never hang the test that runs this
    app.exec()
    sandbox.stop()
    return code[0]


if __name__ == "__main__":
    sys.exit(main())
