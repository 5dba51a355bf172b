"""The round control pages through the test client, in Vietnamese: the live page and its
figures fragment, close now (after its confirmation page), pause and resume as members see
them, the announcement on the members' pages; and scope: only organisers and administrators
(403 for members and unit managers, the log-in page for visitors)."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from conftest import ROLE_PHONES, csrf_token, post_form
from quiz.attempts.models import Attempt
from quiz.audit import services as audit
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def open_round(app, make_contest, make_unit):
    """A contest whose round opened an hour ago and closes tomorrow (grace 10 s); units
    ROOT › H1 (headcount 4), H2 (6) (and HU0, which ``login_as`` makes). Returns (contest id,
    round id, slug)."""
    make_unit("ROOT", name="Tỉnh ủy")
    make_unit("H1", "ROOT", name="Huyện Một", headcount=4)
    make_unit("H2", "ROOT", name="Huyện Hai", headcount=6)
    now = utcnow()
    cid = make_contest(round=[{"name": "Tuần 1", "opens": (now - timedelta(hours=1)).isoformat(),
                               "closes": (now + timedelta(days=1)).isoformat()}])
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        return cid, contest.rounds[0].id, contest.slug


def live_url(cid: int, rid: int, tail: str = "theo-doi") -> str:
    return f"/quan-tri/cuoc-thi/{cid}/dot/{rid}/{tail}"


def start_attempt(client, slug: str):
    return post_form(client, f"/cuoc-thi/{slug}/bat-dau", {}, token_from=f"/cuoc-thi/{slug}/bat-dau")


def member_client(app, phone: str):
    """Another browser: a member logged in on a client of their own."""
    member = app.test_client()
    member.post("/dang-nhap", data={"identifier": phone, "password": "matkhau123",
                                    "csrf_token": csrf_token(member, "/dang-nhap")})
    return member


def figure(page: str, name: str) -> str:
    return re.search(rf'data-figure="{name}"><strong>([^<]+)</strong>', page).group(1)


def test_the_live_page_shows_the_rounds_figures_and_controls(app, client, open_round, make_user, login_as):
    cid, rid, slug = open_round
    make_user(phone="0917000001", unit="H1", full_name="Nguyễn Văn An")
    done = make_user(phone="0917000009", unit="H1", full_name="Lê Văn Cường")
    with app.app_context():                                      # one submitted an hour ago, in H1
        start = utcnow() - timedelta(minutes=30)
        _db.session.add(Attempt(contest_id=cid, round_id=rid, user_id=done.id, unit_id=done.unit_id, number=1,
                                seed=1, started_at=start, deadline_at=start + timedelta(minutes=10),
                                finished_at=start + timedelta(minutes=5), score=12, time_used_ms=300_000))
        _db.session.commit()
    member = member_client(app, "0917000001")
    assert start_attempt(member, slug).status_code == 302
    login_as("organiser")
    page = text(client.get(live_url(cid, rid)))
    assert "Theo dõi Tuần 1" in page and "đang mở" in page
    assert figure(page, "running") == "1" and figure(page, "submitted") == "1" and figure(page, "rate") == "10,0 %"
    assert figure(page, "participants") == "1" and "của 10 người dự kiến" in page
    assert 'role="img"' in page and "Lượt nộp bài theo giờ" in page and "1 lượt nộp bài" in page
    units = page.split("Đơn vị theo tỷ lệ tham gia")[1]
    assert units.index("Huyện Một") < units.index("Huyện Hai")              # 25 % before 0 %
    slow = re.findall(r'<tr class="row-warning">.*?<a [^>]*>([^<]+)</a>', units, re.S)
    assert "Huyện Hai" in slow and "Huyện Một" not in slow                   # under the whole's 10 %
    assert "Tạm dừng nhận lượt thi mới" in page and "Đóng đợt ngay…" in page and "Gia hạn" in page
    assert "Thông báo cho thí sinh" in page and "Nhật ký gần đây" in page
    assert 'data-live-src="/quan-tri/cuoc-thi/' in page and re.search(r"js/live\.[0-9a-f]{12}\.js", page)
    assert "Tải lại số liệu" in page                                   # without JavaScript
    assert "style=" not in page.split("<main>")[1] and "<script>" not in page
    fragment = client.get(live_url(cid, rid, "theo-doi/so-lieu"))
    assert fragment.status_code == 200 and fragment.headers["Cache-Control"] == "no-store"
    assert "<html" not in text(fragment) and 'data-figure="running"' in text(fragment)


def test_close_now_asks_first_then_ends_the_round(app, client, open_round, make_user, login_as):
    cid, rid, slug = open_round
    make_user(phone="0917000002", unit="H2")
    member = member_client(app, "0917000002")
    start_attempt(member, slug)
    login_as("organiser")
    confirm = text(client.get(live_url(cid, rid, "dong-ngay")))
    assert "Đóng Tuần 1 ngay bây giờ?" in confirm
    assert "<strong>1</strong> người đang làm bài kết thúc ngay" in confirm and "Quay lại, chưa làm gì" in confirm
    done = post_form(client, live_url(cid, rid, "dong-ngay"), {})
    assert done.status_code == 302 and done.headers["Location"].endswith(live_url(cid, rid))
    page = text(client.get(done.headers["Location"]))
    assert "Đã đóng Tuần 1: 1 lượt đang làm kết thúc với các câu đã lưu" in page
    assert "Kết quả, xếp hạng và công bố" in page and "Tạm dừng nhận lượt thi mới" not in page
    assert "đóng đợt ngay" in page                                     # the log
    with app.app_context():
        attempt = _db.session.scalars(select(Attempt)).one()
        contest = _db.session.get(Contest, cid)
        assert attempt.deadline_at == contest.rounds[0].closes_at
    refused = post_form(client, live_url(cid, rid, "dong-ngay"), {})      # twice: refused, said why
    assert "đã đóng lúc" in text(client.get(refused.headers["Location"]))
    page = text(member.get(f"/cuoc-thi/{slug}"))
    assert "Bắt đầu làm bài" not in page


def test_pause_and_resume_as_the_members_see_them(app, client, open_round, make_user, login_as):
    cid, rid, slug = open_round
    make_user(phone="0917000003", unit="H1")
    login_as("organiser")
    done = post_form(client, live_url(cid, rid, "tam-dung"), {}, token_from=live_url(cid, rid))
    page = text(client.get(done.headers["Location"]))
    assert "Đã tạm dừng Tuần 1: không nhận lượt thi mới; 0 lượt đang làm tiếp tục." in page
    assert "Tiếp tục nhận lượt thi" in page and "tạm dừng" in page
    member = member_client(app, "0917000003")
    listing = text(member.get("/cuoc-thi"))
    assert "tạm dừng" in listing and "chưa bắt đầu được lượt thi mới" in listing
    rules = text(member.get(f"/cuoc-thi/{slug}"))
    assert "Tuần 1 đang tạm dừng theo quyết định của Ban tổ chức" in rules and "Bắt đầu làm bài</a>" not in rules
    refused = start_attempt(member, slug)
    assert refused.status_code == 302
    assert "đang tạm dừng" in text(member.get(refused.headers["Location"]))
    post_form(client, live_url(cid, rid, "tiep-tuc"), {}, token_from=live_url(cid, rid))
    assert "Bắt đầu làm bài</a>" in text(member.get(f"/cuoc-thi/{slug}"))
    assert start_attempt(member, slug).headers["Location"].startswith("/luot-thi/")
    with app.app_context():
        assert [e.action for e, _ in audit.entries(contest_id=cid)] == ["round.resume", "round.pause"]


def test_the_announcement_reaches_the_members_pages(app, client, open_round, make_user, login_as):
    cid, rid, slug = open_round
    make_user(phone="0917000004", unit="H1")
    login_as("organiser")
    url = f"/quan-tri/cuoc-thi/{cid}/thong-bao"
    done = post_form(client, url, {"text": "Đợt 2 kéo dài đến 20:00 <b>", "dot": str(rid)}, token_from=live_url(cid, rid))
    assert done.headers["Location"].endswith(live_url(cid, rid) + "#thong-bao")
    assert "Đã cập nhật thông báo cho thí sinh." in text(client.get(done.headers["Location"]))
    too_long = post_form(client, url, {"text": "x" * 1001, "dot": str(rid)}, token_from=live_url(cid, rid))
    assert "Dài tối đa 1000 ký tự." in text(client.get(too_long.headers["Location"]))
    member = member_client(app, "0917000004")
    for page in (text(member.get("/cuoc-thi")), text(member.get(f"/cuoc-thi/{slug}"))):
        assert "Thông báo của Ban tổ chức:" in page and "Đợt 2 kéo dài đến 20:00 &lt;b&gt;" in page
    done = post_form(client, url, {"text": "", "dot": "999999"}, token_from=live_url(cid, rid))
    assert done.headers["Location"].endswith(f"/quan-tri/cuoc-thi/{cid}")   # an unknown round: the contest page


@pytest.mark.parametrize("role", ["member", "unit_manager"])
def test_only_organisers_and_administrators_reach_the_controls(app, client, open_round, login_as, role):
    cid, rid, slug = open_round
    gets = [live_url(cid, rid), live_url(cid, rid, "theo-doi/so-lieu"), live_url(cid, rid, "dong-ngay")]
    posts = [live_url(cid, rid, tail) for tail in ("dong-ngay", "tam-dung", "tiep-tuc")] + [
        f"/quan-tri/cuoc-thi/{cid}/thong-bao"]
    for url in gets:
        assert client.get(url).status_code == 302                        # visitors: the log-in page
    login_as(role)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 403 and "Không có quyền truy cập" in text(response)
    token = csrf_token(client, "/tai-khoan")
    for url in posts:
        assert client.post(url, data={"csrf_token": token, "text": "x"}).status_code == 403
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        assert contest.rounds[0].paused_at is None and contest.announcement == ""
    client.post("/dang-xuat", data={"csrf_token": token})
    login_as("admin")
    assert client.get(live_url(cid, rid)).status_code == 200
    assert client.get(f"/quan-tri/cuoc-thi/{cid}/dot/999/theo-doi").status_code == 404
