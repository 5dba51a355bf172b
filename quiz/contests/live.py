"""The live figures of a round, for the organiser's page that watches it
(``quiz.contests.control_views.round_page``) and the "đang làm bài" figure of the unit
dashboards.

What the page shows, and what each costs at the scale of DESIGN.md §6 (1,000,000 members,
2,500,000 attempts, 5,000 units):

- **Taking an attempt now** (``running``): the open attempts whose deadline plus grace has not
  passed. Read every time, never cached: the query is answered from the partial unique index
  ``uq_attempts_one_open`` (``WHERE finished_at IS NULL``), which holds only the open attempts,
  a few thousand on a deadline evening, whatever the size of the table.
- **Everything else** (submitted attempts in the round and today, per hour over the last 24
  hours, participants, the expected number, the top-level units ranked by participation
  rate) comes from two grouped queries over the round's attempts: the roll-up is the unit
  dashboards' own (``quiz.reports.figures.participation``, which the covering index
  ``ix_attempts_contest_id_unit_id_user_id INCLUDE (round_id, score, finished_at)`` answers for
  a whole contest), the hours are grouped by quarter hour of ``finished_at`` and folded into
  local hours, as the dashboards fold days. For one round PostgreSQL prefers
  ``ix_attempts_round_id_user_id`` and a bitmap scan of the round's table pages (they lie
  together: a round's attempts arrive together). Measured on the full-size data
  (``scripts/bench_live.py``, a round of 500,000 attempts): 0.9–1.2 s
  for both on a busy 2-core machine (4.6–5.8 × a ``count(*)`` of the 2.5M attempts in the same
  run), too much for every refresh, so these figures are kept in a short per-process
  cache, ``Board``: one entry per round, recomputed when it is older than ``ttl`` seconds (30
  by default, the page refreshes every 30), by one thread while the others keep showing the
  previous entry. The board is the one place that keeps and forgets them: nothing else
  invalidates it, because nothing the organiser does on the page changes them (closing,
  pausing or resuming changes the round's row, which is read on every request, not these
  counts). However many organisers watch, each process runs the two queries at most once per
  ``ttl`` per round; a refresh otherwise costs the open-attempt count and the template (4–9 ms
  measured; the count alone 1–2 ms with 5,000 attempts open).

Members are counted as the unit dashboards count them: finished attempts only, each under the
unit the member belonged to when they started it; "participants" is the sum over the units (a
member who changed unit between two attempts counts in each, as on the dashboards), so the
rate is participants ÷ expected (the units' headcounts or, for a roster contest, the people
listed) with both sides counted the same way. No HTTP here; nothing is written.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy import BigInteger, func, literal_column, select

from quiz.attempts.models import Attempt
from quiz.contests.models import Contest, Round
from quiz.extensions import db
from quiz.reports.charts import hourly_bars
from quiz.reports.dashboard import BUCKET_S, RankedUnit, epoch_seconds, rank
from quiz.reports.figures import participation
from quiz.units.models import Unit
from quiz.units.services import in_subtree

HOURS = 24            # the chart's span: the last 24 local hours of the round
DEFAULT_TTL_S = 30    # how long the heavy figures are kept (seconds)
SHOWN_UNITS = 12      # with more top-level units than this, the first and the last six are shown
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


# Taking an attempt now: the partial index of open attempts ------------------------------------

def running_now(contest: Contest, now: datetime):
    """SQL conditions: the contest's attempts being taken at ``now`` (open, and still accepting
    answers: deadline plus the contest's grace not passed)."""
    return (Attempt.contest_id == contest.id, Attempt.finished_at.is_(None),
            Attempt.deadline_at >= now - timedelta(seconds=contest.grace_s))


def running(contest: Contest, round_: Round | None, now: datetime) -> int:
    """How many members are taking an attempt of the contest (or of the round) at ``now``."""
    query = select(func.count()).select_from(Attempt).where(*running_now(contest, now))
    if round_ is not None:
        query = query.where(Attempt.round_id == round_.id)
    return db.session.scalar(query)


def running_in(contest: Contest, unit: Unit, round_: Round | None, now: datetime) -> tuple[int, int]:
    """Members taking an attempt at ``now`` in ``unit`` itself and in its whole subtree."""
    query = (select(func.count().filter(Attempt.unit_id == unit.id), func.count()).select_from(Attempt)
             .join(Unit, Unit.id == Attempt.unit_id).where(*running_now(contest, now), in_subtree(unit)))
    if round_ is not None:
        query = query.where(Attempt.round_id == round_.id)
    own, total = db.session.execute(query).one()
    return own, total


# The heavy figures, cached -----------------------------------------------------------------------

@dataclass
class Totals:
    """A round's figures as of ``computed_at`` (kept by the ``Board`` for a few seconds)."""

    computed_at: datetime
    submitted: int                                   # finished attempts in the round
    submitted_today: int                             # … since local midnight
    participants: int
    expected: int
    per_hour: list[tuple[datetime, int]] = field(default_factory=list)   # (local hour, finished)
    units: list[RankedUnit] = field(default_factory=list)                # top level, ranked

    @property
    def rate(self) -> float | None:
        return self.participants / self.expected if self.expected else None

    def lagging(self, ranked: RankedUnit) -> bool:
        """Below the rate of the whole (or, with nobody expected there, nobody taking part)."""
        rate = ranked.figures.total.rate
        return (rate is not None and self.rate is not None and rate < self.rate) or (
            rate is None and ranked.figures.total.participants == 0)

    @property
    def shown_units(self) -> list[RankedUnit | None]:
        """The units to list: all of them, or with many the first and the last (the lagging
        ones), ``None`` standing for the ones in between."""
        if len(self.units) <= SHOWN_UNITS:
            return list(self.units)
        half = SHOWN_UNITS // 2
        return [*self.units[:half], None, *self.units[-half:]]


class Board:
    """The per-process cache of ``Totals`` by round: an entry older than ``ttl`` seconds (by the
    ``now`` the caller passes) is computed again, by one thread at a time per round; while it
    is being computed, the other threads get the entry it replaces (a few seconds older) rather
    than computing it too, so a process runs the queries at most once per ``ttl`` per round
    however many organisers watch."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: dict[int, Totals] = {}
        self._computing: dict[int, threading.Lock] = {}

    def get(self, round_id: int, now: datetime, ttl: float, compute: Callable[[], Totals]) -> Totals:
        with self._lock:
            kept = self._items.get(round_id)
            busy = self._computing.setdefault(round_id, threading.Lock())
        if kept is not None and 0 <= (now - kept.computed_at).total_seconds() < ttl:
            return kept
        if not busy.acquire(blocking=kept is None):
            return kept                                  # another thread is computing it
        try:
            with self._lock:                             # computed while this thread waited?
                latest = self._items.get(round_id)
            if latest is not None and latest is not kept and 0 <= (now - latest.computed_at).total_seconds() < ttl:
                return latest
            fresh = compute()
            with self._lock:
                self._items[round_id] = fresh
            return fresh
        finally:
            busy.release()


def _local_hour(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=timezone.utc).astimezone(tz).replace(minute=0, second=0, microsecond=0)


def _top_level(units: dict) -> list:
    """The units ranked on the page: those right below the root when there is one root, else
    the roots."""
    roots = [f for f in units.values() if f.parent_id is None]
    if len(roots) == 1:
        return [f for f in units.values() if f.parent_id == roots[0].id] or roots
    return roots


def totals(contest: Contest, round_: Round, now: datetime) -> Totals:
    """The round's figures at ``now``: two grouped queries (see the module's docstring)."""
    tz = ZoneInfo(contest.time_zone)
    end = min(now, round_.closes_at)
    last_hour = _local_hour(end, tz)
    first_hour = max(last_hour - timedelta(hours=HOURS - 1), _local_hour(min(round_.opens_at, end), tz))
    local_now = now.replace(tzinfo=timezone.utc).astimezone(tz)
    midnight = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
    since = min(first_hour, midnight).astimezone(timezone.utc).replace(tzinfo=None)

    bucket = epoch_seconds(Attempt.finished_at) // literal_column(str(BUCKET_S), BigInteger)
    rows = db.session.execute(
        select(bucket, func.count()).where(Attempt.contest_id == contest.id, Attempt.round_id == round_.id,
                                           Attempt.finished_at >= since).group_by(bucket))
    hours: Counter[datetime] = Counter()
    today = 0
    for quarter, count in rows:
        moment = (_EPOCH + timedelta(seconds=int(quarter) * BUCKET_S)).astimezone(tz)
        hours[moment.replace(minute=0)] += count
        if moment >= midnight:
            today += count
    per_hour, hour = [], first_hour
    while hour <= last_hour:
        per_hour.append((hour, hours[hour]))
        # step in UTC so that a day with a daylight-saving change has its 23 or 25 hours
        hour = (hour.astimezone(timezone.utc) + timedelta(hours=1)).astimezone(tz)

    units = participation(contest, round_)
    roots = [f for f in units.values() if f.parent_id is None]
    return Totals(computed_at=now, submitted=sum(f.total.attempts for f in roots), submitted_today=today,
                  participants=sum(f.total.participants for f in roots),
                  expected=sum(f.total.expected for f in roots), per_hour=per_hour, units=rank(_top_level(units)))


@dataclass
class Live:
    """What the organiser's page shows of a round at ``now``."""

    now: datetime
    running: int
    totals: Totals

    @property
    def chart(self) -> Markup:
        return hourly_bars(self.totals.per_hour, "Số lượt nộp bài theo giờ", hours=HOURS)


def watch(contest: Contest, round_: Round, now: datetime, *, board: Board | None = None,
          ttl: float = DEFAULT_TTL_S) -> Live:
    """The live figures of ``round_``: members taking an attempt now (read now), the rest from
    ``board`` when it holds them from less than ``ttl`` seconds ago."""
    compute = lambda: totals(contest, round_, now)  # noqa: E731
    figures = board.get(round_.id, now, ttl, compute) if board is not None else compute()
    return Live(now, running(contest, round_, now), figures)

