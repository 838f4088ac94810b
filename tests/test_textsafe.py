"""The one helper that makes outside text safe to show."""

from __future__ import annotations

import json

import pytest

from dentally_setup.textsafe import printable


@pytest.mark.parametrize(("raw", "shown"), [
    ("Riverside – High Street", "Riverside – High Street"),  # printable text is untouched
    ("a\x1b[31mb", "a\\u001b[31mb"),
    ("bell\x07 del\x7f c1\x85", "bell\\u0007 del\\u007f c1\\u0085"),
    ("line\nbreak\r", "line\\u000abreak\\u000d"),
    ("rtl\u202eoverride", "rtl\\u202eoverride"),
    ("tag\U000e0001", "tag\\udb40\\udc01"),
])
def test_every_non_printable_character_is_escaped(raw: str, shown: str) -> None:
    assert printable(raw) == shown
    assert printable(printable(raw)) == shown  # idempotent


def test_kept_characters_stay() -> None:
    assert printable("one\ntwo\x1b", keep="\n") == "one\ntwo\\u001b"


def test_escaped_json_means_the_same_json() -> None:
    value = {"name": "x\x85\u202e\U000e0001\x1by"}
    text = json.dumps(value, ensure_ascii=False)
    assert json.loads(printable(text)) == value
