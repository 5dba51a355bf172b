"""Reading an uploaded table (.xlsx or .csv) into rows numbered as the organiser sees them.

Used by every import. A CSV may come from Excel: UTF-8 with or without BOM, separated by
``,``, ``;`` or tabs. Row numbers are the spreadsheet's own (the header is row 1).
"""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePath

from quiz.errors import InvalidFile, Problem
from quiz.text import clean, fold

MAX_ROWS = 200_000


@dataclass
class Table:
    sheet: str | None
    headers: list[str]
    rows: list[tuple[int, list[object]]] = field(default_factory=list)


def read_table(filename: str, data: bytes) -> Table:
    """The first sheet of a workbook, or the CSV file."""
    return read_tables(filename, data, first_only=True)[0]


def read_tables(filename: str, data: bytes, first_only: bool = False) -> list[Table]:
    """Every non-empty sheet of a workbook (or the one table of a CSV file)."""
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx":
        return _read_xlsx(data, first_only)
    if suffix in (".csv", ".txt"):
        return [_read_csv(data)]
    raise InvalidFile([Problem(None, f"Không nhận định dạng tệp “{suffix or filename}”: "
                                     "hãy dùng tệp Excel (.xlsx) hoặc CSV (.csv).")])


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidFile([Problem(None, "Tệp CSV không ở mã UTF-8. Trong Excel hãy chọn "
                                         "“Lưu thành” → “CSV UTF-8 (phân cách bằng dấu phẩy)”.")]) from None
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _collect(None, reader)


def _read_xlsx(data: bytes, first_only: bool) -> list[Table]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise InvalidFile([Problem(None, "Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx.")]) from None
    try:
        sheets = book.worksheets[:1] if first_only else book.worksheets
        tables = []
        for sheet in sheets:
            try:
                tables.append(_collect(sheet.title, sheet.iter_rows(values_only=True)))
            except InvalidFile:
                if first_only or len(sheets) == 1:
                    raise
        if not tables:
            raise InvalidFile([Problem(None, "Tệp trống: không trang tính nào có dữ liệu.")])
        return tables
    finally:
        book.close()


def _collect(sheet: str | None, rows) -> Table:
    table = None
    for number, row in enumerate(rows, start=1):
        values = list(row)
        if not any(clean(v) for v in values):
            continue
        if table is None:
            table = Table(sheet, [clean(v) for v in values])
            continue
        if len(table.rows) >= MAX_ROWS:
            raise InvalidFile([Problem(number, f"Tệp có quá {MAX_ROWS:,} dòng; hãy chia thành nhiều tệp.",
                                       sheet)])
        table.rows.append((number, values))
    if table is None:
        raise InvalidFile([Problem(None, "Tệp trống: không có dòng tiêu đề và dữ liệu.", sheet)])
    return table


def map_columns(table: Table, columns: dict[str, list[str]], required: set[str]) -> dict[str, int]:
    """Which column holds each field. ``columns`` lists each field's accepted headers, the
    one to show first; headers are compared folded (no accents, case or underscores)."""
    folded = {name: {fold(a) for a in names} for name, names in columns.items()}
    found: dict[str, int] = {}
    for index, header in enumerate(table.headers):
        key = fold(header).replace("_", " ")
        for name, names in folded.items():
            if key in names and name not in found:
                found[name] = index
    missing = [name for name in columns if name in required and name not in found]
    if missing:
        expected = ", ".join(f"“{columns[name][0]}”" for name in missing)
        raise InvalidFile([Problem(1, f"Thiếu cột {expected}. Dòng tiêu đề đang là: "
                                      f"{', '.join(table.headers)}.", table.sheet)])
    return found


def cell(values: list[object], index: int | None) -> object:
    if index is None or index >= len(values):
        return None
    return values[index]
