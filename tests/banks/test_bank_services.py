"""Bank services: export then import gives the same bank, accent-insensitive search, the
rules for editing a question once it is used, retiring, and the shipped banks."""
from __future__ import annotations

import io
import unicodedata
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from quiz.attempts.models import Attempt, AttemptQuestion
from quiz.banks import services, shipped, validation
from quiz.banks.formats import Parsed, ParsedQuestion
from quiz.banks.formats.template import HEADERS, write_xlsx
from quiz.banks.models import Question
from quiz.banks.report import check_bank
from quiz.contests.models import Contest, Round
from quiz.db import utcnow
from quiz.errors import Conflict, DomainError, InvalidFile

QUESTIONS = [
    ParsedQuestion("Chủ tịch Hồ Chí Minh sinh năm nào?", ["1890", "1911", "1930", "1945"], 0,
                   difficulty="dễ", tags=["Tiểu sử", "Bác Hồ"], source="Tiểu sử: “sinh ngày 19/5/1890”",
                   explanation="Ngày 19/5/1890 tại làng Kim Liên."),
    ParsedQuestion("Chỉ thị 05-CT/TW do cơ quan nào ban hành?", ["Ban Bí thư", "Bộ Chính trị"], 1,
                   difficulty="khó", tags=["Chỉ thị 05-CT/TW"], source="Chỉ thị 05-CT/TW"),
    ParsedQuestion("=1+1 là công thức hay văn bản? <b>in đậm</b> & “ngoặc”", ["=SUM(A1:A2)", "05", "<i>x</i>",
                   "@mention", "-1", "+84"], 5, difficulty="trung bình"),
    ParsedQuestion("Kết luận 01-KL/TW được ban hành ngày nào?", ["18/5/2021", "15/5/2016", "19/5/2021",
                   "01/01/2022", "Chưa ban hành"], 0, tags=["Kết luận 01-KL/TW", "văn bản"],
                   source="Kết luận số 01-KL/TW, ngày 18/5/2021", explanation="Năm 2021."),
]


def fill(bank, questions=QUESTIONS):
    report = validation.check(Parsed(questions=list(questions)), bank.id)
    assert report.errors == []
    services.write(bank, report.questions, now=utcnow())


@pytest.fixture
def bank(db):
    bank = services.create_bank("Ngân hàng gốc")
    fill(bank)
    db.session.commit()
    return bank


def as_rows(bank):
    return [(q.text, [(o.position, o.text, o.is_correct) for o in q.options], q.difficulty, q.tags,
             q.source, q.explanation) for q in services.questions_of(bank)]


def test_export_then_import_into_a_new_bank_gives_the_same_questions(db, bank):
    data = write_xlsx(services.questions_of(bank))
    copy = services.create_bank("Bản sao")
    summary = services.import_file(copy, "ban_sao.xlsx", data, now=utcnow())
    db.session.commit()
    assert summary.imported == len(QUESTIONS)
    original, copied = as_rows(bank), as_rows(copy)
    assert len(copied) == len(original)
    for before, after in zip(original, copied):
        for field_before, field_after in zip(before, after):
            assert field_before == field_after
    assert copied[2][1][0] == (0, "=SUM(A1:A2)", False)                    # not run as a formula
    assert copied[0][3] == "Tiểu sử; Bác Hồ"


def formula_workbook(option_b: str, *, error: bool = False) -> bytes:
    """A template workbook whose B option Excel stored as a formula (``error``: as an error value)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Câu hỏi"
    sheet.append(HEADERS)
    sheet.append([1, "Văn bản nào được ban hành trước?", "Chỉ thị 05-CT/TW", None, "Kết luận 01-KL/TW", "", "", "",
                  "B", "dễ", "", "Văn kiện", ""])
    sheet.append([2, "Số điện thoại đường dây nóng?", "=+84912345678", "1022", "", "", "", "", "A", "dễ", "",
                  "Thông báo", ""])
    sheet["D2"].value = option_b
    if error:
        sheet["D2"].data_type = "e"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_formula_cell_is_imported_as_typed_with_a_warning_and_exported_as_a_string(db):
    target = services.create_bank("Công thức")
    report = services.preview(target, "cong_thuc.xlsx", formula_workbook("=- Tăng cường công tác"))
    assert report.errors == []
    assert [(w.sheet, w.row) for w in report.warnings] == [("Câu hỏi", 2), ("Câu hỏi", 3)]
    assert "Ô D2 (cột “Phương án B”)" in report.warnings[0].message
    assert "Ô C3 (cột “Phương án A”)" in report.warnings[1].message
    summary = services.import_checked(target, report, now=utcnow())
    db.session.commit()
    assert (summary.imported, summary.warnings) == (2, 2)
    stored = [[o.text for o in q.options] for q in services.questions_of(target)]
    assert stored == [["Chỉ thị 05-CT/TW", "- Tăng cường công tác", "Kết luận 01-KL/TW"], ["+84912345678", "1022"]]

    exported = load_workbook(io.BytesIO(write_xlsx(services.questions_of(target))))["Câu hỏi"]
    for ref, value in (("D2", "- Tăng cường công tác"), ("C3", "+84912345678")):
        assert (exported[ref].data_type, exported[ref].value) == ("s", value)   # text, never a formula
        assert exported[ref].number_format == "@"           # a Text column: an edit stays text too
    formulas = services.create_bank("Công thức gõ có dấu bằng")
    fill(formulas, [ParsedQuestion("Kết quả của 1+1?", ["=1+1", "2"], 1, source="Toán")])
    cell = load_workbook(io.BytesIO(write_xlsx(services.questions_of(formulas))))["Câu hỏi"]["C2"]
    assert (cell.data_type, cell.value) == ("s", "=1+1")
    again = services.preview(services.create_bank("Bản sao"), "xuat.xlsx", write_xlsx(services.questions_of(target)))
    assert again.errors == [] and again.warnings == []      # the export reads back as text: no formula


def test_a_file_with_an_excel_error_value_is_refused_naming_the_cell_and_writes_nothing(db):
    target = services.create_bank("Lỗi Excel")
    with pytest.raises(InvalidFile) as caught:
        services.import_file(target, "loi.xlsx", formula_workbook("#NAME?", error=True), now=utcnow())
    [problem] = caught.value.problems
    assert str(problem).startswith("Trang tính “Câu hỏi”, dòng 2: Ô D2 (cột “Phương án B”) chứa giá trị lỗi "
                                   "của Excel “#NAME?”")
    assert db.session.scalar(select(func.count()).select_from(Question).where(Question.bank_id == target.id)) == 0


def test_exporting_again_into_the_same_bank_is_refused_as_repeats(db, bank):
    data = write_xlsx(services.questions_of(bank))
    report = services.preview(bank, "lai.xlsx", data)
    assert len(report.errors) == len(QUESTIONS)
    assert all("đã có trong ngân hàng" in p.message and p.sheet == "Câu hỏi" for p in report.errors)


@pytest.mark.parametrize("query, found", [
    ("ho chi minh", ["Chủ tịch Hồ Chí Minh sinh năm nào?"]),
    ("HỒ CHÍ MINH", ["Chủ tịch Hồ Chí Minh sinh năm nào?"]),
    (unicodedata.normalize("NFD", "hồ chí"), ["Chủ tịch Hồ Chí Minh sinh năm nào?"]),
    ("ban hanh", ["Chỉ thị 05-CT/TW do cơ quan nào ban hành?", "Kết luận 01-KL/TW được ban hành ngày nào?"]),
    ("chi thi 05", ["Chỉ thị 05-CT/TW do cơ quan nào ban hành?"]),
    ("ho chi minh 1945", []),
    ("100%", []),
    ("", [q.text for q in QUESTIONS]),
])
def test_search_ignores_accents_and_case(bank, query, found):
    questions, total = services.search(bank, query)
    assert [q.text for q in questions] == found
    assert total == len(found)


# Editing and retiring ----------------------------------------------------------------------

def edited(question, **changes) -> ParsedQuestion:
    fields = dict(text=question.text, options=[o.text for o in question.options],
                  correct=next(o.position for o in question.options if o.is_correct),
                  difficulty=question.difficulty, tags=question.tags.split("; ") if question.tags else [],
                  source=question.source, explanation=question.explanation)
    fields.update(changes)
    return ParsedQuestion(**fields)


def use_in_attempt(db, question, user_id):
    now = utcnow()
    contest = Contest(slug="thu", title="Cuộc thi thử")
    db.session.add(contest)
    db.session.flush()
    round_ = Round(contest_id=contest.id, number=1, opens_at=now - timedelta(days=1), closes_at=now + timedelta(days=1))
    db.session.add(round_)
    db.session.flush()
    attempt = Attempt(contest_id=contest.id, round_id=round_.id, user_id=user_id, number=1, seed=42,
                      started_at=now, deadline_at=now + timedelta(minutes=20))
    db.session.add(attempt)
    db.session.flush()
    db.session.add(AttemptQuestion(attempt_id=attempt.id, position=0, question_id=question.id, option_order="3,1,0,2"))
    db.session.commit()


@pytest.fixture
def used(make_unit, make_user, db, bank):
    """The bank's first question, drawn into an attempt."""
    make_unit("ROOT")  # first: make_user would create it inside its own write transaction
    user = make_user(unit="ROOT")
    question = services.questions_of(bank)[0]
    use_in_attempt(db, question, user.id)
    assert services.is_used(question)
    return question


@pytest.mark.parametrize("change", [
    {"text": "Chủ tịch Hồ Chí Minh sinh vào năm nào?"},
    {"text": "Chủ tịch Hồ Chí Minh sinh năm nào ?"},          # even a change the dedup key ignores
    {"options": ["1890", "1911", "1930", "1946"]},
    {"options": ["1890", "1911", "1930"]},
    {"correct": 1},
])
def test_the_wording_of_a_used_question_cannot_change(db, used, change):
    with pytest.raises(Conflict) as error:
        services.update_question(used, edited(used, **change), now=utcnow())
    assert "đã được dùng trong lượt thi" in error.value.message
    db.session.rollback()
    question = db.session.get(Question, used.id)
    assert question.text == "Chủ tịch Hồ Chí Minh sinh năm nào?"
    assert [o.text for o in question.options] == ["1890", "1911", "1930", "1945"]


def test_the_metadata_of_a_used_question_can_change(db, used):
    now = utcnow()
    services.update_question(used, edited(used, difficulty="khó", tags=["Bác Hồ"], source="Nguồn mới",
                                          explanation="Giải thích mới"), now=now)
    db.session.commit()
    question = db.session.get(Question, used.id)
    assert (question.difficulty, question.tags, question.source, question.explanation) == (
        "kho", "Bác Hồ", "Nguồn mới", "Giải thích mới")
    assert question.updated_at == now
    assert [o.text for o in question.options] == ["1890", "1911", "1930", "1945"]


def test_an_unused_question_can_be_reworded(db, bank):
    question = services.questions_of(bank)[1]
    services.update_question(question, edited(question, text="Chỉ thị 05-CT/TW do ai ban hành?",
                                               options=["Ban Bí thư", "Bộ Chính trị", "Quốc hội"], correct=2),
                             now=utcnow())
    db.session.commit()
    question = db.session.get(Question, question.id)
    assert question.text == "Chỉ thị 05-CT/TW do ai ban hành?"
    assert [(o.position, o.text, o.is_correct) for o in question.options] == [
        (0, "Ban Bí thư", False), (1, "Bộ Chính trị", False), (2, "Quốc hội", True)]
    assert services.search(bank, "do ai ban hanh")[1] == 1


def test_an_edit_may_not_copy_another_question_nor_break_the_rules(db, bank):
    first, second = services.questions_of(bank)[:2]
    with pytest.raises(Conflict):
        services.update_question(second, edited(second, text="chủ tịch hồ chí minh sinh năm nào"), now=utcnow())
    with pytest.raises(DomainError) as error:
        services.update_question(second, edited(second, options=["Có", "có"]), now=utcnow())
    assert error.value.message == "Hai phương án A và B giống nhau."


def test_retire_and_restore(db, bank):
    question = services.questions_of(bank)[0]
    first_time = utcnow()
    services.retire(question, now=first_time)
    services.retire(question, now=first_time + timedelta(hours=1))     # retiring again keeps the first time
    db.session.commit()
    assert question.retired_at == first_time
    assert question.id not in [q.id for q in services.questions_of(bank)]
    assert question.id in [q.id for q in services.questions_of(bank, include_retired=True)]
    assert services.search(bank, "ho chi minh") == ([], 0)
    assert [q.id for q in services.search(bank, "ho chi minh", retired=True)[0]] == [question.id]
    assert [(b.name, active, retired) for b, active, retired in services.banks_with_counts()] == [
        ("Ngân hàng gốc", len(QUESTIONS) - 1, 1)]
    assert question.id not in [r.id for r in check_bank(bank).no_source]  # the report skips it too

    services.restore(question)
    db.session.commit()
    assert question.retired_at is None
    assert services.search(bank, "ho chi minh")[1] == 1


def test_a_retired_question_still_blocks_a_repeat(db, bank):
    question = services.questions_of(bank)[0]
    services.retire(question, now=utcnow())
    report = services.preview(bank, "x.xlsx", write_xlsx([question]))
    assert [p.message for p in report.errors] == [f"Câu hỏi đã có trong ngân hàng: “{question.text}”."]


# The shipped banks -------------------------------------------------------------------------

def test_the_shipped_banks_import_without_errors(db):
    manifest = shipped.manifest()
    assert len(manifest) == 6
    for entry in manifest:
        path = shipped.FOLDER / entry["file"]
        report = services.preview(None, path.name, path.read_bytes())
        assert report.errors == [], (entry["file"], report.errors[:3])
        assert report.warnings == [], (entry["file"], report.warnings[:3])
    loaded = shipped.load(utcnow())
    db.session.commit()
    assert [name for name, _ in loaded] == [entry["name"] for entry in manifest]
    assert shipped.load(utcnow()) == []                                  # loading twice adds nothing
    for entry in manifest:
        bank = services.bank_by_name(entry["name"])
        assert bank.topic.year == entry["year"]
        questions = services.questions_of(bank)
        assert len(questions) >= 50, entry["name"]
        for question in questions:
            assert len(question.options) == 4, question.text
            assert sum(o.is_correct for o in question.options) == 1
            assert question.source, question.text
            assert unicodedata.is_normalized("NFC", question.text)
        report = check_bank(bank)
        assert report.ok, (entry["name"], [f.message for f in report.errors])
        assert not any(share.skewed for share in report.answers), entry["name"]
        assert not report.longest_flagged, entry["name"]
    assert db.session.scalar(select(func.count()).select_from(Question)) == sum(n for _, n in loaded)
