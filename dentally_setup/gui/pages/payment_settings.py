"""Page 6: what the practice wants, per site: deposits for online appointments (a default
and per appointment type), and patients paying balances and invoices online. Checked as the
person types; Next stays disabled while anything is wrong."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dentally_setup.flow.drafts import DEFAULT_FIELD, SiteDraft, build_settings, type_field
from dentally_setup.flow.parallel import read_each_site
from dentally_setup.flow.readiness import can_take_payments
from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.a11y import ReadOutLabel
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.money import currency_symbol
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.gui.pages.type_deposits import TypeDepositsModel, TypeFilter, make_types_view
from dentally_setup.portal.client import PortalClient
from dentally_setup.portal.models import VersionedSettings


def _problem_label() -> QLabel:
    label = ReadOutLabel()  # read out as it appears, while the person types
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
        site_label = QLabel(self.tr("Site:"))
        site_label.setBuddy(self.site)  # on Linux a combo box is named by its label
        site_row.addWidget(site_label)
        site_row.addWidget(self.site, 1)
        site_row.addWidget(self.same_for_all)
        self.body.addLayout(site_row)
        # A group often has one site set up as the model for the rest.
        self.copy_row = QWidget()
        copy_row = QHBoxLayout(self.copy_row)
        copy_row.setContentsMargins(0, 0, 0, 0)
        self.copy_from = QComboBox()
        self.copy_from.setAccessibleName(self.tr("Site to copy the settings from"))
        self.copy_from.setPlaceholderText(self.tr("Choose a site"))
        self.copy_from.currentIndexChanged.connect(self._update_copy)
        self.copy_button = QPushButton(self.tr("Copy"))
        self.copy_button.setAccessibleName(self.tr("Copy that site's settings to this one"))
        self.copy_button.clicked.connect(self._copy_from_site)
        copy_label = QLabel(self.tr("Copy the settings from:"))
        copy_label.setBuddy(self.copy_from)  # on Linux a combo box is named by its label
        copy_row.addWidget(copy_label)
        copy_row.addWidget(self.copy_from, 1)
        copy_row.addWidget(self.copy_button)
        self.body.addWidget(self.copy_row)

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
        default_label = QLabel(self.tr("Default deposit:"))
        default_label.setBuddy(self.default)
        default_row.addWidget(default_label)
        default_row.addWidget(self.symbol)
        default_row.addWidget(self.default)
        default_row.addWidget(self.default_problem, 1)
        default_row.addStretch(1)
        dep.addLayout(default_row)
        dep.addWidget(QLabel(self.tr("Per appointment type (leave blank to use the default; 0 "
                                     "means no deposit):")))
        filter_row = QHBoxLayout()
        self.type_filter = QLineEdit()
        self.type_filter.setClearButtonEnabled(True)
        self.type_filter.setPlaceholderText(self.tr("Type to filter the appointment types"))
        self.type_filter.setAccessibleName(self.tr("Filter appointment types"))
        self.type_filter.textChanged.connect(self._filter_types)
        self.filter_count = QLabel()
        filter_row.addWidget(self.type_filter, 1)
        filter_row.addWidget(self.filter_count)
        dep.addLayout(filter_row)
        self.types_model = TypeDepositsModel(self)
        self.types_model.edited.connect(self._changed)
        self.types_filter = TypeFilter(self)
        self.types_filter.setSourceModel(self.types_model)
        self.types_view = make_types_view(self.types_filter)
        self.types_view.setAccessibleName(self.tr("Deposits per appointment type"))
        self.types_view.setAccessibleDescription(self.tr(
            "A deposit for each appointment type patients can book online. Type an amount "
            "in the Deposit column."))
        self.types_view.setMinimumHeight(140)
        dep.addWidget(self.types_view, 1)
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
            self.copy_from: self.tr("Another site whose settings this site should have."),
            self.copy_button: self.tr("Replaces the settings shown with the chosen site's; "
                                      "nothing is saved until you press Save."),
            self.type_filter: self.tr("Shows only the appointment types whose name has "
                                      "these letters."),
            self.deposits_on: self.tr("Patients booking online are asked for a deposit."),
            self.balances: self.tr("Patients can pay what they owe in the portal; they may "
                                   "pay part of it, never more."),
            self.invoices: self.tr("Patients can pay their invoices in the portal."),
        })
        self._rows_built_for: tuple[tuple[str, str, int | None], ...] | None = None
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
            # A few at a time: 40 sites read in about a tenth of the time.
            return read_each_site(client.payment_settings, sites)

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
        self.copy_from.clear()
        for s in practice.sites:
            self.site.addItem(s.name, s.id)
            self.copy_from.addItem(s.name, s.id)
        self.copy_from.setCurrentIndex(-1)  # "Choose a site": nothing is copied by chance
        self.same_for_all.setChecked(self.state.same_for_all)
        self.same_for_all.setVisible(len(practice.sites) > 1)
        self.copy_row.setVisible(len(practice.sites) > 1)
        self._loading = False
        self._site_id = practice.sites[0].id
        self._update_copy()
        self._show_draft(self.state.drafts[self._site_id])
        self._loaded = True
        self._validate()
        self.contentReady.emit()

    def _build_type_rows(self) -> None:
        # Coming back to the page with the same types keeps the table as it is.
        key = tuple((t.id, t.name, t.price_minor) for t in self.state.types
                    if t.online_bookable)
        if key == self._rows_built_for:
            return
        self._rows_built_for = key
        self.types_model.set_types([t for t in self.state.types if t.online_bookable],
                                   self.state.currency, self.tr("no usual price"))
        self._filter_types()

    def _filter_types(self) -> None:
        self.types_filter.set_wanted(self.type_filter.text())
        shown, total = self.types_filter.rowCount(), self.types_model.rowCount()
        self.filter_count.setText(
            self.tr("{shown} of {total} shown").format(shown=shown, total=total)
            if self.type_filter.text().strip() else self.tr("{total} types").format(total=total))

    def type_text(self, type_id: str) -> str:
        """The deposit typed for a type on the site shown ("" when it uses the default)."""
        return self.types_model.text(type_id)

    def type_problem(self, type_id: str) -> str:
        """The problem shown beside a type's deposit, "" when there is none."""
        return self.types_model.problem(type_id)

    # ---- editing -----------------------------------------------------------------------

    def _show_draft(self, draft: SiteDraft) -> None:
        self._loading = True
        self.deposits_on.setChecked(draft.deposits_enabled)
        self.default.setText(draft.default)
        self.types_model.set_texts(draft.by_type)
        self.balances.setChecked(draft.balances)
        self.invoices.setChecked(draft.invoices)
        self._loading = False

    def _read_draft(self) -> SiteDraft:
        return SiteDraft(
            deposits_enabled=self.deposits_on.isChecked(),
            default=self.default.text(),
            by_type=self.types_model.texts(),
            balances=self.balances.isChecked(),
            invoices=self.invoices.isChecked(),
        )

    def _site_changed(self) -> None:
        if self._loading or not self._loaded:
            return
        sid = str(self.site.currentData() or "")
        if sid and sid in self.state.drafts:
            self._site_id = sid
            self._update_copy()
            self._show_draft(self.state.drafts[sid])
            self._validate()

    def _update_copy(self) -> None:
        source = self.copy_from.currentData()
        self.copy_button.setEnabled(bool(source) and source != self._site_id)

    def _copy_from_site(self) -> None:
        source = str(self.copy_from.currentData() or "")
        if not self._loaded or source not in self.state.drafts:
            return
        draft = self.state.drafts[source]
        self._show_draft(draft)
        self._changed()  # the same path as typing: same-for-all, checks, progress saved
        self.show_message_inline(self.tr("Copied the settings from {site}. Nothing is saved "
                                         "until you press Save.").format(
                                             site=self.state.site_name(source)))

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
        changed = self.types_model.set_problems({
            tid: tr_flow(shown[type_field(tid)]) for tid in self.types_model.type_ids()
            if type_field(tid) in shown})
        if changed and self.type_filter.text().strip():
            self._filter_types()  # a row with a problem is shown whatever the filter
        other = [self.state.site_name(s) for s in self.problems if s != self._site_id]
        if other and not self.state.same_for_all:
            self.show_message_inline(self.tr("Also check the settings for: {sites}.").format(
                sites=", ".join(other)))
        else:
            self.show_message_inline("")
        self.completeChanged.emit()

    def _mark(self, label: QLabel, edit: QLineEdit, problem: str | None) -> None:
        shown = tr_flow(problem) if problem else ""
        label.setVisible(bool(shown))  # shown first: a problem is read out once on screen
        label.setText(f"⚠ {shown}" if shown else "")
        # A screen reader hears the problem first, then what the field is for.
        usual = edit.property("usualDescription") or ""
        edit.setAccessibleDescription(f"{shown} {usual}".strip() if shown else str(usual))

    def show_message_inline(self, text: str) -> None:
        self.setSubTitle(text or self.tr("Choose what patients can pay in the portal."))

    def isComplete(self) -> bool:
        return self._loaded and not self.working and not self.problems

    def nextId(self) -> int:
        return int(Step.REVIEW)
