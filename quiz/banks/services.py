"""Question banks: topics, banks, importing, editing, retiring, searching, exporting.

No HTTP here; the caller commits once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from quiz.banks import formats, validation
from quiz.banks.formats import LETTERS, ParsedQuestion
from quiz.banks.formats.template import split_tags
from quiz.banks.models import DIFFICULTIES, Question, QuestionBank, QuestionOption, Topic
from quiz.contests import snapshot
from quiz.errors import Conflict, DomainError, InvalidFile, NotFound
from quiz.extensions import db
from quiz.text import clean, fold

PAGE_SIZE = 50


# Topics and banks -------------------------------------------------------------------------

def topic(year: int, title: str, issuer: str = "") -> Topic:
    """The topic with this year, title and issuer, created if new."""
    title, issuer = clean(title), clean(issuer)
    if not title:
        raise DomainError("Vui lòng nhập tên chuyên đề.", field="title")
    if not 2000 <= year <= 2100:
        raise DomainError("Năm của chuyên đề không hợp lệ.", field="year")
    found = db.session.scalars(select(Topic).where(
        Topic.year == year, Topic.title == title, Topic.issuer == issuer)).first()
    if found is None:
        found = Topic(year=year, title=title, issuer=issuer)
        db.session.add(found)
        db.session.flush()
    return found


def topics() -> list[Topic]:
    return list(db.session.scalars(select(Topic).order_by(Topic.year.desc(), Topic.title)))


def get_topic(topic_id: int) -> Topic:
    found = db.session.get(Topic, topic_id)
    if found is None:
        raise NotFound("Không tìm thấy chuyên đề.")
    return found


def topics_with_counts() -> list[tuple[Topic, int]]:
    """Every topic with the number of banks on it."""
    stmt = (select(Topic, func.count(QuestionBank.id)).outerjoin(QuestionBank, QuestionBank.topic_id == Topic.id)
            .group_by(Topic.id).order_by(Topic.year.desc(), Topic.title))
    return [tuple(row) for row in db.session.execute(stmt)]


def update_topic(found: Topic, year: int | None, title: str, issuer: str = "") -> None:
    """Change a topic's year, title or issuer; another topic may not have the same three."""
    title, issuer = clean(title), clean(issuer)
    if not title:
        raise DomainError("Vui lòng nhập tên chuyên đề.", field="title")
    if year is None or not 2000 <= year <= 2100:
        raise DomainError("Năm của chuyên đề không hợp lệ.", field="year")
    if len(issuer) > 255:
        raise DomainError("Tên cơ quan ban hành dài tối đa 255 ký tự.", field="issuer")
    other = db.session.scalars(select(Topic).where(
        Topic.year == year, Topic.title == title, Topic.issuer == issuer, Topic.id != found.id)).first()
    if other is not None:
        raise Conflict("Đã có một chuyên đề cùng năm, tên và cơ quan ban hành.", field="title")
    found.year, found.title, found.issuer = year, title, issuer


def create_bank(name: str, topic: Topic | None = None, description: str = "") -> QuestionBank:
    name = clean(name)
    if not name:
        raise DomainError("Vui lòng nhập tên ngân hàng câu hỏi.", field="name")
    if len(name) > 200:
        raise DomainError("Tên ngân hàng dài tối đa 200 ký tự.", field="name")
    if bank_by_name(name) is not None:
        raise Conflict(f"Đã có ngân hàng tên “{name}”.", field="name")
    bank = QuestionBank(name=name, topic=topic, description=clean(description))
    db.session.add(bank)
    db.session.flush()
    return bank


def create_bank_with_topic(name: str, description: str = "", *, topic_id: int | None = None,
                           new_topic: bool = False, year: int | None = None, title: str = "",
                           issuer: str = "") -> QuestionBank:
    """A new bank on an existing topic (``topic_id``), on a new one (``new_topic``: year,
    title, issuer; an identical topic is reused) or on none."""
    if new_topic:
        if year is None:
            raise DomainError("Vui lòng nhập năm của chuyên đề.", field="year")
        if len(clean(issuer)) > 255:
            raise DomainError("Tên cơ quan ban hành dài tối đa 255 ký tự.", field="issuer")
        chosen = topic(year, title, issuer)
    else:
        chosen = get_topic(topic_id) if topic_id is not None else None
    return create_bank(name, chosen, description)


def bank_by_name(name: str) -> QuestionBank | None:
    return db.session.scalars(select(QuestionBank).where(QuestionBank.name == clean(name))).first()


def get_bank(bank_id: int) -> QuestionBank:
    bank = db.session.get(QuestionBank, bank_id)
    if bank is None:
        raise NotFound("Không tìm thấy ngân hàng câu hỏi.")
    return bank


def banks_with_counts() -> list[tuple[QuestionBank, int, int]]:
    """Every bank with its number of questions in use and retired."""
    active = func.count(Question.id).filter(Question.retired_at.is_(None))
    retired = func.count(Question.id).filter(Question.retired_at.is_not(None))
    stmt = (select(QuestionBank, active, retired).outerjoin(Question, Question.bank_id == QuestionBank.id)
            .group_by(QuestionBank.id).order_by(QuestionBank.name))
    return [tuple(row) for row in db.session.execute(stmt)]


# Import -----------------------------------------------------------------------------------

@dataclass
class ImportSummary:
    imported: int
    warnings: int
    skipped: int

    def message(self) -> str:
        text = f"Đã nhập {self.imported:,} câu hỏi".replace(",", ".")
        if self.skipped:
            text += f"; bỏ qua {self.skipped} câu không phải trắc nghiệm một đáp án"
        return text + "."


def preview(bank: QuestionBank | None, filename: str, data: bytes, fmt: str | None = None) -> validation.Report:
    """Read and check a whole file against the bank; writes nothing."""
    return inspect(bank, filename, data, fmt).report


@dataclass
class PreviewRow:
    """A question as read from the file, with the problems found on its row."""

    question: ParsedQuestion
    errors: list[str]
    warnings: list[str]


@dataclass
class Inspection:
    """A file read and checked, nothing written: what was read and what is wrong with it."""

    parsed: formats.Parsed
    report: validation.Report

    @property
    def can_import(self) -> bool:
        return not self.report.errors and bool(self.report.questions)

    def rows(self, limit: int | None = None) -> list[PreviewRow]:
        """The first ``limit`` questions read, each with its errors and warnings."""
        found: dict[tuple, tuple[list[str], list[str]]] = {}
        for kind, problems in ((0, self.report.errors), (1, self.report.warnings)):
            for problem in problems:
                if problem.row is not None:
                    found.setdefault((problem.sheet, problem.row), ([], []))[kind].append(problem.message)
        return [PreviewRow(q, *found.get((q.sheet, q.row), ([], [])))
                for q in self.parsed.questions[:limit]]


def inspect(bank: QuestionBank | None, filename: str, data: bytes, fmt: str | None = None) -> Inspection:
    """Read and check a whole file against the bank, keeping every question read (those
    with errors too) for the organiser's preview; writes nothing."""
    parsed = formats.parse(filename, data, fmt)
    return Inspection(parsed, validation.check(parsed, bank.id if bank else None))


def import_file(bank: QuestionBank, filename: str, data: bytes, *, now: datetime,
                fmt: str | None = None, progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Check the whole file, then write every question, or nothing if any error."""
    return import_checked(bank, preview(bank, filename, data, fmt), now=now, progress=progress)


def import_parsed(bank: QuestionBank, parsed: formats.Parsed, *, now: datetime) -> ImportSummary:
    """Write a file read at its preview (kept by the preview, not read again): checked again
    against the bank as it is now, then every question, or nothing if any error."""
    return import_checked(bank, validation.check(parsed, bank.id), now=now)


def import_checked(bank: QuestionBank, report: validation.Report, *, now: datetime,
                   progress: Callable[[int, int], None] | None = None) -> ImportSummary:
    """Write a file already checked by ``preview`` (so it is not read twice): every
    question, or nothing if it has any error."""
    if report.errors:
        raise InvalidFile(report.errors)
    if not report.questions:
        raise InvalidFile(report.skipped, "Tệp không có câu hỏi trắc nghiệm nào để nhập.")
    write(bank, report.questions, now=now, progress=progress)
    return ImportSummary(len(report.questions), len(report.warnings), len(report.skipped))


def write(bank: QuestionBank, checked: list[validation.Checked], *, now: datetime,
          progress: Callable[[int, int], None] | None = None, batch: int = 2000) -> None:
    """Insert checked questions and their options, in batches of three statements: the
    questions, their new ids (by dedup key, unique in a bank), the options."""
    for start in range(0, len(checked), batch):
        chunk = checked[start:start + batch]
        db.session.execute(insert(Question.__table__), [
            {"bank_id": bank.id, "text": c.parsed.text, "dedup_key": c.dedup_key, "search_key": fold(c.parsed.text),
             "difficulty": c.difficulty, "tags": "; ".join(c.parsed.tags), "source": c.parsed.source,
             "explanation": c.parsed.explanation, "created_at": now}
            for c in chunk])
        ids = dict(db.session.execute(select(Question.dedup_key, Question.id).where(
            Question.bank_id == bank.id, Question.dedup_key.in_([c.dedup_key for c in chunk]))).all())
        db.session.execute(insert(QuestionOption.__table__), [
            {"question_id": ids[c.dedup_key], "position": pos, "text": text, "is_correct": pos == c.parsed.correct}
            for c in chunk for pos, text in enumerate(c.parsed.options)])
        if progress:
            progress(start + len(chunk), len(checked))
    snapshot.changed(bank_id=bank.id)


# One question -----------------------------------------------------------------------------

def get_question(question_id: int, bank: QuestionBank | None = None) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or (bank is not None and question.bank_id != bank.id):
        raise NotFound("Không tìm thấy câu hỏi.")
    return question


def is_used(question: Question) -> bool:
    """Has the question been drawn into any attempt (then its wording is history)?"""
    from quiz.attempts.models import AttemptQuestion

    return db.session.scalar(select(AttemptQuestion.attempt_id)
                             .where(AttemptQuestion.question_id == question.id).limit(1)) is not None


class QuestionRefused(DomainError):
    """One question (typed in the form) breaks the file import's rules: ``problems`` lists
    every one, in the import's words."""

    def __init__(self, problems: list[str], field: str | None = None):
        super().__init__(" ".join(problems), field=field)
        self.problems = problems


class DuplicateQuestion(QuestionRefused, Conflict):
    """The bank already has this question (the same text once normalised)."""

    status = Conflict.status


@dataclass
class CheckedQuestion:
    checked: validation.Checked
    warnings: list[str]


def check_question(bank: QuestionBank, edited: ParsedQuestion, *, question: Question | None = None) -> CheckedQuestion:
    """Check one question as a file import checks each row (``quiz.banks.validation.check``:
    the same rules and messages), and against the other questions of the bank (all but
    ``question``, the one being edited): the same text once normalised is an error, the same
    but for accents a warning, as in an import. Raises ``QuestionRefused`` with every error."""
    report = validation.check(formats.Parsed(questions=[edited]), None)
    errors = [problem.message for problem in report.errors]
    warnings = [problem.message for problem in report.warnings]
    if errors:
        raise QuestionRefused(errors)
    checked = report.questions[0]
    others = select(Question.text).where(Question.bank_id == bank.id)
    if question is not None:
        others = others.where(Question.id != question.id)
    same = db.session.scalars(others.where(Question.dedup_key == checked.dedup_key).limit(1)).first()
    if same is not None:
        raise DuplicateQuestion([f"Câu hỏi đã có trong ngân hàng: “{same[:80]}”."], field="text")
    loose = validation.loose_key(edited.text)
    near = next((text for text in db.session.scalars(others) if validation.loose_key(text) == loose), None)
    if near is not None:
        warnings.insert(0, f"Gần trùng với câu đã có trong ngân hàng: “{near[:80]}” (chỉ khác dấu).")
    return CheckedQuestion(checked, warnings)


def add_question(bank: QuestionBank, edited: ParsedQuestion, *, now: datetime) -> tuple[Question, list[str]]:
    """Add one question to the bank, checked as an import checks it (``check_question``).
    Returns the question and the warnings (near duplicate, no source) to show."""
    found = check_question(bank, edited)
    checked = found.checked
    question = Question(bank_id=bank.id, text=edited.text, dedup_key=checked.dedup_key, search_key=fold(edited.text),
                        difficulty=checked.difficulty, tags="; ".join(edited.tags), source=edited.source,
                        explanation=edited.explanation, created_at=now,
                        options=[QuestionOption(position=i, text=text, is_correct=i == edited.correct)
                                 for i, text in enumerate(edited.options)])
    try:
        with db.session.begin_nested():
            db.session.add(question)
            db.session.flush()
    except IntegrityError:  # the same question, added at the same moment by someone else
        raise DuplicateQuestion([f"Câu hỏi đã có trong ngân hàng: “{edited.text[:80]}”."], field="text") from None
    snapshot.changed(bank_id=bank.id)
    return question, found.warnings


def update_question(question: Question, edited: ParsedQuestion, *, now: datetime) -> list[str]:
    """Change a question, checked as an import checks it (``check_question``). Once used in an
    attempt its wording, options and key are fixed (retire it and add a new one instead); its
    level, tags, source and note may change. Returns the warnings to show."""
    found = check_question(question.bank, edited, question=question)
    checked = found.checked
    wording_changed = (checked.dedup_key != question.dedup_key or question.text != edited.text
                       or [o.text for o in question.options] != edited.options
                       or next(o.position for o in question.options if o.is_correct) != edited.correct)
    if wording_changed and is_used(question):
        raise Conflict("Câu hỏi đã được dùng trong lượt thi nên không sửa được nội dung, phương án hay đáp án. "
                       "Hãy ngừng dùng câu này và thêm câu mới.")
    if wording_changed:
        question.text, question.dedup_key, question.search_key = edited.text, checked.dedup_key, fold(edited.text)
        question.options.clear()
        db.session.flush()
        question.options.extend(QuestionOption(position=i, text=text, is_correct=i == edited.correct)
                                for i, text in enumerate(edited.options))
    question.difficulty = checked.difficulty
    question.tags = "; ".join(edited.tags)
    question.source = edited.source
    question.explanation = edited.explanation
    question.updated_at = now
    snapshot.changed(bank_id=question.bank_id)
    return found.warnings


def retire(question: Question, *, now: datetime) -> None:
    """Stop using a question in new draws; attempts that used it keep it as it was."""
    if question.retired_at is None:
        question.retired_at = now
        snapshot.changed(bank_id=question.bank_id)


def restore(question: Question) -> None:
    if question.retired_at is not None:
        question.retired_at = None
        snapshot.changed(bank_id=question.bank_id)


def edited_from_form(text: str, options: list[str], answer: str, difficulty: str, tags: str,
                     source: str, explanation: str) -> ParsedQuestion:
    options = [clean(o) for o in options]
    while options and not options[-1]:
        options.pop()
    answer = clean(answer).upper()
    return ParsedQuestion(text=clean(text), options=options,
                          correct=LETTERS.index(answer) if len(answer) == 1 and answer in LETTERS else None,
                          answer=answer, difficulty=DIFFICULTIES.get(difficulty, difficulty),
                          tags=split_tags(tags), source=clean(source), explanation=clean(explanation))


# Browsing ---------------------------------------------------------------------------------

def search(bank: QuestionBank, query: str = "", *, retired: bool = False, page: int = 1) -> tuple[list[Question], int]:
    """A page of the bank's questions whose text holds every word of ``query`` (accents and
    case ignored), and the number of matches."""
    stmt = select(Question).where(Question.bank_id == bank.id)
    stmt = stmt.where(Question.retired_at.is_not(None) if retired else Question.retired_at.is_(None))
    for word in fold(query).split()[:8]:
        stmt = stmt.where(Question.search_key.contains(word, autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    page = max(1, page)
    rows = db.session.scalars(stmt.options(selectinload(Question.options)).order_by(Question.id)
                              .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return list(rows), total


def questions_of(bank: QuestionBank, include_retired: bool = False) -> list[Question]:
    stmt = select(Question).where(Question.bank_id == bank.id).options(selectinload(Question.options))
    if not include_retired:
        stmt = stmt.where(Question.retired_at.is_(None))
    return list(db.session.scalars(stmt.order_by(Question.id)))
