"""Exports as Excel workbooks (openpyxl): a ballot's result on one sheet, the
minutes on one sheet per table. Korean labels first, English beside them."""

from __future__ import annotations

import io
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from rooms.polls import sheets

Fact = tuple[str, str, Any]  # Korean label, English label, value
BOLD = Font(bold=True)
WIDEST = 60


def _append(sheet: Worksheet, row: Sequence[Any], bold: bool = False) -> None:
    """One row at the bottom. Cells are made here rather than found again
    afterwards: `sheet.max_row` scans every cell, so a 3,000-row minutes sheet
    took seconds."""
    cells = []
    for value in row:
        cell = Cell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text as typed: "=..." is never a formula here
        if bold:
            cell.font = BOLD
        cells.append(cell)
    sheet.append(cells)


def _fit(sheet: Worksheet) -> None:
    """Columns as wide as their longest text (Hangul counted double), capped."""
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            text = "" if cell.value is None else str(cell.value)
            width = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
            widths[cell.column] = max(widths.get(cell.column, 8), min(width + 2, WIDEST))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = width


def _saved(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


OPTION_HEADER = ["번호 No.", "선택지 Option", "표 Votes", "비율(%) Percent"]


def result_xlsx(question: str, header: Sequence[str], rows: Sequence[Sequence[Any]],
                facts: Sequence[Fact]) -> bytes:
    """The question, the result's table (rooms/polls/sheets.py: a row per
    option, with votes and percent as numbers counted from 1; a ranking's places;
    an open-text question's answers), then the outcome, times and fingerprints."""
    book = Workbook()
    sheet = book.active
    sheet.title = "결과 Result"
    _append(sheet, ["질문 Question", question])
    sheet["A1"].font = BOLD
    _append(sheet, [])
    choices = list(header) == sheets.OPTION_HEADER
    _append(sheet, OPTION_HEADER if choices else list(header), bold=True)
    from_one = 1 if header[0] == sheets.OPTION_HEADER[0] else 0  # options count from 0
    for number, *rest in rows:
        if choices:
            rest[-1] = float(rest[-1])
        _append(sheet, [number + from_one, *rest])
    _append(sheet, [])
    for ko, en, value in facts:
        _append(sheet, [f"{ko} {en}", value])
        sheet.cell(sheet.max_row, 1).font = BOLD
    for row in sheet.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
    _fit(sheet)
    return _saved(book)


def tables_xlsx(sheets: Sequence[tuple[str, list[list[Any]]]]) -> bytes:
    """One sheet per (title, table); each table's first row is its headers."""
    book = Workbook()
    book.remove(book.active)
    for title, table in sheets:
        sheet = book.create_sheet(title[:31])
        for i, row in enumerate(table):
            _append(sheet, row, bold=i == 0)
        sheet.freeze_panes = "A2"
        _fit(sheet)
    return _saved(book)
