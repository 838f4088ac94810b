from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dentally_setup.settings.money import (
    MAXIMUM_MINOR,
    MINIMUM_MINOR,
    MoneyError,
    format_money,
    parse_money,
)


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("25", 2500),
        ("25.5", 2550),
        ("25.50", 2550),
        ("£25.00", 2500),
        (" 25 ", 2500),
        ("£1,250.00", 125000),
        ("£ 7.05", 705),
        ("0", 0),
        ("0.30", 30),
        ("1,000,000", 100000000),
    ],
)
def test_parse_good_gbp(text: str, minor: int) -> None:
    assert parse_money(text, "GBP") == minor


@pytest.mark.parametrize(
    "text",
    ["25.555", "-3", "abc", "1e3", "NaN", "inf", "", "£", "25..0", "٣", "   ", "£-3", "25.",
     ".5", "1,25", "12,50.00", "+5", "25 00", "٣.٠٠", "２５", "0x10", "25,000.5.0", "£ ", "££5"],
)
def test_parse_bad_gbp(text: str) -> None:
    with pytest.raises(MoneyError):
        parse_money(text, "GBP")


def test_messages_are_plain_english() -> None:
    with pytest.raises(MoneyError, match=r"Use pounds and pence, like 25\.00"):
        parse_money("abc", "GBP")
    with pytest.raises(MoneyError, match="negative"):
        parse_money("-3", "GBP")
    with pytest.raises(MoneyError, match="two digits"):
        parse_money("25.555", "GBP")
    with pytest.raises(MoneyError, match="euros and cents"):
        parse_money("x", "EUR")
    with pytest.raises(MoneyError, match="dollars and cents"):
        parse_money("x", "AUD")


def test_symbols_per_currency() -> None:
    assert parse_money("€12.34", "EUR") == 1234
    assert parse_money("$12.34", "USD") == 1234
    assert parse_money("$12", "NZD") == 1200
    assert parse_money("£12", "gbp") == 1200
    with pytest.raises(MoneyError, match="practice uses EUR"):
        parse_money("£12", "EUR")
    with pytest.raises(MoneyError, match="cannot handle"):
        parse_money("12", "JPY")


def test_format() -> None:
    assert format_money(2500, "GBP") == "£25.00"
    assert format_money(125050, "EUR") == "€1,250.50"
    assert format_money(5, "USD") == "$0.05"
    assert format_money(-500, "GBP") == "-£5.00"
    assert format_money(100, "XYZ") == "1.00 XYZ"


def test_constants() -> None:
    assert MINIMUM_MINOR["GBP"] == 30
    assert all(MINIMUM_MINOR[c] == 50 for c in ("EUR", "USD", "AUD", "CAD", "NZD"))
    assert MAXIMUM_MINOR == 500000


currencies = st.sampled_from(sorted(MINIMUM_MINOR))


@given(st.integers(min_value=0, max_value=10**15), currencies)
def test_round_trip_format_parse(minor: int, currency: str) -> None:
    assert parse_money(format_money(minor, currency), currency) == minor


@given(st.text(max_size=60), currencies)
def test_arbitrary_text_only_raises_money_error(text: str, currency: str) -> None:
    try:
        result = parse_money(text, currency)
    except MoneyError:
        return
    assert isinstance(result, int)
    assert result >= 0


@given(st.from_regex(r"\A[£€$ ,.0-9٣e+-]{0,20}\Z"), currencies)
def test_money_like_text_only_raises_money_error(text: str, currency: str) -> None:
    try:
        assert parse_money(text, currency) >= 0
    except MoneyError:
        pass
