"""Checking a whole file before anything is written: every error kind stops the file, writes
nothing and is named by sheet and row, in Vietnamese; warnings do not block."""
from __future__ import annotations

import csv
import io
import unicodedata

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from quiz.banks import services
from quiz.banks.models import Question, QuestionOption
from quiz.banks.validation import loose_key
from quiz.db import utcnow
from quiz.errors import InvalidFile

HEADER = ["STT", "Câu hỏi", "Phương án A", "Phương án B", "Phương án C", "Phương án D", "Phương án E",
          "Đáp án", "Mức độ", "Chủ đề", "Nguồn", "Giải thích"]
OPTIONS = ("Bộ Chính trị", "Ban Bí thư", "Quốc hội", "Chính phủ")


def row(text: str, options=OPTIONS, answer: str = "A", difficulty: str = "dễ", source: str = "Chỉ thị 05-CT/TW",
        tags: str = "", explanation: str = "") -> list[object]:
    options = list(options) + [""] * (5 - len(options))
    return ["", text, *options, answer, difficulty, tags, source, explanation]


GOOD = [row("Chỉ thị 05-CT/TW do cơ quan nào ban hành?"),
        row("Kết luận 01-KL/TW được ban hành năm nào?", ["2019", "2020", "2021", "2022"], "C")]


def csv_file(rows: list[list[object]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([HEADER, *rows])
    return buffer.getvalue().encode()


def xlsx_file(sheets: dict[str, list[list[object]]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for values in [HEADER, *rows]:
            sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def counts(db) -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Question)),
            db.session.scalar(select(func.count()).select_from(QuestionOption)))


@pytest.fixture
def bank(db):
    """A bank that already holds one question."""
    bank = services.create_bank("Ngân hàng thử")
    services.import_file(bank, "co_san.csv", csv_file([row("Quy định 144-QĐ/TW quy định về nội dung gì?",
                                                            ["Chuẩn mực đạo đức", "Nêu gương", "Kỷ luật"])]),
                         now=utcnow())
    db.session.commit()
    return bank


def refused(db, bank, data: bytes, name: str = "loi.csv") -> list:
    """Import a bad file: it must be refused and write nothing; returns its problems."""
    before = counts(db)
    with pytest.raises(InvalidFile) as error:
        services.import_file(bank, name, data, now=utcnow())
    db.session.rollback()
    assert counts(db) == before
    assert "chưa ghi gì" in error.value.message
    return error.value.problems


NFD = unicodedata.normalize("NFD", "Ai là người đứng đầu cấp ủy?")

ERRORS = {
    "empty question": (row(""), "Thiếu nội dung câu hỏi."),
    "one option": (row("Chỉ có một phương án?", ["Một"]), "Cần ít nhất 2 phương án trả lời."),
    "no options": (row("Không có phương án?", []), "Cần ít nhất 2 phương án trả lời."),
    "answer on an empty option": (row("Đáp án trỏ vào ô trống?", OPTIONS, "E"),
                                  "Đáp án E trỏ tới phương án để trống."),
    "answer past the options": (row("Đáp án C khi chỉ có hai phương án?", ["Có", "Không"], "C"),
                                "Đáp án C trỏ tới phương án để trống."),
    "answer a number": (row("Đáp án ghi bằng số?", OPTIONS, "1"), "Đáp án “1” không hợp lệ"),
    "answer two letters": (row("Đáp án ghi hai chữ?", OPTIONS, "AB"), "Đáp án “AB” không hợp lệ"),
    "answer missing": (row("Không ghi đáp án?", OPTIONS, ""), "Thiếu đáp án."),
    "gap in options": (row("Phương án B để trống?", ["Có", "", "Không"]),
                       "Phương án B để trống nhưng có phương án sau nó."),
    "identical options": (row("Hai phương án giống nhau?", ["Hà Nội", "Huế", "Hà Nội"]),
                          "Hai phương án A và C giống nhau."),
    "options differing in case and spacing": (row("Khác hoa thường?", ["Bộ  Chính trị", "bộ chính TRỊ."]),
                                              "Hai phương án A và B giống nhau."),
    "options differing in tone placement": (row("Khác vị trí dấu?", ["Hòa bình", "Hoà bình", "Chiến tranh"]),
                                            "Hai phương án A và B giống nhau."),
    "question too long": (row("Câu hỏi " + "rất dài " * 300), "quá giới hạn 2,000"),
    "option too long": (row("Phương án quá dài?", ["x" * 501, "Ngắn"]), "Phương án A dài quá 500 ký tự."),
    "source too long": (row("Nguồn quá dài?", source="n" * 2001), "Nguồn hoặc giải thích dài quá"),
    "unknown difficulty": (row("Mức độ lạ?", difficulty="rất khó"), "Mức độ “rất khó” không hợp lệ"),
    "already in the bank": (row("quy định 144-QĐ/TW quy định về nội dung gì"),
                            "Câu hỏi đã có trong ngân hàng"),
}


@pytest.mark.parametrize("kind", ERRORS)
def test_each_error_refuses_the_file_names_sheet_and_row_and_writes_nothing(db, bank, kind):
    bad, message = ERRORS[kind]
    data = xlsx_file({"Đợt 1": [GOOD[0]], "Đợt 2": [GOOD[1], bad]})
    problems = refused(db, bank, data, "loi.xlsx")
    assert {(p.sheet, p.row) for p in problems} == {("Đợt 2", 3)}
    assert any(message in p.message for p in problems), problems
    assert all(str(p).startswith("Trang tính “Đợt 2”, dòng 3: ") for p in problems)


@pytest.mark.parametrize("first, second", [
    ("Hòa bình là khát vọng của ai?", "Hoà bình là khát vọng của ai?"),     # old- / new-style tone mark
    ("Thúy Kiều là nhân vật của tác phẩm nào?", "Thuý Kiều là nhân vật của tác phẩm nào?"),
    ("Ai là người đứng đầu cấp ủy?", NFD),                                  # NFC / NFD
    ("Ai là người đứng đầu cấp ủy?", "AI LÀ NGƯỜI  ĐỨNG ĐẦU CẤP ỦY"),        # case, spacing, punctuation
])
def test_a_question_repeated_inside_the_file_is_an_error(db, bank, first, second):
    problems = refused(db, bank, csv_file([GOOD[0], row(first), GOOD[1], row(second)]))
    assert [(p.row, p.message) for p in problems] == [(5, "Câu hỏi trùng với câu ở dòng 3.")]


def test_a_repeat_on_another_sheet_names_that_sheet(db, bank):
    problems = refused(db, bank, xlsx_file({"A": [GOOD[0]], "B": [GOOD[1], GOOD[0]]}), "x.xlsx")
    assert [(p.sheet, p.row, p.message) for p in problems] == [("B", 3, "Câu hỏi trùng với câu ở dòng 2 (trang “A”).")]


def test_every_problem_of_a_file_is_listed_in_order(db, bank):
    rows = [row(""), GOOD[0], row("Mức độ lạ?", ["Có", "Có"], "G", difficulty="siêu khó"), GOOD[0]]
    problems = refused(db, bank, csv_file(rows))
    assert [p.row for p in problems] == [2, 4, 4, 4, 5]
    assert [p.message for p in problems if p.row == 4] == [
        "Hai phương án A và B giống nhau.", "Đáp án “G” không hợp lệ: cần một chữ cái A–B.",
        "Mức độ “siêu khó” không hợp lệ: dùng dễ, trung bình hoặc khó."]


def test_a_good_file_imports_every_question_with_its_options_and_key(db, bank):
    summary = services.import_file(bank, "tot.csv", csv_file(GOOD), now=utcnow())
    db.session.commit()
    assert (summary.imported, summary.warnings, summary.skipped) == (2, 0, 0)
    question = services.search(bank, "Kết luận 01")[0][0]
    assert [(o.text, o.is_correct) for o in question.options] == [
        ("2019", False), ("2020", False), ("2021", True), ("2022", False)]
    assert question.difficulty == "de"


def test_warnings_do_not_block(db, bank):
    rows = [row("Ai ký ban hành Chỉ thị 05-CT/TW?", source=""),             # no source
            row("Hồ Chí Minh sinh năm nào?"),
            row("Ho Chi Minh sinh nam nao?"),                               # only accents differ
            row("Quy dinh 144-QD/TW quy dinh ve noi dung gi?")]             # only accents differ from the bank
    report = services.preview(bank, "canh_bao.csv", csv_file(rows))
    assert report.errors == []
    assert [(w.row, w.message) for w in report.warnings] == [
        (2, "Chưa ghi nguồn (văn bản trả lời câu hỏi)."),
        (4, "Gần trùng với câu ở dòng 3 (chỉ khác dấu)."),
        (5, "Gần trùng với câu đã có trong ngân hàng: “Quy định 144-QĐ/TW quy định về nội dung gì?” (chỉ khác dấu).")]
    before = counts(db)[0]
    summary = services.import_file(bank, "canh_bao.csv", csv_file(rows), now=utcnow())
    db.session.commit()
    assert (summary.imported, summary.warnings) == (4, 3)
    assert counts(db)[0] == before + 4


def test_difficulty_is_read_with_or_without_accents(db, bank):
    rows = [row(f"Câu hỏi số {i}?", difficulty=level)
            for i, level in enumerate(["dễ", "DE", "Trung bình", "trung binh", "TB", "khó", "Kho", "", "2"])]
    report = services.preview(bank, "muc_do.csv", csv_file(rows))
    assert report.errors == []
    assert [c.difficulty for c in report.questions] == [
        "de", "de", "trung_binh", "trung_binh", "trung_binh", "kho", "kho", "trung_binh", "trung_binh"]


def test_a_file_without_questions_is_refused(db, bank):
    with pytest.raises(InvalidFile) as error:
        services.import_file(bank, "trong.csv", ",".join(HEADER).encode() + b"\n,,,\n", now=utcnow())
    assert error.value.message == "Tệp không có câu hỏi trắc nghiệm nào để nhập."


@pytest.mark.parametrize("text, loose", [
    ("Hồ Chí Minh sinh năm nào?", "ho chi minh sinh nam nao"),
    ("Ho Chi Minh sinh nam nao", "ho chi minh sinh nam nao"),
    ("Hoà bình – độc lập!", "hoa binh doc lap"),
    ("Đảng (05-CT/TW)", "dang 05 ct tw"),
])
def test_loose_key_drops_accents_tones_case_and_punctuation(text, loose):
    assert loose_key(text) == loose
