"""The portal's token stays at the portal's own address: the one redirect rule of the
client (issue 11's serious hole: urllib's own handler sends every header on)."""

from __future__ import annotations

import logging
import urllib.parse
import urllib.request
from typing import Any

from dentally_setup.portal.address import check_portal_url, origin
from dentally_setup.portal.errors import PortalError, RedirectRefused
from dentally_setup.textsafe import printable

log = logging.getLogger(__name__)


class SameOriginRedirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only within the portal's own origin (scheme, host and port as
    checked at sign-in). urllib's own handler copies every header, the bearer token
    included, to wherever ``Location`` points, another host or plain http; so anything
    else is refused before a connection is made, naming where it pointed."""

    def __init__(self, portal_origin: str) -> None:
        self._origin = portal_origin

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: Any,
        code: int,
        msg: str,
        headers: Any,
        newurl: str,
    ) -> urllib.request.Request | None:
        parts = urllib.parse.urlsplit(newurl)
        try:
            target = origin(parts)
            check_portal_url(f"{target}{parts.path}")
        except (ValueError, PortalError):
            target = ""
        if not target or target != self._origin or parts.username or parts.password:
            shown = printable(f"{parts.scheme}://{parts.netloc}{parts.path}"[:200])
            log.warning("refused a %d redirect from %s to %s", code, req.full_url, shown)
            fp.close()
            raise RedirectRefused(shown, status=code)
        log.info("following a %d redirect within the portal to %s", code, parts.path)
        return super().redirect_request(req, fp, code, msg, headers, newurl)
