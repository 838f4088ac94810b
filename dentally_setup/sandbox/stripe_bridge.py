"""The sandbox portal's side of Stripe: the `stripe` library, used exactly as a real platform
back end uses it, pointed at the imitation (or at real Stripe test mode).

``stripe`` is imported on first use: it costs about a tenth of a second, and the sandbox
should start in a fraction of one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Any

from dentally_setup.sandbox.world import rfc3339

log = logging.getLogger(__name__)

# The imitation's own platform key: it opens nothing outside this computer.
SANDBOX_SECRET_KEY = "sk_test_sandbox_51RiversideDentalDemoKey"  # noqa: S105
SANDBOX_CLIENT_ID = "ca_sandboxRiversideDentalDemo01"


class AccountGone(Exception):
    """Stripe says we no longer have access to the account (revoked or deauthorized)."""


class StripeUnavailable(Exception):
    """Could not get an answer from Stripe (network, or an API error we cannot act on)."""


@dataclass(frozen=True)
class Exchange:
    account_id: str | None
    error_code: str | None = None
    error_message: str | None = None


class StripeBridge:
    def __init__(self, secret_key: str, client_id: str, base_url: str | None) -> None:
        """``base_url`` None means real Stripe; otherwise the imitation's address."""
        self.secret_key = secret_key
        self.client_id = client_id
        self.base_url = base_url
        self._client: Any = None
        self._lock = threading.Lock()

    @property
    def livemode(self) -> bool:
        return False  # live keys are refused when the sandbox is built

    def warm_up(self) -> None:
        """Import stripe and requests (~0.2 s) on a background thread, so the demo's first
        link session is not the one that waits for them."""
        threading.Thread(target=self.client, name="sandbox-stripe-warm-up", daemon=True).start()

    def client(self) -> Any:
        with self._lock:
            if self._client is None:
                import stripe

                kwargs: dict[str, Any] = {}
                if self.base_url is not None:
                    import requests

                    # The imitation is on 127.0.0.1: a practice proxy must not see it.
                    session = requests.Session()
                    session.trust_env = False
                    kwargs["http_client"] = stripe.RequestsClient(session=session, timeout=10)
                    kwargs["base_addresses"] = {"api": self.base_url, "connect": self.base_url}
                # max_network_retries=0: the library retries by default, and an authorization
                # code exchanged twice revokes the connection.
                self._client = stripe.StripeClient(
                    self.secret_key, client_id=self.client_id, max_network_retries=0, **kwargs
                )
            return self._client

    def authorize_url(self, state: str, redirect_uri: str, landing: str,
                      prefill: dict[str, str]) -> str:
        params: dict[str, Any] = {
            "scope": "read_write",
            "state": state,
            "redirect_uri": redirect_uri,
            "stripe_landing": landing,
        }
        if prefill:
            params["stripe_user"] = dict(prefill)
        return str(self.client().oauth.authorize_url(params))

    def exchange(self, code: str) -> Exchange:
        """Exchange an authorization code. Called at most once per code, never retried."""
        import stripe

        try:
            resp = self.client().oauth.token({"grant_type": "authorization_code", "code": code})
        except stripe.oauth_error.InvalidGrantError as exc:
            log.info("Stripe refused the authorization code: %s", exc.code)
            return Exchange(None, "invalid_grant",
                            str(getattr(exc, "user_message", None) or exc.code))
        except stripe.StripeError as exc:
            # Any other refusal (invalid_client: the platform's own key or client id is wrong)
            # is the portal's fault, not the practice's: the contract's stripe_unavailable.
            log.warning("Could not exchange the authorization code: %s", type(exc).__name__)
            return Exchange(None, "stripe_unavailable",
                            "Stripe could not be reached to finish the link.")
        return Exchange(str(resp["stripe_user_id"]))

    def fetch_account(self, account_id: str) -> dict[str, Any]:
        """The account as the contract's ``StripeAccount``."""
        import stripe

        try:
            acct = self.client().v1.accounts.retrieve(account_id)
        except (stripe.PermissionError, stripe.AuthenticationError,
                stripe.InvalidRequestError) as exc:
            raise AccountGone(type(exc).__name__) from None
        except stripe.StripeError as exc:
            raise StripeUnavailable(type(exc).__name__) from None
        return account_to_contract(acct.to_dict())

    def deauthorize(self, account_id: str) -> None:
        import stripe

        try:
            self.client().oauth.deauthorize({"stripe_user_id": account_id})
        except stripe.StripeError as exc:
            # Already disconnected on Stripe's side is as good as done.
            log.info("Stripe deauthorize did not succeed (%s); unlinking anyway",
                     type(exc).__name__)


def _when(ts: Any) -> str | None:
    return rfc3339(ts) if isinstance(ts, int) and not isinstance(ts, bool) else None


def account_to_contract(acct: dict[str, Any]) -> dict[str, Any]:
    """Stripe's Account object -> the contract's StripeAccount."""
    profile = acct.get("business_profile") or {}
    dashboard = (acct.get("settings") or {}).get("dashboard") or {}
    req = acct.get("requirements") or {}
    future = acct.get("future_requirements") or {}
    currency = acct.get("default_currency")
    # The name the practice sees in Stripe's own account menu comes first.
    name = dashboard.get("display_name") or profile.get("name") or None
    eventually = [*(req.get("eventually_due") or []), *(future.get("eventually_due") or []),
                  *(future.get("currently_due") or [])]
    errors = [{"requirement": str(e.get("requirement", "")), "code": str(e.get("code", "")),
               "reason": str(e.get("reason") or "")}
              for e in (req.get("errors") or []) if isinstance(e, dict)]
    return {
        "id": acct["id"],
        "business_name": name,
        "email": acct.get("email"),
        "country": acct.get("country"),
        "default_currency": currency.upper() if isinstance(currency, str) else None,
        "charges_enabled": bool(acct.get("charges_enabled")),
        "payouts_enabled": bool(acct.get("payouts_enabled")),
        "details_submitted": bool(acct.get("details_submitted")),
        "requirements": {
            "currently_due": list(req.get("currently_due") or []),
            "past_due": list(req.get("past_due") or []),
            "eventually_due": list(dict.fromkeys(eventually)),
            "pending_verification": list(req.get("pending_verification") or []),
            "errors": errors,
            "disabled_reason": req.get("disabled_reason"),
            "current_deadline": _when(req.get("current_deadline")),
            "future_deadline": _when(future.get("current_deadline")),
        },
    }
