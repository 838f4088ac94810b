from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from dentally_setup.store import atomic


def _litter(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_writes_text_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    atomic.atomic_write_text(target, "one")
    atomic.atomic_write_text(target, "two\nlines\n")
    assert target.read_bytes() == b"two\nlines\n"  # no \r\n on Windows either
    assert _litter(tmp_path) == []


def test_creates_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "f.txt"
    atomic.atomic_write_text(target, "x")
    assert target.read_text() == "x"


@pytest.mark.posix_only(reason="file modes are POSIX")
def test_written_file_and_new_folder_are_private(tmp_path: Path) -> None:
    target = tmp_path / "new" / "f.json"
    old = os.umask(0o022)  # the usual umask, which makes files 0644 and folders 0755
    try:
        atomic.atomic_write_text(target, "one")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.parent.stat().st_mode) == 0o700


def test_failed_replace_keeps_old_content_and_cleans_up(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f.json"
    target.write_text("old")

    def broken(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        atomic.atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert _litter(tmp_path) == []


def test_failed_write_keeps_old_content_and_cleans_up(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "f.json"
    target.write_text("old")

    def broken(fd: int) -> None:
        raise OSError("I/O error")

    monkeypatch.setattr(atomic.os, "fsync", broken)
    with pytest.raises(OSError, match="I/O error"):
        atomic.atomic_write_text(target, "new")
    assert target.read_text() == "old"
    assert _litter(tmp_path) == []


def test_remove_stale_temps_only_removes_old_ones(tmp_path: Path) -> None:
    target = tmp_path / "progress.json"
    old = tmp_path / ".progress.json.abc.tmp"
    fresh = tmp_path / ".progress.json.def.tmp"
    unrelated = tmp_path / ".other.json.ghi.tmp"
    for p in (old, fresh, unrelated):
        p.write_text("x")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    os.utime(unrelated, (an_hour_ago, an_hour_ago))
    assert atomic.remove_stale_temps(target, older_than=60) == 1
    assert not old.exists() and fresh.exists() and unrelated.exists()


def test_set_aside_renames_with_timestamp(tmp_path: Path) -> None:
    target = tmp_path / "config.json"
    target.write_text("garbage")
    kept = atomic.set_aside(target)
    assert kept is not None and kept.name.startswith("config.json.corrupt-")
    assert kept.read_text() == "garbage" and not target.exists()
