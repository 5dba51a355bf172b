"""When a round takes new attempts: from its opening to its closing and, if it has a daily
window (``T2-T6``, ``07:30-17:30``, local time), only inside that window. Pure functions of
the round and ``now`` (naive UTC); the window is read in the contest's time zone.

An attempt started inside a window ends with it: its deadline is the earlier of start +
time limit and the moment the round stops taking attempts (see ``accepting_until``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from quiz.contests.models import Contest, Round

#: Vietnamese day names, Monday (thứ Hai, T2) first, as ISO weekdays 1–7.
DAY_NAMES = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
_DAYS = re.compile(r"(T[2-7]|CN)(?:\s*[-–]\s*(T[2-7]|CN))?")
_HOURS = re.compile(r"(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})")


@dataclass(frozen=True)
class Window:
    days: str      # ISO weekdays, e.g. "12345" for thứ Hai – thứ Sáu
    opens: int     # minutes after local midnight
    closes: int    # minutes after local midnight, up to 1440 (24:00)

    def describe(self) -> str:
        """``T2–T6, 07:30–17:30``."""
        days = [int(d) for d in self.days]
        if len(days) == 7:
            named = "hằng ngày"
        elif days == list(range(days[0], days[-1] + 1)) and len(days) > 2:
            named = f"{DAY_NAMES[days[0] - 1]}–{DAY_NAMES[days[-1] - 1]}"
        else:
            named = ", ".join(DAY_NAMES[d - 1] for d in days)
        return f"{named}, {_hhmm(self.opens)}–{_hhmm(self.closes)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_days(raw) -> str | None:
    """``"T2-T6"``, ``["T2", "T4", "CN"]`` or ``"T2, T7-CN"`` as ISO weekday digits, or None
    if it cannot be read."""
    parts = raw if isinstance(raw, list) else str(raw).split(",")
    days: set[int] = set()
    for part in parts:
        match = _DAYS.fullmatch(str(part).strip().upper())
        if not match:
            return None
        first = DAY_NAMES.index(match.group(1)) + 1
        last = DAY_NAMES.index(match.group(2) or match.group(1)) + 1
        if last < first:
            return None
        days.update(range(first, last + 1))
    return "".join(map(str, sorted(days))) or None


def parse_hours(raw) -> tuple[int, int] | None:
    """``"07:30-17:30"`` as minutes after midnight (opening before closing), or None."""
    match = _HOURS.fullmatch(str(raw).strip())
    if not match:
        return None
    h1, m1, h2, m2 = map(int, match.groups())
    opens, closes = h1 * 60 + m1, h2 * 60 + m2
    if m1 > 59 or m2 > 59 or h1 > 23 or closes > 1440 or opens >= closes:
        return None
    return opens, closes


def window(round_: Round) -> Window | None:
    if round_.window_days is None:
        return None
    return Window(round_.window_days, round_.window_opens_min, round_.window_closes_min)


def local_time(moment: datetime, tz: ZoneInfo) -> datetime:
    """A stored naive-UTC moment in ``tz``."""
    return moment.replace(tzinfo=timezone.utc).astimezone(tz)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def current_round(contest: Contest, now: datetime) -> Round | None:
    """The round between its opening and closing at ``now`` (in or out of its daily window)."""
    return next((r for r in contest.rounds if r.opens_at <= now < r.closes_at), None)


def accepting_until(contest: Contest, round_: Round, now: datetime) -> datetime | None:
    """If ``round_`` takes a new attempt at ``now``, the moment it stops (its closing, or the
    end of today's window); None if it does not take one now."""
    if not round_.opens_at <= now < round_.closes_at:
        return None
    daily = window(round_)
    if daily is None:
        return round_.closes_at
    local = local_time(now, ZoneInfo(contest.time_zone))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if (str(local.isoweekday()) not in daily.days
            or not midnight + timedelta(minutes=daily.opens) <= local < midnight + timedelta(minutes=daily.closes)):
        return None
    return min(_utc(midnight + timedelta(minutes=daily.closes)), round_.closes_at)


def next_start(contest: Contest, now: datetime) -> datetime | None:
    """The first moment at or after ``now`` when some round of the contest takes a new
    attempt; None once every round has closed."""
    tz = ZoneInfo(contest.time_zone)
    for round_ in sorted(contest.rounds, key=lambda r: r.opens_at):
        if round_.closes_at <= now:
            continue
        begin = max(now, round_.opens_at)
        daily = window(round_)
        if daily is None:
            return begin
        local = local_time(begin, tz)
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if str(day.isoweekday()) not in daily.days:
                continue
            midnight = datetime.combine(day, time(0), tzinfo=tz)
            opening = max(local, midnight + timedelta(minutes=daily.opens))
            if opening < midnight + timedelta(minutes=daily.closes):
                if _utc(opening) < round_.closes_at:
                    return _utc(opening)
                break
    return None
