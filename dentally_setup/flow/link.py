"""The link step as plain Python: create a link session, then wait for the portal to say
how it ended. Where the authorize page is shown (embedded view or system browser) is the
caller's business; this only needs the portal client (as gh's login flow takes its
collaborators injected).

The app never sees the authorization code: Stripe sends the browser to the portal's
``redirect_uri``, the portal exchanges the code once, and we only poll the session."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

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


def is_redirect(url: str, session: LinkSession) -> bool:
    """True when a browser navigation means the Stripe part is over (contract: any URL that
    starts with the session's redirect_uri)."""
    return bool(session.redirect_uri) and url.startswith(session.redirect_uri)


def start_session(
    client: PortalClient, landing: str = "login", prefill: dict[str, str] | None = None
) -> LinkSession:
    # One key per intended session: a retry after a dropped connection returns the same
    # session instead of creating a second one.
    session = client.create_link_session(landing, prefill, idempotency_key=new_idempotency_key())
    log.info("link session %s created (landing=%s)", session.id, landing)
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
