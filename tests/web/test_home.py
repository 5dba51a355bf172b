"""The home page by role, through the test client (in Vietnamese) and its queries with ``now``
injected: a guest's public page, a member's open contests, next rounds and latest results
(place and prize only once published), an organiser's live rounds and waiting lists, a unit
manager's own unit's figures and downloads (and nobody else's)."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from quiz.accounts.models import User
from quiz.attempts.models import Attempt
from quiz.contests.models import Contest, Round
from quiz.db import utcnow
from quiz.extensions import db as _db
from quiz.rankings import services as rankings
from quiz.units.services import by_code
from quiz.web import home

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def rounds(now: datetime, *spans: tuple[timedelta, timedelta]) -> list[dict]:
    return [{"name": f"Đợt {i}", "opens": (now + opens).isoformat(), "closes": (now + closes).isoformat()}
            for i, (opens, closes) in enumerate(spans, start=1)]


def add_attempt(app, cid: int, round_number: int, user_id: int, *, score: int | None = 12, finished: bool = True,
                number: int = 1, started: datetime | None = None) -> int:
    """An attempt written straight to the table (finished with ``score``, or running)."""
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        round_ = next(r for r in contest.rounds if r.number == round_number)
        start = started or max(round_.opens_at, utcnow() - timedelta(minutes=5))
        attempt = Attempt(contest_id=cid, round_id=round_.id, user_id=user_id, number=number, seed=1,
                          unit_id=_db.session.get(User, user_id).unit_id, started_at=start,
                          deadline_at=start + timedelta(minutes=10),
                          finished_at=start + timedelta(minutes=4) if finished else None,
                          score=score if finished else None, time_used_ms=240_000 if finished else None)
        _db.session.add(attempt)
        _db.session.commit()
        return attempt.id


def lifecycle(app, cid: int, *steps: str) -> None:
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        round_ = contest.rounds[0]
        for step in steps:
            if step == "freeze":
                rankings.freeze(round_, contest, now=utcnow())
            else:
                rankings.publish(round_, now=utcnow())
        _db.session.commit()


def slug_of(app, cid: int) -> str:
    with app.app_context():
        return _db.session.get(Contest, cid).slug


# --- A guest ----------------------------------------------------------------------------------------

def test_a_guest_sees_the_public_page_with_login_and_registration(app, client, make_contest, closed_contest):
    now = utcnow()
    make_contest(title="Hội thi đang diễn ra", round=rounds(now, (timedelta(hours=-1), timedelta(days=2))))
    cid, _, _ = closed_contest
    lifecycle(app, cid, "freeze", "publish")
    page = text(client.get("/"))
    assert 'href="/dang-ky"' in page and 'href="/dang-nhap"' in page and "Đăng ký dự thi" in page
    assert "Hội thi đang diễn ra" in page and "Đăng nhập để dự thi" in page
    assert f'href="/ket-qua/{slug_of(app, cid)}/1"' in page and "Kết quả đã công bố" in page
    assert "Vào thi" not in page


# --- A member ---------------------------------------------------------------------------------------

def test_a_member_sees_open_contests_with_a_big_button_and_what_opens_next(app, client, make_contest, make_user,
                                                                           auth):
    now = utcnow()
    open_id = make_contest(title="Hội thi tuần này", round=rounds(
        now, (timedelta(hours=-1), timedelta(days=1)), (timedelta(days=3), timedelta(days=4))))
    make_contest(title="Hội thi tháng sau", round=rounds(now, (timedelta(days=30), timedelta(days=31))))
    make_contest(title="Hội thi đã xong", round=rounds(now, (timedelta(days=-9), timedelta(days=-8))))
    make_user(phone="0912000900")
    auth.login("0912000900")

    page = text(client.get("/"))
    assert "Cuộc thi đang mở" in page and "Hội thi tuần này" in page
    assert re.search(rf'<a class="button big" href="/cuoc-thi/{slug_of(app, open_id)}/bat-dau">Vào thi</a>', page)
    assert "còn 3 lượt" in page and "10 phút mỗi lượt" in page
    upcoming = page.split("Sắp mở")[1].split("Kết quả gần đây")[0]
    assert upcoming.index("Đợt 2") < upcoming.index("Hội thi tháng sau")        # soonest first
    with app.app_context():
        second = _db.session.scalars(select(Round).where(Round.name == "Đợt 2")).one()
    assert f"mở lúc <strong>{second.opens_at.replace(tzinfo=ZoneInfo('UTC')).astimezone(VN):%H:%M %d/%m/%Y}" in upcoming
    assert "Hội thi đã xong" not in page
    assert "Bạn chưa nộp bài thi nào." in page
    assert "Ngân hàng câu hỏi" not in page and "Cuộc thi</a>" not in page        # no organiser links


def test_a_member_with_a_running_attempt_gets_back_to_it(app, client, make_contest, make_user, auth):
    now = utcnow()
    cid = make_contest(round=rounds(now, (timedelta(hours=-1), timedelta(days=1))))
    user = make_user(phone="0912000901")
    attempt_id = add_attempt(app, cid, 1, user.id, finished=False)
    auth.login("0912000901")
    page = text(client.get("/"))
    assert f'<a class="button big" href="/luot-thi/{attempt_id}">Làm tiếp bài thi</a>' in page
    assert ">Vào thi</a>" not in page


def test_a_members_results_show_the_place_and_prize_only_once_published(app, client, closed_contest, auth):
    cid, rid, users = closed_contest
    auth.login("0912000700")                                   # Nguyễn Văn An: 20 right, first
    page = text(client.get("/"))
    results = page.split("Kết quả gần đây của bạn")[1]
    assert "Tuần 1" in results and "<strong>20/20</strong> câu đúng" in results
    assert "Hạng <strong>" not in results and "Nhất" not in results
    assert "Hạng và giải được công bố sau khi Tuần 1 đóng và có kết quả." in results

    lifecycle(app, cid, "freeze")
    results = text(client.get("/")).split("Kết quả gần đây của bạn")[1]
    assert "Hạng <strong>" not in results and "Nhất" not in results             # frozen is not public yet

    lifecycle(app, cid, "publish")
    results = text(client.get("/")).split("Kết quả gần đây của bạn")[1]
    slug = slug_of(app, cid)
    assert "Hạng <strong>1</strong>" in results and "giải Nhất" in results
    assert f'href="/ket-qua/{slug}/1/giay-chung-nhan"' in results and f'href="/ket-qua/{slug}/1"' in results


def test_latest_results_keep_the_last_rounds_newest_first(ctx, make_contest, make_user, app):
    now = utcnow()
    cid = make_contest(round=rounds(now, *[(timedelta(days=-10 + 2 * i), timedelta(days=-9 + 2 * i))
                                           for i in range(4)]))
    user = make_user(phone="0912000902")
    with app.app_context():
        numbered = {r.number: r.opens_at for r in _db.session.get(Contest, cid).rounds}
    for number, started in numbered.items():
        add_attempt(app, cid, number, user.id, score=number, started=started + timedelta(hours=1))
    add_attempt(app, cid, 4, user.id, score=9, number=2, started=numbered[4] + timedelta(hours=2))
    found = home.latest_results(_db.session.get(User, user.id))
    assert [item.round.number for item in found] == [4, 3, 2]
    assert [attempt.score for attempt, _ in found[0].attempts] == [9, 4]
    assert all(total == 20 for item in found for _, total in item.attempts)
    assert all(item.place is None for item in found)


# --- An organiser -----------------------------------------------------------------------------------

def test_an_organiser_sees_todays_rounds_live_and_what_waits(app, client, make_contest, make_user, closed_contest,
                                                           login_as):
    now = utcnow()
    live = make_contest(title="Hội thi đang chạy", round=rounds(now, (timedelta(hours=-2), timedelta(hours=6))))
    make_contest(title="Hội thi đang soạn", round=rounds(now, (timedelta(days=20), timedelta(days=21))))
    people = [make_user(phone=f"091200091{i}").id for i in range(3)]
    add_attempt(app, live, 1, people[0])
    add_attempt(app, live, 1, people[0], number=2)
    add_attempt(app, live, 1, people[1])
    add_attempt(app, live, 1, people[2], finished=False)
    closed_id, closed_round, _ = closed_contest
    login_as("organiser")

    page = text(client.get("/"))
    today = page.split("Đợt thi hôm nay")[1].split("Chờ tính và chốt kết quả")[0]
    assert "Hội thi đang chạy" in today and "đang mở" in today
    figures = re.findall(r'<td class="num" data-label="([^"]+)">(\d+)</td>', today)
    assert figures == [("Đang làm bài", "1"), ("Lượt đã nộp", "3"), ("Người đã nộp bài", "2")]
    with app.app_context():
        live_round = _db.session.get(Contest, live).rounds[0].id
        watch = (f"/quan-tri/cuoc-thi/{live}/dot/{live_round}/ket-qua" if "control.round_page" not in app.view_functions
                 else None)
    if watch:
        assert f'href="{watch}">Theo dõi</a>' in today
    else:
        assert ">Theo dõi</a>" in today
    waiting = page.split("Chờ tính và chốt kết quả")[1].split("Chờ công bố kết quả")[0]
    assert "Cuộc thi thử" in waiting and f'href="/quan-tri/cuoc-thi/{closed_id}/dot/{closed_round}/ket-qua"' in waiting
    setting_up = page.split("Cuộc thi đang chuẩn bị")[1]
    assert "Hội thi đang soạn" in setting_up and "Hội thi đang chạy" not in setting_up
    assert "Không có kết quả nào đã chốt mà chưa công bố." in page

    lifecycle(app, closed_id, "freeze")
    page = text(client.get("/"))
    assert "Không có đợt thi nào đã đóng mà chưa chốt kết quả." in page
    publish = page.split("Chờ công bố kết quả")[1].split("Cuộc thi đang chuẩn bị")[0]
    assert f'href="/ket-qua/{slug_of(app, closed_id)}/1">Xem trước trang kết quả</a>' in publish
    lifecycle(app, closed_id, "publish")
    assert "Không có kết quả nào đã chốt mà chưa công bố." in text(client.get("/"))


def test_todays_rounds_follow_the_local_day(ctx, make_contest, app):
    # 17:00 UTC on 01/12/2026 is 00:00 on 02/12 in Hà Nội.
    now = datetime(2026, 12, 2, 3, 0)                          # 10:00 local, 02/12
    make_contest(title="Đóng đêm qua", round=[{"name": "Hôm qua", "opens": "2026-12-01T01:00:00",
                                               "closes": "2026-12-01T16:59:00"}])
    make_contest(title="Đóng sau nửa đêm", round=[{"name": "Sau nửa đêm", "opens": "2026-12-01T01:00:00",
                                                   "closes": "2026-12-01T17:30:00"}])
    make_contest(title="Mở tối nay", round=[{"name": "Tối nay", "opens": "2026-12-02T13:00:00",
                                             "closes": "2026-12-03T13:00:00"}])
    make_contest(title="Mở ngày mai", round=[{"name": "Ngày mai", "opens": "2026-12-02T17:00:00",
                                              "closes": "2026-12-03T13:00:00"}])
    found = home.todays_rounds(now, VN)
    assert [item.round.name for item in found] == ["Sau nửa đêm", "Tối nay"]
    assert [item.state for item in found] == ["closed", "upcoming"]
    assert home.local_day(now, VN) == (datetime(2026, 12, 1, 17, 0), datetime(2026, 12, 2, 17, 0))
    assert [c.title for c in home.contests_in_setup(now)] == ["Mở ngày mai", "Mở tối nay"]
    assert [r.name for _, r in home.rounds_to_freeze(now)] == ["Hôm qua", "Sau nửa đêm"]


# --- A unit manager ---------------------------------------------------------------------------------

@pytest.fixture
def running(app, make_contest, make_unit, make_user):
    """An open contest with finished attempts in H1 (two people, three attempts), H2 (one),
    and a running one in H2; headcounts H1 10, H2 4."""
    now = utcnow()
    make_unit("TU")
    make_unit("H1", "TU", name="Huyện Một", headcount=10)
    make_unit("H2", "TU", name="Huyện Hai", headcount=4)
    cid = make_contest(title="Hội thi của các huyện", round=rounds(now, (timedelta(hours=-3), timedelta(days=1))))
    a, b = make_user(phone="0912000931", unit="H1").id, make_user(phone="0912000932", unit="H1").id
    c, d = make_user(phone="0912000933", unit="H2").id, make_user(phone="0912000934", unit="H2").id
    add_attempt(app, cid, 1, a)
    add_attempt(app, cid, 1, a, number=2)
    add_attempt(app, cid, 1, b)
    add_attempt(app, cid, 1, c)
    add_attempt(app, cid, 1, d, finished=False)
    return cid


def figure(page: str, label: str) -> list[str]:
    row = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', page, re.S).group(1)
    return re.findall(r'<td class="num">([^<]+)</td>', row)


def unit_id(app, code: str) -> int:
    with app.app_context():
        return by_code(code).id


def test_a_unit_manager_sees_only_their_units_figures_and_downloads(app, client, running, make_user, auth):
    make_user(phone="0913000041", role="unit_manager", managed="H1", unit="H1", full_name="Quản Lý Huyện")
    auth.login("0913000041")
    page = text(client.get("/"))
    assert "Huyện Một" in page and "Hội thi của các huyện" in page
    assert figure(page, "Người tham gia") == ["2", "2"]
    assert figure(page, "Lượt thi") == ["3", "3"]
    assert figure(page, r"Số người \(dự kiến\)") == ["10", "10"]
    assert figure(page, "Tỷ lệ tham gia") == ["20,0%", "20,0%"]
    h1, h2, tu = (unit_id(app, code) for code in ("H1", "H2", "TU"))
    for path in ("ket-qua.xlsx", "ket-qua.csv", "tong-hop.csv"):
        assert f"/bao-cao/{running}/don-vi/{h1}/{path}" in page
    assert f"/don-vi/{h2}/" not in page and f"/don-vi/{tu}/" not in page and "Huyện Hai" not in page
    assert client.get(re.search(r'href="(/bao-cao/[^"]+/tong-hop\.csv[^"]*)"', page).group(1)
                      .replace("&amp;", "&")).status_code == 200
    assert "Cuộc thi đang mở" in page                                         # they may take it too
    assert "Ngân hàng câu hỏi" not in page and "Cuộc thi</a>" not in page


def test_a_manager_higher_up_sees_the_rolled_up_figures(app, client, running, make_user, auth):
    make_user(phone="0913000042", role="unit_manager", managed="TU", unit="TU")
    auth.login("0913000042")
    page = text(client.get("/"))
    assert figure(page, "Người tham gia") == ["3", "3"] and figure(page, "Lượt thi") == ["4", "4"]
    assert figure(page, "Tỷ lệ tham gia") == ["21,4%", "21,4%"]                # 3 of 14


def test_manager_home_lists_closed_contests_for_downloads(ctx, app, closed_contest, make_user):
    manager = make_user(phone="0913000043", role="unit_manager", managed="H2", unit="H2")
    found = home.manager_home(_db.session.get(User, manager.id), utcnow())
    assert found.unit.code == "H2" and found.open == []
    assert [c.title for c in found.others] == ["Cuộc thi thử"]
