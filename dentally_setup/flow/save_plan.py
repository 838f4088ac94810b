"""The save plan: what the Review page and `settings apply` write, site by site.

One decision for the wizard and the command line alike:
- what each site gets, and the difference from what it has now (what is shown);
- the rule "Stripe is not ready: save with deposits, balances and invoices switched off,
  amounts kept" (``payments_off``);
- the order of writes (the practice's site order) and which sites need none;
- after a 412, what "keep their change" and "use mine" each lead to.

Each site's write is independent of the others (its own idempotency key and ETag, see
``flow.save``), so a caller may run them one after another or side by side. Plain Python.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from dentally_setup.flow.drafts import SiteDraft, build_settings
from dentally_setup.flow.save import SiteWrite, plan_write
from dentally_setup.portal.errors import SettingsChanged
from dentally_setup.settings.diff import Change, diff_settings
from dentally_setup.settings.model import AppointmentType, PaymentSettings, VersionedSettings

log = logging.getLogger(__name__)


def payments_switched_off(settings: PaymentSettings) -> PaymentSettings:
    """The settings with every payment switched off and every amount kept, for a practice
    whose Stripe account cannot take payments yet (the portal refuses them on with 409)."""
    return replace(settings, deposits_enabled=False, balances_enabled=False,
                   invoices_enabled=False)


@dataclass(frozen=True)
class SitePlan:
    """One site: what it has, what it will get, and what that changes."""

    site_id: str
    current: VersionedSettings
    new: PaymentSettings | None  # None when the person's entries have a problem
    changes: tuple[Change, ...] = ()
    problem: str = ""  # the first problem with the entries, in flow's words
    saved: bool = False  # already saved in this run with exactly these choices

    @property
    def needs_write(self) -> bool:
        return self.new is not None and bool(self.changes) and not self.saved


@dataclass(frozen=True)
class SavePlan:
    sites: tuple[SitePlan, ...]  # in the order they are written
    payments_off: bool = False  # the Stripe-not-ready rule was applied

    @property
    def to_write(self) -> tuple[SitePlan, ...]:
        return tuple(site for site in self.sites if site.needs_write)

    def writes(self, pending: Mapping[str, SiteWrite] | None = None) -> list[SiteWrite]:
        """One write per site that needs one, in order. A pending write with the same
        choices (kept in the progress file before it was sent) is reused, key and ETag
        included, so a write that may already have arrived is replayed, never applied
        twice; any other is planned afresh with a new key."""
        pending = pending or {}
        out: list[SiteWrite] = []
        for site in self.to_write:
            assert site.new is not None  # needs_write says so
            kept = pending.get(site.site_id)
            if kept is not None and kept.new.same_choices(site.new):
                out.append(kept)
                continue
            write = plan_write(site.site_id, site.current, site.new)
            if write is not None:
                out.append(write)
        return out


def plan_site(
    site_id: str,
    current: VersionedSettings,
    wanted: PaymentSettings,
    types: Sequence[AppointmentType],
    currency: str,
    *,
    payments_off: bool = False,
    saved: VersionedSettings | None = None,
) -> SitePlan:
    new = replace(wanted, site_id=site_id, currency=current.settings.currency or currency)
    if payments_off:
        new = payments_switched_off(new)
    changes = tuple(diff_settings(current.settings, new, types, currency))
    done = saved is not None and saved.settings.same_choices(new)
    return SitePlan(site_id, current, new, changes, saved=done)


def plan_from_drafts(
    site_ids: Iterable[str],
    current: Mapping[str, VersionedSettings],
    drafts: Mapping[str, SiteDraft],
    types: Sequence[AppointmentType],
    currency: str,
    *,
    payments_off: bool,
    saved: Mapping[str, VersionedSettings] | None = None,
) -> SavePlan:
    """The wizard's plan: each site's draft as entered on the settings page. Sites with no
    settings read or no draft are left out; a draft with a problem is planned with none."""
    saved = saved or {}
    sites: list[SitePlan] = []
    for site_id in site_ids:
        now, draft = current.get(site_id), drafts.get(site_id)
        if now is None or draft is None:
            continue
        new, problems = build_settings(draft, types, currency, now.settings)
        if new is None:
            sites.append(SitePlan(site_id, now, None, problem=next(iter(problems.values()))))
            continue
        sites.append(plan_site(site_id, now, new, types, currency,
                               payments_off=payments_off, saved=saved.get(site_id)))
    return SavePlan(tuple(sites), payments_off)


def plan_from_policy(
    policy: PaymentSettings,
    current: Mapping[str, VersionedSettings],
    types: Sequence[AppointmentType],
    currency: str,
) -> SavePlan:
    """`settings apply`'s plan: one policy for every site read, in the order given.

    The payments-off rule is not applied: a script that asks for payments on gets the
    portal's refusal (exit 3) rather than a quiet change of what its file says."""
    return SavePlan(tuple(plan_site(site_id, versioned, policy, types, currency)
                          for site_id, versioned in current.items()))


# ---- after a 412 -----------------------------------------------------------------------


class ConflictChoice(enum.Enum):
    KEEP_THEIRS = "keep_theirs"  # their settings become the draft; review again
    USE_MINE = "use_mine"  # my draft stays; it is written over theirs on the next save


@dataclass(frozen=True)
class SaveConflict:
    """Someone changed a site between our read and our write; nothing of ours was
    written. ``changes`` is what they changed, against what we had read."""

    site_id: str
    theirs: PaymentSettings | None
    etag: str | None
    changes: tuple[Change, ...]
    who: str | None

    @classmethod
    def from_error(
        cls,
        site_id: str,
        exc: SettingsChanged,
        based_on: VersionedSettings,
        types: Sequence[AppointmentType],
        currency: str,
    ) -> SaveConflict:
        changes: tuple[Change, ...] = ()
        if exc.current is not None:
            changes = tuple(diff_settings(based_on.settings, exc.current, types, currency))
        return cls(site_id, exc.current, exc.etag,
                   changes, exc.current.updated_by if exc.current else None)


@dataclass(frozen=True)
class ConflictOutcome:
    """What a choice leads to: the version to plan against (None: read the site again,
    the 412 did not say) and, for "keep theirs", the draft that replaces the person's."""

    current: VersionedSettings | None
    draft: SiteDraft | None


def resolve_conflict(conflict: SaveConflict, choice: ConflictChoice) -> ConflictOutcome:
    current = None
    if conflict.theirs is not None and conflict.etag:
        current = VersionedSettings(conflict.theirs, conflict.etag)
    draft = None
    if choice is ConflictChoice.KEEP_THEIRS and conflict.theirs is not None:
        draft = SiteDraft.from_settings(conflict.theirs)
    log.info("site %s: after a 412 the person chose %s", conflict.site_id, choice.value)
    return ConflictOutcome(current, draft)
