"""`dentally-setup settings show|apply`: read payment settings, or apply a policy file.

``apply`` is built for IT at a dental group running it over many sites from a script:
- the file is checked completely (structure, then the portal's own rules) before any site
  is read, so a typo never leaves half the group changed;
- every site is read first and the whole plan printed (``flow.save_plan``, the same plan
  as the wizard's Review page), then sites are written one by one, each with If-Match (so
  a change made meanwhile in the web admin is never overwritten) and one idempotency key
  per site-change (so the client's retries never apply it twice);
- the portal's answer to each write is what it stored, and is compared with what was sent;
- the first failure stops the run. Running the same file again is safe and finishes the
  job: sites already done show "nothing to change".
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from dentally_setup.cli.common import (
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    CliError,
    connection,
    exit_code_for,
    make_client,
    messages_for,
    print_error,
)
from dentally_setup.cli.status import settings_lines, site_heading
from dentally_setup.flow.save import SiteWrite, write_site
from dentally_setup.flow.save_plan import plan_from_policy
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.errors import (
    MalformedResponse,
    PortalError,
    PortalUnreachable,
    SettingsChanged,
    StoredDifferently,
)
from dentally_setup.portal.models import AppointmentType, PaymentSettings, Practice
from dentally_setup.settings.diff import Change, diff_settings
from dentally_setup.settings.policy_file import (
    PolicyFileError,
    policy_from_data,
    read_policy_toml,
)
from dentally_setup.settings.validate import validate_settings

log = logging.getLogger(__name__)


def add_parser(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
               ) -> None:
    settings = subparsers.add_parser(
        "settings", help="show or apply payment settings",
        description="Show each site's payment settings, or apply a policy file to sites.",
    )
    sub = settings.add_subparsers(dest="settings_command", metavar="{show,apply}",
                                  required=True)
    show = sub.add_parser("show", parents=parents, help="show payment settings",
                          description="Show payment settings for every site, or one.")
    show.add_argument("--site", action="append", metavar="ID",
                      help="a site id or exact name (repeat for several; default: all sites)")
    show.add_argument("--json", action="store_true",
                      help='print {"payment_settings": {"<site id>": ...}} as JSON')
    show.set_defaults(handler=run_show)

    apply = sub.add_parser(
        "apply", parents=parents, help="apply a policy file (TOML) to sites",
        description="Check a policy file, show what would change on each site, then write "
                    "it (unless --dry-run). Exit codes: 0 done, 2 bad usage or file, "
                    "3 refused by the portal, 4 portal unreachable, 5 changed meanwhile.",
    )
    apply.add_argument("file", type=Path, metavar="FILE", help="the policy file (TOML)")
    which = apply.add_mutually_exclusive_group(required=True)
    which.add_argument("--site", action="append", metavar="ID",
                       help="a site id or exact name (repeat for several)")
    which.add_argument("--all-sites", action="store_true", help="every site of the practice")
    apply.add_argument("--dry-run", action="store_true",
                       help="check the file and show the changes, but write nothing")
    apply.set_defaults(handler=run_apply)


def pick_sites(practice: Practice, wanted: Sequence[str] | None) -> list[str]:
    """Site ids for ``--site`` values (ids or exact names); all sites when none given."""
    if not wanted:
        return [s.id for s in practice.sites]
    ids: list[str] = []
    for value in wanted:
        match = [s.id for s in practice.sites if s.id == value] or \
                [s.id for s in practice.sites if s.name == value]
        if len(match) != 1:
            known = ", ".join(f"{s.id} ({s.name})" for s in practice.sites) or "none"
            why = "more than one site has that name; use its id" if match else \
                "the practice has no site with that id or name"
            raise CliError(f"--site {value}: {why}. Sites: {known}.")
        if match[0] not in ids:
            ids.append(match[0])
    return ids


def run_show(args: argparse.Namespace) -> int:
    client = make_client(connection(args))
    practice = client.practice()
    site_ids = pick_sites(practice, args.site)
    current = {sid: client.payment_settings(sid).settings for sid in site_ids}
    if args.json:
        payload = {"payment_settings": {sid: s.to_json() for sid, s in current.items()}}
        print(json.dumps(payload, indent=2, ensure_ascii=False))
        return EXIT_OK
    types = client.appointment_types()
    for i, (sid, s) in enumerate(current.items()):
        if i:
            print()
        print(f"Site: {site_heading(practice, sid)}")
        for line in settings_lines(s, types, practice.currency):
            print(line)
    return EXIT_OK


def run_apply(args: argparse.Namespace) -> int:
    path: Path = args.file
    # Parse the file before touching the network: a typo is reported even offline.
    try:
        data = read_policy_toml(path)
    except PolicyFileError as exc:
        print_error(str(exc))
        return EXIT_USAGE
    client = make_client(connection(args))
    practice = client.practice()
    types = client.appointment_types()
    site_ids = pick_sites(practice, None if args.all_sites else args.site)
    try:
        policy = policy_from_data(data, types, practice.currency, path)
    except PolicyFileError as exc:
        print_error(str(exc))
        return EXIT_USAGE
    problems = validate_settings(policy, types, practice.currency)
    if problems:
        for problem in problems:
            print_error(f"{path}: {problem.message}")
        print_error("Nothing was written. Correct the file and run the command again.")
        return EXIT_USAGE
    return apply_policy(client, practice, types, policy, site_ids, dry_run=args.dry_run)


def _print_changes(changes: Sequence[Change], indent: str = "  ") -> None:
    for change in changes:
        print(f"{indent}{change}")


def apply_policy(
    client: PortalClient,
    practice: Practice,
    types: Sequence[AppointmentType],
    policy: PaymentSettings,
    site_ids: Sequence[str],
    *,
    dry_run: bool = False,
    before_write: Callable[[str], None] | None = None,
) -> int:
    """Read, show and write ``policy`` on each site; return the exit code.

    What to write is ``flow.save_plan``'s (the Review page's plan too); the portal's answer
    to each write confirms it. ``before_write(site_id)`` runs just before each PUT; tests
    use it to change a site on the portal between the read and the write.
    """
    currency = practice.currency
    current = {sid: client.payment_settings(sid) for sid in site_ids}
    plan = plan_from_policy(policy, current, types, currency)
    for site in plan.sites:
        print(f"Site: {site_heading(practice, site.site_id)}")
        if site.changes:
            _print_changes(site.changes)
        else:
            print("  Nothing to change.")
    if dry_run:
        print("Dry run: the file is valid and nothing was written.")
        return EXIT_OK
    if not plan.to_write:
        print("Every site already matches the file; nothing was written.")
        return EXIT_OK

    written: list[str] = []
    writes = plan.writes()
    for index, write in enumerate(writes):
        heading = site_heading(practice, write.site_id)
        # One key for this intended change: the client reuses it on every retry, so a
        # reply lost on the way back can never make the portal apply it twice.
        log.info("writing payment settings for %s (idempotency key %s)", write.site_id,
                 write.idempotency_key)
        try:
            if before_write is not None:
                before_write(write.site_id)
            write_site(client, write)
        except StoredDifferently as exc:
            written.append(heading)
            print_error(f"{heading}: the portal stored something different from what was "
                        "sent:")
            for change in diff_settings(write.new, exc.stored.settings, types, currency):
                print_error(f"  {change}")
            print_error(messages_for(exc))
            _summary(written, practice, writes[index + 1:])
            return EXIT_REFUSED
        except PortalError as exc:
            _report_failure(heading, current[write.site_id].settings, exc, types, currency)
            _summary(written, practice, writes[index:])
            return exit_code_for(exc)
        written.append(heading)
        print(f"{heading}: written and checked.")
    _summary(written, practice, [])
    return EXIT_OK


def _report_failure(
    heading: str, read: PaymentSettings, exc: PortalError, types: Sequence[AppointmentType],
    currency: str,
) -> None:
    if isinstance(exc, SettingsChanged):
        print_error(f"{heading}: someone changed these settings on the portal since "
                    "they were read, so nothing was written to this site.")
        if exc.current is not None:
            changed = diff_settings(read, exc.current, types, currency)
            if changed:
                print_error("  What changed on the portal:")
                for change in changed:
                    print_error(f"    {change}")
        print_error("  Check the current settings (`dentally-setup settings show`), then run "
                    "the command again.")
        return
    if isinstance(exc, PortalUnreachable | MalformedResponse):
        # The request may have reached the portal before the answer was lost.
        print_error(f"{heading}: not confirmed; the portal may or may not have saved "
                    "it. `dentally-setup settings show` will tell.")
    else:
        print_error(f"{heading}: not written.")
    print_error(messages_for(exc))


def _summary(written: Sequence[str], practice: Practice, not_written: Sequence[SiteWrite]
             ) -> None:
    if written:
        print(f"Written: {', '.join(written)}.")
    pending = [site_heading(practice, w.site_id) for w in not_written]
    if pending:
        print(f"Not written: {', '.join(pending)}. Running the command again is safe; "
              "sites already done will show nothing to change.")
