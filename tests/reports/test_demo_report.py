"""The demo's contest runs in the configured time zone (Asia/Ho_Chi_Minh): its rounds turn at
local midnight, its practice attempts fall on local days, its report says so."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from quiz.contests.models import Contest
from quiz.extensions import db as _db
from quiz.reports import dashboard
from quiz.units.services import by_code
from quiz.web.templating import local

#: 23:30 UTC on 2 December: already 06:30 on 3 December in Hồ Chí Minh City.
NOW = datetime(2026, 12, 2, 23, 30)


@pytest.fixture
def demo(app):
    from quiz import demo

    with app.app_context():
        demo.load(NOW)
        _db.session.commit()
    return demo


def the_contest(demo) -> Contest:
    return _db.session.scalars(select(Contest).where(Contest.slug == demo.CONTEST_SLUG)).one()


def test_the_demo_rounds_turn_at_local_midnight(app, demo):
    with app.app_context():
        contest = the_contest(demo)
        tz = ZoneInfo(app.config["TIMEZONE"])
        assert contest.time_zone == "Asia/Ho_Chi_Minh"
        shown = [(r.name, f"{local(r.opens_at, tz):%H:%M %d/%m/%Y}", f"{local(r.closes_at, tz):%H:%M %d/%m/%Y}")
                 for r in contest.rounds]
        assert shown == [("Tuần thi thử", "00:00 25/11/2026", "00:00 02/12/2026"),
                         ("Tuần 1", "00:00 02/12/2026", "00:00 10/12/2026"),
                         ("Tuần 2", "00:00 10/12/2026", "00:00 17/12/2026")]
        assert contest.rounds[1].opens_at == datetime(2026, 12, 1, 17, 0)   # stored in UTC


def test_the_demo_practice_attempts_fall_on_local_days(app, demo):
    """Started at local midnight on 30/11 minus 0 … 19 hours: one on the 30th, 19 on the 29th."""
    with app.app_context():
        contest = the_contest(demo)
        assert dashboard.attempts_per_day(contest, by_code(demo.ROOT_CODE)) == [
            (date(2026, 11, 29), 19), (date(2026, 11, 30), 1)]


def test_the_demo_report_speaks_local_time(app, client, demo, auth):
    assert auth.login("0900000002", "bantochuc2026").status_code == 302     # the demo's organiser
    with app.app_context():
        contest_id, unit_id = the_contest(demo).id, by_code(demo.ROOT_CODE).id
    body = client.get(f"/bao-cao-don-vi/cuoc-thi/{contest_id}/don-vi/{unit_id}").get_data(as_text=True)
    assert "giờ địa phương (Asia/Ho_Chi_Minh)" in body and "(UTC)" not in body
    assert "<td>29/11/2026</td>" in body and "<td>30/11/2026</td>" in body
