"""Replies in the contract's shapes: the ``Error`` body, and settings with their ETag."""

from __future__ import annotations

from typing import Any

from dentally_setup.sandbox.httpbase import Reply, json_reply


def error_reply(
    status: int,
    code: str,
    message: str,
    *,
    fields: list[dict[str, str]] | None = None,
    payment_settings: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Reply:
    error: dict[str, Any] = {"code": code, "message": message}
    if fields is not None:
        error["fields"] = fields
    if payment_settings is not None:
        error["payment_settings"] = payment_settings
    return json_reply(status, {"error": error}, headers)


def settings_reply(status: int, settings: dict[str, Any], etag: str) -> Reply:
    return json_reply(status, {"payment_settings": settings}, {"ETag": etag})
