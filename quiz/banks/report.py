"""The bank check report: what an organiser should fix before a contest uses a bank.

Over the questions in use (not retired): how the correct answers spread over A–F, how
often the longest option is the correct one, near-duplicate pairs, questions with no
source, questions too short or too long, and the spread of difficulty. Reads only.
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Iterator

from sqlalchemy import select

from quiz.banks.formats import LETTERS
from quiz.banks.models import DIFFICULTIES, Question, QuestionBank, QuestionOption
from quiz.banks.validation import loose_key
from quiz.extensions import db

SHORT_TEXT = 15         # characters: a question shorter than this is probably cut off
LONG_TEXT = 400         # characters: longer is hard to read on a phone
MIN_SAMPLE = 20         # below this many questions the spreads say nothing
SKEW_FACTOR = 1.5       # a letter holding more than 1.5× its even share is flagged
LONGEST_LIMIT = 0.40    # the longest option being the key more often than this is flagged
SIMILARITY = 0.8        # Jaccard similarity of the word sets for a near-duplicate pair
PREVIEW = 80            # characters of a question shown in a finding

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class QuestionRef:
    """A question named in a finding: its id and the start of its text."""

    id: int
    text: str

    def __str__(self) -> str:
        return f"#{self.id} “{self.text}”"


@dataclass(frozen=True)
class LetterShare:
    """How many correct answers sit on one letter, beside what an even spread would give
    (each question spreading evenly over its own options)."""

    letter: str
    count: int
    share: float
    expected_share: float
    skewed: bool


@dataclass(frozen=True)
class NearDuplicate:
    first: QuestionRef
    second: QuestionRef
    similarity: float      # Jaccard similarity of their word sets (accents ignored)
    accents_only: bool     # the same text once accents, case and punctuation are dropped


@dataclass
class Finding:
    """One thing to fix, with the questions (or pairs of questions) it concerns."""

    severity: str          # ERROR or WARNING
    message: str
    questions: list[QuestionRef] = field(default_factory=list)
    pairs: list[NearDuplicate] = field(default_factory=list)


@dataclass
class BankReport:
    bank_id: int
    bank_name: str
    total: int                          # questions in use
    answers: list[LetterShare]
    longest_correct: int                # questions whose correct option is strictly the longest
    near_duplicates: list[NearDuplicate]
    no_source: list[QuestionRef]
    too_short: list[QuestionRef]
    too_long: list[QuestionRef]
    difficulty: dict[str, int]          # code (de, trung_binh, kho) → questions

    @property
    def longest_correct_share(self) -> float:
        return self.longest_correct / self.total if self.total else 0.0

    @property
    def longest_flagged(self) -> bool:
        return self.total >= MIN_SAMPLE and self.longest_correct_share > LONGEST_LIMIT

    @property
    def findings(self) -> list[Finding]:
        return _findings(self)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Item:
    ref: QuestionRef
    text: str
    source: str
    difficulty: str
    options: list[str] = field(default_factory=list)
    correct: int | None = None


# The report -------------------------------------------------------------------------------

def check_bank(bank: QuestionBank) -> BankReport:
    """The check report of a bank, over its questions in use."""
    items = _load(bank)
    return BankReport(
        bank_id=bank.id, bank_name=bank.name, total=len(items),
        answers=answer_spread(items), longest_correct=sum(1 for item in items if _longest_is_correct(item)),
        near_duplicates=near_duplicates(items),
        no_source=[item.ref for item in items if not item.source],
        too_short=[item.ref for item in items if len(item.text) < SHORT_TEXT],
        too_long=[item.ref for item in items if len(item.text) > LONG_TEXT],
        difficulty={code: sum(1 for item in items if item.difficulty == code) for code in DIFFICULTIES},
    )


def _load(bank: QuestionBank) -> list[_Item]:
    in_use = (Question.bank_id == bank.id) & Question.retired_at.is_(None)
    items = {qid: _Item(QuestionRef(qid, shorten(text)), text, source, difficulty)
             for qid, text, source, difficulty in db.session.execute(
                 select(Question.id, Question.text, Question.source, Question.difficulty)
                 .where(in_use).order_by(Question.id))}
    for qid, position, text, is_correct in db.session.execute(
            select(QuestionOption.question_id, QuestionOption.position, QuestionOption.text,
                   QuestionOption.is_correct)
            .join(Question, Question.id == QuestionOption.question_id).where(in_use)
            .order_by(QuestionOption.question_id, QuestionOption.position)):
        item = items[qid]
        if is_correct:
            item.correct = len(item.options)
        item.options.append(text)
    return list(items.values())


def shorten(text: str, limit: int = PREVIEW) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def answer_spread(items: list[_Item]) -> list[LetterShare]:
    """The correct answers per letter, A up to the most options any question has."""
    letters = max((len(item.options) for item in items), default=0)
    counts = Counter(item.correct for item in items if item.correct is not None)
    expected = [sum(1 / len(item.options) for item in items if len(item.options) > i) for i in range(letters)]
    total = len(items)
    return [LetterShare(LETTERS[i], counts[i], counts[i] / total, expected[i] / total,
                        skewed=total >= MIN_SAMPLE and counts[i] > SKEW_FACTOR * expected[i])
            for i in range(letters)]


def _longest_is_correct(item: _Item) -> bool:
    if item.correct is None:
        return False
    longest = len(item.options[item.correct])
    return all(len(option) < longest for i, option in enumerate(item.options) if i != item.correct)


# Near duplicates ----------------------------------------------------------------------------

def near_duplicates(items: list[_Item]) -> list[NearDuplicate]:
    """Pairs that differ only in accents, and pairs whose word sets are at least 80% alike."""
    keys = {item.ref.id: loose_key(item.text) for item in items}
    refs = {item.ref.id: item.ref for item in items}
    words = {qid: frozenset(key.split()) for qid, key in keys.items()}
    pairs = [NearDuplicate(refs[a], refs[b], similarity, accents_only=keys[a] == keys[b])
             for a, b, similarity in similar_pairs(words, SIMILARITY)]
    return sorted(pairs, key=lambda p: (not p.accents_only, p.first.id, p.second.id))


def similar_pairs(sets: dict[int, frozenset[str]], threshold: float) -> Iterator[tuple[int, int, float]]:
    """Every pair ``(a, b, similarity)``, a < b, whose Jaccard similarity is at least
    ``threshold``, without comparing all pairs (prefix filtering, as in All-Pairs/PPJoin).

    Words are ordered rarest first. Two sets that similar share a word among the first
    ``n - ceil(t·n) + 1`` words of the larger and the first ``n - ceil(2t/(1+t)·n) + 1`` of
    the smaller; so, taking sets from small to large, each is compared only with the
    smaller ones already indexed under one of its rare words. A set is compared as a
    bitmask of its words (one bit per word), the cheapest intersection Python has."""
    frequency = Counter(word for words in sets.values() for word in words)
    bit = {word: 1 << i for i, word in enumerate(sorted(frequency))}
    masks = {qid: sum(bit[word] for word in words) for qid, words in sets.items()}
    index: dict[str, list[int]] = defaultdict(list)
    for qid in sorted(sets, key=lambda q: (len(sets[q]), q)):
        words, mask, size = sets[qid], masks[qid], len(sets[qid])
        if not words:
            continue
        ordered = sorted(words, key=lambda w: (frequency[w], w))
        smallest = threshold * size - 1e-9
        candidates = {other for word in ordered[:_prefix(size, threshold)] for other in index[word]
                      if len(sets[other]) >= smallest}
        for other in candidates:
            shared = (mask & masks[other]).bit_count()
            similarity = shared / (size + len(sets[other]) - shared)
            if similarity >= threshold - 1e-9:
                yield min(qid, other), max(qid, other), similarity
        for word in ordered[:_prefix(size, 2 * threshold / (1 + threshold))]:
            index[word].append(qid)


def _prefix(size: int, overlap: float) -> int:
    """How many of a set's rarest words must be looked at to meet any set sharing at least
    ``overlap·size`` of its words."""
    return size - math.ceil(overlap * size - 1e-9) + 1


# What to fix, in Vietnamese -----------------------------------------------------------------

def _findings(report: BankReport) -> list[Finding]:
    if not report.total:
        return [Finding(ERROR, "Ngân hàng chưa có câu hỏi nào đang dùng.")]
    findings = [Finding(WARNING, f"Đáp án đúng dồn vào phương án {share.letter}: {share.count} câu "
                                 f"({percent(share.share)}), trong khi chia đều chỉ khoảng "
                                 f"{percent(share.expected_share)}. Hãy đổi chỗ các phương án.")
                for share in report.answers if share.skewed]
    if report.longest_flagged:
        findings.append(Finding(WARNING, f"Phương án dài nhất là đáp án đúng ở {report.longest_correct} câu "
                                         f"({percent(report.longest_correct_share)}, trên "
                                         f"{percent(LONGEST_LIMIT)}): người thi có thể đoán theo độ dài. "
                                         "Hãy viết các phương án sai dài tương đương."))
    same = [p for p in report.near_duplicates if p.accents_only]
    similar = [p for p in report.near_duplicates if not p.accents_only]
    if same:
        findings.append(Finding(ERROR, f"{len(same)} cặp câu chỉ khác nhau ở dấu (gần như trùng nhau): "
                                       "hãy giữ một câu, ngừng dùng câu kia.", pairs=same))
    if similar:
        findings.append(Finding(WARNING, f"{len(similar)} cặp câu giống nhau từ {percent(SIMILARITY)} số từ "
                                         "trở lên: kiểm tra xem có hỏi cùng một điều không.", pairs=similar))
    for refs, message in ((report.no_source, "chưa ghi nguồn (văn bản trả lời câu hỏi)"),
                          (report.too_short, f"quá ngắn (dưới {SHORT_TEXT} ký tự)"),
                          (report.too_long, f"quá dài (trên {LONG_TEXT} ký tự), khó đọc trên điện thoại")):
        if refs:
            findings.append(Finding(WARNING, f"{len(refs)} câu {message}.", questions=refs))
    return findings


def percent(share: float) -> str:
    """``0.253`` → ``25%`` (whole percents, as an organiser reads them)."""
    return f"{round(share * 100)}%"
