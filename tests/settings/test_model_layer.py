"""The payment-settings model sits below portal/ and the rest of settings/: settings/ imports
nothing of portal/, and portal.errors no longer reaches back into portal.models."""

from __future__ import annotations

import ast
from pathlib import Path

import dentally_setup

PACKAGE = Path(dentally_setup.__file__).parent
HELPERS = {"dentally_setup.cappedread", "dentally_setup.textsafe", "dentally_setup.redact"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_settings_imports_nothing_of_portal_or_above() -> None:
    for path in sorted((PACKAGE / "settings").glob("*.py")):
        ours = {n for n in _imports(path) if n.startswith("dentally_setup.")}
        # ARCHITECTURE.md: settings/ imports none of ours but the small bottom-layer helpers.
        bad = {n for n in ours if not n.startswith("dentally_setup.settings")
               and n not in HELPERS}
        assert not bad, f"{path.name} imports {sorted(bad)}"


def test_portal_errors_do_not_import_portal_models() -> None:
    assert not {n for n in _imports(PACKAGE / "portal" / "errors.py")
                if n.startswith("dentally_setup.portal")}
