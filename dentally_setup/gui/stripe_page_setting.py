"""The Support window's "Show Stripe's page" setting: support can change it over a
screen-share, it is saved in the config at once, and the next Stripe page opens that way
(the rule, with DENTALLY_WEBVIEW and the remembered failure: flow/stripe_page.py)."""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QButtonGroup, QGroupBox, QLabel, QRadioButton, QVBoxLayout, QWidget

from dentally_setup.flow import messages
from dentally_setup.flow.stripe_page import Route, env_override, setting
from dentally_setup.gui.i18n import tr_flow
from dentally_setup.gui.qtsetup import EMBEDDING_PLATFORMS
from dentally_setup.gui.stripe_page.app_side_choice import link_route
from dentally_setup.gui.stripe_page.app_side_lifecycle import drop_warm
from dentally_setup.store.config import load_config, save_config
from dentally_setup.store.secrets import SecretRefusedError

log = logging.getLogger(__name__)


class StripePageSetting(QGroupBox):
    """Four choices (automatic and the three ways), saved when one is picked."""

    changed = Signal(object)  # the saved setting: a Route, or None for automatic

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Show Stripe's page"), parent)
        self.setAccessibleName(self.tr("Show Stripe's page"))
        self.group = QButtonGroup(self)
        self.choices: dict[Route | None, QRadioButton] = {}
        texts: list[tuple[Route | None, str, str, str]] = [
            (None, self.tr("Automatically (the app chooses)"),
             self.tr("Show Stripe's page automatically"), self.tr(
                "A separate process where this PC allows it, unless it has failed here "
                "before; then this window's process.")),
            (Route.SEPARATE, self.tr("In a separate process (gives its memory back "
                                     "afterwards)"),
             self.tr("Show Stripe's page in a separate process"), self.tr(
                "Stripe's page runs in its own process inside this window, and all its "
                "memory is given back when the page is left. Choosing it tries again after "
                "a failure.")),
            (Route.INLINE, self.tr("In this window's process"),
             self.tr("Show Stripe's page in this window's process"), self.tr(
                "Stripe's page runs inside the app itself. Use it when the separate process "
                "shows a blank or detached page.")),
            (Route.BROWSER, self.tr("In my browser"),
             self.tr("Show Stripe's page in my browser"), self.tr(
                "Stripe's page opens in the usual web browser straight away; the app "
                "finishes the link by itself when Stripe is done.")),
        ]
        layout = QVBoxLayout(self)
        for route, text, name, description in texts:
            button = QRadioButton(text)
            button.setAccessibleName(name)
            button.setAccessibleDescription(description)
            self.group.addButton(button)
            self.choices[route] = button
            layout.addWidget(button)
        if QGuiApplication.platformName() not in EMBEDDING_PLATFORMS:
            separate = self.choices[Route.SEPARATE]
            separate.setEnabled(False)
            separate.setToolTip(self.tr("This system cannot show another process's window "
                                        "inside the app's."))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("What the setting does now"))
        layout.addWidget(self.status)
        self._show_saved()
        self.group.buttonToggled.connect(self._toggled)
        self._show_status()

    def _show_saved(self) -> None:
        button = self.choices[setting(load_config())]
        blocked = self.group.blockSignals(True)
        button.setChecked(True)
        self.group.blockSignals(blocked)

    def chosen(self) -> Route | None:
        return next(route for route, button in self.choices.items() if button.isChecked())

    def _toggled(self, _button: QRadioButton, checked: bool) -> None:
        if checked:
            self.save(self.chosen())

    def save(self, route: Route | None) -> None:
        """Save ``route`` (None: automatic) for the next Stripe page."""
        config = load_config()
        config.stripe_page = route.value if route is not None else None
        if route is Route.SEPARATE:
            config.web_host_failed = False  # support asks to try it again
        try:
            save_config(config)
        except (OSError, SecretRefusedError) as exc:
            msg = messages.for_key("setting_not_saved", repr(exc))
            log.warning("%s", msg.for_support())
            self.status.setText(f"⚠ {tr_flow(msg.what)} {tr_flow(msg.next)} ({msg.code})")
            self._show_saved()  # the buttons show what is really saved
            return
        log.info("Support window: Stripe's page now opens %s",
                 route.value if route is not None else "automatically")
        if link_route() is not Route.SEPARATE:
            drop_warm()  # a web host started ahead of time would now go unused
        self._show_status()
        self.changed.emit(route)

    def _show_status(self) -> None:
        config = load_config()
        route = link_route()
        where = {Route.SEPARATE: self.tr("in a separate process"),
                 Route.INLINE: self.tr("in this window's process"),
                 Route.BROWSER: self.tr("in the web browser")}[route]
        lines = [self.tr("The next Stripe page opens {where}. A page already open stays as "
                         "it is until Start again.").format(where=where)]
        if config.web_host_failed:
            lines.append(self.tr("The separate process failed on this PC before."))
        env = os.environ.get("DENTALLY_WEBVIEW")
        if env_override(env) is not None:
            lines.append(self.tr("DENTALLY_WEBVIEW={value} is set for this run and wins over "
                                 "this setting.").format(value=env))
        self.status.setText(" ".join(lines))
