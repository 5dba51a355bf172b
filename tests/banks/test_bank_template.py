"""The import template (.xlsx and .csv) as read, before any check: sheets, separators,
BOM, Vietnamese or plain headers, unused E/F columns, cells Excel turned into numbers or dates."""
from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import Workbook

from quiz.banks import formats
from quiz.banks.formats.template import HEADERS
from quiz.errors import InvalidFile

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
