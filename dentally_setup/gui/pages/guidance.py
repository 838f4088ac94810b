"""The one-platform guidance: why a second Stripe account is needed, and the three steps
as Stripe shows them, with drawings. "Continue to Stripe" opens the link on Stripe's sign-in
(``landing: login``): the practice signs in with its usual login, and in Stripe's chooser
creates a new account that shares the legal entity of the existing one. (Stripe's sign-up
form, ``register``, would make a second, unrelated login: it is only for a practice with no
Stripe login at all, offered on the Stripe status page.)"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget, QWizard

from dentally_setup.flow.state import WizardState
from dentally_setup.flow.steps import Step
from dentally_setup.gui.a11y import plain_text
from dentally_setup.gui.i18n import QT_TRANSLATE_NOOP
from dentally_setup.gui.pages.base import BasePage
from dentally_setup.gui.pages.services import PageServices
from dentally_setup.resources import resource

STEPS = (
    ("step-sign-in.svg", QT_TRANSLATE_NOOP("GuidancePage", "1. Sign in as usual"),
     QT_TRANSLATE_NOOP("GuidancePage",
     "On Stripe's page, sign in with the practice's <b>usual Stripe login</b>. Do not make "
     "a new login: the new account must belong to the same one.")),
    ("step-new-account.svg", QT_TRANSLATE_NOOP("GuidancePage", "2. Create a new account"),
     QT_TRANSLATE_NOOP("GuidancePage",
     "Stripe lists the login's accounts. The one the Dentally app uses is greyed out, "
     "with \"connected to another platform\". Choose <b>Create a new account</b>.")),
    ("step-share-entity.svg", QT_TRANSLATE_NOOP("GuidancePage",
                                                "3. Share the legal entity, then Connect"),
     QT_TRANSLATE_NOOP("GuidancePage",
     "Choose to <b>share the legal entity</b> of the existing business: its details are "
     "copied and kept in step, so you do not retype them. Then press <b>Connect</b>.")),
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
            words.setAccessibleDescription(plain_text(text))  # the words, not only their name
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
        # The link that follows opens on Stripe's sign-in: the usual login, then its chooser.
        self.state.landing = "login"
        self.contentReady.emit()

    def nextId(self) -> int:
        return int(Step.LINK)
