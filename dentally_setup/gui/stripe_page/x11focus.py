"""Keyboard focus between the app's window and the web host's window inside it, on X11, and
whether the host's window really is inside ours (``child_sizes``).

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
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from PySide6.QtGui import QGuiApplication

log = logging.getLogger(__name__)

_REVERT_TO_PARENT = 2
_CURRENT_TIME = 0

# Xlib's default error handler ends the process: a window that went away between two calls
# (the host re-creates its window at times) would take the app down. While we talk to X, an
# error is ignored instead and the call's own result says it failed.
_ErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)


@_ErrorHandler
def _ignore_error(_display: int, _event: int) -> int:
    return 0


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
    lib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XSetErrorHandler.restype = ctypes.c_void_p
    lib.XSetErrorHandler.argtypes = [ctypes.c_void_p]
    lib.XQueryTree.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
        ctypes.POINTER(ctypes.c_uint)]
    lib.XGetGeometry.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint),
        ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint)]
    lib.XFree.argtypes = [ctypes.c_void_p]
    return lib


@contextmanager
def _display() -> Iterator[tuple[ctypes.CDLL, int] | None]:
    """A connection to the X server (None where there is none), with X errors ignored
    until every request made on it has been answered."""
    lib = _xlib() if QGuiApplication.platformName() == "xcb" else None
    display = lib.XOpenDisplay(None) if lib is not None else None
    if lib is None or not display:
        yield None
        return
    previous = lib.XSetErrorHandler(ctypes.cast(_ignore_error, ctypes.c_void_p))
    try:
        yield lib, display
    finally:
        lib.XSync(display, 0)  # errors for our requests arrive now, while ignored
        lib.XSetErrorHandler(previous)
        lib.XCloseDisplay(display)


def give_focus(window_id: int) -> bool:
    """Give the X keyboard focus to ``window_id`` now; False when X11 is not available."""
    if not window_id:
        return False
    with _display() as x:
        if x is None:
            return False
        lib, display = x
        lib.XSetInputFocus(display, window_id, _REVERT_TO_PARENT, _CURRENT_TIME)
    log.debug("X keyboard focus given to window %#x", window_id)
    return True


def child_sizes(window_id: int) -> list[tuple[int, int]] | None:
    """The sizes of the X windows directly inside ``window_id`` (asked of the X server, so
    another process's window counts); None when X11 is not available to ask."""
    if not window_id:
        return None
    with _display() as x:
        if x is None:
            return None
        lib, display = x
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        kids, count = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not lib.XQueryTree(display, window_id, ctypes.byref(root), ctypes.byref(parent),
                              ctypes.byref(kids), ctypes.byref(count)):
            return []
        children = [kids[i] for i in range(count.value)]
        if kids:
            lib.XFree(kids)
        sizes = []
        for child in children:  # one may be gone by now: its geometry then fails, skipped
            x_pos, y_pos = ctypes.c_int(), ctypes.c_int()
            width, height, border, depth = (ctypes.c_uint() for _ in range(4))
            if lib.XGetGeometry(display, child, ctypes.byref(root), ctypes.byref(x_pos),
                                ctypes.byref(y_pos), ctypes.byref(width),
                                ctypes.byref(height), ctypes.byref(border),
                                ctypes.byref(depth)):
                sizes.append((width.value, height.value))
        return sizes
