"""The sandbox's whole state: the portal's practice and settings, the imitation's Stripe
accounts, link sessions, codes, and the records tests inspect.

Everything is plain JSON-able data behind one re-entrant lock, so a demo can be saved after
each change and resumed after the app closes. Neither server holds the lock while it talks
to the other (the portal calls the imitation over HTTP), which would deadlock.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STATE_FILE = "sandbox-world.json"
STATE_VERSION = 1
MAX_REQUEST_LOG = 2000  # keeps the state file small on a kiosk that loops all day
IDEMPOTENCY_TTL = 24 * 3600
# Changes are written this long after the first one, together: with a group's 200 sites
# the file is big, and writing it (under the lock) after every request made the sandbox,
# not the app, the slow part of a 200-site apply. Stopping the sandbox writes at once.
SAVE_DELAY_S = 0.05

# Fields that are saved and restored; everything else on World is runtime only.
_FIELDS = (
    "scenario", "clock_offset", "practice", "appointment_types", "settings", "link",
    "dentally_app_account", "link_sessions", "idempotency", "applied_writes",
    "link_session_requests", "authorize_requests", "token_exchanges", "requests",
    "logins", "accounts", "attempts", "codes", "new_accounts_ready",
)


def rfc3339(ts: float) -> str:
    """Unix time as the contract's RFC 3339 UTC text, e.g. 2025-01-31T09:00:00Z."""
    moment = dt.datetime.fromtimestamp(ts, tz=dt.UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


class World:
    """Inspectable, persistable sandbox state. Take ``lock`` around reads and changes."""

    def __init__(self, state: dict[str, Any], state_dir: Path | None = None) -> None:
        self.lock = threading.RLock()
        self.state_dir = state_dir
        self.scenario: str = ""
        self.clock_offset: float = 0.0
        self.practice: dict[str, Any] = {}
        self.appointment_types: list[dict[str, Any]] = []
        self.settings: dict[str, dict[str, Any]] = {}
        self.link: dict[str, Any] = {}
        self.dentally_app_account: dict[str, Any] | None = None
        self.link_sessions: dict[str, dict[str, Any]] = {}
        self.idempotency: dict[str, dict[str, Any]] = {}
        self.applied_writes: dict[str, int] = {}
        self.link_session_requests: list[dict[str, Any]] = []
        self.authorize_requests: list[dict[str, Any]] = []
        self.token_exchanges: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str, int]] = []
        self.logins: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        self.attempts: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.new_accounts_ready: bool = True
        self._save_lock = threading.Lock()
        self._save_timer: threading.Timer | None = None
        self.load_state(state)

    # ---- clock -------------------------------------------------------------------------

    def now(self) -> float:
        """The sandbox's "now": real time plus whatever ``advance_clock`` added."""
        return time.time() + self.clock_offset

    def advance_clock(self, seconds: float) -> None:
        with self.lock:
            self.clock_offset += seconds
            self.save()

    # ---- state -------------------------------------------------------------------------

    def load_state(self, state: dict[str, Any]) -> None:
        with self.lock:
            for name in _FIELDS:
                if name in state:
                    setattr(self, name, copy.deepcopy(state[name]))
            self.requests = [tuple(r) for r in self.requests]  # type: ignore[misc]
            for session in self.link_sessions.values():
                # An exchange cut short by the app closing cannot be resumed: the code may
                # already be spent, and exchanging it again would revoke the connection.
                if session.get("exchanging"):
                    session["exchanging"] = False
                    session["status"] = "failed"
                    session["error"] = {
                        "code": "interrupted",
                        "message": "The sandbox stopped while finishing the link. Try again.",
                    }

    def to_state(self) -> dict[str, Any]:
        with self.lock:
            state = {name: copy.deepcopy(getattr(self, name)) for name in _FIELDS}
        state["requests"] = [list(r) for r in self.requests]
        state["version"] = STATE_VERSION
        return state

    def save(self) -> None:
        """Write the whole world soon (within SAVE_DELAY_S), with any other changes made
        meanwhile; ``save_now`` writes at once."""
        if self.state_dir is None:
            return
        with self._save_lock:
            if self._save_timer is not None:
                return  # the write already planned will include this change
            self._save_timer = threading.Timer(SAVE_DELAY_S, self._save_planned)
            self._save_timer.daemon = True
            self._save_timer.start()

    def _save_planned(self) -> None:
        with self._save_lock:
            self._save_timer = None
        try:
            self.save_now()
        except OSError:
            log.warning("The sandbox state could not be saved", exc_info=True)

    def save_now(self) -> None:
        """Write the whole world atomically (temp file, fsync, replace)."""
        if self.state_dir is None:
            return
        with self._save_lock:
            if self._save_timer is not None:
                self._save_timer.cancel()
                self._save_timer = None
        with self.lock:
            data = json.dumps(self.to_state(), indent=1, sort_keys=True).encode("utf-8")
            self.state_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".world-", suffix=".tmp", dir=self.state_dir)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.replace(tmp, self.state_dir / STATE_FILE)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

    @staticmethod
    def load_saved(state_dir: Path) -> dict[str, Any] | None:
        """The saved state in ``state_dir``, or None when there is none we can use."""
        path = state_dir / STATE_FILE
        try:
            state = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.warning("The saved sandbox state could not be read; starting over", exc_info=True)
            return None
        if not isinstance(state, dict) or state.get("version") != STATE_VERSION:
            log.warning("The saved sandbox state is from another version; starting over")
            return None
        return state

    # ---- records -----------------------------------------------------------------------

    def record_request(self, method: str, path: str, status: int) -> None:
        with self.lock:
            self.requests.append((method, path, status))
            del self.requests[:-MAX_REQUEST_LOG]

    # ---- payment settings --------------------------------------------------------------

    def etag(self, site_id: str) -> str:
        """A strong ETag: changes whenever the stored settings (or their version) change."""
        with self.lock:
            blob = json.dumps(self.settings[site_id], sort_keys=True).encode("utf-8")
        return f'"{hashlib.sha256(blob).hexdigest()[:24]}"'

    def settings_json(self, site_id: str) -> dict[str, Any]:
        """One site's settings in the contract's ``PaymentSettings`` shape."""
        with self.lock:
            s = self.settings[site_id]
            return {
                "site_id": site_id,
                "currency": self.practice["currency"],
                "deposits": copy.deepcopy(s["deposits"]),
                "balances": {"enabled": s["balances"]["enabled"]},
                "invoices": {"enabled": s["invoices"]["enabled"]},
                "updated_at": s["updated_at"],
                "updated_by": s["updated_by"],
            }

    def store_settings(self, site_id: str, new: dict[str, Any], updated_by: str) -> None:
        with self.lock:
            old = self.settings[site_id]
            self.settings[site_id] = {
                "deposits": copy.deepcopy(new["deposits"]),
                "balances": {"enabled": bool(new["balances"]["enabled"])},
                "invoices": {"enabled": bool(new["invoices"]["enabled"])},
                "updated_at": rfc3339(self.now()),
                "updated_by": updated_by,
                "version": int(old.get("version", 0)) + 1,
            }

    def external_edit(self, site_id: str, **changes: Any) -> dict[str, Any]:
        """Pretend someone changed a site's settings in the web admin (gives a new ETag).

        Accepts ``deposits``/``balances``/``invoices`` as (partial) dicts, or the shortcuts
        ``deposits_enabled``, ``default_amount_minor``, ``by_appointment_type``,
        ``balances_enabled``, ``invoices_enabled``. Values are not validated: the web admin
        is someone else's code. Returns the new settings in the contract's shape.
        """
        with self.lock:
            if site_id not in self.settings:
                raise KeyError(f"No site {site_id!r} in the sandbox practice")
            new = copy.deepcopy(self.settings[site_id])
            shortcuts = {
                "deposits_enabled": ("deposits", "enabled"),
                "default_amount_minor": ("deposits", "default_amount_minor"),
                "by_appointment_type": ("deposits", "by_appointment_type"),
                "balances_enabled": ("balances", "enabled"),
                "invoices_enabled": ("invoices", "enabled"),
            }
            for key, value in changes.items():
                if key in ("deposits", "balances", "invoices"):
                    if isinstance(value, bool):
                        new[key]["enabled"] = value
                    else:
                        new[key].update(value)
                elif key in shortcuts:
                    group, name = shortcuts[key]
                    new[group][name] = value
                else:
                    raise TypeError(f"external_edit does not know {key!r}")
            self.store_settings(site_id, new, "web admin")
            self.save()
            return self.settings_json(site_id)

    def complete_verification(self, account_id: str) -> None:
        """The account owner gives Stripe everything it asked for (the demo dashboard's
        "Complete verification" button): the account can take payments and be paid out."""
        with self.lock:
            acct = self.accounts.get(account_id)
            if acct is None:
                return
            acct.update(charges_enabled=True, payouts_enabled=True, details_submitted=True,
                        currently_due=[], past_due=[], disabled_reason=None,
                        current_deadline=None, pending_verification=[], errors=[])
            self.save()

    # ---- idempotency -------------------------------------------------------------------

    def prune_idempotency(self) -> None:
        with self.lock:
            cutoff = self.now() - IDEMPOTENCY_TTL
            for key in [k for k, v in self.idempotency.items() if v["at"] < cutoff]:
                del self.idempotency[key]
