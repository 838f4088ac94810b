"""`dentally-setup doctor` says where Stripe's page opens and what this PC remembers."""

from __future__ import annotations

import pytest

from dentally_setup.cli.main import main
from dentally_setup.store.config import Config, save_config


def test_doctor_reports_the_setting_and_the_remembered_failure(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DENTALLY_WEBVIEW", raising=False)
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "Stripe's page:" in out and "automatic (the app chooses)" in out
    assert "no failure of the separate process remembered on this PC" in out

    save_config(Config(stripe_page="inline", web_host_failed=True))
    monkeypatch.setenv("DENTALLY_WEBVIEW", "process")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "in this window's process (the Support window's setting)" in out
    assert "the separate process failed to show it on this PC before" in out
    assert "DENTALLY_WEBVIEW=process is set" in out and "in a separate process" in out
