"""The contest's ranking rules as registries of small strategies (DESIGN.md §4).

A *criterion* orders rows by one column; a contest lists its criteria in order (``tie_break``)
and the attempt id always breaks the last tie, so every order is total and repeatable. The
rows are any selectable with the columns ``score``, ``prediction_error``, ``time_used_ms``,
``submitted_at``, ``started_at``, ``attempt_id`` (and ``number`` for counting): the round's
attempts while ranking, the frozen results afterwards.

*Counting* picks the member's attempt that counts: the best under the same criteria, the
first or the last. A *truth* computes a prediction metric's true value for a round.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import ColumnElement, distinct, func, select

from quiz.attempts.models import Attempt


@dataclass(frozen=True)
class Criterion:
    label: str
    order: Callable[[object], ColumnElement]


CRITERIA: dict[str, Criterion] = {
    "score": Criterion("số câu đúng", lambda c: c.score.desc()),
    "prediction": Criterion("chênh lệch câu dự đoán", lambda c: c.prediction_error.asc().nulls_last()),
    "time_used": Criterion("thời gian làm bài", lambda c: c.time_used_ms.asc()),
    "submitted_at": Criterion("thời điểm nộp bài", lambda c: c.submitted_at.asc()),
    "started_at": Criterion("thời điểm bắt đầu làm bài", lambda c: c.started_at.asc()),
}


def ordering(tie_break: str, columns) -> list[ColumnElement]:
    """The contest's criteria in order, then the attempt id."""
    return [CRITERIA[key].order(columns) for key in tie_break.split(",")] + [columns.attempt_id.asc()]


COUNTING: dict[str, Callable[[str, object], list[ColumnElement]]] = {
    "best": ordering,
    "first": lambda tie_break, c: [c.number.asc()],
    "last": lambda tie_break, c: [c.number.desc()],
}


def _finished(round_id: int):
    return (Attempt.round_id == round_id, Attempt.finished_at.is_not(None))


#: Prediction metric → a query for its true value in a round (``questions``: per attempt).
TRUTH: dict[str, Callable[[int, int], object]] = {
    "all_correct": lambda round_id, questions: select(func.count(distinct(Attempt.user_id))).where(
        *_finished(round_id), Attempt.score >= questions),
    "participants": lambda round_id, questions: select(func.count(distinct(Attempt.user_id))).where(
        *_finished(round_id)),
    "attempts": lambda round_id, questions: select(func.count()).select_from(Attempt).where(*_finished(round_id)),
}
