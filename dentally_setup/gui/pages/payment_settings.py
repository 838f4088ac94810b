"""Page 6: what the practice wants, per site: deposits for online appointments (a default
and per appointment type), and patients paying balances and invoices online. Checked as the
person types; Next stays disabled while anything is wrong."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dentally_setup.flow.drafts import DEFAULT_FIELD, SiteDraft, build_settings, type_field
from dentally_setup.flow.readiness import can_take_payments
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.money import currency_symbol, display_money
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import VersionedSettings


def _problem_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldProblem")
    label.setWordWrap(True)
    label.setAccessibleName(
        QCoreApplication.translate("PaymentSettingsPage", "Problem with this field"))
    label.hide()
    return label


class PaymentSettingsPage(BasePage):
    step = Step.SETTINGS

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, services, parent)
        self.setSubTitle(self.tr("Choose what patients can pay in the portal."))
        self._loading = False
        self._loaded = False
        self._site_id = ""
        self.problems: dict[str, dict[str, str]] = {}

        self.not_ready = self.paragraph(name=self.tr("Stripe is not ready"))
        self.not_ready.hide()

        site_row = QHBoxLayout()
        self.site = QComboBox()
        self.site.setAccessibleName(self.tr("Site"))
        self.same_for_all = QCheckBox(self.tr("Same settings for all sites"))
        self.same_for_all.setAccessibleName(self.tr("Same settings for all sites"))
        site_row.addWidget(QLabel(self.tr("Site:")))
        site_row.addWidget(self.site, 1)
        site_row.addWidget(self.same_for_all)
        self.body.addLayout(site_row)

        self.deposits = QGroupBox(self.tr("Deposits for online appointments"))
        dep = QVBoxLayout(self.deposits)
        self.deposits_on = QCheckBox(self.tr("Ask for a deposit when a patient books online"))
        self.deposits_on.setAccessibleName(self.tr("Take deposits for online appointments"))
        dep.addWidget(self.deposits_on)
        default_row = QHBoxLayout()
        self.symbol = QLabel("£")
        self.default = QLineEdit()
        self.default.setMaximumWidth(120)
        self.default.setPlaceholderText("25.00")
        self.default.setAccessibleName(self.tr("Default deposit"))
        self.default.setProperty("usualDescription", self.tr(
            "The deposit for any appointment type not listed below with its own amount"))
        self.default.setAccessibleDescription(self.default.property("usualDescription"))
        self.default_problem = _problem_label()
        default_row.addWidget(QLabel(self.tr("Default deposit:")))
        default_row.addWidget(self.symbol)
        default_row.addWidget(self.default)
        default_row.addWidget(self.default_problem, 1)
        default_row.addStretch(1)
        dep.addLayout(default_row)
        dep.addWidget(QLabel(self.tr("Per appointment type (leave blank to use the default; 0 "
                                     "means no deposit):")))
        self.types_box = QWidget()
        self.types_grid = QGridLayout(self.types_box)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setAccessibleName(self.tr("Deposits per appointment type"))
        scroll.setAccessibleDescription(self.tr("A deposit for each appointment type "
                                                "patients can book online."))
        scroll.setWidget(self.types_box)
        scroll.setMinimumHeight(140)
        dep.addWidget(scroll, 1)
        self.body.addWidget(self.deposits, 1)

        self.balances = QCheckBox(self.tr("Patients can pay their outstanding balance online "
                                          "(they may pay part of it, never more)"))
        self.balances.setAccessibleName(self.tr("Patients can pay balances online"))
        self.invoices = QCheckBox(self.tr("Patients can pay invoices online"))
        self.invoices.setAccessibleName(self.tr("Patients can pay invoices online"))
        self.body.addWidget(self.balances)
        self.body.addWidget(self.invoices)

        self.describe({
            self.site: self.tr("Which site's settings are shown below."),
            self.same_for_all: self.tr("When ticked, changes apply to every site."),
            self.deposits_on: self.tr("Patients booking online are asked for a deposit."),
            self.balances: self.tr("Patients can pay what they owe in the portal; they may "
                                   "pay part of it, never more."),
            self.invoices: self.tr("Patients can pay their invoices in the portal."),
        })
        self.type_edits: dict[str, QLineEdit] = {}
        self.type_problems: dict[str, QLabel] = {}
        for widget in (self.deposits_on, self.balances, self.invoices, self.same_for_all):
            widget.toggled.connect(self._changed)
        self.default.textEdited.connect(self._changed)
        self.site.currentIndexChanged.connect(self._site_changed)

    # ---- loading -----------------------------------------------------------------------

    def initializePage(self) -> None:
        practice = self.state.practice
        if practice is None:
            return
        self._loaded = False
        self.symbol.setText(currency_symbol(practice.currency))
        self._build_type_rows()
        ready = can_take_payments(self.state.account)
        self.not_ready.setVisible(not ready)
        self.not_ready.setText(self.tr(
            "<b>Stripe is still checking the account.</b> You can prepare everything now. "
            "Until Stripe is done, the portal saves your amounts with deposits and online "
            "payments switched <b>off</b>; come back and save again once Stripe is ready."))
        sites = [s.id for s in practice.sites]

        def work(client: PortalClient) -> dict[str, VersionedSettings]:
            return {sid: client.payment_settings(sid) for sid in sites}

        self.call(work, self._got_current, self.tr("Reading the current payment settings…"),
                  retry=self.initializePage)

    def _got_current(self, current: dict[str, VersionedSettings]) -> None:
        self.state.current = current
        practice = self.state.practice
        assert practice is not None
        restored = bool(self.state.drafts)
        for sid, versioned in current.items():
            # A restored draft (after a restart) wins over what the portal has.
            self.state.drafts.setdefault(sid, SiteDraft.from_settings(versioned.settings))
        if len(practice.sites) > 1 and not restored:
            drafts = [self.state.drafts[s.id].to_json() for s in practice.sites]
            self.state.same_for_all = all(d == drafts[0] for d in drafts)
        self._loading = True
        self.site.clear()
        for s in practice.sites:
            self.site.addItem(s.name, s.id)
        self.same_for_all.setChecked(self.state.same_for_all)
        self.same_for_all.setVisible(len(practice.sites) > 1)
        self._loading = False
        self._site_id = practice.sites[0].id
        self._show_draft(self.state.drafts[self._site_id])
        self._loaded = True
        self._validate()
        self.contentReady.emit()

    def _build_type_rows(self) -> None:
        while self.types_grid.count():
            item = self.types_grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.type_edits.clear()
        self.type_problems.clear()
        currency = self.state.currency
        for row, t in enumerate(x for x in self.state.types if x.online_bookable):
            price = (display_money(t.price_minor, currency) if t.price_minor is not None
                     else self.tr("no usual price"))
            name = QLabel(self.tr("{name} <small>({price})</small>").format(name=t.name,
                                                                            price=price))
            edit = QLineEdit()
            edit.setMaximumWidth(100)
            edit.setPlaceholderText(self.tr("default"))
            edit.setAccessibleName(self.tr("Deposit for {name}").format(name=t.name))
            edit.setProperty("usualDescription", self.tr(
                "Usual price {price}. Blank uses the default.").format(price=price))
            edit.setAccessibleDescription(edit.property("usualDescription"))
            edit.textEdited.connect(self._changed)
            problem = _problem_label()
            self.types_grid.addWidget(name, row, 0)
            self.types_grid.addWidget(QLabel(currency_symbol(currency)), row, 1)
            self.types_grid.addWidget(edit, row, 2)
            self.types_grid.addWidget(problem, row, 3)
            self.type_edits[t.id] = edit
            self.type_problems[t.id] = problem
        self.types_grid.setColumnStretch(3, 1)
        # Rows keep their natural height; the spare room goes below the last one.
        self.types_grid.setRowStretch(len(self.type_edits), 1)

    # ---- editing -----------------------------------------------------------------------

    def _show_draft(self, draft: SiteDraft) -> None:
        self._loading = True
        self.deposits_on.setChecked(draft.deposits_enabled)
        self.default.setText(draft.default)
        for type_id, edit in self.type_edits.items():
            edit.setText(draft.by_type.get(type_id, ""))
        self.balances.setChecked(draft.balances)
        self.invoices.setChecked(draft.invoices)
        self._loading = False

    def _read_draft(self) -> SiteDraft:
        return SiteDraft(
            deposits_enabled=self.deposits_on.isChecked(),
            default=self.default.text(),
            by_type={k: e.text() for k, e in self.type_edits.items() if e.text().strip()},
            balances=self.balances.isChecked(),
            invoices=self.invoices.isChecked(),
        )

    def _site_changed(self) -> None:
        if self._loading or not self._loaded:
            return
        sid = str(self.site.currentData() or "")
        if sid and sid in self.state.drafts:
            self._site_id = sid
            self._show_draft(self.state.drafts[sid])
            self._validate()

    def _changed(self) -> None:
        if self._loading or not self._loaded:
            return
        draft = self._read_draft()
        self.state.same_for_all = self.same_for_all.isChecked()
        targets = (list(self.state.drafts) if self.state.same_for_all else [self._site_id])
        for sid in targets:
            self.state.drafts[sid] = SiteDraft.from_json(draft.to_json())
        self._validate()
        self.progressChanged.emit()

    def _validate(self) -> None:
        self.problems = {}
        for sid, draft in self.state.drafts.items():
            base = self.state.current.get(sid)
            _, problems = build_settings(draft, self.state.types, self.state.currency,
                                         base.settings if base else None)
            if problems:
                self.problems[sid] = problems
        shown = self.problems.get(self._site_id, {})
        self._mark(self.default_problem, self.default, shown.get(DEFAULT_FIELD))
        for type_id, label in self.type_problems.items():
            self._mark(label, self.type_edits[type_id], shown.get(type_field(type_id)))
        other = [self.state.site_name(s) for s in self.problems if s != self._site_id]
        if other and not self.state.same_for_all:
            self.show_message_inline(self.tr("Also check the settings for: {sites}.").format(
                sites=", ".join(other)))
        else:
            self.show_message_inline("")
        self.completeChanged.emit()

    def _mark(self, label: QLabel, edit: QLineEdit, problem: str | None) -> None:
        shown = tr_flow(problem) if problem else ""
        label.setText(f"⚠ {shown}" if shown else "")
        label.setVisible(bool(shown))
        # A screen reader hears the problem first, then what the field is for.
        usual = edit.property("usualDescription") or ""
        edit.setAccessibleDescription(f"{shown} {usual}".strip() if shown else str(usual))

    def show_message_inline(self, text: str) -> None:
        self.setSubTitle(text or self.tr("Choose what patients can pay in the portal."))

    def isComplete(self) -> bool:
        return self._loaded and not self.working and not self.problems

    def nextId(self) -> int:
        return int(Step.REVIEW)
