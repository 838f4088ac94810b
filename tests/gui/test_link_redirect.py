"""The link page refuses a link session whose redirect_uri cannot be trusted to end the
Stripe part (issue 11): the person reads a DS- message and no Stripe page is loaded."""

from __future__ import annotations

from dentally_setup.flow.steps import Step


def test_a_plain_http_redirect_uri_is_refused_with_a_message(make_wizard, monkeypatch):
    from dentally_setup.sandbox.portal_api import PortalApp

    # The portal (the sandbox, over real HTTP) names a plain-http callback on another host.
    monkeypatch.setattr(PortalApp, "redirect_uri",
                        property(lambda _self: "http://portal.example.invalid/stripe/callback"))
    h = make_wizard()
    h.go_to_link_page()
    page = h.page(Step.LINK)
    h.qtbot.waitUntil(page.errors.isVisible, timeout=20000)
    text = page.errors.text.text()
    assert "DS-L-REDIRECT" in text and "not safe" in text
    assert h.state.session is None  # "Open in my browser" has nothing to open
    assert h.stripe_pages == []  # Stripe's page was never loaded


