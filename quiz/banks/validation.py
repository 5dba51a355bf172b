"""Checking a whole question file before anything is written.

Errors stop the import (the file writes nothing); warnings are shown and the organiser
confirms. Every finding names its sheet and row (or line), in Vietnamese.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from quiz.banks.formats import LETTERS, Parsed, ParsedQuestion
from quiz.banks.models import Question
from quiz.errors import Problem
from quiz.extensions import db
from quiz.text import fold, match_key

MAX_QUESTION = 2000
MAX_OPTION = 500
MAX_NOTE = 2000
MAX_TAGS = 500

DIFFICULTY_NAMES = {
    "de": "de", "easy": "de", "1": "de",
    "trung binh": "trung_binh", "tb": "trung_binh", "medium": "trung_binh", "2": "trung_binh",
    "kho": "kho", "hard": "kho", "3": "kho",
}


def difficulty_code(raw: str) -> str | None:
    """``dễ`` → ``de`` …; empty → the default ``trung_binh``; unknown → None."""
    if not raw:
        return "trung_binh"
    return DIFFICULTY_NAMES.get(fold(raw).replace("_", " "))


def dedup_key(text: str) -> str:
    return hashlib.sha256(match_key(text).encode()).hexdigest()


_NOT_WORD = re.compile(r"[\W_]+")


def loose_key(text: str) -> str:
    """The text with every accent and tone, case, spacing and punctuation dropped: two
    questions with the same loose key differ only in their accents (``Hồ Chí Minh sinh năm
    nào?`` / ``Ho Chi Minh sinh nam nao``). Coarser than ``match_key``: equal match keys
    give equal loose keys."""
    return _NOT_WORD.sub(" ", fold(text)).strip()


@dataclass
class Checked:
    """A question that passed, ready to write."""

    parsed: ParsedQuestion
    difficulty: str
    dedup_key: str


@dataclass
class Report:
    questions: list[Checked] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    skipped: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _problem(q: ParsedQuestion, message: str) -> Problem:
    return Problem(q.row, message, q.sheet)


def _where(q: ParsedQuestion) -> str:
    return f"dòng {q.row}" + (f" (trang “{q.sheet}”)" if q.sheet else "")


def check(parsed: Parsed, bank_id: int | None) -> Report:
    """Every error and warning of a parsed file, against itself and the bank it goes into."""
    report = Report(errors=list(parsed.problems), warnings=list(parsed.warnings), skipped=list(parsed.skipped))
    existing: dict[str, str] = {}
    loose_existing: dict[str, str] = {}
    if bank_id is not None:
        for text, key in db.session.execute(
                select(Question.text, Question.dedup_key).where(Question.bank_id == bank_id)):
            existing[key] = text
            loose_existing.setdefault(loose_key(text), text)
    seen: dict[str, ParsedQuestion] = {}
    loose_seen: dict[str, ParsedQuestion] = {}
    for q in parsed.questions:
        errors = _check_one(q)
        key = dedup_key(q.text)
        if q.text and key in seen:
            errors.append(f"Câu hỏi trùng với câu ở {_where(seen[key])}.")
        elif q.text and key in existing:
            errors.append(f"Câu hỏi đã có trong ngân hàng: “{existing[key][:80]}”.")
        report.errors += [_problem(q, e) for e in errors]
        if errors:
            continue
        seen[key] = q
        loose = loose_key(q.text)
        if loose in loose_seen:
            report.warnings.append(_problem(q, f"Gần trùng với câu ở {_where(loose_seen[loose])} "
                                               "(chỉ khác dấu)."))
        elif loose in loose_existing:
            report.warnings.append(_problem(q, "Gần trùng với câu đã có trong ngân hàng: "
                                               f"“{loose_existing[loose][:80]}” (chỉ khác dấu)."))
        loose_seen.setdefault(loose, q)
        if not q.source:
            report.warnings.append(_problem(q, "Chưa ghi nguồn (văn bản trả lời câu hỏi)."))
        report.questions.append(Checked(q, difficulty_code(q.difficulty), key))
    report.errors.sort(key=lambda p: (p.sheet or "", p.row or 0))
    return report


def _check_one(q: ParsedQuestion) -> list[str]:
    errors = []
    if not q.text:
        errors.append("Thiếu nội dung câu hỏi.")
    elif len(q.text) > MAX_QUESTION:
        errors.append(f"Câu hỏi dài {len(q.text):,} ký tự, quá giới hạn {MAX_QUESTION:,}.")
    filled = [o for o in q.options if o]
    if len(filled) < 2:
        errors.append("Cần ít nhất 2 phương án trả lời.")
    if len(q.options) > len(LETTERS):
        errors.append(f"Nhiều nhất {len(LETTERS)} phương án (A–F).")
    for i, option in enumerate(q.options):
        letter = LETTERS[i] if i < len(LETTERS) else str(i + 1)
        if not option and any(q.options[i + 1:]):
            errors.append(f"Phương án {letter} để trống nhưng có phương án sau nó.")
        elif len(option) > MAX_OPTION:
            errors.append(f"Phương án {letter} dài quá {MAX_OPTION} ký tự.")
    errors += [f"Hai phương án {LETTERS[first]} và {LETTERS[later]} giống nhau."
               for first, later in _same_options(q.options[:len(LETTERS)])]
    if q.correct is None:
        errors.append(f"Đáp án “{q.answer}” không hợp lệ: cần một chữ cái A–{LETTERS[max(len(q.options), 2) - 1]}."
                      if q.answer else "Thiếu đáp án.")
    elif q.correct >= len(q.options) or not q.options[q.correct]:
        errors.append(f"Đáp án {LETTERS[q.correct]} trỏ tới phương án để trống.")
    if difficulty_code(q.difficulty) is None:
        errors.append(f"Mức độ “{q.difficulty}” không hợp lệ: dùng dễ, trung bình hoặc khó.")
    if len(q.explanation) > MAX_NOTE or len(q.source) > MAX_NOTE:
        errors.append(f"Nguồn hoặc giải thích dài quá {MAX_NOTE:,} ký tự.")
    if len("; ".join(q.tags)) > MAX_TAGS:
        errors.append(f"Chủ đề dài quá {MAX_TAGS} ký tự.")
    return errors


def _same_options(options: list[str]) -> list[tuple[int, int]]:
    """Pairs of positions (first, later) of options that are the same once normalised
    (``match_key``). Most questions have none, which the cheaper, coarser loose key shows."""
    filled = [(i, option) for i, option in enumerate(options) if option]
    if len({loose_key(option) for _, option in filled}) == len(filled):
        return []
    first_with: dict[str, int] = {}
    pairs = []
    for i, option in filled:
        key = match_key(option)
        if key in first_with:
            pairs.append((first_with[key], i))
        elif key:
            first_with[key] = i
    return pairs
