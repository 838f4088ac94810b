"""The messages between the app and its web host process (no Qt here, so it is unit-tested
without a screen).

Why a second process: QtWebEngine keeps Chromium's browser side (about 180 MB) and its
zygote processes alive until the process that used it exits. The app shares a modest
reception PC all day, so Stripe's page lives in a child process that ends when the link page
is left, and everything it used goes back to the system.

One JSON object per line, UTF-8, over a local socket (a named pipe on Windows). The app
sends commands (``cmd``), the host sends events (``ev``). The host proves it is the process
the app started by echoing a one-time nonce the app put in its environment.
"""

from __future__ import annotations

import enum
import json
from typing import Any

NONCE_ENV = "DENTALLY_WEBHOST_NONCE"
SERVER_ARG = "--web-host"
# On the host's command line when the app lets it run scripts in Stripe's page (the demo and
# its autopilot click through the imitation of Stripe that way). Without it the host refuses
# the "js" command: nothing may script the real Stripe page a practice signs in on.
SCRIPTS_ARG = "--allow-scripts"


class Command(enum.StrEnum):
    """What the app asks of the host (``cmd``). The host's handler table covers each one."""

    OPEN = "open"  # make the browser: redirect prefix, allowed hosts, window to sit in, size
    PREFIX = "prefix"  # the portal's redirect_uri, once the link session is known
    LOAD = "load"  # open Stripe's authorize URL
    SIZE = "size"  # the placeholder's size changed (the first one shows the window)
    FOCUS = "focus"  # Tab reached the page: take the keyboard
    JS = "js"  # run a script (demo only; see SCRIPTS_ARG)
    GRAB = "grab"  # save a picture of the page to a file (screenshots)
    PING = "ping"  # are you still answering? (a host that stops is replaced)
    QUIT = "quit"  # tidy up and end


class Event(enum.StrEnum):
    """What the host tells the app (``ev``). The app's handler tables cover each one."""

    HELLO = "hello"  # first line: the nonce, proving this is the process the app started
    LOG = "log"  # a log record, for the app's (redacted) log
    OPENED = "opened"  # the browser exists (and whether it sits inside the app's window)
    SIGNAL = "signal"  # a LinkBrowser signal, by name, with its arguments
    JS = "js"  # a script's result (or its refusal)
    GRABBED = "grabbed"  # the picture asked for is saved (or not)
    KEYBOARD_TAKEN = "keyboard_taken"  # a click in the page took the keyboard
    FOCUS_OUT = "focus_out"  # Tab left the page: the app takes the keyboard back
    PONG = "pong"  # the answer to PING


# The LinkBrowser signals the host forwards, with their argument counts.
FORWARDED_SIGNALS: dict[str, int] = {
    "redirectReached": 0,
    "connectedElsewhere": 0,
    "stripeError": 2,
    "loadProgress": 1,
    "locationChanged": 2,
    "pageKind": 1,
    "externalRequested": 1,
    "certificateProblem": 1,
    "webAuthProblem": 1,
    "popupOpened": 1,
    "painted": 0,
}

MAX_LINE = 4 * 1024 * 1024  # a screenshot path or a page probe is far smaller


class ProtocolError(ValueError):
    """A line that is not one of our messages."""


def encode(message: dict[str, Any]) -> bytes:
    return json.dumps(message, separators=(",", ":")).encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        raise ProtocolError("message too long")
    try:
        message = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProtocolError(f"not JSON: {exc}") from exc
    except RecursionError as exc:  # thousands of nested brackets: not one of ours
        raise ProtocolError("nested too deeply") from exc
    if not isinstance(message, dict) or not (
        isinstance(message.get("cmd"), str) or isinstance(message.get("ev"), str)
    ):
        raise ProtocolError("not a command or an event")
    return message


class LineBuffer:
    """Splits a byte stream into lines; keeps a partial line for the next chunk."""

    def __init__(self) -> None:
        self._pending = b""

    def feed(self, data: bytes) -> list[bytes]:
        self._pending += data
        *lines, self._pending = self._pending.split(b"\n")
        if len(self._pending) > MAX_LINE:
            self._pending = b""
            raise ProtocolError("message too long")
        return [line for line in lines if line.strip()]


def jsonable(value: Any) -> Any:
    """A JavaScript result as PySide6 hands it over, made safe for JSON."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return str(value)
