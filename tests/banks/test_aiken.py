"""The Aiken parser: Moodle's own fixtures, small files of our own, and bad bytes.

No database or app: the parser and ``validation.check(parsed, None)`` (which reads the
database only for a bank id) are called directly.
"""
from __future__ import annotations

import random
import unicodedata

import pytest

from quiz.banks import formats, validation
from quiz.banks.formats.aiken import parse_aiken
from quiz.errors import InvalidFile

from conftest import moodle_file



def aiken(text: str) -> formats.Parsed:
    return parse_aiken("cau-hoi.txt", text.encode())


def rows(problems) -> list[int | None]:
    return [p.row for p in problems]


# Moodle's fixtures ---------------------------------------------------------------------------

def test_moodle_questions_aiken():
    parsed = parse_aiken("questions.aiken.txt", moodle_file("questions.aiken.txt"))
    assert parsed.problems == [] and parsed.skipped == []
    first, second = parsed.questions
    assert (first.row, first.text) == (1, "The Moodle project was started by:")
    assert first.options == ["Petr Skoda", "Martin Dougiamas", "Eloy Lafuente", "Tim Hunt"]
    assert (first.correct, first.answer) == (1, "B")
    assert second.row == 8
    assert '<html class="cool"> &' in second.text  # as text: not stripped, not escaped
    assert second.text == ("Moodle's abilities include handling user input that includes "
                           '<html class="cool"> & images:')
    assert (second.options, second.correct) == (["True", "False"], 0)


def test_moodle_aiken_errors_gives_two_questions_and_four_problems():
    parsed = parse_aiken("aiken_errors.txt", moodle_file("aiken_errors.txt"))
    good, no_space = parsed.questions
    assert (good.row, good.text, good.options, good.correct) == (9, "A good question", ["Correct", "Incorrect"], 0)
    assert (no_space.row, no_space.text) == (18, "A second good question")
    assert no_space.options == ["Incorrect (No space)", "Correct (No space)"]
    assert no_space.correct == 1
    # Each broken question at the line where it starts; stray lines at their own line.
    assert rows(parsed.problems) == [1, 5, 7, 14]
    too_few, stray_option, stray_answer, unfinished = (p.message for p in parsed.problems)
    assert too_few == "Câu hỏi chỉ có 1 phương án; cần ít nhất 2."
    assert "không thuộc câu hỏi nào" in stray_option and "“A)”" in stray_option
    assert "“ANSWER:” không thuộc câu hỏi nào" in stray_answer
    assert "chưa có dòng “ANSWER:”" in unfinished and "dòng 18" in unfinished
    assert parsed.skipped == []


def test_validation_reports_parse_problems_as_errors():
    parsed = parse_aiken("aiken_errors.txt", moodle_file("aiken_errors.txt"))
    report = validation.check(parsed, None)   # bank_id None: no database, no app context
    assert not report.ok
    assert rows(report.errors) == [1, 5, 7, 14]
    assert [e.message for e in report.errors] == [p.message for p in parsed.problems]
    assert [c.parsed.row for c in report.questions] == [9, 18]


def test_validation_passes_the_good_moodle_file():
    report = validation.check(parse_aiken("q.txt", moodle_file("questions.aiken.txt")), None)
    assert report.ok and len(report.questions) == 2
    assert {w.message for w in report.warnings} == {"Chưa ghi nguồn (văn bản trả lời câu hỏi)."}


@pytest.mark.parametrize("name", ["questions.aiken.txt", "aiken_errors.txt"])
def test_detect_and_parse_end_to_end(name):
    data = moodle_file(name)
    assert formats.detect(name, data) == "aiken"
    assert formats.detect("ngan-hang.aiken", data) == "aiken"
    assert formats.parse(name, data) == parse_aiken(name, data)


# Our own files --------------------------------------------------------------------------------

GOOD = """\
Thủ đô của Việt Nam là
thành phố nào?
A. Hà Nội
B. Huế
C) Đà Nẵng
D)Thành phố Hồ Chí Minh
ANSWER: A

Sông dài nhất chảy qua Việt Nam là
A) Sông Hồng
B) Sông Mê Kông
ANSWER: B
"""


def test_options_with_dot_paren_and_no_space_and_multi_line_question():
    parsed = aiken(GOOD)
    assert parsed.problems == []
    first, second = parsed.questions
    assert first.text == "Thủ đô của Việt Nam là thành phố nào?"
    assert first.options == ["Hà Nội", "Huế", "Đà Nẵng", "Thành phố Hồ Chí Minh"]
    assert (first.row, first.correct, first.answer) == (1, 0, "A")
    assert (second.row, second.correct) == (9, 1)


def test_blank_lines_before_options_and_no_blank_between_questions():
    parsed = aiken("Câu hỏi?\n\nA) Một\n\nB) Hai\n\nANSWER: B\nCâu kế tiếp\nA) x\nB) y\nANSWER: A\n")
    assert parsed.problems == []
    assert [(q.row, q.text, q.correct) for q in parsed.questions] == [(1, "Câu hỏi?", 1), (8, "Câu kế tiếp", 0)]


def test_a_stray_line_is_never_glued_to_the_question_below():
    parsed = aiken("PHẦN I. LỊCH SỬ\n\nCâu hỏi?\nA) Một\nB) Hai\nANSWER: B\n")
    assert [(q.row, q.text) for q in parsed.questions] == [(3, "Câu hỏi?")]
    assert rows(parsed.problems) == [1]
    assert "chưa có phương án và dòng “ANSWER:”" in parsed.problems[0].message
    assert "dòng 3" in parsed.problems[0].message


def test_a_question_line_that_only_looks_like_an_option_is_text():
    parsed = aiken("A.B. Yersin đến Nha Trang năm nào?\nA. 1891\nB. 1894\nANSWER: A\n")
    assert parsed.problems == []
    assert parsed.questions[0].text == "A.B. Yersin đến Nha Trang năm nào?"
    assert parsed.questions[0].options == ["1891", "1894"]


@pytest.mark.parametrize("written, correct", [("B", 1), ("b", 1), ("B.", 1), ("B)", 1), ("  C  ", 2)])
def test_answer_letter_as_people_write_it(written, correct):
    parsed = aiken(f"Câu hỏi\nA) một\nB) hai\nC) ba\nANSWER:{written}\n")
    assert parsed.problems == []
    assert parsed.questions[0].correct == correct


@pytest.mark.parametrize("text, row, words", [
    ("Câu hỏi\nA) một\nB) hai\nANSWER: E\n", 1, ["“E”", "không khớp", "A–B"]),
    ("Câu hỏi\nA) một\nB) hai\nANSWER: AB\n", 1, ["“AB”", "không khớp"]),
    ("Câu hỏi\nA) một\nB) hai\nANSWER:\n", 1, ["chưa ghi đáp án"]),
    ("\n\nCâu hỏi\nANSWER: A\n", 3, ["chưa có phương án nào"]),
    ("Câu hỏi\nA) một\nC) hai\nANSWER: A\n", 1, ["“C)”", "dòng 3", "không đúng thứ tự", "“B)”"]),
    ("Câu hỏi\nA) một\nB) hai\n", 1, ["chưa có dòng “ANSWER:”", "dòng 6"]),
    ("Câu hỏi không có gì", 1, ["chưa có phương án và dòng “ANSWER:”", "dòng 3"]),
    ("Câu hỏi\nA) một\nB) hai\nphương án viết tràn dòng\nANSWER: A\n", 1, ["dòng 4"]),
])
def test_each_broken_question_is_a_problem_at_its_line(text, row, words):
    parsed = aiken(f"{text}\n\nCâu tốt\nA) x\nB) y\nANSWER: A\n")
    assert parsed.problems, "a broken question must be reported"
    assert parsed.problems[0].row == row
    for word in words:
        assert word in parsed.problems[0].message
    # The good question after it is still read, for the preview.
    assert parsed.questions[-1].text == "Câu tốt"


@pytest.mark.parametrize("text, missing", [("Câu hỏi\nA) một\nB) hai\n\n", "dòng “ANSWER:”"),
                                           ("Câu tốt\nA) x\nB) y\nANSWER: A\n\nCâu hỏi", "phương án và dòng")])
def test_a_question_cut_off_by_the_end_of_the_file(text, missing):
    parsed = aiken(text)
    assert len(parsed.problems) == 1
    assert f"chưa có {missing}" in parsed.problems[0].message
    assert "hết tệp" in parsed.problems[0].message


def test_more_options_than_letters_do_not_crash():
    options = "".join(f"{letter}) {letter.lower()}\n" for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    parsed = aiken(f"Câu hỏi\n{options}A) lại A\nANSWER: A\n")
    assert parsed.problems == []
    [question] = parsed.questions
    assert len(question.options) == 27
    # Validation then refuses more than six options.
    assert any("Nhiều nhất 6" in e.message for e in validation.check(parsed, None).errors)


def test_a_run_of_stray_options_is_one_problem():
    parsed = aiken("A) một\nB) hai\nC) ba\nANSWER: A\n\nCâu tốt\nA) x\nB) y\nANSWER: A\n")
    assert rows(parsed.problems) == [1, 4]
    assert [q.row for q in parsed.questions] == [6]


def test_nfd_vietnamese_comes_out_nfc_with_spaces_collapsed():
    nfc = "Ai là người   đọc Tuyên ngôn Độc lập?\nA)  Chủ tịch   Hồ Chí Minh\nB) Võ Nguyên Giáp\nANSWER: A\n"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    question = aiken(nfd).questions[0]
    assert question.text == "Ai là người đọc Tuyên ngôn Độc lập?"
    assert question.options == ["Chủ tịch Hồ Chí Minh", "Võ Nguyên Giáp"]
    for value in [question.text, *question.options]:
        assert unicodedata.is_normalized("NFC", value)


@pytest.mark.parametrize("newline", ["\r\n", "\r"])
def test_bom_and_windows_line_endings(newline):
    data = b"\xef\xbb\xbf" + GOOD.replace("\n", newline).encode()
    parsed = parse_aiken("cau-hoi.txt", data)
    assert parsed.problems == []
    assert [q.row for q in parsed.questions] == [1, 9]
    assert parsed.questions[0].text == "Thủ đô của Việt Nam là thành phố nào?"
    assert all("\ufeff" not in q.text and "\r" not in q.text for q in parsed.questions)
    assert formats.detect("cau-hoi.txt", data) == "aiken"


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16", "utf-16-le"])
def test_a_file_not_in_utf8_is_refused_clearly(encoding):
    data = GOOD.encode(encoding, errors="replace")  # cp1258 has no code for some letters
    with pytest.raises(InvalidFile) as caught:
        parse_aiken("cau-hoi.txt", data)
    assert "UTF-8" in caught.value.problems[0].message
    assert caught.value.problems[0].row is None


def test_an_empty_file_reads_nothing():
    assert aiken("") == formats.Parsed()
    assert aiken("\n\n  \n") == formats.Parsed()


def test_detect_aiken_even_with_braces_in_the_text():
    text = "Tập hợp {1; 2} có mấy phần tử?\nA) 1\nB) 2\nANSWER: B\n\nCâu hai\nA) x\nB) y\nANSWER: A\n"
    assert formats.detect("tap-hop.txt", text.encode()) == "aiken"
    parsed = formats.parse("tap-hop.txt", text.encode())
    assert parsed.questions[0].text == "Tập hợp {1; 2} có mấy phần tử?"


def test_detect_refuses_a_text_file_in_no_known_format():
    with pytest.raises(InvalidFile):
        formats.detect("ghi-chu.txt", "Chỉ là ghi chú, không có câu hỏi.".encode())


def test_no_input_makes_the_parser_crash():
    alphabet = ["A) ", "B. ", "C)", "ANSWER:", "ANSWER: A", "answer: z", "\n", "\n\n", "\r\n", " ", "x",
                "Câu", "\t", "{", "}", "Z)", "A.", "\ufeff"]
    rng = random.Random(7)
    for _ in range(500):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        parsed = aiken(text)
        for q in parsed.questions:
            assert q.correct is not None and 0 <= q.correct < len(q.options)
            assert q.row is not None
        validation.check(parsed, None)
