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


def private_dir(path: Path) -> Path:
    """Create *path* if needed, readable by this user only (0700 on POSIX), and return it.

    These folders hold the log (portal addresses, site names, error details) and the
    progress file: on a shared machine other accounts have no business reading them. The
    mode is also tightened on a folder that already exists, so one made by an older
    version (0755) is fixed at the next start. Parents that do not exist yet get the usual
    mode: they are shared ones like ~/.config, not ours. On Windows the mode means little
    and the folders sit in the person's own profile, whose permissions already do this.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o700)
        except OSError as exc:
            # A folder on a FAT stick, or owned by someone else. Debug level: this is
            # checked on every call, and the files inside are still written 0600.
            log.debug("Could not make %s private: %s", path, exc)
    return path


def config_dir() -> Path:
    """Settings the person chose (config.json)."""
    home = _home_override()
    if home is not None:
        return private_dir(home / "config")
    # roaming=False: on shared reception PCs with roaming profiles the config should stay
    # with the machine it was set up on, like the progress file.
    return private_dir(platformdirs.user_config_path(APP_NAME, APP_AUTHOR, roaming=False))


def state_dir() -> Path:
    """The wizard's resume state (progress.json)."""
    home = _home_override()
    if home is not None:
        return private_dir(home / "state")
    return private_dir(platformdirs.user_state_path(APP_NAME, APP_AUTHOR))


def data_dir() -> Path:
    """Larger files the app keeps (e.g. the demo sandbox's world)."""
    home = _home_override()
    if home is not None:
        return private_dir(home / "data")
    return private_dir(platformdirs.user_data_path(APP_NAME, APP_AUTHOR))


def log_dir() -> Path:
    """Log files support can ask for."""
    home = _home_override()
    if home is not None:
        return private_dir(home / "logs")
    return private_dir(platformdirs.user_log_path(APP_NAME, APP_AUTHOR))
