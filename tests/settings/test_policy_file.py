from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from dentally_setup.settings.model import AppointmentType, PaymentSettings
from dentally_setup.settings.policy_file import (
    PolicyFileError,
    policy_from_data,
    read_policy_toml,
)
from tests.settings.helpers import TYPES

GOOD = """\
[deposits]
enabled = true
default = "25.00"              # in the practice's currency
[deposits.appointment_types]   # optional: by appointment type id or exact name
"New patient exam" = "40.00"
"Hygiene" = "0"                # no deposit for this type
at_emerg = 10
[balances]
enabled = true
[invoices]
enabled = false
"""


def write(tmp_path: Path, text: str | bytes, name: str = "policy.toml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def load_policy(path: Path, types: Sequence[AppointmentType] = TYPES) -> PaymentSettings:
    # The two calls `settings apply` makes (it reads the file before it knows the types).
    return policy_from_data(read_policy_toml(path), types, "GBP", path)


def error_for(tmp_path: Path, text: str | bytes) -> PolicyFileError:
    path = write(tmp_path, text)
    with pytest.raises(PolicyFileError) as info:
        load_policy(path)
    assert str(path) in str(info.value)
    return info.value


def test_good_file(tmp_path: Path) -> None:
    s = load_policy(write(tmp_path, GOOD))
    assert s.deposits_enabled is True
    assert s.deposit_default_minor == 2500
    assert s.deposit_by_type == {"at_new": 4000, "at_hyg": 0, "at_emerg": 1000}
    assert s.balances_enabled is True
    assert s.invoices_enabled is False
    assert s.site_id == "" and s.currency == ""


def test_deposits_off_without_default_and_bom(tmp_path: Path) -> None:
    text = "\ufeff[deposits]\nenabled = false\n[balances]\nenabled = true\n" \
           "[invoices]\nenabled = true\n"
    s = load_policy(write(tmp_path, text))
    assert s.deposits_enabled is False and s.deposit_default_minor is None
    assert s.deposit_by_type == {}


def test_misspelt_type_names_file_key_and_reason(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace('"Hygiene" = "0"', '"Hygeine" = "0"'))
    message = str(err)
    assert 'deposits.appointment_types."Hygeine": no appointment type has that name or id' \
        in message
    assert 'Did you mean "Hygiene"?' in message
    assert '"New patient exam"' in message  # lists the known ones


@pytest.mark.parametrize(
    ("change", "key", "reason"),
    [
        (("enabled = true", 'enabled = "yes"'), "deposits.enabled", "true or false"),
        (('default = "25.00"', "default = 25.5"), "deposits.default", "in quotes"),
        (('default = "25.00"', 'default = "25.555"'), "deposits.default", "two digits"),
        (('default = "25.00"', 'default = "abc"'), "deposits.default", "pounds and pence"),
        (('default = "25.00"', "default = -3"), "deposits.default", "negative"),
        (('default = "25.00"', "default = true"), "deposits.default", "amount"),
        (('default = "25.00"', "default = [1]"), "deposits.default", "amount"),
        (('default = "25.00"', 'defualt = "25.00"'), "deposits.defualt", "unknown key"),
        (('default = "25.00"', "# no default"), "deposits.default", "missing"),
        (("[invoices]\nenabled = false", "[invoices]\nenabled = false\ncolour = 1"),
         "invoices.colour", "unknown key"),
        (("[invoices]\nenabled = false", ""), "invoices", "missing"),
        (("[balances]\nenabled = true", "[balances]"), "balances.enabled", "missing"),
        (("[invoices]", "[extras]\nx = 1\n[invoices]"), "extras", "unknown section"),
    ],
)
def test_bad_contents(tmp_path: Path, change: tuple[str, str], key: str, reason: str) -> None:
    old, new = change
    assert old in GOOD
    err = error_for(tmp_path, GOOD.replace(old, new, 1))
    lines = str(err).splitlines()
    assert any(f": {key}: " in line and reason in line for line in lines), lines


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    text = GOOD.replace('enabled = true', 'enabled = "yes"', 1).replace('"0"', '"x"')
    err = error_for(tmp_path, text)
    assert [k for k, _ in err.problems] == [
        "deposits.enabled", 'deposits.appointment_types."Hygiene"'
    ]


def test_same_type_twice(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace("at_emerg = 10", 'at_hyg = "5.00"'))
    assert "same appointment type" in str(err)


def test_ambiguous_name(tmp_path: Path) -> None:
    types = [*TYPES, AppointmentType("at_hyg2", "Hygiene", 30, True, 1000)]
    path = write(tmp_path, GOOD)
    with pytest.raises(PolicyFileError, match="use its id"):
        load_policy(path, types)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="no such file") as info:
        load_policy(tmp_path / "nope.toml")
    assert "nope.toml" in str(info.value)


def test_folder(tmp_path: Path) -> None:
    with pytest.raises(PolicyFileError, match="folder"):
        load_policy(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    err = error_for(tmp_path, GOOD.replace("25.00", "£25.00").encode("cp1252"))
    assert "UTF-8" in str(err)


def test_not_toml(tmp_path: Path) -> None:
    err = error_for(tmp_path, "[deposits\nenabled = true\n")
    assert "not valid TOML" in str(err) and "line 1" in str(err)


def test_tables_of_wrong_type(tmp_path: Path) -> None:
    err = error_for(tmp_path, 'deposits = 1\nbalances = "x"\n[invoices]\nenabled = true\n')
    assert [k for k, _ in err.problems] == ["deposits", "balances"]
