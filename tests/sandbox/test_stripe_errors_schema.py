"""The sandbox's Stripe imitation, held against Stripe's own sources where it fails and where it
answers an OAuth token request.

- API errors (``{"error": {...}}``) against the ``error`` schema of Stripe's OpenAPI spec
  (tests/stripe_reference/error-schema-excerpt.json).
- The connect.stripe.com OAuth answers, which Stripe's OpenAPI spec does not describe (its
  paths begin at /v1/account, its only server is api.stripe.com), against stripe-python, the
  installed library: its token and deauthorization classes give the field names, its
  ``oauth_error`` classes the error codes. The oracle is Stripe's code, read at test time.
"""

from __future__ import annotations

import json
import re
import typing
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import stripe
from stripe.oauth_error import OAuthError

from dentally_setup.sandbox.stripe_bridge import SANDBOX_CLIENT_ID, SANDBOX_SECRET_KEY, StripeBridge
from tests.sandbox.helpers import Browser, link_flow
from tests.sandbox.test_stripe_schema import _strict

REFERENCE = Path(__file__).resolve().parents[1] / "stripe_reference"
ERROR_SPEC = json.loads((REFERENCE / "error-schema-excerpt.json").read_text("utf-8"))
ERROR_ROOT = {"components": _strict(ERROR_SPEC["components"])}

# Stripe's OAuth error codes as stripe-python knows them: one class per code
# (InvalidGrantError <-> "invalid_grant"), the library's choice made by the code's name.
OAUTH_ERRORS = {
    re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__.removesuffix("Error")).lower(): cls
    for cls in OAuthError.__subclasses__()
}
# An OAuth error body: the two fields stripe-python reads (``error``, ``error_description``),
# as Stripe's Connect OAuth reference documents them.
OAUTH_ERROR_FIELDS = {"error", "error_description"}
# Shown in the browser by /oauth/authorize, so never seen by the library: the Connect OAuth
# reference's one authorize error code without a stripe-python class.
AUTHORIZE_ONLY_CODES = {"invalid_redirect_uri"}
WRONG_KEY = "sk_test_notThePlatformsKey0000"


def validate_error(body: Any) -> None:
    schema = dict(ERROR_ROOT, **{"$ref": "#/components/schemas/error"})
    jsonschema.Draft202012Validator(schema).validate(body)


def _fits(value: Any, hint: Any) -> bool:
    """Whether ``value`` is of the type stripe-python annotates (Optional, Literal, plain)."""
    origin = typing.get_origin(hint)
    if origin is typing.Union:
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if origin is typing.Literal:
        return value in typing.get_args(hint)
    return isinstance(value, hint)


def _http(sb: Any, method: str, path: str, form: dict[str, str] | None = None,
          key: str | None = SANDBOX_SECRET_KEY) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(sb.stripe_url + path, data=data, headers=headers,
                                 method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def _stripe(sb: Any, key: str = SANDBOX_SECRET_KEY,
            client_id: str = SANDBOX_CLIENT_ID) -> Any:
    """stripe-python's client pointed at the imitation, as the sandbox portal builds it."""
    return StripeBridge(key, client_id, sb.stripe_url).client()


def _code(client: Any) -> str:
    """An authorization code fresh from Stripe's pages (the portal has not exchanged it)."""
    _session_id, stop = link_flow(client, follow=False)
    return urllib.parse.parse_qs(urllib.parse.urlsplit(stop.url).query)["code"][0]


def test_the_error_schema_catches_what_it_should() -> None:
    validate_error({"error": {"type": "invalid_request_error", "code": "resource_missing",
                              "message": "No such account", "param": "account",
                              "doc_url": "https://docs.stripe.com/error-codes/resource-missing"}})
    for bad in ({"error": {"type": "authentication_error", "message": "x"}},  # not in the enum
                {"error": {"message": "no type"}},
                {"error": {"type": "api_error", "invented": 1}},
                {"error": {"type": "api_error", "code": None}},  # code is never null
                {"error": {"type": "api_error"}, "extra": 1},
                {"error": "invalid_grant", "error_description": "an OAuth body"}):
        with pytest.raises(jsonschema.ValidationError):
            validate_error(bad)


def test_every_api_error_the_sandbox_answers_matches_stripes_error_schema(make_sandbox) -> None:
    sb = make_sandbox("already-connected")
    with sb.world.lock:
        elsewhere = next(a["id"] for a in sb.world.accounts.values()
                         if a["connected_platform"] not in (None, "portal"))
    answers = {
        "unknown account": _http(sb, "GET", "/v1/accounts/acct_1Unknown0000000"),
        "another platform's account": _http(sb, "GET", f"/v1/accounts/{elsewhere}"),
        "wrong key": _http(sb, "GET", f"/v1/accounts/{elsewhere}", key=WRONG_KEY),
        "no key": _http(sb, "GET", f"/v1/accounts/{elsewhere}", key=None),
        "unrecognised URL": _http(sb, "GET", "/v1/customers"),
    }
    statuses = {name: status for name, (status, _body) in answers.items()}
    assert statuses == {"unknown account": 403, "another platform's account": 403,
                        "wrong key": 401, "no key": 401, "unrecognised URL": 404}
    for name, (_status, body) in answers.items():
        try:
            validate_error(body)
        except jsonschema.ValidationError as exc:
            pytest.fail(f"{name}: {body} is not Stripe's error body: {exc.message}")
    assert answers["unknown account"][1]["error"]["code"] == "account_invalid"


def test_every_oauth_error_has_stripes_fields_and_codes(sb, client) -> None:
    """Token and deauthorize refusals, through stripe-python over HTTP: each is raised as the
    library's class for its code, and the body has exactly the fields the library reads."""
    reused = _code(client)
    _stripe(sb).oauth.token({"grant_type": "authorization_code", "code": reused})
    expired = _code(client)
    sb.advance_clock(6 * 60)
    calls = {
        "unsupported grant": lambda: _stripe(sb).oauth.token({"grant_type": "password"}),
        "no code": lambda: _stripe(sb).oauth.token({"grant_type": "authorization_code"}),
        "unknown code": lambda: _stripe(sb).oauth.token(
            {"grant_type": "authorization_code", "code": "ac_unknown"}),
        "reused code": lambda: _stripe(sb).oauth.token(
            {"grant_type": "authorization_code", "code": reused}),
        "expired code": lambda: _stripe(sb).oauth.token(
            {"grant_type": "authorization_code", "code": expired}),
        "token, wrong key": lambda: _stripe(sb, key=WRONG_KEY).oauth.token(
            {"grant_type": "authorization_code", "code": "ac_unknown"}),
        "deauthorize, wrong client": lambda: _stripe(sb, client_id="ca_wrong").oauth.deauthorize(
            {"stripe_user_id": "acct_1Unknown0000000"}),
        "deauthorize, unknown account": lambda: _stripe(sb).oauth.deauthorize(
            {"stripe_user_id": "acct_1Unknown0000000"}),
        "deauthorize, wrong key": lambda: _stripe(sb, key=WRONG_KEY).oauth.deauthorize(
            {"stripe_user_id": "acct_1Unknown0000000"}),
    }
    codes = {}
    for name, call in calls.items():
        with pytest.raises(OAuthError) as raised:
            call()
        exc = raised.value
        body = exc.json_body
        assert set(body) == OAUTH_ERROR_FIELDS, (name, body)
        assert type(exc) is OAUTH_ERRORS[body["error"]], (name, body)
        assert exc.user_message == body["error_description"] != "", (name, body)
        assert exc.http_status in (400, 401), (name, exc.http_status)
        codes[name] = body["error"]
    assert codes == {
        "unsupported grant": "unsupported_grant_type", "no code": "invalid_request",
        "unknown code": "invalid_grant", "reused code": "invalid_grant",
        "expired code": "invalid_grant", "token, wrong key": "invalid_client",
        "deauthorize, wrong client": "invalid_client",
        "deauthorize, unknown account": "invalid_client",
        "deauthorize, wrong key": "invalid_client",
    }


def test_authorize_errors_have_stripes_fields_and_codes(sb, client) -> None:
    url = client.create_link_session().authorize_url
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query))
    seen = set()
    for change in ({"client_id": "ca_wrong"}, {"response_type": "token"},
                   {"scope": "read_only"}, {"redirect_uri": "https://evil.example/cb"}):
        page = Browser().open(parts._replace(query=urllib.parse.urlencode(
            {**query, **change})).geturl())
        body = page.json()
        assert page.status == 400 and set(body) == OAUTH_ERROR_FIELDS, (change, body)
        assert body["error"] in OAUTH_ERRORS.keys() | AUTHORIZE_ONLY_CODES, (change, body)
        seen.add(body["error"])
    assert seen == {"invalid_request", "unsupported_response_type", "invalid_scope",
                    "invalid_redirect_uri"}


def test_token_and_deauthorize_answers_have_exactly_stripes_fields(sb, client) -> None:
    status, token = _http(sb, "POST", "/oauth/token",
                          {"grant_type": "authorization_code", "code": _code(client)})
    assert status == 200
    fields = stripe.OAuth.OAuthToken.__annotations__
    assert set(token) == set(fields)
    for name, hint in fields.items():
        assert _fits(token[name], hint), (name, token[name], hint)
    assert token["stripe_user_id"].startswith("acct_") and token["scope"] == "read_write"
    assert token["livemode"] is False  # the imitation's key is a test key

    status, gone = _http(sb, "POST", "/oauth/deauthorize",
                         {"client_id": SANDBOX_CLIENT_ID,
                          "stripe_user_id": token["stripe_user_id"]})
    assert status == 200
    fields = stripe.OAuth.OAuthDeauthorization.__annotations__
    assert set(gone) == set(fields)
    assert all(_fits(gone[name], hint) for name, hint in fields.items())
    assert gone["stripe_user_id"] == token["stripe_user_id"]


def test_a_wrong_platform_key_fails_the_link_as_stripe_unavailable(sb) -> None:
    """Stripe answers a wrong platform key with invalid_client: the portal's fault, so the
    link session fails with the contract's stripe_unavailable, not a code it does not list."""
    result = StripeBridge(WRONG_KEY, SANDBOX_CLIENT_ID, sb.stripe_url).exchange("ac_unknown")
    assert result.account_id is None and result.error_code == "stripe_unavailable"
    assert StripeBridge(SANDBOX_SECRET_KEY, SANDBOX_CLIENT_ID, sb.stripe_url).exchange(
        "ac_unknown").error_code == "invalid_grant"
