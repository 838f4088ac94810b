from __future__ import annotations

import json
from pathlib import Path

import pytest

from dentally_setup.store.config import (
    Config,
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
                 zoom=1.25, remember_token=False, last_scenario="one_platform")
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
        "remember_token": None,
        "last_scenario": "fresh",
        "token": "abc123secret",
        "colour": "blue",
    }))
    loaded = load_config_with_warning()
    assert loaded.warning is None
    assert loaded.config == Config(software_rendering=True, last_scenario="fresh")


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
        save_config(Config(last_scenario="portal-token-123456"))


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
                         "remember_token", "last_scenario", "web_host_failed"}
    assert isinstance(data["remember_token"], bool)
