"""`dentally-setup settings export --site ID [FILE]`: one site's current payment settings
as a policy file, to apply to other sites (`settings apply FILE --all-sites`) or to keep.
Applying it to the same site changes nothing."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
from pathlib import Path

from dentally_setup import __version__
from dentally_setup.cli.common import EXIT_OK, CliError, connection, make_client
from dentally_setup.cli.settings_cmd import pick_sites
from dentally_setup.cli.status import site_heading
from dentally_setup.settings.policy_export import policy_toml

log = logging.getLogger(__name__)


def add_parser(sub: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
               ) -> None:
    export = sub.add_parser(
        "export", parents=parents, help="write a site's settings as a policy file",
        description="Write one site's current payment settings as a policy file (TOML), "
                    "to apply to other sites with `settings apply FILE --all-sites`.",
    )
    export.add_argument("--site", required=True, metavar="ID",
                        help="the site's id or exact name")
    export.add_argument("file", type=Path, nargs="?", metavar="FILE",
                        help="where to write it (default: print it)")
    export.set_defaults(handler=run_export)


def run_export(args: argparse.Namespace) -> int:
    client = make_client(connection(args))
    practice = client.practice()
    (site_id,) = pick_sites(practice, [args.site])
    types = client.appointment_types()
    current = client.payment_settings(site_id).settings
    when = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    header = [
        f"Payment settings of {site_heading(practice, site_id)}, exported {when} by "
        f"dentally-setup {__version__}.",
        "Apply to other sites with: dentally-setup settings apply THIS-FILE --all-sites "
        "(or --site ID).",
    ]
    text = policy_toml(current, types, header)
    if args.file is None:
        sys.stdout.write(text)
        return EXIT_OK
    try:
        args.file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"Could not write {args.file}: {exc.strerror or exc}.") from None
    print(f"Wrote the settings of {site_heading(practice, site_id)} to {args.file}.")
    return EXIT_OK
