"""The bytes on the wire: TLS trust, reading an answer with a size cap, and turning it into
JSON or a clear error. Kept apart from the client's retry logic."""

from __future__ import annotations

import json
import logging
import ssl
from dataclasses import dataclass
from typing import Any

from dentally_setup.portal.errors import MalformedResponse, PortalUnreachable

log = logging.getLogger(__name__)

MAX_BODY = 2 * 1024 * 1024  # a payments API answer is a few KB; anything huge is wrong


def ssl_context() -> ssl.SSLContext:
    try:
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


def read_body(resp: Any) -> bytes:
    raw = resp.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise MalformedResponse("the portal's answer was far too large")
    return bytes(raw)


def parse_json(raw: bytes, status: int, headers: dict[str, str]) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw.decode("utf-8"))
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
