"""Baseline for the link page: a script that creates a bare QWebEngineView and loads the
same page the app loads (a fresh link session's Stripe authorize address from the demo
sandbox), timed from just before QtWebEngine is imported (the app imports it lazily on the
link page too) to the page painted. Prints one JSON line."""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import chromium_flags_for_bare


def authorize_url(state_dir):
    from dentally_setup.flow.link import start_session
    from dentally_setup.portal.client import PortalClient
    from dentally_setup.sandbox import Sandbox

    sandbox = Sandbox(scenario="fresh", state_dir=state_dir, reset=True)
    sandbox.start()
    session = start_session(PortalClient(sandbox.portal_url, sandbox.token), "login")
    return sandbox, session.authorize_url


def main():
    chromium_flags_for_bare()
    from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl
    from PySide6.QtWidgets import QApplication

    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        sandbox, url = authorize_url(Path(tmp))
        result = {}

        def start():
            t0 = time.perf_counter()
            from PySide6.QtWebEngineWidgets import QWebEngineView
            from webpaint import watch_painted

            view = QWebEngineView()
            view.resize(900, 560)

            def painted():
                result["link_page_s"] = time.perf_counter() - t0
                QTimer.singleShot(0, app.quit)

            result["watch"] = watch_painted(view, painted)
            view.show()
            view.load(QUrl(url))
            result["view"] = view

        QTimer.singleShot(0, start)
        QTimer.singleShot(60_000, app.quit)
        app.exec()
        sandbox.stop()
    if "link_page_s" not in result:
        print("bare_webview: the page was not painted in 60 s", file=sys.stderr)
        return 1
    print(json.dumps({"link_page_s": result["link_page_s"]}), flush=True)
    os._exit(0)  # skip Chromium's slow teardown: it is not part of the measurement


if __name__ == "__main__":
    sys.exit(main())
