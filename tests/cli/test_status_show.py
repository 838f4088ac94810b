from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from dentally_setup import __version__
from dentally_setup.cli.main import main

CONTRACT = Path(__file__).resolve().parents[2] / "resources" / "portal-api.yaml"


def contract_validator(schema_name: str) -> jsonschema.protocols.Validator:
    doc = yaml.safe_load(CONTRACT.read_text(encoding="utf-8"))
    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    return jsonschema.Draft202012Validator(schema)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"dentally-setup {__version__}"


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["settings"], ["settings", "apply"], ["status", "--nope"],
     ["settings", "apply", "x.toml", "--site", "a", "--all-sites"]],
)
def test_bad_usage_exit_2_without_traceback(argv: list[str],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "usage:" in err or "choose a command" in err
    assert "Traceback" not in err


def test_no_portal_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status"]) == 2
    err = capsys.readouterr().err
    assert "No portal address" in err and "--portal-url" in err


def test_no_token(capsys: pytest.CaptureFixture[str], memory_keyring: object) -> None:
    assert main(["--portal-url", "http://127.0.0.1:9/api", "status"]) == 2
    assert "No API token" in capsys.readouterr().err


def test_insecure_address(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--portal-url", "http://portal.example.com/api"]) == 2
    assert "https://" in capsys.readouterr().err


def test_status_text(sandbox: Any, use_portal: Any, capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(sandbox)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Practice: Riverside Dental Practice" in out
    assert "Stripe (test mode): not linked" in out
    assert "Site: Riverside – High Street (site_1)" in out
    assert "Site: Riverside – Meadow Lane (site_2)" in out
    assert "Deposits for online bookings: Off" in out
    assert sandbox.token not in out


def test_status_text_linked(linked: Any, use_portal: Any,
                            capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "Stripe (test mode): linked to acct_" in out and "Ready to take payments." in out
    assert "Default deposit: £20.00" in out
    assert "Deposit for Emergency: no deposit" in out
    assert "Deposit for New patient exam: £30.00" in out


def test_status_json(linked: Any, use_portal: Any, capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    assert main(["status", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)  # exactly one JSON document
    assert set(data) == {"practice", "stripe", "payment_settings"}
    contract_validator("Practice").validate(data["practice"])
    contract_validator("StripeLink").validate(data["stripe"])
    site_ids = [s["id"] for s in data["practice"]["sites"]]
    assert list(data["payment_settings"]) == site_ids
    for site_id, settings in data["payment_settings"].items():
        contract_validator("PaymentSettings").validate(settings)
        assert settings["site_id"] == site_id
    assert data["stripe"]["status"] == "linked"


def test_status_token_from_keyring(linked: Any, memory_keyring: Any, monkeypatch: Any,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    from dentally_setup.store.secrets import set_token

    set_token(linked.portal_url, linked.token)
    monkeypatch.setenv("DENTALLY_PORTAL_URL", linked.portal_url)
    assert main(["status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["practice"]["currency"] == "GBP"


def test_wrong_token_exit_3(sandbox: Any, use_portal: Any, isolated_home: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    import logging

    use_portal(sandbox, token="not-the-right-token")
    assert main(["--verbose", "status"]) == 3
    err = capsys.readouterr().err
    assert "Problem [DS-401]: The portal did not accept the API token." in err
    assert "Settings → API tokens" in err and "DENTALLY_PORTAL_TOKEN" in err
    assert "not-the-right-token" not in err
    for handler in logging.getLogger().handlers:
        handler.flush()
    log_text = (isolated_home / "logs" / "dentally-setup.log").read_text(encoding="utf-8")
    assert "portal error unauthorized" in log_text
    assert "not-the-right-token" not in log_text


def test_unreachable_exit_4_quickly(closed_port_url: str, monkeypatch: Any,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    import time

    monkeypatch.setenv("DENTALLY_PORTAL_TOKEN", "whatever-token")
    monkeypatch.setenv("DENTALLY_PORTAL_BUDGET", "1")
    started = time.monotonic()
    assert main(["status", "--portal-url", closed_port_url]) == 4
    assert time.monotonic() - started < 5
    assert "Problem [DS-NET]: The portal could not be reached." in capsys.readouterr().err


def test_settings_show(linked: Any, use_portal: Any, capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    assert main(["settings", "show", "--site", "site_1"]) == 0
    out = capsys.readouterr().out
    assert "Site: Riverside – High Street (site_1)" in out and "site_2" not in out
    assert "Balances paid online: On" in out

    assert main(["settings", "show", "--json", "--site", "Riverside – Meadow Lane"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data["payment_settings"]) == ["site_2"]
    contract_validator("PaymentSettings").validate(data["payment_settings"]["site_2"])

    assert main(["settings", "show", "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)["payment_settings"]) == ["site_1", "site_2"]


def test_settings_show_unknown_site(linked: Any, use_portal: Any,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    assert main(["settings", "show", "--site", "site_9"]) == 2
    err = capsys.readouterr().err
    assert "no site with that id or name" in err and "site_1" in err


def test_unexpected_error_one_line_and_log(linked: Any, use_portal: Any, monkeypatch: Any,
                                           isolated_home: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from dentally_setup.portal.client import PortalClient

    def boom(self: PortalClient) -> None:
        raise RuntimeError("kaboom")

    use_portal(linked)
    monkeypatch.setattr(PortalClient, "practice", boom)
    assert main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Problem [DS-BUG]: Something went wrong inside Dentally Setup.")
    assert "kaboom" not in err  # the exception's own text goes to the log only
    assert "Details are in the log:" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    log_path = Path(err.strip().rsplit("Details are in the log: ", 1)[1])
    assert log_path.is_file() and isolated_home in log_path.parents
    import logging

    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "Traceback" in log_path.read_text(encoding="utf-8")


def test_status_and_doctor_describe_a_held_account_in_words(
        tmp_path: Path, use_portal: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from dentally_setup.flow.readiness import readiness
    from dentally_setup.sandbox import Sandbox
    from tests.sandbox.helpers import link_flow, make_client

    sb = Sandbox(scenario="needs-verification", state_dir=tmp_path / "sb")
    sb.start()
    try:
        client = make_client(sb)
        link_flow(client)
        acct_id = client.stripe_link().account.id
        with sb.world.lock:  # Stripe says why, and has a document it could not accept
            acct = sb.world.accounts[acct_id]
            acct["errors"] = [{"requirement": "representative.verification.document",
                               "code": "verification_document_expired",
                               "reason": "The document has expired."}]
        use_portal(sb)
        said = readiness(client.stripe_link().account).lines()
        assert main(["status"]) == 0
        out = capsys.readouterr().out
        assert main(["doctor"]) == 0
        doctor = capsys.readouterr().out
    finally:
        sb.stop()
    for text in (out, doctor):
        # The account check page's sentences, word for word; no requirement key raw.
        for line in said:
            assert line in text
        assert "Stripe still needs: the business's bank account" in text
        assert "ID for the business's representative: the document has expired" in text
        for raw in ("external_account", "representative.verification", "pending_verification",
                    "verification_document_expired"):
            assert raw not in text
