"""The sandbox portal: every endpoint of resources/portal-api.yaml under /api, plus the
browser callback at /stripe/callback.

Per request: faults (delay, then fail/rate-limit/malformed), authentication, routing, and for
POST/PUT the Idempotency-Key store, which runs the work and stores its answer under the world
lock so two copies of one request cannot both apply.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import secrets
from collections.abc import Callable
from typing import Any

from dentally_setup.sandbox import link_sessions, settings_rules
from dentally_setup.sandbox.faults import FaultAction, Faults
from dentally_setup.sandbox.httpbase import Reply, Request, json_reply
from dentally_setup.sandbox.portal_errors import error_reply
from dentally_setup.sandbox.stripe_bridge import AccountGone, StripeBridge, StripeUnavailable
from dentally_setup.sandbox.world import World

log = logging.getLogger(__name__)

API_PREFIX = "/api"
CALLBACK_PATH = "/stripe/callback"
_SESSION = re.compile(r"^/v1/payments/stripe/link-sessions/([^/]+)(/cancel)?$")
_SETTINGS = re.compile(r"^/v1/sites/([^/]+)/payment-settings$")


class PortalApp:
    def __init__(self, world: World, faults: Faults, token: str, bridge: StripeBridge,
                 base_url: Callable[[], str]) -> None:
        self.world = world
        self.faults = faults
        self.token = token
        self.bridge = bridge
        self.base_url = base_url  # http://127.0.0.1:PORT, known only once the server runs
        self.fetch = link_sessions.safe_fetch(bridge)

    @property
    def redirect_uri(self) -> str:
        return self.base_url() + CALLBACK_PATH

    def handle(self, request: Request) -> Reply:
        if request.path == CALLBACK_PATH and request.method == "GET":
            return link_sessions.callback(self.world, request.query, self.bridge, self.fetch)
        if not request.path.startswith(API_PREFIX + "/"):
            return error_reply(404, "not_found", "There is nothing at this address.")
        delay = self.faults.take_delay()
        if delay:
            self.faults.wait(delay)
        action = self.faults.take_action()
        if action is not None:
            reply = _fault_reply(action)
        else:
            reply = self._api(request, request.path[len(API_PREFIX):])
            if self.faults.take_drop(request.method):
                reply.drop = True
        self.world.record_request(request.method, request.path, reply.status)
        return reply

    # ---- API ---------------------------------------------------------------------------

    def _api(self, request: Request, path: str) -> Reply:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not secrets.compare_digest(
                auth[len("Bearer "):].encode(), self.token.encode()):
            return error_reply(401, "unauthorized", "The portal API token is missing or wrong.")
        if not request.headers.get("user-agent"):
            return error_reply(403, "forbidden", "Requests must send a User-Agent header.")
        m = request.method
        if m in ("POST", "PUT"):
            payload = _parse_body(request)
            if isinstance(payload, Reply):
                return payload
        else:
            payload = None

        if path == "/v1/practice" and m == "GET":
            with self.world.lock:
                return json_reply(200, {"practice": self.world.practice})
        if path == "/v1/appointment-types" and m == "GET":
            with self.world.lock:
                return json_reply(200, {"appointment_types": self.world.appointment_types})
        if path == "/v1/payments/stripe" and m == "GET":
            return json_reply(200, {"stripe": self.stripe_link()})
        if path == "/v1/payments/stripe" and m == "DELETE":
            return json_reply(200, {"stripe": self.unlink()})
        if path == "/v1/payments/stripe/link-sessions" and m == "POST":
            return self._keyed(request, path, payload, lambda: link_sessions.create(
                self.world, {} if payload is None else payload, self.bridge, self.redirect_uri))
        match = _SESSION.match(path)
        if match and m == ("POST" if match.group(2) else "GET"):
            sid = match.group(1)
            if match.group(2):
                return self._keyed(request, path, payload, lambda: link_sessions.cancel(
                    self.world, sid, self.bridge, self.redirect_uri))
            return link_sessions.get(self.world, sid, self.bridge, self.redirect_uri, self.fetch)
        match = _SETTINGS.match(path)
        if match and m == "GET":
            return settings_rules.get(self.world, match.group(1))
        if match and m == "PUT":
            site_id = match.group(1)
            # Asked before taking the lock: the imitation needs that lock to answer.
            ready = self._account_ready()
            return self._keyed(request, path, payload, lambda: settings_rules.put(
                self.world, site_id, request.headers.get("if-match"), payload, ready))
        return error_reply(404, "not_found", f"There is no {m} {path} in the portal API.")

    def _keyed(self, request: Request, path: str, payload: Any, work: Callable[[], Reply]) -> Reply:
        """Run a POST/PUT under the Idempotency-Key rules of the contract."""
        key = request.headers.get("idempotency-key")
        if key is None:
            return work()
        if not 8 <= len(key) <= 255:
            return error_reply(422, "validation_failed", "Idempotency-Key must be 8 to 255 "
                               "characters.", fields=[{"field": "Idempotency-Key",
                                                       "code": "invalid",
                                                       "message": "Use 8 to 255 characters."}])
        canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
        fingerprint = hashlib.sha256(f"{request.method} {path} {canonical}".encode()).hexdigest()
        with self.world.lock:
            self.world.prune_idempotency()
            stored = self.world.idempotency.get(key)
            if stored is not None:
                if stored["fingerprint"] != fingerprint:
                    return error_reply(422, "idempotency_key_reused",
                                       "This Idempotency-Key was already used for a different "
                                       "request.")
                log.info("%s %s: replaying the stored answer", request.method, path)
                return Reply(stored["status"], stored["body"].encode("utf-8"),
                             headers=dict(stored["headers"], **{"Idempotent-Replayed": "true"}))
            reply = work()
            if reply.status < 500:
                self.world.idempotency[key] = {
                    "fingerprint": fingerprint, "at": self.world.now(), "status": reply.status,
                    "body": reply.body.decode("utf-8"), "headers": dict(reply.headers),
                }
                self.world.save()
            return reply

    # ---- Stripe link -------------------------------------------------------------------

    def _account_ready(self) -> bool:
        with self.world.lock:
            account_id = self.world.link["account_id"] if self.world.link["status"] == "linked" \
                else None
        if account_id is None:
            return False
        account = self.fetch(account_id)
        return bool(account and account["charges_enabled"])

    def stripe_link(self) -> dict[str, Any]:
        with self.world.lock:
            link = dict(self.world.link)
            app_account = self.world.dentally_app_account
        account = None
        if link["status"] == "linked" and link["account_id"]:
            try:
                account = self.bridge.fetch_account(link["account_id"])
            except AccountGone:
                # As if Stripe's account.application.deauthorized webhook had arrived.
                log.info("the linked account is no longer reachable; marking the portal unlinked")
                with self.world.lock:
                    if self.world.link.get("account_id") == link["account_id"]:
                        settings_rules.turn_everything_off(self.world, "Stripe (deauthorized)")
                        self.world.link = {"status": "unlinked", "account_id": None}
                        self.world.save()
                link = {"status": "unlinked", "account_id": None}
            except StripeUnavailable:
                log.warning("Stripe did not answer; reporting the link without account details")
        return {"status": link["status"], "livemode": self.bridge.livemode,
                "account": account, "dentally_app_account": app_account}

    def unlink(self) -> dict[str, Any]:
        with self.world.lock:
            account_id = self.world.link.get("account_id")
            settings_rules.turn_everything_off(self.world, settings_rules.UPDATED_BY)
            self.world.link = {"status": "unlinked", "account_id": None}
            self.world.save()
            app_account = self.world.dentally_app_account
        if account_id:
            self.bridge.deauthorize(account_id)
        return {"status": "unlinked", "livemode": self.bridge.livemode, "account": None,
                "dentally_app_account": app_account}


def _parse_body(request: Request) -> Any:
    if request.body is None:
        return error_reply(422, "validation_failed", "The request body is over 1 MB.")
    if not request.body.strip():
        return None
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return error_reply(422, "validation_failed", "The request body is not valid JSON.")


def _fault_reply(action: FaultAction) -> Reply:
    if action.kind == "rate_limit":
        return error_reply(429, "rate_limited", "Too many requests; wait and try again.",
                           headers={"Retry-After": str(action.retry_after)})
    if action.kind == "malformed":
        return Reply(200, b'{"practice": {"id": "prac_', headers={})
    code = "unavailable" if action.status >= 500 else "injected_fault"
    return error_reply(action.status, code, "The portal is having trouble; try again shortly.")
