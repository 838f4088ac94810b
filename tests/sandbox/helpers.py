"""Test helpers: raw HTTP calls checked against the contract, and a tiny form-following
"browser" for the Stripe imitation's pages."""

from __future__ import annotations

import http.cookiejar
import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

CONTRACT = Path(__file__).resolve().parents[2] / "resources" / "portal-api.yaml"
ROOT = "urn:dentally:portal-api"
UA = "DentallySetupTests/1.0"
NO_PROXY = urllib.request.ProxyHandler({})


@cache
def contract() -> dict[str, Any]:
    return yaml.safe_load(CONTRACT.read_text("utf-8"))


@cache
def _registry() -> Registry:
    resource = Resource.from_contents(contract(), default_specification=DRAFT202012)
    return Registry().with_resource(ROOT, resource)


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def validate(pointer: str, body: Any) -> None:
    """Validate ``body`` against the schema at ``pointer`` inside the contract."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$ref": f"{ROOT}#/{pointer}"}
    Draft202012Validator(schema, registry=_registry()).validate(body)


def validate_response(template: str, method: str, status: int, body: Any) -> None:
    """Check an answer against the contract: the documented response for the status, or the
    shared Error schema for errors the contract's ground rules describe (429, 5xx...)."""
    op = contract()["paths"][template][method.lower()]
    response = op["responses"].get(str(status))
    if response is None:
        assert status >= 400, f"{method} {template} -> {status} is not in the contract"
        validate("components/schemas/Error", body)
        return
    if "$ref" in response:
        validate("components/schemas/Error", body)
        return
    validate(_pointer("paths", template, method.lower(), "responses", str(status), "content",
                      "application/json", "schema"), body)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: Any
    raw: bytes


def call(sb: Any, method: str, path: str, payload: Any = None, *, template: str | None = None,
         token: str | None = "default", headers: dict[str, str] | None = None,
         raw_body: bytes | None = None, check: bool = True) -> Answer:
    """One raw request to the sandbox portal; the answer is checked against the contract."""
    hdrs = {"User-Agent": UA, "Accept": "application/json"}
    if token == "default":
        token = sb.token
    if token is not None:
        hdrs["Authorization"] = f"Bearer {token}"
    data = raw_body
    if payload is not None:
        data = json.dumps(payload).encode()
        hdrs["Content-Type"] = "application/json"
    hdrs.update(headers or {})
    hdrs = {k: v for k, v in hdrs.items() if v is not None}
    req = urllib.request.Request(sb.portal_url + path, data=data, headers=hdrs, method=method)
    opener = urllib.request.build_opener(NO_PROXY)
    opener.addheaders = []  # urllib would add its own User-Agent
    try:
        with opener.open(req, timeout=10) as resp:
            status, rh, raw = resp.status, dict(resp.headers.items()), resp.read()
    except urllib.error.HTTPError as err:
        status, rh, raw = err.code, dict(err.headers.items()), err.read()
    body = json.loads(raw) if raw else None
    if check:
        validate_response(template or path, method, status, body)
    return Answer(status, {k.lower(): v for k, v in rh.items()}, body, raw)


# ---- a small browser -------------------------------------------------------------------


@dataclass
class Form:
    action: str
    fields: list[dict[str, Any]] = field(default_factory=list)
    buttons: list[dict[str, Any]] = field(default_factory=list)


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.page: str | None = None
        self.forms: list[Form] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._form: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "body":
            self.page = a.get("data-page")
        elif tag == "form":
            self._form = Form(a.get("action", ""))
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            self._form.fields.append(a)
        elif tag == "button" and self._form is not None:
            self._form.buttons.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@dataclass
class Page:
    url: str
    status: int
    html: str
    page: str | None
    forms: list[Form]
    ids: set[str]
    text: str

    def input(self, element_id: str) -> dict[str, Any]:
        for form in self.forms:
            for f in form.fields:
                if f.get("id") == element_id:
                    return f
        raise KeyError(element_id)

    def json(self) -> Any:
        return json.loads(self.html)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """Follows links and submits forms like a person would (cookies, redirects)."""

    def __init__(self) -> None:
        cookies = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self._follow = urllib.request.build_opener(NO_PROXY, cookies)
        self._stay = urllib.request.build_opener(NO_PROXY, cookies, _NoRedirect())

    def open(self, url: str, data: dict[str, str] | None = None, *,
             follow: bool = True) -> Page:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(url, data=body, headers={"User-Agent": "TestBrowser"})
        opener = self._follow if follow else self._stay
        try:
            with opener.open(req, timeout=10) as resp:
                final, status, raw = resp.url, resp.status, resp.read()
                location = resp.headers.get("Location")
        except urllib.error.HTTPError as err:
            final, status, raw = err.url, err.code, err.read()
            location = err.headers.get("Location")
        text = raw.decode("utf-8")
        if not follow and location:
            final = urllib.parse.urljoin(url, location)
        parser = _PageParser()
        parser.feed(text)
        return Page(final, status, text, parser.page, parser.forms, parser.ids,
                    " ".join(" ".join(parser.text).split()))

    def click(self, page: Page, button_id: str, *, follow: bool = True,
              **overrides: str | None) -> Page:
        """Submit the form holding ``button_id`` (a button or a link)."""
        for form in page.forms:
            button = next((b for b in form.buttons if b.get("id") == button_id), None)
            if button is None:
                continue
            data: dict[str, str] = {}
            for f in form.fields:
                kind = f.get("type", "text")
                if "disabled" in f or not f.get("name"):
                    continue
                if kind in ("checkbox", "radio") and "checked" not in f:
                    continue
                data[f["name"]] = f.get("value", "")
            if button.get("name"):
                data[button["name"]] = button.get("value", "")
            for key, value in overrides.items():
                if value is None:
                    data.pop(key, None)
                else:
                    data[key] = value
            return self.open(urllib.parse.urljoin(page.url, form.action), data, follow=follow)
        raise AssertionError(f"no button #{button_id} on the {page.page} page")

    def follow_link(self, page: Page, link_id: str) -> Page:
        import re

        m = re.search(rf'id="{re.escape(link_id)}"[^>]*href="([^"]+)"', page.html) or \
            re.search(rf'href="([^"]+)"[^>]*id="{re.escape(link_id)}"', page.html)
        assert m, f"no link #{link_id} on the {page.page} page"
        return self.open(urllib.parse.urljoin(page.url, m.group(1).replace("&amp;", "&")))


# ---- portal client and the whole link flow ---------------------------------------------


def make_client(sb: Any, **kwargs: Any) -> Any:
    """A real portal client with short timeouts so fault tests stay quick."""
    from dentally_setup.portal.client import PortalClient

    kwargs.setdefault("timeout", 3.0)
    kwargs.setdefault("budget", 5.0)
    kwargs.setdefault("backoff", 0.01)
    kwargs.setdefault("max_backoff", 0.05)
    return PortalClient(sb.portal_url, sb.token, **kwargs)


def sign_in(browser: Browser, authorize_url: str) -> Page:
    from dentally_setup.sandbox import DEMO_PASSWORD

    page = browser.open(authorize_url)
    assert page.page == "signin", page.html
    return browser.click(page, "sign-in", password=DEMO_PASSWORD)


def link_flow(client: Any, *, landing: str = "login", prefill: dict[str, str] | None = None,
              decision: str = "authorize", browser: Browser | None = None,
              follow: bool = True) -> tuple[str, Page]:
    """Create a link session and click through Stripe; returns (session id, last page)."""
    session = client.create_link_session(landing=landing, prefill=prefill)
    browser = browser or Browser()
    page = sign_in(browser, session.authorize_url)
    if page.page == "chooser":
        # The first account that may be connected is chosen; with none, a new account.
        page = (browser.click(page, "continue") if " checked>" in page.html
                else browser.follow_link(page, "create-account"))
    if page.page == "new-account":
        page = browser.click(page, "create")
    assert page.page == "authorize", page.html
    return session.id, browser.click(page, decision, follow=follow)
