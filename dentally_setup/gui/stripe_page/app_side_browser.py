"""The browser the link page shows Stripe's page in, as app_side_choice.py decided: the
web host's (app_side_remote.py) or one in the app's own process (engine_view.py).

Apart from the choice so that the choice imports neither browser: the remote browser reads
the choice (it remembers a failed host there), and the wizard reads it at start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dentally_setup.gui.stripe_page.app_side_choice import (
    prepare_in_process_engine,
    software_rendering,
    use_web_host,
)

if TYPE_CHECKING:  # the link page imports this module when the wizard starts
    from dentally_setup.gui.stripe_page.interface import StripeBrowser


def make_link_browser(redirect_prefix: str, hosts: list[str],
                      allow_scripts: bool = False) -> StripeBrowser:
    """``allow_scripts``: the demo (and its autopilot) click through the imitation of Stripe
    by script; a web host refuses scripts otherwise. (The system-browser route makes no
    browser: the link page asks ``link_route`` first.)"""
    # Both browsers are imported here, when the link page is reached, not at start-up:
    # measured with -X importtime, the remote one costs 30-60 ms (QtNetwork) and the
    # in-process one about 200 ms (QtWebEngine).
    if use_web_host():
        from dentally_setup.gui.stripe_page.app_side_remote import RemoteLinkBrowser

        return RemoteLinkBrowser(redirect_prefix, hosts, software_rendering=software_rendering(),
                                 allow_scripts=allow_scripts)
    from dentally_setup.gui.stripe_page.engine_view import LinkBrowser

    prepare_in_process_engine()
    return LinkBrowser(redirect_prefix, hosts)
