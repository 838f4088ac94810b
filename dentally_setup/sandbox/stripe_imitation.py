"""A local imitation of Stripe Connect: the OAuth pages a person clicks through, the OAuth
and Account API the portal calls, and a tiny "dashboard" to finish verification.

Pages are real HTML forms (a browser or QWebEngineView can click through them). Each page has
``<body data-page="...">`` and stable element ids so tests and the autopilot can script it.
The OAuth parameters are kept server-side under an attempt id carried in a hidden field.
"""

from __future__ import annotations

import logging
import secrets
import string
import urllib.parse
from collections.abc import Callable
from typing import Any

from dentally_setup.sandbox import stripe_api, stripe_dashboard
from dentally_setup.sandbox.httpbase import Reply, Request, html_reply, json_reply, redirect
from dentally_setup.sandbox.pages import esc, message_page, render
from dentally_setup.sandbox.scenarios import DEMO_LOGIN, DEMO_PASSWORD
from dentally_setup.sandbox.world import World

log = logging.getLogger(__name__)

PLATFORM_NAME = "Dentally Portal (sandbox)"
ELSEWHERE = "This account is connected to another platform. Please create a new account."
ATTEMPT_LIFETIME = 3600
_ALNUM = string.ascii_letters + string.digits


def new_account_id() -> str:
    return "acct_1" + "".join(secrets.choice(_ALNUM) for _ in range(15))


class StripeApp:
    def __init__(self, world: World, secret_key: str, client_id: str,
                 redirect_uri: Callable[[], str]) -> None:
        self.world = world
        self.secret_key = secret_key
        self.client_id = client_id
        self.redirect_uri = redirect_uri  # the one redirect URI "registered" for the platform

    def handle(self, request: Request) -> Reply:
        m, path = request.method, request.path
        if path.startswith("/v1/accounts/") and m == "GET":
            acct = urllib.parse.unquote(path.removeprefix("/v1/accounts/"))
            return stripe_api.retrieve_account(self.world, request, self.secret_key, acct)
        routes: dict[tuple[str, str], Callable[[Request], Reply]] = {
            ("GET", "/oauth/authorize"): self.authorize,
            ("POST", "/oauth/signin"): self.signin,
            ("GET", "/oauth/chooser"): self.chooser,
            ("POST", "/oauth/choose"): self.choose,
            ("GET", "/oauth/new-account"): self.new_account_form,
            ("POST", "/oauth/new-account"): self.new_account,
            ("POST", "/oauth/register"): self.register,
            ("GET", "/oauth/consent"): self.consent,
            ("POST", "/oauth/decide"): self.decide,
            ("POST", "/oauth/token"): lambda r: stripe_api.token(self.world, r, self.secret_key),
            ("POST", "/oauth/deauthorize"): lambda r: stripe_api.deauthorize(
                self.world, r, self.secret_key, self.client_id),
            ("GET", "/dashboard"): lambda r: stripe_dashboard.dashboard(self.world, r),
            ("POST", "/dashboard/verify"): lambda r: stripe_dashboard.verify(self.world, r),
        }
        route = routes.get((m, path))
        if route is None:
            message = f"Unrecognized request URL ({m}: {path})."
            return json_reply(404, {"error": {"type": "invalid_request_error",
                                              "message": message}})
        return route(request)

    # ---- OAuth pages ------------------------------------------------------------------

    def authorize(self, request: Request) -> Reply:
        q = request.query
        with self.world.lock:
            self.world.authorize_requests.append(dict(q))
            self.world.save()
        problem = self._authorize_problem(q)
        if problem is not None:
            # Stripe shows these in the browser as JSON; they never reach redirect_uri.
            return json_reply(400, {"error": problem[0], "error_description": problem[1]})
        stripe_user = {
            k[len("stripe_user["):-1]: v for k, v in q.items()
            if k.startswith("stripe_user[") and k.endswith("]")
        }
        attempt_id = secrets.token_urlsafe(16)
        with self.world.lock:
            now = self.world.now()
            for old in [k for k, a in self.world.attempts.items()
                        if a["created"] < now - ATTEMPT_LIFETIME]:
                del self.world.attempts[old]
            self.world.attempts[attempt_id] = {
                "created": now, "redirect_uri": q.get("redirect_uri") or self.redirect_uri(),
                "state": q.get("state"), "landing": q.get("stripe_landing", "login"),
                "stripe_user": stripe_user, "login": None, "account_id": None, "done": False,
            }
            self.world.save()
        if q.get("stripe_landing") == "register":
            return self._register_page(attempt_id)
        return self._signin_page(attempt_id)

    def _authorize_problem(self, q: dict[str, str]) -> tuple[str, str] | None:
        client_id = q.get("client_id")
        if not client_id:
            return "invalid_request", "Missing required param: client_id."
        if client_id != self.client_id:
            return "invalid_request", f"No such application: '{client_id}'"
        if q.get("response_type", "code") != "code":
            return ("unsupported_response_type",
                    f"Invalid response_type: {q.get('response_type')}. Expected 'code'.")
        if q.get("scope", "read_only") != "read_write":
            return ("invalid_scope",
                    f"Invalid scope: {q.get('scope', 'read_only')}. This platform asks for "
                    "read_write.")
        uri = q.get("redirect_uri")
        if uri is not None and uri != self.redirect_uri():
            return ("invalid_redirect_uri",
                    f"Invalid redirect URI '{uri}'. Ensure this uri exactly matches one of the "
                    "uris specified in your application settings")
        return None

    def _attempt(self, request: Request, form: dict[str, str] | None = None,
                 *, signed_in: bool = True) -> tuple[str, dict[str, Any]] | Reply:
        attempt_id = (form or request.query).get("attempt", "")
        with self.world.lock:
            attempt = self.world.attempts.get(attempt_id)
            if attempt is None or attempt["done"]:
                return html_reply(400, message_page(
                    "attempt-unknown", "This page has expired",
                    "This connection attempt is no longer open. Go back to Dentally Setup and "
                    "start linking again."))
            if signed_in and not attempt["login"]:
                return self._signin_page(attempt_id)
            return attempt_id, attempt

    def _signin_page(self, attempt_id: str, error: str = "") -> Reply:
        # The demo's own login is filled in, with its password as a hint; a login someone
        # made on the sign-up form keeps its password to itself.
        with self.world.lock:
            known = DEMO_LOGIN in self.world.logins
        hint_html = (f'<p class="hint" id="password-hint">Sandbox password: '
                     f"<code>{esc(DEMO_PASSWORD)}</code></p>" if known else "")
        error_html = f'<p class="error" id="error">{esc(error)}</p>' if error else ""
        return html_reply(200, render("signin.html", page="signin", title="Sign in – Stripe",
                                      attempt=attempt_id, email=DEMO_LOGIN if known else "",
                                      hint_html=hint_html, error_html=error_html))

    def signin(self, request: Request) -> Reply:
        form = _form(request)
        found = self._attempt(request, form, signed_in=False)
        if isinstance(found, Reply):
            return found
        attempt_id, attempt = found
        email = form.get("email", "").strip().lower()
        with self.world.lock:
            login = self.world.logins.get(email)
            if login is None or not secrets.compare_digest(login["password"],
                                                           form.get("password", "")):
                return self._signin_page(attempt_id, "Incorrect email or password.")
            attempt["login"] = email
            self.world.save()
            # Stripe's chooser lists the login's accounts; a login with none goes straight
            # to making its first one.
            where = "chooser" if login["accounts"] else "new-account"
        return redirect(f"/oauth/{where}?attempt={urllib.parse.quote(attempt_id)}")

    def chooser(self, request: Request, error: str = "") -> Reply:
        found = self._attempt(request)
        if isinstance(found, Reply):
            return found
        attempt_id, attempt = found
        rows, first = [], True
        with self.world.lock:
            for acct_id in self.world.logins[attempt["login"]]["accounts"]:
                acct = self.world.accounts[acct_id]
                elsewhere = acct["connected_platform"] not in (None, stripe_api.PLATFORM)
                attrs = "disabled" if elsewhere else ("checked" if first else "")
                first = first and elsewhere
                note = f'<div class="message">{esc(ELSEWHERE)}</div>' if elsewhere else ""
                rows.append(
                    f'<label class="option{" disabled" if elsewhere else ""}" '
                    f'id="option-{esc(acct_id)}"><input type="radio" name="account" '
                    f'id="account-{esc(acct_id)}" value="{esc(acct_id)}" {attrs}>'
                    f'<span><strong>{esc(acct["business_name"])}</strong> '
                    f'<code>{esc(acct_id)}</code>{note}</span></label>'
                )
            # Stripe offers a new account under the same login, sharing the legal entity.
        error_html = f'<p class="error" id="error">{esc(error)}</p>' if error else ""
        return html_reply(200, render("chooser.html", page="chooser", title="Choose an account",
                                      attempt=attempt_id, platform=PLATFORM_NAME,
                                      options_html="\n".join(rows), error_html=error_html))

    def choose(self, request: Request) -> Reply:
        form = _form(request)
        found = self._attempt(request, form)
        if isinstance(found, Reply):
            return found
        attempt_id, attempt = found
        acct_id = form.get("account", "")
        with self.world.lock:
            acct = self.world.accounts.get(acct_id)
            mine = acct_id in self.world.logins[attempt["login"]]["accounts"]
            if acct is None or not mine:
                problem = "Choose an account to connect, or create a new one."
            elif acct["connected_platform"] not in (None, stripe_api.PLATFORM):
                problem = ELSEWHERE
            else:
                attempt["account_id"] = acct_id
                self.world.save()
                return redirect(f"/oauth/consent?attempt={urllib.parse.quote(attempt_id)}")
        request.query = {"attempt": attempt_id}
        return self.chooser(request, problem)

    def new_account_form(self, request: Request, error: str = "") -> Reply:
        """A new account under the signed-in login (Stripe's chooser, "Create a new
        account"): it may share the legal entity of one the login already has. Prefill does
        not apply: Stripe ignores stripe_user[...] for an existing login."""
        found = self._attempt(request)
        if isinstance(found, Reply):
            return found
        attempt_id, attempt = found
        rows: list[str] = []
        with self.world.lock:
            for i, acct_id in enumerate(self.world.logins[attempt["login"]]["accounts"]):
                acct = self.world.accounts[acct_id]
                rows.append(
                    f'<label class="check" for="share-{esc(acct_id)}"><input type="radio" '
                    f'name="share_legal_entity" id="share-{esc(acct_id)}" '
                    f'value="{esc(acct_id)}"{" checked" if i == 0 else ""}><span>Share the '
                    f'legal entity of {esc(acct["business_name"])} ({esc(acct_id)}): its '
                    "business details are copied to the new account and kept in step."
                    "</span></label>")
        share_html = ""
        if rows:
            rows.append('<label class="check" for="share-none"><input type="radio" '
                        'name="share_legal_entity" id="share-none" value=""><span>Do not '
                        "share: a separate business</span></label>")
            share_html = ('<fieldset id="share-legal-entity"><legend>Business details'
                          "</legend>" + "".join(rows) + "</fieldset>")
        error_html = f'<p class="error" id="error">{esc(error)}</p>' if error else ""
        return html_reply(200, render(
            "new_account.html", page="new-account", title="Create a new account – Stripe",
            attempt=attempt_id, platform=PLATFORM_NAME, login=attempt["login"],
            share_html=share_html, error_html=error_html))

    def new_account(self, request: Request) -> Reply:
        form = _form(request)
        found = self._attempt(request, form)
        if isinstance(found, Reply):
            return found
        attempt_id, attempt = found
        with self.world.lock:
            login = self.world.logins[attempt["login"]]
            source = self.world.accounts.get(form.get("share_legal_entity", ""))
            if source is not None and source["id"] not in login["accounts"]:
                source = None
            fields = {"business_name": form.get("business_name") or "", "email":
                      attempt["login"]}
            self._make_account(attempt, fields, source)
        return redirect(f"/oauth/consent?attempt={urllib.parse.quote(attempt_id)}")

    def _register_page(self, attempt_id: str, error: str = "") -> Reply:
        with self.world.lock:
            prefill = dict(self.world.attempts[attempt_id]["stripe_user"])
        name = " ".join(p for p in (prefill.get("first_name"), prefill.get("last_name")) if p)
        error_html = f'<p class="error" id="error">{esc(error)}</p>' if error else ""
        return html_reply(200, render(
            "register.html", page="register", title="Create your Stripe account",
            attempt=attempt_id, platform=PLATFORM_NAME, error_html=error_html,
            business_name=prefill.get("business_name", ""), email=prefill.get("email", ""),
            full_name=name, url=prefill.get("url", ""),
            phone_number=prefill.get("phone_number", ""), country=prefill.get("country", ""),
            currency=prefill.get("currency", ""), business_type=prefill.get("business_type", "")))

    def register(self, request: Request) -> Reply:
        """Stripe's sign-up form: a new login and its first account, nothing shared."""
        form = _form(request)
        found = self._attempt(request, form, signed_in=False)
        if isinstance(found, Reply):
            return found
        attempt_id, attempt = found
        email = form.get("email", "").strip().lower()
        password = form.get("password", "")
        with self.world.lock:
            if "@" not in email or len(password) < 8:
                problem = "Enter an email address and a password of at least 8 characters."
            elif email in self.world.logins:
                problem = ("A Stripe login with this email already exists. Sign in with it "
                           "instead.")
            else:
                problem = ""
                self.world.logins[email] = {"password": password, "accounts": []}
                attempt["login"] = email
                self._make_account(attempt, dict(form, email=email), None)
        if problem:
            return self._register_page(attempt_id, problem)
        return redirect(f"/oauth/consent?attempt={urllib.parse.quote(attempt_id)}")

    def _make_account(self, attempt: dict[str, Any], form: dict[str, str],
                      source: dict[str, Any] | None) -> None:
        """A new account for the attempt's login (call under the world lock)."""
        now = self.world.now()
        login = self.world.logins[attempt["login"]]
        ready = bool(source["details_submitted"]) if source else self.world.new_accounts_ready
        acct: dict[str, Any] = {
            "id": new_account_id(),
            "business_name": form.get("business_name") or "New business",
            "display_name": None,
            "business_type": _business_type(form.get("business_type", "")),
            "email": form.get("email") or attempt["login"],
            "country": (form.get("country") or "GB").upper(),
            "default_currency": (form.get("currency") or "gbp").lower(),
            "url": form.get("url") or None,
            "phone": form.get("phone_number") or None,
            "charges_enabled": ready, "payouts_enabled": ready, "details_submitted": ready,
            "currently_due": [] if ready else ["external_account",
                                               "representative.verification.document"],
            "past_due": [], "current_deadline": None if ready else int(now + 14 * 86400),
            "disabled_reason": None if ready else "requirements.pending_verification",
            "connected_platform": None, "login": attempt["login"],
            "shares_legal_entity_with": source["id"] if source else None,
            "created": int(now),
        }
        if source is not None:
            # Legal entity sharing copies the business details once.
            for key in ("business_name", "business_type", "country", "default_currency",
                        "url", "phone"):
                acct[key] = source.get(key)
        self.world.accounts[acct["id"]] = acct
        login["accounts"].append(acct["id"])
        attempt["account_id"] = acct["id"]
        self.world.save()

    def consent(self, request: Request) -> Reply:
        found = self._attempt(request)
        if isinstance(found, Reply):
            return found
        attempt_id, attempt = found
        if not attempt["account_id"]:
            return redirect(f"/oauth/chooser?attempt={urllib.parse.quote(attempt_id)}")
        with self.world.lock:
            acct = self.world.accounts[attempt["account_id"]]
        return html_reply(200, render("authorize.html", page="authorize", title="Connect – Stripe",
                                      attempt=attempt_id, platform=PLATFORM_NAME,
                                      account_name=acct["business_name"], account_id=acct["id"]))

    def decide(self, request: Request) -> Reply:
        form = _form(request)
        found = self._attempt(request, form)
        if isinstance(found, Reply):
            return found
        _attempt_id, attempt = found
        with self.world.lock:
            if not attempt["account_id"]:
                return html_reply(400, message_page("attempt-unknown", "Choose an account first",
                                                    "Go back and choose an account to connect."))
            attempt["done"] = True
            params: dict[str, str]
            if form.get("decision") == "authorize":
                code = "ac_" + secrets.token_hex(16)
                self.world.codes[code] = {"account_id": attempt["account_id"],
                                          "created": self.world.now(), "used": False}
                params = {"code": code, "scope": "read_write"}
            else:
                params = {"error": "access_denied",
                          "error_description": "The user denied your request"}
            if attempt["state"] is not None:
                params["state"] = attempt["state"]
            self.world.save()
            uri = attempt["redirect_uri"]
        sep = "&" if "?" in uri else "?"
        return redirect(uri + sep + urllib.parse.urlencode(params), status=302)

def _business_type(prefill: str) -> str | None:
    """Stripe's OAuth prefill business types -> the Account's business_type."""
    return {"sole_prop": "individual", "corporation": "company", "llc": "company",
            "partnership": "company", "non_profit": "non_profit"}.get(prefill)


def _form(request: Request) -> dict[str, str]:
    raw = (request.body or b"").decode("utf-8", "replace")
    return dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
