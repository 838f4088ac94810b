"""Which browser shows Stripe's page, and its process's life around the link page.

Stripe's page runs in a web host process (host_side.py) where the platform can show another
process's window inside ours: it ends with the page, giving all of Chromium's memory back.
Elsewhere (Wayland, macOS, or DENTALLY_WEBVIEW=inline) it runs in the app's own process.
Both browsers are imported lazily: they are heavy, and this module is not.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtGui import QGuiApplication

from dentally_setup.gui.qtsetup import web_view_in_process

if TYPE_CHECKING:
    from dentally_setup.gui.stripe_page.app_side_remote import RemoteLinkBrowser
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser


def use_web_host() -> bool:
    """Whether Stripe's page runs in a web host process (else in the app's own process)."""
    return not web_view_in_process(QGuiApplication.platformName())


def _software_rendering() -> bool:
    # prepare_qt sets it for --software-rendering; the web host is told the same.
    return os.environ.get("QT_OPENGL") == "software"


def make_link_browser(redirect_prefix: str, hosts: list[str],
                      allow_scripts: bool = False) -> LinkBrowser | RemoteLinkBrowser:
    """``allow_scripts``: the demo (and its autopilot) click through the imitation of Stripe
    by script; a web host refuses scripts otherwise."""
    if use_web_host():
        from dentally_setup.gui.stripe_page.app_side_remote import RemoteLinkBrowser

        return RemoteLinkBrowser(redirect_prefix, hosts,
                                 software_rendering=_software_rendering(),
                                 allow_scripts=allow_scripts)
    from dentally_setup.gui.qtsetup import use_system_proxy
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser

    use_system_proxy()
    return LinkBrowser(redirect_prefix, hosts)


def prewarm_link_browser(allow_scripts: bool = False) -> None:
    """The pages before the link page call this: a web host starts Python and Qt now, so
    Stripe's page opens sooner. Nothing to do when the page runs in our own process."""
    if use_web_host():
        from dentally_setup.gui.stripe_page.app_side_process import prewarm

        prewarm(software_rendering=_software_rendering(), allow_scripts=allow_scripts)


def drop_warm_link_browser() -> None:
    """No Stripe page ahead: end a web host started ahead of time, if there is one."""
    module = sys.modules.get("dentally_setup.gui.stripe_page.app_side_process")
    if module is not None:  # never started one: nothing to import, nothing to end
        module.drop_warm()
