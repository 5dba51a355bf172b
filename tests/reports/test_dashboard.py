"""Unit dashboards: own and rolled-up figures, the child ranking, attempts per local day,
the participants and the roster's non-participants, the pages, and scope on every route
however the ids are written."""
from __future__ import annotations

import random
import re
from string import ascii_lowercase, ascii_uppercase
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update
from flask_sqlalchemy.record_queries import get_recorded_queries

from conftest import T0
from quiz.accounts.models import User
from quiz.attempts.models import Attempt
from quiz.contests import roster
from quiz.contests.models import Contest, RosterEntry
from quiz.extensions import db as _db
from quiz.reports import dashboard
from quiz.tables import Table
from quiz.text import name_key, name_sort_key, text_key
from quiz.units.services import by_code

#: Unit names in an order that is not the byte order (nor the order without accents), and
#: the same names in Vietnamese order: a < ă < â < b … d < đ < e …, case ignored.
VN_UNITS = ["Yên Lập", "Đông Sơn", "ấp Bắc", "trường Tiểu học", "An Khánh", "Ân Thi"]
VN_UNITS_IN_ORDER = ["An Khánh", "Ân Thi", "ấp Bắc", "Đông Sơn", "trường Tiểu học", "Yên Lập"]


@pytest.fixture
def tree(make_unit, login_as):
    """ROOT › HU0 (headcount 10) › XA1 (4), XA2 (6); ROOT › HU1 (5). Codes → ids. (After
    ``login_as``, which makes ROOT and HU0 of its own: the names and headcounts here win.)"""
    shape = [("ROOT", "", "Tỉnh ủy", 0), ("HU0", "ROOT", "Huyện ủy Một", 10), ("XA1", "HU0", "Đảng ủy xã Một", 4),
             ("XA2", "HU0", "Đảng ủy xã Hai", 6), ("HU1", "ROOT", "Huyện ủy Hai", 5)]
    return {code: make_unit(code, parent=parent, name=name, headcount=headcount).id
            for code, parent, name, headcount in shape}


def add(contest_id: int, user_id: int, unit_id: int, started: datetime, score: int | None = 10,
        finished: bool = True, round_index: int = 0) -> None:
    """An attempt row straight into the table (the attempt services are tested elsewhere)."""
    contest = _db.session.get(Contest, contest_id)
    number = 1 + _db.session.query(Attempt).filter_by(user_id=user_id, round_id=contest.rounds[round_index].id).count()
    _db.session.add(Attempt(contest_id=contest_id, round_id=contest.rounds[round_index].id, user_id=user_id,
                            unit_id=unit_id, number=number, seed=1, started_at=started,
                            deadline_at=started + timedelta(minutes=10), score=score if finished else None,
                            finished_at=started + timedelta(minutes=5) if finished else None))
    _db.session.flush()


def person(i: int) -> str:
    """A name of letters only (as registration demands) that sorts by ``i``: Người Aa, Người Ab …"""
    return f"Người {ascii_uppercase[i // 26]}{ascii_lowercase[i % 26]}"


def load(contest_id: int, code: str):
    return _db.session.get(Contest, contest_id), by_code(code)


# Figures and ranking ------------------------------------------------------------------------------

def test_figures_for_the_unit_itself_and_rolled_up_over_its_subtree(app, tree, make_user, make_contest):
    people = [make_user(unit=code).id for code in ("HU0", "XA1", "XA1", "XA2", "HU1")]
    cid = make_contest()
    with app.app_context():
        at = T0 + timedelta(hours=2)
        add(cid, people[0], tree["HU0"], at, score=8)
        add(cid, people[1], tree["XA1"], at, score=10)
        add(cid, people[1], tree["XA1"], at + timedelta(hours=1), score=14)
        add(cid, people[2], tree["XA1"], at, score=12)
        add(cid, people[3], tree["XA2"], at, finished=False)      # not finished: not counted
        add(cid, people[4], tree["HU1"], at, score=20)            # a sibling's: not in HU0's figures
        contest, unit = load(cid, "HU0")
        seen = dashboard.overview(contest, unit)
        own, total = seen.unit.own, seen.unit.total
        assert (own.participants, own.attempts, own.expected) == (1, 1, 10)
        assert own.rate == pytest.approx(0.1)
        assert (total.participants, total.attempts, total.expected) == (3, 4, 20)
        assert total.rate == pytest.approx(0.15)
        assert total.average_score == pytest.approx((8 + 10 + 14 + 12) / 4)
        assert {c.figures.code for c in seen.children} == {"XA1", "XA2"}


def test_child_units_rank_by_rate_then_participants_with_ties_sharing_a_rank(app, make_unit, make_user, make_contest):
    make_unit("ROOT")
    # code: (headcount, participants) → rate
    shape = {"CA": (4, 2), "CB": (8, 4), "CC": (2, 2), "CD": (0, 5), "CE": (4, 2), "CF": (10, 1)}
    for code, (headcount, _) in shape.items():
        make_unit(code, parent="ROOT", name=f"Đơn vị {code}", headcount=headcount)
    cid = make_contest()
    people = {code: [make_user(unit=code).id for _ in range(count)] for code, (_, count) in shape.items()}
    with app.app_context():
        for code, ids in people.items():
            for user_id in ids:
                add(cid, user_id, by_code(code).id, T0 + timedelta(hours=1))
        contest, root = load(cid, "ROOT")
        ranked = dashboard.overview(contest, root).children
        # CC 100 %; CB 50 % with 4 people; CA, CE 50 % with 2 (tied, by name); CF 10 %; CD nobody expected: last
        assert [(r.rank, r.figures.code) for r in ranked] == [(1, "CC"), (2, "CB"), (3, "CA"), (3, "CE"),
                                                              (5, "CF"), (6, "CD")]


def test_a_round_counts_only_its_own_attempts(app, tree, make_user, make_contest):
    member = make_user(unit="XA1").id
    cid = make_contest(round=[
        {"name": "Tuần 1", "opens": T0.isoformat(), "closes": (T0 + timedelta(days=7)).isoformat()},
        {"name": "Tuần 2", "opens": (T0 + timedelta(days=7)).isoformat(), "closes": (T0 + timedelta(days=14)).isoformat()}])
    with app.app_context():
        add(cid, member, tree["XA1"], T0 + timedelta(hours=1))
        add(cid, member, tree["XA1"], T0 + timedelta(days=8), round_index=1)
        add(cid, member, tree["XA1"], T0 + timedelta(days=9), round_index=1)
        contest, unit = load(cid, "HU0")
        assert dashboard.overview(contest, unit).unit.total.attempts == 3
        assert dashboard.overview(contest, unit, contest.rounds[1]).unit.total.attempts == 2
        assert sum(n for _, n in dashboard.attempts_per_day(contest, unit, contest.rounds[0])) == 1
        assert dashboard.participants(contest, unit, contest.rounds[1]).rows[0].attempts == 2


# Attempts per day ----------------------------------------------------------------------------------

def test_the_day_turns_at_local_midnight(app, tree, make_user, make_contest):
    """Asia/Ho_Chi_Minh is UTC+7: 16:30 UTC is 23:30 on 1 December, 17:30 UTC is 00:30 on the 2nd."""
    member = make_user(unit="XA1").id
    cid = make_contest()
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        contest.time_zone = "Asia/Ho_Chi_Minh"
        add(cid, member, tree["XA1"], datetime(2026, 12, 1, 16, 30))
        add(cid, member, tree["XA1"], datetime(2026, 12, 1, 16, 59, 59, 999_900))   # 23:59:59.9999 local
        add(cid, member, tree["XA1"], datetime(2026, 12, 1, 17, 30))
        add(cid, member, tree["XA1"], datetime(2026, 12, 3, 18, 0))                  # the 4th; the 3rd is empty
        add(cid, member, tree["HU1"], datetime(2026, 12, 2, 1, 0))                   # another subtree
        add(cid, member, tree["XA1"], datetime(2026, 12, 2, 1, 0), finished=False)   # not finished
        contest, unit = load(cid, "HU0")
        assert dashboard.attempts_per_day(contest, unit) == [
            (date(2026, 12, 1), 2), (date(2026, 12, 2), 1), (date(2026, 12, 3), 0), (date(2026, 12, 4), 1)]
        contest.time_zone = "UTC"
        assert dashboard.attempts_per_day(contest, unit)[:2] == [(date(2026, 12, 1), 3), (date(2026, 12, 2), 0)]


def test_daylight_saving_is_followed(app, tree, make_user, make_contest):
    """Europe/Paris is UTC+1 in winter, UTC+2 in summer: 22:30 UTC on 1 July is already the 2nd."""
    member = make_user(unit="XA1").id
    cid = make_contest()
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        contest.time_zone = "Europe/Paris"
        add(cid, member, tree["XA1"], datetime(2026, 12, 1, 22, 30))
        contest, unit = load(cid, "XA1")
        assert dashboard.attempts_per_day(contest, unit) == [(date(2026, 12, 1), 1)]
        add(cid, member, tree["XA1"], datetime(2026, 7, 1, 22, 30))
        assert dashboard.attempts_per_day(contest, unit)[0] == (date(2026, 7, 2), 1)


def test_a_vietnamese_morning_counts_under_its_local_day(app, tree, make_user, make_contest):
    """06:30 on 3 December in Hồ Chí Minh City is 23:30 UTC on the 2nd: it is the 3rd's attempt."""
    member = make_user(unit="XA1").id
    cid = make_contest()
    with app.app_context():
        _db.session.get(Contest, cid).time_zone = "Asia/Ho_Chi_Minh"
        add(cid, member, tree["XA1"], datetime(2026, 12, 2, 23, 30))
        add(cid, member, tree["XA1"], datetime(2026, 12, 2, 16, 59))      # 23:59 on the 2nd
        contest, unit = load(cid, "HU0")
        assert dashboard.attempts_per_day(contest, unit) == [(date(2026, 12, 2), 1), (date(2026, 12, 3), 1)]


def test_the_daily_chart_of_a_contest_set_up_in_the_app_shows_local_days(app, client, tree, login_as, make_user):
    """A contest set up as organisers do (``quiz contests create``: the configured time zone):
    the page's chart and table put 23:30 UTC on 2 December under 03/12/2026."""
    import tomllib

    from quiz.config import ROOT

    member = make_user(unit="XA1").id
    spec = tomllib.loads((ROOT / "docs" / "contest.example.toml").read_text(encoding="utf-8"))
    spec["draw"] = [{"bank": "Ngân hàng ngày", "count": 1}]
    with app.app_context():
        from quiz.banks import services as banks
        from quiz.banks.formats import ParsedQuestion
        from quiz.banks.validation import Checked, dedup_key
        from quiz.contests import setup
        from quiz.web.templating import local

        bank = banks.create_bank("Ngân hàng ngày")
        question = "Câu hỏi duy nhất về chuyên đề năm?"
        banks.write(bank, [Checked(ParsedQuestion(text=question, options=["Đúng", "Sai"], correct=0), "de",
                                   dedup_key(question))], now=T0)
        tz = ZoneInfo(app.config["TIMEZONE"])
        contest = setup.create_or_raise(spec, tz=tz).contest
        assert contest.time_zone == "Asia/Ho_Chi_Minh"
        assert local(contest.rounds[0].opens_at, tz).strftime("%H:%M %d/%m/%Y") == "07:00 01/12/2026"
        add(contest.id, member, tree["XA1"], datetime(2026, 12, 2, 23, 30))
        _db.session.commit()
        cid = contest.id
    login_as("organiser")
    body = text(client.get(show_url(cid, tree["HU0"])))
    section = body[body.index('id="theo-ngay"'):body.index('id="nguoi-tham-gia"')]
    assert "<td>03/12/2026</td>" in section and "02/12/2026" not in section
    assert "1 ngày từ 03/12/2026 đến 03/12/2026" in section
    assert "(Asia/Ho_Chi_Minh)" in section and "UTC" not in section


# The people ----------------------------------------------------------------------------------------

def test_participants_are_listed_fifty_a_page_with_attempts_and_best_score(app, tree, make_user, make_contest):
    ids = [make_user(unit="XA1", full_name=person(i)).id for i in range(52)]
    outsider = make_user(unit="HU1", full_name="Người ngoài").id
    cid = make_contest()
    with app.app_context():
        for i, user_id in enumerate(ids):
            add(cid, user_id, tree["XA1"], T0 + timedelta(hours=1), score=i % 20)
        add(cid, ids[0], tree["XA1"], T0 + timedelta(hours=2), score=19)
        add(cid, ids[0], tree["XA1"], T0 + timedelta(hours=3), finished=False)
        add(cid, outsider, tree["HU1"], T0 + timedelta(hours=1))
        contest, unit = load(cid, "HU0")
        first = dashboard.participants(contest, unit, page=1)
        assert (first.total, first.pages, len(first.rows)) == (52, 2, 50)
        top = first.rows[0]
        assert (top.full_name, top.unit_name, top.attempts, top.best_score) == (person(0), "Đảng ủy xã Một", 2, 19)
        second = dashboard.participants(contest, unit, page=2)
        assert [r.full_name for r in second.rows] == [person(50), person(51)]
        assert dashboard.participants(contest, unit, page=99).number == 2   # past the end: the last page
        assert "Người ngoài" not in {r.full_name for r in first.rows + second.rows}


def test_child_units_with_equal_figures_are_in_vietnamese_order(app, make_unit, make_contest):
    make_unit("ROOT")
    for i, name in enumerate(VN_UNITS):
        make_unit(f"C{i}", parent="ROOT", name=name, headcount=5)
    cid = make_contest()
    with app.app_context():
        contest, root = load(cid, "ROOT")
        children = dashboard.overview(contest, root).children
        assert [(c.rank, c.figures.name) for c in children] == [(1, name) for name in VN_UNITS_IN_ORDER]


def test_participants_are_in_vietnamese_order_by_unit_then_given_name_across_pages(app, tree, make_user, make_contest,
                                                                                    make_unit):
    """The database sorts and pages: page 2 starts where page 1 stops in Vietnamese order, and
    people come by given name (then family and middle names), not by the first letter."""
    for i, name in enumerate(["Yên Lập", "Đông Sơn", "ấp Bắc"]):
        make_unit(f"V{i}", parent="HU0", name=name)
    families, middles = ["Nguyễn", "Trần", "Lê", "Đỗ", "Ân", "Ưng"], ["Văn", "Thị"]
    givens = ["Yến", "Đức", "Dung", "Dũng", "Ánh", "An", "Ân", "Hoa", "Hòa"]
    names = random.Random(9).sample([f"{f} {m} {g}" for f in families for m in middles for g in givens], 53)
    where = ["V2"] * 3 + ["V0"] * 3 + ["V1"] * 47          # ấp Bắc, Yên Lập, Đông Sơn
    people = {make_user(unit=code, full_name=name).id: (code, name) for code, name in zip(where, names)}
    cid = make_contest()
    with app.app_context():
        unit_names = {code: by_code(code).name for code in ("V0", "V1", "V2")}
        for user_id, (code, _) in people.items():
            add(cid, user_id, by_code(code).id, T0 + timedelta(hours=1))
        contest, unit = load(cid, "HU0")
        first, second = dashboard.participants(contest, unit, page=1), dashboard.participants(contest, unit, page=2)
        assert (first.total, len(first.rows), len(second.rows)) == (53, 50, 3)
        listed = [(r.unit_name, r.full_name) for r in first.rows + second.rows]
    expected = sorted(((unit_names[code], name) for code, name in people.values()),
                      key=lambda row: (text_key(row[0]), name_key(row[1])))
    assert listed == expected
    assert [u for u, _ in listed[:3]] == ["ấp Bắc"] * 3 and listed[-1][0] == "Yên Lập"
    dong_son = [n for u, n in listed if u == "Đông Sơn"]
    givens_seen = [n.split()[-1] for n in dong_son]
    assert givens_seen == sorted(givens_seen, key=name_key)   # An … Ánh … Ân … Dung … Dũng … Đức … Hoa … Hòa … Yến


def test_pages_follow_one_another_across_units_of_any_size(app, tree, make_user, make_contest, make_unit):
    """Pages are found from each unit's count (``_window``): whatever the units' sizes (none,
    a few, more than a page), pages 1, 2, 3 … read one after the other are the whole list in
    order, each person once; the figures the dashboard already has give the same pages."""
    sizes = {"W0": 0, "W1": 1, "W2": 61, "W3": 2, "W4": 17, "W5": 50, "W6": 3}
    unit_names = ["Yên Lập", "Đông Sơn", "ấp Bắc", "An Khánh", "Ân Thi", "trường Tiểu học", "Bình An"]
    for (code, _), name in zip(sizes.items(), unit_names):
        make_unit(code, parent="XA1", name=name)
    rnd = random.Random(4)
    families, givens = ["Nguyễn", "Trần", "Lê", "Đỗ", "Ân"], ["Yến", "Đức", "Dung", "Dũng", "Ánh", "An", "Hoa", "Hòa"]
    people = [(make_user(unit=code, full_name=f"{rnd.choice(families)} Văn {rnd.choice(givens)}"), code)
              for code, size in sizes.items() for _ in range(size)]
    cid = make_contest()
    with app.app_context():
        units = {code: by_code(code) for code in sizes}
        for user, code in people:
            add(cid, user.id, units[code].id, T0 + timedelta(hours=1))
        contest, unit = load(cid, "HU0")
        figures = dashboard.overview(contest, unit).units
        pages = [dashboard.participants(contest, unit, page=n) for n in range(1, 5)]
        assert [dashboard.participants(contest, unit, page=n, figures=figures).rows for n in range(1, 5)] == \
            [p.rows for p in pages]
    assert [(p.total, p.number, len(p.rows)) for p in pages] == [(134, 1, 50), (134, 2, 50), (134, 3, 34),
                                                                 (134, 3, 34)]
    listed = [(r.unit_id, r.user_id) for p in pages[:3] for r in p.rows]
    expected = sorted(((units[code], user) for user, code in people),
                      key=lambda row: (text_key(row[0].name), row[0].id, name_key(row[1].full_name), row[1].id))
    assert listed == [(u.id, user.id) for u, user in expected]


def test_people_are_listed_by_their_stored_key(app, tree, make_user, make_contest):
    """The lists read ``name_sort_key``, not the name: a key written behind the model's back
    (a Core UPDATE) decides the order."""
    names = ["Đỗ Văn An", "Nguyễn Thị Ánh", "Phạm Ân"]
    ids = [make_user(unit="XA1", full_name=name).id for name in names]
    cid = make_contest(eligibility="roster")
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        roster.import_table(contest, Table(None, ["Họ và tên", "Số điện thoại", "Mã đơn vị"], [
            (row, [name, f"09130007{row:02d}", "XA1"]) for row, name in enumerate(names, start=2)]))
        for user_id in ids:
            add(cid, user_id, tree["XA1"], T0 + timedelta(hours=1))
        contest, unit = load(cid, "HU0")
        assert [r.full_name for r in dashboard.participants(contest, unit).rows] == names
        assert [r.full_name for r in dashboard.non_participants(contest, unit).rows] == names
        for model in (User, RosterEntry):  # reversed: Phạm Ân first
            for name, key in zip(names, reversed([name_sort_key(n) for n in names])):
                _db.session.execute(update(model).where(model.full_name == name).values(name_sort_key=key))
        assert [r.full_name for r in dashboard.participants(contest, unit).rows] == names[::-1]
        assert [r.full_name for r in dashboard.non_participants(contest, unit).rows] == names[::-1]


def test_non_participants_are_paged_across_units(app, tree, make_contest, make_unit):
    for code, name in (("R0", "Yên Lập"), ("R1", "Đông Sơn"), ("R2", "ấp Bắc")):
        make_unit(code, parent="XA2", name=name)
    where = ["R0"] * 30 + ["R1"] * 45 + ["R2"] * 40
    names = [f"Người {ascii_uppercase[i % 26]}{ascii_lowercase[i // 26]}" for i in range(len(where))]
    cid = make_contest(eligibility="roster")
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        roster.import_table(contest, Table(None, ["Họ và tên", "Số điện thoại", "Mã đơn vị"], [
            (row, [name, f"0914{row:06d}", code]) for row, (name, code) in enumerate(zip(names, where), start=2)]))
        contest, unit = load(cid, "HU0")
        pages = [dashboard.non_participants(contest, unit, page=n) for n in (1, 2, 3)]
        unit_names = {code: by_code(code).name for code in ("R0", "R1", "R2")}
    assert [(p.total, len(p.rows)) for p in pages] == [(115, 50), (115, 50), (115, 15)]
    expected = sorted(((unit_names[code], name) for name, code in zip(names, where)),
                      key=lambda row: (text_key(row[0]), name_key(row[1])))
    assert [(r.unit_name, r.full_name) for p in pages for r in p.rows] == expected


@pytest.fixture
def listed(app, tree, make_user, make_contest):
    """A roster contest: five listed in HU0's subtree, one in HU1. An (phone) and Bình (CCCD)
    took part; Cường registered and only left an attempt open; Dũng and Em never registered."""
    an = make_user(phone="0912000701", unit="XA1", full_name="An").id
    binh = make_user(phone="0912000702", cccd="001090000702", unit="XA2", full_name="Bình").id
    cuong = make_user(phone="0912000703", unit="XA1", full_name="Cường").id
    cid = make_contest(eligibility="roster")
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        roster.import_table(contest, Table(None, ["Họ và tên", "Số điện thoại", "Số CCCD", "Mã đơn vị"], [
            (2, ["An", "0912.000.701", "", "XA1"]),
            (3, ["Bình", "", "001 090 000 702", "XA2"]),
            (4, ["Cường", "0912000703", "", "XA1"]),
            (5, ["Dũng", "0912000704", "", "XA2"]),
            (6, ["Em", "", "001090000705", "HU0"]),
            (7, ["Giang", "0912000706", "", "HU1"])]))
        add(cid, an, tree["XA1"], T0 + timedelta(hours=1))
        add(cid, binh, tree["HU1"], T0 + timedelta(hours=1))     # took part while counted elsewhere: still took part
        add(cid, cuong, tree["XA1"], T0 + timedelta(hours=1), finished=False)
        _db.session.commit()
    return cid


def test_roster_people_who_have_not_taken_part(app, listed):
    with app.app_context():
        contest, unit = load(listed, "HU0")
        missing = dashboard.non_participants(contest, unit)
        assert sorted((r.full_name, r.unit_name, bool(r.registered)) for r in missing.rows) == [
            ("Cường", "Đảng ủy xã Một", True), ("Dũng", "Đảng ủy xã Hai", False), ("Em", "Huyện ủy Một", False)]
        assert missing.total == 3
        contest, xa2 = load(listed, "XA2")
        assert [r.full_name for r in dashboard.non_participants(contest, xa2).rows] == ["Dũng"]
        assert dashboard.overview(contest, unit).unit.total.expected == 5


def test_roster_people_who_have_not_taken_part_are_in_vietnamese_order(app, tree, make_contest):
    cid = make_contest(eligibility="roster")
    names = ["Trần Văn Yến", "Nguyễn Thị Ánh", "Lê Đức", "Đỗ Văn An", "Phạm Ân", "Hồ Thị Dung"]
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        roster.import_table(contest, Table(None, ["Họ và tên", "Số điện thoại", "Mã đơn vị"], [
            (row, [name, f"09120008{row:02d}", "XA1" if row % 2 else "XA2"]) for row, name in enumerate(names, start=2)]))
        _db.session.commit()
        contest, unit = load(cid, "HU0")
        rows = [(r.unit_name, r.full_name) for r in dashboard.non_participants(contest, unit).rows]
    assert rows == [("Đảng ủy xã Hai", "Phạm Ân"), ("Đảng ủy xã Hai", "Lê Đức"), ("Đảng ủy xã Hai", "Trần Văn Yến"),
                    ("Đảng ủy xã Một", "Đỗ Văn An"), ("Đảng ủy xã Một", "Nguyễn Thị Ánh"), ("Đảng ủy xã Một", "Hồ Thị Dung")]


def test_non_participants_take_two_queries_whatever_the_roster_size(app, listed):
    with app.app_context():
        contest, unit = load(listed, "HU0")
        before = len(get_recorded_queries())
        dashboard.non_participants(contest, unit)
        assert len(get_recorded_queries()) - before == 2


# Pages ---------------------------------------------------------------------------------------------

def show_url(contest_id, unit_id, **query) -> str:
    tail = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/bao-cao-don-vi/cuoc-thi/{contest_id}/don-vi/{unit_id}" + (f"?{tail}" if tail else "")


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_dashboard_shows_figures_charts_ranking_and_people(app, client, tree, login_as, make_user, make_contest):
    members = [make_user(unit="XA1", full_name="Trần Văn Một").id, make_user(unit="XA2", full_name="Lê Thị Hai").id]
    cid = make_contest()
    with app.app_context():
        add(cid, members[0], tree["XA1"], T0 + timedelta(hours=1), score=17)
        add(cid, members[1], tree["XA2"], T0 + timedelta(hours=1), score=12)
        add(cid, members[1], tree["XA2"], T0 + timedelta(days=1, hours=1), score=15)
        _db.session.commit()
    login_as("organiser")
    page = client.get(show_url(cid, tree["HU0"]))
    assert page.status_code == 200
    body = text(page)
    assert "Huyện ủy Một" in body and "Cả đơn vị và cấp dưới" in body
    figures = re.search(r"Người tham gia</th><td class=\"num\">(\d+)</td><td class=\"num\">(\d+)</td>", body)
    assert figures.groups() == ("0", "2")
    assert "10,0 %" in body                      # 2 of 20 rolled up
    assert body.count('role="img"') == 2         # the chart per day and the chart of child units
    ranking = body.index('id="don-vi-truc-thuoc"')
    assert body.index("Đảng ủy xã Một", ranking) < body.index("Đảng ủy xã Hai", ranking)   # 25 % before 16,7 %
    assert f'href="{show_url(cid, tree["XA1"])}"' in body
    assert "Trần Văn Một" in body and "Lê Thị Hai" in body
    assert "chưa tham gia" not in body           # no roster: no such list
    assert "style=" not in body.split("<main>")[1]


def test_the_dashboard_of_a_roster_contest_lists_who_has_not_taken_part(client, listed, tree, login_as):
    login_as("unit_manager")
    body = text(client.get(show_url(listed, tree["HU0"])))
    section = body[body.index('id="chua-tham-gia"'):]
    assert "Trong danh sách nhưng chưa tham gia (3)" in section
    assert "Dũng" in section and "Em" in section and "Giang" not in body


def test_pages_and_rounds_in_the_query_string(app, client, tree, login_as, make_user, make_contest):
    ids = [make_user(unit="XA1", full_name=person(i)).id for i in range(51)]
    cid = make_contest()
    with app.app_context():
        for user_id in ids:
            add(cid, user_id, tree["XA1"], T0 + timedelta(hours=1))
        _db.session.commit()
        round_id = _db.session.get(Contest, cid).rounds[0].id
    login_as("organiser")
    second = text(client.get(show_url(cid, tree["HU0"], trang=2)))
    assert "Trang 2 / 2" in second and person(50) in second and person(0) not in second
    assert client.get(show_url(cid, tree["HU0"], dot=round_id)).status_code == 200
    for bad in ("abc", "-1", "0", "2.0", "99999999999999999999", ""):
        assert client.get(show_url(cid, tree["HU0"], trang=bad)).status_code == 200
    for bad in ("abc", "0", "+1", "99999999999999999999", str(round_id + 1000)):
        assert client.get(show_url(cid, tree["HU0"], dot=bad)).status_code == 404


def test_a_manager_lands_on_their_unit_in_the_newest_contest(client, tree, login_as, make_contest):
    make_contest(title="Cũ")
    newest = make_contest(title="Mới")
    login_as("unit_manager")
    response = client.get("/bao-cao-don-vi")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(show_url(newest, tree["HU0"]))


def test_an_organiser_chooses_a_contest_and_a_unit(client, tree, login_as, make_contest):
    cid = make_contest(title="Hội thi tìm hiểu")
    login_as("organiser")
    body = text(client.get("/bao-cao-don-vi"))
    assert "Hội thi tìm hiểu" in body and f'href="{show_url(cid, tree["ROOT"])}"' in body
    found = client.get(f"/bao-cao-don-vi/cuoc-thi/{cid}/tim?ma=XA2")
    assert found.status_code == 302 and found.headers["Location"].endswith(show_url(cid, tree["XA2"]))
    assert client.get(f"/bao-cao-don-vi/cuoc-thi/{cid}/tim?ma=KHONGCO").status_code == 404


def test_the_index_without_contests(client, tree, login_as):
    login_as("unit_manager")
    response = client.get("/bao-cao-don-vi")
    assert response.status_code == 200 and "Chưa có cuộc thi nào" in text(response)


# Scope ---------------------------------------------------------------------------------------------

def routes(contest_id: int, unit_id, code: str = "XA1") -> list[str]:
    return ["/bao-cao-don-vi", show_url(contest_id, unit_id), f"/bao-cao-don-vi/cuoc-thi/{contest_id}/tim?ma={code}"]


def test_members_get_403_and_anonymous_visitors_go_to_login(client, tree, login_as, make_contest):
    cid = make_contest()
    for url in routes(cid, tree["HU0"]):
        response = client.get(url)
        assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"], url
    login_as("member")
    for url in routes(cid, tree["HU0"]):
        assert client.get(url).status_code == 403, url


def test_a_manager_sees_their_subtree_and_nothing_else(client, tree, login_as, make_contest):
    cid = make_contest()
    login_as("unit_manager")
    for code in ("HU0", "XA1", "XA2"):
        assert client.get(show_url(cid, tree[code])).status_code == 200, code
        assert client.get(f"/bao-cao-don-vi/cuoc-thi/{cid}/tim?ma={code}").status_code == 302, code
    for code in ("ROOT", "HU1"):                    # the parent and a sibling
        assert client.get(show_url(cid, tree[code])).status_code == 403, code
        assert client.get(f"/bao-cao-don-vi/cuoc-thi/{cid}/tim?ma={code}").status_code == 403, code


def test_a_parent_is_not_linked_above_a_managers_unit(client, tree, login_as, make_contest):
    cid = make_contest()
    login_as("unit_manager")
    body = text(client.get(show_url(cid, tree["XA1"])))
    crumbs = body[body.index('class="crumbs"'):body.index("</p>", body.index('class="crumbs"'))]
    assert show_url(cid, tree["HU0"]) in crumbs and show_url(cid, tree["ROOT"]) not in crumbs


@pytest.mark.parametrize("written", ["00{id}", "{id}.0", "+{id}", "%20{id}", "{id}%20", "-{id}", "{id}e0",
                                     "0x{id}", "%D9%A1{id}", "{id}/", "{id}%00", "99999999999999999999{id}",
                                     str(2**31), "0", "-0", "%EF%BC%91"])
def test_however_the_unit_id_is_written_another_units_data_stays_out_of_reach(client, tree, login_as,
                                                                              make_contest, written):
    """HU1 is a sibling of the manager's HU0, ROOT its parent: never 200, never 500 (a doubled
    slash is redirected to the one-slash address first, which then answers 403; a NUL byte is
    refused at the door with 400)."""
    cid = make_contest()
    login_as("unit_manager")
    for target in (tree["HU1"], tree["ROOT"]):
        unit_part = written.format(id=target)
        response = client.get(f"/bao-cao-don-vi/cuoc-thi/{cid}/don-vi/{unit_part}", follow_redirects=True)
        assert response.status_code in (400, 403, 404), (unit_part, response.status_code)
        response = client.get(f"/bao-cao-don-vi/cuoc-thi/{written.format(id=cid)}/don-vi/{target}",
                              follow_redirects=True)
        assert response.status_code in (400, 403, 404), (unit_part, response.status_code)


def test_an_organiser_sees_every_unit(client, tree, login_as, make_contest):
    cid = make_contest()
    login_as("organiser")
    for unit_id in tree.values():
        assert client.get(show_url(cid, unit_id)).status_code == 200


def test_unit_names_are_escaped_in_the_page_and_its_charts(app, client, make_unit, make_user, login_as, make_contest):
    login_as("organiser")
    make_unit("BAD", parent="ROOT", name='<script>alert("x")</script>', headcount=3)
    member = make_user(unit="BAD").id
    cid = make_contest()
    with app.app_context():
        add(cid, member, by_code("BAD").id, T0 + timedelta(hours=1))
        _db.session.commit()
        root = by_code("ROOT").id
    body = text(client.get(show_url(cid, root)))
    assert "<script>" not in body
    svg = body[body.index('<svg xmlns="http://www.w3.org/2000/svg" class="chart units"'):]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in svg[:svg.index("</svg>")]


# "Đang làm bài": members taking an attempt now, beside the submitted ones -------------------------

def test_members_taking_an_attempt_now_are_shown_beside_the_submitted_ones(app, client, tree, login_as, make_user,
                                                                         make_contest):
    from quiz.db import utcnow

    now = utcnow()
    cid = make_contest(round=[{"name": "Tuần 1", "opens": (now - timedelta(days=1)).isoformat(),
                               "closes": (now + timedelta(days=1)).isoformat()}])
    members = [make_user(unit=unit).id for unit in ("HU0", "XA1", "XA2", "HU1")]
    with app.app_context():
        add(cid, members[0], tree["HU0"], now - timedelta(minutes=2), finished=False)     # the unit itself
        add(cid, members[1], tree["XA1"], now - timedelta(minutes=4), finished=False)     # below it
        add(cid, members[2], tree["XA2"], now - timedelta(hours=1), finished=False)       # abandoned: grace passed
        add(cid, members[3], tree["HU1"], now - timedelta(minutes=1), finished=False)     # another district
        add(cid, members[1], tree["XA1"], now - timedelta(hours=2))                       # submitted
        _db.session.commit()
        contest, unit = load(cid, "HU0")
        overview = dashboard.overview(contest, unit, now=now)
        assert overview.running == (1, 2) and overview.unit.total.attempts == 1
        assert dashboard.overview(contest, unit, contest.rounds[0], now=now + timedelta(minutes=20)).running == (0, 0)
    login_as("organiser")
    body = text(client.get(show_url(cid, tree["HU0"])))
    assert re.search(r"Đang làm bài</th><td class=\"num\">1</td><td class=\"num\">2</td>", body)
    assert re.search(r"Lượt thi</th><td class=\"num\">0</td><td class=\"num\">1</td>", body)
