"""The installed (PyInstaller) build runs the demo under autopilot, offscreen, and exits 0.

Marked ``slow``: it builds dist/DentallySetup first when the build is missing or older than
the sources (about 1.5 minutes on 2 cores), then runs it (about 10 s). Skipped only when
PyInstaller is not installed (``pip install -e '.[build]'``).

    pytest -m slow tests/test_installer.py

On Linux it also checks what build_installer.spec trims: no copies of system libraries, and
Qt's ICU data cut down to English still answering the calls Qt makes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "dist" / "DentallySetup"
# On Windows, DentallySetup.exe is windowed (no stdout); dentally-setup.exe is the same app
# as a console program (see build_installer.spec).
APP = DIST / ("dentally-setup.exe" if sys.platform == "win32" else "DentallySetup")
SOURCES = [ROOT / "dentally_setup", ROOT / "resources", ROOT / "build_installer.spec",
           ROOT / "pyproject.toml"]


def newest_source_mtime() -> float:
    newest = 0.0
    for src in SOURCES:
        files = [src] if src.is_file() else [
            p for p in src.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def build_is_stale() -> bool:
    return not APP.exists() or APP.stat().st_mtime < newest_source_mtime()


@pytest.fixture(scope="module")
def built_app() -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed: pip install -e '.[build]' "
                    "(or run scripts/build-installer, which installs it)")
    if build_is_stale():
        cmd = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(ROOT / "dist"), "--workpath", str(ROOT / "build" / "pyinstaller"),
               str(ROOT / "build_installer.spec")]
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, (
            f"the build failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}")
    assert APP.exists(), f"no executable at {APP}"
    return APP


def test_built_app_runs_the_demo_under_autopilot(built_app: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["DENTALLY_SETUP_HOME"] = str(tmp_path / "home")
    env.pop("PYTHONPATH", None)  # the build must stand on its own
    done = subprocess.run(
        [str(built_app), "--demo", "--autopilot", "--autopilot-delay", "0"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, (
        f"exit {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"no JSON line in the output:\n{done.stdout[-2000:]}"
    report = json.loads(lines[-1])
    assert report["outcome"] == "linked"
    assert report["settings_saved"] is True
    assert report["pages"][-1] == "done"


def test_built_app_reports_its_version(built_app: Path) -> None:
    from dentally_setup import __version__

    done = subprocess.run([str(built_app), "--version"], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0
    assert __version__ in done.stdout


linux_only = pytest.mark.linux_only(reason="the Linux build's trimming")
QT_LIB = DIST / "_internal" / "PySide6" / "Qt" / "lib"


@linux_only
def test_linux_build_carries_no_system_libraries(built_app: Path) -> None:
    """The system's X11, NSS, glib... are used (docs/INSTALL-LINUX.md), not copies."""
    internal = DIST / "_internal"
    copies = sorted(p.name for p in internal.iterdir() if p.name.startswith((
        "libX11", "libxcb", "libnss3", "libglib", "libstdc++", "libfontconfig", "libssl",
        "libcrypto", "libdbus", "libasound", "libgcc_s")))
    assert not copies, f"copies of system libraries in the build: {copies}"
    assert list(internal.glob("libpython3*")), "Python's own library must still ship"


# Run in a fresh interpreter: the test process may have the venv's Qt (and its full ICU data,
# same soname) loaded already.
ICU_PROBE = r"""
import ctypes, json, sys
from pathlib import Path
lib = Path(sys.argv[1])
major = next(lib.glob("libicuuc.so.*")).name.rsplit(".", 1)[1]
for name in ("libicudata", "libicuuc", "libicui18n"):
    icu = ctypes.CDLL(str(lib / f"{name}.so.{major}"), mode=ctypes.RTLD_GLOBAL)
fn = lambda name: getattr(icu, f"{name}_{major}")
status = ctypes.c_int(0)
def u16(text):
    raw = text.encode("utf-16-le")
    return ctypes.create_string_buffer(raw + b"\0\0", len(raw) + 2), len(text)
def ok(value):
    ok.status.append(status.value)
    status.value = 0
    return value
ok.status = []
fn("ucol_open").restype = fn("ucal_open").restype = fn("ucnv_open").restype = ctypes.c_void_p
out = {}
for locale in ("en_GB", "de_DE"):
    coll = ctypes.c_void_p(ok(fn("ucol_open")(locale.encode(), ctypes.byref(status))))
    out["order_" + locale] = fn("ucol_strcoll")(coll, *u16("apple"), *u16("Banana"))
zone = u16("Europe/London")
cal = ctypes.c_void_p(ok(fn("ucal_open")(*zone, b"en_GB", 0, ctypes.byref(status))))
buf = ctypes.create_string_buffer(400)
n = ok(fn("ucal_getTimeZoneDisplayName")(cal, 0, b"en_GB", buf, 200, ctypes.byref(status)))
out["zone_name"] = buf.raw[:2 * n].decode("utf-16-le")
out["cp1252"] = bool(ok(fn("ucnv_open")(b"windows-1252", ctypes.byref(status))))
n = ok(fn("u_strToUpper")(buf, 200, *u16("straße"), b"en_GB", ctypes.byref(status)))
out["upper"] = buf.raw[:2 * n].decode("utf-16-le")
out["status"] = ok.status  # ICU: 0 fine, negative a warning (fell back), positive an error
print(json.dumps(out))
"""


@linux_only
def test_trimmed_icu_data_still_answers_what_qt_asks(built_app: Path) -> None:
    """build_installer.spec keeps only English (and root) locale data in libicudata."""
    data = next(QT_LIB.glob("libicudata.so.*"))
    assert data.stat().st_size < 15 * 2**20, f"{data.name} was not trimmed"
    done = subprocess.run([sys.executable, "-c", ICU_PROBE, str(QT_LIB)],
                          capture_output=True, text=True, timeout=60,
                          env={k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"})
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout)
    assert all(s <= 0 for s in out["status"]), out  # German falls back to root: a warning
    assert out["order_en_GB"] == out["order_de_DE"] == -1, out  # apple < Banana
    assert out["zone_name"] == "Greenwich Mean Time", out
    assert out["cp1252"] is True, out
    assert out["upper"] == "STRASSE", out
