"""Keyboard focus between the app's window and the web host's window inside it, on X11.

Qt asks X for the focus with the time of the last event its process saw, and X ignores a
request older than the last focus change; after the person typed into the other process,
ours always is. ``XSetInputFocus`` with ``CurrentTime`` is what X offers for this (it is
what XEmbed-style containers do). Elsewhere this does nothing and Qt's own activation is
used (Windows gives focus across a parent/child window pair itself).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
from functools import cache

from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

_REVERT_TO_PARENT = 2
_CURRENT_TIME = 0


@cache
def _xlib() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("X11")
    if name is None:
        return None
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return None
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XSetInputFocus.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_ulong]
    lib.XFlush.argtypes = [ctypes.c_void_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    return lib


def give_focus(window_id: int) -> bool:
    """Give the X keyboard focus to ``window_id`` now; False when X11 is not available."""
    if QGuiApplication.platformName() != "xcb" or not window_id:
        return False
    lib = _xlib()
    if lib is None:
        return False
    display = lib.XOpenDisplay(None)
    if not display:
        return False
    try:
        lib.XSetInputFocus(display, window_id, _REVERT_TO_PARENT, _CURRENT_TIME)
        lib.XFlush(display)
    finally:
        lib.XCloseDisplay(display)
    log.debug("X keyboard focus given to window %#x", window_id)
    return True
