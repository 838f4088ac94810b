"""Translations: every GUI text goes through Qt's translation machinery, so adding a
language is a .ts file translated in Qt Linguist and compiled to a .qm, nothing more."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]

# A language the app does not ship: Esperanto. (context, English source, translation)
ESPERANTO = (
    ("WelcomePage", "Link Stripe to the Dentally Portal and switch on online payments.",
     "Ligu Stripe al la Dentally-portalo kaj ŝaltu retajn pagojn."),
    ("SignInPage", "Sign in", "Ensaluti"),
    ("SignInPage", "<b>Signed in.</b> Practice: {practice}<br>Sites: {sites}",
     "<b>Ensalutinta.</b> Praktiko: {practice}<br>Lokoj: {sites}"),
    ("SidePanel", "Not signed in yet.", "Ankoraŭ ne ensalutinta."),
    ("flow", "Welcome", "Bonvenon"),
    ("flow", "Sign in to the portal", "Ensaluti al la portalo"),
    ("flow", "Stripe is reviewing the account.", "Stripe kontrolas la konton."),
    ("flow", "Deposits cannot be taken until Stripe finishes checking the account. You can "
             "prepare the payment settings now; they start working once Stripe is done.",
     "Antaŭpagoj ne eblas ĝis Stripe finos kontroli la konton."),
)


def _tool(name: str) -> Path:
    path = BIN / name
    if not path.exists():
        found = shutil.which(name)
        if found is None:
            pytest.skip(f"{name} is not installed")
        path = Path(found)
    return path


def write_ts(path: Path, language: str,
             messages: tuple[tuple[str, str, str], ...]) -> None:
    root = ET.Element("TS", version="2.1", language=language, sourcelanguage="en_GB")
    contexts: dict[str, ET.Element] = {}
    for context, source, translation in messages:
        ctx = contexts.get(context)
        if ctx is None:
            ctx = contexts[context] = ET.SubElement(root, "context")
            ET.SubElement(ctx, "name").text = context
        msg = ET.SubElement(ctx, "message")
        ET.SubElement(msg, "source").text = source
        ET.SubElement(msg, "translation").text = translation
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


@pytest.fixture
def esperanto(qapp, tmp_path: Path) -> Iterator[Path]:
    """resources/translations as it would look with Esperanto added, installed for the
    test and removed after it (so every other test stays English)."""
    from PySide6.QtCore import QLocale

    from dentally_setup.gui.i18n import install_translator, remove_translators

    folder = tmp_path / "translations"
    folder.mkdir()
    ts = folder / "dentally_setup_eo.ts"
    write_ts(ts, "eo", ESPERANTO)
    subprocess.run([str(_tool("pyside6-lrelease")), str(ts), "-qm",
                    str(folder / "dentally_setup_eo.qm")], check=True, capture_output=True)
    try:
        assert install_translator(qapp, QLocale("eo"), folder=folder)
        yield folder
    finally:
        remove_translators(qapp)


def test_another_language_shows_in_the_pages(esperanto, qtbot) -> None:
    from PySide6.QtWidgets import QWizard

    from dentally_setup.flow.state import WizardState
    from dentally_setup.flow.steps import Step
    from dentally_setup.gui.wizard import SetupWizard

    wizard = SetupWizard(WizardState())
    qtbot.addWidget(wizard)
    welcome = wizard.pages[Step.WELCOME]
    assert welcome.subTitle() == "Ligu Stripe al la Dentally-portalo kaj ŝaltu retajn pagojn."
    assert welcome.title() == "Bonvenon"  # a step title from flow/steps.py (Qt-free)
    assert wizard.steps.item(0).text() == "Bonvenon"
    assert wizard.steps.item(1).text() == "Ensaluti al la portalo"
    assert "Ankoraŭ ne ensalutinta." in wizard.banner.text()
    sign_in = wizard.pages[Step.SIGN_IN]
    assert sign_in.check_button.text() == "Ensaluti"
    assert sign_in.title() == "Ensaluti al la portalo"
    # Untranslated texts stay in English rather than disappearing.
    assert sign_in.subTitle() == "Enter the portal's address and its API token."
    # Placeholders are filled in after translation.
    assert sign_in.tr("<b>Signed in.</b> Practice: {practice}<br>Sites: {sites}").format(
        practice="Smile", sites="Leeds") == "<b>Ensalutinta.</b> Praktiko: Smile<br>Lokoj: Leeds"
    # Qt's own buttons come from Qt's translations (none for Esperanto: still English).
    assert wizard.buttonText(QWizard.WizardButton.NextButton)


def test_flow_texts_made_of_listed_sentences_are_translated(esperanto) -> None:
    from dentally_setup.flow.readiness import readiness
    from dentally_setup.gui.i18n import tr_flow
    from dentally_setup.portal.models import Requirements, StripeAccount

    acct = StripeAccount("acct_1", False, False, True,
                         Requirements(disabled_reason="under_review"))
    detail = readiness(acct).detail
    assert detail.startswith("Stripe is reviewing the account. Deposits cannot")
    assert tr_flow(detail) == ("Stripe kontrolas la konton. Antaŭpagoj ne eblas ĝis Stripe "
                               "finos kontroli la konton.")
    assert tr_flow("Welcome") == "Bonvenon"
    unknown = "Something  nobody translated. Second   sentence."
    assert tr_flow(unknown) == unknown  # exactly as given, spacing and all


def test_english_needs_no_translation_file(qapp, tmp_path: Path) -> None:
    from PySide6.QtCore import QCoreApplication, QLocale

    from dentally_setup.gui.i18n import install_translator, remove_translators

    try:
        assert not install_translator(qapp, QLocale("en_GB"))
        assert not install_translator(qapp, QLocale("fr_FR"), folder=tmp_path)
        assert QCoreApplication.translate("flow", "Welcome") == "Welcome"
    finally:
        remove_translators(qapp)


def test_flow_listing_is_up_to_date() -> None:
    """gui/flow_strings.py lists the Qt-free texts for lupdate; it must follow flow/."""
    from dentally_setup.flow import messages
    from dentally_setup.flow.steps import TITLES
    from dentally_setup.gui import flow_strings
    from dentally_setup.gui.i18n import flow_strings_path, flow_texts, render_flow_strings

    listed = set(flow_strings.FLOW_TEXTS)
    assert set(TITLES.values()) <= listed
    for table in (messages._PORTAL, messages._LINK, messages._OTHER):
        for _code, what, nxt in table.values():
            assert {what, nxt} <= listed
    assert flow_strings_path().read_text(encoding="utf-8") == render_flow_strings(
        flow_texts()), "run scripts/update-translations"


def _sources(ts: Path) -> list[str]:
    root = ET.parse(ts).getroot()
    return [m.findtext("source") or "" for m in root.iter("message")]


def test_lupdate_extracts_the_gui_texts(tmp_path: Path) -> None:
    ts = tmp_path / "dentally_setup_xx.ts"
    subprocess.run([str(_tool("pyside6-lupdate")), "-extensions", "py", "-silent",
                    str(ROOT / "dentally_setup" / "gui"), "-ts", str(ts)],
                   check=True, capture_output=True)
    sources = _sources(ts)
    assert len(sources) >= 250, len(sources)
    for text in ("Sign in", "✖ Not ready yet:", "✔ Ready:", "Continue to Stripe",
                 "Linked account: <b>{name}</b> ({id})", "Stripe still needs: {needs}",
                 "Sign in to the portal", "The link was cancelled.", "2. Create a new account",
                 "Warnings and errors"):
        assert text in sources, text
    # No f-string slipped through: lupdate would have taken its {expressions} literally.
    assert not [s for s in sources if re.search(r"\{[^}]*[.(\[][^}]*\}", s)]


def test_committed_template_has_the_key_texts() -> None:
    template = ROOT / "resources" / "translations" / "dentally_setup_en_GB.ts"
    sources = set(_sources(template))
    assert len(sources) >= 250
    assert {"Sign in", "Link Stripe to the Dentally Portal and switch on online payments.",
            "Welcome", "Check again"} <= sources
