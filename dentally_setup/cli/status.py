"""`dentally-setup status`: the practice, its Stripe link and every site's payment settings."""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Sequence

from dentally_setup.cli.common import EXIT_OK, connection, make_client
from dentally_setup.flow.readiness import readiness
from dentally_setup.portal.models import (
    AppointmentType,
    PaymentSettings,
    Practice,
    StripeLink,
)
from dentally_setup.settings.diff import describe_settings

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
               ) -> None:
    p = subparsers.add_parser(
        "status", parents=parents, help="show the practice, its Stripe link and payment settings",
        description="Show the practice, its Stripe link and each site's payment settings.",
    )
    p.add_argument("--json", action="store_true",
                   help="print one JSON object in the portal contract's shapes")
    p.set_defaults(handler=run)


def stripe_lines(link: StripeLink) -> list[str]:
    """The Stripe link and its account, in the account check page's words (flow.readiness):
    the account's name, whether it can take payments, and what Stripe needs, all as words,
    never Stripe's raw requirement keys."""
    lines: list[str] = []
    stripe = "Stripe" if link.livemode else "Stripe (test mode)"
    account = link.account
    if not link.linked or account is None:
        lines.append(f"{stripe}: not linked")
    else:
        name = account.display_name
        lines.append(f"{stripe}: linked to {account.id}"
                     + (f" ({name})" if name != account.id else ""))
        r = readiness(account)
        said = r.lines()
        if r.ready:
            said[0] = "Ready to take payments."
        lines += [f"  {line}" for line in said]
    app = link.dentally_app_account
    if app is not None:
        name = f" ({app.business_name})" if app.business_name else ""
        lines.append(f"  The Dentally app is linked to Stripe account {app.id}{name}; that "
                     "account cannot also be linked to the portal.")
    return lines


def settings_lines(
    settings: PaymentSettings, types: Sequence[AppointmentType], currency: str
) -> list[str]:
    lines = [f"  {label}: {value}" for label, value in describe_settings(settings, types,
                                                                         currency)]
    if settings.updated_at:
        who = f" by {settings.updated_by}" if settings.updated_by else ""
        lines.append(f"  Last changed {settings.updated_at}{who}")
    return lines


def site_heading(practice: Practice, site_id: str) -> str:
    for site in practice.sites:
        if site.id == site_id:
            return f"{site.name} ({site.id})"
    return site_id


def run(args: argparse.Namespace) -> int:
    client = make_client(connection(args))
    practice = client.practice()
    link = client.stripe_link()
    settings = {site.id: client.payment_settings(site.id).settings for site in practice.sites}
    if args.json:
        print(json.dumps({
            "practice": practice.to_json(),
            "stripe": link.to_json(),
            "payment_settings": {sid: s.to_json() for sid, s in settings.items()},
        }, indent=2, ensure_ascii=False))
        return EXIT_OK
    types = client.appointment_types()
    print(f"Practice: {practice.name} ({practice.id}), {practice.country}, "
          f"{practice.currency}")
    print(f"Portal: {client.base_url}")
    for line in stripe_lines(link):
        print(line)
    for sid, s in settings.items():
        print()
        print(f"Site: {site_heading(practice, sid)}")
        for line in settings_lines(s, types, practice.currency):
            print(line)
    return EXIT_OK
