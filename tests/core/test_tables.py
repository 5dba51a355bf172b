"""Reading uploaded tables (quiz.tables) when the file is hostile: decompression bombs are
refused from the zip's declared sizes before openpyxl opens them, blank rows count toward the
row limit (reading stops as soon as it is passed), and broken files (malformed XML inside an
.xlsx, a CSV field over csv's 128 KiB limit, NUL characters) are a Vietnamese refusal, never
an exception from the reader. Each test makes its own file."""
from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from quiz import tables
from quiz.errors import InvalidFile
from quiz.tables import XlsxLimits, check_xlsx, read_table

LIMITS = XlsxLimits(max_uncompressed=100 * 1024 * 1024, max_ratio=100)


def _workbook(rows=(("Mã", "Tên"), ("A", "Một"))) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _replace_parts(data: bytes, parts: dict[str, bytes]) -> bytes:
    """The workbook ``data`` with some parts replaced (or added), deflated as Excel does."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        kept = {name: source.read(name) for name in source.namelist()}
    kept.update(parts)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for name, part in kept.items():
            target.writestr(name, part)
    return buffer.getvalue()


def _sheet(rows_xml: bytes) -> bytes:
    return (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + rows_xml + b"</sheetData></worksheet>")


def _message(error: pytest.ExceptionInfo) -> str:
    return " ".join(str(p) for p in error.value.problems)


def test_a_sheet_of_blank_rows_is_refused_by_its_ratio_before_it_is_opened(monkeypatch):
    blank = b"<row/>" * 3_000_000  # a row Excel writes for a formatted but empty line
    data = _replace_parts(_workbook(), {"xl/worksheets/sheet1.xml": _sheet(b'<row r="1"><c r="A1" t="inlineStr">'
                                                                          b"<is><t>M</t></is></c></row>" + blank)})
    assert len(data) < 1_000_000
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: opened.append(1) or pytest.fail("opened"))
    with pytest.raises(InvalidFile) as error:
        read_table("bom.xlsx", data)
    assert opened == []  # refused from the zip's directory alone
    assert "nén tới" in _message(error) and "dòng trống" in _message(error)


def test_a_huge_shared_strings_part_is_refused_by_its_uncompressed_size():
    strings = (b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
               + b"<si><t>" + b"a" * (3 * 1024 * 1024) + b"</t></si></sst>")
    data = _replace_parts(_workbook(), {"xl/sharedStrings.xml": strings})
    with pytest.raises(InvalidFile) as error:
        check_xlsx(data, XlsxLimits(max_uncompressed=2 * 1024 * 1024, max_ratio=10_000))
    assert "giải nén ra" in _message(error) and "giới hạn 2 MB" in _message(error)
    with pytest.raises(InvalidFile) as error:  # and by its ratio under the default limits
        check_xlsx(data, LIMITS)
    assert "sharedStrings.xml" in _message(error)


def test_the_limits_are_settings(app):
    with app.app_context():
        assert XlsxLimits.current() == XlsxLimits(100 * 1024 * 1024, 100)
        app.config["XLSX_MAX_UNCOMPRESSED_MB"] = 1
        app.config["XLSX_MAX_RATIO"] = 7
        assert XlsxLimits.current() == XlsxLimits(1024 * 1024, 7)


def test_an_ordinary_workbook_passes_the_checks():
    data = _workbook([("Mã", "Tên")] + [(f"M{i}", "Đơn vị " * 20) for i in range(3000)])
    check_xlsx(data, LIMITS)
    assert len(read_table("ok.xlsx", data).rows) == 3000


def test_a_sheet_of_numbered_blank_rows_is_counted_before_openpyxl_opens_it(monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 1000)
    rows = b"".join(b'<row r="%d"/>' % n for n in range(1, 1003))
    data = _replace_parts(_workbook(), {"xl/worksheets/sheet1.xml": _sheet(rows)})
    check_xlsx(_replace_parts(_workbook(), {"xl/worksheets/sheet1.xml": _sheet(rows[:rows.index(b'<row r="1001"')])}),
               LIMITS)  # exactly the header and 1,000 rows pass
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: pytest.fail("opened"))
    with pytest.raises(InvalidFile) as error:
        read_table("trong.xlsx", data)
    assert "quá 1,000 dòng (kể cả dòng trống)" in _message(error)


def test_blank_lines_of_a_csv_count_toward_the_row_limit(monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 50)
    with pytest.raises(InvalidFile) as error:
        read_table("trong.csv", b"ma,ten\n" + b",\n" * 5000 + b"A,B\n")
    assert "quá 50 dòng (kể cả dòng trống)" in _message(error) and error.value.problems[0].row == 52


def test_blank_rows_count_toward_the_row_limit_and_reading_stops_there(monkeypatch):
    monkeypatch.setattr(tables, "MAX_ROWS", 50)
    read = []
    real = tables._xlsx_cell
    monkeypatch.setattr(tables, "_xlsx_cell", lambda c: read.append(1) or real(c))
    rows = b'<row r="1"><c r="A1" t="inlineStr"><is><t>M</t></is></c></row>' + b"".join(
        b'<row r="%d"><c r="A%d"/></row>' % (n, n) for n in range(2, 5000))
    data = _replace_parts(_workbook(), {"xl/worksheets/sheet1.xml": _sheet(rows)})
    monkeypatch.setattr(tables, "_rows_over", lambda *a: False)  # as if the count before opening were passed
    with pytest.raises(InvalidFile) as error:
        read_table("trong.xlsx", data)
    assert "quá 50 dòng (kể cả dòng trống)" in _message(error)
    assert len(read) <= 52  # the rows up to the limit, not the 5,000 in the file


def test_a_declared_million_row_dimension_does_not_pad_the_sheet():
    data = _workbook()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml")
    sheet = re.sub(rb"<dimension ref=\"[^\"]*\" ?/>", b"<dimension ref=\"A1:XFD1048576\"/>", sheet)
    assert b"XFD1048576" in sheet
    table = read_table("ok.xlsx", _replace_parts(data, {"xl/worksheets/sheet1.xml": sheet}))
    assert table.headers == ["Mã", "Tên"] and len(table.rows) == 1


@pytest.mark.parametrize("part, content", [
    ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row><c r='A1'"),
    ("xl/workbook.xml", b"<workbook><sheets><sheet"),
    ("[Content_Types].xml", b"<"),
    ("xl/worksheets/sheet1.xml", _sheet(b"<row r='x'><c r='??'><v>1</v></c></row>")),
    ("xl/worksheets/sheet1.xml", _sheet(b"<row r='1'><c r='A1' t='s'><v>99</v></c></row>")),
])
def test_malformed_xml_inside_a_workbook_is_a_refusal(part, content):
    with pytest.raises(InvalidFile) as error:
        read_table("hong.xlsx", _replace_parts(_workbook(), {part: content}))
    assert "Không đọc được tệp Excel" in _message(error)


def test_a_csv_field_over_128_kib_is_a_refusal_naming_the_line():
    data = b"ma,ten\nA,mot\n" + b'"' + b"x" * 140_000 + b'",y\n'
    with pytest.raises(InvalidFile) as error:
        read_table("dai.csv", data)
    assert "128 KiB" in _message(error) and "dòng 3" in _message(error)


def test_a_csv_with_nul_characters_is_a_refusal():
    with pytest.raises(InvalidFile) as error:
        read_table("utf16.csv", "ma,ten\nA,Mot\n".encode("utf-16-le"))
    assert "NUL" in _message(error)
