"""Taking an attempt: start (or resume), save answers, submit, finish the expired.

Every function takes ``now`` (the server's clock is the only clock) and knows nothing of
HTTP; the caller commits. The limits hold under concurrency because each change first
locks the member's row (PostgreSQL ``SELECT … FOR UPDATE``; SQLite's write transactions
are already serial, see ``quiz.db``), and the database itself refuses a second open
attempt (partial unique index) or a repeated attempt number (unique constraint).
"""
from __future__ import annotations

import functools
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, DateTime, Integer, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from quiz.accounts import sessions
from quiz.accounts.models import User, UserSession
from quiz.attempts.models import Answer, Attempt, AttemptQuestion
from quiz.banks.models import QuestionOption
from quiz.contests import draw, snapshot
from quiz.contests.models import Contest, EligibleUnit, RosterEntry, Round
from quiz.contests.schedule import accepting_until, current_round, local_time, next_start, window
from quiz.errors import Conflict, DomainError, Forbidden, NotFound
from quiz.extensions import db
from quiz.units.models import Unit


# Reading -------------------------------------------------------------------------------------

def open_attempt(user: User, contest: Contest) -> Attempt | None:
    return db.session.scalars(select(Attempt).where(
        Attempt.user_id == user.id, Attempt.contest_id == contest.id, Attempt.finished_at.is_(None))).first()


def accepts_until(attempt: Attempt, contest: Contest) -> datetime:
    """The last moment a save is accepted: the deadline plus the contest's grace."""
    return _accepted_until(attempt.deadline_at, contest.grace_s)


def _accepted_until(deadline_at: datetime, grace_s: int) -> datetime:
    return deadline_at + timedelta(seconds=grace_s)


def eligible(user: User, contest: Contest) -> bool:
    """May the member take the contest? Everyone; the members of the chosen units' subtrees;
    or the people on the contest's imported roster (by phone or CCCD). At most one statement."""
    if contest.eligibility == "everyone":
        return True
    if contest.eligibility == "units":
        if user.unit_id is None:
            return False
        return db.session.scalar(_IN_CHOSEN_UNITS(), {"contest_id": contest.id, "unit_id": user.unit_id}) is not None
    keys = [column == value for column, value in ((RosterEntry.phone, user.phone), (RosterEntry.cccd, user.cccd))
            if value]
    return bool(keys) and db.session.scalar(
        select(RosterEntry.id).where(RosterEntry.contest_id == contest.id, or_(*keys)).limit(1)) is not None


@functools.cache
def _IN_CHOSEN_UNITS():  # noqa: N802 - a constant built on first use
    """A chosen unit of the contest whose subtree holds the member's unit (by path prefix)."""
    chosen, own = aliased(Unit), aliased(Unit)
    return (select(EligibleUnit.unit_id).join(chosen, chosen.id == EligibleUnit.unit_id)
            .join(own, own.id == bindparam("unit_id"))
            .where(EligibleUnit.contest_id == bindparam("contest_id"),
                   func.substr(own.path, 1, func.length(chosen.path)) == chosen.path).limit(1))


@dataclass
class Allowance:
    """How many attempts a member has left in a round and when the next may start."""

    used: int
    left: int | None          # None: unlimited
    next_at: datetime | None  # None: now


def allowance(user: User, contest: Contest, round_: Round, now: datetime) -> Allowance:
    used, last = db.session.execute(select(func.count().filter(Attempt.round_id == round_.id),
                                           func.max(Attempt.finished_at))
                                    .where(Attempt.user_id == user.id, Attempt.contest_id == contest.id)).one()
    return _room(contest, used, last, now)


def _room(contest: Contest, used: int, last: datetime | None, now: datetime) -> Allowance:
    """The allowance from the member's attempts in the round (``used``) and the last time one
    of their attempts in the contest finished (``last``)."""
    left = None if contest.max_attempts is None else max(0, contest.max_attempts - used)
    next_at = None
    if last is not None and contest.min_delay_s:
        ready = last + timedelta(seconds=contest.min_delay_s)
        next_at = ready if ready > now else None
    return Allowance(used, left, next_at)


# Changing ------------------------------------------------------------------------------------

def _lock_member(user: User) -> None:
    """Serialise every change of one member's attempts (no statement on SQLite, already serial)."""
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(_MEMBER_LOCKED(), {"user_id": user.id})


def paused_message(round_: Round) -> str:
    """What a member is told while ``round_`` is paused."""
    return (f"{round_.name} đang tạm dừng theo quyết định của Ban tổ chức: chưa bắt đầu được lượt thi mới. "
            "Lượt thi đang làm dở vẫn làm tiếp và nộp bình thường. Vui lòng quay lại sau.")


def _held_round(contest: Contest, now: datetime) -> Round | None:
    """The round in progress at ``now`` (``current_round``'s rule), read under a key-share lock
    (the lock the attempt's foreign key takes anyway), so that closing or pausing it
    (``quiz.contests.control``, ``FOR UPDATE``) either waits for this start to commit or is
    seen by it."""
    return db.session.scalars(_ROUND_HELD(), {"contest_id": contest.id, "now": now}).first()


def start(user: User, contest: Contest, *, now: datetime, seed: int | None = None) -> Attempt:
    """The member's open attempt in the contest (resumed, never re-drawn, even while the round
    is paused), or a new one if the round is open, not paused, and the limits allow it.

    A fresh member's start is six statements on PostgreSQL (the member's lock, their attempts in
    the contest, the round held, the attempt, its questions; plus the contest row the caller
    read): the draw's pools come from the process's snapshot (``quiz.contests.snapshot``)."""
    _lock_member(user)
    if not eligible(user, contest):
        raise Forbidden("Bạn không thuộc đối tượng dự thi của cuộc thi này.")
    mine = list(db.session.scalars(_MINE(), {"user_id": user.id, "contest_id": contest.id}))
    attempt = next((a for a in mine if a.finished_at is None), None)
    if attempt is not None:
        if now <= accepts_until(attempt, contest):
            return attempt
        finish(attempt, contest, now=now)
    round_ = _held_round(contest, now)
    if round_ is None:
        raise DomainError("Hiện không có đợt thi nào đang mở.")
    if round_.paused_at is not None:
        raise Conflict(paused_message(round_))
    until = accepting_until(contest, round_, now)
    if until is None:
        reopens = next_start(contest, now)
        raise DomainError(f"{round_.name} chỉ nhận bài trong khung giờ {window(round_).describe()}."
                          + (f" Mở lại lúc {local_time(reopens, ZoneInfo(contest.time_zone)):%H:%M %d/%m/%Y}."
                             if reopens else ""))
    room = _room(contest, sum(a.round_id == round_.id for a in mine),
                 max((a.finished_at for a in mine if a.finished_at is not None), default=None), now)
    if room.left == 0:
        raise Conflict(f"Bạn đã dùng hết {contest.max_attempts} lượt thi của {round_.name}.")
    if room.next_at is not None:
        wait = math.ceil((room.next_at - now).total_seconds() / 60)
        raise Conflict(f"Lượt thi tiếp theo được bắt đầu sau {wait} phút nữa.")
    seen = set(db.session.scalars(select(AttemptQuestion.question_id).where(
        AttemptQuestion.attempt_id.in_([a.id for a in mine])))) if mine else set()
    seed = secrets.randbits(62) if seed is None else seed
    kept = snapshot.of(contest)
    drawn = draw.pick(kept.pools, kept.options, seen, seed)
    values = {"contest_id": contest.id, "round_id": round_.id, "user_id": user.id,
              "division_id": kept.division_for(user.category), "unit_id": user.unit_id, "number": room.used + 1,
              "seed": seed, "started_at": now, "deadline_at": min(now + timedelta(seconds=contest.time_limit_s), until)}
    # The database refuses a second open attempt or a repeated number: then nothing is written.
    attempt = db.session.scalars(_INSERT_ATTEMPT(db.session.get_bind().dialect.name), values).first()
    if attempt is None:  # a simultaneous start won: resume the attempt it made
        attempt = open_attempt(user, contest)
        if attempt is None:
            raise Conflict("Lượt thi vừa được tạo ở một yêu cầu khác. Vui lòng tải lại trang.")
        return attempt
    db.session.connection().execute(insert(AttemptQuestion.__table__), [
        {"attempt_id": attempt.id, "position": i, "question_id": d.question_id,
         "option_order": ",".join(map(str, d.option_order))} for i, d in enumerate(drawn)])
    return attempt


@functools.cache
def _MEMBER_LOCKED():  # noqa: N802 - a constant built on first use
    return select(User.id).where(User.id == bindparam("user_id")).with_for_update()


@functools.cache
def _MINE():  # noqa: N802
    return select(Attempt).where(Attempt.user_id == bindparam("user_id"), Attempt.contest_id == bindparam("contest_id"))


@functools.cache
def _ROUND_HELD():  # noqa: N802
    now = bindparam("now", type_=DateTime)
    return (select(Round).where(Round.contest_id == bindparam("contest_id"), Round.opens_at <= now, Round.closes_at > now)
            .order_by(Round.number).limit(1)
            .with_for_update(read=True, key_share=True).execution_options(populate_existing=True))


@functools.cache
def _INSERT_ATTEMPT(dialect: str):  # noqa: N802
    return ((postgresql.insert if dialect == "postgresql" else sqlite.insert)(Attempt)
            .on_conflict_do_nothing().returning(Attempt))


def _lock(attempt: Attempt) -> Attempt:
    return db.session.scalars(select(Attempt).where(Attempt.id == attempt.id)
                              .with_for_update().execution_options(populate_existing=True)).one()


def save(attempt: Attempt, answers: dict[int, int | None], *, now: datetime, prediction: int | None = None) -> int:
    """Store the member's choices (question id → option id; None clears one). Refused, and
    nothing changes, once the attempt has finished or its grace has passed. Returns the
    number of answers the attempt now holds."""
    return _save(db.session.connection().execute(_LOCKED(False), {"attempt_id": attempt.id}).one(), answers, now,
                 prediction)


@dataclass(frozen=True)
class Saved:
    count: int             # the answers the attempt now holds
    deadline_at: datetime


def save_own(caller: sessions.Key, attempt_id: int, answers: dict[int, int | None], *, now: datetime,
             prediction: int | None = None) -> Saved:
    """``save`` as the autosave sends it: the member's own attempt named by id, and the member
    named by the session (``caller``). One statement finds the attempt, checks that it is the
    caller's and that the caller's session is live and the account active, and locks it; the
    session is marked seen when its mark is stale (``sessions.seen``). NotFound when any of
    that fails (the caller then tells a lost login from someone else's attempt)."""
    found = db.session.connection().execute(_LOCKED(True), {"attempt_id": attempt_id, **caller.params()}).first()
    if found is None:
        raise NotFound("Không tìm thấy lượt thi.")
    if sessions.stale(found, now=now):
        sessions.seen(found, now=now)
    return Saved(_save(found, answers, now, prediction), found.deadline_at)


def _save(attempt, answers: dict[int, int | None], now: datetime, prediction: int | None) -> int:
    """The rules of a save, on the locked row of ``_LOCKED``."""
    if attempt.finished_at is not None:
        raise Conflict("Lượt thi đã kết thúc; câu trả lời gửi sau không được ghi.")
    if now > _accepted_until(attempt.deadline_at, attempt.grace_s):
        _finish(db.session.get(Attempt, attempt.id), attempt.grace_s, now)
        raise Conflict("Đã hết giờ làm bài; câu trả lời gửi sau không được ghi. "
                       "Bài đã được nộp với các câu đã lưu trước đó.")
    if prediction is not None:
        if not 0 <= prediction <= 10**12:
            raise DomainError("Số dự đoán không hợp lệ.")
        db.session.connection().execute(_PREDICTION(), {"attempt_id": attempt.id, "prediction": prediction})
    return _write_answers(attempt.id, answers, now, count=True)


FEW_ANSWERS = 200  # a save of up to this many answers needs no count of the attempt's questions first
TOO_MANY_ANSWERS = "Số câu trả lời gửi lên nhiều hơn số câu của đề. Vui lòng tải lại trang."


def _write_answers(attempt_id: int, answers: dict[int, int | None], now: datetime, *, count: bool = False) -> int | None:
    """One statement writes every chosen answer: an upsert fed by a SELECT of the attempt's
    drawn questions and their options, so a pair that is not (a drawn question, one of its
    options) matches no row and the count tells; a statement before it deletes the cleared
    ones. The foreign keys on ``answers`` say the same in the database. With ``count``, returns
    how many answers the attempt holds afterwards: on PostgreSQL from the upsert's own
    statement (``_UPSERT_COUNTED``), on SQLite (in process, no round trip) by a count after it."""
    if len(answers) > FEW_ANSWERS and len(answers) > question_count(attempt_id):
        raise DomainError(TOO_MANY_ANSWERS)  # before a statement with tens of thousands of parameters
    chosen = [(q, o) for q, o in answers.items() if o is not None]
    cleared = [q for q, o in answers.items() if o is None]
    if cleared:
        db.session.execute(delete(Answer).where(Answer.attempt_id == attempt_id, Answer.question_id.in_(cleared)))
    connection = db.session.connection()
    values = {"attempt_id": attempt_id, "now": now, "pairs": chosen}
    if count and connection.dialect.name == "postgresql":
        written, total = connection.execute(_UPSERT_COUNTED(), values).one()
    else:
        written = connection.execute(_UPSERT(connection.dialect.name), values).rowcount if chosen else 0
        total = connection.execute(_COUNT(), values).scalar_one() if count else None
    if written != len(chosen):
        raise DomainError("Câu trả lời không thuộc đề của lượt thi này.")
    return total


# The hot path's statements, built once (building a statement costs more than running it), run
# on the session's connection (Core: no ORM work for rows that are not objects).

@functools.cache
def _LOCKED(checked: bool):  # noqa: N802 - a constant built on first use
    """The attempt's row (what the save's rules read) with its contest's grace, locked; with
    ``checked``, only the caller's own attempt, in a live session of an active account
    (``sessions.checked``: the session's id and mark come with it)."""
    stmt = (select(Attempt.id, Attempt.contest_id, Attempt.deadline_at, Attempt.finished_at, Contest.grace_s)
            .join(Contest, Contest.id == Attempt.contest_id).where(Attempt.id == bindparam("attempt_id")))
    return (_checking(stmt) if checked else stmt).with_for_update(of=Attempt.__table__)


@functools.cache
def _OWN_ATTEMPT():  # noqa: N802 - a constant built on first use
    return (_checking(select(Attempt, Contest.grace_s).join(Contest, Contest.id == Attempt.contest_id)
                      .where(Attempt.id == bindparam("attempt_id")))
            .with_for_update(of=Attempt.__table__).execution_options(populate_existing=True))


@functools.cache
def _PREDICTION():  # noqa: N802 - a constant built on first use
    return (update(Attempt.__table__).where(Attempt.id == bindparam("attempt_id"))
            .values(prediction=bindparam("prediction")))


@functools.cache
def _COUNT():  # noqa: N802 - a constant built on first use
    return select(func.count()).select_from(Answer).where(Answer.attempt_id == bindparam("attempt_id"))


def _upsert(dialect: str):
    attempt_id = bindparam("attempt_id", type_=Integer)
    valid = (select(attempt_id, AttemptQuestion.question_id, QuestionOption.id, bindparam("now", type_=DateTime))
             .join(QuestionOption, QuestionOption.question_id == AttemptQuestion.question_id)
             .where(AttemptQuestion.attempt_id == attempt_id,
                    tuple_(QuestionOption.question_id, QuestionOption.id).in_(bindparam("pairs", expanding=True))))
    upsert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(Answer).from_select(
        ["attempt_id", "question_id", "option_id", "saved_at"], valid)
    return upsert.on_conflict_do_update(
        index_elements=["attempt_id", "question_id"],
        set_={"option_id": upsert.excluded.option_id, "saved_at": upsert.excluded.saved_at})


@functools.cache
def _UPSERT(dialect: str):  # noqa: N802 - a constant per dialect, built on first use
    return _upsert(dialect).execution_options(preserve_rowcount=True)


@functools.cache
def _UPSERT_COUNTED():  # noqa: N802 - a constant built on first use
    """PostgreSQL: the upsert and the attempt's count of answers in one statement. The upsert is
    a WITH query returning the questions it wrote; the outer SELECT sees the table as it was
    before (one snapshot for the whole statement), so the count is the answers it did not
    touch plus those it wrote."""
    written = _upsert("postgresql").returning(Answer.question_id).cte("written")
    n_written = select(func.count()).select_from(written).scalar_subquery()
    untouched = (select(func.count()).select_from(Answer)
                 .where(Answer.attempt_id == bindparam("attempt_id", type_=Integer),
                        Answer.question_id.not_in(select(written.c.question_id))).scalar_subquery())
    return select(n_written, untouched + n_written)


def submit(attempt: Attempt, contest: Contest, *, now: datetime, answers: dict[int, int | None] | None = None,
           prediction: int | None = None) -> Attempt:
    """Finish the attempt (with the last answers sent, if still in time). Idempotent: a
    repeated or simultaneous submit returns the same result."""
    return _submit(_lock(attempt), contest.grace_s, now, answers, prediction)


def submit_own(caller: sessions.Key, attempt_id: int, *, now: datetime, answers: dict[int, int | None] | None = None,
               prediction: int | None = None) -> Attempt:
    """``submit`` of the caller's own attempt named by id, as ``save_own`` saves: one statement
    finds it, checks that it is the caller's and that the caller's session is live and the
    account active, and locks it; a stale session mark is written with the submit. NotFound
    when any of that fails (the caller then tells a lost login from someone else's attempt)."""
    found = db.session.execute(_OWN_ATTEMPT(), {"attempt_id": attempt_id, **caller.params()}).first()
    if found is None:
        raise NotFound("Không tìm thấy lượt thi.")
    if sessions.stale(found, now=now):
        sessions.seen(found, now=now)
    return _submit(found[0], found[1], now, answers, prediction)


def _submit(attempt: Attempt, grace_s: int, now: datetime, answers: dict[int, int | None] | None,
            prediction: int | None) -> Attempt:
    if attempt.finished_at is None:
        in_time = now <= _accepted_until(attempt.deadline_at, grace_s)
        if in_time:
            _write_answers(attempt.id, answers or {}, now)
        _finish(attempt, grace_s, now,
                prediction if in_time and prediction is not None and 0 <= prediction <= 10**12 else None)
    return attempt


def finish(attempt: Attempt, contest: Contest, *, now: datetime) -> None:
    """Score the attempt once, from its saved answers; the time used is capped at the limit."""
    _finish(attempt, contest.grace_s, now)


def _finish(attempt: Attempt, grace_s: int, now: datetime, prediction: int | None = None) -> None:
    """One statement scores the attempt (a count of its right answers) and closes it; the
    object gets the values it wrote, as if loaded."""
    if attempt.finished_at is not None:
        return
    end = min(now, attempt.deadline_at)
    values = {"time_used_ms": max(0, int((end - attempt.started_at).total_seconds() * 1000)),
              "finished_at": max(now if now <= _accepted_until(attempt.deadline_at, grace_s) else attempt.deadline_at,
                                 attempt.started_at)}
    db.session.flush()  # anything the object still holds, before its row is written here
    values["score"], values["prediction"] = db.session.connection().execute(_SCORE(), {
        "attempt_id": attempt.id, "used_ms": values["time_used_ms"], "finished": values["finished_at"],
        "new_prediction": prediction}).one()
    for name, value in values.items():
        set_committed_value(attempt, name, value)


@functools.cache
def _SCORE():  # noqa: N802 - a constant built on first use
    right = (select(func.count()).select_from(Answer).join(QuestionOption, QuestionOption.id == Answer.option_id)
             .where(Answer.attempt_id == bindparam("attempt_id"), QuestionOption.is_correct).scalar_subquery())
    return (update(Attempt.__table__).where(Attempt.id == bindparam("attempt_id"))
            .values(score=right, time_used_ms=bindparam("used_ms"), finished_at=bindparam("finished", type_=DateTime),
                    prediction=func.coalesce(bindparam("new_prediction", type_=BigInteger), Attempt.prediction))
            .returning(Attempt.score, Attempt.prediction))


def finish_expired(*, now: datetime, batch: int = 500) -> int:
    """Finish every open attempt whose grace has passed; safe to run from cron every minute
    and beside the app (rows another worker holds are skipped). Returns how many."""
    done = 0
    stmt = (select(Attempt, Contest).join(Contest, Contest.id == Attempt.contest_id)
            .where(Attempt.finished_at.is_(None), Attempt.deadline_at < now)
            .order_by(Attempt.id).limit(batch).with_for_update(skip_locked=True, of=Attempt))
    for attempt, contest in db.session.execute(stmt).all():
        if now > accepts_until(attempt, contest):
            finish(attempt, contest, now=now)
            done += 1
    return done


# Named queries for the member's pages ---------------------------------------------------------

@dataclass
class ContestEntry:
    """One contest on the member's list: its open round (if any) with what the member has left,
    or its next opening, or that it is over."""

    contest: Contest
    round: Round | None = None           # the round in progress
    allowance: Allowance | None = None   # in that round
    opens_at: datetime | None = None     # when attempts can next start, if not now
    open_attempt: Attempt | None = None
    eligible: bool = True

    @property
    def hours(self) -> str | None:
        """The round's daily window in words (``T2–T6, 07:30–17:30``), if it has one."""
        daily = window(self.round) if self.round else None
        return daily.describe() if daily else None


@dataclass
class MemberContests:
    open: list[ContestEntry]
    upcoming: list[ContestEntry]
    closed: list[ContestEntry]


def entry(user: User, contest: Contest, now: datetime) -> ContestEntry:
    """Where the member stands in one contest at ``now``."""
    allowed = eligible(user, contest)
    round_ = current_round(contest, now)
    opens = None if round_ and accepting_until(contest, round_, now) else next_start(contest, now)
    if round_ is not None:
        return ContestEntry(contest, round_, allowance(user, contest, round_, now), opens,
                            open_attempt(user, contest), allowed)
    return ContestEntry(contest, opens_at=opens, eligible=allowed)


def member_contests(user: User, now: datetime) -> MemberContests:
    """Every contest the member may take, sorted into open, upcoming (soonest first) and
    closed (latest first)."""
    contests = db.session.scalars(select(Contest).options(selectinload(Contest.rounds))
                                  .order_by(Contest.created_at.desc(), Contest.id.desc())).all()
    found = MemberContests([], [], [])
    for contest in contests:
        item = entry(user, contest, now)
        if not item.eligible:
            continue
        (found.open if item.round else found.upcoming if item.opens_at else found.closed).append(item)
    found.upcoming.sort(key=lambda e: e.opens_at)
    found.closed.sort(key=lambda e: max((r.closes_at for r in e.contest.rounds), default=now), reverse=True)
    return found


def member_attempt(caller: sessions.Key, attempt_id: int) -> tuple[Attempt, Contest, sessions.Current]:
    """The caller's own attempt with its contest, and the caller's account and live session:
    one statement, which checks the login as Flask-Login's loader would (``sessions.checked``).
    NotFound when the attempt is not the caller's or the login is not live (the caller then
    tells one from the other)."""
    found = db.session.execute(_MEMBER_ATTEMPT(), {"attempt_id": attempt_id, **caller.params()}).first()
    if found is None:
        raise NotFound("Không tìm thấy lượt thi.")
    return found[0], found[1], sessions.Current(*found[2:])


@functools.cache
def _MEMBER_ATTEMPT():  # noqa: N802
    return _checking(select(Attempt, Contest).join(Contest, Contest.id == Attempt.contest_id)
                     .where(Attempt.id == bindparam("attempt_id")), account=True)


def _checking(stmt, *, account: bool = False):
    """``stmt`` on the attempts, narrowed to the caller's own attempt in a live session of an
    active account (``sessions.checked``, bound by ``Key.params()``); it selects the session's
    id and mark after its columns, and with ``account`` the account before them."""
    stmt = stmt.add_columns(*([User] if account else []), UserSession.id.label("session_id"), UserSession.last_seen_at)
    return (stmt.join(User, User.id == Attempt.user_id).join(UserSession, UserSession.user_id == User.id)
            .where(*sessions.checked(Attempt.user_id)))


#: An option's letter by its place in the drawn order.
LETTERS = "ABCDEFGH"


@dataclass
class SheetQuestion:
    """A drawn question as the member sees it: options in the drawn order, and the saved choice."""

    number: int
    question: snapshot.Question
    options: list[snapshot.Option]
    chosen: int | None

    @property
    def lettered(self) -> list[tuple[str, snapshot.Option]]:
        """(letter, option) in the drawn order: what the pages list (no loop index in them)."""
        return list(zip(LETTERS, self.options))


def sheet(attempt: Attempt, contest: Contest) -> list[SheetQuestion]:
    """The attempt's questions in drawn order, with their options in the stored order and the
    member's saved answers: one statement, whatever the number of questions (the texts come from
    the contest's snapshot; a question it does not hold costs one more for all of them)."""
    drawn = db.session.execute(_DRAWN(), {"attempt_id": attempt.id}).all()
    texts = snapshot.questions(snapshot.of(contest), [question_id for question_id, _, _ in drawn])
    result = []
    for i, (question_id, order, chosen) in enumerate(drawn, start=1):
        question = texts[question_id]
        by_position = {o.position: o for o in question.options}
        shown = [by_position[int(p)] for p in order.split(",") if int(p) in by_position]
        result.append(SheetQuestion(i, question, shown, chosen))
    return result


@functools.cache
def _DRAWN():  # noqa: N802
    return (select(AttemptQuestion.question_id, AttemptQuestion.option_order, Answer.option_id)
            .outerjoin(Answer, (Answer.attempt_id == AttemptQuestion.attempt_id)
                       & (Answer.question_id == AttemptQuestion.question_id))
            .where(AttemptQuestion.attempt_id == bindparam("attempt_id")).order_by(AttemptQuestion.position))


def question_count(attempt_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(AttemptQuestion)
                             .where(AttemptQuestion.attempt_id == attempt_id))


@dataclass
class MemberResult:
    """What the result page shows of the member's attempt, read in one statement."""

    attempt: Attempt
    contest: Contest
    round: Round
    total: int             # questions drawn
    used: int              # the member's attempts in the round
    last: datetime | None  # when the member's last attempt in the contest finished

    def allowance(self, now: datetime) -> Allowance:
        last = max(filter(None, (self.last, self.attempt.finished_at)), default=None)
        return _room(self.contest, self.used, last, now)


def member_result(caller: sessions.Key, attempt_id: int) -> tuple[MemberResult, sessions.Current]:
    """The caller's own attempt with its contest, its round, its number of questions and the
    member's allowance in the round, and the caller's account and live session: one statement,
    which checks the login (``member_attempt``'s rule). NotFound as ``member_attempt``."""
    found = db.session.execute(_RESULT(), {"attempt_id": attempt_id, **caller.params()}).first()
    if found is None:
        raise NotFound("Không tìm thấy lượt thi.")
    return MemberResult(*found[:6]), sessions.Current(*found[6:])


@functools.cache
def _RESULT():  # noqa: N802
    other = aliased(Attempt)
    total = (select(func.count()).select_from(AttemptQuestion).where(AttemptQuestion.attempt_id == Attempt.id)
             .scalar_subquery())
    used = (select(func.count()).select_from(other)
            .where(other.user_id == Attempt.user_id, other.contest_id == Attempt.contest_id,
                   other.round_id == Attempt.round_id).scalar_subquery())
    last = (select(func.max(other.finished_at))
            .where(other.user_id == Attempt.user_id, other.contest_id == Attempt.contest_id).scalar_subquery())
    return _checking(select(Attempt, Contest, Round, total, used, last)
                     .join(Contest, Contest.id == Attempt.contest_id).join(Round, Round.id == Attempt.round_id)
                     .where(Attempt.id == bindparam("attempt_id")), account=True)
