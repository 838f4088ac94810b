"""The imitation's tiny Stripe dashboard, where the demo finishes an account's verification
(what the account owner does on the real dashboard)."""

from __future__ import annotations

import urllib.parse

from dentally_setup.sandbox.httpbase import Reply, Request, html_reply, redirect
from dentally_setup.sandbox.pages import esc, message_page, render
from dentally_setup.sandbox.world import World


def _form(request: Request) -> dict[str, str]:
    raw = (request.body or b"").decode("utf-8", "replace")
    return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))


def dashboard(world: World, request: Request) -> Reply:
    """The account's page on the imitation's dashboard: what Stripe still needs."""
    acct_id = request.query.get("account", "")
    with world.lock:
        acct = world.accounts.get(acct_id)
        if acct is None:
            return html_reply(404, message_page("dashboard-unknown", "No such account",
                                                f"There is no account {acct_id} here."))
        due = list(acct["currently_due"]) + list(acct["past_due"])
        ready = acct["charges_enabled"]
        name = acct["business_name"]
    items = "".join(f"<li>{esc(r)}</li>" for r in due)
    requirements_html = (f'<ul class="requirements" id="requirements">{items}</ul>' if due
                         else '<p id="requirements">Nothing is needed.</p>')
    verify_html = "" if ready else (
        '<form method="post" action="/dashboard/verify">'
        f'<input type="hidden" name="account" value="{esc(acct_id)}">'
        '<button type="submit" class="button primary" id="complete-verification">'
        "Complete verification</button></form>")
    status = ("Payments and payouts are enabled." if ready else
              "Payments are not enabled yet: Stripe needs the details below.")
    return html_reply(200, render("dashboard.html", page="dashboard", title=f"{name} – Stripe",
                                  account_name=name, account_id=acct_id, status=status,
                                  requirements_html=requirements_html,
                                  verify_html=verify_html))


def verify(world: World, request: Request) -> Reply:
    """"Complete verification": everything Stripe asked for is given at once."""
    acct_id = _form(request).get("account", "")
    world.complete_verification(acct_id)
    return redirect(f"/dashboard?account={urllib.parse.quote(acct_id)}")
