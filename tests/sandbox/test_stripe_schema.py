"""What the sandbox's Stripe imitation answers, held against Stripe's own published schema
(tests/stripe_reference, from stripe/openapi), in every demo scenario."""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from dentally_setup.sandbox import SCENARIOS
from dentally_setup.sandbox.stripe_api import account_json
from dentally_setup.sandbox.stripe_bridge import SANDBOX_SECRET_KEY, account_to_contract
from tests.sandbox.helpers import Browser, link_flow, make_client

REFERENCE = Path(__file__).resolve().parents[1] / "stripe_reference"
SPEC = json.loads((REFERENCE / "account-schema-excerpt.json").read_text("utf-8"))
FIXTURE = json.loads((REFERENCE / "fixtures3-account-country_spec.json").read_text("utf-8"))[
    "resources"]["account"]


def _strict(node: Any) -> Any:
    """OpenAPI 3.0 -> JSON Schema: ``nullable`` becomes "or null"; an object schema that lists
    its properties accepts no others, so an invented field fails (STUB stays open)."""
    if isinstance(node, list):
        return [_strict(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items() if k not in ("nullable", "format")}
    if "properties" in out and out.get("type") == "object":
        out.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


ROOT = {"components": _strict(SPEC["components"])}


def validate(account: dict[str, Any]) -> None:
    schema = dict(ROOT, **{"$ref": "#/components/schemas/account"})
    jsonschema.Draft202012Validator(schema).validate(account)
    # Parts the excerpt leaves open: their keys as in Stripe's own account fixture.
    assert set(account["future_requirements"]) == set(FIXTURE["future_requirements"])
    assert set(account["settings"]["dashboard"]) <= set(FIXTURE["settings"]["dashboard"])


def _get_account(sb: Any, acct_id: str) -> tuple[int, Any]:
    req = urllib.request.Request(f"{sb.stripe_url}/v1/accounts/{acct_id}",
                                 headers={"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_the_schema_catches_what_it_should() -> None:
    good = copy.deepcopy(FIXTURE)
    validate(good)  # Stripe's own fixture passes
    for bad in ({"disabled_reason": "rejected.something_invented"},
                {"currently_due": "external_account"}, {"invented": []}):
        broken = copy.deepcopy(FIXTURE)
        broken["requirements"].update(bad)
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_every_account_the_sandbox_returns_matches_stripes_schema(make_sandbox,
                                                                  scenario: str) -> None:
    sb = make_sandbox(scenario)
    with sb.world.lock:
        accounts = [copy.deepcopy(a) for a in sb.world.accounts.values()]
    for acct in accounts:
        validate(account_json(acct))
    # Over HTTP, as the portal reads it, after linking where the scenario links.
    client = make_client(sb)
    if not client.stripe_link().linked and scenario not in ("denied", "portal-trouble"):
        if scenario == "no-stripe":
            session = client.create_link_session(landing="register",
                                                 prefill={"email": "new@riverside.example"})
            browser = Browser()
            page = browser.click(browser.open(session.authorize_url), "create",
                                 password="a-long-password")
            browser.click(page, "authorize")
        else:
            link_flow(client)
    link = client.stripe_link()
    if link.linked:
        status, body = _get_account(sb, link.account.id)
        assert status == 200
        validate(body)
        # What the portal makes of it is the contract's account, and the client reads the
        # fields the contract added (Stripe's eventually_due includes what is due now).
        assert account_to_contract(body)["id"] == link.account.id
        req = link.account.requirements
        assert set(req.currently_due) <= set(req.eventually_due)
        assert req.eventually_due == tuple(body["requirements"]["eventually_due"])


@pytest.mark.parametrize("reason", SPEC["components"]["schemas"]["account_requirements"][
    "properties"]["disabled_reason"]["enum"])
def test_every_disabled_reason_passes_through_to_the_contract(reason: str) -> None:
    acct = copy.deepcopy(FIXTURE)
    acct["requirements"]["disabled_reason"] = reason
    validate(acct)
    assert account_to_contract(acct)["requirements"]["disabled_reason"] == reason


def test_names_eventually_due_and_future_requirements_reach_the_contract() -> None:
    acct = copy.deepcopy(FIXTURE)
    acct["business_profile"]["name"] = "Riverside Dental Practice"
    acct["settings"]["dashboard"]["display_name"] = "Riverside – portal"
    acct["requirements"]["pending_verification"] = ["individual.verification.document"]
    acct["requirements"]["errors"] = [{"code": "verification_document_expired",
                                       "reason": "The document has expired.",
                                       "requirement": "individual.verification.document"}]
    acct["future_requirements"].update(eventually_due=["company.tax_id"],
                                       current_deadline=1800000000)
    validate(acct)
    got = account_to_contract(acct)
    assert got["business_name"] == "Riverside – portal"  # the dashboard display name first
    req = got["requirements"]
    assert "company.tax_id" in req["eventually_due"] and "external_account" in req[
        "eventually_due"]
    assert req["pending_verification"] == ["individual.verification.document"]
    assert req["errors"][0]["code"] == "verification_document_expired"
    assert req["future_deadline"] == "2027-01-15T08:00:00Z"
    acct["settings"]["dashboard"]["display_name"] = None
    assert account_to_contract(acct)["business_name"] == "Riverside Dental Practice"
    acct["business_profile"]["name"] = None
    assert account_to_contract(acct)["business_name"] is None  # the app falls back to email


def test_deauthorize_of_an_unknown_account_is_401_invalid_client(make_sandbox) -> None:
    import urllib.parse

    from dentally_setup.sandbox.stripe_bridge import SANDBOX_CLIENT_ID

    sb = make_sandbox("fresh")
    data = urllib.parse.urlencode({"client_id": SANDBOX_CLIENT_ID,
                                   "stripe_user_id": "acct_1Unknown0000000"}).encode()
    req = urllib.request.Request(f"{sb.stripe_url}/oauth/deauthorize", data=data,
                                 headers={"Authorization": f"Bearer {SANDBOX_SECRET_KEY}"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as err:
        opener.open(req, timeout=5)
    assert err.value.code == 401
    assert json.loads(err.value.read())["error"] == "invalid_client"
