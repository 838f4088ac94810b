from __future__ import annotations

import pytest

from dentally_setup.cli.common import exit_code_for, messages_for
from dentally_setup.flow import messages
from dentally_setup.portal.errors import (
    AuthError,
    Cancelled,
    Conflict,
    FieldProblem,
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

_FIELD = FieldProblem("deposits.default_amount_minor", "below_minimum", "too small")


@pytest.mark.parametrize(
    ("exc", "code", "ds", "words", "hint"),
    [
        (AuthError("unauthorized", "x", status=401), 3, "DS-401",
         "did not accept the API token", "Set DENTALLY_PORTAL_TOKEN"),
        (AuthError("forbidden", "x", status=403), 3, "DS-403",
         "refused the request", "Settings → API tokens"),
        (NotFound("not_found", "x", status=404), 3, "DS-404",
         "could not find what we asked for", "`dentally-setup status` lists the practice's sites"),
        (Conflict("stripe_not_ready", "x", status=409), 3, "DS-409S",
         "payments cannot be switched on yet", "link it with the setup assistant first"),
        (Conflict("already_linked", "x", status=409), 3, "DS-409L", "already linked", None),
        (ValidationFailed("validation_failed", "x", status=422, fields=(_FIELD,)), 3, "DS-422",
         "did not accept some of the values", "\n  deposits.default_amount_minor: too small"),
        (ValidationFailed("idempotency_key_reused", "x", status=422), 3, "DS-422K",
         "saw this save before", "fresh request"),
        (PreconditionRequired("precondition_required", "x", status=428), 3, "DS-428",
         "asked for the version", "bug in Dentally Setup"),
        (SettingsChanged("x", None, None), 5, "DS-412", "Nothing was written",
         "`dentally-setup settings show`"),
        (RateLimited("rate_limited", "x", status=429), 4, "DS-429", "busy", None),
        (MalformedResponse("not JSON"), 4, "DS-BAD", "does not understand", "(not JSON)"),
        (PortalUnreachable("network", "x"), 4, "DS-NET", "could not be reached",
         "`dentally-setup doctor`"),
        (PortalUnreachable("unavailable", "x", status=503), 4, "DS-503", "having trouble",
         "HTTP 503"),
        (PortalUnreachable("certificate_error", "x"), 4, "DS-TLS", "certificate", None),
        (Cancelled(), 4, "DS-CAN", "Stopped.", None),
        (InsecureAddress("Use https."), 2, "DS-HTTP", "not secure", "Use https."),
        (PortalError("teapot", "I am a teapot", status=418), 3, "DS-418", "I am a teapot", None),
    ],
)
def test_messages_and_exit_codes(exc: PortalError, code: int, ds: str, words: str,
                                 hint: str | None) -> None:
    assert exit_code_for(exc) == code
    text = messages_for(exc)
    assert text.startswith(f"Problem [{ds}]: ")
    assert words in text
    # The same "what happened" sentence and code as the GUI shows.
    gui = messages.for_portal_error(exc)
    assert gui.code == ds and gui.what in text
    # No buttons or pages on the command line.
    for gui_words in ("Try again", "press ", "Press ", "Go back", "marked below", "page"):
        assert gui_words not in text, text
    if hint is not None:
        assert hint in text
        # CLI-only hints come after flow.messages' sentences.
        assert text.index(hint) > text.index(gui.what)


def test_message_format_example() -> None:
    text = messages_for(AuthError("unauthorized", "bad token", status=401))
    assert text == (
        "Problem [DS-401]: The portal did not accept the API token. Check the token in the "
        "Dentally Portal web admin (Settings → API tokens). Set DENTALLY_PORTAL_TOKEN to the "
        "right token, or run the setup assistant to save it."
    )


def test_unexpected_exception_is_ds_bug_without_traceback() -> None:
    try:
        raise KeyError("internal detail 1234")
    except KeyError as exc:
        text = messages_for(exc)
    assert text.startswith("Problem [DS-BUG]: Something went wrong inside Dentally Setup.")
    assert "Run the command again" in text
    assert "Traceback" not in text and "internal detail 1234" not in text


def test_cli_and_settings_do_not_import_qt_or_the_sandbox() -> None:
    """Qt loads only inside `doctor`, the sandbox (and stripe) only inside `sandbox`, so
    scripted commands start fast and run on a machine where Qt is broken."""
    import subprocess
    import sys

    code = (
        "import sys, dentally_setup.cli.main, dentally_setup.settings.policy_file, "
        "dentally_setup.settings.diff\n"
        "bad = [m for m in ('PySide6', 'stripe', 'dentally_setup.sandbox') if m in sys.modules]\n"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
