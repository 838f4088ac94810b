"""What a screen reader needs beyond names: results and problems read out when they appear,
and whether an assistive technology is running at all.

``announce`` is the one place a label's changing text reaches a screen reader: the text goes
into the label's accessible description (its name stays what the label is for, e.g.
"Sign-in result"), and Qt is told, so the screen reader speaks it. ``ReadOutLabel`` does that
for every ``setText``, so pages write results as they always did.
"""

from __future__ import annotations

import logging
import os
import re
import sys

from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent, QAccessibleEvent
from PySide6.QtWidgets import QLabel, QWidget

log = logging.getLogger(__name__)

_BREAKS = re.compile(r"<\s*(br|/p|/li|/h\d|/div)\s*/?>", re.IGNORECASE)
_ITEM = re.compile(r"<\s*li[^>]*>", re.IGNORECASE)
_TAGS = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t]+")
# The entities our own texts carry (esc() in the pages; Qt's rich text): not the html
# module, whose table of every entity costs ~4 ms of start-up (the banner is set before the
# window's first paint).
_ENTITIES = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&nbsp;", " "),
             ("&amp;", "&"))


def plain_text(text: str) -> str:
    """What a label shows, as words: the tags of its rich text gone, lines kept. Done here in
    Python rather than with a QTextDocument: the environment banner is set before the window's
    first paint, and a text document costs more than this."""
    if "<" not in text and "&" not in text:
        return text.strip()
    text = _BREAKS.sub("\n", _ITEM.sub("\n• ", text))
    text = _TAGS.sub("", text)
    for entity, char in _ENTITIES:
        text = text.replace(entity, char)
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def announce(label: QLabel, text: str, *, urgent: bool = False, spoken: bool = True) -> None:
    """Show ``text`` in ``label`` and let a screen reader read it: as the label's description
    (or its name, when it has no name of its own: Qt then names a label by its text) and, once
    the label is on screen, spoken (``urgent``: at once, interrupting; else when the screen
    reader is next quiet; not ``spoken``: only there to be read). The same text again is
    no news, and is not read again."""
    if text == label.text():
        return
    QLabel.setText(label, text)
    words = plain_text(text)
    named = bool(label.accessibleName())
    if named:
        label.setAccessibleDescription(words)
    if QAccessible.isActive() and label.isVisible():
        tell(label, words if spoken else "", urgent=urgent,
             change=QAccessible.Event.DescriptionChanged if named
             else QAccessible.Event.NameChanged)


def tell(widget: QWidget, words: str, *, urgent: bool = False,
         change: QAccessible.Event | None = None) -> None:
    """Tell the screen reader that ``widget`` changed (``change``) and have it speak ``words``.
    Nothing happens when no assistive technology is listening, or the widget is not shown."""
    if not QAccessible.isActive() or not widget.isVisible():
        return
    if change is not None:
        QAccessible.updateAccessibility(QAccessibleEvent(widget, change))
    if not words:
        return
    spoken = QAccessibleAnnouncementEvent(widget, words)
    if urgent:
        spoken.setPoliteness(QAccessible.AnnouncementPoliteness.Assertive)
    QAccessible.updateAccessibility(spoken)


def alert(widget: QWidget, words: str) -> None:
    """A problem has just appeared in ``widget``: its description holds the words, and a
    screen reader is interrupted to read them (an Alert, as a message box raises)."""
    widget.setAccessibleDescription(words)
    if QAccessible.isActive() and widget.isVisible():
        QAccessible.updateAccessibility(QAccessibleEvent(widget, QAccessible.Event.Alert))
    tell(widget, words, urgent=True)


class ReadOutLabel(QLabel):
    """A label that reports a result or a problem: each new text is read out (``announce``).
    ``spoken=False``: readable but not spoken as it changes (the web page's address, which
    the page's own title already announces)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, *,
                 spoken: bool = True) -> None:
        super().__init__(parent)
        self._spoken = spoken
        if text:
            self.setText(text)

    def setText(self, text: str) -> None:
        announce(self, text, spoken=self._spoken)

    def clear(self) -> None:
        announce(self, "", spoken=self._spoken)


def assistive_technology_active() -> bool:
    """Whether a screen reader (or another assistive technology) is running: Qt knows once one
    has spoken to it; on Linux the accessibility bus also says so (org.a11y.Status), which a
    screen reader sets as it starts, before it has asked us anything."""
    if QAccessible.isActive():
        return True
    if sys.platform.startswith("linux"):
        return _linux_bus_says_active()
    return False


def switch_on_web_accessibility() -> None:
    """Chromium builds the accessibility tree of a web page only when asked (on Linux
    QtWebEngine also needs its own switch). Must run before QtWebEngine starts in this
    process; it is read once."""
    os.environ["QTWEBENGINE_ENABLE_LINUX_ACCESSIBILITY"] = "1"
    flags = os.environ.get("QTWEBENGINE_CHROMIUM_FLAGS", "").split()
    if "--force-renderer-accessibility" not in flags:
        flags.append("--force-renderer-accessibility")
        os.environ["QTWEBENGINE_CHROMIUM_FLAGS"] = " ".join(flags)
        log.info("web page accessibility switched on for a screen reader")


def _linux_bus_says_active() -> bool:
    # Imported here, on Linux only: QtDBus is the D-Bus of Linux desktops, and the Windows
    # build need not carry it.
    try:
        from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage
    except ImportError:
        # A build without QtDBus cannot ask; Stripe's page must open all the same.
        log.warning("QtDBus is missing: cannot ask the accessibility bus about screen readers")
        return False

    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False  # no session bus (a bare X session, a service): no AT-SPI either
    for prop in ("ScreenReaderEnabled", "IsEnabled"):
        ask = QDBusMessage.createMethodCall("org.a11y.Bus", "/org/a11y/bus",
                                            "org.freedesktop.DBus.Properties", "Get")
        ask.setArguments(["org.a11y.Status", prop])
        # The bus answers at once, or is missing (no AT-SPI here): never wait long for it.
        reply = bus.call(ask, QDBus.CallMode.Block, 500)
        answer = reply.arguments() if reply.type() == QDBusMessage.MessageType.ReplyMessage else []
        if answer and answer[0].variant() is True:  # a property comes back as a QDBusVariant
            log.info("the accessibility bus says an assistive technology is running (%s)", prop)
            return True
    return False
