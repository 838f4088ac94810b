"""Portal addresses: only https, or plain http on this computer (the sandbox). A token sent
over plain http elsewhere could be read by anyone on the practice network."""

from __future__ import annotations

import ipaddress
import urllib.parse

from dentally_setup.portal.errors import InsecureAddress


def is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_portal_url(url: str) -> str:
    """Normalise a portal address, or raise ``InsecureAddress`` / ``ValueError``.

    Only https is allowed, or http on this computer (the sandbox). A token sent over plain
    http elsewhere could be read by anyone on the practice network.
    """
    text = url.strip()
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "That is not a web address. It should look like https://portal.example.com/api"
        )
    if parts.username or parts.password:
        raise ValueError("The portal address must not contain a user name or password.")
    if parts.query or parts.fragment:
        raise ValueError("The portal address must not contain '?' or '#' parts.")
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InsecureAddress(
            "The portal address must start with https:// (plain http:// is only allowed "
            "for a portal on this computer)."
        )
    return text.rstrip("/")
