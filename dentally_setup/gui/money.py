"""Money on screen: en-GB formatting from QLocale with the practice's currency sign."""

from __future__ import annotations

from PySide6.QtCore import QLocale

_SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$", "AUD": "A$", "CAD": "C$", "NZD": "NZ$"}
_EN_GB = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


def currency_symbol(currency: str) -> str:
    return _SYMBOLS.get(currency.upper(), currency.upper() + " ")


def display_money(minor: int | None, currency: str) -> str:
    """2500, GBP -> '£25.00'; 125050 -> '£1,250.50'. None -> '—'."""
    if minor is None:
        return "—"
    return _EN_GB.toCurrencyString(minor / 100, currency_symbol(currency), 2)
