"""Which browser shows Stripe's page.

Stripe's page runs in a web host process (host_side.py) where the platform can show another
process's window inside ours: it ends with the page, giving all of Chromium's memory back.
Elsewhere (Wayland, macOS), after the host failed on this PC, or when support chose so in the
Support window, or while a screen reader runs, it runs in the app's own process; support may
also send it straight to the system browser. The rule and its precedence (DENTALLY_WEBVIEW
first): flow/stripe_page.py.
When the host starts and ends around the link page: app_side_lifecycle.py.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication

from dentally_setup.flow.stripe_page import Route, route_for
from dentally_setup.gui.a11y import assistive_technology_active, switch_on_web_accessibility
from dentally_setup.gui.qtsetup import EMBEDDING_PLATFORMS, chromium_flags, use_system_proxy
from dentally_setup.store.config import Config, load_config, save_config

log = logging.getLogger(__name__)


def route_on(platform: str, config: Config, *, screen_reader: bool = False) -> Route:
    """The way Stripe's page opens on Qt platform ``platform`` with ``config``."""
    return route_for(platform, config, os.environ.get("DENTALLY_WEBVIEW"),
                     EMBEDDING_PLATFORMS, screen_reader=screen_reader)


def link_route() -> Route:
    """The way the next link page shows Stripe's page (the config is read afresh, so a
    change in the Support window counts from the next page on; so is whether a screen
    reader is running)."""
    return route_on(QGuiApplication.platformName(), load_config(),
                    screen_reader=assistive_technology_active())


def use_web_host() -> bool:
    """Whether Stripe's page runs in a web host process (else in the app's own process, or
    in the system browser)."""
    return link_route() is Route.SEPARATE


def remember_web_host_failed() -> None:
    """This PC keeps Stripe's page in the app's own process from now on (unless support
    chose the separate process explicitly: flow/stripe_page.py)."""
    config = load_config()
    if not config.web_host_failed:
        config.web_host_failed = True
        save_config(config)
        log.info("from now on Stripe's page opens in the app's own process on this PC")


def software_rendering() -> bool:
    """prepare_qt sets QT_OPENGL for --software-rendering; the web host is told the same."""
    return os.environ.get("QT_OPENGL") == "software"


def prepare_in_process_engine() -> None:
    """Before the first QtWebEngine view in the app's own process."""
    # Here, not at the top: the wizard imports this module at start-up, and the first use
    # of PySide's Qt namespace builds its enums, 14 ms measured (-X importtime).
    from PySide6.QtCore import Qt

    if not QCoreApplication.testAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts):
        # Not set before the QApplication (the host was to show the page when the app
        # started), and too late now: Chromium here draws without the GPU, which needs no
        # shared GL context.
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = chromium_flags(software_rendering=True)
    if assistive_technology_active():
        switch_on_web_accessibility()
    use_system_proxy()
