"""The README's screenshot section shows files that exist, and every page of the wizard
(the corrected guidance and the no-stripe path included)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_picture_exists_and_every_page_is_pictured() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    pictures = re.findall(r"!\[[^\]]*\]\((docs/screenshots/[^)]+)\)", readme)
    missing = [p for p in pictures if not (ROOT / p).is_file()]
    assert not missing
    pages = {re.sub(r"^\d+-", "", Path(p).stem) for p in pictures}
    for page in ("welcome", "sign-in", "stripe-status", "guidance", "link-chooser",
                 "link-new-account", "link-register", "link-authorize", "account-check",
                 "settings", "review", "done"):
        assert page in pages, page
    assert any("/no-stripe/" in p for p in pictures)
