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
    try:
        base = origin(parts)
    except ValueError:
        raise ValueError("The port in the portal address should be a number, like :8443.") \
            from None
    return f"{base}{parts.path}".rstrip("/")


def origin(parts: urllib.parse.SplitResult) -> str:
    """``scheme://host[:port]`` in lower case, the form the client compares and builds on
    (``HTTPS://Portal.Example.com`` is the same portal and must get the same TLS checks).

    Raises ``ValueError`` for a port that is not a number."""
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    port = parts.port  # ValueError for "host:abc" or a port out of range
    scheme = parts.scheme  # urlsplit has already lower-cased it
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + (f":{port}" if port is not None and port != default else "")
