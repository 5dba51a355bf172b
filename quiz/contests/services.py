"""Contest services for the organiser's pages: named queries and extending a round (setting
a contest up, editing, copying and deleting it are in ``quiz.contests.setup``). No HTTP here
and no commit: the caller commits."""
from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, select
from sqlalchemy.orm import selectinload

from quiz.audit import services as audit
from quiz.banks.models import Question, QuestionBank
from quiz.contests.models import Contest, DrawRule, EligibleUnit, Round
from quiz.contests.spec import local
from quiz.errors import DomainError, NotFound
from quiz.extensions import db
from quiz.units.models import Unit

EXTEND_REFUSED = "Chỉ được gia hạn: giờ đóng mới phải sau giờ đóng hiện tại."


# Named queries -------------------------------------------------------------------------------

def contests_with_rounds() -> list[Contest]:
    """Every contest, newest first, with its rounds and draw rules (two more queries)."""
    return list(db.session.scalars(
        select(Contest).options(selectinload(Contest.rounds), selectinload(Contest.draw_rules))
        .order_by(Contest.created_at.desc(), Contest.id.desc())))


def get_contest(contest_id: int) -> Contest:
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        raise NotFound("Không tìm thấy cuộc thi.")
    return contest


def contest_by_slug(slug: str) -> Contest:
    contest = db.session.scalars(_BY_SLUG(), {"slug": slug}).first()
    if contest is None:
        raise NotFound("Không tìm thấy cuộc thi.")
    return contest


@functools.cache
def _BY_SLUG():  # noqa: N802 - a constant built on first use (every start reads it)
    return select(Contest).where(Contest.slug == bindparam("slug"))


def get_round(contest: Contest, round_id: int) -> Round:
    found = db.session.get(Round, round_id)
    if found is None or found.contest_id != contest.id:
        raise NotFound("Không tìm thấy đợt thi.")
    return found


def round_by_number(contest: Contest, number: int) -> Round:
    found = next((r for r in contest.rounds if r.number == number), None)
    if found is None:
        raise NotFound(f"Cuộc thi không có đợt thi số {number}.")
    return found


def eligible_units(contest: Contest) -> list[Unit]:
    """With eligibility "units": the chosen units, by code."""
    return list(db.session.scalars(select(Unit).join(EligibleUnit, EligibleUnit.unit_id == Unit.id)
                                   .where(EligibleUnit.contest_id == contest.id).order_by(Unit.code)))


def draw_with_banks(contest: Contest) -> list[tuple[DrawRule, QuestionBank]]:
    """The contest's draw rules, each with its bank."""
    return list(db.session.execute(
        select(DrawRule, QuestionBank).join(QuestionBank, QuestionBank.id == DrawRule.bank_id)
        .where(DrawRule.contest_id == contest.id).order_by(DrawRule.position)))


# A contest in progress: extend a round, never change the draw ---------------------------------

def extend_round(round_: Round, new_close: datetime, now: datetime, *, actor_id: int | None = None) -> None:
    """Move ``round_``'s close (naive UTC) later, recorded as ``round.extend``. A close not
    later than the current one, or already past, is refused; so is a round whose results
    are frozen."""
    if round_.frozen_at is not None:
        raise DomainError("Đợt thi đã chốt kết quả; không gia hạn được nữa.", field="closes_at")
    if new_close <= round_.closes_at or new_close <= now:
        raise DomainError(EXTEND_REFUSED, field="closes_at")
    tz = ZoneInfo(round_.contest.time_zone if round_.contest is not None else "UTC")
    before, round_.closes_at = round_.closes_at, new_close
    db.session.flush()
    shown = [f"{local(moment, tz):%H:%M %d/%m/%Y}" for moment in (before, new_close)]
    audit.record("round.extend", f"Gia hạn “{round_.name}” đến {shown[1]}", actor_id=actor_id, now=now,
                 contest_id=round_.contest_id, round_id=round_.id, changes={"Giờ đóng": shown})


def bank_choices() -> list[tuple[QuestionBank, int, list[str]]]:
    """The banks a draw row can pick: each with its questions in use and their tags (Vietnamese
    order), in two queries."""
    from quiz.banks import services as banks
    from quiz.text import text_key

    tags: dict[int, set[str]] = {}
    for bank_id, text in db.session.execute(select(Question.bank_id, Question.tags)
                                            .where(Question.retired_at.is_(None), Question.tags != "")):
        tags.setdefault(bank_id, set()).update(t.strip() for t in text.split(";") if t.strip())
    return [(bank, active, sorted(tags.get(bank.id, ()), key=text_key))
            for bank, active, _retired in banks.banks_with_counts()]
