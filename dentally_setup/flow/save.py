"""Saving the payment settings: one keyed, version-checked write per site that changed,
then a read-back to confirm. Plain Python; the GUI runs ``write_site`` on a worker."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from dentally_setup.portal.client import PortalClient, new_idempotency_key
from dentally_setup.portal.errors import MalformedResponse
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
    """Send one write, then read it back and check the portal stored what we asked for."""
    saved = client.put_payment_settings(write.site_id, write.new, write.etag,
                                        write.idempotency_key)
    check = client.payment_settings(write.site_id)
    if not check.settings.same_choices(write.new):
        # Someone else saved straight after us; ours was applied but is not what is there.
        raise MalformedResponse(
            "the settings read back after saving differ from what was saved"
        )
    log.info("site %s saved (etag %s)", write.site_id, saved.etag)
    return check
