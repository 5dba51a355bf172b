"""Official-report spreadsheets: .xlsx layout and values read back with openpyxl, formula
escaping in both writers, sheet splitting, streaming, .csv output and Vietnamese name order."""
from __future__ import annotations

import codecs
import csv
import io
import tracemalloc
import unicodedata
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import load_workbook

from quiz.reports.sheets import (
    MAX_XLSX_ROWS, Column, Sheet, csv_bytes_iter, escape_cell, name_key, write_csv, write_xlsx,
)

TITLES = ["KẾT QUẢ CÁ NHÂN", "Đơn vị: Huyện ủy Duy Xuyên", "Đợt thi: Đợt 1 — ngày 30/11/2026"]
COLUMNS = [
    Column("STT", "int"),
    Column("Họ và tên"),
    Column("Điểm", "float"),
    Column("Ngày sinh", "date"),
    Column("Nộp bài lúc", "datetime"),
    Column("Thời gian làm bài", "duration_ms"),
    Column("Ghi chú", width=30),
]
ROWS = [
    (1, "Nguyễn Thị Hoàng Phương Thảo", 9.5, date(1990, 1, 2), datetime(2026, 11, 30, 8, 5, 9), 307_340, None),
    (2, "Lê Ba", -2.25, date(2001, 12, 31), datetime(2026, 11, 30, 21, 0, 0), 3_723_400, "x"),
    (3, "An", 7, None, None, 3_599_960, ""),
]
FORMULAS = ["=1+1", "+84912", "-5 text", "@SUM(A1)", "\tx", "\rx", "  =1+1"]


def xlsx(*sheets: Sheet, **options):
    buffer = io.BytesIO()
    write_xlsx(buffer, list(sheets), **options)
    return load_workbook(buffer)


def csv_text(sheet: Sheet) -> str:
    target = io.StringIO(newline="")
    write_csv(target, sheet)
    return target.getvalue()


def test_xlsx_layout_values_and_formats():
    ws = xlsx(Sheet("Kết quả", COLUMNS, ROWS, TITLES))["Kết quả"]

    assert [ws.cell(row, 1).value for row in (1, 2, 3, 4)] == TITLES + [None]
    assert all(ws.cell(row, 1).font.b for row in (1, 2, 3))
    assert ws["A1"].font.sz > ws["A2"].font.sz
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:G1", "A2:G2", "A3:G3"}

    header = ws[5]
    assert [cell.value for cell in header] == [column.header for column in COLUMNS]
    assert all(cell.font.b and cell.border.bottom.style and cell.fill.fgColor.rgb != "00000000" for cell in header)
    assert ws.freeze_panes == "A6"
    assert ws.auto_filter.ref == "A5:G8"

    first, second, third = ([cell.value for cell in ws[row]] for row in (6, 7, 8))
    assert first[:5] == [1, "Nguyễn Thị Hoàng Phương Thảo", 9.5, datetime(1990, 1, 2), datetime(2026, 11, 30, 8, 5, 9)]
    assert second[2] == -2.25 and third[2] == 7 and third[3] is None
    assert first[5] == time(0, 5, 7, 340_000)
    assert second[5] == timedelta(seconds=3723, milliseconds=400)
    assert [ws.cell(6, col).number_format for col in (1, 4, 5, 6)] == [
        "0", "dd/mm/yyyy", "dd/mm/yyyy hh:mm:ss", "mm:ss.0"]
    # From one hour on, and when rounding to tenths reaches one hour (59:59.96).
    assert ws["F7"].number_format == ws["F8"].number_format == "[h]:mm:ss"


def test_xlsx_widths_fit_content_and_respect_overrides():
    long_name = "Nguyễn " * 20
    rows = [(i, "Lê Văn Tư", 1.0, None, None, 0, long_name if i == 499 else "") for i in range(2000)]
    wide = COLUMNS[:6] + [Column("Ghi chú")]
    widths = xlsx(Sheet("S", wide, rows)).active.column_dimensions
    fixed = xlsx(Sheet("S", COLUMNS, ROWS)).active.column_dimensions

    assert widths["A"].width < widths["B"].width < widths["G"].width
    # xlsxwriter stores widths plus its own padding of less than one character.
    assert int(widths["A"].width) == 6  # "STT" and short numbers: clamped up to 6
    assert int(widths["D"].width) == len("Ngày sinh") + 2
    assert int(widths["G"].width) == 60  # the 500th row counts, clamped to 60
    assert int(fixed["G"].width) == 30


def test_xlsx_beyond_the_width_sample_does_not_widen():
    rows = [("x" * (40 if i == 500 else 3),) for i in range(501)]
    ws = xlsx(Sheet("S", [Column("Tên")], rows)).active
    assert int(ws.column_dimensions["A"].width) == 6
    assert ws["A502"].value == "x" * 40


@pytest.mark.parametrize("text", FORMULAS)
def test_escape_cell_prefixes_formulas(text):
    assert escape_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Nguyễn Văn An", "Hà Nội - Việt Nam", "", -5, -2.5, 3, None, date(2026, 1, 1)])
def test_escape_cell_leaves_other_values(value):
    assert escape_cell(value) == value


def test_both_writers_escape_text_but_not_numbers():
    columns = [Column("Nội dung"), Column("Số", "int"), Column("Điểm", "float")]
    rows = [(text, -5, -0.5) for text in FORMULAS] + [("Trần Thị Bình", -1, 1.5), (-7, "—", None)]
    sheet = Sheet("S", columns, rows, ["=TITLE()"])

    ws = xlsx(sheet).active
    # openpyxl leaves xlsxwriter's "_x000D_" escape of a carriage return as it is.
    values = [[cell.value.replace("_x000D_", "\r") if isinstance(cell.value, str) else cell.value
               for cell in row] for row in ws.iter_rows(min_row=4)]
    assert ws["A1"].value == "'=TITLE()"
    assert [row[0] for row in values] == ["'" + text for text in FORMULAS] + ["Trần Thị Bình", "'-7"]
    assert all(row[1:] == [-5, -0.5] for row in values[:len(FORMULAS)])
    assert values[-1][1:] == ["—", None]

    records = list(csv.reader(io.StringIO(csv_text(sheet), newline=""), delimiter=";"))
    assert records[1:] == [["'" + text, "-5", "-0,5"] for text in FORMULAS] + [
        ["Trần Thị Bình", "-1", "1,5"], ["'-7", "—", ""]]


def test_sheet_splits_when_rows_exceed_max_rows():
    rows = [(i, f"Người {i}") for i in range(25)]
    columns = [Column("STT", "int"), Column("Họ và tên")]
    # 1 title + blank + header = 3 rows, leaving 9 data rows per sheet: 9 + 9 + 7.
    book = xlsx(Sheet("Name", columns, iter(rows), ["KẾT QUẢ"]), max_rows=12)

    assert book.sheetnames == ["Name", "Name (2)", "Name (3)"]
    seen = []
    for ws in book:
        assert ws["A1"].value == "KẾT QUẢ"
        assert [cell.value for cell in ws[3]] == ["STT", "Họ và tên"]
        assert ws.freeze_panes == "A4"
        assert ws.max_row <= 12
        seen += [tuple(cell.value for cell in row) for row in ws.iter_rows(min_row=4)]
    assert seen == rows


def test_split_adds_no_empty_sheet_and_keeps_names_valid():
    name = "Kết quả: cá nhân [đơn vị] / toàn tỉnh Quảng Nam"
    book = xlsx(Sheet(name, [Column("STT", "int")], [(i,) for i in range(18)]), max_rows=10)
    assert book.sheetnames == ["Kết quả cá nhân đơn vị toàn tỉn", "Kết quả cá nhân đơn vị toàn (2)"]


def test_max_rows_must_leave_room_for_data():
    with pytest.raises(ValueError):
        write_xlsx(io.BytesIO(), [Sheet("S", [Column("A")], [], ["T1", "T2"])], max_rows=4)
    assert MAX_XLSX_ROWS == 1_048_576


def test_rows_are_streamed_from_a_generator():
    def rows(count: int):
        for i in range(count):
            yield (i, "Nguyễn Văn An")

    columns = [Column("STT", "int"), Column("Họ và tên")]

    def peak(count: int) -> int:
        tracemalloc.start()
        try:
            generator = rows(count)
            write_xlsx(io.BytesIO(), [Sheet("S", columns, generator)])
            assert next(generator, None) is None  # consumed, once
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # Six times the rows, about the same peak (a list of them would more than double it).
    small, large = peak(2_000), peak(12_000)
    assert large < small * 1.3


def test_csv_header_rows_and_formats():
    text = csv_text(Sheet("S", COLUMNS, ROWS, TITLES))
    assert not text.startswith(codecs.BOM_UTF8.decode())
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert records == [
        [column.header for column in COLUMNS],
        ["1", "Nguyễn Thị Hoàng Phương Thảo", "9,5", "02/01/1990", "30/11/2026 08:05:09", "05:07.3", ""],
        ["2", "Lê Ba", "-2,25", "31/12/2001", "30/11/2026 21:00:00", "1:02:03", "x"],
        ["3", "An", "7", "", "", "1:00:00", ""],
    ]
    assert text.endswith("\r\n")


def test_csv_bytes_iter_streams_the_same_file_with_bom():
    rows = [(i, f"=Người {i}", 1.5, date(2026, 1, 1), datetime(2026, 1, 1, 7), 1000 * i, "ghi chú") for i in range(3000)]
    chunks = list(csv_bytes_iter(Sheet("S", COLUMNS, iter(rows))))
    assert chunks[0] == codecs.BOM_UTF8
    assert len(chunks) > 3  # streamed in several chunks, not one
    assert b"".join(chunks) == codecs.BOM_UTF8 + csv_text(Sheet("S", COLUMNS, rows)).encode("utf-8")


def test_unknown_column_kind_is_refused():
    with pytest.raises(ValueError, match="money"):
        csv_text(Sheet("S", [Column("Tiền", "money")], []))


def names_sorted(names: list[str]) -> list[str]:
    return sorted(names, key=name_key)


def test_name_key_example_from_the_rules():
    names = ["Trần Văn Bình", "Nguyễn Thị An", "Lê Văn Đức", "Phạm Thị Ánh", "Nguyễn Văn Ân", "Đỗ Thị Dung"]
    # Given names An < Ánh (a-n prefix of a-n-h) < Ân (a < â) < Bình < Dung < Đức (d < đ).
    assert names_sorted(names) == [
        "Nguyễn Thị An", "Phạm Thị Ánh", "Nguyễn Văn Ân", "Trần Văn Bình", "Đỗ Thị Dung", "Lê Văn Đức"]


def test_name_key_given_name_first_then_family_and_middle_names():
    names = ["Nguyễn Văn Bình", "Trần An", "Lê Thị Bình", "Lê Văn Bình", "Nguyễn Bình"]
    assert names_sorted(names) == [
        "Trần An", "Lê Thị Bình", "Lê Văn Bình", "Nguyễn Bình", "Nguyễn Văn Bình"]


@pytest.mark.parametrize("ordered", [
    ["Lê Văn An", "Lê Văn Ăn", "Lê Văn Ân", "Lê Văn Bảo"],          # a < ă < â < b
    ["Lê Văn Dũng", "Lê Văn Đan"],                                  # d < đ decides before the tone
    ["Lê Văn Ong", "Lê Văn Ông", "Lê Văn Ơn", "Lê Văn Phúc"],       # o < ô < ơ < p
    ["Lê Văn Tú", "Lê Văn Tư", "Lê Văn Vũ"],                        # u < ư < v
    ["Lê Văn Em", "Lê Văn Ênh", "Lê Văn Frank", "Lê Văn Giang"],    # e < ê < f < g
    ["Lê Văn Iva", "Lê Văn Jack", "Lê Văn Kim"],                    # i < j < k
    ["Lê Văn Vy", "Lê Văn Will", "Lê Văn Xuân", "Lê Văn Yến", "Lê Văn Zoe"],
])
def test_name_key_vietnamese_letter_order(ordered):
    assert names_sorted(list(reversed(ordered))) == ordered


def test_name_key_tones_only_break_ties():
    tones = ["Nguyễn Văn Ba", "Nguyễn Văn Bà", "Nguyễn Văn Bả", "Nguyễn Văn Bã", "Nguyễn Văn Bá", "Nguyễn Văn Bạ"]
    assert names_sorted(tones[::-1]) == tones
    # Base letters of the whole word first: "Bạc" (b-a-c) before "Bàn" (b-a-n) before "Ban" + h.
    assert names_sorted(["Lê Thị Banh", "Lê Thị Bàn", "Lê Thị Bạc"]) == ["Lê Thị Bạc", "Lê Thị Bàn", "Lê Thị Banh"]
    # Tones of the given name decide before the family name.
    assert names_sorted(["An Văn Bá", "Yên Văn Ba"]) == ["Yên Văn Ba", "An Văn Bá"]


def test_name_key_normalises_form_placement_and_case():
    nfc = "Nguyễn Thị Hoà"
    assert name_key(unicodedata.normalize("NFD", nfc)) == name_key(nfc)
    assert name_key("Nguyễn Thị Hoà") == name_key("Nguyễn Thị Hòa") == name_key("NGUYỄN THỊ HÒA")
    assert name_key("Lê  Thuý ") == name_key("lê thúy")
    names = [unicodedata.normalize("NFD", "Đỗ Thị Ân"), "lê văn ánh", "TRẦN AN"]
    assert names_sorted(names) == ["TRẦN AN", "lê văn ánh", names[0]]


# --- Printing and Vietnamese Excel -----------------------------------------------------------

def test_every_sheet_prints_a4_landscape_fit_to_width_with_the_header_repeated():
    rows = [(i, f"Người {i}") for i in range(20)]     # 8 rows a part under 2 title rows, a blank and the header
    book = xlsx(Sheet("Kết quả", [Column("STT", "int"), Column("Họ và tên")], rows, ["KẾT QUẢ", "Đơn vị"]),
                Sheet("Tổng hợp", [Column("STT", "int")], [(1,)]), max_rows=12)
    assert book.sheetnames == ["Kết quả", "Kết quả (2)", "Kết quả (3)", "Tổng hợp"]
    for ws, header in zip(book, (4, 4, 4, 1)):
        setup = ws.page_setup
        assert setup.orientation == "landscape" and setup.paperSize == 9            # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth or 1) == 1 and setup.fitToHeight == 0               # 1 wide (the default), any tall
        assert ws.print_title_rows == f"${header}:${header}"                         # the header row on every page
        assert ws.oddFooter.center.text == "Trang &P/&N"


def test_csv_is_for_vietnamese_excel_semicolons_and_decimal_commas():
    sheet = Sheet("S", [Column("Tên"), Column("Tỷ lệ (%)", "float"), Column("Số", "int"), Column("Ghi chú")],
                  [("Chi bộ 1, khu phố 2", 97.5, 1200, "a;b"), ("Chi bộ 3", 100, -3, None)])
    text = csv_text(sheet)
    lines = text.splitlines()
    assert lines[0] == "Tên;Tỷ lệ (%);Số;Ghi chú"
    assert lines[1] == 'Chi bộ 1, khu phố 2;97,5;1200;"a;b"'         # a comma in text needs no quotes; ";" does
    assert lines[2] == "Chi bộ 3;100;-3;"
    assert b"".join(csv_bytes_iter(sheet)).startswith(codecs.BOM_UTF8 + "Tên;".encode())


def test_an_exported_csv_reads_back_through_the_importers():
    from quiz.tables import read_table

    sheet = Sheet("S", [Column("Mã đơn vị"), Column("Tên đơn vị"), Column("Điểm", "float")],
                  [("TU.H01", "Huyện ủy Duy Xuyên, Quảng Nam", 9.25), ("TU.H02", "Thị ủy Điện Bàn", 7.0)])
    table = read_table("xuat.csv", b"".join(csv_bytes_iter(sheet)))
    assert table.headers[:2] == ["Mã đơn vị", "Tên đơn vị"]
    assert [values for _, values in table.rows] == [["TU.H01", "Huyện ủy Duy Xuyên, Quảng Nam", "9,25"],
                                                   ["TU.H02", "Thị ủy Điện Bàn", "7,0"]]
