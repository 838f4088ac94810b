"""Page 1: what will happen, and (demo mode only) the trainers' scenario menu."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QWidget

from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.a11y import ReadOutLabel, plain_text
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices


class WelcomePage(BasePage):
    step = Step.WELCOME
    # A trainer asked for the demo to start over as this scenario.
    demoResetRequested = Signal(str)

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, services, parent)
        self.setSubTitle(
            self.tr("Link Stripe to the Dentally Portal and switch on online payments."))
        # Not self.paragraph(): this page is painted first, and paragraph's text format and
        # selection flags are Qt.* values, whose first use costs ~25 ms (PySide builds the
        # whole Qt namespace). The text is fixed HTML, which a QLabel recognises by itself.
        intro = QLabel(
            self.tr(
                "This assistant will:<ol>"
                "<li>sign in to your Dentally Portal,</li>"
                "<li>link the practice's Stripe account (on Stripe's own page),</li>"
                "<li>check that Stripe can take payments,</li>"
                "<li>set deposits for online appointments, and let patients pay balances and "
                "invoices online.</li></ol>"
                "It takes about 10 minutes. You will need the portal's API token and the "
                "practice's Stripe sign-in. If you are interrupted, close the window: next "
                "time you can carry on where you left off."))
        intro.setWordWrap(True)
        intro.setAccessibleName(self.tr("What this assistant does"))
        intro.setAccessibleDescription(plain_text(intro.text()))  # the words, not only a name
        self.body.addWidget(intro)
        if state.demo:
            self._add_demo_menu()
        self.body.addStretch(1)

    def _add_demo_menu(self) -> None:
        """The trainers' scenario menu: only in demo mode, so the usual start neither builds
        it nor imports its widgets (PySide builds each class's Python side when first
        imported)."""
        from PySide6.QtWidgets import QCheckBox, QComboBox, QGroupBox, QHBoxLayout, QPushButton

        self.demo_box = QGroupBox(self.tr("Demo for trainers"))
        self.demo_box.setAccessibleName(self.tr("Demo scenario menu"))
        self.scenario = QComboBox()
        self.scenario.setAccessibleName(self.tr("Demo scenario"))
        self.scenario.setAccessibleDescription(self.tr("Which practice situation the demo shows"))
        self.reset_button = QPushButton(self.tr("Reset demo"))
        self.reset_button.setAccessibleName(self.tr("Reset the demo to the start of this scenario"))
        self.reset_button.clicked.connect(self._reset)
        self.scenario_note = ReadOutLabel()
        self.scenario_note.setWordWrap(True)
        self.presenter = QCheckBox(self.tr("Presenter mode (larger text for a projector)"))
        self.presenter.setAccessibleName(self.tr("Presenter mode"))
        self.presenter.toggled.connect(self._presenter)
        self.describe({
            self.reset_button: self.tr("Starts the chosen demo scenario from the beginning."),
            self.presenter: self.tr("Larger text and a slower autopilot, for a projector."),
        })
        row = QHBoxLayout(self.demo_box)
        # On Linux a combo box is named by its label (Qt gives its accessible name to the
        # current item), so the visible label is its buddy and says what it is.
        scenario_label = QLabel(self.tr("Demo scenario:"))
        scenario_label.setBuddy(self.scenario)
        row.addWidget(scenario_label)
        row.addWidget(self.scenario, 1)
        row.addWidget(self.reset_button)
        row.addWidget(self.presenter)
        self.body.addWidget(self.demo_box)
        self.body.addWidget(self.scenario_note)
        self.scenario.currentIndexChanged.connect(self._describe)

    def initializePage(self) -> None:
        demo = self.services.demo
        if demo is None:
            self.contentReady.emit()
            return
        self.scenario.blockSignals(True)
        self.scenario.clear()
        for name, description in demo.scenarios().items():
            self.scenario.addItem(name, description)
        self.scenario.setCurrentIndex(max(0, self.scenario.findText(demo.scenario)))
        self.scenario.blockSignals(False)
        zoom = self.services.zoom
        self.presenter.blockSignals(True)
        self.presenter.setChecked(bool(zoom is not None and zoom.presenter))
        self.presenter.blockSignals(False)
        self._describe()
        self.contentReady.emit()

    def _presenter(self, on: bool) -> None:
        zoom = self.services.zoom
        if zoom is not None:
            zoom.set_presenter(on)

    def _describe(self) -> None:
        self.scenario_note.setText(str(self.scenario.currentData() or ""))

    def _reset(self) -> None:
        name = self.scenario.currentText()
        self.demoResetRequested.emit(name)

    def nextId(self) -> int:
        return int(Step.SIGN_IN)
