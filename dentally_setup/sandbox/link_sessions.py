"""Link sessions and the portal's OAuth callback (its ``redirect_uri``).

The callback exchanges each authorization code exactly once. The world lock is never held
while talking to Stripe (the imitation needs the same lock to answer); instead the session is
marked ``exchanging`` under the lock first, so a reload of the callback URL, or a second
browser tab, cannot start a second exchange.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from typing import Any

from dentally_setup.sandbox.httpbase import Reply, html_reply, json_reply
from dentally_setup.sandbox.pages import message_page
from dentally_setup.sandbox.portal_errors import error_reply
from dentally_setup.sandbox.stripe_bridge import AccountGone, StripeBridge, StripeUnavailable
from dentally_setup.sandbox.world import World, rfc3339

log = logging.getLogger(__name__)

SESSION_LIFETIME = 15 * 60
PREFILL_KEYS = ("email", "url", "country", "business_name", "business_type", "phone_number",
                "first_name", "last_name", "currency")
BUSINESS_TYPES = ("sole_prop", "corporation", "non_profit", "partnership", "llc")
LINKED_TEXT = "Stripe is linked. You can close this window and go back to Dentally Setup."


def check_expiry(world: World, session: dict[str, Any]) -> None:
    with world.lock:
        if session["status"] == "pending" and not session.get("exchanging") \
                and world.now() > session["expires_at"]:
            session["status"] = "expired"
            world.save()


def session_json(world: World, session: dict[str, Any], bridge: StripeBridge,
                 redirect_uri: str, account: dict[str, Any] | None = None) -> dict[str, Any]:
    """The contract's LinkSession; URLs are rebuilt from the current ports every time."""
    return {
        "id": session["id"],
        "status": session["status"],
        "authorize_url": bridge.authorize_url(session["state"], redirect_uri,
                                              session["landing"], session["prefill"]),
        "redirect_uri": redirect_uri,
        "expires_at": rfc3339(session["expires_at"]),
        "livemode": bridge.livemode,
        "account": account if account is not None else session.get("account"),
        "error": session.get("error"),
    }


def _validate(payload: Any) -> tuple[str, dict[str, str], list[dict[str, str]]]:
    problems: list[dict[str, str]] = []
    if not isinstance(payload, dict):
        return "login", {}, [{"field": "body", "code": "invalid",
                              "message": "Send a JSON object."}]
    landing = payload.get("landing", "login")
    if landing not in ("login", "register"):
        problems.append({"field": "landing", "code": "invalid",
                         "message": "landing must be login or register."})
    raw = payload.get("prefill") or {}
    prefill: dict[str, str] = {}
    if not isinstance(raw, dict):
        problems.append({"field": "prefill", "code": "invalid",
                         "message": "prefill should be an object."})
        raw = {}
    for key, value in raw.items():
        if key not in PREFILL_KEYS:
            continue  # the contract: unknown keys are ignored
        if not isinstance(value, str):
            problems.append({"field": f"prefill.{key}", "code": "invalid",
                             "message": f"prefill.{key} should be text."})
        elif key == "business_type" and value not in BUSINESS_TYPES:
            allowed = ", ".join(BUSINESS_TYPES)
            problems.append({"field": "prefill.business_type", "code": "invalid",
                             "message": f"business_type must be one of {allowed}."})
        elif value:
            prefill[key] = value
    return str(landing), prefill, problems


def create(world: World, payload: Any, bridge: StripeBridge, redirect_uri: str) -> Reply:
    """POST /v1/payments/stripe/link-sessions (runs under the world lock)."""
    with world.lock:
        world.link_session_requests.append(payload if isinstance(payload, dict) else {})
        landing, prefill, problems = _validate(payload)
        if problems:
            world.save()
            return error_reply(422, "validation_failed", "The link request is not valid.",
                               fields=problems)
        if world.link["status"] == "linked":
            world.save()
            return error_reply(409, "already_linked",
                               "The portal is already linked to Stripe. Unlink it first.")
        now = world.now()
        session: dict[str, Any] = {
            "id": "ls_" + secrets.token_hex(12),
            "state": secrets.token_urlsafe(32),
            "status": "pending",
            "created": now,
            "expires_at": now + SESSION_LIFETIME,
            "landing": landing,
            "prefill": prefill,
            "account": None,
            "error": None,
            "exchanging": False,
        }
        world.link_sessions[session["id"]] = session
        world.save()
        body = session_json(world, session, bridge, redirect_uri)
    return json_reply(201, {"link_session": body})


def cancel(world: World, session_id: str, bridge: StripeBridge, redirect_uri: str) -> Reply:
    with world.lock:
        session = world.link_sessions.get(session_id)
        if session is None:
            return error_reply(404, "not_found", "There is no such link session.")
        check_expiry(world, session)
        if session["status"] == "pending" and not session["exchanging"]:
            session["status"] = "cancelled"
            world.save()
        return json_reply(200, {"link_session": session_json(world, session, bridge,
                                                             redirect_uri)})


def get(world: World, session_id: str, bridge: StripeBridge, redirect_uri: str,
        fetch_account: Callable[[str], dict[str, Any] | None]) -> Reply:
    with world.lock:
        session = world.link_sessions.get(session_id)
        if session is None:
            return error_reply(404, "not_found", "There is no such link session.")
        check_expiry(world, session)
        account_id = session.get("account_id") if session["status"] == "completed" else None
    # The account is read live, so verification finished on Stripe shows up here too.
    account = fetch_account(account_id) if account_id else None
    with world.lock:
        body = session_json(world, session, bridge, redirect_uri, account)
    return json_reply(200, {"link_session": body})


def _page(status: int, page: str, title: str, message: str) -> Reply:
    return html_reply(status, message_page(page, title, message, portal=True))


def _final_page(session: dict[str, Any]) -> Reply:
    status = session["status"]
    if status == "completed":
        return _page(200, "linked", "Stripe is linked", LINKED_TEXT)
    if status == "denied":
        return _page(200, "denied", "Stripe was not linked",
                     "You chose not to connect Stripe. Go back to Dentally Setup to try again.")
    if status == "expired":
        return _page(400, "expired", "This link has expired",
                     "Linking took too long. Go back to Dentally Setup and start again.")
    if status == "cancelled":
        return _page(400, "cancelled", "Linking was cancelled",
                     "This link was cancelled in Dentally Setup. Start again there if you want.")
    if status == "pending":
        return _page(202, "in-progress", "Finishing the link",
                     "The portal is finishing the link. Go back to Dentally Setup.")
    error = session.get("error") or {}
    return _page(400, "failed", "Stripe could not be linked",
                 f"{error.get('message', 'Something went wrong.')} Go back to Dentally Setup "
                 "and try again.")


def callback(world: World, query: dict[str, str], bridge: StripeBridge,
             fetch_account: Callable[[str], dict[str, Any] | None]) -> Reply:
    """GET /stripe/callback: where Stripe sends the browser back."""
    state = query.get("state", "")
    with world.lock:
        session = next((s for s in world.link_sessions.values()
                        if state and secrets.compare_digest(s["state"], state)), None)
        if session is None:
            return _page(400, "unknown-state", "This link is not recognised",
                         "The portal does not know this link. It may be from an old attempt. "
                         "Go back to Dentally Setup and start again.")
        check_expiry(world, session)
        if session["status"] != "pending" or session["exchanging"]:
            return _final_page(session)  # a reload: never exchange a code again
        error = query.get("error")
        code = query.get("code", "")
        if error or not code:
            if error == "access_denied":
                session["status"] = "denied"
                session["error"] = {"code": "access_denied",
                                    "message": "The person declined on Stripe."}
            else:
                session["status"] = "failed"
                session["error"] = {"code": error or "invalid_request",
                                    "message": query.get("error_description")
                                    or "Stripe sent no authorization code."}
            world.save()
            return _final_page(session)
        session["exchanging"] = True
        world.save()
    result = bridge.exchange(code)
    account = fetch_account(result.account_id) if result.account_id else None
    with world.lock:
        session["exchanging"] = False
        if result.account_id:
            session.update(status="completed", account_id=result.account_id, account=account)
            world.link = {"status": "linked", "account_id": result.account_id}
        else:
            session.update(status="failed", error={"code": result.error_code or "failed",
                                                   "message": result.error_message or ""})
        world.save()
        log.info("link session %s finished: %s", session["id"], session["status"])
        return _final_page(session)


def safe_fetch(bridge: StripeBridge) -> Callable[[str], dict[str, Any] | None]:
    """Fetch an account for a link session; None (not an error) when Stripe cannot say."""

    def fetch(account_id: str) -> dict[str, Any] | None:
        try:
            return bridge.fetch_account(account_id)
        except (StripeUnavailable, AccountGone) as exc:  # the session still completed
            log.warning("Could not read the linked account from Stripe (%s)", exc)
            return None

    return fetch
