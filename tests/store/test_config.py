from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from dentally_setup.store.config import (
    Config,
    ConfigLoad,
    config_path,
    load_config,
    load_config_with_warning,
    save_config,
)
from dentally_setup.store.secrets import SecretRefusedError


def test_defaults_when_no_file() -> None:
    loaded = load_config_with_warning()
    assert loaded.config == Config() and loaded.warning is None


def test_round_trip(isolated_home: Path) -> None:
    cfg = Config(portal_url="https://portal.example", presenter=True, software_rendering=True,
                 zoom=1.25, web_host_failed=True)
    path = save_config(cfg)
    assert path == isolated_home / "config" / "config.json"
    assert load_config() == cfg


@pytest.mark.parametrize("content", [b"{not json", b"\xff\xfe\x00garbage", b"[1, 2]", b""])
def test_corrupt_file_is_set_aside_with_a_message(content: bytes) -> None:
    path = config_path()
    path.write_bytes(content)
    loaded = load_config_with_warning()
    assert loaded.config == Config()
    assert loaded.warning is not None
    assert loaded.warning.startswith("Your saved settings could not be read and were reset;")
    kept = list(path.parent.glob("config.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert str(kept[0]) in loaded.warning
    assert not path.exists()
    # The next start is quiet.
    assert load_config_with_warning().warning is None


def test_wrong_types_fall_back_per_key_and_unknown_keys_are_ignored() -> None:
    config_path().write_text(json.dumps({
        "portal_url": 42,
        "presenter": "yes",
        "software_rendering": True,
        "zoom": 99,
        "web_host_failed": None,
        "last_scenario": "fresh",  # a setting older versions had: now unknown, ignored
        "token": "abc123secret",
        "colour": "blue",
    }))
    loaded = load_config_with_warning()
    assert loaded.warning is None
    assert loaded.config == Config(software_rendering=True)


def test_zoom_accepts_whole_numbers_and_rejects_nan() -> None:
    config_path().write_text('{"zoom": 2}')
    assert load_config().zoom == 2.0
    config_path().write_text('{"zoom": NaN}')
    assert load_config().zoom == 1.0


@pytest.mark.parametrize("url", [
    "https://portal.example/?token=abc123",
    "sk_" + "live_abcdefghijkl",
    "Bearer abcdefghijkl",
])
def test_refuses_to_save_a_secret(url: str) -> None:
    with pytest.raises(SecretRefusedError, match="portal_url"):
        save_config(Config(portal_url=url))
    assert not config_path().exists()


def test_registered_token_is_refused(memory_keyring: object) -> None:
    from dentally_setup.redact import register_secret

    register_secret("portal-token-123456")
    with pytest.raises(SecretRefusedError):
        save_config(Config(portal_url="https://portal.example/portal-token-123456"))


def test_secret_in_saved_file_is_not_loaded() -> None:
    config_path().write_text(json.dumps({"portal_url": "https://p.example/?token=abc123",
                                         "password": "hunter22"}))
    cfg = load_config()
    assert cfg.portal_url is None
    assert "hunter22" not in repr(cfg)


def test_saved_file_never_holds_secret_keys() -> None:
    save_config(Config(portal_url="https://portal.example"))
    data = json.loads(config_path().read_text())
    assert set(data) == {"portal_url", "presenter", "software_rendering", "zoom",
                         "web_host_failed", "stripe_page"}
    assert isinstance(data["web_host_failed"], bool)


# -- hostile files (issue 11) ------------------------------------------------------------

HOSTILE = {
    # json.loads raised RecursionError on this, and nothing caught it: no start at all.
    "nested": b"[" * 100_000,
    # Valid JSON, but 2 MB: refused before it is read.
    "oversized": b'{"portal_url": "https://portal.example", "pad": "' + b"x" * 2_000_000 + b'"}',
    "not utf-8": b'{"portal_url": "\xff\xfe"}',
    # Parses (under json's own limit) but deeper than any file the app writes.
    "deep value": b'{"portal_url": ' + b"[" * 200 + b"]" * 200 + b"}",
    "huge integer": b'{"zoom": ' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("content", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_file_is_set_aside_and_the_person_told(content: bytes) -> None:
    path = config_path()
    path.write_bytes(content)
    loaded = load_config_with_warning()
    assert loaded.config == Config()
    assert loaded.warning is not None
    assert loaded.warning.startswith("Your saved settings could not be read and were reset;")
    kept = list(path.parent.glob("config.json.corrupt-*"))
    assert len(kept) == 1 and kept[0].read_bytes() == content
    assert str(kept[0]) in loaded.warning
    assert not path.exists()
    assert load_config_with_warning() == ConfigLoad(Config())  # the next start is quiet


def test_a_file_just_under_the_size_limit_is_read() -> None:
    from dentally_setup.store.jsonfile import MAX_BYTES

    head = b'{"zoom": 2, "pad": "'
    config_path().write_bytes(head + b"x" * (MAX_BYTES - len(head) - 2) + b'"}')
    assert config_path().stat().st_size == MAX_BYTES
    assert load_config_with_warning() == ConfigLoad(Config(zoom=2.0))


@pytest.mark.posix_only(reason="FIFOs are POSIX")
def test_a_fifo_is_set_aside_not_read() -> None:
    # Reading a FIFO blocks until something writes to it: the app would hang at start.
    os.mkfifo(config_path())
    loaded = load_config_with_warning()
    assert loaded.config == Config() and loaded.warning is not None
    assert not config_path().exists()


@pytest.mark.posix_only(reason="file modes are POSIX")
def test_saved_file_and_its_folder_are_private(isolated_home: Path) -> None:
    old = os.umask(0o022)  # the usual umask, which made 0644 files and 0755 folders
    try:
        path = save_config(Config(portal_url="https://portal.example"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


@pytest.mark.parametrize("value", ["separate", "inline", "browser", None])
def test_stripe_page_setting_round_trips(value: str | None) -> None:
    save_config(Config(stripe_page=value, web_host_failed=True))
    assert json.loads(config_path().read_text())["stripe_page"] == value
    assert load_config() == Config(stripe_page=value, web_host_failed=True)


@pytest.mark.parametrize("value", ["Separate", "process", 1, True, ["inline"]])
def test_an_unknown_stripe_page_setting_means_automatic_and_keeps_the_rest(value: object
                                                                         ) -> None:
    config_path().write_text(json.dumps({"stripe_page": value, "web_host_failed": True,
                                         "zoom": 1.5}))
    assert load_config() == Config(stripe_page=None, web_host_failed=True, zoom=1.5)
