"""The portal API token, kept in the operating system's password store.

Windows Credential Manager (or macOS Keychain / Secret Service) protects the token with the
person's Windows login, which a JSON file in AppData would not. Three things shape this
module:

* ``keyring`` is imported lazily, inside the calls, because initialising it costs about
  0.2 s at start-up (180-210 ms measured after the window's own imports) and most runs
  only need the token once the wizard is under way.
* Every keyring call runs on a helper thread with a time limit (as GitHub CLI does in
  ``internal/keyring/keyring.go``): a password store that hangs (a locked Secret Service, a
  stuck credential provider) must not freeze the app. Once a call has timed out the store is
  treated as unavailable for the rest of the run, so the person waits at most once.
* When there is no usable password store, the token is kept in this process only, and the
  person is told so once, in plain words.

This module also owns the rule for what *looks like* a secret, which the config and
progress files use to refuse to write one down.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from dentally_setup.redact import redact, register_secret

log = logging.getLogger(__name__)

SERVICE = "DentallySetup"
DEFAULT_TIMEOUT = 5.0
NO_BACKEND = "none (memory only)"

MESSAGE_NO_STORE = (
    "This computer has no password store, so the token is kept only until Dentally Setup "
    "closes. You will be asked for it next time."
)
MESSAGE_STORE_FAILED = (
    "The password store on this computer did not accept the token, so it is kept only "
    "until Dentally Setup closes. You will be asked for it next time."
)

T = TypeVar("T")


class KeyringTimeout(Exception):
    """A keyring call did not finish within the time limit."""


class SecretRefusedError(ValueError):
    """Something that looks like a secret was about to be written to a plain file."""


@dataclass(frozen=True)
class StoreResult:
    """What ``set_token`` did with the token.

    ``message`` is set whenever the token is kept in memory only; ``show_warning`` is true
    only the first time that happens in this run, so the app says it once.
    """

    saved_to_keyring: bool
    message: str | None = None
    show_warning: bool = False


def _normalise_url(portal_url: str) -> str:
    # "https://portal.example/" and "https://portal.example" are the same portal; the
    # keyring username must not depend on how the address was typed.
    return portal_url.strip().rstrip("/")


def _is_unusable_backend(backend: Any) -> bool:
    from keyring.backends import chainer, fail

    if isinstance(backend, fail.Keyring):
        return True
    try:
        from keyring.backends import null

        if isinstance(backend, null.Keyring):
            return True
    except ImportError:  # pragma: no cover - null backend exists in keyring >= 23
        pass
    return isinstance(backend, chainer.ChainerBackend) and not backend.backends


class SecretStore:
    """Reads and writes the portal token; falls back to memory when it must."""

    def __init__(self, *, timeout: float = DEFAULT_TIMEOUT, service: str = SERVICE) -> None:
        self.timeout = timeout
        self.service = service
        self.warning_shown = False
        self._memory: dict[str, str] = {}
        self._unresponsive = False

    # -- plumbing ---------------------------------------------------------------

    def _call(self, fn: Callable[[], T]) -> T:
        """Run *fn* on a daemon thread; raise KeyringTimeout if it takes too long.

        A daemon thread is left behind on timeout (Python cannot cancel it); being a
        daemon, it does not stop the app from exiting.
        """
        if self._unresponsive:
            raise KeyringTimeout("the password store stopped answering earlier in this run")
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed to the caller's thread below
                box["error"] = exc

        worker = threading.Thread(target=run, name="keyring-call", daemon=True)
        worker.start()
        worker.join(self.timeout)
        if worker.is_alive():
            self._unresponsive = True
            log.warning("Password store did not answer within %.1f s", self.timeout)
            raise KeyringTimeout(f"no answer within {self.timeout:.1f} s")
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _backend(self) -> Any:
        """The keyring backend, or None when there is no usable one."""

        def find() -> Any:
            import keyring

            backend = keyring.get_keyring()
            return None if _is_unusable_backend(backend) else backend

        return self._call(find)

    def _fallback(self, portal_url: str, token: str, message: str) -> StoreResult:
        self._memory[portal_url] = token
        first = not self.warning_shown
        self.warning_shown = True
        return StoreResult(saved_to_keyring=False, message=message, show_warning=first)

    # -- public API -------------------------------------------------------------

    def get_token(self, portal_url: str) -> str | None:
        """The saved token for *portal_url*, or None. Never raises for keyring trouble."""
        url = _normalise_url(portal_url)
        if url in self._memory:
            return self._memory[url]
        try:
            backend = self._backend()
            if backend is None:
                return None
            token: str | None = self._call(lambda: backend.get_password(self.service, url))
        except Exception as exc:
            log.warning("Could not read the token from the password store: %s",
                        type(exc).__name__)
            return None
        if token:
            # From now on the token cannot appear in a log line or the diagnostics view.
            register_secret(token)
        return token or None

    def set_token(self, portal_url: str, token: str) -> StoreResult:
        """Save *token* for *portal_url*: in the keyring if possible, else in memory."""
        url = _normalise_url(portal_url)
        register_secret(token)
        try:
            backend = self._backend()
        except Exception as exc:
            log.warning("Password store unavailable: %s", type(exc).__name__)
            hung = isinstance(exc, KeyringTimeout)
            return self._fallback(url, token, MESSAGE_STORE_FAILED if hung else MESSAGE_NO_STORE)
        if backend is None:
            log.info("No password store on this computer; keeping the token in memory")
            return self._fallback(url, token, MESSAGE_NO_STORE)
        try:
            self._call(lambda: backend.set_password(self.service, url, token))
        except Exception as exc:
            # Only the exception type: keyring errors can quote what they were given.
            log.warning("Password store refused the token: %s", type(exc).__name__)
            return self._fallback(url, token, MESSAGE_STORE_FAILED)
        self._memory.pop(url, None)
        log.info("Token saved in the password store (%s)", _backend_label(backend))
        return StoreResult(saved_to_keyring=True)

    def delete_token(self, portal_url: str) -> None:
        """Forget the token for *portal_url* wherever it is. Never raises."""
        url = _normalise_url(portal_url)
        self._memory.pop(url, None)
        try:
            backend = self._backend()
            if backend is None:
                return
            self._call(lambda: backend.delete_password(self.service, url))
        except Exception as exc:
            # keyring raises PasswordDeleteError when there was nothing to delete: fine.
            log.info("Token not removed from the password store: %s", type(exc).__name__)

    def backend_name(self) -> str:
        """Which password store is in use, for the diagnostics view."""
        try:
            backend = self._backend()
        except KeyringTimeout:
            return f"{NO_BACKEND}: the password store did not answer"
        except Exception as exc:
            return f"{NO_BACKEND}: {type(exc).__name__}"
        return NO_BACKEND if backend is None else _backend_label(backend)


def _backend_label(backend: Any) -> str:
    cls = type(backend)
    name = getattr(backend, "name", None)
    return name if isinstance(name, str) and name else f"{cls.__module__}.{cls.__qualname__}"


# -- module-level convenience ---------------------------------------------------------

_default_store: SecretStore | None = None
_default_lock = threading.Lock()


def default_store() -> SecretStore:
    """The store the app shares, so the memory fallback and the warning flag are shared."""
    global _default_store
    with _default_lock:
        if _default_store is None:
            _default_store = SecretStore()
        return _default_store


def get_token(portal_url: str) -> str | None:
    return default_store().get_token(portal_url)


def set_token(portal_url: str, token: str) -> StoreResult:
    return default_store().set_token(portal_url, token)


def delete_token(portal_url: str) -> None:
    default_store().delete_token(portal_url)


def backend_name() -> str:
    return default_store().backend_name()


# -- what counts as a secret in a plain file -------------------------------------------

# Key names that hold secrets. "code" and "state" are the OAuth values; matched whole so
# "zip_code" or "step" pass. Substrings for the rest ("portal_token", "client_secret").
_SECRET_KEY_WORDS = re.compile(
    r"token|secret|passw(?:or)?d|authori[sz]ation|auth_?code|api_?key|credential|cookie",
    re.IGNORECASE,
)
_SECRET_KEY_EXACT = frozenset({"code", "state", "oauth_state", "pin"})


def looks_like_secret_key(name: str) -> bool:
    """True for a key name that would hold a secret (token, password, code, state...)."""
    return bool(_SECRET_KEY_WORDS.search(name)) or name.lower() in _SECRET_KEY_EXACT


def find_secrets(data: Any, where: str = "") -> list[str]:
    """Paths inside *data* (JSON-like) that hold something that looks like a secret.

    A key counts when its name looks secret and its value is text or a number (a
    true/false flag about a token, like ``remember_token``, is not a token). A text value
    counts anywhere when ``redact`` would change it: a Stripe key, a Bearer header, an
    authorization code, a registered token, or an OAuth URL with its query string.
    """
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{where}.{key}" if where else str(key)
            if (
                looks_like_secret_key(str(key))
                and value is not None
                and not isinstance(value, bool)
            ):
                found.append(path)
                continue
            if isinstance(key, str) and redact(key) != key:
                found.append(f"{where}[key]" if where else "[key]")
            found.extend(find_secrets(value, path))
    elif isinstance(data, (list, tuple)):
        for i, item in enumerate(data):
            found.extend(find_secrets(item, f"{where}[{i}]"))
    elif isinstance(data, str) and redact(data) != data:
        found.append(where or "value")
    return found


def refuse_secrets(data: Any, what: str) -> None:
    """Raise SecretRefusedError if *data* holds anything that looks like a secret.

    A real check rather than ``assert``: asserts vanish under ``python -O`` and in some
    frozen builds, and this is the last line before a secret lands on disk.
    """
    found = find_secrets(data)
    if found:
        raise SecretRefusedError(
            f"Refusing to write {what}: these fields look like secrets and belong in the "
            f"password store, not a file: {', '.join(found)}"
        )
