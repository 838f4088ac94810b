"""The link step as plain Python: create a link session, then wait for the portal to say
how it ended. Where the authorize page is shown (embedded view or system browser) is the
caller's business; this only needs the portal client (as gh's login flow takes its
collaborators injected).

The app never sees the authorization code: Stripe sends the browser to the portal's
``redirect_uri``, the portal exchanges the code once, and we only poll the session."""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

from dentally_setup.portal.client import PortalClient, new_idempotency_key
from dentally_setup.portal.errors import Cancelled, PortalError
from dentally_setup.portal.models import LinkSession

log = logging.getLogger(__name__)


def seconds_left(session: LinkSession, now: datetime | None = None) -> float | None:
    """Seconds until the session's ``expires_at`` (None when the portal's time is unreadable)."""
    try:
        expires = datetime.fromisoformat(session.expires_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return (expires - (now or datetime.now(UTC))).total_seconds()


_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback IP address (the demo sandbox's home)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _address(url: str) -> tuple[str, str, int, str] | None:
    """``(scheme, host, port, path)`` of an http(s) URL, or None for anything else: not a
    web address, a user name or password in it (``https://portal@evil.example/``), or a
    ``.``/``..`` path segment, literal or percent-encoded (a server may resolve it)."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        return None
    if scheme not in _DEFAULT_PORTS or not host or "@" in parts.netloc:
        return None
    path = parts.path or "/"
    segments = path.lower().replace("%2e", ".").split("/")
    if "." in segments or ".." in segments:
        return None
    return scheme, host, port, path


def is_redirect(url: str, redirect_uri: str) -> bool:
    """True when a browser navigation to ``url`` reaches the portal's ``redirect_uri``: the
    Stripe part is over. The contract: the same scheme, host and port, and the same path or
    a path below it. Compared part by part, never as a string prefix:
    ``http://127.0.0.1:8000@evil.example/`` and ``http://127.0.0.1:8000.evil.example/`` both
    start with ``http://127.0.0.1:8000``. The path is compared as sent (case and
    percent-encoding included): a look-alike is not the portal's address."""
    target, here = _address(redirect_uri), _address(url)
    if target is None or here is None or here[:3] != target[:3]:
        return False
    path, base = here[3], target[3]
    return path == base or path.startswith(base.rstrip("/") + "/")


def redirect_uri_problem(redirect_uri: str) -> str | None:
    """Why the portal's ``redirect_uri`` cannot be trusted to end the Stripe part, or None.
    It must be https (plain http only on this PC, for the demo sandbox) and name a path: a
    bare origin would make every page of the portal's site count as the redirect."""
    address = _address(redirect_uri)
    if address is None:
        return "is not a plain web address"
    scheme, host, _port, path = address
    if scheme != "https" and not is_loopback(host):
        return "is not https"
    if path == "/":
        return "has no path"
    return None


def start_session(
    client: PortalClient, landing: str = "login", prefill: dict[str, str] | None = None
) -> LinkSession:
    # One key per intended session: a retry after a dropped connection returns the same
    # session instead of creating a second one.
    session = client.create_link_session(landing, prefill, idempotency_key=new_idempotency_key())
    log.info("link session %s created (landing=%s)", session.id, landing)
    problem = redirect_uri_problem(session.redirect_uri)
    if problem is not None:
        # Stripe's page would be shown with no safe way to tell when it is over (and the
        # code would travel in clear over http): refused before anything is shown.
        log.warning("link session %s refused: its redirect_uri %s", session.id, problem)
        cancel_quietly(client, session.id)
        raise PortalError("unsafe_redirect_uri",
                          f"The portal's return address for Stripe's page {problem}.")
    return session


def cancel_quietly(client: PortalClient, session_id: str) -> None:
    """Give up on a pending session; a failure here must not stop the person moving on."""
    try:
        client.cancel_link_session(session_id)
    except PortalError as exc:
        log.info("could not cancel link session %s: %s", session_id, exc.code)


def wait_for_outcome(
    client: PortalClient,
    session_id: str,
    cancel: threading.Event,
    *,
    interval: float = 1.0,
    give_up_after: float = 16 * 60,
    on_poll: Callable[[LinkSession], None] | None = None,
) -> LinkSession:
    """Poll until the session leaves ``pending``.

    Bounded twice over: the portal expires a session after 15 minutes, and we stop on our
    own after ``give_up_after`` seconds in case its clock or answer is wrong. A transient
    portal error during polling is retried by the client; a lasting one is raised.
    """
    started = time.monotonic()
    while True:
        if cancel.is_set():
            raise Cancelled()
        session = client.link_session(session_id)
        if on_poll is not None:
            on_poll(session)
        if not session.pending:
            log.info("link session %s ended: %s", session_id, session.status)
            return session
        if time.monotonic() - started > give_up_after:
            raise PortalError("timeout", "The link did not finish in time.")
        if cancel.wait(interval):
            raise Cancelled()
