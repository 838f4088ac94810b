from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dentally_setup.store import paths

REPO = Path(__file__).resolve().parents[2]


def test_all_folders_live_under_the_home_override(isolated_home: Path) -> None:
    got = {
        "config": paths.config_dir(),
        "state": paths.state_dir(),
        "data": paths.data_dir(),
        "logs": paths.log_dir(),
    }
    for name, folder in got.items():
        assert folder == isolated_home / name
        assert folder.is_dir()  # created on demand


def test_override_is_read_on_every_call(tmp_path: Path, monkeypatch) -> None:
    other = tmp_path / "elsewhere"
    monkeypatch.setenv(paths.HOME_ENV, str(other))
    assert paths.config_dir() == other / "config"


def test_without_override_platformdirs_is_used(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv(paths.HOME_ENV)
    seen: list[tuple[str, str]] = []

    def fake(appname: str, appauthor: str, **_: object) -> Path:
        seen.append((appname, appauthor))
        return tmp_path / "platform"

    for fn in ("user_config_path", "user_state_path", "user_data_path", "user_log_path"):
        monkeypatch.setattr(paths.platformdirs, fn, fake)
    assert paths.config_dir() == tmp_path / "platform"
    paths.state_dir(), paths.data_dir(), paths.log_dir()
    assert seen == [("DentallySetup", "Dentally")] * 4


def test_store_modules_import_neither_qt_nor_keyring() -> None:
    # keyring costs ~0.15 s at start-up, and store/ must stay usable without a screen.
    code = (
        "import sys\n"
        "import dentally_setup.store.paths, dentally_setup.store.config\n"
        "import dentally_setup.store.progress, dentally_setup.store.secrets\n"
        "import dentally_setup.redact, dentally_setup.logsetup\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'keyring')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


_FOLDERS = (paths.config_dir, paths.state_dir, paths.data_dir, paths.log_dir)


@pytest.mark.posix_only(reason="file modes are POSIX")
def test_folders_are_created_private(isolated_home: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which made them 0755
    try:
        folders = [make() for make in _FOLDERS]
    finally:
        os.umask(old)
    assert {stat.S_IMODE(f.stat().st_mode) for f in folders} == {0o700}


@pytest.mark.posix_only(reason="file modes are POSIX")
def test_folders_an_older_version_made_open_are_made_private(isolated_home: Path) -> None:
    for name in ("config", "state", "data", "logs"):
        (isolated_home / name).mkdir()
        (isolated_home / name).chmod(0o755)
    folders = [make() for make in _FOLDERS]
    assert {stat.S_IMODE(f.stat().st_mode) for f in folders} == {0o700}


@pytest.mark.posix_only(reason="file modes are POSIX")
def test_platform_folders_are_private_but_their_shared_parents_are_left_alone(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(paths.HOME_ENV)
    shared = tmp_path / "dot-config"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    monkeypatch.setattr(paths.platformdirs, "user_config_path",
                        lambda *_a, **_k: shared / "DentallySetup")
    folder = paths.config_dir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
