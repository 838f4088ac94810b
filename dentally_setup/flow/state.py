"""Everything the wizard knows during one run, as plain data (no Qt). The token is held
here in memory only; ``to_progress`` never includes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from dentally_setup.flow.steps import Step

# The wizard's window must paint fast: the HTTP client (45-64 ms), the drafts and their
# money rules (12-21 ms), the save plan (60 ms and more) and the progress file (8-11 ms)
# are imported when first used, not when the app starts (marginal import cost after the
# window's own imports, median of 5-11 runs on the 2-core CI-like machine).
if TYPE_CHECKING:
    from dentally_setup.flow.drafts import SiteDraft
    from dentally_setup.flow.save import SiteWrite
    from dentally_setup.portal.client import PortalClient
    from dentally_setup.portal.models import (
        AppointmentType,
        LinkSession,
        Practice,
        StripeAccount,
        StripeLink,
        VersionedSettings,
    )
    from dentally_setup.store.progress import Progress


@dataclass
class WizardState:
    demo: bool = False
    scenario: str | None = None
    portal_url: str = ""
    token: str = ""
    practice: Practice | None = None
    types: list[AppointmentType] = field(default_factory=list)
    link: StripeLink | None = None
    relink: bool = False  # the person chose "unlink and link another"
    landing: str = "login"  # "register" only for a practice with no Stripe login at all
    session: LinkSession | None = None
    link_outcome: str = ""  # last link session status, for the autopilot's report
    current: dict[str, VersionedSettings] = field(default_factory=dict)
    drafts: dict[str, SiteDraft] = field(default_factory=dict)
    same_for_all: bool = True
    pending_writes: dict[str, SiteWrite] = field(default_factory=dict)
    saved: dict[str, VersionedSettings] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    resume_target: Step | None = None
    stripe_dashboard_url: str = "https://dashboard.stripe.com/"
    # How long one portal call may keep retrying before the person is told (seconds).
    budget: float = 30.0
    _client: PortalClient | None = None
    _client_url: str = ""  # the address _client was made for, as given (it normalises it)

    @property
    def account(self) -> StripeAccount | None:
        if self.link is not None and self.link.account is not None:
            return self.link.account
        if self.session is not None:
            return self.session.account
        return None

    @property
    def currency(self) -> str:
        return self.practice.currency if self.practice else "GBP"

    def site_name(self, site_id: str) -> str:
        """The site's name for people (its id if the practice does not list it)."""
        for site in self.practice.sites if self.practice else ():
            if site.id == site_id:
                return site.name
        return site_id

    def client(self) -> PortalClient:
        from dentally_setup.portal.client import PortalClient

        if self._client is None or self._client_url != self.portal_url:
            self._client_url = self.portal_url
            self._client = PortalClient(self.portal_url, self.token, budget=self.budget,
                                        timeout=min(10.0, self.budget))
        return self._client

    def forget_client(self) -> None:
        self._client = None

    def to_progress(self, step: Step) -> Progress:
        from dentally_setup.store.progress import Progress

        return Progress(
            step=step.slug,
            link_session_id=self.session.id if self.session else None,
            portal_url=self.portal_url or None,
            demo=self.demo,
            scenario=self.scenario,
            site_drafts={k: v.to_json() for k, v in self.drafts.items()},
            same_for_all=self.same_for_all,
            pending_writes={k: w.to_json() for k, w in self.pending_writes.items()},
            completed_writes=sorted(self.saved),
            history=list(self.history),
            updated_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )

    def restore(self, progress: Progress) -> Step:
        """Take back what the person entered; returns the step they were on."""
        from dentally_setup.flow.drafts import SiteDraft
        from dentally_setup.flow.save import SiteWrite

        self.drafts = {k: SiteDraft.from_json(v) for k, v in progress.site_drafts.items()}
        self.same_for_all = progress.same_for_all
        self.pending_writes = {}
        for site_id, data in progress.pending_writes.items():
            try:
                self.pending_writes[site_id] = SiteWrite.from_json(site_id, data)
            except (KeyError, TypeError, ValueError):
                continue  # an unreadable pending write is re-planned from the drafts
        self.history = list(progress.history)
        try:
            return Step.from_slug(progress.step)
        except ValueError:
            return Step.WELCOME
