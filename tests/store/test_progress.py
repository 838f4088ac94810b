from __future__ import annotations

import json
import os
import random
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from dentally_setup.store.progress import (
    SCHEMA_VERSION,
    Progress,
    clear_progress,
    load_progress,
    progress_path,
    save_progress,
)
from dentally_setup.store.secrets import SecretRefusedError

REPO = Path(__file__).resolve().parents[2]


def _sample() -> Progress:
    return Progress(
        step="deposits",
        link_session_id="ls_123",
        portal_url="https://portal.example",
        demo=True,
        scenario="fresh",
        site_drafts={
            "site_1": {"deposits_enabled": True, "default": "25.0", "by_type": {"at_1": "0"},
                       "balances": True, "invoices": False},
            # Half-typed and invalid: must come back exactly as typed.
            "site_2": {"deposits_enabled": True, "default": "2x.", "by_type": {"at_2": " 10 "},
                       "balances": False, "invoices": True},
        },
        same_for_all=False,
        pending_writes={"site_1": {"idempotency_key": "7b0c-uuid", "etag": '"v3"',
                                   "payload": {"deposits": {"enabled": True,
                                                            "default_amount_minor": 2500}}}},
        completed_writes=["site_3"],
        history=["welcome", "portal", "link", "deposits"],
        updated_at="2025-01-01T10:00:00+00:00",
    )


def _set_aside_files() -> list[Path]:
    return list(progress_path().parent.glob("progress.json.corrupt-*"))


def test_nothing_saved() -> None:
    assert load_progress() == (None, None)


def test_round_trip_keeps_text_as_typed() -> None:
    p = _sample()
    save_progress(p)
    loaded, warning = load_progress()
    assert warning is None
    assert loaded == p
    assert loaded.site_drafts["site_2"]["default"] == "2x."
    assert loaded.site_drafts["site_2"]["by_type"]["at_2"] == " 10 "
    assert loaded.pending_writes["site_1"]["idempotency_key"] == "7b0c-uuid"


def test_defaults_and_version() -> None:
    p = Progress(step="welcome")
    assert p.version == SCHEMA_VERSION and p.updated_at
    save_progress(p)
    assert json.loads(progress_path().read_text())["version"] == SCHEMA_VERSION


def test_clear() -> None:
    save_progress(_sample())
    clear_progress()
    assert load_progress() == (None, None)
    clear_progress()  # nothing there: still fine


def _valid_json() -> dict:
    from dataclasses import asdict

    return asdict(_sample())


@pytest.mark.parametrize("content", [
    b"\x00\x9f\xff garbage \xfe",
    b'{"version": 1, "step": "deposits", "site_dra',  # truncated
    b"",
    b"null",
    b'"just a string"',
    json.dumps({**_valid_json(), "version": None}).encode(),
    json.dumps({**_valid_json(), "demo": "yes"}).encode(),
    json.dumps({**_valid_json(), "history": "welcome"}).encode(),
    json.dumps({**_valid_json(), "site_drafts": {"site_1": "25"}}).encode(),
    json.dumps({**_valid_json(), "pending_writes": {"site_1": {"etag": "x", "payload": {}}}})
    .encode(),
    json.dumps({**_valid_json(), "step": ""}).encode(),
    json.dumps({**_valid_json(), "version": 0}).encode(),
])
def test_unreadable_file_is_set_aside_with_a_message(content: bytes) -> None:
    progress_path().write_bytes(content)
    loaded, warning = load_progress()
    assert loaded is None
    assert warning is not None and "could not be read" in warning
    kept = _set_aside_files()
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert str(kept[0]) in warning
    assert load_progress() == (None, None)


def test_newer_version_is_set_aside_with_its_own_message() -> None:
    progress_path().write_text(json.dumps({**_valid_json(), "version": SCHEMA_VERSION + 1}))
    loaded, warning = load_progress()
    assert loaded is None
    assert warning is not None and "newer version of Dentally Setup" in warning
    assert len(_set_aside_files()) == 1


def test_older_version_is_migrated(monkeypatch) -> None:
    from dentally_setup.store import progress

    def from_zero(data: dict) -> dict:
        data = dict(data, version=1)
        data["step"] = data.pop("page")
        return data

    monkeypatch.setitem(progress.MIGRATIONS, 0, from_zero)
    progress_path().write_text(json.dumps({"version": 0, "page": "link"}))
    loaded, warning = load_progress()
    assert warning is None and loaded is not None and loaded.step == "link"


def test_unknown_fields_are_ignored_and_missing_ones_defaulted() -> None:
    progress_path().write_text(json.dumps({"version": 1, "step": "link", "future": [1]}))
    loaded, warning = load_progress()
    assert warning is None and loaded == Progress(step="link", updated_at=loaded.updated_at)


@pytest.mark.parametrize("change", [
    {"site_drafts": {"s1": {"token": "abcdef123456"}}},
    {"site_drafts": {"s1": {"state": "xyzxyzxyz"}}},
    {"pending_writes": {"s1": {"idempotency_key": "k", "etag": None,
                               "payload": {"code": "ac_123456789abcdef"}}}},
    {"portal_url": "https://connect.stripe.com/oauth/authorize?state=abc&client_id=ca_1"},
    {"link_session_id": "ac_1234567890abcdef"},
    {"history": ["welcome", "Bearer abcdefgh"]},
    {"scenario": "sk_test_abcdefgh"},
])
def test_refuses_secret_looking_fields(change: dict) -> None:
    p = _sample()
    for k, v in change.items():
        setattr(p, k, v)
    with pytest.raises(SecretRefusedError, match="look like secrets"):
        save_progress(p)
    assert not progress_path().exists()


def test_refuses_the_registered_token() -> None:
    from dentally_setup.redact import register_secret

    register_secret("the-portal-token-9876")
    p = _sample()
    p.site_drafts["site_1"]["default"] = "the-portal-token-9876"
    with pytest.raises(SecretRefusedError):
        save_progress(p)


def test_refuses_wrong_types_on_save() -> None:
    p = _sample()
    p.history = "welcome"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="history"):
        save_progress(p)


# -- crash safety ------------------------------------------------------------------------

_CHILD = """
import sys, threading
from dentally_setup.store.progress import Progress, save_progress

def ticker():
    # A clock that is independent of where the main thread is inside a save: the parent
    # counts a random number of ticks before killing, so the kill lands at a random point.
    while True:
        sys.stdout.write("tick\\n")
        sys.stdout.flush()
        for _ in range(20000):  # paced by work, not by the clock: ticks spread over a save
            pass

big = {f"site_{i}": {"default": str(i) * 50, "by_type": {f"at_{j}": str(j) for j in range(20)}}
       for i in range(30)}
threading.Thread(target=ticker, daemon=True).start()
i = 0
while True:
    save_progress(Progress(step=f"step_{i}", history=[str(i)], site_drafts=big))
    sys.stdout.write(f"saved {i}\\n")
    sys.stdout.flush()
    i += 1
"""


def _run_and_kill(env: dict[str, str], saves: int, ticks: int) -> int:
    """Start the saving child, kill it after *saves* saves and then *ticks* more ticks;
    returns the number of the last save it reported."""
    child = subprocess.Popen([sys.executable, "-c", _CHILD], env=env,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    last = -1
    seen_ticks = 0
    try:
        while last + 1 < saves or seen_ticks < ticks:
            line = child.stdout.readline()
            assert line, "the child stopped before it was killed"
            if line.startswith("saved "):
                last = int(line.split()[1])
            elif last + 1 >= saves:
                seen_ticks += 1
    finally:
        child.kill()  # SIGKILL on POSIX: no cleanup, no flushing
        child.wait(timeout=30)
        # The child keeps saving until the kill lands (more so on a busy machine): what it
        # reported after the line that decided the kill counts too.
        for line in child.stdout:
            if line.startswith("saved "):
                last = int(line.split()[1])
        child.stdout.close()
    return last


def test_progress_survives_sigkill_at_random_moments() -> None:
    """Kill a process that saves continuously; the file must always load cleanly."""
    rng = random.Random()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for _round in range(6):
        last = _run_and_kill(env, saves=rng.randint(1, 3), ticks=rng.randint(0, 60))
        loaded, warning = load_progress()
        assert warning is None
        assert loaded is not None
        # The last save reported, or the next one if it was killed after os.replace.
        assert loaded.step in (f"step_{last}", f"step_{last + 1}")
        assert len(loaded.site_drafts) == 30
    assert _set_aside_files() == []


# -- hostile files (issue 11) ------------------------------------------------------------

_HEAD = b'{"version": 1, "step": "deposits", "site_drafts": '
HOSTILE = {
    # json.loads raised RecursionError on this, and nothing caught it: no start at all.
    "nested": b"[" * 100_000,
    "nested inside": _HEAD + b"[" * 100_000,
    # Valid JSON, but 2 MB: refused before it is read.
    "oversized": _HEAD + b'{"s1": {"default": "' + b"x" * 2_000_000 + b'"}}}',
    "not utf-8": _HEAD + b'{"s1": {"default": "\xff\xfe"}}}',
    # Parses, but a save of it would then overflow the stack in asdict and refuse_secrets.
    "deep draft": _HEAD + b'{"s1": {"default": ' + b"[" * 700 + b"]" * 700 + b"}}}",
}


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_file_is_set_aside_and_the_person_told(content: bytes) -> None:
    progress_path().write_bytes(content)
    loaded, warning = load_progress()
    assert loaded is None
    assert warning is not None
    assert warning.startswith("Your progress from last time could not be read, so setup starts "
                              "from the beginning.")
    kept = _set_aside_files()
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert str(kept[0]) in warning
    assert load_progress() == (None, None)


@pytest.mark.posix_only(reason="file modes are POSIX")
def test_saved_file_and_its_folder_are_private() -> None:
    old = os.umask(0o022)  # the usual umask, which made 0644 files and 0755 folders
    try:
        path = save_progress(_sample())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
