"""Writing official-report spreadsheets: .xlsx through xlsxwriter, .csv through ``csv``.

A ``Sheet`` is a name, typed ``Column``s, optional title rows and the data rows, which may
be a generator of millions of rows: both writers stream them and never hold them all.

Layout of an .xlsx sheet: the title rows (bold, the first one larger, each merged across
the columns), a blank row, then the header row (bold, bordered, lightly filled, with an
autofilter and the panes frozen below it), then the data. Without title rows the header is
the first row. The workbook is written in xlsxwriter's ``constant_memory`` mode, so each
worksheet is written strictly row by row and memory does not grow with the row count.
Column widths fit the header and the first 500 data rows (only those are buffered), plus
two characters, clamped to [6, 60]; ``Column.width`` overrides them. A sheet whose rows do
not fit in ``max_rows`` (title, blank and header rows included) goes on in "<name> (2)",
"<name> (3)" … each with the same title rows and header.

Cells by column kind:

* ``text``: always text (other values are converted with ``str``), written with
  ``write_string`` so nothing is ever read as a formula.
* ``int``, ``float``: numbers (format ``0`` and General).
* ``date``, ``datetime``: real dates shown as dd/mm/yyyy and dd/mm/yyyy hh:mm:ss; naive
  datetimes in local time are expected (convert aware ones before exporting).
* ``duration_ms``: a number of days (so it can be summed) with a time format chosen per
  cell: ``mm:ss.0`` under one hour, ``[h]:mm:ss`` from one hour on (decided after rounding,
  so 59:59.96 shows as 1:00:00). The .csv holds the same display as text.

A value of the wrong type for its column (e.g. "—" for a missing score) is written as text.
``None`` is an empty cell.

Formula injection (OWASP "CSV injection"): text that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return, also after leading whitespace (some readers trim it),
gets a leading ``'``. Every text cell of both writers goes through ``escape_cell``,
headers and titles included; numbers are never escaped, so a negative int stays a number.

Printing: every worksheet prints on A4 landscape, scaled to fit the page width (as many
pages down as needed), with the header row repeated at the top of each page and the page
number in the footer.

The .csv holds the header and the rows only (no title rows), written for Excel as it is set
up in Vietnam: UTF-8 with a BOM, fields separated by ``;`` and decimal numbers written with
a comma (``9,5``). Excel opens a .csv with the list separator and decimal symbol of Windows'
regional settings, which for Vietnamese (vi-VN) are ``;`` and ``,``: a comma-separated file
lands in one column there, and ``9.5`` is read as a date or as text. A setting was not
chosen because the person who downloads the file cannot change it, and one wrong file is
enough to lose an evening; nor a ``sep=;`` first line, which makes Excel ignore the BOM (and
garble every Vietnamese letter). Integers, dates (dd/mm/yyyy) and times used
(``05:07.3``, left as text) are written as before. The importers (``quiz.tables``) read
``,``, ``;`` and tab-separated files alike, so an exported file can be imported again.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from quiz.text import name_key  # noqa: F401 - the exports' name order, re-exported

MAX_XLSX_ROWS = 1_048_576

_WIDTH_SAMPLE = 500
_MIN_WIDTH, _MAX_WIDTH = 6, 60
_SHEET_NAME_MAX = 31
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
_DEFAULT_SHEET_NAME = "Trang tính"
_CSV_CHUNK = 64 * 1024
_FORMULA_START = re.compile(r"\s*[=+\-@\t\r]")
#: The .csv separator and decimal symbol of Excel under Vietnamese regional settings.
DELIMITER, DECIMAL = ";", ","
A4 = 9                       # xlsxwriter's paper code for A4
FOOTER = "&CTrang &P/&N"     # centred "Trang 2/5"


@dataclass(frozen=True)
class Column:
    header: str                 # Vietnamese header, e.g. "Họ và tên"
    kind: str = "text"          # "text" | "int" | "float" | "date" | "datetime" | "duration_ms"
    width: float | None = None  # fixed width in characters; None = fit to content


@dataclass
class Sheet:
    name: str
    columns: list[Column]
    rows: Iterable[Sequence]
    title_rows: list[str] = field(default_factory=list)


def escape_cell(value: object) -> object:
    """Text a spreadsheet would run as a formula, prefixed with ``'``; anything else as is."""
    if isinstance(value, str) and _FORMULA_START.match(value):
        return "'" + value
    return value


# --- Column kinds: how a value is checked, shown as text and written to .xlsx ---------------

class _Kind:
    types: tuple[type, ...] = ()  # values of these types are written natively, others as text
    num_format = "General"

    def text(self, value: Any) -> str:
        return str(value)

    def number_format(self, value: Any) -> str:
        return self.num_format

    def write(self, ws: Worksheet, row: int, col: int, value: Any, fmt: Format) -> None:
        ws.write_number(row, col, value, fmt)


class _Int(_Kind):
    types = (int,)
    num_format = "0"


class _Float(_Kind):
    types = (int, float)

    def text(self, value: float) -> str:
        """``9.5`` → ``9,5``: the decimal comma of Vietnamese Excel (see the .csv notes above)."""
        return str(value).replace(".", DECIMAL)


class _Date(_Kind):
    types = (date,)
    num_format = "dd/mm/yyyy"

    def text(self, value: date) -> str:
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"

    def write(self, ws: Worksheet, row: int, col: int, value: date, fmt: Format) -> None:
        ws.write_datetime(row, col, value, fmt)


class _DateTime(_Date):
    num_format = "dd/mm/yyyy hh:mm:ss"

    def text(self, value: datetime) -> str:
        return f"{super().text(value)} {value.hour:02d}:{value.minute:02d}:{value.second:02d}"


def _tenths(ms: float) -> int:
    """Milliseconds rounded half up to tenths of a second, as a spreadsheet displays them."""
    return math.floor(ms / 100 + 0.5)


class _Duration(_Kind):
    types = (int, float)
    short, long = "mm:ss.0", "[h]:mm:ss"

    def text(self, value: float) -> str:
        tenths = _tenths(value)
        if tenths < 36_000:
            minutes, rest = divmod(tenths, 600)
            return f"{minutes:02d}:{rest // 10:02d}.{rest % 10}"
        hours, rest = divmod(math.floor(value / 1000 + 0.5), 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"

    def number_format(self, value: float) -> str:
        return self.short if _tenths(value) < 36_000 else self.long

    def write(self, ws: Worksheet, row: int, col: int, value: float, fmt: Format) -> None:
        ws.write_number(row, col, value / 86_400_000, fmt)


def duration_text(ms: float) -> str:
    """Milliseconds as a spreadsheet shows them: ``05:07.3``, or ``1:02:03`` from one hour on."""
    return _Duration().text(ms)


_KINDS: dict[str, _Kind] = {
    "text": _Kind(), "int": _Int(), "float": _Float(), "date": _Date(),
    "datetime": _DateTime(), "duration_ms": _Duration(),
}
_CELL_FORMATS = ("General", "0", _Date.num_format, _DateTime.num_format, _Duration.short, _Duration.long)


def _is_native(value: object, kind: _Kind) -> bool:
    return isinstance(value, kind.types) and not isinstance(value, bool)


def _display(value: object, kind: _Kind) -> str:
    """The cell as text: the .csv value and the basis of the column width."""
    if value is None:
        return ""
    if _is_native(value, kind):
        return kind.text(value)
    return str(escape_cell(str(value)))


def _kinds(sheet: Sheet) -> list[_Kind]:
    try:
        return [_KINDS[column.kind] for column in sheet.columns]
    except KeyError as error:
        raise ValueError(f"Unknown column kind {error.args[0]!r} in sheet {sheet.name!r}") from None


# --- .xlsx ---------------------------------------------------------------------------------

def write_xlsx(target: str | IO[bytes], sheets: list[Sheet], *, max_rows: int = MAX_XLSX_ROWS) -> None:
    """Write the sheets as one workbook to a path or a binary file object."""
    with xlsxwriter.Workbook(target, {"constant_memory": True}) as book:
        formats = _formats(book)
        for sheet in sheets:
            _write_sheet(book, formats, sheet, max_rows)


def _formats(book: xlsxwriter.Workbook) -> dict[str, Format]:
    formats = {code: book.add_format({"border": 1, "num_format": code}) for code in _CELL_FORMATS}
    formats["title"] = book.add_format({"bold": True, "align": "center"})
    formats["first title"] = book.add_format({"bold": True, "align": "center", "font_size": 14})
    formats["header"] = book.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7",
                                         "align": "center", "valign": "vcenter"})
    return formats


def _write_sheet(book: xlsxwriter.Workbook, formats: dict[str, Format], sheet: Sheet, max_rows: int) -> None:
    kinds = _kinds(sheet)
    header_row = len(sheet.title_rows) + 1 if sheet.title_rows else 0
    if max_rows - header_row < 2:
        raise ValueError(f"max_rows={max_rows} leaves no room for data in sheet {sheet.name!r}")
    rows = iter(sheet.rows)
    sample = list(itertools.islice(rows, _WIDTH_SAMPLE))
    widths = _widths(sheet.columns, kinds, sample)
    last_col = len(sheet.columns) - 1

    writers = [_cell_writer(formats, kind) for kind in kinds]
    part = 1
    ws = _start_part(book, formats, sheet, part, widths, header_row)
    row = header_row
    for values in itertools.chain(sample, rows):
        if row == max_rows - 1:  # this part is full: go on in "<name> (n)"
            ws.autofilter(header_row, 0, row, last_col)
            part += 1
            ws = _start_part(book, formats, sheet, part, widths, header_row)
            row = header_row
        row += 1
        for col, (value, write) in enumerate(zip(values, writers)):
            if value is not None:
                write(ws, row, col, value)
    ws.autofilter(header_row, 0, row, last_col)


def _start_part(book: xlsxwriter.Workbook, formats: dict[str, Format], sheet: Sheet, part: int,
                widths: list[float], header_row: int) -> Worksheet:
    """A new worksheet with the widths, title rows and header written, in row order."""
    ws = book.add_worksheet(_sheet_name(sheet.name, part))
    last_col = len(sheet.columns) - 1
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    for row, title in enumerate(sheet.title_rows):
        fmt = formats["first title" if row == 0 else "title"]
        if last_col > 0:  # merge empty, then write_string: merge_range's write() reads URLs
            ws.merge_range(row, 0, row, last_col, "", fmt)
        ws.write_string(row, 0, escape_cell(title), fmt)
    for col, column in enumerate(sheet.columns):
        ws.write_string(header_row, col, escape_cell(column.header), formats["header"])
    ws.freeze_panes(header_row + 1, 0)
    _print_setup(ws, header_row)
    return ws


def _print_setup(ws: Worksheet, header_row: int) -> None:
    """A4 landscape, fit to the page width (any number of pages down), the header row on every
    page, the page number in the footer."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(header_row)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    ws.center_horizontally()
    ws.set_footer(FOOTER)


def _write_cell(ws: Worksheet, formats: dict[str, Format], row: int, col: int, value: object, kind: _Kind) -> None:
    if value is None:
        return
    if _is_native(value, kind):
        kind.write(ws, row, col, value, formats[kind.number_format(value)])
    else:
        ws.write_string(row, col, escape_cell(str(value)), formats["General"])


def _cell_writer(formats: dict[str, Format], kind: _Kind):
    """``_write_cell`` for one column's values other than None, with the kind's decisions taken
    once (an export is a million cells): the text kind only escapes, the others write a value
    of their exact types natively, anything else as ``_write_cell`` does."""
    general = formats["General"]
    if type(kind) is _Kind:
        def write(ws: Worksheet, row: int, col: int, value: object) -> None:
            text = value if value.__class__ is str else str(value)
            ws.write_string(row, col, _escaped(text), general)
    else:
        types, fixed = kind.types, type(kind).number_format is _Kind.number_format
        native, fmt = kind.write, formats[kind.num_format]

        def write(ws: Worksheet, row: int, col: int, value: object) -> None:
            if value.__class__ in types:  # the exact class: a bool is never a number
                native(ws, row, col, value, fmt if fixed else formats[kind.number_format(value)])
            else:
                _write_cell(ws, formats, row, col, value, kind)
    return write


def _escaped(text: str) -> str:
    """``escape_cell`` for text, the cheap test first (most cells start with a letter)."""
    first = text[:1]
    return "'" + text if (first in "=+-@" or first.isspace()) and _FORMULA_START.match(text) else text


def _sheet_name(name: str, part: int) -> str:
    """A valid, at most 31-character sheet name; parts after the first get " (n)"."""
    suffix = f" ({part})" if part > 1 else ""
    base = " ".join(_SHEET_NAME_BAD.sub("", name).split())[: _SHEET_NAME_MAX - len(suffix)].strip(" '")
    return (base or _DEFAULT_SHEET_NAME) + suffix


def _widths(columns: list[Column], kinds: list[_Kind], sample: list[Sequence]) -> list[float]:
    widths = []
    for col, (column, kind) in enumerate(zip(columns, kinds)):
        if column.width is not None:
            widths.append(column.width)
            continue
        longest = max([len(column.header)] + [len(_display(row[col], kind)) for row in sample if col < len(row)])
        widths.append(min(max(longest + 2, _MIN_WIDTH), _MAX_WIDTH))
    return widths


# --- .csv ----------------------------------------------------------------------------------

def write_csv(target: IO[str], sheet: Sheet) -> None:
    """Write the header and the rows to a text file object opened with ``newline=""``."""
    csv.writer(target, delimiter=DELIMITER).writerows(_csv_records(sheet))


def csv_bytes_iter(sheet: Sheet) -> Iterator[bytes]:
    """The .csv file as UTF-8 chunks, the BOM first, for a streamed download."""
    yield codecs.BOM_UTF8
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER)
    for record in _csv_records(sheet):
        writer.writerow(record)
        if buffer.tell() >= _CSV_CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def _csv_records(sheet: Sheet) -> Iterator[list[str]]:
    yield [str(escape_cell(column.header)) for column in sheet.columns]
    shows = [_shower(kind) for kind in _kinds(sheet)]
    for values in sheet.rows:
        yield [show(value) for show, value in zip(shows, values)]


def _shower(kind: _Kind):
    """``_display`` for one column, with the kind's decisions taken once (a CSV export is
    millions of cells)."""
    if type(kind) is _Kind:  # text: only escaping to decide
        def show(value):
            if value is None:
                return ""
            return _escaped(value if value.__class__ is str else str(value))
    else:
        types, text = kind.types, kind.text

        def show(value):
            if value.__class__ in types:  # the exact class: a bool is never shown as a number
                return text(value)
            return _display(value, kind)
    return show
