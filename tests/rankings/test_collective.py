"""Collective prizes: the same units ranked by participants, by participation rate, and by the
weighted formula (rate in percent plus points per individual prize) give their own orders."""
from __future__ import annotations

from datetime import timedelta

import pytest

from quiz.attempts.models import Attempt
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db
from quiz.rankings import collective
from quiz.rankings import services as rankings


@pytest.mark.parametrize("metric, expected", [
    ("participants", ["H3", "H1", "H2"]),      # 4, 3, 2 people
    ("rate", ["H2", "H1", "H3"]),              # 100 %, 30 %, 4 %
    ("weighted", ["H3", "H2", "H1"]),          # 4 + 100 (Nhất), 100, 30 + 10 (Nhì)
])
def test_the_three_formulas_rank_units_their_own_way(app, make_contest, make_unit, make_user, metric, expected):
    now = utcnow()
    make_unit("TU")
    for code, headcount in (("H1", 10), ("H2", 2), ("H3", 100)):
        make_unit(code, "TU", headcount=headcount, name=code)
    people = [(make_user(phone=f"09120010{i:02d}", unit=code).id, code, score)
              for i, (code, score) in enumerate([("H3", 20), ("H1", 19), ("H1", 5), ("H1", 5), ("H2", 5), ("H2", 5),
                                                 ("H3", 5), ("H3", 5), ("H3", 5)])]
    cid = make_contest(round=[{"name": "Tuần 1", "opens": (now - timedelta(days=3)).isoformat(),
                               "closes": (now - timedelta(days=1)).isoformat()}],
                       prize=[{"name": "Nhất", "count": 1}, {"name": "Nhì", "count": 1}],
                       collective={"metric": metric, "level": 1, "count": 1, "points": {"Nhất": 100, "Nhì": 10}})
    with app.app_context():
        from quiz.units.services import by_code

        contest = _db.session.get(Contest, cid)
        for user_id, code, score in people:
            start = now - timedelta(days=2)
            _db.session.add(Attempt(contest_id=cid, round_id=contest.rounds[0].id, user_id=user_id, number=1,
                                    seed=1, unit_id=by_code(code).id, started_at=start,
                                    deadline_at=start + timedelta(minutes=10), finished_at=start + timedelta(minutes=5),
                                    score=score, time_used_ms=300_000))
        _db.session.flush()
        rankings.freeze(contest.rounds[0], contest, now=now)
        found = collective.standings(contest, contest.rounds[0])
        assert [c.unit.code for c in found] == expected
        assert [c.awarded for c in found] == [True, False, False]
        assert dict(next(c for c in found if c.unit.code == "H3").prizes) == {"Nhất": 1}


def test_a_collective_section_without_a_metric_is_a_setup_error(app, make_contest):
    from zoneinfo import ZoneInfo

    from quiz.contests import setup

    with app.app_context():
        make_contest()                        # the bank exists
        result = setup.create({"slug": "tap-the", "title": "X", "collective": {"metric": "vui", "points": {"Z": 1}},
                               "round": [{"opens": "2026-12-01 07:00", "closes": "2026-12-02 07:00"}],
                               "draw": [{"bank": "Ngân hàng lượt thi", "count": 5}]}, tz=ZoneInfo("UTC"))
        text = " | ".join(str(p) for p in result.errors)
        assert "collective.metric" in text and "không có giải cá nhân: Z" in text
