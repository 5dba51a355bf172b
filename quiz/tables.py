"""Reading an uploaded table (.xlsx or .csv) into rows numbered as the organiser sees them.

Used by every import. A CSV may come from Excel: UTF-8 with or without BOM, separated by
``,``, ``;`` or tabs. Row numbers are the spreadsheet's own (the header is row 1).

A cell reads as the text the organiser typed, never as what Excel computed from it. Excel
stores what is typed as ``=1+1``, ``+84912345678`` or ``- Tăng cường công tác`` as a
formula (``=1+1``, ``=+84912345678``, ``=- Tăng cường công tác``) and keeps only its
result, often ``#NAME?``; so a workbook is read with its formulas, not their results
(``typed_text`` gives the rule), and each such cell is a warning naming it. A cell that
holds an Excel error value itself (``#NAME?``, ``#VALUE!`` …: a pasted result, or a CSV
saved from Excel) has lost what was typed: it is an error naming it, and the importer
writes nothing. The importers pass ``Table.warnings`` and ``Table.errors`` on.
"""
from __future__ import annotations

import csv
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import PurePath

from quiz.errors import InvalidFile, Problem
from quiz.text import clean, fold

MAX_ROWS = 200_000

#: What Excel shows (and a CSV saved from Excel holds) in a cell whose formula failed.
ERROR_VALUES = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
                          "#BUSY!", "#UNKNOWN!"})


@dataclass
class Table:
    sheet: str | None
    headers: list[str]
    rows: list[tuple[int, list[object]]] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)  # formula cells, read as the typed text
    errors: list[Problem] = field(default_factory=list)    # cells holding an Excel error value


def typed_text(formula: str) -> str:
    """What the organiser typed into a cell that Excel stored as ``formula``. Excel adds an
    ``=`` before what was typed when it begins with ``+`` or ``-`` (``+84912345678`` is
    stored ``=+84912345678``, ``- Tăng cường`` ``=- Tăng cường``), so that ``=`` goes;
    anything else was typed with its ``=`` (``=1+1``) and is kept whole."""
    return formula[1:] if formula[1:2] in ("+", "-") else formula


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


NUL_IN_TEXT = ("Tệp chứa ký tự NUL (thường do tệp ở mã UTF-16 hoặc không phải tệp văn bản). Trong Excel "
               "hãy chọn “Lưu thành” → “CSV UTF-8 (phân cách bằng dấu phẩy)”.")


def _read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidFile([Problem(None, "Tệp CSV không ở mã UTF-8. Trong Excel hãy chọn "
                                         "“Lưu thành” → “CSV UTF-8 (phân cách bằng dấu phẩy)”.")]) from None
    if "\x00" in text:
        raise InvalidFile([Problem(None, NUL_IN_TEXT)])
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max([",", ";", "\t"], key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = ([(value, None, value.strip() in ERROR_VALUES) for value in row] for row in reader)
    try:
        return _collect(None, rows)
    except csv.Error:  # a field over csv's limit (128 KiB), most often an unclosed quote
        raise InvalidFile([Problem(reader.line_num, "Một ô dài quá 128 KiB: thường do thiếu dấu nháy kép “\"” "
                                                    "đóng ô; hãy kiểm tra lại dòng này.")]) from None


@dataclass(frozen=True)
class XlsxLimits:
    """How much a workbook may unpack to, in all and against its size in the zip."""

    max_uncompressed: int  # bytes
    max_ratio: int

    @classmethod
    def current(cls) -> XlsxLimits:
        from flask import current_app, has_app_context

        from quiz.config import SETTINGS

        conf = current_app.config if has_app_context() else {}
        megabytes = conf.get("XLSX_MAX_UNCOMPRESSED_MB", SETTINGS["XLSX_MAX_UNCOMPRESSED_MB"][0])
        return cls(megabytes * 1024 * 1024, conf.get("XLSX_MAX_RATIO", SETTINGS["XLSX_MAX_RATIO"][0]))


RATIO_FROM = 1024 * 1024  # parts smaller than this unpacked may compress as well as they like


def check_xlsx(data: bytes, limits: XlsxLimits | None = None) -> None:
    """Refuse a workbook that would unpack to too much (a decompression bomb), from the sizes
    its zip declares, before anything is unpacked (``zipfile`` never unpacks a part past its
    declared size, so what is checked here is what openpyxl can get); then one that has more
    rows than ``MAX_ROWS``, blank ones too, counted on the XML before openpyxl reads it."""
    limits = limits or XlsxLimits.current()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise InvalidFile([Problem(None, BROKEN_XLSX)]) from None
    total = sum(part.file_size for part in parts)
    if total > limits.max_uncompressed:
        raise InvalidFile([Problem(None, f"Tệp Excel giải nén ra {total / 1024 / 1024:,.0f} MB, quá giới hạn "
                                         f"{limits.max_uncompressed // 1024 // 1024:,} MB (thường do hàng "
                                         "triệu dòng trống hoặc định dạng thừa). Hãy xóa các dòng, cột trống "
                                         "rồi lưu lại, hoặc chia thành nhiều tệp.")])
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > RATIO_FROM and ratio > limits.max_ratio:
            raise InvalidFile([Problem(None, f"Tệp Excel có phần “{part.filename[:80]}” nén tới {ratio:,.0f} lần "
                                             f"(giới hạn {limits.max_ratio:,} lần): tệp chứa rất nhiều dòng trống "
                                             "hoặc dữ liệu lặp lại bất thường. Hãy xóa các dòng, cột trống rồi "
                                             "lưu lại.")])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # then the rows, blank ones too, on the unpacked XML
        for part in parts:
            if part.filename.startswith("xl/worksheets/") and _rows_over(archive, part, MAX_ROWS + 1):
                raise InvalidFile([Problem(None, f"Trang tính “{PurePath(part.filename).stem}” có quá {MAX_ROWS:,} "
                                                 "dòng (kể cả dòng trống); hãy xóa các dòng trống hoặc chia "
                                                 "thành nhiều tệp.")])


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")


def _rows_over(archive: zipfile.ZipFile, part: zipfile.ZipInfo, limit: int) -> bool:
    """Does the sheet ``part`` hold more than ``limit`` rows, blank ones too? Counted on the
    unpacked XML as it streams (fast: no parsing), because openpyxl reads a whole sheet once
    just to look for its size before it yields a row."""
    count, tail = 0, b""
    try:
        with archive.open(part) as stream:
            while chunk := stream.read(1 << 20):
                text = tail + chunk
                cut = max(0, len(text) - 64)  # a tag across the cut is counted with the next chunk
                count += sum(1 for match in _ROW_TAG.finditer(text) if match.start() < cut)
                tail = text[cut:]
                if count > limit:
                    return True
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error):
        raise InvalidFile([Problem(None, BROKEN_XLSX)]) from None
    return count + len(_ROW_TAG.findall(tail)) > limit


BROKEN_XLSX = "Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx."
MAX_COLUMNS = 1000


def _read_xlsx(data: bytes, first_only: bool) -> list[Table]:
    from openpyxl import load_workbook

    check_xlsx(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)  # formulas, not results
    except Exception:  # noqa: BLE001 - a hostile file can break the reader anywhere: it is unreadable
        raise InvalidFile([Problem(None, BROKEN_XLSX)]) from None
    try:
        sheets = book.worksheets[:1] if first_only else book.worksheets
        tables = []
        for sheet in sheets:
            try:
                tables.append(_read_sheet(sheet))
            except InvalidFile:
                if first_only or len(sheets) == 1:
                    raise
        if not tables:
            raise InvalidFile([Problem(None, "Tệp trống: không trang tính nào có dữ liệu.")])
        return tables
    finally:
        book.close()


def _read_sheet(sheet) -> Table:
    """One sheet's rows as they are in the file: its declared size (which may claim a million
    rows) is not used to pad it, a row over ``MAX_COLUMNS`` cells is refused, and a broken
    part of the file is a refusal naming the sheet."""
    def rows():
        for row in sheet.iter_rows():
            if len(row) > MAX_COLUMNS:
                raise InvalidFile([Problem(None, f"Trang tính có dòng quá {MAX_COLUMNS:,} cột; hãy xóa các cột "
                                                 "trống rồi lưu lại.", sheet.title)])
            yield [_xlsx_cell(c) for c in row]

    try:
        sheet.reset_dimensions()
        return _collect(sheet.title, rows())
    except InvalidFile:
        raise
    except Exception:  # noqa: BLE001 - malformed XML inside the workbook
        raise InvalidFile([Problem(None, BROKEN_XLSX, sheet.title)]) from None


def _xlsx_cell(cell) -> tuple[object, str | None, bool]:
    """A workbook cell as (the value read, the formula Excel stored or None, holds an error value)."""
    if cell.data_type == "f":
        formula = getattr(cell.value, "text", cell.value)  # an array formula keeps its text in .text
        formula = formula if isinstance(formula, str) else ""
        return typed_text(formula), formula, False
    return cell.value, None, cell.data_type == "e"


def _collect(sheet: str | None, rows) -> Table:
    """``rows`` of cells, each (value, formula or None, holds an error value)."""
    table = None
    for number, row in enumerate(rows, start=1):
        if number > MAX_ROWS + 1:  # blank rows count: reading a million of them costs as much as any
            raise InvalidFile([Problem(number, f"Tệp có quá {MAX_ROWS:,} dòng (kể cả dòng trống); hãy xóa "
                                               "các dòng trống hoặc chia thành nhiều tệp.", sheet)])
        values = [value for value, _, _ in row]
        if not any(clean(v) for v in values):
            continue
        if table is None:
            table = Table(sheet, [clean(v) for v in values])
        else:
            table.rows.append((number, values))
        for index, (value, formula, error) in enumerate(row):
            if formula is not None:
                table.warnings.append(Problem(number, _formula_message(table, number, index, formula, value),
                                              sheet))
            elif error:
                table.errors.append(Problem(number, f"{_cell_name(table, number, index)} chứa giá trị lỗi của "
                                                    f"Excel “{clean(value)}”, không phải nội dung đã gõ. Hãy gõ "
                                                    f"lại nội dung ô này ({_KEEP_AS_TEXT}).", sheet))
    if table is None:
        raise InvalidFile([Problem(None, "Tệp trống: không có dòng tiêu đề và dữ liệu.", sheet)])
    return table


_KEEP_AS_TEXT = "nội dung bắt đầu bằng =, + hoặc - thì gõ thêm dấu nháy đơn ' ở đầu để Excel giữ nguyên chữ"


def _cell_name(table: Table, number: int, index: int) -> str:
    """``Ô C5 (cột “Phương án A”)``."""
    from openpyxl.utils import get_column_letter

    header = table.headers[index] if index < len(table.headers) else ""
    return f"Ô {get_column_letter(index + 1)}{number}" + (f" (cột “{header}”)" if header else "")


def _quoted(text: object) -> str:
    text = clean(text)
    return f"“{text if len(text) <= 80 else text[:79] + '…'}”"


def _formula_message(table: Table, number: int, index: int, formula: str, value: object) -> str:
    name = _cell_name(table, number, index)
    if value == formula:
        return (f"{name} là công thức Excel {_quoted(formula)}: đã đọc đúng chữ đã gõ, không lấy kết quả "
                f"tính. Nếu cần chữ khác, hãy sửa ô này ({_KEEP_AS_TEXT}).")
    return (f"{name}: Excel đã đổi chữ gõ {_quoted(value)} thành công thức {_quoted(formula)}; đã đọc đúng "
            f"chữ đã gõ. Lần sau, {_KEEP_AS_TEXT}.")


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
