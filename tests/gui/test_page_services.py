"""A page needs only what pages/services.py declares: built outside any wizard, with a
small services object and demo world of the test's own, it shows and reports what it
should; inside the wizard, its requests reach the real demo world."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QPushButton, QWidget

from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.layouts import button_row
from dentally_setup.gui.pages.welcome import WelcomePage

LEFT = Qt.MouseButton.LeftButton


class _Demo:
    """A demo world with two scenarios, the second one running."""

    scenario = "odd-one"
    portal_url = "http://127.0.0.1:1/api"
    token = "demo-token"
    stripe_url = "http://127.0.0.1:2"
    demo_password = "demo-password"

    def scenarios(self) -> Mapping[str, str]:
        return {"plain": "Nothing special.", "odd-one": "Something odd happens."}

    def reset(self, scenario: str | None = None) -> None:
        raise AssertionError("a page asks the wizard to reset, it never resets itself")

    def dashboard_url(self, account_id: str) -> str:
        return f"{self.stripe_url}/dashboard?account={account_id}"

    def complete_verification(self, account_id: str) -> None:
        raise AssertionError("not a page's business")


class _Services:
    demo = _Demo()
    zoom = None
    screenshots_wanted = False

    def take_screenshot(self, name: str) -> None:
        pass

    def ask(self, title: str, text: str) -> QMessageBox.StandardButton:
        return QMessageBox.StandardButton.No

    def open_external(self, url: str) -> None:
        pass

    def dashboard_url(self, account_id: str) -> str:
        return self.demo.dashboard_url(account_id)

    def remember_portal(self, url: str, token: str, remember: bool) -> None:
        pass


def test_welcome_page_lists_the_demo_worlds_scenarios_and_asks_for_a_reset(qtbot: Any) -> None:
    page = WelcomePage(WizardState(demo=True, scenario="odd-one"), _Services())
    qtbot.addWidget(page)
    with qtbot.waitSignal(page.contentReady, timeout=5000):
        page.initializePage()
    names = [page.scenario.itemText(i) for i in range(page.scenario.count())]
    assert names == ["plain", "odd-one"]
    assert page.scenario.currentText() == "odd-one"  # the one running
    assert page.scenario_note.text() == "Something odd happens."
    page.scenario.setCurrentIndex(0)
    with qtbot.waitSignal(page.demoResetRequested, timeout=5000) as asked:
        qtbot.mouseClick(page.reset_button, LEFT)
    assert asked.args == ["plain"]


def test_reset_in_the_wizard_starts_the_sandbox_over_as_the_chosen_scenario(
        make_wizard: Any) -> None:
    h = make_wizard("fresh")
    welcome = h.page(Step.WELCOME)
    h.qtbot.waitUntil(lambda: welcome.scenario.count() > 0, timeout=10000)
    welcome.scenario.setCurrentIndex(welcome.scenario.findText("needs-verification"))
    h.qtbot.mouseClick(welcome.reset_button, LEFT)
    assert h.sandbox.scenario == "needs-verification"
    assert h.state.scenario == "needs-verification"
    assert "needs-verification" in h.wizard.notice.text()


def test_button_row_puts_the_buttons_left_and_the_end_ones_right(qtbot: Any) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    save, back, cancel = QPushButton("Save"), QPushButton("Back"), QPushButton("Cancel")
    row = button_row(save, back, end=(cancel,))
    holder.setLayout(row)
    items = [row.itemAt(i) for i in range(row.count())]
    assert [i.widget() for i in items] == [save, back, None, cancel]
    assert items[2].spacerItem() is not None and row.stretch(2) == 1
    holder.resize(600, 60)
    holder.show()
    qtbot.waitExposed(holder)
    # Each button as wide as its words; the room between goes to the stretch.
    assert save.width() < 200 and cancel.geometry().right() > 500
