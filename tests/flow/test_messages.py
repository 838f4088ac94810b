"""Every error in one voice: DS- codes, what happened, what next (flow.messages)."""

from __future__ import annotations

import re

import pytest

from dentally_setup.flow import messages
from dentally_setup.flow.messages import (
    Message,
    for_exception,
    for_key,
    for_link,
    for_portal_error,
)
from dentally_setup.portal.errors import (
    AuthError,
    Cancelled,
    PortalError,
    PortalUnreachable,
    SettingsChanged,
    error_for_status,
)
from tests.sandbox.helpers import contract

# The contract's error codes and the status each comes with.
CONTRACT_CODES: dict[str, int] = {
    "unauthorized": 401,
    "forbidden": 403,
    "not_found": 404,
    "already_linked": 409,
    "stripe_not_ready": 409,
    "settings_changed": 412,
    "precondition_required": 428,
    "validation_failed": 422,
    "idempotency_key_reused": 422,
    "rate_limited": 429,
    "unavailable": 503,
}

SENTENCE = re.compile(r"[A-Z].*[.!?]")

# Every DS- code the tables hold (only these tests need the list).
ALL_CODES: tuple[str, ...] = tuple(
    entry[0] for table in (messages._PORTAL, messages._LINK, messages._OTHER)
    for entry in table.values()
)


def is_sentence(text: str) -> bool:
    return bool(SENTENCE.fullmatch(text)) and "\n" not in text


def error(code: str) -> PortalError:
    """The error the client raises for ``code``, built the way the client builds it."""
    status = CONTRACT_CODES[code]
    return error_for_status(status, {"error": {"code": code, "message": f"portal says {code}"}})


def test_the_list_matches_the_contract() -> None:
    described = contract()["components"]["schemas"]["Error"]["properties"]["error"][
        "properties"]["code"]["description"]
    assert set(re.findall(r"[a-z_]+", described)) == set(CONTRACT_CODES)


@pytest.mark.parametrize("code", list(CONTRACT_CODES))
def test_every_contract_code_has_its_own_message(code: str) -> None:
    msg = for_portal_error(error(code))
    assert msg.code.startswith("DS-") and msg.code in ALL_CODES
    assert is_sentence(msg.what) and is_sentence(msg.next)
    assert f"portal code: {code} (HTTP {CONTRACT_CODES[code]})" in msg.details
    assert f"portal message: portal says {code}" in msg.details
    assert "portal says" not in msg.text  # the portal's own words are for support only


def test_contract_codes_map_to_distinct_ds_codes() -> None:
    codes = {code: for_portal_error(error(code)).code for code in CONTRACT_CODES}
    assert len(set(codes.values())) == len(codes), codes
    assert codes["unauthorized"] == "DS-401" and codes["unavailable"] == "DS-503"


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_unknown_5xx_is_unavailable(status: int) -> None:
    unavailable = for_portal_error(error("unavailable"))
    for exc in (PortalUnreachable(f"http_{status}", "Bad gateway", status=status),
                error_for_status(status, {"error": {"code": "teapot_on_fire", "message": "x"}}),
                error_for_status(status, None)):
        msg = for_portal_error(exc)
        assert (msg.code, msg.what, msg.next) == (
            unavailable.code, unavailable.what, unavailable.next)


def test_unknown_4xx_keeps_the_portals_words_and_status() -> None:
    msg = for_portal_error(PortalError("teapot", "I am a teapot", status=418))
    assert msg.code == "DS-418"
    assert msg.what == "I am a teapot."
    assert is_sentence(msg.next)
    unknown = for_portal_error(PortalError("timeout", "The link did not finish in time."))
    assert unknown.code == "DS-ERR" and unknown.what == "The link did not finish in time."


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (PortalUnreachable("network", "x"), "DS-NET"),
        (PortalUnreachable("certificate_error", "x"), "DS-TLS"),
        (Cancelled(), "DS-CAN"),
        (SettingsChanged("x", None, None), "DS-412"),
    ],
)
def test_client_side_codes(exc: PortalError, code: str) -> None:
    assert for_portal_error(exc).code == code


@pytest.mark.parametrize(
    ("status", "error_code", "code"),
    [
        ("denied", None, "DS-L-DENIED"),
        ("expired", None, "DS-L-EXPIRED"),
        ("cancelled", None, "DS-L-CANCEL"),
        ("failed", None, "DS-L-FAIL"),
        ("failed", "invalid_grant", "DS-L-GRANT"),
        ("failed", "account_connected_elsewhere", "DS-L-ELSEWHERE"),
        ("failed", "interrupted", "DS-L-FAIL"),  # an error code we have no words for
        ("something_new", None, "DS-L-FAIL"),
    ],
)
def test_link_outcomes(status: str, error_code: str | None, code: str) -> None:
    msg = for_link(status, error_code, "Stripe's own words")
    assert msg.code == code
    assert is_sentence(msg.what) and is_sentence(msg.next)
    assert f"link status: {status}" in msg.details
    assert "portal message: Stripe's own words" in msg.details
    assert "Stripe's own words" not in msg.text


@pytest.mark.parametrize("key", ["unexpected", "webview_certificate", "webview_load",
                                 "webview_webauthn", "stripe_authorize_error", "session_idle"])
def test_other_keys(key: str) -> None:
    msg = for_key(key, "detail")
    assert msg.code in ALL_CODES and msg.details == "detail"
    assert is_sentence(msg.what) and is_sentence(msg.next)


def test_non_portal_exception_is_a_bug_with_the_traceback_in_details_only() -> None:
    lookup: dict[str, int] = {}
    try:
        lookup["secret-ish internal key"]  # a real KeyError, with a real traceback
    except KeyError as exc:
        msg = for_exception(exc)
    assert msg.code == "DS-BUG"
    assert msg.what == "Something went wrong inside Dentally Setup."
    assert msg.details.startswith("Traceback (most recent call last):")
    assert "KeyError: 'secret-ish internal key'" in msg.details
    assert "test_messages.py" in msg.details
    for shown in (msg.what, msg.next, msg.text):
        assert "Traceback" not in shown and "KeyError" not in shown
        assert "secret-ish" not in shown


def test_portal_exception_goes_by_its_code() -> None:
    exc = AuthError("unauthorized", "nope", status=401)
    assert for_exception(exc) == for_portal_error(exc)


def test_all_codes_unique() -> None:
    assert len(ALL_CODES) == len(set(ALL_CODES))
    assert all(re.fullmatch(r"DS-[A-Z0-9-]+", c) for c in ALL_CODES)


def test_text_and_for_support() -> None:
    msg = Message("DS-401", "What happened.", "What next.", "portal code: unauthorized")
    assert msg.text == "What happened. What next."
    assert msg.for_support() == "[DS-401] What happened. What next.\n\nportal code: unauthorized"
    assert Message("DS-1", "A.", "B.").for_support() == "[DS-1] A. B."


# ---- one wording, two surfaces ---------------------------------------------------------

GUI_WORDS = ("Try again", "press ", "Press ", "Go back", "marked below", " page")
ALL_PORTAL_ERRORS = [error(c) for c in CONTRACT_CODES] + [
    PortalUnreachable("network", "x"), PortalUnreachable("certificate_error", "x"),
    PortalError("malformed_response", "x"), PortalError("insecure_address", "x"), Cancelled(),
    PortalError("teapot", "I am a teapot", status=418),
]


@pytest.mark.parametrize("exc", ALL_PORTAL_ERRORS, ids=lambda e: e.code)
def test_cli_surface_same_code_and_what_without_gui_words(exc: PortalError) -> None:
    gui, cli = for_portal_error(exc), for_portal_error(exc, surface="cli")
    assert (cli.code, cli.what, cli.details) == (gui.code, gui.what, gui.details)
    assert is_sentence(cli.next)
    for words in GUI_WORDS:
        assert words not in cli.next, cli.next


def test_cli_surface_for_a_bug() -> None:
    cli = for_exception(RuntimeError("boom"), surface="cli")
    assert cli.code == "DS-BUG" and "Run the command again" in cli.next
    assert "Press" not in cli.next and "boom" not in cli.text


def test_gui_wording_unchanged_by_default() -> None:
    assert for_portal_error(PortalUnreachable("network", "x")).next == \
        "Check this computer's internet connection, then press Try again."
    assert for_portal_error(error("idempotency_key_reused")).next == \
        "Press Try again; a fresh save will be made."
    assert for_exception(RuntimeError("x")).next == \
        "Press Try again. If it happens again, press Support and copy the diagnostics."


def test_cli_wording_only_for_known_codes() -> None:
    assert set(messages._CLI_NEXT) <= set(ALL_CODES)
