"""Land area, exactly: an area is a whole number of units of 1/10000 m² (four
decimal places, as land registers write it), never a float. Text in, units out,
and back to text for people ("1,240.25 m²")."""

from __future__ import annotations

import re

from rooms.errors import BadPayload

UNITS_PER_M2 = 10_000
DECIMALS = 4
MAX_M2 = 10**9
MAX_UNITS = MAX_M2 * UNITS_PER_M2

# ASCII digits only (`\d` would take other scripts' digits too); thousands
# grouped by commas either everywhere or nowhere; no sign, no exponent.
_AREA = re.compile(r"(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\.(?P<frac>[0-9]+))?")
_SUFFIXES = ("m²", "㎡", "m2")


def parse_area(text: object, field: str = "area") -> int:
    """'165.3', '1,240.25', '165.30' or '1,240.25 m²' -> units of 1/10000 m².
    Refuses negatives, more than four decimals, NaN, exponents and areas over
    10^9 m²; a number that is not text is refused too, so a float from a
    spreadsheet cell never slips in."""
    if not isinstance(text, str):
        raise BadPayload(field, "must be the area as text, e.g. '165.3'")
    body = _without_unit(text.strip())
    match = _AREA.fullmatch(body)
    if match is None:
        raise BadPayload(field, f"{text!r} is not an area in m² (e.g. 165.3 or 1,240.25)")
    frac = match["frac"] or ""
    if len(frac) > DECIMALS:
        raise BadPayload(field, f"{text!r} has more than {DECIMALS} decimal places")
    units = int(match["whole"].replace(",", "")) * UNITS_PER_M2 + int(frac.ljust(DECIMALS, "0"))
    if units > MAX_UNITS:
        raise BadPayload(field, f"{text!r} is more than {MAX_M2:,} m²")
    return units


def _without_unit(text: str) -> str:
    for suffix in _SUFFIXES:
        if text.endswith(suffix):
            return text[: -len(suffix)].rstrip()
    return text


def format_area(units: int, unit: bool = True) -> str:
    """Units -> '1,240.25 m²': thousands grouped, at least two decimals and as
    many more as the units need (0.0001 m² short must not read as 0.00)."""
    if units < 0:
        raise ValueError("an area is never negative")
    whole, frac = divmod(units, UNITS_PER_M2)
    decimals = f"{frac:04d}".rstrip("0").ljust(2, "0")
    text = f"{whole:,}.{decimals}"
    return f"{text} m²" if unit else text
