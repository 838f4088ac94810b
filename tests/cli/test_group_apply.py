"""`settings apply` on a dental group: concurrent and bounded, exactly one applied write per
site whatever the faults, one shared back-off, Ctrl+C, --json, the summary; `settings
export`; a closed pipe."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dentally_setup.cli.main import main
from dentally_setup.cli.settings_cmd import apply_policy
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import AppointmentType
from dentally_setup.sandbox import Sandbox
from dentally_setup.settings.policy_export import type_keys
from dentally_setup.settings.policy_file import policy_from_data, read_policy_toml

GROUP_POLICY = """\
[deposits]
enabled = true
default = "25.00"
[deposits.appointment_types]
"Hygiene 30 min" = "0"
[balances]
enabled = true
[invoices]
enabled = true
"""


def load_policy(path: Path, types: Any, currency: str) -> Any:
    """The policy in ``path``, read as `settings apply` reads it."""
    return policy_from_data(read_policy_toml(path), types, currency, path)


@pytest.fixture
def group(tmp_path: Path) -> Iterator[Sandbox]:
    sb = Sandbox("group", tmp_path / "group-world")
    sb.start()
    try:
        yield sb
    finally:
        sb.stop()


def applied(sb: Sandbox) -> dict[str, int]:
    with sb.world.lock:
        return dict(sb.world.applied_writes)


def site_ids(sb: Sandbox) -> list[str]:
    with sb.world.lock:
        return [s["id"] for s in sb.world.practice["sites"]]


def test_faults_still_give_exactly_one_write_per_site(group: Sandbox, use_portal: Any,
                                                      policy_file: Any,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    use_portal(group)
    os.environ["DENTALLY_PORTAL_BUDGET"] = "30"  # monkeypatched by use_portal, restored
    group.faults.rate_limit(4, retry_after=1)
    group.faults.fail_every(7, 503)
    group.faults.drop_after_apply(3)  # applied, then the reply is lost: retried, same key
    path = policy_file(GROUP_POLICY)
    assert main(["settings", "apply", str(path), "--all-sites", "--jobs", "8"]) == 0
    assert applied(group) == {sid: 1 for sid in site_ids(group)}
    out = capsys.readouterr().out
    assert "Summary: 40 written." in out and "Written: 40 sites." in out
    # Not a terminal: one line per site, as before.
    assert out.count(": written and checked.") == 40
    # Running it again writes nothing more.
    assert main(["settings", "apply", str(path), "--all-sites"]) == 0
    assert "Every site already matches the file" in capsys.readouterr().out
    assert applied(group) == {sid: 1 for sid in site_ids(group)}


def test_a_429_slows_every_worker_not_just_the_one_told(group: Sandbox) -> None:
    client = PortalClient(group.portal_url, group.token, budget=10)
    group.faults.rate_limit(1, retry_after=1)
    told = threading.Event()
    errors: list[BaseException] = []

    def first() -> None:
        try:
            client.practice()  # gets the 429, then waits a second
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    worker = threading.Thread(target=first)
    worker.start()

    # Until the first worker has been told to wait (the portal's 429 has reached it).
    deadline = time.monotonic() + 10
    while client.backoff_gate.remaining() == 0 and time.monotonic() < deadline:
        told.wait(0.01)
    started = time.monotonic()
    client.with_cancel(threading.Event()).appointment_types()  # never answered 429 itself
    waited = time.monotonic() - started
    worker.join(10)
    assert errors == []
    assert waited >= 0.5, "the second worker went on while the portal asked for a pause"
    with group.world.lock:
        assert [s for _m, _p, s in group.world.requests].count(429) == 1


def test_summary_names_only_the_sites_that_need_attention(group: Sandbox, policy_file: Any,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    client = PortalClient(group.portal_url, group.token, budget=10)
    practice = client.practice()
    types = client.appointment_types()
    policy = load_policy(policy_file(GROUP_POLICY), types, practice.currency)

    def someone_edits(site_id: str) -> None:
        if site_id == "site_5":
            group.world.external_edit(site_id, invoices_enabled=True)

    code = apply_policy(client, practice, types, policy, site_ids(group), jobs=4,
                        before_write=someone_edits)
    assert code == 5  # changed meanwhile, on one site
    captured = capsys.readouterr()
    out = captured.out
    assert "Summary: 39 written, 1 changed meanwhile." in out
    assert "Written: 39 sites." in out  # counted, not 39 names
    assert "Not written: Brightwater – Wetherby (site_5)." in out
    assert "site_5" in captured.err and "someone changed these settings" in captured.err
    assert applied(group).get("site_5", 0) == 0 and len(applied(group)) == 39


def test_json_gives_each_sites_outcome(group: Sandbox, use_portal: Any, policy_file: Any,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    use_portal(group)
    path = policy_file(GROUP_POLICY)
    assert main(["settings", "apply", str(path), "--site", "site_1", "--site", "site_2",
                 "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["exit_code"] == 0 and report["outcomes"]["written"] == 2
    assert [s["site_id"] for s in report["sites"]] == ["site_1", "site_2"]
    assert {s["outcome"] for s in report["sites"]} == {"written"}
    assert main(["settings", "apply", str(path), "--site", "site_1", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["sites"][0]["outcome"] == "unchanged"


def test_jobs_is_bounded(policy_file: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["settings", "apply", str(policy_file()), "--all-sites", "--jobs", "17"]) == 2
    assert "choose from 1 to 16" in capsys.readouterr().err


def cli(sb: Sandbox, home: Path, *args: str, **kwargs: Any) -> subprocess.Popen[str]:
    env = {**os.environ, "DENTALLY_SETUP_HOME": str(home), "DENTALLY_PORTAL_URL":
           sb.portal_url, "DENTALLY_PORTAL_TOKEN": sb.token, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "dentally_setup", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kwargs)


@pytest.mark.posix_only(reason="SIGINT to a child process is POSIX")
def test_ctrl_c_starts_no_new_writes_and_a_rerun_does_the_rest(group: Sandbox, tmp_path: Path,
                                                               policy_file: Any) -> None:
    path = policy_file(GROUP_POLICY)
    group.faults.delay(0.15)  # a slow portal: 40 sites take seconds at --jobs 2
    proc = cli(group, tmp_path / "home", "settings", "apply", str(path), "--all-sites",
               "--jobs", "2")
    assert proc.stdout is not None
    for line in proc.stdout:  # wait on output, not on time: the first site is written
        if line.endswith(": written and checked.\n"):
            break
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Stopped by Ctrl+C: no new writes were started after it." in out
    assert "no new writes will start" in err and "Traceback" not in err
    done = applied(group)
    assert 1 <= len(done) < 40 and set(done.values()) == {1}
    assert "Not written:" in out
    group.faults.delay(0)
    again = cli(group, tmp_path / "home", "settings", "apply", str(path), "--all-sites")
    out, err = again.communicate(timeout=60)
    assert again.returncode == 0, err
    assert f"Nothing to change: {len(done)} sites." in out or len(done) <= 5
    assert f"Summary: {40 - len(done)} written, {len(done)} unchanged." in out
    assert applied(group) == {sid: 1 for sid in site_ids(group)}


@pytest.mark.posix_only(reason="a closed pipe is a POSIX idea here")
def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    with Sandbox("group", tmp_path / "big", sites=400) as sb:
        proc = cli(sb, tmp_path / "home", "settings", "show", "--json")
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(100)  # `| head -c 100`, then the reader goes away
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait(timeout=60)
    assert proc.returncode == 141
    assert err == ""


def test_export_round_trips_and_copies_to_other_sites(group: Sandbox, use_portal: Any,
                                                      tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    use_portal(group)
    path = tmp_path / "site3.toml"
    assert main(["settings", "export", "--site", "site_3", str(path)]) == 0
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Payment settings of Brightwater – Skipton (site_3), exported 20")
    assert '"New patient exam" = "15.00"' in text and '"Emergency appointment" = "0"' in text
    assert 'default = "20.00"' in text
    capsys.readouterr()
    assert main(["settings", "apply", str(path), "--site", "site_3"]) == 0
    assert "already matches" in capsys.readouterr().out
    assert applied(group) == {}
    assert main(["settings", "apply", str(path), "--all-sites"]) == 0
    client = PortalClient(group.portal_url, group.token)
    model = client.payment_settings("site_3").settings
    for sid in site_ids(group):
        assert client.payment_settings(sid).settings.same_choices(model), sid
    # Printed when no file is given.
    capsys.readouterr()
    assert main(["settings", "export", "--site", "Brightwater – Skipton"]) == 0
    assert "[deposits]\nenabled = true" in capsys.readouterr().out


def test_export_names_a_type_by_id_when_its_name_is_not_unique() -> None:
    types = [AppointmentType("at_1", "Check-up", 20, True, 4500),
             AppointmentType("at_2", "Check-up", 30, True, 5500),
             AppointmentType("at_3", "Hygiene", 30, True, 6500),
             AppointmentType("at_4", "at_3", 30, True, None)]  # a name that is an id
    assert type_keys(types) == {"at_1": "at_1", "at_2": "at_2", "at_3": "Hygiene",
                                "at_4": "at_4"}


@pytest.mark.posix_only(reason="a pseudo-terminal is POSIX")
def test_on_a_terminal_one_progress_line_is_updated_in_place(group: Sandbox, tmp_path: Path,
                                                             policy_file: Any) -> None:
    import pty

    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "DENTALLY_SETUP_HOME": str(tmp_path / "home"),
           "DENTALLY_PORTAL_URL": group.portal_url, "DENTALLY_PORTAL_TOKEN": group.token}
    proc = subprocess.Popen([sys.executable, "-m", "dentally_setup", "settings", "apply",
                             str(policy_file(GROUP_POLICY)), "--all-sites"], env=env,
                            stdout=child_fd, stderr=subprocess.PIPE)
    os.close(child_fd)
    chunks = []
    while True:
        try:
            data = os.read(main_fd, 65536)
        except OSError:  # the child closed its end
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(main_fd)
    out = b"".join(chunks).decode("utf-8")
    assert proc.returncode == 0
    assert "\rWriting: 1 of 40 done" in out and "\rWriting: 40 of 40 done" in out
    assert "written and checked" not in out  # no line per site on a terminal
    assert "Summary: 40 written." in out
