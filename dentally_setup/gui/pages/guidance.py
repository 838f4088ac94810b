"""The one-platform guidance: why a second Stripe account is needed, and the three steps
as Stripe will show them, with drawings. "Continue to Stripe" opens the link on Stripe's
sign-up form with the practice's details filled in."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget, QWizard

from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.i18n import QT_TRANSLATE_NOOP
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.resources import resource

STEPS = (
    ("step-new-account.svg", QT_TRANSLATE_NOOP("GuidancePage", "1. Create a new account"),
     QT_TRANSLATE_NOOP("GuidancePage",
     "On Stripe's page, choose to create a <b>new account</b> under the practice's usual "
     "Stripe login.")),
    ("step-share-entity.svg", QT_TRANSLATE_NOOP("GuidancePage", "2. Share the business details"),
     QT_TRANSLATE_NOOP("GuidancePage",
     "When Stripe asks, choose to <b>share the legal entity</b> of the existing business. "
     "The business details are copied and kept in step; you do not retype them.")),
    ("step-connect.svg", QT_TRANSLATE_NOOP("GuidancePage", "3. Connect"),
     QT_TRANSLATE_NOOP("GuidancePage",
     "Check the details and press <b>Connect</b>. The new account serves the portal; the "
     "existing one keeps serving the Dentally app.")),
)


class GuidancePage(BasePage):
    step = Step.GUIDANCE

    def __init__(self, state: WizardState, services: PageServices,
                 parent: QWidget | None = None) -> None:
        super().__init__(state, services, parent)
        self.setSubTitle(
            self.tr("Why the portal needs its own Stripe account, and how to make it."))
        self.why = self.paragraph(name=self.tr("Why a new account is needed"))
        grid = QGridLayout()
        for col, (image, source_title, source_text) in enumerate(STEPS):
            title = QCoreApplication.translate("GuidancePage", source_title)
            text = QCoreApplication.translate("GuidancePage", source_text)
            picture = QLabel()
            picture.setPixmap(QIcon(str(resource(image))).pixmap(QSize(170, 119)))
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setAccessibleName(self.tr("Drawing: {title}").format(title=title))
            heading = QLabel(f"<b>{title}</b>")
            heading.setAccessibleName(title)
            words = QLabel(text)
            words.setWordWrap(True)
            words.setAccessibleName(self.tr("{title}: explanation").format(title=title))
            grid.addWidget(picture, 0, col)
            grid.addWidget(heading, 1, col)
            grid.addWidget(words, 2, col, Qt.AlignmentFlag.AlignTop)
        self.body.addLayout(grid)
        self.body.addStretch(1)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("Continue to Stripe"))

    def initializePage(self) -> None:
        app = self.state.link.dentally_app_account if self.state.link else None
        if app is not None:
            who = self.tr("{name} ({id})").format(
                name=app.business_name or self.tr("The practice's account"), id=app.id)
        else:
            who = self.tr("Your Stripe account")
        self.why.setText(self.tr(
            "<b>{account}</b> already takes payments for the Dentally app. Stripe lets "
            "each account work with one platform only, so the portal needs an account of its "
            "own. It belongs to the same business and uses the same Stripe login; payments "
            "from the portal are paid out as Stripe normally does.").format(account=who))
        # The link that follows opens on Stripe's sign-up form, filled in from the practice.
        self.state.landing = "register"
        self.contentReady.emit()

    def nextId(self) -> int:
        return int(Step.LINK)
