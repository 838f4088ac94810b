"""`dentally-setup settings show|apply`: read payment settings, or apply a policy file.

``apply`` is built for IT at a dental group running it over many sites from a script:
- the file is checked completely (structure, then the portal's own rules) before any site
  is read, so a typo never leaves half the group changed;
- every site is read first and the whole plan printed (``flow.save_plan``, the same plan
  as the wizard's Review page; each distinct change once), then sites are written a few at
  a time (``--jobs``), each with If-Match (so a change made meanwhile in the web admin is
  never overwritten) and one idempotency key per site-change (so the client's retries
  never apply it twice);
- the portal's answer to each write is what it stored, and is compared with what was sent;
- a failure every site would meet stops new writes; one site's own problem does not.
  Running the same file again is safe and finishes the job: sites already done show
  "nothing to change". (cli/apply_run.py has the writing half.)
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from dentally_setup.cli.apply_run import Plan, limit_malloc_arenas, write_plans
from dentally_setup.cli.common import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    connection,
    make_client,
    print_error,
)
from dentally_setup.cli.status import settings_lines, site_heading
from dentally_setup.flow.parallel import DEFAULT_JOBS, MAX_JOBS, read_each_site
from dentally_setup.flow.save_plan import plan_from_policy
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import AppointmentType, PaymentSettings, Practice
from dentally_setup.settings.diff import Change, group_changes
from dentally_setup.settings.policy_file import (
    PolicyFileError,
    policy_from_data,
    read_policy_toml,
)
from dentally_setup.settings.validate import validate_settings

log = logging.getLogger(__name__)

# Up to this many sites are named in a line; beyond that they are counted.
NAME_SITES_UP_TO = 5


def add_parser(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
               ) -> argparse._SubParsersAction:
    """Adds `settings show|apply`; returns the `settings` subcommands for more (export)."""
    settings = subparsers.add_parser(
        "settings", help="show or apply payment settings",
        description="Show each site's payment settings, apply a policy file to sites, or "
                    "export a site's settings as a policy file.",
    )
    sub = settings.add_subparsers(dest="settings_command", metavar="{show,apply,export}",
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
                    "3 refused by the portal, 4 portal unreachable, 5 changed meanwhile "
                    "(when sites end differently, the first of 4, 3, 5 that happened), "
                    "130 stopped by Ctrl+C.",
    )
    apply.add_argument("file", type=Path, metavar="FILE", help="the policy file (TOML)")
    which = apply.add_mutually_exclusive_group(required=True)
    which.add_argument("--site", action="append", metavar="ID",
                       help="a site id or exact name (repeat for several)")
    which.add_argument("--all-sites", action="store_true", help="every site of the practice")
    apply.add_argument("--dry-run", action="store_true",
                       help="check the file and show the changes, but write nothing")
    apply.add_argument("--jobs", type=_jobs, default=DEFAULT_JOBS, metavar="N",
                       help=f"sites written at once (default {DEFAULT_JOBS}, at most "
                            f"{MAX_JOBS}); sites are read twice as many at once")
    apply.add_argument("--json", action="store_true",
                       help="print one JSON object with each site's outcome, for scripts")
    apply.set_defaults(handler=run_apply)
    return sub


def _jobs(text: str) -> int:
    try:
        jobs = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 1 <= jobs <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"choose from 1 to {MAX_JOBS} (the portal's limit "
                                         "for one client)")
    return jobs


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
    return apply_policy(client, practice, types, policy, site_ids, dry_run=args.dry_run,
                        jobs=args.jobs, as_json=args.json)


def _print_changes(changes: Sequence[Change], indent: str = "  ") -> None:
    for change in changes:
        print(f"{indent}{change}")


def _some(headings: Sequence[str]) -> str:
    """Names while they can be read in one line; beyond that, a count."""
    return ", ".join(headings) if len(headings) <= NAME_SITES_UP_TO else \
        f"{len(headings)} sites"


def _print_plans(plans: Sequence[Plan]) -> None:
    """What would change, each distinct change once ("37 sites:" then its lines), so a
    group's plan reads in a screen instead of 200 repeats."""
    headings = {p.site_id: p.heading for p in plans}
    for group in group_changes({p.site_id: p.changes for p in plans}):
        count = len(group.site_ids)
        if count == 1:
            print(f"Site: {headings[group.site_ids[0]]}")
        elif count == len(plans):
            print(f"All {count} sites:")
        elif count <= NAME_SITES_UP_TO:
            print(f"{count} sites: {', '.join(headings[s] for s in group.site_ids)}:")
        else:
            print(f"{count} sites:")
        _print_changes(group.changes)
    same = [p.heading for p in plans if not p.changes]
    if same:
        print(f"Nothing to change: {_some(same)}.")


def apply_policy(
    client: PortalClient,
    practice: Practice,
    types: Sequence[AppointmentType],
    policy: PaymentSettings,
    site_ids: Sequence[str],
    *,
    dry_run: bool = False,
    before_write: Callable[[str], None] | None = None,
    jobs: int = DEFAULT_JOBS,
    as_json: bool = False,
) -> int:
    """Read, show and write ``policy`` on each site; return the exit code.

    What to write is ``flow.save_plan``'s (the Review page's plan too); the portal's answer
    to each write confirms it. Sites are written ``jobs`` at a time (cli/apply_run.py),
    read twice as many at once (flow/parallel.read_jobs). ``before_write(site_id)`` runs
    just before each PUT; tests use it to change a site on the portal between the read and
    the write.
    """
    currency = practice.currency
    limit_malloc_arenas()  # before the worker threads start
    current = read_each_site(client.payment_settings, site_ids, jobs=jobs)
    plan = plan_from_policy(policy, current, types, currency)
    writes = {w.site_id: w for w in plan.writes()}
    plans = [Plan(site.site_id, site_heading(practice, site.site_id), site.current.settings,
                  list(site.changes), writes.get(site.site_id)) for site in plan.sites]
    if as_json and (dry_run or not any(p.changes for p in plans)):
        return _json_plan(plans, dry_run)
    if not as_json:
        _print_plans(plans)
    if dry_run:
        print("Dry run: the file is valid and nothing was written.")
        return EXIT_OK
    if not any(plan.changes for plan in plans):
        print("Every site already matches the file; nothing was written.")
        return EXIT_OK
    return write_plans(client, plans, types, currency, jobs=jobs, as_json=as_json,
                       before_write=before_write)


def _json_plan(plans: Sequence[Plan], dry_run: bool) -> int:
    """--json when nothing is written: each site's changes ("would-change" on a dry run)."""
    print(json.dumps({
        "exit_code": EXIT_OK,
        "dry_run": dry_run,
        "sites": [{"site_id": p.site_id, "site": p.heading,
                   "outcome": "would-change" if p.changes else "unchanged",
                   "changes": [str(c) for c in p.changes]} for p in plans],
    }, indent=2, ensure_ascii=False))
    return EXIT_OK
