"""Every error a person can meet, in one place: a stable code support can search for
(``DS-401``), what happened, and what to do next. The GUI and the CLI both use this, so the
wording is the same everywhere (support reads it out over the phone)."""

from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Literal

from dentally_setup.portal.errors import PortalError, RedirectRefused
from dentally_setup.textsafe import printable

# Where a message is shown. The GUI's "what to do next" can name its buttons and pages
# ("press Try again"); the command line has neither, so it gets its own next-step sentence
# for those (``_CLI_NEXT``). "What happened" and the DS- code are the same on both.
Surface = Literal["gui", "cli"]


@dataclass(frozen=True)
class Message:
    code: str  # "DS-401"
    what: str  # what happened, one sentence
    next: str  # what to do next, one sentence
    details: str = ""  # for support: the portal's own code and message, redacted later

    @property
    def text(self) -> str:
        return f"{self.what} {self.next}".strip()

    def for_support(self) -> str:
        body = f"[{self.code}] {self.text}"
        return f"{body}\n\n{self.details}" if self.details else body


# portal error code -> (DS code, what happened, what to do next)
_PORTAL: dict[str, tuple[str, str, str]] = {
    "network": (
        "DS-NET",
        "The portal could not be reached.",
        "Check this computer's internet connection, then press Try again.",
    ),
    "proxy_auth": (
        "DS-PROXY",
        "The practice's proxy asked for a user name and password, which this app cannot give.",
        "Ask IT to let this PC reach the portal's address without a proxy sign-in.",
    ),
    "certificate_error": (
        "DS-TLS",
        "This computer did not trust the portal's security certificate.",
        "If the practice uses a web filter or proxy, ask IT to check it, then try again.",
    ),
    "unavailable": (
        "DS-503",
        "The portal is having trouble right now.",
        "Wait a minute, then press Try again. Nothing you entered has been lost.",
    ),
    "unauthorized": (
        "DS-401",
        "The portal did not accept the API token.",
        "Check the token in the Dentally Portal web admin (Settings → API tokens) and enter "
        "it again.",
    ),
    "forbidden": (
        "DS-403",
        "The portal refused the request.",
        "The token may not have permission to change payments; ask the practice owner.",
    ),
    "not_found": (
        "DS-404",
        "The portal could not find what we asked for.",
        "The site may have been removed. Go back a step and try again.",
    ),
    "unsafe_redirect_uri": (
        "DS-L-REDIRECT",
        "The portal asked for Stripe's page to return to an address that is not safe "
        "(it must be https, with a path), so linking was stopped before Stripe's page opened.",
        "Contact Dentally support with this code: the portal's settings need correcting. "
        "Nothing was linked.",
    ),
    "already_linked": (
        "DS-409L",
        "The portal is already linked to a Stripe account.",
        "Go back to the Stripe status page to see which one, or unlink it first.",
    ),
    "stripe_not_ready": (
        "DS-409S",
        "Stripe has not finished checking the linked account, so payments cannot be "
        "switched on yet.",
        "Save with payments switched off for now, or finish Stripe's checks and check again.",
    ),
    "settings_changed": (
        "DS-412",
        "Someone changed these payment settings while you were working.",
        "Look at their change below and choose which to keep.",
    ),
    "validation_failed": (
        "DS-422",
        "The portal did not accept some of the values.",
        "Correct the fields marked below and save again.",
    ),
    "idempotency_key_reused": (
        "DS-422K",
        "The portal saw this save before with different values.",
        "Press Try again; a fresh save will be made.",
    ),
    "precondition_required": (
        "DS-428",
        "The portal asked for the version of the settings we changed.",
        "Press Try again; the settings will be read again first.",
    ),
    "rate_limited": (
        "DS-429",
        "The portal is busy.",
        "Wait a minute, then press Try again.",
    ),
    "malformed_response": (
        "DS-BAD",
        "The portal sent an answer this app does not understand.",
        "Check the portal address; if it is right, contact Dentally support with this code.",
    ),
    "insecure_address": (
        "DS-HTTP",
        "That portal address is not secure.",
        "Use the https:// address from the web admin.",
    ),
    "cancelled": ("DS-CAN", "Stopped.", "Press Try again when you are ready."),
    "stored_differently": (
        "DS-DIFF",
        "The portal saved the settings, but what it holds now is not exactly what was sent "
        "(it may have adjusted a value, or someone saved at the same moment).",
        "Check the settings as they are now, shown here, and save again if they are not "
        "what you want.",
    ),
    "redirect_refused": (
        "DS-REDIR",
        "The portal's answer pointed this app to another address ({address}). It was not "
        "followed, so the API token was not sent there.",
        "Check the portal address is the one from the web admin; if it is, ask IT whether "
        "a proxy redirects it, or contact Dentally support with this code.",
    ),
}

# link session outcomes (LinkSession.status / error.code)
_LINK: dict[str, tuple[str, str, str]] = {
    "denied": (
        "DS-L-DENIED",
        "The link was declined on Stripe's page, so nothing was linked.",
        "If that was a mistake, press Try again and choose Connect on Stripe's page.",
    ),
    "expired": (
        "DS-L-EXPIRED",
        "The link took too long and timed out (the portal allows 15 minutes for each link).",
        "Press Start again for a fresh link.",
    ),
    "cancelled": (
        "DS-L-CANCEL",
        "The link was cancelled.",
        "Press Start again when you are ready.",
    ),
    "invalid_grant": (
        "DS-L-GRANT",
        "Stripe did not accept the link (the one-time code had expired or was already used).",
        "Press Start again for a fresh link; nothing was changed on Stripe.",
    ),
    "account_connected_elsewhere": (
        "DS-L-ELSEWHERE",
        "That Stripe account is already connected to another platform (the Dentally app).",
        "Create a new Stripe account that shares the practice's details; this app shows how.",
    ),
    "failed": (
        "DS-L-FAIL",
        "Stripe and the portal could not finish the link.",
        "Press Start again for a fresh link. If it happens again, contact support with this "
        "code.",
    ),
}

_OTHER: dict[str, tuple[str, str, str]] = {
    "unexpected": (
        "DS-BUG",
        "Something went wrong inside Dentally Setup.",
        "Press Try again. If it happens again, press Support and copy the diagnostics.",
    ),
    "webview_certificate": (
        "DS-W-TLS",
        "The connection to Stripe is not safe: its certificate was not trusted.",
        "Use 'Open in my browser instead'. A practice proxy that inspects secure traffic "
        "is a common cause; IT can check it.",
    ),
    "webview_proxy": (
        "DS-W-PROXY",
        "The practice's proxy asked for a user name and password before showing Stripe's page.",
        "Use 'Open in my browser instead': your browser signs in to the proxy for you.",
    ),
    "webview_load": (
        "DS-W-LOAD",
        "Stripe's page could not be loaded.",
        "Check the internet connection, or use 'Open in my browser instead'.",
    ),
    "webview_crashed": (
        "DS-W-CRASH",
        "Stripe's page stopped working.",
        "Press Start again, or use 'Open in my browser instead'.",
    ),
    "webview_webauthn": (
        "DS-W-KEY",
        "This Stripe sign-in needs a security key or passkey, which works best in a browser.",
        "Use 'Open in my browser instead' to finish there.",
    ),
    "webview_host_failed": (
        "DS-W-HOST",
        "Stripe's page could not be shown in its separate process on this PC, so it is shown "
        "in this window's process instead.",
        "Nothing to do: carry on with Stripe's page. It opens this way on this PC from now on.",
    ),
    "setting_not_saved": (
        "DS-CFG-SAVE",
        "The setting could not be saved on this PC, so it was not changed.",
        "Try again. If it happens again, copy the diagnostics for support.",
    ),
    "stripe_authorize_error": (
        "DS-W-STRIPE",
        "Stripe refused to show its link page.",
        "Press Start again. If it happens again, contact Dentally support with this code.",
    ),
    "session_idle": (
        "DS-L-IDLE",
        "The Stripe page has been open longer than the link allows.",
        "Press Start again for a fresh link.",
    ),
}


# The command line's "what to do next", by DS code, wherever the GUI's names a button or
# a page. Codes not listed here already read the same on both surfaces.
_CLI_NEXT: dict[str, str] = {
    "DS-NET": "Check this computer's internet connection and the portal address, then run "
              "the command again.",
    "DS-503": "Wait a minute, then run the command again.",
    "DS-401": "Check the token in the Dentally Portal web admin (Settings → API tokens).",
    "DS-404": "The site may have been removed; check the site id and run the command again.",
    "DS-409L": "Unlink it first if you mean to link another account.",
    "DS-409S": "Apply the settings with deposits, balances and invoices off for now, or "
               "finish Stripe's checks and run the command again.",
    "DS-412": "Nothing was written; check the current settings, then run the command again.",
    "DS-422": "Correct the values listed below and run the command again.",
    "DS-422K": "Run the command again; it will make a fresh request.",
    "DS-428": "Run the command again; the settings will be read again first.",
    "DS-429": "Wait a minute, then run the command again.",
    "DS-CAN": "Run the command again when you are ready.",
    "DS-DIFF": "Run `dentally-setup settings show` to see what the site holds now, and run "
               "the command again if it is not what you want.",
    "DS-BUG": "Run the command again. If it happens again, contact Dentally support with "
              "this code and the log file.",
}

_FALLBACK_NEXT: dict[Surface, str] = {
    "gui": "Press Try again. If it happens again, contact support with this code.",
    "cli": "Run the command again. If it happens again, contact Dentally support with this "
           "code.",
}


def _build(entry: tuple[str, str, str], details: str = "", surface: Surface = "gui") -> Message:
    code, what, nxt = entry
    if surface == "cli":
        nxt = _CLI_NEXT.get(code, nxt)
    return Message(code, what, nxt, details)


def for_portal_error(exc: PortalError, surface: Surface = "gui") -> Message:
    entry = _PORTAL.get(exc.code)
    if entry is None and exc.status is not None and exc.status >= 500:
        entry = _PORTAL["unavailable"]
    # The portal's own code and words are text from outside: escaped, so a control
    # character cannot rewrite a terminal or hide in a label.
    code, said = printable(exc.code), printable(exc.message)
    details = f"portal code: {code}" + (f" (HTTP {exc.status})" if exc.status else "")
    details += f"\nportal message: {said}"
    if entry is None:
        return Message(
            f"DS-{exc.status or 'ERR'}",
            said if said.endswith(".") else said + ".",
            _FALLBACK_NEXT[surface],
            details,
        )
    if isinstance(exc, RedirectRefused):
        ds, what, nxt = entry
        entry = (ds, what.format(address=printable(exc.address)), nxt)
    return _build(entry, details, surface)


def for_link(status: str, error_code: str | None = None, error_message: str = "") -> Message:
    key = error_code if error_code in _LINK else status
    details = f"link status: {printable(status)}" + (
        f"; error: {printable(error_code)}" if error_code else "")
    if error_message:
        details += f"\nportal message: {printable(error_message)}"
    return _build(_LINK.get(key, _LINK["failed"]), details)


def for_key(key: str, details: str = "") -> Message:
    return _build(_OTHER[key], details)


def for_exception(exc: BaseException, surface: Surface = "gui") -> Message:
    """Any exception: portal errors by their code, anything else as an internal error with
    the traceback in the details (which go to the log and 'Copy details', never on screen)."""
    if isinstance(exc, PortalError):
        return for_portal_error(exc, surface)
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return _build(_OTHER["unexpected"], tb, surface)
