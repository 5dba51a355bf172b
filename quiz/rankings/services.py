"""The results lifecycle of a round: open → closed → computed and frozen → published.

``freeze`` finishes what is still open, computes the prediction's true value, writes one
frozen ``Result`` per member (the counted attempt, ranked inside its division by the
contest's criteria, with the member's unit at that moment), awards the prizes and the
question statistics, all in SQL so a round of millions of attempts is a few statements.
After that nothing moves the ranking; ``reopen`` (before publishing) throws it away to
compute again. Services take ``now``, know nothing of HTTP and never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import BigInteger, cast, delete, func, insert, literal, null, select, update
from sqlalchemy.orm import selectinload

from quiz.accounts.models import User
from quiz.attempts import services as attempts
from quiz.attempts.models import Attempt
from quiz.banks.models import Question
from quiz.contests.models import Contest, Round
from quiz.errors import Conflict, DomainError
from quiz.extensions import db
from quiz.rankings import statistics
from quiz.rankings.criteria import COUNTING, TRUTH, ordering
from quiz.rankings.models import QuestionStat, Result
from quiz.units.models import Unit
from quiz.units.services import in_subtree

STATES = {"upcoming": "sắp mở", "open": "đang mở", "closed": "đã đóng, chưa tính kết quả",
          "frozen": "đã tính và chốt kết quả", "published": "đã công bố kết quả"}


def state(round_: Round, now: datetime) -> str:
    if round_.published_at is not None:
        return "published"
    if round_.frozen_at is not None:
        return "frozen"
    if now < round_.opens_at:
        return "upcoming"
    return "open" if now < round_.closes_at else "closed"


def finished_attempts(round_: Round) -> int:
    return db.session.scalar(select(func.count()).select_from(Attempt).where(
        Attempt.round_id == round_.id, Attempt.finished_at.is_not(None)))


def questions_per_attempt(contest: Contest) -> int:
    return sum(rule.count for rule in contest.draw_rules)


# Ranking ---------------------------------------------------------------------------------------

def ranked(round_: Round, contest: Contest, truth: int | None):
    """Each member's counted attempt in the round, ranked inside its division: a SELECT of
    the ``Result`` columns (without ``id`` and ``prize``), the member's current unit included."""
    a = select(Attempt.id.label("attempt_id"), Attempt.user_id, Attempt.division_id, Attempt.number,
               Attempt.score, Attempt.time_used_ms, Attempt.prediction,
               (func.abs(Attempt.prediction - truth) if truth is not None else cast(null(), BigInteger))
               .label("prediction_error"),
               Attempt.started_at, Attempt.finished_at.label("submitted_at")).where(
        Attempt.round_id == round_.id, Attempt.finished_at.is_not(None)).subquery("finished")
    picked = select(a, func.row_number().over(partition_by=a.c.user_id,
                                              order_by=COUNTING[contest.counting](contest.tie_break, a.c))
                    .label("pick"),
                    func.count().over(partition_by=a.c.user_id).label("attempts")).subquery("picked")
    counted = select(picked).where(picked.c.pick == 1).subquery("counted")
    rank = func.row_number().over(partition_by=counted.c.division_id, order_by=ordering(contest.tie_break, counted.c))
    return (select(literal(round_.id).label("round_id"), counted.c.division_id, counted.c.user_id,
                   User.unit_id, counted.c.attempt_id, counted.c.attempts, counted.c.score, counted.c.time_used_ms,
                   counted.c.prediction, counted.c.prediction_error, counted.c.started_at, counted.c.submitted_at,
                   rank.label("rank"))
            .join(User, User.id == counted.c.user_id))


RESULT_COLUMNS = ["round_id", "division_id", "user_id", "unit_id", "attempt_id", "attempts", "score", "time_used_ms",
                  "prediction", "prediction_error", "started_at", "submitted_at", "rank"]


def truth(round_: Round, contest: Contest) -> int | None:
    """The true value of the contest's prediction question in the round (None: no question)."""
    if contest.prediction_metric is None:
        return None
    return db.session.scalar(TRUTH[contest.prediction_metric](round_.id, questions_per_attempt(contest)))


def preview(round_: Round, contest: Contest, now: datetime, limit: int = 50) -> list:
    """What freezing now would rank first (for the organiser, before computing)."""
    value = truth(round_, contest)
    ranks = ranked(round_, contest, value).subquery("preview")
    return db.session.execute(
        select(ranks, User.full_name, Unit.name.label("unit_name"))
        .join(User, User.id == ranks.c.user_id).outerjoin(Unit, Unit.id == ranks.c.unit_id)
        .order_by(ranks.c.division_id, ranks.c.rank).limit(limit)).all()


# The lifecycle ---------------------------------------------------------------------------------

def _lock(round_: Round) -> Round:
    return db.session.scalars(select(Round).where(Round.id == round_.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def freeze(round_: Round, contest: Contest, *, now: datetime) -> int:
    """Compute and freeze the round's results; returns how many members are ranked."""
    round_ = _lock(round_)
    if round_.frozen_at is not None:
        raise Conflict(f"Kết quả {round_.name} đã được tính và chốt.")
    ready = round_.closes_at + timedelta(seconds=contest.grace_s)
    if now < ready:
        raise DomainError(f"{round_.name} chưa đóng (hoặc chưa hết {contest.grace_s} giây nhận bài trễ): "
                          "chưa tính được kết quả.")
    for attempt in db.session.scalars(select(Attempt).where(Attempt.round_id == round_.id,
                                                            Attempt.finished_at.is_(None))):
        attempts.finish(attempt, contest, now=now)
    db.session.flush()
    round_.prediction_truth = truth(round_, contest)
    db.session.execute(insert(Result).from_select(RESULT_COLUMNS, ranked(round_, contest, round_.prediction_truth)))
    award_prizes(round_, contest)
    statistics.compute(round_)
    round_.frozen_at = now
    db.session.flush()
    return db.session.scalar(select(func.count()).select_from(Result).where(Result.round_id == round_.id))


def reopen(round_: Round) -> None:
    """Throw away frozen, unpublished results so they can be computed again."""
    round_ = _lock(round_)
    if round_.published_at is not None:
        raise Conflict(f"Kết quả {round_.name} đã công bố; không tính lại được.")
    if round_.frozen_at is None:
        raise Conflict(f"Kết quả {round_.name} chưa được tính.")
    db.session.execute(delete(Result).where(Result.round_id == round_.id))
    db.session.execute(delete(QuestionStat).where(QuestionStat.round_id == round_.id))
    round_.frozen_at = round_.prediction_truth = None
    db.session.flush()


def publish(round_: Round, *, now: datetime) -> None:
    round_ = _lock(round_)
    if round_.frozen_at is None:
        raise DomainError(f"Hãy tính và chốt kết quả {round_.name} trước khi công bố.")
    if round_.published_at is None:
        round_.published_at = now
        db.session.flush()


@dataclass(frozen=True)
class Step:
    """One move of the lifecycle, as the pages and the CLI offer it."""

    run: Callable[[Round, Contest, datetime], object]
    done: str  # what happened, with {name} (the round) and {value} (what ``run`` returned)


STEPS = {
    "freeze": Step(lambda round_, contest, now: freeze(round_, contest, now=now),
                   "Đã tính và chốt kết quả {name}: {value} thí sinh được xếp hạng."),
    "reopen": Step(lambda round_, contest, now: reopen(round_), "Đã huỷ kết quả đã chốt của {name}; có thể tính lại."),
    "publish": Step(lambda round_, contest, now: publish(round_, now=now), "Đã công bố kết quả {name}."),
}


# Prizes ----------------------------------------------------------------------------------------

def tier_order(contest: Contest) -> dict[str, int]:
    """Each prize name's place in the contest's prize structure (0: the highest)."""
    order: dict[str, int] = {}
    for position, tier in enumerate(contest.prize_tiers):
        order.setdefault(tier.name, position)
    return order


def award_prizes(round_: Round, contest: Contest) -> None:
    """Give each division's prize tiers in rank order. With one prize per person, a member who
    already holds an equal or higher prize from an earlier round is passed over."""
    divisions = {d.id: d.code for d in contest.divisions}
    order = tier_order(contest)
    held: dict[int, int] = {}
    if contest.one_prize_per_person:
        earlier = select(Result.user_id, Result.prize).join(Round, Round.id == Result.round_id).where(
            Round.contest_id == contest.id, Round.number < round_.number, Result.prize.is_not(None))
        for user_id, prize in db.session.execute(earlier):
            held[user_id] = min(held.get(user_id, len(order)), order.get(prize, len(order)))
    division_ids = db.session.scalars(select(Result.division_id).where(Result.round_id == round_.id).distinct())
    for division_id in list(division_ids):
        code = divisions.get(division_id)
        tiers = [t for t in contest.prize_tiers
                 if t.round_number in (None, round_.number) and t.division_code in (None, code)]
        slots = [t.name for t in tiers for _ in range(t.count)]
        if not slots:
            continue
        winners: dict[int, str] = {}
        rows = db.session.execute(select(Result.id, Result.user_id).where(
            Result.round_id == round_.id, Result.division_id.is_(None) if division_id is None
            else Result.division_id == division_id).order_by(Result.rank).limit(len(slots) + len(held)))
        for result_id, user_id in rows:  # only those who hold a prize already can be passed over
            if len(winners) == len(slots):
                break
            prize = slots[len(winners)]
            if held.get(user_id, len(order)) <= order[prize]:
                continue
            winners[result_id] = prize
        for prize in set(winners.values()):
            ids = [rid for rid, p in winners.items() if p == prize]
            db.session.execute(update(Result).where(Result.id.in_(ids)).values(prize=prize))


# Reading ---------------------------------------------------------------------------------------

@dataclass
class Standing:
    rank: int
    full_name: str
    unit_name: str | None
    score: int
    time_used_ms: int
    prediction: int | None
    prediction_error: int | None
    prize: str | None
    user_id: int


def standings(round_: Round, division_id: int | None, *, offset: int = 0, limit: int = 50) -> list[Standing]:
    """A page of the frozen ranking of a round's division: ranks run 1…n without gaps, so a
    page is the range ``rank > offset`` of one index (no OFFSET: a deep page costs what the
    first does)."""
    rows = db.session.execute(
        select(Result.rank, User.full_name, Unit.name, Result.score, Result.time_used_ms, Result.prediction,
               Result.prediction_error, Result.prize, Result.user_id)
        .join(User, User.id == Result.user_id).outerjoin(Unit, Unit.id == Result.unit_id)
        .where(Result.round_id == round_.id,
               Result.division_id.is_(None) if division_id is None else Result.division_id == division_id,
               Result.rank > offset)
        .order_by(Result.rank).limit(limit))
    return [Standing(*row) for row in rows]


def place(round_: Round, user_id: int) -> Result | None:
    """The member's frozen result in the round, if ranked."""
    return db.session.scalars(select(Result).where(Result.round_id == round_.id, Result.user_id == user_id)).first()


def ranked_count(round_: Round, division_id: int | None) -> int:
    return db.session.scalar(select(func.count()).select_from(Result).where(
        Result.round_id == round_.id,
        Result.division_id.is_(None) if division_id is None else Result.division_id == division_id))


@dataclass
class Winner:
    prize: str
    rank: int
    full_name: str
    unit_name: str | None
    division: str | None
    score: int
    time_used_ms: int
    user_id: int
    unit_id: int | None


def winners(round_: Round, contest: Contest, within: Unit | None = None, *, everyone: bool = False,
            user_id: int | None = None) -> list[Winner]:
    """The round's prize winners, highest tier first, then division and rank (only those of
    ``within``'s subtree, or one member's, when given); with ``everyone``, the other ranked
    members follow (for participation certificates) in rank order, prize ""."""
    tier = tier_order(contest)
    divisions = {d.id: d.name for d in contest.divisions}
    query = (select(Result.prize, Result.rank, User.full_name, Unit.name, Result.division_id, Result.score,
                    Result.time_used_ms, Result.user_id, Result.unit_id)
             .join(User, User.id == Result.user_id).outerjoin(Unit, Unit.id == Result.unit_id)
             .where(Result.round_id == round_.id))
    if not everyone:
        query = query.where(Result.prize.is_not(None))
    if within is not None:
        query = query.where(in_subtree(within))
    if user_id is not None:
        query = query.where(Result.user_id == user_id)
    rows = [Winner(prize or "", rank, name, unit, divisions.get(division), score, used, member, unit_id)
            for prize, rank, name, unit, division, score, used, member, unit_id in db.session.execute(query)]
    return sorted(rows, key=lambda w: (tier.get(w.prize, len(tier)), w.division or "", w.rank))


def all_correct(round_: Round, contest: Contest) -> int:
    """Members whose counted attempt answered every question right."""
    return db.session.scalar(select(func.count()).select_from(Result).where(
        Result.round_id == round_.id, Result.score >= questions_per_attempt(contest)))


def answer_key(round_: Round) -> list[tuple[Question, QuestionStat]]:
    """The questions drawn in the round, with their options and statistics, hardest first."""
    return list(db.session.execute(
        select(Question, QuestionStat).join(QuestionStat, QuestionStat.question_id == Question.id)
        .where(QuestionStat.round_id == round_.id).options(selectinload(Question.options))
        .order_by(QuestionStat.facility, Question.id)).all())
