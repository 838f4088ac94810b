"""A site's current settings written as a policy file (`settings export`), in the format
``policy_file`` reads, so an export applied to the same site changes nothing and applied
to other sites copies the settings.

Appointment types are written by name where the name is unique (and is no other type's
id, which the reader would match first), else by id, so the file reads well and still
means exactly one type.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from dentally_setup.settings.model import AppointmentType, PaymentSettings


def format_amount(minor: int) -> str:
    """Minor units as the file writes them: a plain decimal, no symbol or commas ("25.00"),
    which parse_money reads back exactly (every supported currency has two decimals)."""
    whole, part = divmod(minor, 100)
    return f"{whole}.{part:02d}"


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for ch in text:
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def _comment(text: str) -> str:
    # A comment ends at a line end; a site name must not be able to start a new key.
    return "# " + " ".join(text.split())


def type_keys(types: Sequence[AppointmentType]) -> dict[str, str]:
    """Type id -> what the file calls it: the name when that means one type, else the id."""
    names = Counter(t.name for t in types)
    ids = {t.id for t in types}
    return {t.id: t.name if names[t.name] == 1 and t.name not in ids and t.name.strip()
            else t.id for t in types}


def policy_toml(settings: PaymentSettings, types: Sequence[AppointmentType],
                header: Sequence[str]) -> str:
    """The policy file text for ``settings``; ``header`` lines become comments on top."""
    keys = type_keys(types)
    lines = [_comment(line) for line in header]
    lines += ["", "[deposits]", f"enabled = {str(settings.deposits_enabled).lower()}"]
    if settings.deposit_default_minor is not None:
        lines.append(f"default = {_toml_string(format_amount(settings.deposit_default_minor))}")
    if settings.deposit_by_type:
        lines += ["", "[deposits.appointment_types]"]
        order = {t.id: i for i, t in enumerate(types)}
        gone = sorted(set(settings.deposit_by_type) - set(order))
        for type_id, amount in sorted(settings.deposit_by_type.items(),
                                      key=lambda kv: (order.get(kv[0], len(order)), kv[0])):
            if type_id in gone:
                continue
            value = "0" if amount == 0 else format_amount(amount)
            lines.append(f"{_toml_string(keys[type_id])} = {_toml_string(value)}")
        if gone:
            # The file could not be applied with them: the portal no longer lists them.
            lines.append(_comment("Left out, for appointment types the portal no longer "
                                  f"lists: {', '.join(gone)}"))
    lines += ["", "[balances]", f"enabled = {str(settings.balances_enabled).lower()}",
              "", "[invoices]", f"enabled = {str(settings.invoices_enabled).lower()}", ""]
    return "\n".join(lines)
