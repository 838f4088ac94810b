"""The writing half of `settings apply`, for one site or a group's 200: sites are written a
few at a time (``--jobs``, the wizard's bound by default), each still one keyed,
version-checked write whose answer confirms it, so each site gets exactly one applied write
whatever the faults (the client retries with the same key; a 429 or 503 slows every
worker through the client's shared back-off).

- The first site is written on its own, then the rest ``--jobs`` at a time. A failure that
  concerns one site (it changed meanwhile, the portal refused its values) does not stop
  the others. One that would fail every site the same way (the token, Stripe not ready,
  the portal unreachable) starts no more writes: met on the first site, only it is tried.
- Ctrl+C starts no more writes; the ones in flight finish, the summary says what was and
  was not written, and the exit code is 130. Running the command again does only what is
  left: sites already matching the file are "unchanged".
- On a terminal, one progress line updated in place; otherwise one line per site. Then a
  summary by outcome naming only the sites that need attention (and the written ones when
  there are a handful). ``--json`` prints one object instead, for scripts.
"""

from __future__ import annotations

import ctypes
import json
import logging
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from dentally_setup.cli.common import (
    EXIT_CHANGED,
    EXIT_OK,
    EXIT_REFUSED,
    exit_code_for,
    messages_for,
    print_error,
)
from dentally_setup.flow.parallel import for_each_site
from dentally_setup.flow.save import SiteWrite, write_site
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.errors import (
    MalformedResponse,
    PortalError,
    PortalUnreachable,
    RateLimited,
    SettingsChanged,
    StoredDifferently,
    ValidationFailed,
)
from dentally_setup.portal.models import AppointmentType, PaymentSettings
from dentally_setup.settings.diff import Change, diff_settings

log = logging.getLogger(__name__)

EXIT_INTERRUPTED = 130
M_ARENA_MAX = -8  # glibc's mallopt parameter number
# Outcomes, in the order the summary gives them.
WRITTEN, UNCHANGED, REFUSED, CHANGED, FAILED, NOT_STARTED = (
    "written", "unchanged", "refused", "changed-meanwhile", "failed", "not-started")
OUTCOMES = (WRITTEN, UNCHANGED, REFUSED, CHANGED, FAILED, NOT_STARTED)
# Up to this many, the sites written are named in the summary; beyond, only counted.
NAME_WRITTEN_UP_TO = 5
# Which exit code wins when sites ended differently: the one a script must look at first.
_SEVERITY = {EXIT_OK: 0, EXIT_CHANGED: 1, EXIT_REFUSED: 2}


@dataclass
class Plan:
    """One site as `settings apply` shows and writes it (from flow.save_plan)."""

    site_id: str
    heading: str
    current: PaymentSettings
    changes: list[Change]
    write: SiteWrite | None  # None when nothing changes


@dataclass
class SiteResult:
    plan: Plan
    outcome: str
    exit_code: int = EXIT_OK
    lines: list[str] = field(default_factory=list)  # what to tell the person, for stderr
    error: PortalError | None = None
    sent: bool = False  # the write reached the portal (it may be applied)


def limit_malloc_arenas() -> None:
    """On Linux (glibc), let the worker threads share the main malloc arena instead of
    one each: measured on 200 sites, --jobs 4 peaked at 39 MB of RSS with an arena per
    thread and 28 MB with one (the threads wait on the network; they hardly contend for
    malloc). Elsewhere, or without glibc, nothing changes."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_ARENA_MAX, 1)
    except (OSError, AttributeError):  # not glibc (musl has no such knob)
        log.debug("malloc arenas left as they are")


def worst_exit(codes: Sequence[int]) -> int:
    """The exit code of the worst outcome: unreachable/failed (4) before refused (3)
    before changed meanwhile (5) before done (0)."""
    return max(codes, key=lambda c: _SEVERITY.get(c, 3), default=EXIT_OK)


def _failure_lines(plan: Plan, exc: PortalError, types: Sequence[AppointmentType],
                   currency: str) -> tuple[str, list[str]]:
    """(outcome, lines) for a site whose write failed."""
    if isinstance(exc, SettingsChanged):
        lines = [f"{plan.heading}: someone changed these settings on the portal since they "
                 "were read, so nothing was written to this site."]
        if exc.current is not None:
            changed = diff_settings(plan.current, exc.current, types, currency)
            if changed:
                lines.append("  What changed on the portal:")
                lines += [f"    {change}" for change in changed]
        lines.append("  Check the current settings (`dentally-setup settings show`), then "
                     "run the command again.")
        return CHANGED, lines
    if isinstance(exc, PortalUnreachable | MalformedResponse | RateLimited):
        # The request may have reached the portal before the answer was lost.
        return FAILED, [f"{plan.heading}: not confirmed; the portal may or may not have "
                        "saved it. `dentally-setup settings show` will tell.",
                        messages_for(exc)]
    return REFUSED, [f"{plan.heading}: not written.", messages_for(exc)]


class _Progress:
    """Where each site's end is told: a line updated in place on a terminal, else a line
    per site (as before), nothing with --json."""

    def __init__(self, total: int, as_json: bool) -> None:
        self.total = total
        self.done = self.failed = 0
        self.as_json = as_json
        self.tty = not as_json and sys.stdout.isatty()

    def site(self, result: SiteResult) -> None:
        self.done += 1
        self.failed += result.outcome not in (WRITTEN, UNCHANGED)
        if self.as_json:
            return
        if self.tty:
            failed = f", {self.failed} need attention" if self.failed else ""
            line = f"Writing: {self.done} of {self.total} done{failed}  "
            rewrite = getattr(sys.stdout, "rewrite_line", None)  # cli.common's stream
            if rewrite is not None:
                rewrite(line)
            else:
                print("\r" + line, end="", flush=True)
        elif result.outcome == WRITTEN:
            print(f"{result.plan.heading}: written and checked.", flush=True)
        else:
            print(f"{result.plan.heading}: {result.outcome.replace('-', ' ')}.", flush=True)

    def end(self) -> None:
        if self.tty and self.done:
            print(flush=True)


class _CtrlC:
    """While installed, Ctrl+C (SIGINT) starts no new writes instead of stopping at once;
    a second Ctrl+C stops at once (KeyboardInterrupt), which is still safe: each write is
    keyed, and the next run reads what is there."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self._previous: Any = None

    def __enter__(self) -> _CtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._on_sigint)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _on_sigint(self, signum: int, frame: FrameType | None) -> None:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self.stop.set()
        print_error("\nStopping: no new writes will start; waiting for the ones already "
                    "sent. Press Ctrl+C again to stop at once.")


def write_plans(
    client: PortalClient,
    plans: Sequence[Plan],
    types: Sequence[AppointmentType],
    currency: str,
    *,
    jobs: int,
    as_json: bool = False,
    before_write: Callable[[str], None] | None = None,
) -> int:
    """Write every plan with changes, report, and return the exit code."""
    stop = threading.Event()
    halt = threading.Event()  # a failure that every other site would meet too
    by_site = {p.site_id: p for p in plans}
    results: dict[str, SiteResult] = {
        p.site_id: SiteResult(p, UNCHANGED) for p in plans if p.write is None}
    todo = [p.site_id for p in plans if p.write is not None]
    progress = _Progress(len(todo), as_json)

    def write_one(site_id: str) -> SiteResult:
        plan = by_site[site_id]
        write = plan.write
        assert write is not None  # only sites with a write are started
        # One key for this intended change (planned with it): the client reuses it on
        # every retry, so a reply lost on the way back can never apply it twice.
        log.info("writing payment settings for %s (idempotency key %s)", site_id,
                 write.idempotency_key)
        try:
            if before_write is not None:
                before_write(site_id)
            write_site(client, write)
        except StoredDifferently as exc:
            halt.set()  # the portal changes what it is sent: find out before the rest
            lines = [f"{plan.heading}: the portal stored something different from what "
                     "was sent:"]
            lines += [f"  {c}" for c in diff_settings(write.new, exc.stored.settings, types,
                                                      currency)]
            lines.append(messages_for(exc))
            return SiteResult(plan, REFUSED, EXIT_REFUSED, lines, exc, sent=True)
        except PortalError as exc:
            outcome, lines = _failure_lines(plan, exc, types, currency)
            if not isinstance(exc, SettingsChanged | ValidationFailed):
                halt.set()  # the token, Stripe, the network: every site would fail so
            return SiteResult(plan, outcome, exit_code_for(exc), lines, exc)
        return SiteResult(plan, WRITTEN, sent=True)

    def done(site_id: str, result: SiteResult | None, error: BaseException | None) -> None:
        if result is None:  # not a portal error: a bug; the log has it, main() reports it
            raise error if error is not None else RuntimeError("no result")
        results[site_id] = result
        progress.site(result)

    with _CtrlC(stop):
        for_each_site(write_one, todo, jobs=jobs, first_alone=True,
                      stop=lambda: stop.is_set() or halt.is_set(), on_done=done)
    progress.end()
    for site_id in todo:
        results.setdefault(site_id, SiteResult(by_site[site_id], NOT_STARTED))
    ordered = [results[p.site_id] for p in plans]
    code = worst_exit([r.exit_code for r in ordered])
    if stop.is_set():
        code = EXIT_INTERRUPTED
    if as_json:
        print(json.dumps(json_report(ordered, code, interrupted=stop.is_set()), indent=2,
                         ensure_ascii=False))
    else:
        for result in ordered:
            for line in result.lines:
                print_error(line)
        summarise(ordered, interrupted=stop.is_set())
    return code


def json_report(results: Sequence[SiteResult], code: int, *, interrupted: bool
                ) -> dict[str, Any]:
    counts = {outcome: 0 for outcome in OUTCOMES}
    for r in results:
        counts[r.outcome] += 1
    return {
        "exit_code": code,
        "interrupted": interrupted,
        "outcomes": counts,
        "sites": [{
            "site_id": r.plan.site_id,
            "site": r.plan.heading,
            "outcome": r.outcome,
            "changes": [str(c) for c in r.plan.changes],
            "sent": r.sent,
            "error": None if r.error is None else {"code": r.error.code,
                                                   "message": messages_for(r.error)},
        } for r in results],
    }


def _names(results: Sequence[SiteResult]) -> str:
    return ", ".join(r.plan.heading for r in results)


def summarise(results: Sequence[SiteResult], *, interrupted: bool) -> None:
    """One line per outcome; names only where someone has to act (and the written sites
    while there are few enough to read)."""
    by: dict[str, list[SiteResult]] = {o: [] for o in OUTCOMES}
    for r in results:
        by[r.outcome].append(r)
    counted = ", ".join(f"{len(by[o])} {o.replace('-', ' ')}" for o in OUTCOMES if by[o])
    if interrupted:
        print("Stopped by Ctrl+C: no new writes were started after it.")
    print(f"Summary: {counted}.")
    written = [r for r in results if r.sent]  # applied, even if it is not what was sent
    if written:
        shown = _names(written) if len(written) <= NAME_WRITTEN_UP_TO else \
            f"{len(written)} sites"
        print(f"Written: {shown}.")
    unconfirmed = [r for r in by[FAILED] if not r.sent]
    if unconfirmed:
        print(f"Not confirmed (check with `dentally-setup settings show`): "
              f"{_names(unconfirmed)}.")
    pending = [r for r in results
               if r.outcome in (REFUSED, CHANGED, NOT_STARTED) and not r.sent]
    if pending:
        print(f"Not written: {_names(pending)}. Running the command again is safe; "
              "sites already done will show nothing to change.")
