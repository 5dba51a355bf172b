"""The GIFT parser: Moodle's own fixtures, small files of our own, and bad bytes.

The platform imports single-answer multiple choice and true/false; every other GIFT type
is skipped and reported by line; malformed blocks are errors. No database or app.
"""
from __future__ import annotations

import random
import unicodedata

import pytest

from quiz.banks import formats, validation
from quiz.banks.formats.gift import parse_gift
from quiz.errors import InvalidFile

from conftest import moodle_file

ONLY = "bỏ qua, vì nền tảng chỉ nhận câu trắc nghiệm một đáp án đúng và câu đúng/sai."


def gift(text: str) -> formats.Parsed:
    return parse_gift("cau-hoi.gift", text.encode())


def one(text: str) -> formats.ParsedQuestion:
    parsed = gift(text)
    assert parsed.problems == [] and parsed.skipped == []
    [question] = parsed.questions
    return question


def kinds(skipped) -> dict[int | None, str]:
    """Skipped questions by line, each with the type its message starts with."""
    return {p.row: p.message.split(" “")[0].split(":")[0] for p in skipped}


# Moodle's fixtures ---------------------------------------------------------------------------

def test_moodle_questions_gift():
    parsed = parse_gift("questions.gift.txt", moodle_file("questions.gift.txt"))
    assert parsed.problems == []
    q2, q1, t, true = parsed.questions
    # Q2: single-answer multiple choice; the per-option feedback is dropped.
    assert (q2.row, q2.text) == (14, "What's between orange and green in the spectrum?")
    assert (q2.options, q2.correct) == (["yellow", "red", "blue"], 0)
    # Q1: FALSE with feedback, and the general feedback (####) kept as the explanation;
    # the stray `";` after its closing brace is not part of the question.
    assert (q1.row, q1.text) == (41, "42 is the Absolute Answer to everything.")
    assert (q1.options, q1.correct, q1.answer) == (["Đúng", "Sai"], 1, "FALSE")
    assert q1.explanation == "This is, of course, a Hitchiker's Guide to the Galaxy reference."
    assert (t.row, t.text, t.options, t.correct, t.answer) == (46, "TSL is blablabla.", ["Đúng", "Sai"], 0, "T")
    assert (true.row, true.correct, true.answer) == (49, 0, "TRUE")
    assert kinds(parsed.skipped) == {2: "Câu tự luận", 5: "Câu ghép đôi", 22: "Câu nhiều đáp án đúng",
                                     31: "Câu trả lời số", 34: "Câu trả lời ngắn"}
    for problem in parsed.skipped:
        assert problem.message.endswith(ONLY)
    assert "“How are you?”" in parsed.skipped[0].message
    assert all(q.tags == [] for q in parsed.questions)


def test_moodle_questions_in_category():
    parsed = parse_gift("questions_in_category.gift.txt", moodle_file("questions_in_category.gift.txt"))
    assert parsed.problems == []
    greeting, acronym = parsed.questions
    assert greeting.row == 14
    # Escapes undone (`\=` and `\:` come out as `=` and `:`), the [html] marker dropped and
    # the HTML kept as text, to be escaped at display.
    assert greeting.text == ('<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this '
                             "greeting:</a><br /><br />What language is being spoken?")
    assert "\\" not in greeting.text and "[html]" not in greeting.text
    assert greeting.options == ["English", "French", "German", "Spanish"]
    assert greeting.correct == 1
    assert acronym.row == 27
    assert acronym.text == ('Moodle is an acronym for <span style="font-style: italic;">Modular Object-Oriented '
                            "Dynamic Learning Environment</span>.")
    assert (acronym.options, acronym.correct) == (["Đúng", "Sai"], 0)
    assert kinds(parsed.skipped) == {5: "Câu ghép đôi", 22: "Câu trả lời ngắn"}
    # `$CATEGORY: $course$/Default for New Features` names only Moodle's default category.
    assert greeting.tags == acronym.tags == []


def test_validation_on_questions_gift_finds_the_duplicate_true_false():
    parsed = parse_gift("questions.gift.txt", moodle_file("questions.gift.txt"))
    report = validation.check(parsed, None)   # bank_id None: no database, no app context
    # The file's two “TSL is blablabla.” questions are the same question.
    assert [(e.row, e.message) for e in report.errors] == [(49, "Câu hỏi trùng với câu ở dòng 46.")]
    assert [c.parsed.row for c in report.questions] == [14, 41, 46]
    assert report.skipped == parsed.skipped


def test_validation_passes_questions_in_category():
    parsed = parse_gift("questions_in_category.gift.txt", moodle_file("questions_in_category.gift.txt"))
    report = validation.check(parsed, None)
    assert report.ok
    assert [c.parsed.row for c in report.questions] == [14, 27]
    assert [s.row for s in report.skipped] == [5, 22]


def test_validation_reports_gift_parse_problems_as_errors():
    parsed = gift("Câu hỏi tốt {=Đúng ~Sai}\n\nCâu hỏng {=một ~hai\n\nCâu không đáp án {~a ~b}\n")
    report = validation.check(parsed, None)
    assert [e.row for e in report.errors] == [3, 5]
    assert [e.message for e in report.errors] == [p.message for p in parsed.problems]


@pytest.mark.parametrize("name", ["questions.gift.txt", "questions_in_category.gift.txt"])
def test_detect_and_parse_end_to_end(name):
    data = moodle_file(name)
    assert formats.detect(name, data) == "gift"
    assert formats.detect("cau-hoi.gift", data) == "gift"
    assert formats.parse(name, data) == parse_gift(name, data)


# Our own files --------------------------------------------------------------------------------

def test_escapes_are_undone():
    question = one(r"Trong C\:\: a \= b \~ c \# d \{ e \} f \\ g? {=x \= 1 ~y \~ 2 ~z \# 3 \{\}}")
    assert question.text == r"Trong C:: a = b ~ c # d { e } f \ g?"
    assert question.options == ["x = 1", "y ~ 2", "z # 3 {}"]
    assert question.correct == 0


def test_title_format_markers_and_feedback():
    question = one("::Câu 1::[markdown]Chọn **đáp án** đúng {\n  ~[html]<b>Sai</b> #không phải\n"
                   "  =[plain]Đúng # chính xác\n  ~[moodle]Cũng sai\n####[html]Vì <i>thế</i>.\n}")
    assert question.text == "Chọn **đáp án** đúng"
    assert question.options == ["<b>Sai</b>", "Đúng", "Cũng sai"]
    assert (question.correct, question.answer) == (1, "=[plain]Đúng")
    assert question.explanation == "Vì <i>thế</i>."


def test_missing_word_question():
    question = one("Hồ Gươm ở {~Huế =Hà Nội ~Đà Lạt} và rất đẹp.")
    assert question.text == "Hồ Gươm ở _____ và rất đẹp."
    assert question.options == ["Huế", "Hà Nội", "Đà Lạt"]


@pytest.mark.parametrize("written, correct", [("T", 0), ("TRUE", 0), ("t", 0), ("true", 0), ("F", 1),
                                              ("FALSE", 1), ("false", 1), ("F#sai rồi#đúng rồi", 1),
                                              (" TRUE #x#y ####Giải thích. ", 0)])
def test_true_false(written, correct):
    question = one(f"Hà Nội là thủ đô. {{{written}}}")
    assert question.options == ["Đúng", "Sai"]
    assert question.correct == correct
    assert question.text == "Hà Nội là thủ đô."


def test_weights_that_still_make_one_right_answer():
    question = one("Câu hỏi {~%100%đúng ~%-50%sai ~%0%cũng sai}")
    assert (question.options, question.correct) == (["đúng", "sai", "cũng sai"], 0)
    assert one("Câu hỏi {~sai =%100%đúng}").correct == 1


@pytest.mark.parametrize("answers, kind", [
    ("", "Câu tự luận"),
    ("  \n  ", "Câu tự luận"),
    ("####Chỉ có nhận xét chung", "Câu tự luận"),
    ("#3:2", "Câu trả lời số"),
    ("#=1945 =%50%1946", "Câu trả lời số"),
    ("=Hà Nội", "Câu trả lời ngắn"),
    ("=Hà Nội =Thăng Long", "Câu trả lời ngắn"),
    ("=a -> 1 =b -> 2 =c -> 3", "Câu ghép đôi"),
    ("~%50%a ~%50%b ~%-100%c", "Câu nhiều đáp án đúng"),
    ("=a =b ~c", "Câu nhiều đáp án đúng"),
])
def test_other_types_are_skipped_not_errors(answers, kind):
    parsed = gift(f"// chú thích\n\n::T::Câu hỏi loại khác {{{answers}}}\n\nCâu tốt {{=a ~b}}\n")
    assert parsed.problems == []
    assert [q.row for q in parsed.questions] == [5 + answers.count("\n")]
    [skipped] = parsed.skipped
    assert skipped.row == 3
    assert skipped.message == f"{kind} “Câu hỏi loại khác”: {ONLY}"


def test_a_block_without_answers_is_a_skipped_description():
    parsed = gift("Đây chỉ là lời dẫn.\n\nCâu tốt {=a ~b}\n")
    assert [s.row for s in parsed.skipped] == [1]
    assert parsed.skipped[0].message == f"Đoạn mô tả “Đây chỉ là lời dẫn.” (không có phần đáp án {{ … }}): {ONLY}"
    assert len(parsed.questions) == 1


@pytest.mark.parametrize("block, words", [
    ("Câu hỏi {=a ~b", ["“{” ở dòng 3", "chưa có dấu “}”"]),
    ("Câu hỏi\n=a ~b}", ["“}” ở dòng 4", "không có dấu “{”"]),
    ("Câu hỏi {=a} và {=b ~c}", ["2 dấu “{”", "2 dấu “}”", "\\{"]),
    ("Câu hỏi } ngược {=a ~b", ["đứng trước"]),
    ("Câu hỏi {=a ~b}}", ["1 dấu “{” và 2 dấu “}”"]),
    ("Câu hỏi {~a ~b ~c}", ["chưa có phương án đúng"]),
    ("Câu hỏi {=%50%a ~b}", ["50%"]),
    ("Câu hỏi {a ~b =c}", ["“a” trước phương án đầu tiên"]),
    ("Câu hỏi {chỉ có chữ}", ["không có phương án nào"]),
    ("::Tiêu đề chưa đóng Câu hỏi {=a ~b}", ["“::”"]),
])
def test_malformed_blocks_are_errors_at_their_line(block, words):
    parsed = gift(f"Câu tốt {{=a ~b}}\n\n{block}\n\nCâu tốt nữa {{=c ~d}}\n")
    [problem] = parsed.problems
    assert problem.row == 3
    for word in words:
        assert word in problem.message
    assert [q.row for q in parsed.questions] == [1, 5 + block.count("\n")]


def test_a_blank_line_inside_the_answers_is_reported_on_both_sides():
    parsed = gift("Câu hỏi {\n=a\n\n~b\n}\n")
    assert [p.row for p in parsed.problems] == [1, 4]
    assert parsed.questions == []


def test_stray_text_after_the_closing_brace():
    question = one('Câu hỏi {=a ~b}";')
    assert question.text == "Câu hỏi"


def test_comments_categories_and_line_numbers():
    text = ("// Ngân hàng câu hỏi\n$CATEGORY: $course$/top/Lịch sử/Chương 1\n\n"
            "// câu 1\n::C1:: Năm 1945 {\n// chú thích giữa các phương án\n=đúng\n~sai\n}\n\n"
            "$CATEGORY: $course$/top/Địa lý\n::C2:: Xem http://vi.wikipedia.org {T}\n")
    first, second = gift(text).questions
    assert (first.row, first.text, first.options) == (5, "Năm 1945", ["đúng", "sai"])
    assert first.tags == ["Lịch sử / Chương 1"]
    assert (second.row, second.text, second.tags) == (12, "Xem http://vi.wikipedia.org", ["Địa lý"])


def test_nfd_vietnamese_comes_out_nfc_with_spaces_collapsed():
    nfc = "::C::Ai   đọc Tuyên ngôn Độc lập?\n{\n=Chủ tịch  Hồ Chí Minh\n~Võ Nguyên Giáp\n}\n"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    question = one(nfd)
    assert question.text == "Ai đọc Tuyên ngôn Độc lập?"
    assert question.options == ["Chủ tịch Hồ Chí Minh", "Võ Nguyên Giáp"]
    for value in [question.text, *question.options]:
        assert unicodedata.is_normalized("NFC", value)


def test_bom_and_windows_line_endings():
    text = "// đầu tệp\r\n::C1::Câu một {\r\n=đúng\r\n~sai\r\n}\r\n\r\n::C2::Câu hai {F}\r\n"
    data = b"\xef\xbb\xbf" + text.encode()
    parsed = parse_gift("cau-hoi.txt", data)
    assert parsed.problems == [] and parsed.skipped == []
    assert [(q.row, q.text, q.options) for q in parsed.questions] == [
        (2, "Câu một", ["đúng", "sai"]), (7, "Câu hai", ["Đúng", "Sai"])]
    assert formats.detect("cau-hoi.txt", data) == "gift"


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16"])
def test_a_file_not_in_utf8_is_refused_clearly(encoding):
    data = "Câu hỏi tiếng Việt {=đúng ~sai}".encode(encoding, errors="replace")
    with pytest.raises(InvalidFile) as caught:
        parse_gift("cau-hoi.gift", data)
    assert "UTF-8" in caught.value.problems[0].message


def test_empty_and_comment_only_files_read_nothing():
    assert gift("") == formats.Parsed()
    assert gift("// chỉ có chú thích\n\n// thêm một dòng\n") == formats.Parsed()


def test_no_input_makes_the_parser_crash():
    alphabet = ["{", "}", "=", "~", "#", "####", "->", "::", "%50%", "%-100%", "\\", "\\{", "\\:", "[html]",
                "T", "FALSE", "\n", "\n\n", "\r\n", "// ", "$CATEGORY: a/b", " ", "câu", "\ufeff", '";']
    rng = random.Random(11)
    for _ in range(1000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        parsed = gift(text)
        for q in parsed.questions:
            assert q.correct is not None and 0 <= q.correct < len(q.options)
            assert q.row is not None
        for problem in parsed.problems + parsed.skipped:
            assert problem.row is not None
        validation.check(parsed, None)
