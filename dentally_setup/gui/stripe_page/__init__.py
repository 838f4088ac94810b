"""Stripe's page inside the app: the web view, its navigation rules, and the web host process
that shows it apart from the app (so Chromium's memory goes back when the page is left).

Which side of the local socket each module runs on is in its name:

- ``interface.py``   both: ``StripeBrowser``, the browser interface (signals and methods) the
                     link page, the autopilot and the tests program against
- ``protocol.py``    both: the ``Command`` and ``Event`` enums and the line framing
- ``x11focus.py``    both: the X keyboard focus between the two processes' windows, and
                     the X window tree the app checks
- ``win32windows.py`` the app: the Windows window tree it checks (the X11 check's twin)
- ``engine_*.py``    wherever Chromium runs (the web host, or the app when there is none):
                     ``engine_view`` (``LinkBrowser``, the in-process browser),
                     ``engine_policy`` (navigation rules, no Qt), ``engine_paint`` (the
                     "painted" rule), ``engine_security_keys`` (WebAuthn prompts)
- ``host_side.py``   the web host process (``dentally-setup --web-host``): carries out the
                     app's commands on a ``LinkBrowser`` and reports its signals
- ``app_side_*.py``  the app: ``app_side_choice`` (which browser), ``app_side_browser``
                     (makes the chosen one), ``app_side_lifecycle``
                     (when the host starts and ends, from the wizard's step),
                     ``app_side_process`` (starting and talking to the host),
                     ``app_side_remote`` (``RemoteLinkBrowser``, the page from the host,
                     which falls back to this process), ``app_side_health`` (whether the
                     host really shows the page), ``app_side_holder`` (the placeholder its
                     window sits in)

Nothing is imported here: QtWebEngine must load only when Stripe's page is reached.
"""
