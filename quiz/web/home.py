"""What the home page shows each role: named queries that take the user and ``now`` (naive
UTC) and know nothing of HTTP. Everything here reads; nothing is written.

- a member: the contests open to them now (with what they have left, from
  ``quiz.attempts.services.member_contests``), the rounds opening later, and their latest
  results: each round's finished attempts with their scores, and the place and prize only
  once the round's results are published (``quiz.rankings.services.place``);
- an organiser (or administrator): today's rounds with three live figures, contests still
  in set-up (no round opened yet), and rounds waiting to be frozen or published;
- a unit manager: their own unit's figures (rolled up over its subtree, never another
  unit's) for each open contest, from ``quiz.reports.figures.participation``, and the
  contests to download results of;
- a guest: the open contests and the latest published results (public pages).

Cost: the organiser's live figures are one grouped query over the attempts of today's
rounds (``ix_attempts_round_id_user_id``), without the per-unit roll-up the live round page
and the dashboards do; a unit manager's figures are two roll-ups of their subtree per open
contest (round and whole contest), as the dashboard computes one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, distinct, exists, false, func, or_, select
from sqlalchemy.orm import selectinload

from quiz.accounts.models import Role, User
from quiz.attempts import services as attempts
from quiz.attempts.models import Attempt, AttemptQuestion
from quiz.contests.models import Contest, Round
from quiz.contests.schedule import current_round
from quiz.extensions import db
from quiz.rankings import services as rankings
from quiz.rankings.models import Result
from quiz.reports import scope
from quiz.reports.figures import Figures, participation
from quiz.units.models import Unit

UPCOMING = 5            # rounds opening later, on a member's home
RESULT_ROUNDS = 3       # rounds in a member's latest results
RESULT_ATTEMPTS = 30    # the member's latest finished attempts read for them
LISTED = 20             # rows of each organiser list
OTHER_CONTESTS = 5      # a manager's contests without an open round, for downloads
PUBLISHED = 5           # published rounds on the public page


def kind(user) -> str:
    """Which home the account gets: ``guest``, ``member``, ``organiser`` or ``unit_manager``."""
    if not getattr(user, "is_authenticated", False):
        return "guest"
    if scope.sees_all(user):
        return "organiser"
    return "unit_manager" if user.has_role(Role.UNIT_MANAGER) else "member"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def local_day(now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Today in ``tz`` as a naive-UTC range [start, end)."""
    today = now.replace(tzinfo=timezone.utc).astimezone(tz).date()
    start = datetime.combine(today, time(0), tzinfo=tz)
    return _utc(start), _utc(datetime.combine(today + timedelta(days=1), time(0), tzinfo=tz))


# A member ------------------------------------------------------------------------------------------

@dataclass
class Upcoming:
    contest: Contest
    round: Round


@dataclass
class RoundResults:
    """A round the member took part in: their finished attempts (newest first, each with its
    number of questions) and, once the round is published, their frozen place."""

    contest: Contest
    round: Round
    attempts: list[tuple[Attempt, int]] = field(default_factory=list)
    place: Result | None = None


@dataclass
class MemberHome:
    open: list[attempts.ContestEntry]
    upcoming: list[Upcoming]
    results: list[RoundResults]


def member_home(user: User, now: datetime) -> MemberHome:
    contests = attempts.member_contests(user, now)
    later = sorted(((e.contest, r) for e in contests.open + contests.upcoming for r in e.contest.rounds
                    if r.opens_at > now), key=lambda pair: (pair[1].opens_at, pair[1].id))
    return MemberHome(contests.open, [Upcoming(c, r) for c, r in later[:UPCOMING]], latest_results(user))


def latest_results(user: User, rounds: int = RESULT_ROUNDS) -> list[RoundResults]:
    """The member's last ``rounds`` rounds with a finished attempt, newest first (three
    queries, and one per published round for the place)."""
    rows = db.session.execute(
        select(Attempt, Round, Contest).join(Round, Round.id == Attempt.round_id)
        .join(Contest, Contest.id == Attempt.contest_id)
        .where(Attempt.user_id == user.id, Attempt.finished_at.is_not(None))
        .order_by(Attempt.finished_at.desc(), Attempt.id.desc()).limit(RESULT_ATTEMPTS)).all()
    if not rows:
        return []
    sizes = dict(db.session.execute(
        select(AttemptQuestion.attempt_id, func.count()).where(AttemptQuestion.attempt_id.in_([a.id for a, _, _ in rows]))
        .group_by(AttemptQuestion.attempt_id)).all())
    found: dict[int, RoundResults] = {}
    for attempt, round_, contest in rows:
        if round_.id not in found:
            if len(found) == rounds:
                continue
            found[round_.id] = RoundResults(contest, round_)
        found[round_.id].attempts.append((attempt, sizes.get(attempt.id) or rankings.questions_per_attempt(contest)))
    for item in found.values():
        if item.round.published_at is not None:
            item.place = rankings.place(item.round, user.id)
    return list(found.values())


# An organiser -------------------------------------------------------------------------------------

@dataclass
class LiveRound:
    contest: Contest
    round: Round
    state: str              # quiz.rankings.services.state
    participants: int = 0   # people with a submitted attempt
    submitted: int = 0      # submitted attempts
    in_progress: int = 0    # attempts being taken now (deadline plus grace not passed)


@dataclass
class OrganiserHome:
    today: list[LiveRound]
    setting_up: list[Contest]
    to_freeze: list[tuple[Contest, Round]]
    to_publish: list[tuple[Contest, Round]]


def organiser_home(now: datetime, tz: ZoneInfo) -> OrganiserHome:
    return OrganiserHome(todays_rounds(now, tz), contests_in_setup(now), rounds_to_freeze(now), rounds_to_publish())


def todays_rounds(now: datetime, tz: ZoneInfo) -> list[LiveRound]:
    """Every round open at some moment of today (local), with its live figures: two queries."""
    start, end = local_day(now, tz)
    rows = db.session.execute(select(Round, Contest).join(Contest, Contest.id == Round.contest_id)
                              .where(Round.opens_at < end, Round.closes_at > start)
                              .order_by(Round.closes_at, Round.id).limit(LISTED)).all()
    live = {round_.id: LiveRound(contest, round_, rankings.state(round_, now)) for round_, contest in rows}
    if not live:
        return []
    contests = {contest.id: contest for _, contest in rows}
    finished = Attempt.finished_at.is_not(None)
    running = and_(Attempt.finished_at.is_(None), or_(false(), *(
        and_(Attempt.contest_id == cid, Attempt.deadline_at >= now - timedelta(seconds=c.grace_s))
        for cid, c in contests.items())))
    figures = db.session.execute(
        select(Attempt.round_id, func.count(distinct(case((finished, Attempt.user_id)))),
               func.count(Attempt.finished_at), func.count(case((running, 1))))
        .where(Attempt.round_id.in_(list(live))).group_by(Attempt.round_id))
    for round_id, participants, submitted, in_progress in figures:
        item = live[round_id]
        item.participants, item.submitted, item.in_progress = participants, submitted, in_progress
    return list(live.values())


def contests_in_setup(now: datetime) -> list[Contest]:
    """Contests none of whose rounds has opened yet, newest first."""
    opened = exists(select(Round.id).where(Round.contest_id == Contest.id, Round.opens_at <= now))
    return list(db.session.scalars(select(Contest).where(~opened).options(selectinload(Contest.rounds))
                                   .order_by(Contest.created_at.desc(), Contest.id.desc()).limit(LISTED)))


def rounds_to_freeze(now: datetime) -> list[tuple[Contest, Round]]:
    """Closed rounds whose results are not computed yet, the longest waiting first."""
    return [(c, r) for r, c in db.session.execute(
        select(Round, Contest).join(Contest, Contest.id == Round.contest_id)
        .where(Round.closes_at <= now, Round.frozen_at.is_(None))
        .order_by(Round.closes_at, Round.id).limit(LISTED))]


def rounds_to_publish() -> list[tuple[Contest, Round]]:
    """Frozen rounds not (or no longer) published, the longest waiting first."""
    return [(c, r) for r, c in db.session.execute(
        select(Round, Contest).join(Contest, Contest.id == Round.contest_id)
        .where(Round.frozen_at.is_not(None), Round.published_at.is_(None))
        .order_by(Round.frozen_at, Round.id).limit(LISTED))]


# A unit manager -----------------------------------------------------------------------------------

@dataclass
class UnitContest:
    """One contest's figures for the manager's unit, rolled up over its subtree."""

    contest: Contest
    round: Round | None                # the round open now
    in_round: Figures | None           # that round's
    in_contest: Figures = field(default_factory=Figures)


@dataclass
class ManagerHome:
    unit: Unit | None
    open: list[UnitContest]
    others: list[Contest]              # contests with no round open now, for their downloads


def manager_home(user: User, now: datetime) -> ManagerHome:
    """The manager's own unit only: the figures are read within its subtree."""
    unit = scope.home(user)
    if unit is None:
        return ManagerHome(None, [], [])
    scope.check(user, unit)
    contests = db.session.scalars(select(Contest).options(selectinload(Contest.rounds))
                                  .order_by(Contest.created_at.desc(), Contest.id.desc())).all()
    found, others = [], []
    for contest in contests:
        round_ = current_round(contest, now)
        if round_ is None:
            if any(r.opens_at <= now for r in contest.rounds) and len(others) < OTHER_CONTESTS:
                others.append(contest)
            continue
        found.append(UnitContest(contest, round_, participation(contest, round_, within=unit)[unit.id].total,
                                 participation(contest, None, within=unit)[unit.id].total))
    return ManagerHome(unit, found, others)


# A guest --------------------------------------------------------------------------------------------

@dataclass
class PublicHome:
    open: list[tuple[Contest, Round]]
    published: list[tuple[Contest, Round]]


def public_home(now: datetime) -> PublicHome:
    """Rounds open now and the latest published results (pages anyone may read)."""
    open_now = db.session.execute(
        select(Contest, Round).join(Round, Round.contest_id == Contest.id)
        .where(Round.opens_at <= now, Round.closes_at > now).order_by(Round.closes_at, Round.id).limit(LISTED)).all()
    published = db.session.execute(
        select(Contest, Round).join(Round, Round.contest_id == Contest.id)
        .where(Round.published_at.is_not(None)).order_by(Round.published_at.desc(), Round.id.desc())
        .limit(PUBLISHED)).all()
    return PublicHome([tuple(r) for r in open_now], [tuple(r) for r in published])
