"""The wizard's resume state: enough to put the person back where they were after the
phone rang, the PC restarted or the app was closed.

Stored as JSON in ``state_dir()/progress.json``, written atomically after every change, so
a crash or power cut leaves either the previous state or the new one. What the person
typed is kept as typed (``"25.0"`` and even ``"2x"`` stay text), because giving back a
half-typed value is kinder than silently dropping it.

``pending_writes`` is the other reason this file exists: a settings save that was started
carries its idempotency key and ETag here *before* the request is sent, so after a crash
the retry reuses the same key and the portal never applies the change twice.

Nothing secret is ever written: ``save_progress`` refuses tokens, authorization codes and
OAuth state outright rather than stripping them quietly, because a caller that tries is a
bug worth hearing about.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dentally_setup.store.atomic import atomic_write_text, remove_stale_temps, set_aside
from dentally_setup.store.jsonfile import UnreadableFile, read_json_object
from dentally_setup.store.paths import state_dir
from dentally_setup.store.secrets import refuse_secrets

log = logging.getLogger(__name__)

PROGRESS_FILE = "progress.json"
SCHEMA_VERSION = 1

# Migrations from an older schema: version -> function turning that version's dict into
# the next version's dict. Empty while there is only version 1; a file with an older
# version and no migration is set aside like a corrupt one.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class Progress:
    version: int = SCHEMA_VERSION
    step: str = "welcome"
    link_session_id: str | None = None
    portal_url: str | None = None
    demo: bool = False
    scenario: str | None = None
    # site id -> what the person entered, as text (see the module docstring).
    site_drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    same_for_all: bool = True
    # site id -> {"idempotency_key": ..., "etag": ..., "payload": {...}}
    pending_writes: dict[str, dict[str, Any]] = field(default_factory=dict)
    completed_writes: list[str] = field(default_factory=list)
    history: list[str] = field(default_factory=list)
    updated_at: str = field(default_factory=_now)


class _Unreadable(UnreadableFile):
    """The file's content is not a Progress we can trust."""


class _Newer(_Unreadable):
    def __init__(self, version: int) -> None:
        super().__init__(f"schema version {version} is newer than {SCHEMA_VERSION}")
        self.version = version


def progress_path() -> Path:
    return state_dir() / PROGRESS_FILE


# -- validation ------------------------------------------------------------------------

def _is_str_or_none(v: Any) -> bool:
    return v is None or isinstance(v, str)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_dict_of_dicts(v: Any) -> bool:
    return isinstance(v, dict) and all(
        isinstance(k, str) and isinstance(x, dict) for k, x in v.items()
    )


def _is_pending_writes(v: Any) -> bool:
    # A pending write without its key is worse than none: the flow would re-plan it with a
    # new key and might apply it twice. So a malformed one makes the whole file untrusted.
    return _is_dict_of_dicts(v) and all(
        isinstance(w.get("idempotency_key"), str)
        and _is_str_or_none(w.get("etag"))
        and isinstance(w.get("payload"), dict)
        for w in v.values()
    )


_CHECKS: dict[str, Callable[[Any], bool]] = {
    "version": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "step": lambda v: isinstance(v, str) and bool(v),
    "link_session_id": _is_str_or_none,
    "portal_url": _is_str_or_none,
    "demo": lambda v: isinstance(v, bool),
    "scenario": _is_str_or_none,
    "site_drafts": _is_dict_of_dicts,
    "same_for_all": lambda v: isinstance(v, bool),
    "pending_writes": _is_pending_writes,
    "completed_writes": _is_str_list,
    "history": _is_str_list,
    "updated_at": lambda v: isinstance(v, str),
}


def _parse(data: dict[str, Any]) -> Progress:
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise _Unreadable("no schema version")
    if version > SCHEMA_VERSION:
        raise _Newer(version)
    while version < SCHEMA_VERSION:
        migrate = MIGRATIONS.get(version)
        if migrate is None:
            raise _Unreadable(f"schema version {version} is too old to read")
        data = migrate(data)
        version = data["version"]
    values: dict[str, Any] = {}
    for f in fields(Progress):
        if f.name not in data:
            continue  # missing fields take their defaults
        if not _CHECKS[f.name](data[f.name]):
            raise _Unreadable(f"field {f.name!r} has the wrong type")
        values[f.name] = data[f.name]
    if "step" not in values:
        raise _Unreadable("no step")
    return Progress(**values)


# -- public API ------------------------------------------------------------------------

def load_progress() -> tuple[Progress | None, str | None]:
    """The saved progress (or None), and a message for the person if the file had to be
    set aside. Never raises for bad content."""
    path = progress_path()
    remove_stale_temps(path)
    try:
        p = _parse(read_json_object(path))
    except FileNotFoundError:
        return None, None
    except UnreadableFile as exc:  # _Unreadable too: bad content of any kind
        log.warning("Progress file %s set aside: %s", path, exc)
        kept = set_aside(path)
        kept_note = f" The old file was kept as {kept}." if kept else ""
        if isinstance(exc, _Newer):
            return None, ("Your progress was saved by a newer version of Dentally Setup, so "
                          "this version starts from the beginning." + kept_note)
        return None, ("Your progress from last time could not be read, so setup starts from "
                      "the beginning." + kept_note)
    except OSError as exc:
        log.warning("Could not read %s: %s", path, exc)
        return None, ("Your progress from last time could not be opened, so setup starts "
                      "from the beginning.")
    return p, None


def save_progress(p: Progress) -> Path:
    """Write *p* atomically; returns the file's path.

    Raises SecretRefusedError if anything in it looks like a secret (a token, an
    authorization code, an OAuth state), and ValueError if it would not read back.
    """
    data = asdict(p)
    # Always the current schema: an object built from an older file has been migrated.
    data["version"] = SCHEMA_VERSION
    refuse_secrets(data, "the progress file")
    bad = [name for name, check in _CHECKS.items() if not check(data[name])]
    if bad:
        # Checked on the way out too, so the app cannot write a file it would then
        # set aside as corrupt on the next start.
        raise ValueError(f"Progress fields have the wrong type: {', '.join(bad)}")
    path = progress_path()
    atomic_write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    return path


def clear_progress() -> None:
    """Forget the saved progress (setup finished, or the person chose to start again)."""
    path = progress_path()
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("Could not remove %s: %s", path, exc)
    remove_stale_temps(path)
