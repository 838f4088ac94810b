"""What every command needs: which portal, which token, a client, and plain-English errors
with the exit code scripts rely on.

Exit codes (the same for every command):
    0 done; 1 unexpected internal error; 2 bad usage, bad input or missing configuration;
    3 the portal refused (401, 403, 404, 409, 422, 428); 4 the portal could not be reached
    or kept failing (network, 5xx, malformed answers, rate limiting); 5 the settings changed
    on the portal since they were read (412).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from dentally_setup.flow.messages import for_exception
from dentally_setup.portal.client import PortalClient, check_portal_url
from dentally_setup.portal.errors import (
    AuthError,
    Cancelled,
    Conflict,
    InsecureAddress,
    MalformedResponse,
    NotFound,
    PortalError,
    PortalUnreachable,
    PreconditionRequired,
    RateLimited,
    RedirectRefused,
    SettingsChanged,
    ValidationFailed,
)
from dentally_setup.redact import register_secret
from dentally_setup.store.config import load_config_with_warning
from dentally_setup.textsafe import printable

log = logging.getLogger(__name__)

URL_ENV = "DENTALLY_PORTAL_URL"
TOKEN_ENV = "DENTALLY_PORTAL_TOKEN"  # noqa: S105 - the variable's name, not a token
# Seconds a command may spend on one portal request, retries included. Tests set it low
# so an unreachable portal fails fast; support can raise it on a slow line.
BUDGET_ENV = "DENTALLY_PORTAL_BUDGET"
DEFAULT_BUDGET = 30.0

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_UNREACHABLE = 4
EXIT_CHANGED = 5


class CliError(Exception):
    """A problem the person can fix (usage, input, configuration): message + exit code."""

    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Connection:
    url: str
    url_source: str  # "--portal-url", the env var name, or "saved settings"
    token: str | None
    token_source: str  # the env var name, "keyring" or "none"


def budget_seconds() -> float:
    raw = os.environ.get(BUDGET_ENV, "").strip()
    if not raw:
        return DEFAULT_BUDGET
    try:
        value = float(raw)
    except ValueError:
        raise CliError(f"{BUDGET_ENV} should be a number of seconds, like 30.") from None
    if not 0 < value <= 600:
        raise CliError(f"{BUDGET_ENV} should be between 0 and 600 seconds.")
    return value


def saved_portal_url() -> str | None:
    """The address saved by the setup assistant, if any (never raises)."""
    try:
        loaded = load_config_with_warning()
    except Exception:  # a broken config file must not stop `doctor` or an explicit URL
        log.warning("could not read the saved configuration", exc_info=True)
        return None
    if loaded.warning:
        # On stderr, so a script reading --json from stdout is not disturbed; said once, as
        # the bad file has now been set aside.
        print_error(loaded.warning)
    return loaded.config.portal_url


def resolve_portal_url(arg: str | None) -> tuple[str | None, str]:
    """--portal-url, then $DENTALLY_PORTAL_URL, then the saved configuration."""
    if arg:
        return arg, "--portal-url"
    env = os.environ.get(URL_ENV, "").strip()
    if env:
        return env, URL_ENV
    saved = saved_portal_url()
    if saved:
        return saved, "saved settings"
    return None, "none"


def resolve_token(url: str | None) -> tuple[str | None, str]:
    """$DENTALLY_PORTAL_TOKEN, then the keyring entry for this portal."""
    env = os.environ.get(TOKEN_ENV, "").strip()
    if env:
        return env, TOKEN_ENV
    if url:
        try:
            # Here, not at the top: 6.2 ms (median of 11) a script with the token in
            # $DENTALLY_PORTAL_TOKEN never needs (keyring itself is deferred further).
            from dentally_setup.store.secrets import get_token

            token = get_token(url)
        except Exception:  # no keyring on this machine: say "not set", not a traceback
            log.warning("could not read the token from the keyring", exc_info=True)
            token = None
        if token:
            return token, "keyring"
    return None, "none"


def connection(args: argparse.Namespace) -> Connection:
    """The portal address and token to use, or a ``CliError`` saying how to give them."""
    raw_url, url_source = resolve_portal_url(getattr(args, "portal_url", None))
    if not raw_url:
        raise CliError(
            "No portal address is set. Give one with --portal-url https://..., set "
            f"{URL_ENV}, or run the setup assistant once to save it."
        )
    try:
        url = check_portal_url(raw_url)
    except (InsecureAddress, ValueError) as exc:
        message = exc.message if isinstance(exc, PortalError) else str(exc)
        raise CliError(f"The portal address from {url_source} cannot be used: {message}") \
            from None
    token, token_source = resolve_token(url)
    if not token:
        raise CliError(
            f"No API token for {url}. Set {TOKEN_ENV}, or run the setup assistant to save "
            "one (create it in the web admin under Settings → API tokens)."
        )
    return Connection(url, url_source, token, token_source)


def make_client(conn: Connection, *, budget: float | None = None) -> PortalClient:
    # Belt and braces: the client never logs the token, but any text that somehow carries
    # it (an exception from a proxy, say) is scrubbed from the log too.
    register_secret(conn.token)
    limit = budget if budget is not None else budget_seconds()
    return PortalClient(conn.url, conn.token or "", budget=limit, timeout=min(10.0, limit))


def exit_code_for(exc: PortalError) -> int:
    if isinstance(exc, SettingsChanged):
        return EXIT_CHANGED
    if isinstance(exc, PortalUnreachable | MalformedResponse | RateLimited | Cancelled
                  | RedirectRefused):
        return EXIT_UNREACHABLE
    if isinstance(exc, InsecureAddress):
        return EXIT_USAGE
    return EXIT_REFUSED


def _cli_hints(exc: PortalError) -> list[str]:
    """What only the command line can add after flow.messages' sentences: where to set
    things, which command shows more, and the portal's own detail where it helps."""
    if isinstance(exc, AuthError):
        if exc.code == "forbidden" or exc.status == 403:
            return ["The token is set up in the web admin (Settings → API tokens)."]
        return [f"Set {TOKEN_ENV} to the right token, or run the setup assistant to save it."]
    if isinstance(exc, NotFound):
        return ["`dentally-setup status` lists the practice's sites and their ids."]
    if isinstance(exc, Conflict) and exc.code == "stripe_not_ready":
        return ["If the portal is not linked to Stripe yet, link it with the setup "
                "assistant first."]
    if isinstance(exc, SettingsChanged):
        return ["Run `dentally-setup settings show` to see them."]
    if isinstance(exc, PreconditionRequired):
        return ["This is a bug in Dentally Setup; please report it. Nothing was changed."]
    if isinstance(exc, InsecureAddress):
        return [exc.message]
    if isinstance(exc, MalformedResponse):
        return [f"({exc.message})"]
    if isinstance(exc, PortalUnreachable):
        if exc.code == "network":
            return ["`dentally-setup doctor` shows the portal address and this computer's "
                    "connection."]
        if exc.status is not None:
            return [f"(The portal answered HTTP {exc.status}.)"]
    return []


def messages_for(exc: BaseException) -> str:
    """What to tell a person about ``exc``, in the same words and with the same DS- code
    as the GUI (``dentally_setup.flow.messages``), then any command-line hints:

        Problem [DS-401]: The portal did not accept the API token. Check the token ...
    """
    msg = for_exception(exc, surface="cli")
    line = f"Problem [{msg.code}]: {msg.text}"
    if not isinstance(exc, PortalError):
        return line  # the traceback is in msg.details, for the log only
    hints = _cli_hints(exc)
    if hints:
        line += " " + " ".join(hints)
    lines = [line]
    if isinstance(exc, ValidationFailed) and exc.code == "validation_failed":
        lines += [f"  {f.field}: {f.message}" for f in exc.fields] or [f"  {exc.message}"]
    return "\n".join(lines)


def print_error(message: str, stream: TextIO | None = None) -> None:
    print(message, file=stream or sys.stderr)


class _PrintableStream:
    """A text stream that writes every non-printable character as a visible escape
    (newlines and tabs kept). Site names, appointment types, keys from a policy file and
    the portal's own messages all reach the terminal through print(); escaping them at the
    one place they all pass means an ESC sequence from outside can never drive the
    terminal, whichever command printed it."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(printable(text, keep="\n\t"))
        return len(text)

    def rewrite_line(self, text: str) -> None:
        """Replace the line last written (a progress line on a terminal): our own carriage
        return goes through, the text is escaped as ever."""
        self._stream.write("\r" + printable(text))
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def printable_output() -> Iterator[None]:
    """Escape control characters in everything printed to stdout and stderr meanwhile."""
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _PrintableStream(out), _PrintableStream(err)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err
