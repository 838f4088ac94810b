"""Money as people type it, and as the portal stores it (integer minor units).

Parsing is deliberately strict: a deposit typed wrongly costs a patient real money, so
anything that is not plainly "pounds and pence" is refused with a message that says how
to write it, rather than guessed at. ``decimal`` is used throughout so 0.1 + 0.2 never
becomes 0.30000000000000004 pence.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# The smallest charge Stripe accepts per currency (the contract's deposit minimum).
MINIMUM_MINOR: dict[str, int] = {
    "GBP": 30,
    "EUR": 50,
    "USD": 50,
    "AUD": 50,
    "CAD": 50,
    "NZD": 50,
}
MAXIMUM_MINOR = 500000

SYMBOLS: dict[str, str] = {
    "GBP": "£",
    "EUR": "€",
    "USD": "$",
    "AUD": "$",
    "CAD": "$",
    "NZD": "$",
}

# Words for the "how to write it" hint, per currency.
_UNITS: dict[str, tuple[str, str]] = {
    "GBP": ("pounds", "pence"),
    "EUR": ("euros", "cents"),
}
_DEFAULT_UNITS = ("dollars", "cents")

# Every supported currency has two decimal places; a currency without them (JPY) would
# need its own handling, so it is refused rather than silently scaled by 100.
_MINOR_DIGITS = 2

# No re.ASCII-unsafe classes: [0-9] only, so "٣" (Arabic-Indic three) is refused even
# though str.isdigit() and Decimal() would both accept it.
_PLAIN = re.compile(r"[0-9]+(?:\.[0-9]{1,2})?")
_GROUPED = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]{1,2})?")
_TOO_PRECISE = re.compile(r"[0-9,]*\.[0-9]{3,}")
_MAX_TEXT = 40  # longer than any real amount; keeps hostile input cheap


class MoneyError(ValueError):
    """Text that is not an amount of money we can take. ``str()`` is for people."""


def currency_symbol(currency: str) -> str:
    return SYMBOLS.get(currency.upper(), "")


def minimum_minor(currency: str) -> int:
    """The smallest non-zero deposit for ``currency`` (50 for one we do not list)."""
    return MINIMUM_MINOR.get(currency.upper(), 50)


def how_to_write(currency: str) -> str:
    major, minor = _UNITS.get(currency.upper(), _DEFAULT_UNITS)
    return f"Use {major} and {minor}, like 25.00"


def parse_money(text: str, currency: str) -> int:
    """Turn what a person typed ("£1,250.50", " 25 ") into minor units (125050, 2500).

    Accepts an optional leading symbol of ``currency``, thousands commas in the right
    places, and at most two decimal places. Refuses negatives, exponents, NaN/inf,
    non-ASCII digits and anything else, raising ``MoneyError``.
    """
    cur = currency.upper()
    if cur not in SYMBOLS:
        raise MoneyError(f"Dentally Setup cannot handle amounts in {currency or 'this currency'}.")
    hint = how_to_write(cur)
    if not isinstance(text, str):
        raise MoneyError(f"Enter an amount. {hint}.")
    value = text.strip()
    if not value:
        raise MoneyError(f"Enter an amount. {hint}.")
    if len(value) > _MAX_TEXT:
        raise MoneyError(f"That amount is far too long. {hint}.")
    if value.startswith("-"):
        raise MoneyError(f"An amount cannot be negative. {hint}.")
    symbol = SYMBOLS[cur]
    if value.startswith(symbol):
        value = value[len(symbol):].strip()
    elif value[:1] in set(SYMBOLS.values()):
        raise MoneyError(
            f"That amount is in {value[:1]}, but the practice uses {cur} ({symbol}). {hint}."
        )
    if value.startswith("-"):
        raise MoneyError(f"An amount cannot be negative. {hint}.")
    if not value:
        raise MoneyError(f"Enter an amount after the {symbol}. {hint}.")
    if _TOO_PRECISE.fullmatch(value):
        raise MoneyError(f"Use at most two digits after the point. {hint}.")
    if not (_PLAIN.fullmatch(value) or _GROUPED.fullmatch(value)):
        raise MoneyError(f"That is not an amount. {hint}.")
    try:
        amount = Decimal(value.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the patterns above already rule this out
        raise MoneyError(f"That is not an amount. {hint}.") from None
    minor = amount.scaleb(_MINOR_DIGITS)
    # Exact by construction (at most two places), but check rather than trust.
    if minor != minor.to_integral_value():  # pragma: no cover
        raise MoneyError(f"Use at most two digits after the point. {hint}.")
    return int(minor)


def format_money(minor: int, currency: str) -> str:
    """Minor units for people, en-GB style: "£25.00", "€1,250.50", "-£5.00"."""
    cur = currency.upper()
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**_MINOR_DIGITS)
    number = f"{whole:,}.{part:0{_MINOR_DIGITS}d}"
    symbol = SYMBOLS.get(cur)
    if symbol is None:
        return f"{sign}{number} {cur}".rstrip()
    return f"{sign}{symbol}{number}"
