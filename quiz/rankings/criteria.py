"""The contest's ranking rules as registries of small strategies (DESIGN.md §4).

A *criterion* orders rows by one column; a contest lists its criteria in order (``tie_break``)
and the attempt id (the attempt created first) breaks the last tie, so every order is total
and repeatable; with shared ranks (đồng hạng) members equal on every criterion share a rank
instead. The rows are any selectable with the columns ``score``, ``prediction_error``,
``time_used_ms``, ``submitted_at``, ``started_at``, ``attempt_id`` (and ``number`` for
counting): the round's attempts while ranking, the frozen results afterwards.

*Counting* picks the member's attempt that counts, with an order of its own: the best under
the ranking criteria, the most correct answers then the earliest (VCNET: the prediction only
ranks members, it does not pick the attempt), the first or the last. A *truth* computes a
prediction metric's true value for a round.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import ColumnElement, case, distinct, func

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


#: What breaks the last tie when ranks are not shared (said on the rules pages).
LAST_TIE = "lượt thi được tạo trước (mã lượt thi nhỏ hơn)"


def criteria(tie_break: str, columns) -> list[ColumnElement]:
    """The contest's criteria in order."""
    return [CRITERIA[key].order(columns) for key in tie_break.split(",")]


def ordering(tie_break: str, columns) -> list[ColumnElement]:
    """The contest's criteria in order, then the attempt id."""
    return criteria(tie_break, columns) + [columns.attempt_id.asc()]


@dataclass(frozen=True)
class Counting:
    label: str
    order: Callable[[str, object], list[ColumnElement]]


COUNTING: dict[str, Counting] = {
    "best": Counting("lượt có kết quả cao nhất (theo thứ tự xếp hạng)", ordering),
    "most_correct": Counting("lượt nhiều câu đúng nhất, sớm nhất trong các lượt bằng nhau",
                             lambda tie_break, c: [c.score.desc(), c.number.asc()]),
    "first": Counting("lượt đầu tiên", lambda tie_break, c: [c.number.asc()]),
    "last": Counting("lượt cuối cùng", lambda tie_break, c: [c.number.desc()]),
}


#: Prediction metric → its true value, an aggregate over a round's finished attempts
#: (``questions``: per attempt), so that every metric is counted in one pass (``rankings.totals``).
#: "all_correct" counts the people with at least one attempt of the round that answered every
#: question right, once each, whichever attempt counts: the published number is the same.
TRUTH: dict[str, Callable[[int], ColumnElement]] = {
    "all_correct": lambda questions: func.count(distinct(case((Attempt.score >= questions, Attempt.user_id)))),
    "participants": lambda questions: func.count(distinct(Attempt.user_id)),
    "attempts": lambda questions: func.count(),
}
