"""Translations through Qt's own machinery.

The source strings are en-GB, so English needs no .qm file. Another language is a
``resources/translations/dentally_setup_<locale>.qm`` compiled with pyside6-lrelease from
the .ts file pyside6-lupdate makes (see resources/translations/README.md).

Pages and windows call ``self.tr(...)``. Texts that come from the Qt-free layers (step
titles, error messages and readiness sentences in ``flow/``, the change labels in
``settings/diff.py``) are translated where the GUI shows them with :func:`tr_flow`, in the
``flow`` context. lupdate cannot see inside those modules, so ``gui/flow_strings.py`` lists
them; it is generated from the modules themselves (``python -m dentally_setup.gui.i18n``,
run by ``scripts/update-translations``) and a test checks it is up to date.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from dentally_setup.resources import resource_dir

FILE_PREFIX = "dentally_setup"  # dentally_setup_fr_FR.qm, dentally_setup_de.qm, ...
FLOW_CONTEXT = "flow"

# Translators installed by install_translator (kept referenced; removed by
# remove_translators).
_installed: list[QTranslator] = []

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+")


def QT_TRANSLATE_NOOP(context: str, source_text: str) -> str:
    """Qt's marker for texts defined away from where they are shown: pyside6-lupdate
    extracts ``source_text`` in ``context``; the text itself comes back unchanged, to be
    translated where it is shown with ``QCoreApplication.translate(context, text)``.
    (PySide's own QT_TRANSLATE_NOOP is typed as returning ``object``.)"""
    return source_text


def translations_dir() -> Path:
    return resource_dir() / "translations"


def install_translator(
    app: QCoreApplication, locale: QLocale | None = None, folder: Path | None = None
) -> bool:
    """Install the translation for ``locale`` (default: the system's) when a matching
    ``dentally_setup_<locale>.qm`` is in ``folder`` (default: resources/translations), and
    Qt's own qtbase translation (dialog and wizard buttons) when Qt has one.
    Returns whether our own translation was found."""
    locale = locale if locale is not None else QLocale.system()
    qt = QTranslator(app)
    qt_dir = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if qt.load(locale, "qtbase", "_", qt_dir) and app.installTranslator(qt):
        _installed.append(qt)
    ours = QTranslator(app)
    where = str(folder if folder is not None else translations_dir())
    if not ours.load(locale, FILE_PREFIX, "_", where):
        return False
    if not app.installTranslator(ours):
        return False
    _installed.append(ours)
    return True


def remove_translators(app: QCoreApplication) -> None:
    """Undo install_translator: the app speaks its source language (en-GB) again."""
    while _installed:
        app.removeTranslator(_installed.pop())


def tr_flow(text: str) -> str:
    """Translate a text that came from the Qt-free layers (``flow``, ``settings``).

    Some of those texts are put together from listed sentences (a reason, then a fixed
    explanation), so when the whole text has no translation the longest runs of its
    sentences that do are used. Texts with no translation come back exactly as given."""
    if not text:
        return text
    whole = QCoreApplication.translate(FLOW_CONTEXT, text)
    if whole != text:
        return whole
    parts = _SENTENCE_BREAK.split(text)
    if len(parts) < 2:
        return text
    out: list[str] = []
    changed = False
    i = 0
    while i < len(parts):
        for j in range(len(parts), i, -1):
            piece = " ".join(parts[i:j])
            translated = QCoreApplication.translate(FLOW_CONTEXT, piece)
            if translated != piece:
                out.append(translated)
                changed = True
                i = j
                break
        else:
            out.append(parts[i])
            i += 1
    return " ".join(out) if changed else text


# ---- the listing of Qt-free texts (gui/flow_strings.py) -------------------------------


def _readiness_texts() -> list[str]:
    """The headlines and details readiness() can give (built from sample accounts, so the
    listing follows the wording in flow/readiness.py)."""
    from dentally_setup.flow import readiness as rd
    from dentally_setup.portal.models import Requirements, StripeAccount

    texts: list[str] = []
    for charges, payouts in ((True, True), (True, False), (False, False)):
        r = rd.readiness(StripeAccount("acct", charges, payouts, True, Requirements()))
        texts += [r.headline, r.detail]
    texts += [words for _, words in rd._WORDS]
    texts += list(rd._DISABLED.values())
    texts += [rd.HEADLINE_CLOSED, rd.DETAIL_CLOSED, *rd._NEXT.values(), rd._NEXT_UNKNOWN,
              rd._OPEN_STRIPE, rd._WAIT]
    return texts


def flow_texts() -> list[str]:
    """Every fixed text the Qt-free layers hand the GUI to show, in a stable order."""
    from dentally_setup.flow import messages
    from dentally_setup.flow.steps import TITLES
    from dentally_setup.settings import diff

    texts: list[str] = list(TITLES.values())
    for table in (messages._PORTAL, messages._LINK, messages._OTHER):
        for _code, what, nxt in table.values():
            texts += [what, nxt]
    texts.append(messages._FALLBACK_NEXT["gui"])
    texts += _readiness_texts()
    texts += [diff.DEPOSITS, diff.DEFAULT_DEPOSIT, diff.BALANCES, diff.INVOICES,
              diff.USES_DEFAULT, diff.NO_DEPOSIT, diff._on_off(True), diff._on_off(False)]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def render_flow_strings(texts: Iterable[str]) -> str:
    lines = [
        '"""GENERATED by ``python -m dentally_setup.gui.i18n`` (scripts/update-translations)',
        "from the Qt-free modules: do not edit. It lists their texts for pyside6-lupdate;",
        'the GUI translates them with gui.i18n.tr_flow."""',
        "",
        "# ruff: noqa: E501",
        "",
        "from dentally_setup.gui.i18n import QT_TRANSLATE_NOOP",
        "",
        "FLOW_TEXTS: tuple[str, ...] = (",
    ]
    for text in texts:
        lines.append(f"    QT_TRANSLATE_NOOP({FLOW_CONTEXT!r}, {text!r}),")
    lines.append(")")
    return "\n".join(lines) + "\n"


def flow_strings_path() -> Path:
    return Path(__file__).resolve().parent / "flow_strings.py"


def main(argv: list[str]) -> int:
    """Write gui/flow_strings.py (``--check``: only say whether it is up to date)."""
    wanted = render_flow_strings(flow_texts())
    path = flow_strings_path()
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    if "--check" in argv:
        if current != wanted:
            print(f"{path} is out of date: run scripts/update-translations")
            return 1
        return 0
    if current != wanted:
        path.write_text(wanted, encoding="utf-8")
        print(f"wrote {path} ({len(flow_texts())} texts)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
