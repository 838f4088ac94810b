"""The web host's window really sits inside the app's window on X11 (Xvfb, the xcb platform,
not offscreen): the whole demo runs, and while Stripe's page is shown the X window tree
holds a window of another X client (the web host) inside the app's top-level window, mapped,
within its bounds and filling the page's area, and no top-level window of the host's own."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.linux_only(reason="the X11 window tree, under Xvfb"),
              pytest.mark.needs_program("Xvfb", reason="scripts/bootstrap installs it")]


class _Attrs(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("width", ctypes.c_int),
                ("height", ctypes.c_int), ("border_width", ctypes.c_int),
                ("depth", ctypes.c_int), ("visual", ctypes.c_void_p), ("root", ctypes.c_ulong),
                ("c_class", ctypes.c_int), ("bit_gravity", ctypes.c_int),
                ("win_gravity", ctypes.c_int), ("backing_store", ctypes.c_int),
                ("backing_planes", ctypes.c_ulong), ("backing_pixel", ctypes.c_ulong),
                ("save_under", ctypes.c_int), ("colormap", ctypes.c_ulong),
                ("map_installed", ctypes.c_int), ("map_state", ctypes.c_int),
                ("all_event_masks", ctypes.c_long), ("your_event_mask", ctypes.c_long),
                ("do_not_propagate_mask", ctypes.c_long), ("override_redirect", ctypes.c_int),
                ("screen", ctypes.c_void_p)]


IS_VIEWABLE = 2

# Xlib's default error handler ends the process (pytest with it, silently, exit code 1) when
# a window goes away between XQueryTree and XGetWindowAttributes, as the app's windows do
# while the demo moves on: errors are ignored and such a window reads as not viewable.
_ErrorHandler = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p)
_ignore_error = _ErrorHandler(lambda _display, _event: 0)


class XTree:
    """Just enough Xlib (through ctypes) to read the window tree."""

    def __init__(self, display: str) -> None:
        self.x = ctypes.CDLL(ctypes.util.find_library("X11"))
        self.x.XOpenDisplay.restype = ctypes.c_void_p
        self.x.XOpenDisplay.argtypes = [ctypes.c_char_p]
        self.x.XDefaultRootWindow.restype = ctypes.c_ulong
        self.x.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
        self.x.XQueryTree.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
            ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.POINTER(ctypes.c_ulong)),
            ctypes.POINTER(ctypes.c_uint)]
        self.x.XGetWindowAttributes.argtypes = [ctypes.c_void_p, ctypes.c_ulong,
                                                ctypes.POINTER(_Attrs)]
        self.x.XTranslateCoordinates.argtypes = [
            ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
            ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_int),
            ctypes.POINTER(ctypes.c_ulong)]
        self.x.XFree.argtypes = [ctypes.c_void_p]
        self.x.XSetErrorHandler.argtypes = [_ErrorHandler]
        self.x.XSetErrorHandler(_ignore_error)
        self.dpy = self.x.XOpenDisplay(display.encode())
        assert self.dpy, f"cannot open X display {display}"
        self.root = self.x.XDefaultRootWindow(self.dpy)

    def children(self, window: int) -> list[int]:
        root, parent = ctypes.c_ulong(), ctypes.c_ulong()
        kids, n = ctypes.POINTER(ctypes.c_ulong)(), ctypes.c_uint()
        if not self.x.XQueryTree(self.dpy, window, ctypes.byref(root), ctypes.byref(parent),
                                 ctypes.byref(kids), ctypes.byref(n)):
            return []
        found = [kids[i] for i in range(n.value)]
        if kids:
            self.x.XFree(kids)
        return found

    def rect(self, window: int) -> tuple[int, int, int, int, bool]:
        """(x, y on the screen, width, height, viewable)"""
        attrs = _Attrs()
        self.x.XGetWindowAttributes(self.dpy, window, ctypes.byref(attrs))
        x, y, child = ctypes.c_int(), ctypes.c_int(), ctypes.c_ulong()
        self.x.XTranslateCoordinates(self.dpy, window, self.root, 0, 0, ctypes.byref(x),
                                     ctypes.byref(y), ctypes.byref(child))
        return x.value, y.value, attrs.width, attrs.height, attrs.map_state == IS_VIEWABLE

    def descendants(self, top: int) -> list[int]:
        found = []
        for child in self.children(top):
            found += [child, *self.descendants(child)]
        return found


def client(window: int) -> int:
    """The X client a window belongs to: its resource-id base (Xvfb's mask is 0x1fffff)."""
    return window >> 21


def free_display() -> int:
    for n in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return n
    raise AssertionError("no free X display number")


def test_stripes_page_is_inside_the_apps_window_on_x11(tmp_path, qtbot):
    n = free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    home = tmp_path / "home"
    app = None
    try:
        qtbot.waitUntil(lambda: Path(f"/tmp/.X11-unix/X{n}").exists(), timeout=10000)
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=f":{n}", DENTALLY_SETUP_HOME=str(home))
        # The autopilot waits 1.5 s on each Stripe screen: time to read the window tree.
        app = subprocess.Popen(
            [sys.executable, "-m", "dentally_setup", "--demo", "--autopilot",
             "--autopilot-delay", "1500"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        tree = XTree(f":{n}")
        found: dict[str, object] = {}

        def host_window_shown() -> bool:
            assert app.poll() is None, "the app ended before Stripe's page was shown"
            tops = [w for w in tree.children(tree.root) if tree.rect(w)[4]]
            if not tops:
                return False
            top = max(tops, key=lambda w: tree.rect(w)[2] * tree.rect(w)[3])
            # The web host is another X client: its windows carry another resource-id base.
            foreign = [w for w in tree.descendants(top)
                       if client(w) != client(top) and tree.rect(w)[4]]
            if not foreign:
                return False
            host = max(foreign, key=lambda w: tree.rect(w)[2] * tree.rect(w)[3])
            found.update(app=tree.rect(top), host=tree.rect(host))
            if tree.rect(host)[2] < 300:
                return False  # shown but not yet at the placeholder's size: look again
            found["other_tops"] = [tree.rect(w) for w in tops if client(w) == client(host)]
            return True

        qtbot.waitUntil(host_window_shown, timeout=60000)
        ax, ay, aw, ah, app_viewable = found["app"]  # type: ignore[misc]
        hx, hy, hw, hh, _ = found["host"]  # type: ignore[misc]
        assert app_viewable
        assert found["other_tops"] == [], found  # no window of its own beside the app's
        assert ax <= hx and ay <= hy and hx + hw <= ax + aw and hy + hh <= ay + ah, found
        assert hw > aw // 2 and hh > ah // 3, found  # the page fills the link page's area
        deadline = time.monotonic() + 90
        while app.poll() is None and time.monotonic() < deadline:
            qtbot.wait(200)  # the demo goes on by itself; only its end is awaited here
        assert app.returncode == 0
        report = json.loads(app.stdout.read().strip().splitlines()[-1])
        assert report["outcome"] == "linked"
        # The app's own check found the host's window inside its own, so it kept the host.
        log_text = "\n".join(p.read_text() for p in home.rglob("*.log"))
        assert "the web host's window is inside the app's" in log_text
        assert "DS-W-HOST" not in log_text
    finally:
        if app is not None and app.poll() is None:
            app.kill()
            app.wait(timeout=10)
        xvfb.terminate()
        xvfb.wait(timeout=10)


FAKE_HOST = Path(__file__).with_name("fake_web_host.py")
# Runs the real app, whose web host is the fake one that never puts its window inside ours.
NO_EMBED_APP = f"""
import sys
from dentally_setup.gui.stripe_page import app_side_process
app_side_process.host_command = lambda *_a, **_k: (sys.executable, [{str(FAKE_HOST)!r},
                                                                    "no-embed"])
from dentally_setup.app import main
sys.exit(main(["--demo", "--autopilot", "--autopilot-delay", "300"]))
"""


def test_a_host_whose_window_never_appears_inside_ours_is_replaced(tmp_path, qtbot):
    """The host answers every command but its window is not in the app's window tree: the
    app finds out from X itself, shows Stripe's page in its own process, the demo links
    under the autopilot, and this PC keeps to its own process from then on."""
    n = free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{n}", "-screen", "0", "1280x900x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    home = tmp_path / "home"
    app = None
    try:
        qtbot.waitUntil(lambda: Path(f"/tmp/.X11-unix/X{n}").exists(), timeout=10000)
        env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
        env.update(DISPLAY=f":{n}", DENTALLY_SETUP_HOME=str(home))
        app = subprocess.Popen([sys.executable, "-c", NO_EMBED_APP], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        qtbot.waitUntil(lambda: app.poll() is not None, timeout=150000)
        assert app.returncode == 0
        report = json.loads(app.stdout.read().strip().splitlines()[-1])
        assert report["outcome"] == "linked"
        config = json.loads((home / "config" / "config.json").read_text())
        assert config["web_host_failed"] is True
        log_text = "\n".join(p.read_text() for p in home.rglob("*.log"))
        assert "DS-W-HOST" in log_text and "did not appear inside" in log_text
    finally:
        if app is not None and app.poll() is None:
            app.kill()
            app.wait(timeout=10)
        xvfb.terminate()
        xvfb.wait(timeout=10)
