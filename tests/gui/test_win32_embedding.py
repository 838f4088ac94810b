"""The Windows half of the web host's health check (gui/stripe_page/win32windows.py): is the
host's window inside ours, shown, and at what size, asked of Windows itself. Real windows,
made with user32: one put inside another with SetParent and the WS_CHILD style (what Qt's
QWindow.setParent does for the web host's window), one left top-level, one only owned."""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from dentally_setup.gui.stripe_page import app_side_health, win32windows, x11focus
from dentally_setup.gui.stripe_page.win32windows import child_sizes

WS_OVERLAPPEDWINDOW = 0x00CF0000
WS_POPUP = 0x80000000
WS_CHILD = 0x40000000
WS_VISIBLE = 0x10000000
GWL_STYLE = -16
# SetWindowPos rather than ShowWindow to show and hide: Windows may ignore a process's first
# ShowWindow in favour of how the process was started (STARTUPINFO).
SWP_KEEP = 0x1 | 0x2 | 0x4 | 0x10  # no size, no move, no z-order change, no activation
SWP_SHOWWINDOW, SWP_HIDEWINDOW = 0x40, 0x80


@pytest.fixture
def user32() -> Any:
    lib = ctypes.WinDLL("user32", use_last_error=True)
    hwnd, c_int, c_uint = ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32
    lib.CreateWindowExW.argtypes = [c_uint, ctypes.c_wchar_p, ctypes.c_wchar_p, c_uint, c_int,
                                    c_int, c_int, c_int, hwnd, hwnd, hwnd, ctypes.c_void_p]
    lib.CreateWindowExW.restype = hwnd
    lib.SetParent.argtypes = [hwnd, hwnd]
    lib.SetParent.restype = hwnd
    lib.SetWindowLongPtrW.argtypes = [hwnd, c_int, ctypes.c_ssize_t]
    lib.SetWindowLongPtrW.restype = ctypes.c_ssize_t
    lib.MoveWindow.argtypes = [hwnd, c_int, c_int, c_int, c_int, c_int]
    lib.MoveWindow.restype = c_int
    lib.SetWindowPos.argtypes = [hwnd, hwnd, c_int, c_int, c_int, c_int, c_uint]
    lib.SetWindowPos.restype = c_int
    lib.DestroyWindow.argtypes = [hwnd]
    lib.DestroyWindow.restype = c_int
    return lib


@pytest.fixture
def make_window(user32: Any) -> Iterator[Any]:
    made: list[int] = []

    def make(style: int, owner: int | None = None) -> int:
        # STATIC: a window class Windows always has, so no class of our own to register.
        hwnd = user32.CreateWindowExW(0, "STATIC", "dentally-setup test", style,
                                      10, 10, 400, 300, owner, None, None, None)
        assert hwnd, f"CreateWindowExW failed: error {ctypes.get_last_error()}"
        made.append(hwnd)
        return int(hwnd)

    yield make
    for hwnd in reversed(made):
        user32.DestroyWindow(hwnd)


@pytest.mark.windows_only(reason="asks Windows' own window tree through user32")
def test_a_window_put_inside_ours_is_seen_at_its_size(user32: Any, make_window: Any) -> None:
    ours = make_window(WS_OVERLAPPEDWINDOW | WS_VISIBLE)
    host = make_window(WS_OVERLAPPEDWINDOW | WS_VISIBLE)  # another top-level window
    assert child_sizes(ours) == []  # a top-level window is not inside ours
    # What Qt does when the web host's window is given our placeholder as its parent.
    user32.SetWindowLongPtrW(host, GWL_STYLE, WS_CHILD | WS_VISIBLE)
    assert user32.SetParent(host, ours), ctypes.get_last_error()
    assert user32.MoveWindow(host, 0, 0, 240, 130, 1)
    assert child_sizes(ours) == [(240, 130)]
    assert child_sizes(host) == []  # and nothing is inside it
    assert user32.SetWindowPos(host, None, 0, 0, 0, 0, SWP_KEEP | SWP_HIDEWINDOW)
    assert child_sizes(ours) == []  # inside, but hidden: the person sees no page
    assert user32.SetWindowPos(host, None, 0, 0, 0, 0, SWP_KEEP | SWP_SHOWWINDOW)
    assert child_sizes(ours) == [(240, 130)]
    assert user32.SetWindowPos(ours, None, 0, 0, 0, 0, SWP_KEEP | SWP_HIDEWINDOW)
    assert child_sizes(ours) == []  # shown inside a hidden window is not shown


@pytest.mark.windows_only(reason="asks Windows' own window tree through user32")
def test_a_window_only_owned_by_ours_floats_and_does_not_count(make_window: Any) -> None:
    ours = make_window(WS_OVERLAPPEDWINDOW | WS_VISIBLE)
    make_window(WS_POPUP | WS_VISIBLE, owner=ours)  # GetParent names its owner: not inside
    assert child_sizes(ours) == []


@pytest.mark.windows_only(reason="asks Windows' own window tree through user32")
def test_a_window_that_is_gone_has_nothing_inside(user32: Any, make_window: Any) -> None:
    ours = make_window(WS_OVERLAPPEDWINDOW | WS_VISIBLE)
    assert user32.DestroyWindow(ours)
    assert child_sizes(ours) == []
    assert child_sizes(0) is None


def test_the_health_check_asks_the_window_system_of_this_platform() -> None:
    expected = win32windows.child_sizes if sys.platform == "win32" else x11focus.child_sizes
    assert app_side_health.child_sizes is expected


@pytest.mark.posix_only(reason="where there is no user32 to ask")
def test_elsewhere_windows_cannot_be_asked() -> None:
    assert child_sizes(0x1234) is None
