"""Wizard fixtures: a real sandbox on 127.0.0.1 and a real SetupWizard driving it, with the
system browser and the yes/no dialogs replaced by fakes the test controls."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest


@dataclass
class Harness:
    wizard: Any
    sandbox: Any
    qtbot: Any
    opened: list[str] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # dialog titles asked
    stripe_pages: list[str] = field(default_factory=list)
    reply: Any = None  # what the fake dialog answers

    @property
    def state(self) -> Any:
        return self.wizard.state

    def page(self, step: Any) -> Any:
        return self.wizard.pages[step]

    def wait_step(self, step: Any, timeout: int = 20000) -> None:
        self.qtbot.waitUntil(lambda: self.wizard.currentId() == int(step), timeout=timeout)

    def wait_ready(self, step: Any, timeout: int = 20000) -> Any:
        self.wait_step(step, timeout)
        page = self.page(step)
        self.qtbot.waitUntil(lambda: page.isComplete() and not page.working, timeout=timeout)
        return page

    def next(self) -> None:
        from PySide6.QtCore import Qt
        from PySide6.QtWidgets import QWizard

        button = self.wizard.button(QWizard.WizardButton.NextButton)
        self.qtbot.waitUntil(button.isEnabled, timeout=20000)
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    def wait_stripe_page(self, kind: str, timeout: int = 20000) -> Any:
        from dentally_setup.flow.steps import Step

        self.qtbot.waitUntil(lambda: bool(self.stripe_pages) and self.stripe_pages[-1] == kind,
                             timeout=timeout)
        return self.page(Step.LINK).browser

    def run_js_and_wait(self, browser: Any, script: str) -> Any:
        box: list[Any] = []
        browser.run_js(script, box.append)
        self.qtbot.waitUntil(lambda: bool(box), timeout=10000)
        return box[0]

    def sign_in_on_stripe(self) -> None:
        from dentally_setup.sandbox import DEMO_PASSWORD

        browser = self.wait_stripe_page("signin")
        browser.run_js(f"document.querySelector('#password').value = '{DEMO_PASSWORD}';"
                       "document.querySelector('#sign-in').click();")

    def choose_account(self) -> Any:
        """On Stripe's chooser, pick the first account and continue; returns the browser
        once the authorize page shows."""
        browser = self.wait_stripe_page("chooser")
        browser.run_js("document.querySelector('input[name=account]').checked = true;"
                       "document.querySelector('#continue').click();")
        return self.wait_stripe_page("authorize")

    def go_to_link_page(self) -> None:
        from dentally_setup.flow.steps import Step

        self.next()  # welcome -> sign in (demo mode signs in by itself)
        self.wait_ready(Step.SIGN_IN)
        self.next()
        self.wait_ready(Step.STRIPE_STATUS)
        self.next()
        self.wait_step(Step.LINK)


@pytest.fixture(scope="session", autouse=True)
def _no_web_host_left() -> Iterator[None]:
    """Web host processes started ahead of time end with the test run (in the app they
    end when the QApplication quits, which pytest-qt's never does)."""
    yield
    import sys

    module = sys.modules.get("dentally_setup.gui.stripe_page.app_side_process")
    if module is not None:
        module.stop_all()


@pytest.fixture
def make_wizard(qtbot: Any, tmp_path: Path) -> Iterator[Callable[..., Harness]]:
    from PySide6.QtWidgets import QMessageBox

    from dentally_setup.flow.state import WizardState
    from dentally_setup.gui.wizard import SetupWizard
    from dentally_setup.sandbox import Sandbox

    made: list[Harness] = []

    def make(scenario: str = "fresh", faults: str | None = None, *,
             token: str = "demo-portal-token", screenshots: Path | None = None) -> Harness:
        sb = Sandbox(scenario=scenario, state_dir=tmp_path / f"sandbox-{len(made)}",
                     faults=faults, token=token, reset=True)
        sb.start()
        state = WizardState(demo=True, scenario=scenario, portal_url=sb.portal_url,
                            token=sb.token)
        wizard = SetupWizard(state, demo=sb, screenshots=screenshots)
        h = Harness(wizard, sb, qtbot, reply=QMessageBox.StandardButton.Yes)
        wizard.opener = h.opened.append

        def ask(title: str, _text: str) -> Any:
            h.answers.append(title)
            return h.reply

        wizard.asker = ask
        wizard.browserCreated.connect(
            lambda browser: browser.pageKind.connect(h.stripe_pages.append))
        qtbot.addWidget(wizard)
        wizard.show()
        made.append(h)
        return h

    yield make
    from dentally_setup.gui.worker import busy_tasks

    for h in made:
        h.wizard.close()
    # Let background calls finish (cancelled waits return promptly) before servers stop.
    qtbot.waitUntil(lambda: busy_tasks() == 0, timeout=20000)
    for h in made:
        h.sandbox.stop()
