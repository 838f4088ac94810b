"""Process-wide Qt and Chromium settings that must be in place before the QApplication."""

from __future__ import annotations

import logging
import os
import sys

log = logging.getLogger(__name__)


def chromium_flags(software_rendering: bool) -> str:
    """Chromium's sandbox stays on, except as root on Linux, where Chromium refuses to
    start without --no-sandbox (and we log that we turned it off)."""
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    if sys.platform.startswith("linux") and hasattr(os, "geteuid") and os.geteuid() == 0:
        if "--no-sandbox" not in flags:
            flags.append("--no-sandbox")
            log.warning("running as root on Linux: Chromium's sandbox is turned off")
    if software_rendering:
        for flag in ("--disable-gpu", "--disable-gpu-compositing"):
            if flag not in flags:
                flags.append(flag)
    # A closed practice network makes Chromium's background fetches fail noisily, and
    # Chromium's own error lines (D-Bus, GPU probing) mean nothing to a receptionist.
    for flag in ("--disable-background-networking", "--disable-component-update",
                 "--log-level=3"):
        if flag not in flags:
            flags.append(flag)
    return " ".join(flags)


def route_qt_messages() -> None:
    """Qt's own warnings go to our log (where support finds them), not to a console."""
    from PySide6.QtCore import QtMsgType, qInstallMessageHandler

    qt_log = logging.getLogger("qt")
    levels = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }

    def handler(mode: QtMsgType, _context: object, message: str) -> None:
        level = levels.get(mode, logging.WARNING)
        if level == logging.WARNING and message.startswith(_HARMLESS):
            level = logging.DEBUG  # expected without a screen or a GPU
        qt_log.log(level, "%s", message)

    qInstallMessageHandler(handler)


# Warnings Qt prints on a machine without a screen or GPU (offscreen, the autopilot).
_HARMLESS = (
    "This plugin does not support",
    "QRhiGles2:",
    "Failed to create RHI",
    "GPUInfo not initialized",
    "QVulkanInstance:",
    "GBM is not supported",
)


# Platforms where Stripe's page runs in the web host process, its window inside ours
# (gui/stripe_page/app_side_choice.py); elsewhere it runs in the app's own process.
EMBEDDING_PLATFORMS = ("windows", "xcb", "offscreen")


def expected_platform() -> str:
    """The Qt platform plug-in the QApplication will pick, guessed before it exists the
    way Qt does: QT_QPA_PLATFORM, else the desktop session."""
    chosen = os.environ.get("QT_QPA_PLATFORM", "").split(";")[0].split(":")[0].strip()
    if chosen:
        return chosen
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "cocoa"
    if os.environ.get("WAYLAND_DISPLAY") or os.environ.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"
    return "xcb"


def web_view_in_process(platform: str) -> bool:
    """Whether Stripe's page will run in the app's own process (DENTALLY_WEBVIEW=inline, or
    a platform that cannot show another process's window inside ours)."""
    choice = os.environ.get("DENTALLY_WEBVIEW", "").strip().lower()
    if choice in ("inline", "process"):
        return choice == "inline"
    return platform not in EMBEDDING_PLATFORMS


def prepare_qt(software_rendering: bool = False, *, webengine_here: bool | None = None) -> None:
    """Before the QApplication. ``webengine_here``: QtWebEngine will run in this process
    (the web host says so; the app works it out from the platform)."""
    from PySide6.QtCore import QCoreApplication

    route_qt_messages()
    os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = chromium_flags(software_rendering)
    # Any Qt.* value makes PySide6 build the Python enums of the whole Qt namespace (about
    # 30 ms of start-up), so Qt is only imported when one of these is needed.
    if software_rendering:
        from PySide6.QtCore import Qt

        os.environ.setdefault("QT_OPENGL", "software")
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_UseSoftwareOpenGL)
    if webengine_here is None:
        webengine_here = web_view_in_process(expected_platform())
    if webengine_here:
        from PySide6.QtCore import Qt

        # QtWebEngine will start in this process (lazily, on the link page or in the web
        # host); it needs this set before the QApplication.
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    QCoreApplication.setOrganizationName("Dentally")
    QCoreApplication.setApplicationName("DentallySetup")


def use_system_proxy() -> None:
    """The web view uses the system's proxy settings, as the portal client (urllib) does.
    Called when the link page first builds a web view, so QtNetwork is not loaded at
    start-up."""
    from PySide6.QtNetwork import QNetworkProxyFactory

    QNetworkProxyFactory.setUseSystemConfiguration(True)
