"""Where Dentally Setup keeps its files on this computer.

platformdirs gives the per-user folders each OS expects (on Windows, under
``%LOCALAPPDATA%\\Dentally\\DentallySetup``), so no admin rights are needed. Setting
``DENTALLY_SETUP_HOME`` moves all of them under one folder: tests point it at a temporary
directory, and trainers use it to carry a portable demo on a USB stick.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "DentallySetup"
APP_AUTHOR = "Dentally"
HOME_ENV = "DENTALLY_SETUP_HOME"


def _home_override() -> Path | None:
    # Read on every call rather than once at import, so tests (and a trainer's launcher)
    # can change it without reloading the module.
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser() if value else None


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    """Settings the person chose (config.json)."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "config")
    # roaming=False: on shared reception PCs with roaming profiles the config should stay
    # with the machine it was set up on, like the progress file.
    return _ensure(platformdirs.user_config_path(APP_NAME, APP_AUTHOR, roaming=False))


def state_dir() -> Path:
    """The wizard's resume state (progress.json)."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "state")
    return _ensure(platformdirs.user_state_path(APP_NAME, APP_AUTHOR))


def data_dir() -> Path:
    """Larger files the app keeps (e.g. the demo sandbox's world)."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "data")
    return _ensure(platformdirs.user_data_path(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    """Log files support can ask for."""
    home = _home_override()
    if home is not None:
        return _ensure(home / "logs")
    return _ensure(platformdirs.user_log_path(APP_NAME, APP_AUTHOR))
