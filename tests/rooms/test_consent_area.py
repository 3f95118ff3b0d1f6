"""Land areas are exact: text to units of 1/10000 m² and back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rooms.consent.area import MAX_UNITS, format_area, parse_area
from rooms.errors import BadPayload


@pytest.mark.parametrize("text,units", [
    ("165.3", 1_653_000),
    ("165.30", 1_653_000),
    ("1,240.25", 12_402_500),
    ("1240.25", 12_402_500),
    ("0.0001", 1),
    ("0", 0),
    (" 12 ", 120_000),
    ("165.3 m²", 1_653_000),
    ("165.3㎡", 1_653_000),
    ("1,000,000,000", MAX_UNITS),
    ("999,999,999.9999", MAX_UNITS - 1),
])
def test_an_area_is_read_exactly(text: str, units: int) -> None:
    assert parse_area(text) == units


@pytest.mark.parametrize("text", [
    "-1", "-0.5", "+1", "1.23456", "NaN", "nan", "inf", "1e3", "1E3", "1.5e-2", "",
    "   ", ".5", "5.", "1,24", "12,34.5", "1,2345", "1000000000.0001", "1,000,000,001",
    "１２", "١٢", "0x10", "1_000", "12 34", "m²",
])
def test_an_area_that_is_not_plain_non_negative_decimal_is_refused(text: str) -> None:
    with pytest.raises(BadPayload) as refused:
        parse_area(text)
    assert refused.value.field == "area"


@pytest.mark.parametrize("value", [165.3, 165, None, b"165.3"])
def test_an_area_must_come_as_text_never_a_float(value: object) -> None:
    with pytest.raises(BadPayload):
        parse_area(value)


@pytest.mark.parametrize("units,text", [
    (12_402_500, "1,240.25 m²"),
    (12_400_000, "1,240.00 m²"),
    (1_653_000, "165.30 m²"),
    (1, "0.0001 m²"),
    (12_345, "1.2345 m²"),
    (0, "0.00 m²"),
    (MAX_UNITS, "1,000,000,000.00 m²"),
])
def test_an_area_is_written_with_two_decimals_or_as_many_as_it_needs(units: int,
                                                                      text: str) -> None:
    assert format_area(units) == text
    assert format_area(units, unit=False) == text.removesuffix(" m²")


def test_a_negative_area_cannot_be_written() -> None:
    with pytest.raises(ValueError):
        format_area(-1)


@given(st.integers(min_value=0, max_value=MAX_UNITS))
def test_writing_then_reading_an_area_gives_it_back(units: int) -> None:
    assert parse_area(format_area(units)) == units
    assert parse_area(format_area(units, unit=False)) == units
