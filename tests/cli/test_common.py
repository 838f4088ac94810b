from __future__ import annotations

import pytest

from dentally_setup.cli.common import exit_code_for, messages_for
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


@pytest.mark.parametrize(
    ("exc", "code", "words"),
    [
        (AuthError("unauthorized", "x", status=401), 3, "did not accept the API token"),
        (AuthError("forbidden", "x", status=403), 3, "refused this request"),
        (NotFound("not_found", "x", status=404), 3, "could not find that site"),
        (Conflict("stripe_not_ready", "x", status=409), 3, "cannot be turned on yet"),
        (Conflict("already_linked", "x", status=409), 3, "already linked"),
        (ValidationFailed("validation_failed", "x", status=422,
                          fields=(FieldProblem("deposits.default_amount_minor", "below_minimum",
                                               "too small"),)),
         3, "deposits.default_amount_minor: too small"),
        (ValidationFailed("idempotency_key_reused", "x", status=422), 3, "fresh request"),
        (PreconditionRequired("precondition_required", "x", status=428), 3, "bug"),
        (SettingsChanged("x", None, None), 5, "nothing was written"),
        (RateLimited("rate_limited", "x", status=429), 4, "busy"),
        (MalformedResponse("not JSON"), 4, "does not understand"),
        (PortalUnreachable("network", "x"), 4, "could not be reached"),
        (PortalUnreachable("unavailable", "x", status=503), 4, "HTTP 503"),
        (PortalUnreachable("certificate_error", "x"), 4, "certificate"),
        (Cancelled(), 4, "Stopped"),
        (InsecureAddress("Use https."), 2, "Use https."),
        (PortalError("teapot", "I am a teapot", status=418), 3, "I am a teapot"),
    ],
)
def test_messages_and_exit_codes(exc: PortalError, code: int, words: str) -> None:
    assert exit_code_for(exc) == code
    assert words in messages_for(exc)


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
