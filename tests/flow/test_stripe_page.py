"""Where Stripe's page opens: the Support window's setting against the platform, the
failure this PC remembers and DENTALLY_WEBVIEW (flow/stripe_page.py)."""

from __future__ import annotations

import pytest

from dentally_setup.flow.stripe_page import Route, describe, route_for
from dentally_setup.store.config import Config

EMBEDDING = ("windows", "xcb", "offscreen")
SEP, INL, BRO = Route.SEPARATE, Route.INLINE, Route.BROWSER


@pytest.mark.parametrize(("platform", "setting", "failed", "env", "expected"), [
    # automatic: today's choice, with the remembered failure
    ("windows", None, False, None, SEP),
    ("xcb", None, True, None, INL),
    ("cocoa", None, False, None, INL),
    ("wayland", None, False, "", INL),
    # support's setting
    ("windows", "separate", True, None, SEP),  # chosen explicitly: tried despite the failure
    ("cocoa", "separate", False, None, INL),  # cannot be embedded here
    ("windows", "inline", False, None, INL),
    ("cocoa", "browser", False, None, BRO),
    ("xcb", "browser", True, None, BRO),
    # DENTALLY_WEBVIEW wins over anything saved
    ("windows", "browser", False, "inline", INL),
    ("windows", "separate", False, " Inline ", INL),
    ("xcb", "inline", True, "process", SEP),
    ("windows", "inline", False, "nonsense", INL),
])
def test_route(platform: str, setting: str | None, failed: bool, env: str | None,
               expected: Route) -> None:
    config = Config(stripe_page=setting, web_host_failed=failed)
    assert route_for(platform, config, env, EMBEDDING) is expected


def test_a_screen_reader_keeps_the_page_in_the_apps_own_process() -> None:
    """Only there is Stripe's form inside the app's accessibility tree. The person's own
    choices (the environment, the browser or this process in the Support window) stand."""
    for setting, failed in ((None, False), ("separate", False), (None, True)):
        config = Config(stripe_page=setting, web_host_failed=failed)
        assert route_for("xcb", config, None, EMBEDDING, screen_reader=True) is INL
        assert route_for("windows", config, None, EMBEDDING, screen_reader=True) is INL
    assert route_for("xcb", Config(), None, EMBEDDING, screen_reader=False) is SEP
    assert route_for("xcb", Config(stripe_page="browser"), None, EMBEDDING,
                     screen_reader=True) is Route.BROWSER
    assert route_for("xcb", Config(), "process", EMBEDDING, screen_reader=True) is SEP


def test_described_in_plain_words() -> None:
    rows = describe(Config(stripe_page="browser", web_host_failed=True), "inline")
    assert rows[0] == ("Stripe's page", "in my browser (the Support window's setting)")
    assert rows[1][0] == "" and rows[1][1].startswith(
        "the separate process failed to show it on this PC before")
    assert rows[2][0] == "" and "DENTALLY_WEBVIEW=inline is set" in rows[2][1]
    assert describe(Config(), None) == [
        ("Stripe's page", "automatic (the app chooses) (the Support window's setting)"),
        ("", "no failure of the separate process remembered on this PC")]
