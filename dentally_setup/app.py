"""Entry point: the command-line commands (status, settings, sandbox, doctor) or the wizard
(normal, --demo, --autopilot). Heavy imports (Qt, stripe, keyring) happen only on the path
that needs them, so start-up stays close to a bare Qt app."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from dentally_setup import __version__

if TYPE_CHECKING:
    from dentally_setup.sandbox import Sandbox

log = logging.getLogger(__name__)

CLI_COMMANDS = ("status", "settings", "sandbox", "doctor")


def gui_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dentally-setup",
        description="Link the practice's Stripe account to the Dentally Portal and switch on "
        "portal payments. Commands for IT and support: status, settings, sandbox, doctor "
        "(see 'dentally-setup COMMAND --help').",
    )
    p.add_argument("--version", action="version", version=f"dentally-setup {__version__}")
    p.add_argument("--portal-url", help="the portal's API address (else the saved one)")
    p.add_argument("--demo", action="store_true",
                   help="run against the built-in demo world: no network, no real money")
    p.add_argument("--scenario", help="demo scenario (see 'dentally-setup sandbox --help')")
    p.add_argument("--demo-reset", action="store_true", help="start the demo over")
    p.add_argument("--faults", help="demo only: faults for the demo portal, e.g. fail:2:503")
    p.add_argument("--autopilot", action="store_true",
                   help="demo only: walk the whole wizard by itself, then print a JSON result")
    p.add_argument("--autopilot-delay", type=int, default=800, metavar="MS",
                   help="pause between autopilot steps (default 800; 0 for tests)")
    p.add_argument("--screenshots", type=Path, metavar="DIR",
                   help="save a PNG of every page as it is shown")
    p.add_argument("--software-rendering", action="store_true",
                   help="draw web pages without the graphics card (remote desktop, old GPUs)")
    p.add_argument("--presenter", action="store_true",
                   help="larger text and a slower autopilot, for a projector")
    p.add_argument("--quit-after-first-paint", action="store_true",
                   help="exit as soon as the first page is painted (for start-up timing)")
    p.add_argument("--fresh", action="store_true", help="ignore unfinished progress")
    p.add_argument("-v", "--verbose", action="store_true", help="more detail in the log")
    return p


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def start_demo(args: argparse.Namespace) -> Sandbox:
    """The demo world for --demo: the GUI gets it as a DemoWorld and never imports it."""
    # Imported only for --demo: the sandbox (with the stripe library) takes ~100 ms to import.
    from dentally_setup.sandbox import Sandbox
    from dentally_setup.store.paths import data_dir

    # A trainer (or the leak test) may choose the demo portal's token.
    token = os.environ.get("DENTALLY_DEMO_TOKEN") or "demo-portal-token"
    sandbox = Sandbox(
        scenario=args.scenario or "fresh",
        state_dir=data_dir() / "demo-sandbox",
        faults=args.faults,
        token=token,
        reset=bool(args.demo_reset or args.autopilot or args.scenario),
    )
    sandbox.start()
    log.info("demo sandbox running (scenario %s)", sandbox.scenario)
    return sandbox


def main(argv: list[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    # Each entry's imports are made on its own path (median of 5-11 runs, after what the
    # other paths load anyway): the CLI 54-87 ms the window never needs; the window's
    # gui.run 13 ms plus Qt that the CLI never needs; logging 9 ms the web host never needs.
    if args_in and args_in[0] in CLI_COMMANDS:
        from dentally_setup.cli.main import main as cli_main

        return cli_main(args_in)
    if args_in and args_in[0] == "--web-host":
        # The app's own child process that shows Stripe's page (gui/stripe_page/host_side.py).
        from dentally_setup.gui.stripe_page.host_side import serve

        return serve(args_in[-1], "--software-rendering" in args_in,
                     "--allow-scripts" in args_in)
    parser = gui_parser()
    args = parser.parse_args(args_in)
    if args.autopilot and not args.demo:
        parser.error("--autopilot works only with --demo (it clicks through the demo's "
                     "imitation of Stripe, never the real one)")
    if (args.scenario or args.demo_reset or args.faults) and not args.demo:
        parser.error("--scenario, --demo-reset and --faults go with --demo")
    if args.autopilot and not os.environ.get("QT_QPA_PLATFORM") and not has_display():
        os.environ["QT_QPA_PLATFORM"] = "offscreen"  # the autopilot needs no screen
    if not has_display():
        print("dentally-setup: no display found (DISPLAY is not set). Run it in a desktop "
              "session, under 'xvfb-run dentally-setup ...', or try "
              "'dentally-setup --demo --autopilot', which needs no screen.", file=sys.stderr)
        return 2
    from dentally_setup.logsetup import setup_logging

    log_file = setup_logging(args.verbose)
    log.info("dentally-setup %s starting (log: %s)", __version__, log_file)
    try:
        from dentally_setup.gui.run import run_gui

        demo = start_demo(args) if args.demo else None
        try:
            return run_gui(args, demo)
        finally:
            if demo is not None:
                demo.stop()
    except KeyboardInterrupt:
        return 130
    except Exception:
        log.exception("unexpected error")
        print(f"dentally-setup: something went wrong. Details are in the log: {log_file}",
              file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
