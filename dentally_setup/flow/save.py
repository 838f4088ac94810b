"""Saving the payment settings: one keyed, version-checked write per site that changed.
The portal's answer to the PUT is what it stored, so it is the confirmation (no second
read). Plain Python; the GUI runs ``write_site`` on a worker, the CLI in its loop, and each
site's write is independent of the others (its own key and ETag), so sites may be written
side by side. What to write is decided by ``flow.save_plan``."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from dentally_setup.portal.client import PortalClient, new_idempotency_key
from dentally_setup.portal.errors import StoredDifferently
from dentally_setup.portal.models import PaymentSettings, VersionedSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SiteWrite:
    """One intended change. The key and ETag are fixed when the change is planned and
    saved in the progress file before sending, so a retry after a crash or a dropped
    connection is the *same* change and the portal never applies it twice."""

    site_id: str
    new: PaymentSettings
    etag: str
    idempotency_key: str

    def to_json(self) -> dict[str, Any]:
        return {
            "idempotency_key": self.idempotency_key,
            "etag": self.etag,
            "payload": self.new.input_json(),
        }

    @classmethod
    def from_json(cls, site_id: str, data: dict[str, Any]) -> SiteWrite:
        payload = dict(data["payload"])
        payload.setdefault("site_id", site_id)
        return cls(
            site_id=site_id,
            new=PaymentSettings.from_json(payload),
            etag=str(data["etag"]),
            idempotency_key=str(data["idempotency_key"]),
        )


def plan_write(site_id: str, current: VersionedSettings, new: PaymentSettings) -> SiteWrite | None:
    """None when nothing would change (no write is sent at all)."""
    if current.settings.same_choices(new):
        return None
    return SiteWrite(site_id, new, current.etag, new_idempotency_key())


def write_site(client: PortalClient, write: SiteWrite) -> VersionedSettings:
    """Send one write and return what the portal stored (with its new ETag).

    Raises ``StoredDifferently`` when the portal's answer is not what was sent: the write
    was applied, but the site does not hold exactly these choices (the portal adjusted a
    value, or someone saved at the same moment and the replay shows theirs)."""
    saved = client.put_payment_settings(write.site_id, write.new, write.etag,
                                        write.idempotency_key)
    if not saved.settings.same_choices(write.new):
        log.warning("site %s: the portal stored settings that differ from those sent",
                    write.site_id)
        raise StoredDifferently(write.site_id, write.new, saved)
    log.info("site %s saved (etag %s)", write.site_id, saved.etag)
    return saved
