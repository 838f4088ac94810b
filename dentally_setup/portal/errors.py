"""Errors the portal client raises: one type per family, each carrying the contract's
``code``, ``message`` and ``fields`` so the GUI and the CLI can say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dentally_setup.settings.model import PaymentSettings, VersionedSettings
from dentally_setup.settings.shape import ShapeError


@dataclass(frozen=True)
class FieldProblem:
    field: str
    code: str
    message: str


class PortalError(Exception):
    """Base of every error the portal client raises."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        status: int | None = None,
        fields: tuple[FieldProblem, ...] = (),
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.fields = fields


class PortalUnreachable(PortalError):
    """Could not talk to the portal at all, or it kept failing (network, timeouts, 5xx)."""


class MalformedResponse(PortalError):
    """The portal answered, but not in the contract's shape."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__("malformed_response", message, status=status)


class AuthError(PortalError):
    """401 unauthorized or 403 forbidden: the token is wrong or lacks rights."""


class NotFound(PortalError):
    """404: the site or link session does not exist."""


class Conflict(PortalError):
    """409: ``already_linked`` or ``stripe_not_ready``."""


class ValidationFailed(PortalError):
    """422: ``validation_failed`` (with ``fields``) or ``idempotency_key_reused``."""


class PreconditionRequired(PortalError):
    """428: a PUT without If-Match (a bug in us, never the person's fault)."""


class RateLimited(PortalError):
    """429 that outlasted our patience."""


class SettingsChanged(PortalError):
    """412: someone changed the settings since we read them. Carries the current ones."""

    def __init__(
        self,
        message: str,
        current: PaymentSettings | None,
        etag: str | None,
        *,
        status: int | None = 412,
    ) -> None:
        super().__init__("settings_changed", message, status=status)
        self.current = current
        self.etag = etag


class StoredDifferently(PortalError):
    """The portal accepted a write, but what it says it stored is not what was sent (it
    adjusted a value, or someone saved straight after). The write *was* applied; this is
    not a malformed answer, and ``stored`` is what the site has now, with its ETag."""

    def __init__(self, site_id: str, sent: PaymentSettings, stored: VersionedSettings) -> None:
        super().__init__(
            "stored_differently",
            f"site {site_id}: the portal stored settings that differ from those sent",
        )
        self.site_id = site_id
        self.sent = sent
        self.stored = stored


class InsecureAddress(PortalError):
    """A plain http:// portal address that is not on this computer."""

    def __init__(self, message: str) -> None:
        super().__init__("insecure_address", message)


class RedirectRefused(PortalError):
    """The portal (or something in front of it) answered with a redirect to another
    address. The API token is only ever sent to the portal's own address, so the redirect
    is not followed and nothing is retried; ``address`` is where it pointed."""

    def __init__(self, address: str, *, status: int | None = None) -> None:
        super().__init__(
            "redirect_refused",
            f"The portal's answer pointed to another address ({address}); the request "
            "was not sent there.",
            status=status,
        )
        self.address = address


_BY_STATUS: dict[int, type[PortalError]] = {
    401: AuthError,
    403: AuthError,
    404: NotFound,
    409: Conflict,
    422: ValidationFailed,
    428: PreconditionRequired,
    429: RateLimited,
}


def error_for_status(status: int, body: Any, headers: dict[str, str] | None = None) -> PortalError:
    """Build the error for a non-2xx answer from its status, (parsed) body and headers
    (lower-case names). The one place a 412's body is read: the settings someone else
    saved, and the ETag to base a new write on."""
    code, message = f"http_{status}", f"The portal answered {status}."
    fields: tuple[FieldProblem, ...] = ()
    err = body.get("error") if isinstance(body, dict) else None
    if isinstance(err, dict):
        code = str(err.get("code") or code)
        message = str(err.get("message") or message)
        raw_fields = err.get("fields") or []
        if isinstance(raw_fields, list):
            fields = tuple(
                FieldProblem(
                    str(f.get("field", "")), str(f.get("code", "")), str(f.get("message", ""))
                )
                for f in raw_fields
                if isinstance(f, dict)
            )
    if status == 412:
        current = None
        raw = err.get("payment_settings") if isinstance(err, dict) else None
        if raw is not None:
            try:
                current = PaymentSettings.from_json(raw)
            except ShapeError:
                current = None  # still a 412: the person is told and the settings re-read
        return SettingsChanged(message, current, (headers or {}).get("etag"), status=status)
    if status >= 500:
        return PortalUnreachable(code, message, status=status)
    cls = _BY_STATUS.get(status, PortalError)
    return cls(code, message, status=status, fields=fields)


class Cancelled(PortalError):
    """The person cancelled the wait (the GUI sets the client's cancel event)."""

    def __init__(self) -> None:
        super().__init__("cancelled", "Cancelled.")
