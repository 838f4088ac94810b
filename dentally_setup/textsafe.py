"""Make text from outside (the portal's answers, a policy file) safe to show.

A site name, an appointment type or a key in a file can hold control characters. Printed
raw on a terminal, ``\\x1b[...`` sequences can recolour, hide or rewrite what the person
reads (or, on some terminals, set the window title or the clipboard); in the GUI they show
as boxes. Every non-printable character is written as a visible escape instead, so support
can still read exactly what was sent.
"""

from __future__ import annotations


def _escape(char: str) -> str:
    # JSON's spelling (\\u001b, and a surrogate pair above U+FFFF): it reads plainly in a
    # message and keeps `--json` output valid JSON meaning the same text.
    point = ord(char)
    if point <= 0xFFFF:
        return f"\\u{point:04x}"
    point -= 0x10000
    return f"\\u{0xD800 + (point >> 10):04x}\\u{0xDC00 + (point & 0x3FF):04x}"


def printable(text: str, keep: str = "") -> str:
    """``text`` with every non-printable character (except those in ``keep``, such as
    ``"\\n"`` for a whole message of several lines) written as ``\\uNNNN``.

    Non-printable is Python's ``str.isprintable``: C0/C1 controls and DEL, line and
    paragraph separators, spaces other than the plain space, and format characters such as
    the bidi overrides that reorder what is shown. Idempotent on its own output.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c in keep else _escape(c) for c in text)
