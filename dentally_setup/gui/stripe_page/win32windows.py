"""Whether the web host's window really is inside ours, asked of Windows itself (the X11
twin is ``x11focus.child_sizes``; ``app_side_health`` picks one of the two).

The host puts its top-level window inside our placeholder with ``QWindow.setParent``, which
on Windows is ``SetParent`` plus the ``WS_CHILD`` style. If that did not take (a policy, a
driver, a Qt bug on one PC), the window is left floating or hidden, and only Windows can
say so: its window tree is shared by every process, so another process's window counts.
"""

from __future__ import annotations

import ctypes
import sys

_GW_HWNDNEXT = 2  # GetWindow: the next window at the same level
_GW_CHILD = 5  # GetWindow: the first child window (top of the Z order)
# Our placeholder holds one window (the host's); a runaway walk is stopped all the same.
_MAX_CHILDREN = 256


class _Rect(ctypes.Structure):
    """Win32's RECT (four LONGs), spelled out so this module imports everywhere."""

    _fields_ = [("left", ctypes.c_long), ("top", ctypes.c_long),
                ("right", ctypes.c_long), ("bottom", ctypes.c_long)]


if sys.platform == "win32":
    # HWNDs are pointers: c_void_p both ways, so 64-bit handles are never truncated to the
    # C int ctypes assumes by default (a NULL HWND comes back as None).
    _user32 = ctypes.WinDLL("user32", use_last_error=True)
    _user32.IsWindow.argtypes = [ctypes.c_void_p]
    _user32.IsWindow.restype = ctypes.c_int
    _user32.GetWindow.argtypes = [ctypes.c_void_p, ctypes.c_uint]
    _user32.GetWindow.restype = ctypes.c_void_p
    _user32.GetParent.argtypes = [ctypes.c_void_p]
    _user32.GetParent.restype = ctypes.c_void_p
    _user32.IsWindowVisible.argtypes = [ctypes.c_void_p]
    _user32.IsWindowVisible.restype = ctypes.c_int
    _user32.GetWindowRect.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Rect)]
    _user32.GetWindowRect.restype = ctypes.c_int

    def _child_sizes(window_id: int) -> list[tuple[int, int]]:
        if not _user32.IsWindow(window_id):
            return []
        sizes = []
        child = _user32.GetWindow(window_id, _GW_CHILD)
        for _ in range(_MAX_CHILDREN):
            if not child:
                break
            # GetParent: a parent, not an owner (a floating window owned by ours is not
            # inside it). IsWindowVisible: this window and every one above it is shown.
            if _user32.GetParent(child) == window_id and _user32.IsWindowVisible(child):
                rect = _Rect()
                if _user32.GetWindowRect(child, ctypes.byref(rect)):
                    sizes.append((rect.right - rect.left, rect.bottom - rect.top))
            child = _user32.GetWindow(child, _GW_HWNDNEXT)
        return sizes


def child_sizes(window_id: int) -> list[tuple[int, int]] | None:
    """The sizes (device pixels) of the visible windows whose parent is ``window_id`` (an
    HWND), asked of Windows; None where Windows cannot be asked (another system)."""
    # Written as a platform check mypy understands: user32 exists on Windows only, and the
    # Windows branch is type-checked by CI's Windows job (and `mypy --platform win32`).
    if sys.platform == "win32" and window_id:
        return _child_sizes(window_id)
    return None
