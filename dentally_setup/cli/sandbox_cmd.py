"""`dentally-setup sandbox`: run the demo portal and Stripe imitation in the foreground.

For trainers and for trying the CLI without a real portal. It prints the address and the
demo token (the sandbox's own, which opens nothing real, so printing it is fine), then
waits until Ctrl+C or SIGTERM and stops cleanly so the world is saved.
"""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from dentally_setup.cli.common import EXIT_OK, TOKEN_ENV, URL_ENV, CliError
from dentally_setup.store.paths import data_dir

# The sandbox loads only for this command, inside it: 15-43 ms (median of 5-11 runs after
# the CLI's own imports) that every other command would pay at the top of this module.
if TYPE_CHECKING:
    from dentally_setup.sandbox import Sandbox

log = logging.getLogger(__name__)

# Bounds that keep a typo (--sites 40000) from filling the disk with a demo world.
MAX_SITES = 1000
MAX_TYPES = 1000
MAX_LATENCY_S = 60.0


def add_parser(subparsers: argparse._SubParsersAction, parents: list[argparse.ArgumentParser]
               ) -> None:
    p = subparsers.add_parser(
        "sandbox", parents=parents, help="run the demo portal (no real money) until Ctrl+C",
        description="Run a local demo portal and Stripe imitation on 127.0.0.1 until Ctrl+C.",
    )
    p.add_argument("--scenario", default="fresh", metavar="NAME",
                   help="which demo world to start with (default: fresh); an unknown name "
                        "lists them")
    p.add_argument("--reset", action="store_true",
                   help="start the scenario from scratch instead of the saved demo world")
    p.add_argument("--faults", metavar="SPEC",
                   help="make the portal misbehave, e.g. fail:2:503,delay:1.5")
    p.add_argument("--state-dir", type=Path, metavar="DIR",
                   help="where the demo world is saved (default: the app's data folder)")
    p.add_argument("--sites", type=int, metavar="N",
                   help="give the practice N sites, named like a dental group's (the group "
                        "scenario has 40)")
    p.add_argument("--types", type=int, metavar="M",
                   help="give the practice M appointment types with usual prices (the group "
                        "scenario has 60)")
    p.add_argument("--latency", type=float, default=0.0, metavar="S",
                   help="answer every portal request after S seconds, e.g. 0.05 (default 0)")
    # For tests and scripts: start, print the addresses, stop.
    p.add_argument("--port", type=int, default=0, metavar="N",
                   help="fixed port for the sandbox portal (its Stripe callback is then "
                   "http://127.0.0.1:N/stripe/callback, to register for real Stripe test mode)")
    p.add_argument("--print-and-exit", action="store_true", help=argparse.SUPPRESS)
    p.set_defaults(handler=run)


def _check_options(args: argparse.Namespace) -> None:
    from dentally_setup.sandbox import SCENARIOS
    from dentally_setup.sandbox.faults import Faults

    if args.scenario not in SCENARIOS:
        names = "\n".join(f"  {name}: {text}" for name, text in SCENARIOS.items())
        raise CliError(f"There is no sandbox scenario called {args.scenario!r}. "
                       f"The scenarios are:\n{names}")
    for name, most in (("sites", MAX_SITES), ("types", MAX_TYPES)):
        value = getattr(args, name)
        if value is not None and not 1 <= value <= most:
            raise CliError(f"--{name} must be a whole number from 1 to {most}.")
    if not 0 <= args.latency <= MAX_LATENCY_S:
        raise CliError(f"--latency must be between 0 and {MAX_LATENCY_S:g} seconds.")
    if args.faults:
        try:
            Faults.parse(args.faults)
        except ValueError as exc:
            raise CliError(f"--faults: {exc}") from None


def _describe(sb: Sandbox, state_dir: Path, scenario: str) -> list[str]:
    stripe = sb.stripe_url
    if sb.real_stripe:
        stripe += "   (codes are exchanged with real Stripe test mode)"
    with sb.world.lock:
        size = (f"{len(sb.world.practice['sites'])} sites, "
                f"{len(sb.world.appointment_types)} appointment types")
    if sb.latency:
        size += f", every request answered after {sb.latency:g} s"
    lines = [
        f"Dentally Setup sandbox: scenario {scenario!r}. DEMO ONLY, no real money.",
        f"Practice:         {size}",
        f"Portal URL:       {sb.portal_url}",
        f"Token:            {sb.token}   (the sandbox's demo token)",
    ]
    lines.append(f"Stripe imitation: {stripe}")
    if sb.real_stripe:
        lines.append(f"Redirect URI:     {sb.redirect_uri}   (register it in the Stripe "
                     "platform's Connect OAuth settings)")
    lines += [
        f"Demo world saved in: {state_dir}",
        "",
        "Try, in another terminal:",
        f"  {URL_ENV}={sb.portal_url} {TOKEN_ENV}={sb.token} dentally-setup status",
        f"  {URL_ENV}={sb.portal_url} {TOKEN_ENV}={sb.token} dentally-setup settings show",
        "",
        "Press Ctrl+C to stop.",
    ]
    return lines


def run(args: argparse.Namespace) -> int:
    _check_options(args)
    from dentally_setup.sandbox import Sandbox

    if args.state_dir is not None:
        state_dir: Path = args.state_dir
    else:
        state_dir = data_dir() / "sandbox"
    state_dir.mkdir(parents=True, exist_ok=True)
    try:
        sb = Sandbox(args.scenario, state_dir, faults=args.faults, reset=args.reset,
                     portal_port=args.port, sites=args.sites, types=args.types,
                     latency=args.latency)
    except ValueError as exc:  # e.g. half-set real Stripe test-mode credentials
        raise CliError(f"The sandbox cannot start: {exc}") from None
    try:
        sb.start()
    except OSError as exc:
        raise CliError(
            f"The sandbox cannot listen on port {args.port} of this computer "
            f"({exc.strerror or exc}). Choose another --port, or leave it out."
        ) from None
    try:
        for line in _describe(sb, state_dir, args.scenario):
            print(line, flush=True)
        if not args.print_and_exit:
            _wait_for_stop()
    finally:
        sb.stop()
    print("Sandbox stopped.", flush=True)
    return EXIT_OK


def _wait_for_stop() -> None:
    """Block until Ctrl+C, SIGTERM (or SIGBREAK on Windows)."""
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        log.info("sandbox: signal %d, stopping", signum)
        stop.set()

    names = ["SIGINT", "SIGTERM", "SIGBREAK"]
    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for name in names:
            sig = getattr(signal, name, None)
            if sig is not None:
                previous[sig] = signal.signal(sig, _on_signal)
    try:
        # A timeout on each wait keeps Ctrl+C working on Windows, where a bare
        # Event.wait() cannot be interrupted.
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
