"""The results lifecycle of a round: open → closed → computed and frozen → published.

``freeze`` finishes what is still open, computes the prediction's true value and the number
of all-correct members, writes one frozen ``Result`` per member (the counted attempt, placed
inside its division by the contest's criteria, with the member's unit and đối tượng at that
moment), the units' collective standing (``quiz.rankings.collective``) and the question
statistics, all in SQL so a round of millions of attempts is a few statements, and settles
the prizes of every frozen round of the contest again (``quiz.rankings.prizes``: one prize
per person holds whatever order rounds are frozen in). After that nothing moves the ranking;
``reopen`` (before publishing) throws it away to compute again. ``withdraw`` takes a published
round back to frozen, with a reason the published page then shows (members no longer see a
place or a prize; the organiser may compute again or publish again). The whole contest's
results (collective prizes over every round) are frozen once every round is.

Every step records one audit entry (``quiz.audit.services.record``) in its own transaction,
with the actor's id (None: the server's command line). Services take ``now``, know nothing of
HTTP and never commit.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import BigInteger, Integer, case, cast, delete, func, insert, literal, null, select
from sqlalchemy.orm import aliased, selectinload

from quiz.accounts.models import User
from quiz.attempts import services as attempts
from quiz.attempts.models import Attempt
from quiz.audit import services as audit
from quiz.banks.models import Question
from quiz.contests.models import Contest, Round
from quiz.db import large_sorts, long_statements
from quiz.errors import Conflict, DomainError
from quiz.extensions import db
from quiz.rankings import collective, prizes, statistics
from quiz.rankings.criteria import COUNTING, TRUTH, criteria, ordering
from quiz.rankings.models import QuestionStat, Result, UnitResult
from quiz.units.models import Unit
from quiz.units.services import in_subtree

STATES = {"upcoming": "sắp mở", "open": "đang mở", "closed": "đã đóng, chưa tính kết quả",
          "frozen": "đã tính và chốt kết quả", "published": "đã công bố kết quả"}
#: The longest reason for withdrawing a publication.
REASON_MAX = 1000


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

def submitted_at():
    """When the attempt counts as submitted: a submit inside the grace seconds counts as made
    at the deadline (grace is slack for the network, it must not cost a place)."""
    return case((Attempt.finished_at > Attempt.deadline_at, Attempt.deadline_at), else_=Attempt.finished_at)


def level_unit(path, level: int):
    """The id of the unit at ``level`` of the tree above (or at) the unit with ``path``
    (``/1/23/456/``: level 0 is 1, level 1 is 23); NULL for a unit above that level."""
    return cast(func.nullif(func.split_part(path, "/", level + 2), ""), Integer)


def ranked(round_: Round, contest: Contest, truth: int | None):
    """Each member's counted attempt in the round, placed inside its division: a SELECT of
    the ``Result`` columns (without ``id`` and ``prize``), the member as they are now."""
    a = select(Attempt.id.label("attempt_id"), Attempt.user_id, Attempt.division_id, Attempt.number,
               Attempt.score, Attempt.time_used_ms, Attempt.prediction,
               (func.abs(Attempt.prediction - truth) if truth is not None else cast(null(), BigInteger))
               .label("prediction_error"),
               Attempt.started_at, submitted_at().label("submitted_at")).where(
        Attempt.round_id == round_.id, Attempt.finished_at.is_not(None)).subquery("finished")
    counting = COUNTING[contest.counting].order(contest.tie_break, a.c)
    picked = select(a, func.row_number().over(partition_by=a.c.user_id, order_by=counting).label("pick"),
                    func.count().over(partition_by=a.c.user_id).label("attempts")).subquery("picked")
    # "<= 1", not "= 1" (the same rows): PostgreSQL guesses that 0.5 % of the attempts pass an
    # equality on a computed column and then looks the members up one by one; for "<=" it guesses
    # many more and joins them by hash (~40 % pass: 780,000 members. BENCHMARKS.md, issue 12)
    counted = select(picked).where(picked.c.pick <= 1).subquery("counted")
    position = func.row_number().over(partition_by=counted.c.division_id,
                                      order_by=ordering(contest.tie_break, counted.c))
    rank = (func.rank().over(partition_by=counted.c.division_id, order_by=criteria(contest.tie_break, counted.c))
            if contest.shared_rank else position)
    member_unit = aliased(Unit)
    return (select(literal(round_.id).label("round_id"), counted.c.division_id, counted.c.user_id,
                   User.unit_id, level_unit(member_unit.path, contest.collective_level).label("level_unit_id"),
                   User.category, counted.c.number.label("attempt_number"), counted.c.attempts, counted.c.score,
                   counted.c.time_used_ms, counted.c.prediction, counted.c.prediction_error, counted.c.started_at,
                   counted.c.submitted_at, position.label("position"), rank.label("rank"))
            .join(User, User.id == counted.c.user_id).outerjoin(member_unit, member_unit.id == User.unit_id))


RESULT_COLUMNS = ["round_id", "division_id", "user_id", "unit_id", "level_unit_id", "category", "attempt_number",
                  "attempts", "score", "time_used_ms", "prediction", "prediction_error", "started_at", "submitted_at",
                  "position", "rank"]


def totals(round_: Round, contest: Contest) -> dict[str, int]:
    """Every prediction metric's true value in the round (participants, attempts, people with
    every answer right), in one pass over its finished attempts."""
    questions = questions_per_attempt(contest)
    return dict(db.session.execute(
        select(*(value(questions).label(metric) for metric, value in TRUTH.items())).select_from(Attempt)
        .where(Attempt.round_id == round_.id, Attempt.finished_at.is_not(None))).one()._mapping)


def truth(round_: Round, contest: Contest, metric: str | None = None) -> int | None:
    """The true value of the contest's prediction question in the round (None: no question),
    or of another ``metric``."""
    metric = metric or contest.prediction_metric
    return None if metric is None else totals(round_, contest)[metric]


def preview(round_: Round, contest: Contest, now: datetime, limit: int = 50) -> list:
    """What freezing now would rank first (for the organiser, before computing)."""
    value = truth(round_, contest)
    ranks = ranked(round_, contest, value).subquery("preview")
    return db.session.execute(
        select(ranks, User.full_name, Unit.name.label("unit_name"))
        .join(User, User.id == ranks.c.user_id).outerjoin(Unit, Unit.id == ranks.c.unit_id)
        .order_by(ranks.c.division_id, ranks.c.position).limit(limit)).all()


# The lifecycle ---------------------------------------------------------------------------------

def _lock(round_: Round) -> Round:
    return db.session.scalars(select(Round).where(Round.id == round_.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _lock_contest(contest: Contest) -> Contest:
    return db.session.scalars(select(Contest).where(Contest.id == contest.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def settle_prizes(contest: Contest, *, now: datetime, cause: str, actor_id: int | None = None) -> None:
    """Settle the individual prizes of every frozen round, then count them again in the frozen
    collective standings (their figures do not move). The caller holds the contest's row lock."""
    prizes.settle(contest, now=now, cause=cause, actor_id=actor_id)
    for frozen in db.session.scalars(select(Round).where(Round.contest_id == contest.id,
                                                         Round.frozen_at.is_not(None))):
        collective.rank(contest, frozen)


#: ``progress(done, total, label)``: told, between the steps of a long job, how far it is.
Progress = Callable[[int, int, str], None]


class Steps:
    """The steps of a long job reported to ``progress`` as each begins: ``done`` is the sum of
    the weights (shares of the time, as measured) of the steps before it; ``end`` reports the
    whole. Called inside the job's transaction: ``progress`` must not use its session."""

    def __init__(self, progress: Progress | None, steps: dict[str, tuple[int, str]]):
        self.progress, self.steps, self.done = progress, steps, 0
        self.total = sum(weight for weight, _ in steps.values())

    def begin(self, step: str) -> None:
        weight, label = self.steps[step]
        if self.progress is not None:
            self.progress(self.done, self.total, label)
        self.done += weight

    def end(self, label: str) -> None:
        if self.progress is not None:
            self.progress(self.total, self.total, label)


#: Freezing a round, step by step, with each step's share of the time at 2,500,000 attempts.
FREEZE_STEPS = {"finish": (1, "Kết thúc các lượt thi còn mở"),
                "count": (4, "Đếm người dự thi, tính đáp án câu hỏi dự đoán"),
                "rank": (80, "Xếp hạng và ghi kết quả của từng thí sinh"),
                "collective": (6, "Tính số liệu và kết quả tập thể các đơn vị"),
                "prizes": (2, "Xét giải"),
                "statistics": (7, "Thống kê câu hỏi")}


def freeze(round_: Round, contest: Contest, *, now: datetime, actor_id: int | None = None,
           progress: Progress | None = None) -> int:
    """Compute and freeze the round's results, in the caller's one transaction; returns how many
    members are ranked. ``progress`` hears of each step as it begins. A large round takes longer
    than a request's statement timeout allows: this transaction gets the long one."""
    long_statements(db.session)
    steps = Steps(progress, FREEZE_STEPS)
    contest = _lock_contest(contest)
    round_ = _lock(round_)
    if round_.frozen_at is not None:
        raise Conflict(f"Kết quả {round_.name} đã được tính và chốt.")
    ready = round_.closes_at + timedelta(seconds=contest.grace_s)
    if now < ready:
        raise DomainError(f"{round_.name} chưa đóng (hoặc chưa hết {contest.grace_s} giây nhận bài trễ): "
                          "chưa tính được kết quả.")
    steps.begin("finish")
    for attempt in db.session.scalars(select(Attempt).where(Attempt.round_id == round_.id,
                                                            Attempt.finished_at.is_(None))):
        attempts.finish(attempt, contest, now=now)
    db.session.flush()
    steps.begin("count")
    counts = totals(round_, contest)
    round_.prediction_truth = counts[contest.prediction_metric] if contest.prediction_metric else None
    round_.all_correct = counts["all_correct"]
    steps.begin("rank")
    large_sorts(db.session)
    rows = ranked(round_, contest, round_.prediction_truth).subquery("ranked")
    # in member order: the attempts' key (each row's foreign key) and the (round, member) index
    # are then both visited in their order
    db.session.execute(insert(Result).from_select(
        RESULT_COLUMNS, select(*(rows.c[name] for name in RESULT_COLUMNS)).order_by(rows.c.user_id)))
    round_.frozen_at = now
    db.session.flush()
    steps.begin("collective")
    units = collective.freeze(contest, round_)
    round_.figures = collective.published_figures(units, counts["participants"], counts["attempts"])
    steps.begin("prizes")
    settle_prizes(contest, now=now, cause=f"Chốt kết quả {round_.name}", actor_id=actor_id)
    steps.begin("statistics")
    statistics.compute(round_)
    db.session.flush()
    ranked_members = counts["participants"]
    winners = db.session.scalar(select(func.count()).select_from(Result).where(Result.round_id == round_.id,
                                                                              Result.prize.is_not(None)))
    audit.record("round.freeze", f"Tính và chốt kết quả {round_.name}: {ranked_members} thí sinh được xếp hạng, "
                 f"{winners} người đoạt giải.", actor_id=actor_id, now=now, contest_id=contest.id,
                 round_id=round_.id, changes={"ranked": ranked_members, "winners": winners,
                                              "prediction_truth": round_.prediction_truth,
                                              "all_correct": round_.all_correct})
    steps.end(f"Đã tính và chốt kết quả {round_.name}: {ranked_members:,} thí sinh được xếp hạng.".replace(",", "."))
    return ranked_members


def reopen(round_: Round, contest: Contest, *, now: datetime, actor_id: int | None = None) -> None:
    """Throw away frozen, unpublished results so they can be computed again."""
    contest = _lock_contest(contest)
    round_ = _lock(round_)
    if round_.published_at is not None:
        raise Conflict(f"Kết quả {round_.name} đã công bố; không tính lại được.")
    if round_.frozen_at is None:
        raise Conflict(f"Kết quả {round_.name} chưa được tính.")
    if contest.results_frozen_at is not None:
        raise Conflict("Kết quả toàn cuộc thi đã chốt: hãy huỷ kết quả toàn cuộc thi trước khi tính lại một đợt.")
    for table in (Result, QuestionStat, UnitResult):
        db.session.execute(delete(table).where(table.round_id == round_.id))
    frozen_at = round_.frozen_at
    round_.frozen_at = round_.prediction_truth = round_.all_correct = round_.figures = None
    db.session.flush()
    settle_prizes(contest, now=now, cause=f"Huỷ kết quả {round_.name} để tính lại", actor_id=actor_id)
    audit.record("round.reopen", f"Huỷ kết quả đã chốt của {round_.name} để tính lại.", actor_id=actor_id,
                 now=now, contest_id=contest.id, round_id=round_.id,
                 changes={"frozen_at": [frozen_at.isoformat(timespec="seconds"), None]})


def publish(round_: Round, *, now: datetime, actor_id: int | None = None) -> bool:
    """Make the frozen results public; returns False if they already were (nothing logged)."""
    round_ = _lock(round_)
    if round_.frozen_at is None:
        raise DomainError(f"Hãy tính và chốt kết quả {round_.name} trước khi công bố.")
    if round_.published_at is not None:
        return False
    round_.published_at = now
    db.session.flush()
    again = f" (công bố lại sau khi rút lại: {round_.withdrawal_reason})" if round_.withdrawn_at else ""
    audit.record("round.publish", f"Công bố kết quả {round_.name}{again}.", actor_id=actor_id, now=now,
                 contest_id=round_.contest_id, round_id=round_.id,
                 changes={"winners": db.session.scalar(select(func.count()).select_from(Result).where(
                     Result.round_id == round_.id, Result.prize.is_not(None)))})
    return True


def withdraw(round_: Round, reason: str, *, now: datetime, actor_id: int | None = None) -> None:
    """Take a published round's results back to frozen, for review: its published page then
    says so with ``reason``; members no longer see a place or a prize. The frozen results
    stay: the organiser publishes them again or computes them again (``reopen``)."""
    reason = " ".join((reason or "").split())
    if len(reason) < 5:
        raise DomainError("Vui lòng ghi lý do rút lại công bố (thí sinh sẽ đọc lý do này).", field="reason")
    if len(reason) > REASON_MAX:
        raise DomainError(f"Lý do dài tối đa {REASON_MAX:,} ký tự.".replace(",", "."), field="reason")
    round_ = _lock(round_)
    if round_.published_at is None:
        raise Conflict(f"Kết quả {round_.name} chưa được công bố: không có gì để rút lại.")
    published_at = round_.published_at
    round_.published_at = None
    round_.withdrawn_at = now
    round_.withdrawal_reason = reason
    db.session.flush()
    audit.record("round.withdraw", f"Rút lại công bố kết quả {round_.name}: {reason}", actor_id=actor_id,
                 now=now, contest_id=round_.contest_id, round_id=round_.id,
                 changes={"published_at": [published_at.isoformat(timespec="seconds"), None], "reason": reason})


@dataclass(frozen=True)
class Step:
    """One move of the lifecycle, as the pages and the CLI offer it: ``run(round, contest, now,
    actor_id)`` (actor None: the server's command line)."""

    run: Callable[[Round, Contest, datetime, int | None], object]
    done: str  # what happened, with {name} (the round) and {value} (what ``run`` returned)


STEPS = {
    "freeze": Step(lambda round_, contest, now, actor_id: freeze(round_, contest, now=now, actor_id=actor_id),
                   "Đã tính và chốt kết quả {name}: {value} thí sinh được xếp hạng."),
    "reopen": Step(lambda round_, contest, now, actor_id: reopen(round_, contest, now=now, actor_id=actor_id),
                   "Đã huỷ kết quả đã chốt của {name}; có thể tính lại."),
    "publish": Step(lambda round_, contest, now, actor_id: publish(round_, now=now, actor_id=actor_id),
                    "Đã công bố kết quả {name}."),
}


# What a step will do, for its confirmation page ------------------------------------------------------

@dataclass
class Freezing:
    """What freezing the round now would do."""

    finished: int                       # finished attempts
    open: int                           # attempts still open: finished with their saved answers
    members: int                        # members with a finished attempt: how many will be ranked
    prizes: list[tuple[str, int]]       # (prize, how many), highest first, over the divisions
    ready_at: datetime                  # the close plus the grace: freezing is possible from then


def freezing(round_: Round, contest: Contest) -> Freezing:
    finished, members, still_open = db.session.execute(
        select(func.count().filter(Attempt.finished_at.is_not(None)),
               func.count(func.distinct(case((Attempt.finished_at.is_not(None), Attempt.user_id)))),
               func.count().filter(Attempt.finished_at.is_(None)))
        .where(Attempt.round_id == round_.id)).one()
    codes = [d.code for d in contest.divisions] or [None]
    counts: dict[str, int] = {}
    for code in codes:
        for _, name in prizes.slots(contest, round_.number, code):
            counts[name] = counts.get(name, 0) + 1
    order = prizes.tier_order(contest)
    return Freezing(finished, still_open, members, sorted(counts.items(), key=lambda item: order.get(item[0], 0)),
                    round_.closes_at + timedelta(seconds=contest.grace_s))


@dataclass
class Publication:
    """What publishing the frozen round makes public."""

    ranked: int
    winners: list[tuple[str, int]]      # (prize, how many), highest first
    shows_key: bool                     # the answer key and each question's share of right answers
    key_questions: int
    all_correct: int | None
    prediction_truth: int | None
    collective: bool                    # the units' collective standing

    @property
    def winner_count(self) -> int:
        return sum(count for _, count in self.winners)


def publication(round_: Round, contest: Contest) -> Publication:
    order = prizes.tier_order(contest)
    won = db.session.execute(select(Result.prize, func.count()).where(
        Result.round_id == round_.id, Result.prize.is_not(None)).group_by(Result.prize)).all()
    shows_key = contest.show_answers == "after_close"
    return Publication(
        ranked=db.session.scalar(select(func.count()).select_from(Result).where(Result.round_id == round_.id)),
        winners=sorted(((prize, count) for prize, count in won), key=lambda item: order.get(item[0], len(order))),
        shows_key=shows_key,
        key_questions=db.session.scalar(select(func.count()).select_from(QuestionStat).where(
            QuestionStat.round_id == round_.id)) if shows_key else 0,
        all_correct=round_.all_correct, prediction_truth=round_.prediction_truth,
        collective=contest.collective_metric is not None)


# The whole contest's results (collective prizes over every round) ------------------------------------

def contest_state(contest: Contest) -> str:
    if contest.results_published_at is not None:
        return "published"
    return "frozen" if contest.results_frozen_at is not None else "open"


def freeze_contest(contest: Contest, *, now: datetime, actor_id: int | None = None,
                   progress: Progress | None = None) -> int:
    """Close the contest's results: every round must be frozen; the units' standings over the
    whole contest are computed and frozen. Returns how many units are ranked. (The long
    statement timeout, as for a round; ``progress`` as for a round.)"""
    long_statements(db.session)
    steps = Steps(progress, {"collective": (1, "Tính số liệu và kết quả tập thể cả cuộc thi")})
    contest = _lock_contest(contest)
    if contest.results_frozen_at is not None:
        raise Conflict("Kết quả toàn cuộc thi đã được chốt.")
    waiting = [r.name for r in contest.rounds if r.frozen_at is None]
    if waiting or not contest.rounds:
        raise DomainError(f"Hãy tính và chốt kết quả mọi đợt trước (chưa chốt: {', '.join(waiting)}).")
    steps.begin("collective")
    contest.results_frozen_at = now
    db.session.flush()
    units = collective.freeze(contest, None)
    collective.rank(contest, None)
    participants, count = db.session.execute(
        select(func.count(func.distinct(Attempt.user_id)), func.count())
        .where(Attempt.contest_id == contest.id, Attempt.finished_at.is_not(None))).one()
    contest.results_figures = collective.published_figures(units, participants, count)
    audit.record("contest.freeze_results", f"Chốt kết quả toàn cuộc thi: {len(units)} đơn vị được xếp hạng.",
                 actor_id=actor_id, now=now, contest_id=contest.id, changes={"units_ranked": len(units)})
    steps.end(f"Đã chốt kết quả toàn cuộc thi: {len(units)} đơn vị được xếp hạng.")
    return len(units)


def reopen_contest(contest: Contest, *, now: datetime, actor_id: int | None = None) -> None:
    contest = _lock_contest(contest)
    if contest.results_published_at is not None:
        raise Conflict("Kết quả toàn cuộc thi đã công bố; không tính lại được.")
    if contest.results_frozen_at is None:
        raise Conflict("Kết quả toàn cuộc thi chưa được chốt.")
    db.session.execute(delete(UnitResult).where(UnitResult.contest_id == contest.id, UnitResult.round_id.is_(None)))
    frozen_at = contest.results_frozen_at
    contest.results_frozen_at = contest.results_figures = None
    db.session.flush()
    audit.record("contest.reopen_results", "Huỷ kết quả toàn cuộc thi để chốt lại.", actor_id=actor_id, now=now,
                 contest_id=contest.id, changes={"results_frozen_at": [frozen_at.isoformat(timespec="seconds"), None]})


def publish_contest(contest: Contest, *, now: datetime, actor_id: int | None = None) -> bool:
    """Make the whole contest's frozen results public; False if they already were."""
    contest = _lock_contest(contest)
    if contest.results_frozen_at is None:
        raise DomainError("Hãy chốt kết quả toàn cuộc thi trước khi công bố.")
    if contest.results_published_at is not None:
        return False
    contest.results_published_at = now
    db.session.flush()
    audit.record("contest.publish_results", "Công bố kết quả toàn cuộc thi.", actor_id=actor_id, now=now,
                 contest_id=contest.id)
    return True


CONTEST_STEPS = {
    "freeze": Step(lambda _, contest, now, actor_id: freeze_contest(contest, now=now, actor_id=actor_id),
                   "Đã chốt kết quả toàn cuộc thi {name}: {value} đơn vị được xếp hạng."),
    "reopen": Step(lambda _, contest, now, actor_id: reopen_contest(contest, now=now, actor_id=actor_id),
                   "Đã huỷ kết quả toàn cuộc thi {name}; có thể chốt lại."),
    "publish": Step(lambda _, contest, now, actor_id: publish_contest(contest, now=now, actor_id=actor_id),
                    "Đã công bố kết quả toàn cuộc thi {name}."),
}


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
    """A page of the frozen ranking of a round's division: places run 1…n without gaps (ranks
    may repeat when shared), so a page is the range ``position > offset`` of one index (no
    OFFSET: a deep page costs what the first does)."""
    rows = db.session.execute(
        select(Result.rank, User.full_name, Unit.name, Result.score, Result.time_used_ms, Result.prediction,
               Result.prediction_error, Result.prize, Result.user_id)
        .join(User, User.id == Result.user_id).outerjoin(Unit, Unit.id == Result.unit_id)
        .where(Result.round_id == round_.id,
               Result.division_id.is_(None) if division_id is None else Result.division_id == division_id,
               Result.position > offset)
        .order_by(Result.position).limit(limit))
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
    tier = prizes.tier_order(contest)
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


def answer_key(round_: Round) -> list[tuple[Question, QuestionStat]]:
    """The questions drawn in the round, with their options and statistics, hardest first."""
    return list(db.session.execute(
        select(Question, QuestionStat).join(QuestionStat, QuestionStat.question_id == Question.id)
        .where(QuestionStat.round_id == round_.id).options(selectinload(Question.options))
        .order_by(QuestionStat.facility, Question.id)).all())
