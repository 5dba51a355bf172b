"""Daily windows: reading ``days``/``hours``, whether a round takes an attempt at a moment,
and when it next does (in the contest's time zone; stored times are naive UTC)."""
from __future__ import annotations

from datetime import datetime

import pytest

from quiz.contests import schedule
from quiz.contests.models import Contest, Round

# Thứ Hai 07/12/2026 is a Monday. Hà Nội is UTC+7: 07:30 there is 00:30 UTC.
MONDAY = datetime(2026, 12, 7)


def contest(*rounds: Round, tz: str = "Asia/Ho_Chi_Minh") -> Contest:
    return Contest(time_zone=tz, rounds=list(rounds))


def office_round(opens=datetime(2026, 12, 1), closes=datetime(2026, 12, 31), number=1) -> Round:
    """Monday–Friday, 07:30–17:30 local."""
    return Round(number=number, name=f"Đợt {number}", opens_at=opens, closes_at=closes,
                 window_days="12345", window_opens_min=7 * 60 + 30, window_closes_min=17 * 60 + 30)


@pytest.mark.parametrize("raw, days", [
    ("T2-T6", "12345"), ("T2–T6", "12345"), (["T2", "T4", "CN"], "137"), ("T7-CN", "67"),
    ("t2, T7 - CN", "167"), ("CN", "7"),
])
def test_days_are_read_in_vietnamese(raw, days):
    assert schedule.parse_days(raw) == days


@pytest.mark.parametrize("raw", ["T6-T2", "Thứ 2", "T8", "", [], [3], "T2-T6-T7"])
def test_unreadable_days_are_none(raw):
    assert schedule.parse_days(raw) is None


@pytest.mark.parametrize("raw, minutes", [("07:30-17:30", (450, 1050)), ("7:30 – 17:30", (450, 1050)),
                                          ("00:00-24:00", (0, 1440)), ("19:00-22:00", (1140, 1320))])
def test_hours_are_read(raw, minutes):
    assert schedule.parse_hours(raw) == minutes


@pytest.mark.parametrize("raw", ["17:30-07:30", "08:00-08:00", "25:00-26:00", "07:60-08:00", "24:30-24:45",
                                 "7h30-17h30", "", None])
def test_unreadable_hours_are_none(raw):
    assert schedule.parse_hours(raw) is None


def test_described_in_words():
    assert schedule.window(office_round()).describe() == "T2–T6, 07:30–17:30"
    assert schedule.Window("1234567", 0, 1440).describe() == "hằng ngày, 00:00–24:00"
    assert schedule.Window("37", 1140, 1320).describe() == "T4, CN, 19:00–22:00"


@pytest.mark.parametrize("local_hour, local_minute, accepting", [
    (7, 29, False), (7, 30, True), (12, 0, True), (17, 29, True), (17, 30, False), (22, 0, False),
])
def test_a_weekday_takes_attempts_only_inside_its_hours(local_hour, local_minute, accepting):
    round_ = office_round()
    now = MONDAY.replace(hour=local_hour, minute=local_minute) - (datetime(2026, 1, 1, 7) - datetime(2026, 1, 1))
    until = schedule.accepting_until(contest(round_), round_, now)
    assert (until is not None) == accepting
    if accepting:
        assert until == datetime(2026, 12, 7, 10, 30)  # 17:30 local, the window's end today


def test_the_weekend_takes_none_and_the_next_start_is_monday_morning():
    round_ = office_round()
    saturday_noon = datetime(2026, 12, 12, 5)  # 12:00 local
    assert schedule.accepting_until(contest(round_), round_, saturday_noon) is None
    assert schedule.next_start(contest(round_), saturday_noon) == datetime(2026, 12, 14, 0, 30)


def test_the_window_never_outlasts_the_round():
    round_ = office_round(closes=datetime(2026, 12, 7, 3))  # closes Monday 10:00 local
    assert schedule.accepting_until(contest(round_), round_, datetime(2026, 12, 7, 2)) == datetime(2026, 12, 7, 3)


def test_next_start_after_hours_is_the_next_morning_and_inside_hours_is_now():
    round_ = office_round()
    evening = datetime(2026, 12, 7, 12)  # Monday 19:00 local
    assert schedule.next_start(contest(round_), evening) == datetime(2026, 12, 8, 0, 30)
    noon = datetime(2026, 12, 7, 5)
    assert schedule.next_start(contest(round_), noon) == noon


def test_next_start_moves_on_to_the_next_round_when_a_window_falls_after_the_close():
    first = office_round(closes=datetime(2026, 12, 11, 12), number=1)     # closes Friday 19:00 local
    second = Round(number=2, name="Đợt 2", opens_at=datetime(2026, 12, 20), closes_at=datetime(2026, 12, 27))
    friday_evening = datetime(2026, 12, 11, 11)                           # 18:00 local: after hours
    assert schedule.next_start(contest(first, second), friday_evening) == datetime(2026, 12, 20)
    assert schedule.next_start(contest(first, second), datetime(2026, 12, 28)) is None


def test_a_round_without_a_window_takes_attempts_from_open_to_close():
    round_ = Round(number=1, name="Đợt 1", opens_at=datetime(2026, 12, 1), closes_at=datetime(2026, 12, 2))
    assert schedule.accepting_until(contest(round_), round_, datetime(2026, 12, 1, 23)) == datetime(2026, 12, 2)
    assert schedule.accepting_until(contest(round_), round_, datetime(2026, 12, 2)) is None
    assert schedule.next_start(contest(round_), datetime(2026, 11, 30)) == datetime(2026, 12, 1)
