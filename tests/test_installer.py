"""The installed (PyInstaller) build runs the demo under autopilot, offscreen, and exits 0.

Marked ``slow``: it builds dist/DentallySetup first when the build is missing or older than
the sources (about 1.5 minutes on 2 cores), then runs it (about 10 s). Skipped only when
PyInstaller is not installed (``pip install -e '.[build]'``).

    pytest -m slow tests/test_installer.py
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
