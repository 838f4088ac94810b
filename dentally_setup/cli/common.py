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
import logging
import os
import sys
from dataclasses import dataclass
from typing import TextIO

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
    SettingsChanged,
    ValidationFailed,
)

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
        from dentally_setup.store.config import load_config

        return load_config().portal_url
    except Exception:  # a broken config file must not stop `doctor` or an explicit URL
        log.warning("could not read the saved configuration", exc_info=True)
        return None


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
    try:
        from dentally_setup.redact import register_secret

        # Belt and braces: the client never logs the token, but any text that somehow
        # carries it (an exception from a proxy, say) is scrubbed from the log too.
        register_secret(conn.token)
    except ImportError:  # pragma: no cover - redact is part of the app
        pass
    limit = budget if budget is not None else budget_seconds()
    return PortalClient(conn.url, conn.token or "", budget=limit, timeout=min(10.0, limit))


def exit_code_for(exc: PortalError) -> int:
    if isinstance(exc, SettingsChanged):
        return EXIT_CHANGED
    if isinstance(exc, PortalUnreachable | MalformedResponse | RateLimited | Cancelled):
        return EXIT_UNREACHABLE
    if isinstance(exc, InsecureAddress):
        return EXIT_USAGE
    return EXIT_REFUSED


def messages_for(exc: PortalError) -> str:
    """What to tell a person about ``exc``: what happened and what to do next."""
    if isinstance(exc, AuthError):
        if exc.status == 403 or exc.code == "forbidden":
            return ("The portal refused this request. The API token may not be allowed to "
                    "change payments; ask the practice owner to check it in the web admin "
                    "(Settings → API tokens).")
        return ("The portal did not accept the API token. Check it in the web admin "
                "(Settings → API tokens) and try again.")
    if isinstance(exc, NotFound):
        return ("The portal could not find that site. Run `dentally-setup status` to see the "
                "practice's sites and their ids.")
    if isinstance(exc, Conflict):
        if exc.code == "stripe_not_ready":
            return ("Payments cannot be turned on yet: the portal is not linked to a Stripe "
                    "account, or Stripe has not finished checking it. Link Stripe with the "
                    "setup assistant (or finish Stripe's checks), then try again; or apply "
                    "a policy with deposits, balances and invoices off.")
        if exc.code == "already_linked":
            return "The portal is already linked to a Stripe account. Unlink it first."
        return f"The portal refused the change: {exc.message}"
    if isinstance(exc, ValidationFailed):
        if exc.code == "idempotency_key_reused":
            return ("The portal saw this change before with different values. Run the "
                    "command again; it will make a fresh request.")
        lines = ["The portal did not accept these settings:"]
        lines += [f"  {f.field}: {f.message}" for f in exc.fields] or [f"  {exc.message}"]
        return "\n".join(lines)
    if isinstance(exc, PreconditionRequired):
        return ("The portal asked which version of the settings we were changing. This is a "
                "bug in Dentally Setup; please report it. Nothing was changed.")
    if isinstance(exc, SettingsChanged):
        return ("Someone changed these payment settings on the portal since they were read, "
                "so nothing was written. Check the current settings, then run the command "
                "again.")
    if isinstance(exc, RateLimited):
        return "The portal is busy and asked us to slow down. Wait a minute and try again."
    if isinstance(exc, MalformedResponse):
        return (f"The portal sent an answer Dentally Setup does not understand "
                f"({exc.message}). Check the portal address is right; if it is, contact "
                "Dentally support.")
    if isinstance(exc, Cancelled):
        return "Stopped."
    if isinstance(exc, PortalUnreachable):
        if exc.code == "certificate_error":
            return ("This computer did not trust the portal's security certificate. If the "
                    "practice uses a web filter or proxy, ask IT to check it.")
        if exc.status is not None:
            return (f"The portal kept failing (HTTP {exc.status}). Wait a few minutes and "
                    "try again.")
        return ("The portal could not be reached. Check the internet connection and the "
                "portal address, then try again (`dentally-setup doctor` shows both).")
    if isinstance(exc, InsecureAddress):
        return exc.message
    return f"The portal refused the request: {exc.message} ({exc.code})."


def print_error(message: str, stream: TextIO | None = None) -> None:
    print(message, file=stream or sys.stderr)
