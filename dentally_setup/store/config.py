"""The person's settings for this app (not the practice's payment settings).

Stored as JSON in ``config_dir()/config.json``. JSON rather than TOML because the standard
library both reads and writes it (tomllib only reads, and a TOML writer would be one more
dependency in the installer), and nobody is expected to edit this file by hand; the TOML
format is kept for the IT-facing ``settings apply`` files, which people do write.

Reading never fails: a file that cannot be read is moved aside, defaults are used, and a
plain message is returned for the app to show. Each key is checked on its own, so one bad
value costs only that setting.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from dentally_setup.redact import redact
from dentally_setup.store.jsonfile import UnreadableFile, read_json_object
from dentally_setup.store.paths import config_dir

# store.atomic and store.secrets are imported where they are used: the GUI reads this file
# before its window paints, and reading a good file needs neither (7.6 ms together, median
# of 11 runs after the window's own imports).

log = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
ZOOM_MIN, ZOOM_MAX = 0.5, 3.0
STRIPE_PAGE_VALUES = ("separate", "inline", "browser")


@dataclass
class Config:
    portal_url: str | None = None
    presenter: bool = False
    software_rendering: bool = False
    zoom: float = 1.0
    # Stripe's page failed to show in its separate process on this PC (gui/stripe_page/
    # app_side_health.py): it opens in the app's own process from then on.
    web_host_failed: bool = False
    # Where Stripe's page opens, chosen in the Support window: one of STRIPE_PAGE_VALUES, or
    # None for automatic (the rule and its precedence: flow/stripe_page.py).
    stripe_page: str | None = None


@dataclass(frozen=True)
class ConfigLoad:
    """What ``load_config_with_warning`` found: the config, and a message to show if the
    saved file had to be set aside."""

    config: Config
    warning: str | None = None


def config_path() -> Path:
    return config_dir() / CONFIG_FILE


_BOOL_FIELDS = frozenset({"presenter", "software_rendering", "web_host_failed"})


def _valid(name: str, value: Any) -> bool:
    """Whether *value* is acceptable for field *name*."""
    if name in _BOOL_FIELDS:
        return isinstance(value, bool)
    if name == "zoom":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return math.isfinite(value) and ZOOM_MIN <= value <= ZOOM_MAX
    if name == "stripe_page":
        return value is None or value in STRIPE_PAGE_VALUES
    # portal_url: text or nothing, and never something secret-looking
    # (a URL with ?token=... pasted by mistake).
    return value is None or (isinstance(value, str) and redact(value) == value)


def _from_json(data: dict[str, Any]) -> Config:
    known = {f.name for f in fields(Config)}
    values: dict[str, Any] = {}
    for name in known & data.keys():
        if _valid(name, data[name]):
            values[name] = float(data[name]) if name == "zoom" else data[name]
        else:
            # The name only: the value is what was wrong and might be anything.
            log.warning("Ignoring saved setting %r: unexpected value; using the default", name)
    ignored = sorted(data.keys() - known)
    if ignored:
        from dentally_setup.store.secrets import looks_like_secret_key

        # Secret-looking names flagged so support knows why a token-like key vanished.
        log.info("Ignoring unknown settings: %s", ", ".join(
            f"{k} (looks secret, dropped)" if looks_like_secret_key(k) else k for k in ignored
        ))
    return Config(**values)


def _reset_message(kept: Path | None) -> str:
    if kept is None:
        return "Your saved settings could not be read and were reset."
    return f"Your saved settings could not be read and were reset; the old file was kept as {kept}."


def load_config_with_warning() -> ConfigLoad:
    """Read the config. Never raises for a bad file; see ``ConfigLoad.warning``."""
    path = config_path()
    try:
        data = read_json_object(path)
    except FileNotFoundError:
        return ConfigLoad(Config())
    except UnreadableFile as exc:
        log.warning("Config file %s is corrupt (%s); setting it aside", path, exc)
        from dentally_setup.store.atomic import set_aside

        kept = set_aside(path)
        return ConfigLoad(Config(), _reset_message(kept))
    except OSError as exc:
        # Unreadable (permissions, locked): leave the file where it is and use defaults.
        log.warning("Could not read %s: %s", path, exc)
        return ConfigLoad(Config(), "Your saved settings could not be read, so the usual "
                          "settings are used for now.")
    return ConfigLoad(_from_json(data))


def load_config() -> Config:
    """Read the config; the warning, if any, is logged (use load_config_with_warning to
    show it to the person)."""
    return load_config_with_warning().config


def save_config(cfg: Config) -> Path:
    """Write *cfg* atomically and return the file's path.

    Raises SecretRefusedError if a value looks like a secret (a Stripe key pasted into the
    portal address, say): that must not be written to a plain file.
    """
    from dentally_setup.store.atomic import atomic_write_text
    from dentally_setup.store.secrets import refuse_secrets

    data = asdict(cfg)
    refuse_secrets(data, "the settings file")
    path = config_path()
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    return path
