"""The embedded browser for Stripe's OAuth authorize page (imported lazily: it is heavy).

``LinkBrowser`` turns what happens in the page into plain signals; the rules live in
``engine_policy`` so they are tested without Qt. It keeps: one off-the-record profile per
browser (no Stripe session left on a shared PC); the redirect to the portal is performed
by the browser, but its URL (it carries the code) is never emitted, stored or logged;
logs get scheme://host/path only; certificate errors are never accepted; permissions are
always denied.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtWebEngineCore import (
    QWebEngineCertificateError,
    QWebEngineLoadingInfo,
    QWebEngineNewWindowRequest,
    QWebEnginePage,
    QWebEngineProfile,
    QWebEngineScript,
    QWebEngineSettings,
)
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import QVBoxLayout, QWidget

from dentally_setup.gui.stripe_page.engine_paint import PaintAfterLoad
from dentally_setup.gui.stripe_page.engine_policy import (
    FOCUS_EDGE_JS,
    LOAD_FAILED,
    PAGE_CRASHED,
    PROBE_JS,
    PROXY_AUTH,
    Decision,
    NavigationPolicy,
    display_host,
    is_connected_elsewhere,
    parse_error_body,
    read_probe,
    safe_url,
)
from dentally_setup.gui.stripe_page.engine_security_keys import SecurityKeyGuard
from dentally_setup.gui.stripe_page.interface import StripeBrowser

log = logging.getLogger(__name__)

POLL_INTERVAL_MS = 700
_ERR_ABORTED = -3  # Chromium's net::ERR_ABORTED: a navigation we (or the page) cancelled


class _PolicyPage(QWebEnginePage):
    """A page that asks its ``LinkBrowser`` about every navigation."""

    def __init__(self, profile: QWebEngineProfile, decide: Callable[..., Any]) -> None:
        super().__init__(profile)
        self._decide = decide

    def acceptNavigationRequest(
        self, url: QUrl | str, type: QWebEnginePage.NavigationType, isMainFrame: bool
    ) -> bool:
        qurl = QUrl(url)
        try:
            return bool(self._decide(qurl, isMainFrame))
        except Exception:  # an exception must not escape into Chromium; refuse instead
            log.exception("navigation check failed for %s", safe_url(qurl.toString()))
            return False


class LinkBrowser(StripeBrowser):
    """Stripe's authorize page in a QWebEngineView in this process (the web host's, or the
    app's when there is no host), reported as signals."""

    def __init__(
        self, redirect_prefix: str, allowed_hosts: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._allowed_hosts = list(allowed_hosts)
        self._policy = NavigationPolicy(redirect_prefix, allowed_hosts)
        self._closed = False
        self._depth = 0  # >0 while one of our page slots is running
        self._redirect_pending = False
        self._redirect_emitted = False
        self._cert_failed = False
        self._connected_seen = False
        self._last_kind: str | None = None

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self._view = QWebEngineView(self)
        # No "Open link in new window", "View source" or "Save page" on a shared PC.
        self._view.setContextMenuPolicy(Qt.ContextMenuPolicy.NoContextMenu)
        layout.addWidget(self._view)
        self.setFocusProxy(self._view)  # focusing the browser focuses the page

        # No storage name = off the record: cookies, cache and storage live in memory only.
        self._profile = QWebEngineProfile()
        self._profile.setPersistentCookiesPolicy(
            QWebEngineProfile.PersistentCookiesPolicy.NoPersistentCookies
        )
        self._profile.setHttpCacheType(QWebEngineProfile.HttpCacheType.MemoryHttpCache)
        self._profile.setPersistentPermissionsPolicy(
            QWebEngineProfile.PersistentPermissionsPolicy.AskEveryTime
        )
        self._page = _PolicyPage(self._profile, self._guarded(self._on_navigation))
        settings = self._page.settings()
        # Our own message replaces Chromium's error page, so wording matches the app's.
        settings.setAttribute(QWebEngineSettings.WebAttribute.ErrorPageEnabled, False)
        settings.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False)
        self._view.setPage(self._page)
        # Parent order = deletion order if the widget dies without shutdown(): the view
        # (already a child), then the page, then the profile — else Qt warns "Release of
        # profile requested but WebEnginePage still not deleted".
        self._page.setParent(self)
        self._profile.setParent(self)

        self._paint_watch = PaintAfterLoad(self._view, self.painted.emit)

        self._poll = QTimer(self)
        self._poll.setInterval(POLL_INTERVAL_MS)
        self._poll.timeout.connect(self._poll_page)

        page = self._page
        slots: list[tuple[Any, Callable[..., Any]]] = [
            (page.loadingChanged, self._on_loading_changed),
            (page.loadProgress, self.loadProgress.emit),
            (page.urlChanged, self._on_url_changed),
            (page.certificateError, self._on_certificate_error),
            (page.newWindowRequested, self._on_new_window),
            (page.renderProcessTerminated, self._on_render_terminated),
            # A practice proxy that wants a password: the system browser handles that (often
            # with Windows sign-in), so we say so rather than ask for a password ourselves.
            (page.proxyAuthenticationRequired, self._on_proxy_auth),
            # Camera, microphone, location, notifications...: always denied.
            (page.permissionRequested, self._deny_permission),
        ]
        # Security keys and passkeys: see SecurityKeyGuard.
        self._keys = SecurityKeyGuard(self)
        self._keys.problem.connect(self.webAuthProblem)
        slots.append((page.webAuthUxRequested, self._keys.watch))
        # Downloads are not connected on purpose: Qt cancels a download nobody accepts.
        self._connections = [(signal, self._guarded(slot)) for signal, slot in slots]
        for signal, slot in self._connections:
            signal.connect(slot)

    # ---- public API -------------------------------------------------------------------

    def set_redirect_prefix(self, redirect_prefix: str) -> None:
        """Name the portal's redirect_uri once it is known. The link page builds the view
        while it asks the portal for a session, so Chromium starts during that wait."""
        self._policy = NavigationPolicy(redirect_prefix, self._allowed_hosts)

    def load(self, url: str) -> None:
        """Open ``url`` (normally Stripe's authorize URL); the policy still applies."""
        log.info("loading %s", safe_url(url))
        self._page.load(QUrl(url))

    def run_js(self, script: str, callback: Callable[[Any], None] | None = None) -> None:
        """Run ``script`` in the page's own JavaScript world (for the autopilot and tests)."""
        if self._closed:
            return
        if callback is None:
            self._page.runJavaScript(script, QWebEngineScript.ScriptWorldId.MainWorld)
        else:
            self._page.runJavaScript(script, QWebEngineScript.ScriptWorldId.MainWorld, callback)

    def grab_png(self, path: str) -> bool:
        """Save a screenshot of the view to ``path`` (for ``--screenshots``)."""
        if self._closed:
            return False
        return bool(self._view.grab().save(path, "PNG"))

    def page_widget(self) -> QWidget | None:
        """The widget Chromium draws the page into (it exists once a page has loaded)."""
        return None if self._closed else self._view.focusProxy()

    def focus_edge(self, last: bool) -> None:
        """Give the keyboard to the page, on its first (or last) control, as a browser does
        when Tab (or Shift+Tab) enters a page. Chromium leaves that to the embedder."""
        if self._closed:
            return
        self._view.setFocus(Qt.FocusReason.BacktabFocusReason if last
                            else Qt.FocusReason.TabFocusReason)
        self._page.runJavaScript(FOCUS_EDGE_JS % ("true" if last else "false"),
                                 QWebEngineScript.ScriptWorldId.ApplicationWorld)

    def snapshot(self, done: Callable[[], None]) -> None:
        """Call ``done`` once the page can be pictured with the window (here: at once)."""
        done()

    def current_host(self) -> str:
        return "" if self._closed else display_host(self._page.url().toString())

    def shutdown(self) -> None:
        """Stop watching, then delete the view, the page and the profile, in that order.

        Safe to call twice. Called from one of our own signals (which come from page
        signals) the deletion waits for the event loop, because deleting a page inside its
        own signal emission is unsafe; otherwise it happens before this returns.
        """
        if self._closed:
            return
        self._closed = True
        self._poll.stop()
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):  # already gone; nothing left to disconnect
                pass
        self._connections.clear()
        self._view.hide()
        if self._depth:
            QTimer.singleShot(0, self, self._delete_engine)
        else:
            self._delete_engine()

    # ---- internals --------------------------------------------------------------------

    def _guarded(self, slot: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a slot the page calls, so ``shutdown()`` from a listener of the signals
        it emits defers deletion (deleting a page inside its own signal can crash)."""

        def call(*args: Any) -> Any:
            self._depth += 1
            try:
                return slot(*args)
            finally:
                self._depth -= 1

        return call

    def _delete_engine(self) -> None:
        for obj in (self._view, self._page, self._profile):
            if shiboken6.isValid(obj):
                shiboken6.delete(obj)
        log.debug("web view, page and profile deleted")

    def _emit_later(self, signal: Any, *args: Any) -> None:
        """Emit after the current Chromium callback returns, so a listener that opens a
        dialog does not spin a nested event loop inside a navigation check."""

        def fire() -> None:
            if not self._closed:
                signal.emit(*args)

        QTimer.singleShot(0, self, self._guarded(fire))

    def _on_navigation(self, qurl: QUrl, is_main_frame: bool) -> bool:
        if self._closed:
            return False
        url = qurl.toString()
        decision = self._policy.decide(url, is_main_frame)
        if self._redirect_pending and is_main_frame and decision is not Decision.REDIRECT:
            # The Stripe part is over: whatever the portal's page does next stays unseen.
            log.info("after the redirect, not following %s", safe_url(url))
            return False
        if decision is Decision.ALLOW:
            return True
        if decision is Decision.REDIRECT:
            # Let the browser make the request (the portal exchanges the code there), but
            # stop showing anything; redirectReached fires once the portal has answered.
            log.info("redirect to %s reached", safe_url(url))
            self._redirect_pending = True
            self._poll.stop()
            self._view.hide()
            return True
        if decision is Decision.EXTERNAL:
            log.info("external page %s not opened in the view", safe_url(url))
            self._emit_later(self.externalRequested, url)
        else:
            log.warning("blocked navigation to %s (main frame=%s)", safe_url(url), is_main_frame)
        return False

    def _on_loading_changed(self, info: QWebEngineLoadingInfo) -> None:
        status = info.status()
        Status = QWebEngineLoadingInfo.LoadStatus
        if status == Status.LoadStartedStatus:
            self._cert_failed = False
            return
        if self._redirect_pending:
            # Success or failure, the browser has made the request to the portal; the app
            # learns the outcome by polling the link session, never from this URL.
            if not self._redirect_emitted:
                self._redirect_emitted = True
                self.redirectReached.emit()
            return
        # (A success reports the HTTP domain too, with code 200: check the status first.)
        http_error = status == Status.LoadFailedStatus and (
            info.errorDomain() == QWebEngineLoadingInfo.ErrorDomain.HttpStatusCodeDomain
        )
        if status == Status.LoadSucceededStatus or http_error:
            # An HTTP error status still shows the server's body: Stripe sends its
            # unredirected authorize errors as JSON with a 400, so read the page first.
            self._connected_seen = False
            self._probe(after_load=True, http_error=http_error)
            self._poll.start()
        elif status == Status.LoadFailedStatus:
            url, code = safe_url(info.url().toString()), info.errorCode()
            log.warning("load of %s failed: %s (%s)", url, info.errorString(), code)
            if not self._cert_failed and info.errorCode() != _ERR_ABORTED:
                self.stripeError.emit(*LOAD_FAILED)

    def _on_url_changed(self, qurl: QUrl) -> None:
        if self._redirect_pending:
            return  # the portal's page is not shown, so its host is not either
        url = qurl.toString()
        self.locationChanged.emit(display_host(url), self._policy.is_secure_location(url))

    def _poll_page(self) -> None:
        if not self._closed and not self._redirect_pending:
            self._probe(after_load=False)

    def _probe(self, after_load: bool, http_error: bool = False) -> None:
        self._page.runJavaScript(
            PROBE_JS,
            QWebEngineScript.ScriptWorldId.ApplicationWorld,
            self._guarded(lambda result: self._on_probe(result, after_load, http_error)),
        )

    def _on_probe(self, raw: Any, after_load: bool, http_error: bool = False) -> None:
        probe = read_probe(raw)
        if self._closed or self._redirect_pending or probe is None:
            return
        kind, text, json_text = probe
        if after_load or kind != self._last_kind:
            # After each load, and when a single-page app swaps its screen without one.
            self._last_kind = kind
            self.pageKind.emit(kind)
        if after_load:
            error = parse_error_body(json_text)
            if error is not None:
                log.warning("Stripe showed an error page: %s", error[0])
                self.stripeError.emit(*error)
            elif http_error:
                self.stripeError.emit(*LOAD_FAILED)  # an HTTP error we cannot explain
        if not self._connected_seen and is_connected_elsewhere(text):
            self._connected_seen = True  # once per document; reset by the next load
            log.info("Stripe says the account is connected to another platform")
            self.connectedElsewhere.emit()

    def _on_proxy_auth(self, _url: QUrl, _auth: Any, proxy_host: str) -> None:
        # Leaving the authenticator empty cancels the request; the load then fails.
        log.warning("the proxy %s asked for credentials; suggesting the browser route",
                    proxy_host)
        self._cert_failed = True  # the load failure that follows is explained already
        self._emit_later(self.stripeError, *PROXY_AUTH)

    def _on_certificate_error(self, error: QWebEngineCertificateError) -> None:
        host = display_host(error.url().toString())
        error.rejectCertificate()  # never accepted: a bad certificate may mean interception
        self._cert_failed = True
        log.warning("certificate error for %s: %s", host, error.description())
        self.certificateProblem.emit(
            f"The connection to {host} is not secure, so the page was not opened "
            f"({error.description()}). A firewall or proxy may be interfering."
        )

    def _on_new_window(self, request: QWebEngineNewWindowRequest) -> None:
        url = request.requestedUrl().toString()
        decision = self._policy.decide(url, True)
        if decision is Decision.ALLOW or decision is Decision.REDIRECT:
            # One view only: the popup replaces the current page (it goes through the
            # navigation policy again when it loads).
            log.info("popup %s opened in the view", safe_url(url))
            self.popupOpened.emit(safe_url(url))
            self._page.load(QUrl(url))
        elif decision is Decision.EXTERNAL:
            log.info("popup %s offered to the system browser", safe_url(url))
            self.popupOpened.emit(safe_url(url))
            self._emit_later(self.externalRequested, url)
        else:
            log.warning("popup to %s refused", safe_url(url))

    def _deny_permission(self, permission: Any) -> None:
        log.info("denied a %s permission request", permission.permissionType().name)
        permission.deny()

    def _on_render_terminated(self, status: Any, exit_code: int) -> None:
        log.warning("page renderer ended: %s (%s)", getattr(status, "name", status), exit_code)
        if not self._redirect_pending:
            self.stripeError.emit(*PAGE_CRASHED)
