"""A command that reads the saved settings file when that file is broken: the command
still runs, and the person is told on stderr that the file was reset and where it went."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dentally_setup.cli.main import main


def test_a_deeply_nested_config_is_set_aside_and_the_person_told(
        isolated_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = isolated_home / "config" / "config.json"
    config.parent.mkdir()
    config.write_bytes(b"[" * 100_000)  # json.loads raises RecursionError on this
    assert main(["status", "--json"]) == 2  # no address saved any more: the usual answer
    out = capsys.readouterr()
    kept = list(config.parent.glob("config.json.corrupt-*"))
    assert len(kept) == 1 and not config.exists()
    assert "Your saved settings could not be read and were reset" in out.err
    assert str(kept[0]) in out.err
    assert "No portal address" in out.err
    assert "Traceback" not in out.err
    assert out.out == "" or json.loads(out.out)  # stdout stays machine-readable
