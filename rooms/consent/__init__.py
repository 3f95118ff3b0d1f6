"""Electronic consent drives (전자동의): the owners of a redevelopment or
reconstruction zone consent, or not, to one proposal over weeks.

The small public face `live/` may call:

    parse_area(text) -> int                 "1,240.25" -> 12_402_500 (1/10000 m²)
    format_area(units) -> str               12_402_500 -> "1,240.25 m²"
    read_owners(records) -> OwnerRoster     roster rows -> owners by head, row errors
    PRESETS[name], in_force(name, on)       the thresholds from legal commentary
    custom(data), Threshold.from_dict(data) a project's own threshold
    progress(threshold, owners, consenting_owner_ids) -> Progress
    Progress.missing_text(lang)             "토지등소유자 37명 더, 토지면적 1,240.00 m² 더 필요"

Everything here is pure: no I/O, no clock, exact integers and fractions.
"""

from rooms.consent.area import UNITS_PER_M2, format_area, parse_area
from rooms.consent.owners import AMENITY, Owner, OwnerRoster, OwnerRow, RowError, read_owners
from rooms.consent.progress import BuildingProgress, Criterion, Progress, progress
from rooms.consent.thresholds import (ELECTRONIC_CONSENT_FROM, PRESET_VERSIONS, PRESETS,
                                      Threshold, custom, in_force)

__all__ = ["AMENITY", "ELECTRONIC_CONSENT_FROM", "PRESETS", "PRESET_VERSIONS", "UNITS_PER_M2",
           "BuildingProgress", "Criterion", "Owner", "OwnerRoster", "OwnerRow", "Progress",
           "RowError", "Threshold", "custom", "format_area", "in_force", "parse_area",
           "progress", "read_owners"]
