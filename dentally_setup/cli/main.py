"""The command line: ``dentally-setup status | settings show|apply | sandbox | doctor``.

``main(argv)`` returns the exit code and never lets a traceback reach the terminal: usage
mistakes get argparse's message (exit 2), portal problems get plain English and the exit
codes in ``cli.common``, and anything unexpected gets one line pointing at the log, where
the full traceback is written.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from dentally_setup import __version__
from dentally_setup.cli import doctor, export_cmd, sandbox_cmd, settings_cmd, status
from dentally_setup.cli.common import (
    EXIT_INTERNAL,
    EXIT_USAGE,
    CliError,
    exit_code_for,
    messages_for,
    print_error,
    printable_output,
)
from dentally_setup.portal.errors import PortalError

log = logging.getLogger(__name__)

PROG = "dentally-setup"


def _common_options(defaults: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the command name.

    The copy on each subcommand uses SUPPRESS so that, when the option is only given
    before the command, the subcommand does not overwrite it with its own default.
    """
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--portal-url", metavar="URL",
                   default=None if defaults else argparse.SUPPRESS,
                   help="the portal's API address (default: $DENTALLY_PORTAL_URL, then the "
                        "address saved by the setup assistant)")
    p.add_argument("-v", "--verbose", action="store_true",
                   default=False if defaults else argparse.SUPPRESS,
                   help="log more detail (to the log file)")
    return p


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        parents=[_common_options(True)],
        description="Dentally Setup from the command line. The portal address comes from "
                    "--portal-url, $DENTALLY_PORTAL_URL or the saved settings; the API token "
                    "from $DENTALLY_PORTAL_TOKEN or the keyring.",
        epilog="Exit codes: 0 done, 1 internal error, 2 bad usage or input, 3 refused by the "
               "portal, 4 portal unreachable, 5 settings changed on the portal meanwhile.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parents = [_common_options(False)]
    status.add_parser(sub, parents)
    export_cmd.add_parser(settings_cmd.add_parser(sub, parents), parents)
    sandbox_cmd.add_parser(sub, parents)
    doctor.add_parser(sub, parents)
    return parser


# What a shell reports for a program ended by SIGPIPE (128 + 13).
EXIT_BROKEN_PIPE = 141


def _quiet_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (tests capture stdout)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    with printable_output():
        return _main(argv)


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    except SystemExit as exc:  # argparse: --help/--version (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    handler: Callable[[argparse.Namespace], int] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_usage(sys.stderr)
        print_error(f"{PROG}: choose a command, e.g. `{PROG} status` (see {PROG} --help).")
        return EXIT_USAGE
    log_path: Path | str = "(no log file)"
    try:
        # Here, not at the top: 9 ms (median of 11) that usage errors and --help never need.
        from dentally_setup.logsetup import setup_logging

        log_path = setup_logging(verbose=args.verbose)
    except Exception as exc:  # a read-only log folder must not stop the command itself
        print_error(f"Warning: could not open the log file ({exc}).")
    log.info("command: %s %s", PROG, args.command)
    try:
        code = handler(args)
        sys.stdout.flush()  # inside the try: a reader gone shows here, not at exit
        return code
    except BrokenPipeError:
        # `dentally-setup status --json | head`: the reader has gone, as Unix tools expect
        # to happen; end quietly. Output still buffered would fail again at exit, so
        # stdout is pointed at nothing first.
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except CliError as exc:
        print_error(exc.message)
        return exc.code
    except PortalError as exc:
        log.info("portal error %s (HTTP %s): %s", exc.code, exc.status, exc.message)
        print_error(messages_for(exc))
        return exit_code_for(exc)
    except KeyboardInterrupt:
        print_error("Stopped.")
        return 130
    except Exception as exc:
        log.exception("unexpected error in %s", args.command)
        # The same words and code (DS-BUG) as the GUI; the traceback only in the log.
        print_error(f"{messages_for(exc)} Details are in the log: {log_path}")
        return EXIT_INTERNAL


if __name__ == "__main__":
    raise SystemExit(main())
