"""Electronic consent drives (전자동의): the owners of a redevelopment or
reconstruction zone consent, or not, to one proposal over weeks."""

from rooms.consent.area import UNITS_PER_M2, format_area, parse_area
from rooms.consent.owners import AMENITY, Owner, OwnerRoster, OwnerRow, RowError, read_owners

__all__ = ["AMENITY", "UNITS_PER_M2", "Owner", "OwnerRoster", "OwnerRow", "RowError",
           "format_area", "parse_area", "read_owners"]
