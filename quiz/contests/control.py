"""Controlling a round while it runs, and speaking to a contest's members: close now, pause,
resume, the announcement (DESIGN.md §4, "Time" and "Results lifecycle").

- **Close now** moves the round's close to ``now``. Every running attempt of the round gets
  ``now`` as its deadline, exactly as if the round had been set to close then: answers saved
  until the deadline plus the contest's grace (network slack) are kept, after that the
  attempt is finished with what it saved (``quiz.attempts.services.finish``, by the member's
  next request, ``finish_expired`` or the freeze), its time used capped at the deadline.
  No attempt starts after it (``current_round`` sees the new close).
- **Pause** stops new attempts (``quiz.attempts.services.start`` refuses them) and lets the
  running ones go on and be submitted; **resume** lifts it.

Each change locks the round's row (``SELECT … FOR UPDATE``). ``attempts.start`` holds the same
row ``FOR KEY SHARE`` (what its foreign key check takes anyway) before it reads the round, so
a start either commits before the close or pause (and is then a running attempt the close
ends) or waits and sees it. Each records one audit entry in the same transaction. Services
take the actor's id (None: the server's command line) and ``now``, know nothing of HTTP and
never commit.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from quiz.attempts.models import Attempt
from quiz.audit import services as audit
from quiz.contests.models import Contest, Round
from quiz.contests.schedule import local_time
from quiz.errors import Conflict, DomainError
from quiz.extensions import db

#: The longest announcement (a few lines for the contest list, not a page).
ANNOUNCEMENT_MAX = 1000


def _lock(round_: Round) -> Round:
    return db.session.scalars(select(Round).where(Round.id == round_.id).with_for_update()
                              .execution_options(populate_existing=True)).one()


def _when(moment: datetime | None, contest: Contest) -> str | None:
    """A moment as the log shows it: ``HH:MM dd/mm/yyyy`` in the contest's time zone."""
    return None if moment is None else f"{local_time(moment, ZoneInfo(contest.time_zone)):%H:%M %d/%m/%Y}"


def _running(round_: Round, now: datetime):
    """The round's attempts that are still being taken at ``now``."""
    return (Attempt.round_id == round_.id, Attempt.finished_at.is_(None), Attempt.deadline_at > now)


def close_now(round_: Round, contest: Contest, *, actor_id: int | None, now: datetime) -> int:
    """Close ``round_`` at ``now``; returns how many running attempts end with it."""
    round_ = _lock(round_)
    if round_.frozen_at is not None:
        raise Conflict(f"Kết quả {round_.name} đã được chốt; đợt thi đã đóng.")
    if now <= round_.opens_at:
        raise DomainError(f"{round_.name} chưa mở (mở lúc {_when(round_.opens_at, contest)}): "
                          "không có gì để đóng. Hãy sửa giờ mở, giờ đóng của đợt thi.")
    if now >= round_.closes_at:
        raise Conflict(f"{round_.name} đã đóng lúc {_when(round_.closes_at, contest)}.")
    before = round_.closes_at
    round_.closes_at = now
    # An attempt cannot end before it starts (a check constraint): one started at this very
    # instant keeps the smallest deadline after its start.
    ending = db.session.execute(
        update(Attempt).where(*_running(round_, now), Attempt.started_at < now)
        .values(deadline_at=now).execution_options(synchronize_session="fetch")).rowcount
    db.session.flush()
    audit.record("round.close_now", f"Đóng {round_.name} ngay lúc {_when(now, contest)} "
                 f"(giờ đóng cũ {_when(before, contest)}); {ending} lượt đang làm kết thúc với các câu đã lưu.",
                 actor_id=actor_id, now=now, contest_id=contest.id, round_id=round_.id,
                 changes={"closes_at": [_when(before, contest), _when(now, contest)], "running_attempts": ending})
    return ending


def pause(round_: Round, contest: Contest, *, actor_id: int | None, now: datetime) -> int:
    """Stop new attempts in the open ``round_`` from ``now``; returns how many attempts are
    running (they go on)."""
    round_ = _lock(round_)
    if not round_.opens_at <= now < round_.closes_at or round_.frozen_at is not None:
        raise DomainError(f"Chỉ tạm dừng được đợt thi đang mở; {round_.name} không mở lúc này.")
    if round_.paused_at is not None:
        raise Conflict(f"{round_.name} đã tạm dừng từ {_when(round_.paused_at, contest)}.")
    round_.paused_at = now
    db.session.flush()
    running = db.session.scalar(select(func.count()).select_from(Attempt).where(*_running(round_, now)))
    audit.record("round.pause", f"Tạm dừng {round_.name} lúc {_when(now, contest)}: không nhận lượt thi mới; "
                 f"{running} lượt đang làm tiếp tục.", actor_id=actor_id, now=now, contest_id=contest.id,
                 round_id=round_.id, changes={"paused_at": [None, _when(now, contest)]})
    return running


def resume(round_: Round, contest: Contest, *, actor_id: int | None, now: datetime) -> None:
    """Take new attempts again in the paused ``round_``."""
    round_ = _lock(round_)
    if round_.paused_at is None:
        raise Conflict(f"{round_.name} không tạm dừng.")
    since = round_.paused_at
    round_.paused_at = None
    db.session.flush()
    audit.record("round.resume", f"Tiếp tục {round_.name} lúc {_when(now, contest)} "
                 f"(tạm dừng từ {_when(since, contest)}).", actor_id=actor_id, now=now, contest_id=contest.id,
                 round_id=round_.id, changes={"paused_at": [_when(since, contest), None]})


def announce(contest: Contest, text: str, *, actor_id: int | None, now: datetime) -> bool:
    """Set (or, with an empty text, remove) the announcement members see on the contest list
    and the rules page; returns False when nothing changed (and nothing is logged)."""
    text = "\n".join(line.rstrip() for line in (text or "").replace("\r\n", "\n").strip().split("\n"))
    if len(text) > ANNOUNCEMENT_MAX:
        raise DomainError(f"Thông báo dài tối đa {ANNOUNCEMENT_MAX:,} ký tự.".replace(",", "."), field="text")
    contest = db.session.scalars(select(Contest).where(Contest.id == contest.id).with_for_update()
                                 .execution_options(populate_existing=True)).one()
    before = contest.announcement or ""
    if text == before:
        return False
    contest.announcement = text
    db.session.flush()
    audit.record("contest.announce", f"Thông báo: {text}" if text else "Gỡ thông báo cho thí sinh.",
                 actor_id=actor_id, now=now, contest_id=contest.id,
                 changes=audit.diff({"announcement": before}, {"announcement": text}))
    return True
