"""The unit dashboard's named queries: a unit's own and rolled-up figures, its child units
ranked, finished attempts per local day, the participants and (roster contests) the people
listed who have not taken part, all within the unit's subtree. No HTTP and no scope check
here: the caller has already asked ``quiz.reports.scope``.

Counting follows ``quiz.reports.figures``: finished attempts only, each under the unit the
member belonged to when they started it (``Attempt.unit_id``); with a round given, only that
round's attempts.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, case, cast, exists, extract, func, literal_column, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from quiz.accounts.models import User
from quiz.attempts.models import Attempt
from quiz.contests.models import Contest, RosterEntry, Round
from quiz.db import utcnow
from quiz.extensions import db
from quiz.reports.figures import UnitFigures, participation
from quiz.text import text_sort_key
from quiz.units.models import Unit
from quiz.units.services import in_subtree

PAGE_SIZE = 50
#: Attempts are counted per quarter hour in SQL, then folded into local days: every time
#: zone in use today is a whole number of quarter hours away from UTC.
BUCKET_S = 900
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# Figures and the child ranking -------------------------------------------------------------------

@dataclass
class Overview:
    unit: UnitFigures               # .own: the unit itself; .total: rolled up over its subtree
    children: list[RankedUnit]
    running: tuple[int, int] = (0, 0)   # taking an attempt now: (the unit itself, its subtree)
    units: dict[int, UnitFigures] = field(default_factory=dict, repr=False)  # the whole subtree, by id


@dataclass
class RankedUnit:
    rank: int
    figures: UnitFigures


def overview(contest: Contest, unit: Unit, round_: Round | None = None, now: datetime | None = None) -> Overview:
    """The unit's own and rolled-up figures and its child units ranked (and every unit's
    figures, ``units``, which page the participants): two grouped queries
    (attempts, roster) and the unit rows of the subtree, whatever its size; and the members
    taking an attempt at ``now`` (the server's clock by default), read from the index of open
    attempts (``quiz.contests.live.running_in``)."""
    from quiz.contests.live import running_in

    units = participation(contest, round_, within=unit)
    return Overview(units[unit.id], rank_children(units, unit.id),
                    running_in(contest, unit, round_, now or utcnow()), units=units)


def _rank_key(figures: UnitFigures) -> tuple:
    rate = figures.total.rate
    return (rate is None, -(rate or 0), -figures.total.participants)


def rank_children(units: dict[int, UnitFigures], parent_id: int) -> list[RankedUnit]:
    """The units right below ``parent_id``, ranked (see ``rank``)."""
    return rank([f for f in units.values() if f.parent_id == parent_id])


def unit_order(figures) -> tuple:
    """Units (anything with a ``name`` and an ``id``) by name in Vietnamese order
    (``quiz.text.text_key``, through its string form, which is cached word by word), then id."""
    return text_sort_key(figures.name), figures.id


def rank(siblings: list[UnitFigures]) -> list[RankedUnit]:
    """Sibling units ranked on their rolled-up figures: participation rate, highest first
    (units with nobody expected, hence no rate, come last), then participants, most first.
    Units equal on both share a rank (1, 1, 3); among them the order is by name (Vietnamese
    order), then id, so that the list never shuffles between two loads."""
    ordered = sorted(siblings, key=lambda f: (*_rank_key(f), *unit_order(f)))
    ranked: list[RankedUnit] = []
    for position, figures in enumerate(ordered, start=1):
        tied = bool(ranked) and _rank_key(ranked[-1].figures) == _rank_key(figures)
        ranked.append(RankedUnit(ranked[-1].rank if tied else position, figures))
    return ranked


# Attempts per local day --------------------------------------------------------------------------

class epoch_seconds(FunctionElement):  # noqa: N801 - an SQL function, named like one
    """Whole seconds since 1970 of a naive-UTC timestamp column (fractions dropped, never
    rounded up: 23:59:59.9997 stays on its day), on SQLite and PostgreSQL."""

    type = BigInteger()
    name = "epoch_seconds"
    inherit_cache = True


@compiles(epoch_seconds)
def _epoch_seconds(element, compiler, **kw):
    (column,) = list(element.clauses)
    return compiler.process(cast(func.floor(extract("epoch", column)), BigInteger), **kw)


@compiles(epoch_seconds, "sqlite")
def _epoch_seconds_sqlite(element, compiler, **kw):
    # SQLite keeps a DateTime as 'YYYY-MM-DD HH:MM:SS.ffffff'; its date functions round the
    # fraction to milliseconds, so the fraction is cut off first.
    (column,) = list(element.clauses)
    return compiler.process(cast(func.strftime("%s", func.substr(column, 1, 19)), BigInteger), **kw)


def _finished(contest: Contest, unit: Unit, round_: Round | None):
    """Conditions for the finished attempts of the contest (or round) in ``unit``'s subtree;
    the query must join ``Unit`` on ``Attempt.unit_id``."""
    conditions = [Attempt.contest_id == contest.id, Attempt.finished_at.is_not(None), in_subtree(unit)]
    if round_ is not None:
        conditions.append(Attempt.round_id == round_.id)
    return conditions


def attempts_per_day(contest: Contest, unit: Unit, round_: Round | None = None) -> list[tuple[date, int]]:
    """Finished attempts in the subtree per day of the contest's time zone, by the time each
    attempt started; every day from the first to the last one with an attempt (days with none
    count 0). One query grouped by quarter hour of UTC, folded into local days here, so the day
    turns at local midnight on SQLite and PostgreSQL alike (daylight saving included)."""
    bucket = epoch_seconds(Attempt.started_at) // literal_column(str(BUCKET_S), BigInteger)
    rows = db.session.execute(
        select(bucket, func.count()).join(Unit, Unit.id == Attempt.unit_id)
        .where(*_finished(contest, unit, round_)).group_by(bucket))
    tz = ZoneInfo(contest.time_zone)
    days: Counter[date] = Counter()
    for quarter, count in rows:
        days[(_EPOCH + timedelta(seconds=int(quarter) * BUCKET_S)).astimezone(tz).date()] += count
    if not days:
        return []
    first, last = min(days), max(days)
    return [(first + timedelta(days=n), days[first + timedelta(days=n)]) for n in range((last - first).days + 1)]


# The people ----------------------------------------------------------------------------------------

@dataclass
class Page:
    rows: list
    total: int
    number: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))


@dataclass
class _Unit:
    id: int
    name: str
    rows: int


def _window(units: list[_Unit], number: int) -> tuple[Page, list[int], int]:
    """Where page ``number`` (past the last page: the last page) falls in a list made of the
    rows of ``units``, unit after unit in Vietnamese order: an empty ``Page`` (its total and
    number), the ids of the units it covers, in order, and how many rows of the first to skip."""
    units = sorted((u for u in units if u.rows), key=unit_order)
    total = sum(u.rows for u in units)
    number = max(1, min(number, max(1, -(-total // PAGE_SIZE))))
    skip, seen, covered, offset = (number - 1) * PAGE_SIZE, 0, [], 0
    for u in units:
        if seen + u.rows > skip:
            if not covered:
                offset = skip - seen
            covered.append(u.id)
        seen += u.rows
        if seen >= skip + PAGE_SIZE:
            break
    return Page([], total, number), covered, offset


def _rows_of(page: Page, statement, unit_column, unit_ids: list[int], offset: int, *order) -> Page:
    """The page's rows: ``statement`` restricted to the rows whose ``unit_column`` is one of
    ``unit_ids`` (an index range each), in the units' order (``Unit.id``), then by ``order``."""
    if not unit_ids:
        return page
    statement = statement.where(unit_column.in_(unit_ids))
    if len(unit_ids) > 1:
        statement = statement.order_by(case({uid: place for place, uid in enumerate(unit_ids)}, value=Unit.id))
    page.rows = db.session.execute(statement.order_by(*order).offset(offset).limit(PAGE_SIZE)).all()
    return page


def participants(contest: Contest, unit: Unit, round_: Round | None = None, page: int = 1,
                 figures: dict[int, UnitFigures] | None = None) -> Page:
    """The people who finished an attempt in the subtree, a page of 50 (past the last page: the
    last page). Rows: ``user_id, full_name, unit_id, unit_name, attempts, best_score``, by unit
    name, then member's name (both in Vietnamese order, the person by given name:
    ``User.name_sort_key``), then id. A member who changed unit between attempts is listed
    under each, as the figures count them.

    The subtree's figures (``participation``: the dashboard has them already, or they are
    computed here) give each unit's number of participants, so the page's units are known
    before any row is read, and one query reads those units' attempts only (an index range
    each): nothing is counted or sorted across the subtree, on page 1 as on the last."""
    if figures is None:
        figures = participation(contest, round_, within=unit)
    within = unit.path
    empty, unit_ids, offset = _window([_Unit(f.id, f.name, f.own.participants) for f in figures.values()
                                       if f.own.participants and f.path.startswith(within)], page)
    conditions = [Attempt.contest_id == contest.id, Attempt.finished_at.is_not(None)]
    if round_ is not None:
        conditions.append(Attempt.round_id == round_.id)
    statement = (select(User.id.label("user_id"), User.full_name, Unit.id.label("unit_id"),
                        Unit.name.label("unit_name"), func.count().label("attempts"),
                        func.max(Attempt.score).label("best_score"))
                 .select_from(Attempt).join(Unit, Unit.id == Attempt.unit_id).join(User, User.id == Attempt.user_id)
                 .where(*conditions)
                 .group_by(User.id, User.full_name, User.name_sort_key, Unit.id, Unit.name))
    return _rows_of(empty, statement, Attempt.unit_id, unit_ids, offset, User.name_sort_key, User.id)


def non_participants(contest: Contest, unit: Unit, round_: Round | None = None, page: int = 1) -> Page:
    """For a roster contest: the people listed under the subtree who have finished no attempt
    in the contest (or the round), a page of 50. A listed person is matched to an account by
    phone or CCCD, as ``quiz.attempts.services.eligible`` does; the attempt may have been made
    in any unit. Rows: ``id, full_name, unit_id, unit_name, registered`` (an account matches),
    by unit name, then name (``RosterEntry.name_sort_key``), then id, as ``participants``.
    Two queries whatever the roster's size: how many of them each unit has, then the page,
    from the units it covers only (index ``contest_id, unit_id, name_sort_key, id``)."""
    same_person = [(User.phone, RosterEntry.phone), (User.cccd, RosterEntry.cccd)]
    registered = or_(*(exists(select(User.id).where(account == listed)) for account, listed in same_person))

    def took_part(account, listed):
        attempt = select(Attempt.id).join(User, User.id == Attempt.user_id).where(
            Attempt.contest_id == contest.id, Attempt.finished_at.is_not(None), account == listed)
        if round_ is not None:
            attempt = attempt.where(Attempt.round_id == round_.id)
        return exists(attempt)

    missing = [RosterEntry.contest_id == contest.id, *(~took_part(account, listed) for account, listed in same_person)]
    counts = db.session.execute(
        select(Unit.id, Unit.name, func.count()).join(RosterEntry, RosterEntry.unit_id == Unit.id)
        .where(in_subtree(unit), *missing).group_by(Unit.id, Unit.name))
    empty, unit_ids, offset = _window([_Unit(*row) for row in counts], page)
    statement = (select(RosterEntry.id, RosterEntry.full_name, Unit.id.label("unit_id"),
                        Unit.name.label("unit_name"), registered.label("registered"))
                 .join(Unit, Unit.id == RosterEntry.unit_id).where(*missing))
    return _rows_of(empty, statement, RosterEntry.unit_id, unit_ids, offset, RosterEntry.name_sort_key,
                    RosterEntry.id)


# Choosing what to look at ---------------------------------------------------------------------------

def contests() -> list[tuple[int, str]]:
    """Every contest as (id, title), newest first."""
    return [tuple(row) for row in db.session.execute(
        select(Contest.id, Contest.title).order_by(Contest.created_at.desc(), Contest.id.desc()))]


def newest_contest() -> Contest | None:
    return db.session.scalars(select(Contest).order_by(Contest.created_at.desc(), Contest.id.desc()).limit(1)).first()


def visible_ancestry(unit: Unit, home: Unit | None) -> list[Unit]:
    """The unit's ancestors a viewer may open, root first, the unit itself excluded: from
    ``home`` (a manager's unit) down, or all of them when ``home`` is None."""
    ids = [int(part) for part in unit.path.strip("/").split("/")][:-1]
    if home is not None:
        ids = ids[home.depth:]
    found = {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))} if ids else {}
    return [found[i] for i in ids if i in found]

