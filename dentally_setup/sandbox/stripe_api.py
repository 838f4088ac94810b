"""The Stripe imitation's API: /oauth/token, /oauth/deauthorize and /v1/accounts/{id}.

Answers are worded as Stripe words them, so the `stripe` library raises the same error
classes (``stripe.oauth_error.InvalidGrantError`` and friends) as against the real thing.
"""

from __future__ import annotations

import json
import logging
import secrets
import urllib.parse
from typing import Any

from dentally_setup.sandbox.httpbase import Reply, Request, json_reply
from dentally_setup.sandbox.world import World

log = logging.getLogger(__name__)

CODE_LIFETIME = 5 * 60  # Stripe: an authorization code works once, for five minutes
PLATFORM = "portal"  # the platform the imitation's client id belongs to


def _oauth_error(error: str, description: str, status: int = 400) -> Reply:
    return json_reply(status, {"error": error, "error_description": description})


def _api_error(status: int, message: str, code: str, kind: str = "invalid_request_error") -> Reply:
    return json_reply(status, {"error": {"type": kind, "code": code, "message": message}})


def _key_ok(request: Request, secret_key: str) -> bool:
    auth = request.headers.get("authorization", "")
    return secrets.compare_digest(auth, f"Bearer {secret_key}")


def _bad_key() -> Reply:
    return _api_error(401, "Invalid API Key provided: sk_test_****", "api_key_invalid")


def _oauth_bad_key(request: Request) -> Reply:
    """connect.stripe.com answers a missing or wrong secret key in OAuth's words
    (``invalid_client``), not with the API's error object, as platforms have reported it
    (e.g. isaacsanders/omniauth-stripe-connect issues 2 and 52): the `stripe` library then
    raises ``InvalidClientError``. Stripe repeats the wrong key; the imitation masks it."""
    if not request.headers.get("authorization"):
        return _oauth_error(
            "invalid_client",
            "No authentication credentials were provided. Send your secret API key in the "
            "Authorization header using the Bearer authentication method",
            status=401,
        )
    return _oauth_error("invalid_client", "No such API key: sk_test_****", status=401)


def _form(request: Request) -> dict[str, str]:
    raw = (request.body or b"").decode("utf-8", "replace")
    return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))


def token(world: World, request: Request, secret_key: str) -> Reply:
    if not _key_ok(request, secret_key):
        return _oauth_bad_key(request)
    form = _form(request)
    grant = form.get("grant_type", "")
    code = form.get("code", "")
    if grant != "authorization_code":
        return _oauth_error("unsupported_grant_type",
                            f"Unsupported grant type: {grant or '(none)'}")
    if not code:
        return _oauth_error("invalid_request", "No authorization code provided")
    with world.lock:
        entry = world.codes.get(code)
        outcome: dict[str, Any] = {"code": code, "at": world.now()}
        reply: Reply
        if entry is None:
            reply = _oauth_error("invalid_grant", f"Authorization code does not exist: {code}")
        elif entry["used"]:
            # Stripe: consuming a code more than once revokes the account connection.
            account = world.accounts.get(entry["account_id"])
            if account is not None and account["connected_platform"] == PLATFORM:
                account["connected_platform"] = None
            reply = _oauth_error(
                "invalid_grant",
                "This authorization code has already been used. All tokens issued with this "
                "code have been revoked.",
            )
        elif world.now() > entry["created"] + CODE_LIFETIME:
            entry["used"] = True
            reply = _oauth_error("invalid_grant", f"Authorization code expired: {code}")
        else:
            entry["used"] = True
            account = world.accounts[entry["account_id"]]
            account["connected_platform"] = PLATFORM
            reply = json_reply(200, {
                "access_token": "sk_test_conn_" + secrets.token_hex(12),
                "livemode": False,
                "refresh_token": "rt_" + secrets.token_hex(16),
                "scope": "read_write",
                "stripe_publishable_key": "pk_test_" + secrets.token_hex(12),
                "stripe_user_id": account["id"],
                "token_type": "bearer",
            })
            outcome["account_id"] = account["id"]
        outcome["outcome"] = "ok" if reply.status == 200 else json.loads(reply.body)["error"]
        world.token_exchanges.append(outcome)
        world.save()
    log.info("oauth/token -> %d", reply.status)
    return reply


def deauthorize(world: World, request: Request, secret_key: str, client_id: str) -> Reply:
    if not _key_ok(request, secret_key):
        return _oauth_bad_key(request)
    form = _form(request)
    acct_id = form.get("stripe_user_id", "")
    if form.get("client_id") != client_id:
        return _oauth_error("invalid_client", f"No such application: '{form.get('client_id')}'",
                            status=401)
    with world.lock:
        account = world.accounts.get(acct_id)
        if account is None or account["connected_platform"] != PLATFORM:
            return _oauth_error(
                "invalid_client",
                f"This application is not connected to stripe account {acct_id}, or that "
                "account does not exist.",
                status=401,  # as Stripe answers: the library raises InvalidClientError
            )
        account["connected_platform"] = None
        world.save()
    return json_reply(200, {"stripe_user_id": acct_id})


def _requirements(due: list[str], past_due: list[str], eventually: list[str],
                  pending: list[str], errors: list[dict[str, str]], reason: str | None,
                  deadline: int | None) -> dict[str, Any]:
    """Stripe's ``account_requirements`` shape (every list present, as Stripe sends it)."""
    return {
        "alternatives": [],
        "current_deadline": deadline,
        "currently_due": list(due),
        "disabled_reason": reason,
        "errors": [dict(e) for e in errors],
        # Stripe's eventually_due always includes what is currently due.
        "eventually_due": list(dict.fromkeys([*due, *past_due, *eventually])),
        "past_due": list(past_due),
        "pending_verification": list(pending),
    }


def account_json(account: dict[str, Any]) -> dict[str, Any]:
    """An imitation account as Stripe's Account object (the fields Stripe's schema lists for
    a Standard account that the portal reads; held against that schema by the tests)."""
    return {
        "id": account["id"],
        "object": "account",
        "type": "standard",
        "business_type": account.get("business_type"),
        "business_profile": {
            "name": account["business_name"],
            "url": account.get("url"),
            "support_phone": account.get("phone"),
            "support_email": account.get("email"),
        },
        "email": account.get("email"),
        "country": account.get("country"),
        "default_currency": account.get("default_currency"),
        "charges_enabled": account["charges_enabled"],
        "payouts_enabled": account["payouts_enabled"],
        "details_submitted": account["details_submitted"],
        "created": account.get("created"),
        "metadata": {},
        "settings": {"dashboard": {"display_name": account.get("display_name"),
                                   "timezone": "Europe/London"}},
        "requirements": _requirements(
            account["currently_due"], account["past_due"], account.get("eventually_due", []),
            account.get("pending_verification", []), account.get("errors", []),
            account["disabled_reason"], account["current_deadline"]),
        "future_requirements": _requirements(
            [], [], account.get("future_due", []), [], [], None,
            account.get("future_deadline")),
    }


def retrieve_account(world: World, request: Request, secret_key: str, acct_id: str) -> Reply:
    if not _key_ok(request, secret_key):
        return _bad_key()
    with world.lock:
        account = world.accounts.get(acct_id)
        if account is None or account["connected_platform"] != PLATFORM:
            # Stripe's wording when a platform asks about an account it cannot see.
            return _api_error(
                403,
                f"The provided key 'sk_test_****' does not have access to account '{acct_id}' "
                "(or that account does not exist). Application access may have been revoked.",
                "account_invalid",
            )
        return json_reply(200, account_json(account))
