"""The embedded demo world: a local Dentally Portal that honours resources/portal-api.yaml,
and a local imitation of Stripe Connect's OAuth pages and API, both on 127.0.0.1.

    sb = Sandbox(scenario="fresh", state_dir=path)
    sb.start()          # two servers on free ports, in a fraction of a second
    client = PortalClient(sb.portal_url, sb.token)
    ...
    sb.stop()

The portal talks to the imitation with the `stripe` library, exactly as a real platform back
end does; given a Stripe test-mode key and client id it talks to real Stripe instead.
"""

from __future__ import annotations

import logging
import os
import urllib.parse
from pathlib import Path
from types import TracebackType
from typing import Any

from dentally_setup.sandbox.faults import Faults
from dentally_setup.sandbox.httpbase import ServerThread
from dentally_setup.sandbox.portal_api import API_PREFIX, CALLBACK_PATH, PortalApp
from dentally_setup.sandbox.scenarios import (
    DEMO_LOGIN,
    DEMO_PASSWORD,
    SCENARIO_FAULTS,
    SCENARIOS,
    build_state,
    check_scenario,
)
from dentally_setup.sandbox.stripe_bridge import (
    SANDBOX_CLIENT_ID,
    SANDBOX_SECRET_KEY,
    StripeBridge,
)
from dentally_setup.sandbox.stripe_imitation import StripeApp
from dentally_setup.sandbox.world import World

log = logging.getLogger(__name__)

ENV_KEY = "DENTALLY_SANDBOX_STRIPE_KEY"
ENV_CLIENT_ID = "DENTALLY_SANDBOX_STRIPE_CLIENT_ID"


def _stripe_credentials(key: str | None, client_id: str | None) -> tuple[str, str, bool]:
    """(secret key, client id, real Stripe?) from the arguments or the environment."""
    key = key or os.environ.get(ENV_KEY) or None
    client_id = client_id or os.environ.get(ENV_CLIENT_ID) or None
    if key is None and client_id is None:
        return SANDBOX_SECRET_KEY, SANDBOX_CLIENT_ID, False
    if key is not None and key.startswith(("sk_live_", "rk_live_")):
        raise ValueError(
            "That is a live Stripe key. The sandbox only works with Stripe test mode: use a "
            "key that starts with sk_test_, so no real money can move."
        )
    if key is None or client_id is None:
        raise ValueError(
            "To use real Stripe test mode the sandbox needs both a test secret key "
            f"({ENV_KEY}) and the platform's client id ({ENV_CLIENT_ID})."
        )
    if not key.startswith(("sk_test_", "rk_test_")):
        raise ValueError("A Stripe test secret key starts with sk_test_.")
    if not client_id.startswith("ca_"):
        raise ValueError("A Stripe Connect client id starts with ca_.")
    return key, client_id, True


class Sandbox:
    """A running demo world. Not started until ``start()``; stop with ``stop()``."""

    def __init__(
        self,
        scenario: str = "fresh",
        state_dir: Path | None = None,
        *,
        token: str = "demo-portal-token",  # noqa: S107 (the published demo token)
        faults: str | None = None,
        stripe_secret_key: str | None = None,
        stripe_client_id: str | None = None,
        reset: bool = False,
        portal_port: int = 0,
        sites: int | None = None,
        types: int | None = None,
        latency: float = 0.0,
    ) -> None:
        self.scenario = check_scenario(scenario)
        self.state_dir = Path(state_dir) if state_dir is not None else None
        self.token = token
        self._fault_spec = faults
        if faults:
            Faults.parse(faults)  # a bad spec fails here, in plain English, before starting
        self.faults = Faults()
        self._secret_key, self._client_id, self.real_stripe = _stripe_credentials(
            stripe_secret_key, stripe_client_id)
        self._reset_on_start = reset
        # Real Stripe test mode only accepts a redirect_uri registered in the platform's
        # settings, so the portal's port (and with it the callback address) can be fixed.
        self.portal_port = portal_port
        # A group of this size instead of the scenario's own sites and types (--sites,
        # --types), and every API request held this long (--latency), to try a group.
        self.size = {"sites": sites, "types": types}
        if latency < 0:
            raise ValueError("The latency must be zero seconds or more.")
        self.latency = latency
        self.world = World(self._fresh_state(self.scenario), self.state_dir)
        self.portal_url = ""
        self.stripe_url = ""
        self._portal: ServerThread | None = None
        self._stripe: ServerThread | None = None

    # ---- lifecycle ---------------------------------------------------------------------

    def start(self) -> None:
        if self._portal is not None:
            return
        saved = None
        if self.state_dir is not None and not self._reset_on_start:
            saved = World.load_saved(self.state_dir)
        if saved is not None and saved.get("scenario") == self.scenario and not any(
                v is not None for v in self.size.values()):
            self.world.load_state(saved)
            log.info("sandbox: resuming the saved %s demo", self.scenario)
        else:
            self.world.load_state(self._fresh_state(self.scenario))
        self._reset_on_start = False
        self._apply_faults()
        self.faults.set_stopping(False)

        # Ports are new on every start, so URLs are always built from the running servers.
        stripe_app = StripeApp(self.world, self._secret_key, self._client_id,
                               lambda: self.redirect_uri)
        self._stripe = ServerThread(stripe_app, "stripe")
        self._stripe.start()
        self.stripe_url = f"http://127.0.0.1:{self._stripe.port}"
        bridge = StripeBridge(self._secret_key, self._client_id,
                              None if self.real_stripe else self.stripe_url)
        bridge.warm_up()
        self._portal = ServerThread(
            PortalApp(self.world, self.faults, self.token, bridge, self._portal_base), "portal",
            self.portal_port)
        try:
            self._portal.start()
        except BaseException:
            self._stripe.stop()
            self._stripe = self._portal = None
            raise
        self.portal_url = self._portal_base() + API_PREFIX
        self.world.save()
        log.info("sandbox started (%s scenario%s)", self.scenario,
                 ", real Stripe test mode" if self.real_stripe else "")

    def stop(self) -> None:
        self.faults.set_stopping(True)  # ends any request held by a delay fault
        for server in (self._portal, self._stripe):
            if server is not None:
                server.stop()
        self._portal = self._stripe = None
        self.world.save_now()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ---- for trainers and tests --------------------------------------------------------

    def reset(self, scenario: str | None = None) -> None:
        """Start the demo over, optionally as another scenario."""
        name = check_scenario(scenario or self.scenario)
        with self.world.lock:
            self.scenario = name
            self.world.load_state(self._fresh_state(name))
            self.world.save_now()
        self._apply_faults()

    def advance_clock(self, seconds: float) -> None:
        self.world.advance_clock(seconds)

    # ---- what the wizard needs of the demo world (gui.pages.services.DemoWorld) --------

    @property
    def demo_password(self) -> str:
        return DEMO_PASSWORD

    def scenarios(self) -> dict[str, str]:
        return dict(SCENARIOS)

    def complete_verification(self, account_id: str) -> None:
        self.world.complete_verification(account_id)

    def dashboard_url(self, account_id: str) -> str:
        return f"{self.stripe_url}/dashboard?account={urllib.parse.quote(account_id)}"

    @property
    def redirect_uri(self) -> str:
        """The portal's OAuth callback: what a real Stripe test platform must have registered
        (fixed when the sandbox runs with a fixed ``portal_port``)."""
        return self._portal_base() + CALLBACK_PATH

    def _portal_base(self) -> str:
        if self._portal is None:
            raise RuntimeError("The sandbox is not running; call start() first.")
        return f"http://127.0.0.1:{self._portal.port}"

    def _fresh_state(self, scenario: str) -> dict[str, Any]:
        return build_state(scenario, **self.size)

    def _apply_faults(self) -> None:
        self.faults.clear()
        if self.latency:
            self.faults.delay(self.latency)
        for spec in (SCENARIO_FAULTS.get(self.scenario), self._fault_spec):
            if spec:
                self.faults.add(spec)


__all__ = [
    "DEMO_LOGIN",
    "DEMO_PASSWORD",
    "SCENARIOS",
    "Faults",
    "Sandbox",
    "World",
]
