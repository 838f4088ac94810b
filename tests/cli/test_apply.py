from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from dentally_setup.cli.main import main
from dentally_setup.cli.settings_cmd import apply_policy
from dentally_setup.portal.client import PortalClient
from dentally_setup.settings.policy_file import policy_from_data, read_policy_toml
from tests.cli.conftest import POLICY


def _policy(path: Any, types: Any, currency: str) -> Any:
    """The policy as `settings apply` reads it."""
    return policy_from_data(read_policy_toml(path), types, currency, path)

def writes(sb: Any, site_id: str) -> int:
    return int(sb.world.applied_writes.get(site_id, 0))


def show_json(capsys: pytest.CaptureFixture[str], site: str) -> dict[str, Any]:
    capsys.readouterr()
    assert main(["settings", "show", "--json", "--site", site]) == 0
    return dict(json.loads(capsys.readouterr().out)["payment_settings"][site])


def test_dry_run_writes_nothing(linked: Any, use_portal: Any, policy_file: Any,
                                capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    assert main(["settings", "apply", str(policy_file()), "--all-sites", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Site: Riverside – High Street (site_1)" in out
    assert "Default deposit: £20.00 -> £25.00" in out
    assert "Deposit for Hygiene: default -> no deposit" in out
    assert "Deposit for Emergency: no deposit -> default" in out
    assert "Deposits for online bookings: Off -> On" in out  # site_2
    assert "nothing was written" in out
    assert writes(linked, "site_1") == 0 and writes(linked, "site_2") == 0


def test_apply_one_site_then_again_is_a_no_op(linked: Any, use_portal: Any, policy_file: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    path = policy_file()
    assert main(["settings", "apply", str(path), "--site", "site_2"]) == 0
    out = capsys.readouterr().out
    assert "written and checked" in out and "Written: Riverside – Meadow Lane (site_2)." in out
    assert writes(linked, "site_2") == 1 and writes(linked, "site_1") == 0
    stored = show_json(capsys, "site_2")
    assert stored["deposits"] == {
        "enabled": True, "default_amount_minor": 2500,
        "by_appointment_type": {"at_hygiene": 0, "at_new_patient": 4000},
    }
    assert stored["balances"] == {"enabled": True} and stored["invoices"] == {"enabled": True}

    assert main(["settings", "apply", str(path), "--site", "site_2"]) == 0
    assert "already matches" in capsys.readouterr().out
    assert writes(linked, "site_2") == 1


def test_apply_all_sites(linked: Any, use_portal: Any, policy_file: Any,
                         capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    assert main(["settings", "apply", str(policy_file()), "--all-sites"]) == 0
    out = capsys.readouterr().out
    assert "Written: Riverside – High Street (site_1), Riverside – Meadow Lane (site_2)." in out
    assert writes(linked, "site_1") == 1 and writes(linked, "site_2") == 1
    assert show_json(capsys, "site_1")["deposits"] == show_json(capsys, "site_2")["deposits"]


def test_missing_file_exit_2_needs_no_portal(policy_file: Any, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings", "apply", str(tmp_path / "nope.toml"), "--all-sites"]) == 2
    err = capsys.readouterr().err
    assert "nope.toml" in err and "no such file" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"Hygiene" = "0"', '"Hygeine" = "0"',
         'deposits.appointment_types."Hygeine": no appointment type has that name or id'),
        ('"Hygiene" = "0"', '"Hygiene" = "70.00"',
         "Deposit for Hygiene: £70.00 is more than the appointment's price (£65.00)"),
        ('default = "25.00"', 'default = "0.10"', "Default deposit: £0.10 is less than"),
        ("enabled = true", "enabled = 1", "deposits.enabled: expected true or false"),
    ],
)
def test_bad_file_exit_2_nothing_written(linked: Any, use_portal: Any, policy_file: Any,
                                         capsys: pytest.CaptureFixture[str], old: str,
                                         new: str, expected: str) -> None:
    use_portal(linked)
    path = policy_file(POLICY.replace(old, new, 1))
    assert main(["settings", "apply", str(path), "--all-sites"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and expected in err
    assert writes(linked, "site_1") == 0 and writes(linked, "site_2") == 0


def test_stripe_not_ready_exit_3(sandbox: Any, use_portal: Any, policy_file: Any,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(sandbox)  # the fresh scenario: Stripe is not linked
    assert main(["settings", "apply", str(policy_file()), "--all-sites"]) == 3
    captured = capsys.readouterr()
    assert "Problem [DS-409S]: Stripe has not finished checking the linked account" \
        in captured.err
    assert "link it with the setup assistant first" in captured.err  # the CLI's own hint
    assert "Riverside – High Street (site_1): not written." in captured.err
    assert "Not written: Riverside – High Street (site_1), Riverside – Meadow Lane (site_2)." \
        in captured.out
    assert writes(sandbox, "site_1") == 0 and writes(sandbox, "site_2") == 0


def test_payments_off_policy_allowed_while_unlinked(sandbox: Any, use_portal: Any,
                                                    policy_file: Any,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(sandbox)
    off = ("[deposits]\nenabled = false\ndefault = \"30.00\"\n[balances]\nenabled = false\n"
           "[invoices]\nenabled = false\n")
    assert main(["settings", "apply", str(policy_file(off)), "--site", "site_1"]) == 0
    assert "Default deposit: — -> £30.00" in capsys.readouterr().out
    assert writes(sandbox, "site_1") == 1


def test_wrong_token_exit_3(linked: Any, use_portal: Any, policy_file: Any,
                            capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked, token="wrong-token-123")
    assert main(["settings", "apply", str(policy_file()), "--all-sites"]) == 3
    err = capsys.readouterr().err
    assert "Problem [DS-401]: The portal did not accept the API token." in err
    assert "DENTALLY_PORTAL_TOKEN" in err


def test_unreachable_exit_4(closed_port_url: str, monkeypatch: Any, policy_file: Any,
                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DENTALLY_PORTAL_URL", closed_port_url)
    monkeypatch.setenv("DENTALLY_PORTAL_TOKEN", "some-token-value")
    monkeypatch.setenv("DENTALLY_PORTAL_BUDGET", "1")
    started = time.monotonic()
    assert main(["settings", "apply", str(policy_file()), "--all-sites"]) == 4
    assert time.monotonic() - started < 5
    assert "Problem [DS-NET]: The portal could not be reached." in capsys.readouterr().err


def test_transient_failures_still_exactly_one_write(linked: Any, use_portal: Any,
                                                    policy_file: Any,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    linked.faults.fail_next(2, 503)
    assert main(["settings", "apply", str(policy_file()), "--site", "site_2"]) == 0
    assert writes(linked, "site_2") == 1


def test_lost_reply_is_retried_with_the_same_key(linked: Any, use_portal: Any,
                                                 policy_file: Any, monkeypatch: Any,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(linked)
    keys: list[str | None] = []
    real = PortalClient._send_once

    def spy(self: PortalClient, method: str, path: str, payload: Any, key: str | None,
            *args: Any, **kwargs: Any) -> Any:
        if method == "PUT":
            keys.append(key)
        return real(self, method, path, payload, key, *args, **kwargs)

    monkeypatch.setattr(PortalClient, "_send_once", spy)
    linked.faults.drop_after_apply(1)
    assert main(["settings", "apply", str(policy_file()), "--site", "site_2"]) == 0
    assert writes(linked, "site_2") == 1
    assert len(keys) == 2 and keys[0] == keys[1] and keys[0]


def test_changed_meanwhile_exit_5(linked: Any, use_portal: Any, policy_file: Any,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    client = PortalClient(linked.portal_url, linked.token, budget=5)
    practice = client.practice()
    types = client.appointment_types()
    policy = _policy(policy_file(), types, practice.currency)

    def someone_edits(site_id: str) -> None:
        linked.world.external_edit(site_id, invoices_enabled=True)

    code = apply_policy(client, practice, types, policy, ["site_1", "site_2"],
                        before_write=someone_edits)
    assert code == 5
    captured = capsys.readouterr()
    assert "someone changed these settings" in captured.err
    assert "nothing was written to this site" in captured.err
    assert "Invoices paid online: Off -> On" in captured.err  # what changed on the portal
    assert "Not written: Riverside – High Street (site_1), Riverside – Meadow Lane (site_2)." \
        in captured.out
    assert writes(linked, "site_1") == 0 and writes(linked, "site_2") == 0


def test_changed_meanwhile_on_second_site_reports_both(linked: Any, policy_file: Any,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    client = PortalClient(linked.portal_url, linked.token, budget=5)
    practice = client.practice()
    types = client.appointment_types()
    policy = _policy(policy_file(), types, practice.currency)

    def edit_second(site_id: str) -> None:
        if site_id == "site_2":
            linked.world.external_edit(site_id, balances_enabled=True)

    code = apply_policy(client, practice, types, policy, ["site_1", "site_2"],
                        before_write=edit_second)
    assert code == 5
    out = capsys.readouterr().out
    assert "Written: Riverside – High Street (site_1)." in out
    assert "Not written: Riverside – Meadow Lane (site_2)." in out
    assert writes(linked, "site_1") == 1 and writes(linked, "site_2") == 0


def test_portal_refusal_422_exit_3_shows_fields(linked: Any, use_portal: Any, policy_file: Any,
                                                monkeypatch: Any,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """Local validation mirrors the portal, so switch it off to see the portal's own 422."""
    from dentally_setup.cli import settings_cmd

    monkeypatch.setattr(settings_cmd, "validate_settings", lambda *a: [])
    use_portal(linked)
    path = policy_file(POLICY.replace('"Hygiene" = "0"', '"Hygiene" = "70.00"'))
    assert main(["settings", "apply", str(path), "--site", "site_1"]) == 3
    err = capsys.readouterr().err
    assert "Problem [DS-422]: The portal did not accept some of the values." in err
    assert "\n  deposits.by_appointment_type.at_hygiene: " in err  # one line per field
    assert writes(linked, "site_1") == 0


def test_stored_differently_exit_3_names_the_difference(linked: Any, policy_file: Any,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    from tests.altering_proxy import altering_proxies

    with altering_proxies() as start:
        client = PortalClient(start(linked, invoices_enabled=False), linked.token, budget=5)
        practice = client.practice()
        types = client.appointment_types()
        policy = _policy(policy_file(), types, practice.currency)
        code = apply_policy(client, practice, types, policy, ["site_1", "site_2"])
    assert code == 3
    captured = capsys.readouterr()
    assert "Riverside – High Street (site_1): the portal stored something different" \
        in captured.err
    assert "Invoices paid online: On -> Off" in captured.err
    assert "Problem [DS-DIFF]" in captured.err and "DS-BAD" not in captured.err
    assert "Written: Riverside – High Street (site_1)." in captured.out
    assert "Not written: Riverside – Meadow Lane (site_2)." in captured.out
    assert writes(linked, "site_1") == 1 and writes(linked, "site_2") == 0
