"""Saving many sites: the planned writes a few at a time (the same bound as the command
line), each still one keyed, version-checked write whose answer confirms it (``write_site``).

The first site is written on its own, then the rest a few at a time; the first failure
stops new writes: a portal that is down, or a Stripe account that is not
ready, would fail every site the same way, and each failure could take the client's whole
retry budget. Writes already in flight finish, so what was written is known. Every write
not confirmed keeps its key (the caller's resume file), so going on later sends the *same*
change and the portal never applies one twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from dentally_setup.flow.parallel import DEFAULT_JOBS, for_each_site
from dentally_setup.flow.save import SiteWrite, write_site
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import VersionedSettings

log = logging.getLogger(__name__)


@dataclass
class SaveReport:
    saved: dict[str, VersionedSettings] = field(default_factory=dict)
    failed: dict[str, BaseException] = field(default_factory=dict)
    not_started: list[str] = field(default_factory=list)

    @property
    def first_failure(self) -> tuple[str, BaseException] | None:
        return next(iter(self.failed.items()), None)


def save_sites(
    client: PortalClient,
    writes: Sequence[SiteWrite],
    *,
    jobs: int = DEFAULT_JOBS,
    stop: threading.Event | None = None,
    on_done: Callable[[SiteWrite, VersionedSettings | None, BaseException | None], None]
    | None = None,
) -> SaveReport:
    """Write each of ``writes``; ``stop`` (Cancel) starts no more. ``on_done`` hears each
    site as it ends (from this function's thread), so a window can count "12 of 40"."""
    stop = stop or threading.Event()
    by_site = {w.site_id: w for w in writes}
    halt = threading.Event()  # Cancel, or the first failure

    def done(site_id: str, saved: VersionedSettings | None, error: BaseException | None
             ) -> None:
        if error is not None:
            halt.set()
        if on_done is not None:
            on_done(by_site[site_id], saved, error)

    def work(site_id: str) -> VersionedSettings:
        return write_site(client, by_site[site_id])

    saved, failed = for_each_site(work, list(by_site), jobs=jobs,
                                  stop=lambda: halt.is_set() or stop.is_set(), on_done=done,
                                  first_alone=True)
    report = SaveReport(saved, failed,
                        [sid for sid in by_site if sid not in saved and sid not in failed])
    log.info("saved %d site(s), %d failed, %d not started", len(saved), len(failed),
             len(report.not_started))
    return report
