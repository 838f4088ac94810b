"""The bytes on the wire: TLS trust, reading an answer with a size cap, and turning it into
JSON or a clear error. Kept apart from the client's retry logic."""

from __future__ import annotations

import json
import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dentally_setup.portal.errors import Cancelled, MalformedResponse, PortalUnreachable

log = logging.getLogger(__name__)

MAX_BODY = 2 * 1024 * 1024  # a payments API answer is a few KB; anything huge is wrong


def ssl_context() -> ssl.SSLContext:
    try:
        # Here, not at the top: 13-20 ms (median of 11 after the window's imports) that the
        # window does not need before its first call to the portal.
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except Exception:  # truststore missing or the OS store unreadable: Python's own store
        log.warning("OS certificate store not available; using Python's default CA bundle",
                    exc_info=True)
        return ssl.create_default_context()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")


CHUNK = 16 * 1024


def read_body(
    resp: Any,
    deadline: float,
    cancel: threading.Event,
    clock: Callable[[], float] = time.monotonic,
) -> bytes:
    """Read the answer in chunks, checking the overall deadline and ``cancel`` between
    chunks: the socket timeout only bounds each read, so a server trickling a byte at a
    time would otherwise hold the request (and the person's Cancel) for as long as it
    likes. ``read1`` returns what has arrived instead of waiting for a full chunk."""
    read = getattr(resp, "read1", None) or resp.read
    parts: list[bytes] = []
    size = 0
    while True:
        if cancel.is_set():
            raise Cancelled()
        if clock() >= deadline:
            log.info("the answer was still arriving at the deadline (%d bytes so far)", size)
            raise PortalUnreachable(
                "network", "The portal could not be reached (no answer in time or no "
                           "connection)."
            )
        chunk = read(CHUNK)
        if not chunk:
            return b"".join(parts)
        size += len(chunk)
        if size > MAX_BODY:
            raise MalformedResponse("the portal's answer was far too large")
        parts.append(bytes(chunk))


def parse_json(raw: bytes, status: int, headers: dict[str, str]) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        # "[[[[..." a hundred thousand deep: no contract answer nests more than a few levels.
        raise MalformedResponse("the portal's answer was nested far too deeply",
                                status=status) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        if status >= 500:
            # A proxy's HTML error page in front of a struggling portal: still transient.
            raise PortalUnreachable(
                "unavailable", f"The portal answered {status} with a page that is not JSON."
            ) from None
        kind = headers.get("content-type", "unknown content")
        raise MalformedResponse(
            f"the portal's answer was not JSON ({kind}); is the address right?", status=status
        ) from None


def retry_after_seconds(value: str | None) -> float:
    try:
        return max(0.0, min(float(value or 1), 300.0))
    except ValueError:
        return 1.0
