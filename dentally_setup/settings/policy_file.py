"""The TOML file that ``settings apply`` reads: one payment policy for one or many sites.

    [deposits]
    enabled = true
    default = "25.00"              # in the practice's currency
    [deposits.appointment_types]   # optional: by appointment type id or exact name
    "New patient exam" = "40.00"
    "Hygiene" = "0"                # no deposit for this type
    [balances]
    enabled = true
    [invoices]
    enabled = true

Rules, and why:

- All three tables, ``[deposits]``, ``[balances]`` and ``[invoices]``, are required, each
  with ``enabled``. The file *is* the policy: if a missing table meant "keep whatever the
  site has", applying one file to ten sites could leave them ten different ways, and a
  forgotten table would silently leave payments on. To turn something off, write
  ``enabled = false``.
- ``deposits.default`` may be left out only when ``deposits.enabled = false`` (there is
  nothing to charge). ``[deposits.appointment_types]`` may be left out: every type then
  uses the default, and any per-type amounts a site had are removed, for the same reason.
- Amounts are quoted text in the practice's currency ("25.00", "£1,250.00"), parsed by
  ``parse_money``. Whole numbers (``default = 25``) are accepted as whole pounds/euros/
  dollars because they cannot be misread. Decimals without quotes (``25.5``) are refused:
  TOML reads them as binary floating point, so ``0.1`` is not exactly 10p, and we will
  not guess at money.
- Appointment types are named by id, or by exact name (case and spaces matter). A name
  shared by two types must be given by id. Naming one type twice is an error.
- Unknown keys anywhere are errors, so a typo ("enabeld") is never silently ignored.

Every problem found is reported at once, each naming the file, the key and the reason.
Checking amounts against the portal's bounds is ``validate_settings``'s job, not this
module's, so the GUI and the file share one set of rules.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dentally_setup.cappedread import NotAFile, TooBig, read_capped
from dentally_setup.settings.model import AppointmentType, PaymentSettings
from dentally_setup.settings.money import MAXIMUM_MINOR, MoneyError, how_to_write, parse_money

_SECTIONS: dict[str, set[str]] = {
    "deposits": {"enabled", "default", "appointment_types"},
    "balances": {"enabled"},
    "invoices": {"enabled"},
}
MAX_FILE = 1024 * 1024  # a policy is a few lines; a huge file is a mistake
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class PolicyFileError(ValueError):
    """A policy file that cannot be used. ``problems`` holds (key, reason) pairs."""

    def __init__(self, path: Path | str, problems: Sequence[tuple[str, str]]) -> None:
        self.path = str(path)
        self.problems = list(problems)
        lines = [f"{self.path}: {key}: {reason}" if key else f"{self.path}: {reason}"
                 for key, reason in self.problems]
        super().__init__("\n".join(lines))


def _quote(part: str) -> str:
    return '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(*parts: str) -> str:
    """A dotted TOML key, quoting the parts that need it."""
    return ".".join(p if _BARE_KEY.fullmatch(p) else _quote(p) for p in parts)


def _type_key(name: str) -> str:
    # Always quoted: appointment types are usually names, and a quoted name reads as one
    # (deposits.appointment_types."Hygiene") whether or not TOML needed the quotes.
    return f"{_key('deposits', 'appointment_types')}.{_quote(name)}"


def _read_capped(path: Path) -> bytes:
    """The file's bytes, refusing before reading anything that is not a regular file (a
    FIFO would wait forever for a writer, /dev/zero never ends) or is over ``MAX_FILE``."""
    try:
        return read_capped(path, MAX_FILE)
    except FileNotFoundError:
        raise PolicyFileError(path, [("", "there is no such file")]) from None
    except NotAFile as exc:
        why = ("that is a folder, not a file" if exc.is_dir else
               "that is not an ordinary file (a device or a pipe, say); save the policy to a "
               "file and give its name")
        raise PolicyFileError(path, [("", why)]) from None
    except TooBig as exc:
        size = f"{exc.size:,} bytes" if exc.size is not None else "over 1 MB"
        raise PolicyFileError(path, [("", f"the file is {size}; a policy file is a few "
                                          "lines, at most 1 MB")]) from None
    except OSError as exc:
        raise PolicyFileError(path, [("", f"the file could not be read ({exc.strerror})")]) \
            from None


def read_policy_toml(path: Path) -> dict[str, Any]:
    """Read and parse the file (no portal needed), or raise ``PolicyFileError``."""
    raw = _read_capped(path)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise PolicyFileError(path, [("", "the file is not UTF-8 text; save it as UTF-8")]) \
            from None
    try:
        return tomllib.loads(text.removeprefix("\ufeff"))  # Notepad may add a BOM
    except tomllib.TOMLDecodeError as exc:
        raise PolicyFileError(path, [("", f"this is not valid TOML ({exc})")]) from None
    except RecursionError:
        # tomllib parses nested arrays recursively: thousands deep exhausts the stack.
        raise PolicyFileError(path, [("", "this is not a policy file: it nests arrays or "
                                          "tables far too deeply")]) from None
    except ValueError:
        # int() refuses a number of more than 4,300 digits (CPython's guard against
        # slow conversions), and tomllib lets that ValueError through.
        raise PolicyFileError(path, [("", "this is not a policy file: it holds a number "
                                          "far too long to be an amount")]) from None


def _amount(value: Any, key: str, currency: str, problems: list[tuple[str, str]]) -> int | None:
    hint = how_to_write(currency)
    if isinstance(value, bool):
        problems.append((key, f"expected an amount in quotes, not {str(value).lower()}. {hint}."))
    elif isinstance(value, int):
        if value < 0:
            problems.append((key, f"an amount cannot be negative. {hint}."))
        elif value > MAXIMUM_MINOR:
            # Said here, not by validate_settings: a number thousands of digits long would
            # not even print once multiplied into pence.
            problems.append((key, f"{value if value < 10**12 else 'that number'} is far more "
                                  f"than any deposit. {hint}."))
        else:
            return value * 100
    elif isinstance(value, float):
        problems.append((key, f'write amounts in quotes, like "{value:.2f}" (an unquoted '
                              "decimal is not exact enough for money)."))
    elif isinstance(value, str):
        try:
            return parse_money(value, currency)
        except MoneyError as exc:
            problems.append((key, f"{value!r} is not an amount: {exc}"))
    else:
        problems.append((key, f"expected an amount in quotes. {hint}."))
    return None


def _match_type(
    name: str, types: Sequence[AppointmentType], key: str, problems: list[tuple[str, str]]
) -> str | None:
    for t in types:
        if t.id == name:
            return t.id
    named = [t for t in types if t.name == name]
    if len(named) == 1:
        return named[0].id
    if len(named) > 1:
        ids = ", ".join(t.id for t in named)
        problems.append((key, f"more than one appointment type has that name; use its id "
                              f"instead ({ids})."))
        return None
    known = [t.name for t in types]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f' Did you mean "{close[0]}"?' if close else ""
    listing = ", ".join(f'"{n}"' for n in known) or "none"
    problems.append((key, f"no appointment type has that name or id.{hint} "
                          f"(known: {listing})"))
    return None


def _enabled(table: dict[str, Any], section: str, problems: list[tuple[str, str]]) -> bool:
    key = _key(section, "enabled")
    if "enabled" not in table:
        problems.append((key, "missing; write enabled = true or enabled = false."))
        return False
    value = table["enabled"]
    if not isinstance(value, bool):
        problems.append((key, f"expected true or false (without quotes), not {value!r}."))
        return False
    return value


def policy_from_data(
    data: dict[str, Any],
    types: Sequence[AppointmentType],
    currency: str,
    source: Path | str,
) -> PaymentSettings:
    """Turn parsed TOML into settings (``site_id``/``currency`` blank), or raise
    ``PolicyFileError`` listing every problem."""
    problems: list[tuple[str, str]] = []
    for key in data:
        if key not in _SECTIONS:
            problems.append((_key(key), f"unknown section; expected {', '.join(_SECTIONS)}."))
    tables: dict[str, dict[str, Any]] = {}
    for section, allowed in _SECTIONS.items():
        table = data.get(section)
        if table is None:
            problems.append((_key(section), f"missing; add a [{section}] table with "
                                            "enabled = true or false."))
            continue
        if not isinstance(table, dict):
            problems.append((_key(section), f"should be a table ([{section}])."))
            continue
        for key in table:
            if key not in allowed:
                problems.append((_key(section, key),
                                 f"unknown key; expected {', '.join(sorted(allowed))}."))
        tables[section] = table

    deposits = tables.get("deposits", {})
    enabled = _enabled(deposits, "deposits", problems) if "deposits" in tables else False
    default: int | None = None
    if "default" in deposits:
        default = _amount(deposits["default"], _key("deposits", "default"), currency, problems)
    elif enabled:
        problems.append((_key("deposits", "default"),
                         'missing; deposits are on, so give a default like default = "25.00".'))

    by_type: dict[str, int] = {}
    per_type = deposits.get("appointment_types", {})
    if not isinstance(per_type, dict):
        problems.append((_key("deposits", "appointment_types"),
                         "should be a table ([deposits.appointment_types])."))
        per_type = {}
    seen: dict[str, str] = {}
    for name, value in per_type.items():
        key = _type_key(name)
        type_id = _match_type(name, types, key, problems)
        amount = _amount(value, key, currency, problems)
        if type_id is None or amount is None:
            continue
        if type_id in seen:
            problems.append((key, f"the same appointment type as {seen[type_id]}; "
                                  "give it only once."))
            continue
        seen[type_id] = key
        by_type[type_id] = amount

    balances = _enabled(tables["balances"], "balances", problems) if "balances" in tables \
        else False
    invoices = _enabled(tables["invoices"], "invoices", problems) if "invoices" in tables \
        else False
    if problems:
        raise PolicyFileError(source, problems)
    return PaymentSettings(
        deposits_enabled=enabled,
        deposit_default_minor=default,
        deposit_by_type=by_type,
        balances_enabled=balances,
        invoices_enabled=invoices,
    )
