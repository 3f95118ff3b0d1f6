"""A roster sent as an Excel workbook (.xlsx) becomes the same CSV text the
roster importer reads: the first sheet, its first row the header, cells as
text (numbers without a trailing ".0", so 01012345678 typed as a number is
not mangled further than Excel already did)."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

from openpyxl import load_workbook

from rooms.errors import BadPayload

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UNPACKED = 64 * 1024 * 1024  # a workbook is a zip: refuse one that unpacks huge


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
        # A Korean mobile number typed into a number cell lost its leading 0.
        return "0" + text if len(text) == 10 and text.startswith("10") else text
    return str(value).strip()


def xlsx_to_csv(raw: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as packed:
            if sum(info.file_size for info in packed.infolist()) > MAX_UNPACKED:
                raise BadPayload("xlsx", "the workbook unpacks to more than 64 MB")
        book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise BadPayload("xlsx", "is not an Excel workbook (.xlsx); save the sheet as .xlsx "
                                 "or CSV UTF-8") from None
    try:
        sheet = book.worksheets[0]
        out = io.StringIO()
        writer = csv.writer(out)
        for row in sheet.iter_rows(values_only=True):
            cells = [cell_text(v) for v in row]
            if any(cells):
                writer.writerow(cells)
        return out.getvalue()
    finally:
        book.close()
