"""The portal API client: every endpoint of resources/portal-api.yaml over plain HTTPS.

Built on the standard library (urllib) so it starts fast and uses the system's proxy
settings (``urllib.request.getproxies`` reads the environment, and the registry on Windows)
and the OS certificate store (truststore), the same way the practice's browser does.
Retries follow the contract: GETs on network errors and 5xx, 429 after Retry-After, and a
POST or PUT only with the same Idempotency-Key. Everything ends within ``budget`` seconds.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import ssl
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from dentally_setup import __version__
from dentally_setup.portal.address import check_portal_url, is_loopback_host, origin
from dentally_setup.portal.errors import (
    Cancelled,
    MalformedResponse,
    PortalError,
    PortalUnreachable,
    RateLimited,
    error_for_status,
)
from dentally_setup.portal.models import (
    AppointmentType,
    LinkSession,
    PaymentSettings,
    Practice,
    StripeLink,
    VersionedSettings,
)
from dentally_setup.portal.redirects import SameOriginRedirects
from dentally_setup.portal.wire import (
    Response,
    parse_json,
    read_body,
    retry_after_seconds,
    ssl_context,
)
from dentally_setup.settings.shape import ShapeError

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

USER_AGENT = f"DentallySetup/{__version__} (+https://dentally.com)"


def _shape_checked(endpoint: Callable[P, T]) -> Callable[P, T]:
    """An endpoint whose answer is read by the models' strict readers: an answer in the
    wrong shape is the portal's fault, reported as ``MalformedResponse`` (DS-BAD) with the
    field the readers named."""

    @functools.wraps(endpoint)
    def checked(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return endpoint(*args, **kwargs)
        except ShapeError as exc:
            raise MalformedResponse(str(exc)) from None

    return checked


def new_idempotency_key() -> str:
    """A fresh key for one intended change; reuse it for every retry of that change."""
    return f"ds-{uuid.uuid4()}"


class SharedBackoff:
    """One back-off for every thread using a client (and its ``with_cancel`` copies): when
    the portal says it is busy (429, or 503), every worker waits, not just the one told,
    so a group's 16 workers do not keep hammering a portal that asked for a pause."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until = 0.0

    def hold(self, seconds: float) -> None:
        with self._lock:
            self._until = max(self._until, self._clock() + seconds)

    def remaining(self) -> float:
        with self._lock:
            return max(0.0, self._until - self._clock())


class PortalClient:
    """Talks to one portal with one token. Thread-safe: each request is its own
    connection; copies made by ``with_cancel`` share the back-off."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 10.0,
        budget: float = 30.0,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        cancel: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = check_portal_url(base_url)
        self._token = token
        self.timeout = timeout
        self.budget = budget
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.cancel = cancel or threading.Event()
        self._clock = clock
        self.backoff_gate = SharedBackoff(clock)
        handlers: list[urllib.request.BaseHandler] = [
            urllib.request.ProxyHandler(urllib.request.getproxies()),
            SameOriginRedirects(origin(urllib.parse.urlsplit(self.base_url))),
        ]
        if self.base_url.startswith("https:"):
            handlers.append(urllib.request.HTTPSHandler(context=ssl_context()))
        self._opener = urllib.request.build_opener(*handlers)

    def with_cancel(self, cancel: threading.Event) -> PortalClient:
        """A copy that shares the connection set-up but stops when ``cancel`` is set, so
        each wait in the GUI can be cancelled on its own."""
        clone = copy.copy(self)
        clone.cancel = cancel
        return clone

    # ---- endpoints -------------------------------------------------------------------

    @_shape_checked
    def practice(self) -> Practice:
        body = self._expect_obj(self.request("GET", "/v1/practice").body, "practice")
        return Practice.from_json(body.get("practice"))

    @_shape_checked
    def appointment_types(self) -> list[AppointmentType]:
        body = self._expect_obj(self.request("GET", "/v1/appointment-types").body, "body")
        items = body.get("appointment_types")
        if not isinstance(items, list):
            raise MalformedResponse("appointment_types should be a list")
        return [
            AppointmentType.from_json(t, f"appointment_types[{i}]") for i, t in enumerate(items)
        ]

    @_shape_checked
    def stripe_link(self) -> StripeLink:
        body = self._expect_obj(self.request("GET", "/v1/payments/stripe").body, "body")
        return StripeLink.from_json(body.get("stripe"))

    @_shape_checked
    def unlink(self) -> StripeLink:
        # DELETE is sent once: the contract promises retries only for GET and keyed writes.
        body = self._expect_obj(self.request("DELETE", "/v1/payments/stripe").body, "body")
        return StripeLink.from_json(body.get("stripe"))

    @_shape_checked
    def create_link_session(
        self,
        landing: str = "login",
        prefill: dict[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> LinkSession:
        payload: dict[str, Any] = {"landing": landing}
        if prefill:
            payload["prefill"] = {k: v for k, v in prefill.items() if v}
        resp = self.request(
            "POST",
            "/v1/payments/stripe/link-sessions",
            payload,
            idempotency_key=idempotency_key or new_idempotency_key(),
        )
        return LinkSession.from_json(self._expect_obj(resp.body, "body").get("link_session"))

    @_shape_checked
    def link_session(self, session_id: str) -> LinkSession:
        path = f"/v1/payments/stripe/link-sessions/{_seg(session_id)}"
        return LinkSession.from_json(
            self._expect_obj(self.request("GET", path).body, "body").get("link_session")
        )

    @_shape_checked
    def cancel_link_session(self, session_id: str) -> LinkSession:
        path = f"/v1/payments/stripe/link-sessions/{_seg(session_id)}/cancel"
        resp = self.request("POST", path, {}, idempotency_key=new_idempotency_key())
        return LinkSession.from_json(self._expect_obj(resp.body, "body").get("link_session"))

    @_shape_checked
    def payment_settings(self, site_id: str) -> VersionedSettings:
        resp = self.request("GET", f"/v1/sites/{_seg(site_id)}/payment-settings")
        body = self._expect_obj(resp.body, "body")
        if not resp.etag:
            raise MalformedResponse("the portal sent payment settings without an ETag")
        return VersionedSettings(PaymentSettings.from_json(body.get("payment_settings")), resp.etag)

    @_shape_checked
    def put_payment_settings(
        self,
        site_id: str,
        settings: PaymentSettings,
        etag: str,
        idempotency_key: str,
    ) -> VersionedSettings:
        """Replace one site's settings, based on the version read with ``etag``.

        ``idempotency_key`` names this intended change: pass the same key again to retry
        it (after a crash, say) and the portal will not apply it twice.
        """
        resp = self.request(
            "PUT",
            f"/v1/sites/{_seg(site_id)}/payment-settings",
            {"payment_settings": settings.input_json()},
            idempotency_key=idempotency_key,
            headers={"If-Match": etag},
        )
        body = self._expect_obj(resp.body, "body")
        if not resp.etag:
            raise MalformedResponse("the portal saved the settings but sent no ETag")
        return VersionedSettings(PaymentSettings.from_json(body.get("payment_settings")), resp.etag)

    # ---- transport ---------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send one logical request, retrying only what the contract says is safe."""
        retryable = method == "GET" or (
            method in ("POST", "PUT") and idempotency_key is not None
        )
        deadline = self._clock() + self.budget
        attempt = 0
        while True:
            attempt += 1
            self._check_cancel()
            pause = self.backoff_gate.remaining()
            if pause > 0:  # the portal asked someone (maybe another worker) to wait
                if self._clock() + pause > deadline:
                    raise RateLimited(
                        "rate_limited",
                        "The portal is busy and asked us to wait longer than we can. "
                        "Try again in a minute.",
                        status=429,
                    )
                self._sleep(pause)
            remaining = deadline - self._clock()
            try:
                return self._send_once(
                    method, path, payload, idempotency_key, headers,
                    timeout=max(0.5, min(self.timeout, remaining)), deadline=deadline,
                )
            except RateLimited as exc:
                wait = getattr(exc, "retry_after", 1.0)
                if self._clock() + wait > deadline:
                    raise RateLimited(
                        "rate_limited",
                        "The portal is busy and asked us to wait longer than we can. "
                        "Try again in a minute.",
                        status=429,
                    ) from None
                log.info("%s %s: rate limited, waiting %.1fs", method, path, wait)
                self.backoff_gate.hold(wait)  # waited at the top of the loop, by every worker
            except PortalUnreachable as exc:
                delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
                lasting = exc.code in ("proxy_auth", "certificate_error")  # retry won't help
                if lasting or not retryable or self._clock() + delay >= deadline:
                    log.warning("%s %s failed after %d attempt(s): %s", method, path, attempt,
                                exc.code)
                    raise
                log.info("%s %s: %s, retrying in %.1fs", method, path, exc.code, delay)
                if exc.status == 503:  # busy: everyone slows down, as long as it asked
                    delay = max(delay, getattr(exc, "retry_after", 0.0))
                    self.backoff_gate.hold(delay)
                else:
                    self._sleep(delay)

    def _send_once(
        self,
        method: str,
        path: str,
        payload: Any,
        idempotency_key: str | None,
        extra_headers: dict[str, str] | None,
        *,
        timeout: float,
        deadline: float,
    ) -> Response:
        data = None
        headers = {
            "Authorization": f"Bearer {self._token}",
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
        }
        if payload is not None:
            data = json.dumps(payload).encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        headers.update(extra_headers or {})
        # base_url passed check_portal_url: https, or http on loopback only.
        req = urllib.request.Request(  # noqa: S310
            self.base_url + path, data=data, headers=headers, method=method
        )
        started = time.monotonic()
        try:
            with self._opener.open(req, timeout=timeout) as resp:
                status, resp_headers = resp.status, dict(resp.headers.items())
                raw = read_body(resp, deadline, self.cancel, self._clock)
        except urllib.error.HTTPError as err:
            status, resp_headers = err.code, dict(err.headers.items()) if err.headers else {}
            try:
                raw = read_body(err, deadline, self.cancel, self._clock) if err.fp else b""
            except (OSError, MalformedResponse):
                raw = b""
        except (TimeoutError, urllib.error.URLError, OSError, ValueError) as err:
            reason = getattr(err, "reason", err)
            log.info("%s %s: no answer (%s)", method, path, type(reason).__name__)
            if "407" in str(reason):  # the proxy refused the HTTPS tunnel without a sign-in
                raise PortalUnreachable(
                    "proxy_auth", "The proxy asked for a user name and password.", status=407
                ) from None
            if isinstance(reason, ssl.SSLCertVerificationError):
                raise PortalUnreachable(
                    "certificate_error",
                    "The portal's security certificate was not trusted by this computer.",
                ) from None
            raise PortalUnreachable(
                "network", "The portal could not be reached (no answer in time or no connection)."
            ) from None
        headers_lc = {k.lower(): v for k, v in resp_headers.items()}
        elapsed_ms = (time.monotonic() - started) * 1000
        log.debug("%s %s -> %d in %.0f ms", method, path, status, elapsed_ms)
        body = parse_json(raw, status, headers_lc)
        if 200 <= status < 300:
            return Response(status, headers_lc, body)
        if status == 407:
            # The practice's proxy wants credentials (often Windows sign-in, which urllib
            # cannot do): nothing reached the portal, and retrying will not help.
            raise PortalUnreachable(
                "proxy_auth", "The proxy asked for a user name and password.", status=407
            )
        error = error_for_status(status, body, headers_lc)
        if status == 429 or (status == 503 and "retry-after" in headers_lc):
            error.retry_after = retry_after_seconds(headers_lc.get("retry-after"))  # type: ignore[attr-defined]
        raise error

    # ---- helpers -----------------------------------------------------------------------

    def _sleep(self, seconds: float) -> None:
        if self.cancel.wait(seconds):
            raise Cancelled()

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()

    @staticmethod
    def _expect_obj(body: Any, where: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise MalformedResponse(f"the portal's answer ({where}) should be a JSON object")
        return body


def _seg(value: str) -> str:
    return urllib.parse.quote(value, safe="")



__all__ = [
    "USER_AGENT",
    "PortalClient",
    "PortalError",
    "check_portal_url",
    "is_loopback_host",
    "new_idempotency_key",
]
