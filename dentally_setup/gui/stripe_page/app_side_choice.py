"""Which browser shows Stripe's page.

Stripe's page runs in a web host process (host_side.py) where the platform can show another
process's window inside ours: it ends with the page, giving all of Chromium's memory back.
Elsewhere (Wayland, macOS, or DENTALLY_WEBVIEW=inline) it runs in the app's own process.
When the host starts and ends around the link page: app_side_lifecycle.py.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication

from dentally_setup.gui.qtsetup import use_system_proxy, web_view_in_process
from dentally_setup.store.config import load_config, save_config

if TYPE_CHECKING:  # the wizard imports this module at start-up; the widget classes can wait
    from dentally_setup.gui.stripe_page.interface import StripeBrowser

log = logging.getLogger(__name__)


def use_web_host() -> bool:
    """Whether Stripe's page runs in a web host process (else in the app's own process):
    where the platform can show it inside our window, unless the host has failed on this
    PC before (DENTALLY_WEBVIEW=process still asks for it, for support to try again)."""
    if web_view_in_process(QGuiApplication.platformName()):
        return False
    if os.environ.get("DENTALLY_WEBVIEW", "").strip().lower() == "process":
        return True
    return not load_config().web_host_failed


def remember_web_host_failed() -> None:
    """This PC keeps Stripe's page in the app's own process from now on."""
    config = load_config()
    if not config.web_host_failed:
        config.web_host_failed = True
        save_config(config)
        log.info("from now on Stripe's page opens in the app's own process on this PC")


def software_rendering() -> bool:
    """prepare_qt sets QT_OPENGL for --software-rendering; the web host is told the same."""
    return os.environ.get("QT_OPENGL") == "software"


def make_link_browser(redirect_prefix: str, hosts: list[str],
                      allow_scripts: bool = False) -> StripeBrowser:
    """``allow_scripts``: the demo (and its autopilot) click through the imitation of Stripe
    by script; a web host refuses scripts otherwise."""
    # Both browsers are imported here, when the link page is reached, not at start-up:
    # measured with -X importtime, the remote one costs 30-60 ms (QtNetwork) and the
    # in-process one about 200 ms (QtWebEngine).
    if use_web_host():
        from dentally_setup.gui.stripe_page.app_side_remote import RemoteLinkBrowser

        return RemoteLinkBrowser(redirect_prefix, hosts, software_rendering=software_rendering(),
                                 allow_scripts=allow_scripts)
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser

    use_system_proxy()
    return LinkBrowser(redirect_prefix, hosts)
