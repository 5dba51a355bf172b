"""Collective prizes: the same units ranked by participants, by participation rate, and by the
weighted formula (rate in percent plus points per individual prize) give their own orders."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from quiz.attempts.models import Attempt
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.errors import Conflict, DomainError
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


# Frozen, exact, and for the whole contest ---------------------------------------------------------

WEEK = timedelta(days=7)


@pytest.fixture
def two_districts(app, make_contest, make_unit, make_user):
    """H1 (headcount 30) and H2 (headcount 25) under TU; 15 members of H1 and 14 of H2 take week 1,
    one of each wins: H1's a Nhất worth 12 points, H2's a Nhì worth 6. Weighted: 100×15/30 + 12 =
    62 and 100×14/25 + 6 = 62 exactly (in floating point the second is 62.00000000000001)."""
    from quiz.units.services import by_code

    def make(**changes):
        make_unit("TU")
        make_unit("H1", "TU", headcount=30, name="Huyện Một")
        make_unit("H2", "TU", headcount=25, name="Huyện Hai")
        members = [(make_user(phone=f"09140001{i:02d}", unit=code).id, code)
                   for i, code in enumerate(["H1"] * 15 + ["H2"] * 14)]
        start = datetime(2026, 12, 1, 1, 0)
        rounds = [{"name": f"Tuần {n}", "opens": (start - timedelta(hours=1) + (n - 1) * WEEK).isoformat(),
                   "closes": (start - timedelta(hours=1) + n * WEEK).isoformat()} for n in (1, 2)]
        cid = make_contest(round=rounds, prize=[{"name": "Nhất", "count": 1}, {"name": "Nhì", "count": 1}],
                           collective={"metric": "weighted", "level": 1, "count": 1, "points": {"Nhất": 12, "Nhì": 6},
                                       **changes})
        with app.app_context():
            contest = _db.session.get(Contest, cid)
            for i, (user_id, code) in enumerate(members):
                score = {0: 20, 15: 19}.get(i, 5)          # H1's first member Nhất, H2's first Nhì
                _db.session.add(Attempt(contest_id=cid, round_id=contest.rounds[0].id, user_id=user_id, number=1,
                                        seed=1, unit_id=by_code(code).id, started_at=start,
                                        deadline_at=start + timedelta(minutes=10),
                                        finished_at=start + timedelta(minutes=5), score=score, time_used_ms=300_000))
            _db.session.commit()
        return cid, members
    return make


def _standing(contest, round_=None):
    return [(c.unit.code, c.rank, c.awarded, collective.shown(c.value, contest.collective_metric), c.unit.name,
             c.unit.participants, c.unit.expected) for c in collective.standings(contest, round_)]


@pytest.mark.parametrize("ties, expected", [
    ("share", [("H2", 1, True), ("H1", 1, True)]),    # equal values share the rank and the prize (names order them)
    ("participants", [("H1", 1, True), ("H2", 2, False)]),      # 15 participants before 14
])
def test_an_exact_tie_and_the_contests_tie_break(app, two_districts, ties, expected):
    cid, _ = two_districts(ties=ties)
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=contest.rounds[0].closes_at + WEEK)
        found = _standing(contest, contest.rounds[0])
        assert [row[:3] for row in found] == expected
        assert [row[3] for row in found] == ["62", "62"]


def test_a_frozen_collective_standing_and_the_published_figures_do_not_move(app, client, two_districts, make_unit,
                                                                           make_user, statements):
    from quiz.units import importer
    from quiz.units.importer import UnitRow
    from quiz.units.services import by_code

    cid, members = two_districts()
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=contest.rounds[0].closes_at + WEEK)
        rankings.publish(contest.rounds[0], now=contest.rounds[0].closes_at + WEEK)
        before = _standing(contest, contest.rounds[0])
        slug = contest.slug
        _db.session.commit()
    latecomer = make_user(phone="0914000999", unit="H2").id
    with app.app_context():
        importer.import_rows([UnitRow(2, "H1", "Huyện Một Mới", "TU", "", 300),     # renamed, new headcount
                              UnitRow(3, "H2", "Huyện Hai", "TU", "", 2)])
        from quiz.accounts.models import User
        _db.session.get(User, members[0][0]).unit_id = by_code("H2").id            # the Nhất moves unit
        contest = _db.session.get(Contest, cid)
        start = contest.rounds[0].opens_at + timedelta(hours=2)
        _db.session.add(Attempt(contest_id=cid, round_id=contest.rounds[0].id, user_id=latecomer, number=1, seed=1,
                                unit_id=by_code("H2").id, started_at=start, deadline_at=start + timedelta(minutes=10),
                                finished_at=start + timedelta(minutes=5), score=20, time_used_ms=1000))
        _db.session.commit()
        assert _standing(_db.session.get(Contest, cid), contest.rounds[0]) == before
    with statements() as sent:
        page = client.get(f"/ket-qua/{slug}/1").get_data(as_text=True)
    assert not [sql for sql in sent if "FROM attempts" in sql or "JOIN attempts" in sql]    # stored at freezing
    table = page[page.index('class="list stack collective"'):]
    table = table[:table.index("</table>")]
    assert "Huyện Một</td>" in table and "Huyện Một Mới" not in table and "15 / 30" in table
    assert "<strong>29</strong> người, <strong>29</strong> lượt thi" in page
    tops = page[page.index("Đơn vị nhiều người dự thi nhất"):]
    assert tops.index("Huyện Một: <strong>15</strong>") < tops.index("Huyện Hai: <strong>14</strong>")
    assert "Huyện Một Mới" not in tops


def test_the_whole_contests_collective_prizes(app, two_districts):
    cid, members = two_districts()
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        week1, week2 = contest.rounds
        h2 = [user_id for user_id, code in members if code == "H2"]
        for user_id in h2[:3]:     # three of H2 again in week 2 (one new Nhất there): no new people
            start = week2.opens_at + timedelta(hours=1)
            _db.session.add(Attempt(contest_id=cid, round_id=week2.id, user_id=user_id, number=1, seed=1,
                                    started_at=start, deadline_at=start + timedelta(minutes=10),
                                    finished_at=start + timedelta(minutes=5), score=20 - user_id % 2,
                                    time_used_ms=300_000))
        _db.session.flush()
        with pytest.raises(DomainError, match="chưa chốt: Tuần 1, Tuần 2"):
            rankings.freeze_contest(contest, now=week2.closes_at + WEEK)
        for round_ in (week2, week1):
            rankings.freeze(round_, contest, now=week2.closes_at + WEEK)
        heard = []
        assert rankings.freeze_contest(contest, now=week2.closes_at + WEEK, progress=lambda *s: heard.append(s)) == 2
        assert heard[-1] == (1, 1, "Đã chốt kết quả toàn cuộc thi: 2 đơn vị được xếp hạng.")
        assert contest.results_figures == {      # 29 people in week 1; three of H2 again (with no unit) in week 2
            "participants": 29, "attempts": 32,
            "by_participants": [{"name": "Huyện Một", "participants": 15}, {"name": "Huyện Hai", "participants": 14}],
            "by_attempts": [{"name": "Huyện Một", "attempts": 15}, {"name": "Huyện Hai", "attempts": 14}]}
        whole = {c.unit.code: (c.unit.participants, dict(c.prizes), c.rank) for c in collective.standings(contest, None)}
        assert whole["H1"] == (15, {"Nhất": 1}, 2)                     # 50 + 12 = 62
        assert whole["H2"][0] == 14 and sum(whole["H2"][1].values()) == 3 and whole["H2"][2] == 1
        with pytest.raises(Conflict, match="toàn cuộc thi đã chốt"):
            rankings.reopen(week1, contest, now=week2.closes_at + WEEK)
        rankings.publish_contest(contest, now=week2.closes_at + WEEK)
        with pytest.raises(Conflict, match="đã công bố"):
            rankings.reopen_contest(contest, now=week2.closes_at + WEEK)
