"""The import template (.xlsx and .csv) as read, before any check: sheets, separators,
BOM, Vietnamese or plain headers, unused E/F columns, cells Excel turned into numbers, dates
or formulas, and cells holding Excel's error values."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from quiz.banks import formats
from quiz.banks.formats.template import HEADERS
from quiz.errors import InvalidFile
from quiz.tables import typed_text

HEADER_ROW = ["STT", "Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Phương án D",
              "Phương án E", "Phương án F", "Đáp án", "Mức độ", "Chủ đề", "Nguồn", "Giải thích"]
FIRST = [1, "Chủ tịch Hồ Chí Minh sinh năm nào?", "1890", "1911", "1930", "1945", "", "", "A", "dễ",
         "Tiểu sử; Bác Hồ", "Tiểu sử Chủ tịch Hồ Chí Minh", "Ngày 19/5/1890."]
SECOND = [2, "Chỉ thị 05-CT/TW do cơ quan nào ban hành?", "Bộ Chính trị", "Ban Bí thư", "Quốc hội",
          "Chính phủ", "Ban Chấp hành Trung ương", "Mặt trận Tổ quốc", "a.", "Trung bình", "", "", ""]


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(rows: list[list[object]], sep: str) -> str:
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def test_the_header_row_is_the_documented_one():
    assert HEADERS == HEADER_ROW


def test_a_workbook_is_read_sheet_by_sheet_with_its_own_row_numbers():
    data = xlsx({"Phần 1": [HEADER_ROW, FIRST, [], SECOND],
                 "Trống": [],
                 "Phần 2": [[], HEADER_ROW, [3, "Câu hỏi ở trang hai?", "Có", "Không", "", "", "", "", "B"]]})
    parsed = formats.parse("ngan_hang.xlsx", data)
    assert [(q.sheet, q.row) for q in parsed.questions] == [("Phần 1", 2), ("Phần 1", 4), ("Phần 2", 3)]
    assert parsed.problems == [] and parsed.skipped == []

    first, second, third = parsed.questions
    assert first.text == "Chủ tịch Hồ Chí Minh sinh năm nào?"
    assert first.options == ["1890", "1911", "1930", "1945"]        # E and F empty: 4 options
    assert (first.correct, first.answer, first.difficulty) == (0, "A", "dễ")
    assert first.tags == ["Tiểu sử", "Bác Hồ"]
    assert (first.source, first.explanation) == ("Tiểu sử Chủ tịch Hồ Chí Minh", "Ngày 19/5/1890.")
    assert len(second.options) == 6 and second.options[-1] == "Mặt trận Tổ quốc"
    assert second.correct == 0                                       # "a." is A
    assert (third.options, third.correct) == (["Có", "Không"], 1)


def test_numbers_and_dates_typed_in_excel_read_as_the_organiser_typed_them():
    row = [1, "Kế hoạch 130-KH/TU ban hành ngày nào?", datetime(2022, 4, 12), datetime(2022, 2, 22),
           1945, 19.0, "", "", "A", "dễ", "", "", ""]
    question = formats.parse("a.xlsx", xlsx({"Câu hỏi": [HEADER_ROW, row]})).questions[0]
    assert question.options == ["12/04/2022", "22/02/2022", "1945", "19"]


@pytest.mark.parametrize("sep", [",", ";"])
@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["no-bom", "bom"])
def test_csv_with_comma_or_semicolon_with_or_without_bom(sep, bom):
    data = bom + csv_text([HEADER_ROW, FIRST, SECOND], sep).encode()
    parsed = formats.parse("ngan_hang.csv", data)
    assert [q.row for q in parsed.questions] == [2, 3]
    assert [q.sheet for q in parsed.questions] == [None, None]
    assert parsed.questions[0].text == "Chủ tịch Hồ Chí Minh sinh năm nào?"
    assert parsed.questions[0].options == ["1890", "1911", "1930", "1945"]
    assert parsed.questions[1].options[4:] == ["Ban Chấp hành Trung ương", "Mặt trận Tổ quốc"]


def test_headers_without_accents_in_any_order_and_without_e_f_columns():
    header = ["dap an", "cau hoi", "phuong an b", "PHUONG AN A", "nguon", "muc do"]
    data = csv_text([header, ["B", "Bác Hồ ra đi tìm đường cứu nước năm nào?", "1911", "1890", "Báo Nhân Dân", "khó"]],
                    ",").encode()
    question = formats.parse("x.csv", data).questions[0]
    assert question.options == ["1890", "1911"]
    assert (question.correct, question.source, question.difficulty) == (1, "Báo Nhân Dân", "khó")


def test_text_is_stored_in_nfc_with_spaces_collapsed():
    nfd = "Ho\u0302\u0300 Chi\u0301  Minh"  # "Hồ Chí  Minh" decomposed, two spaces
    data = csv_text([HEADER_ROW, [1, f" {nfd}? ", "A", "B", "", "", "", "", "A"]], ",").encode()
    assert formats.parse("x.csv", data).questions[0].text == "Hồ Chí Minh?"


def test_a_missing_column_is_named_with_its_sheet():
    data = xlsx({"Đợt 1": [["STT", "Câu hỏi", "Phương án A", "Phương án B"], [1, "Câu?", "Có", "Không"]]})
    with pytest.raises(InvalidFile) as error:
        formats.parse("x.xlsx", data)
    [problem] = error.value.problems
    assert (problem.sheet, problem.row) == ("Đợt 1", 1)
    assert "Thiếu cột “Đáp án”" in problem.message


@pytest.mark.parametrize("name, data, message", [
    ("x.xlsx", b"not a zip", "Không đọc được tệp Excel"),
    ("x.csv", "Câu hỏi;Đáp án\n".encode("utf-16"), "không ở mã UTF-8"),
    ("x.csv", b"", "Tệp trống"),
    ("x.xlsx", xlsx({"Trống": []}), "Tệp trống"),
], ids=["broken-xlsx", "utf16-csv", "empty-csv", "empty-xlsx"])
def test_unreadable_files_are_refused_in_vietnamese(name, data, message):
    with pytest.raises(InvalidFile) as error:
        formats.parse(name, data)
    assert message in str(error.value.problems[0])


# --- Formulas and error values --------------------------------------------------------------

def saved_by_excel(data: bytes, cells: dict[str, str]) -> bytes:
    """``data`` with cells of its first sheet replaced by the XML Excel writes for them
    (``cells``: reference → the whole ``<c>`` element), e.g. a formula with its cached result."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                xml = content.decode()
                for ref, element in cells.items():
                    xml, found = re.subn(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)', element, xml, count=1)
                    assert found == 1, ref
                content = xml.encode()
            target.writestr(item, content)
    return out.getvalue()


def sheet_xml(data: bytes) -> str:
    return zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()


@pytest.mark.parametrize("formula, typed", [
    ("=1+1", "=1+1"),                                      # typed with its "=": kept whole
    ("=SUM(A1:A2)", "=SUM(A1:A2)"),
    ("=+84912345678", "+84912345678"),                     # Excel put an "=" before a "+"
    ("=- Tăng cường công tác", "- Tăng cường công tác"),   # … and before a "-"
    ("=-5", "-5"),
])
def test_the_text_typed_into_a_cell_excel_stored_as_a_formula(formula, typed):
    assert typed_text(formula) == typed


def test_cells_excel_stored_as_formulas_read_as_the_text_typed_with_a_warning_naming_each():
    row = [1, "Nhiệm vụ nào được nêu đầu tiên?", "=1+1", "=+84912345678", "=- Tăng cường công tác",
           "Không", "", "", "C", "dễ", "", "Nghị quyết", ""]
    data = saved_by_excel(xlsx({"Phần 1": [HEADER_ROW, row]}), {
        # What Excel saves for "- Tăng cường công tác" typed into E2: the formula and its result.
        "E2": '<c r="E2" t="e"><f>- Tăng cường công tác</f><v>#NAME?</v></c>'})
    from openpyxl import load_workbook
    cached = load_workbook(io.BytesIO(data), read_only=True, data_only=True).active
    assert [c.value for c in next(cached.iter_rows(min_row=2, max_row=2))][2:5] == [None, None, "#NAME?"]

    parsed = formats.parse("ngan_hang.xlsx", data)
    assert parsed.problems == []
    [question] = parsed.questions
    assert question.options == ["=1+1", "+84912345678", "- Tăng cường công tác", "Không"]
    assert question.correct == 2
    assert [(w.sheet, w.row) for w in parsed.warnings] == [("Phần 1", 2)] * 3
    first, second, third = (str(w) for w in parsed.warnings)
    assert first.startswith("Trang tính “Phần 1”, dòng 2: Ô C2 (cột “Phương án A”) là công thức Excel “=1+1”")
    assert "đã đọc đúng chữ đã gõ" in first
    assert second.startswith("Trang tính “Phần 1”, dòng 2: Ô D2 (cột “Phương án B”): Excel đã đổi chữ gõ "
                             "“+84912345678” thành công thức “=+84912345678”")
    assert "Ô E2 (cột “Phương án C”)" in third and "“- Tăng cường công tác”" in third
    assert "dấu nháy đơn" in third


ERRORS = ["#NAME?", "#VALUE!", "#DIV/0!", "#REF!", "#N/A", "#NUM!", "#NULL!"]


@pytest.mark.parametrize("error", ERRORS)
def test_a_cell_holding_an_excel_error_value_is_an_error_naming_it(error):
    book = Workbook()
    sheet = book.active
    sheet.title = "Phần 1"
    sheet.append(HEADER_ROW)
    sheet.append([1, "Câu hỏi nào?", "Có", None, "Không", "", "", "", "A"])
    sheet["D2"].value = error
    sheet["D2"].data_type = "e"
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert f'<c r="D2" t="e"><v>{error}</v></c>' in sheet_xml(data)   # a real error cell

    parsed = formats.parse("ngan_hang.xlsx", data)
    [problem] = parsed.problems
    assert (problem.sheet, problem.row) == ("Phần 1", 2)
    assert problem.message.startswith(f"Ô D2 (cột “Phương án B”) chứa giá trị lỗi của Excel “{error}”, "
                                      "không phải nội dung đã gõ")
    assert parsed.warnings == []


def test_an_excel_error_value_in_a_csv_saved_from_excel_is_an_error_naming_it():
    data = csv_text([HEADER_ROW, FIRST, [2, "Câu hỏi?", "Có", "#NAME?", "", "", "", "", "A"]], ";").encode()
    [problem] = formats.parse("x.csv", data).problems
    assert (problem.sheet, problem.row) == (None, 3)
    assert "Ô D3 (cột “Phương án B”) chứa giá trị lỗi của Excel “#NAME?”" in problem.message
