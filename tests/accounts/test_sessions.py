"""Sessions known to the server (``quiz.accounts.sessions``): logout ends the session on the
server (a copy of the cookie opens nothing), so do a reset, a lock and "đăng xuất mọi thiết
bị"; idle sessions expire (moved clock), an autosave keeps one alive; two app instances on one
database see the same sessions; one statement loads the user."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_login.utils import encode_cookie
from sqlalchemy import select, update

from conftest import Auth, csrf_token, post_form
from quiz import create_app
from quiz.accounts import sessions
from quiz.accounts.models import User, UserSession
from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db

PHONE = "0912345678"
PROFILE = "/tai-khoan"
ALL_DEVICES = "/tai-khoan/dang-xuat-moi-thiet-bi"
T = datetime(2026, 3, 4, 8, 0)
DAY = timedelta(hours=24)


@pytest.fixture
def member(make_unit, make_user):
    make_unit("ROOT")
    return make_user(phone=PHONE)


def logged_in(client, **kwargs) -> bool:
    response = client.get(PROFILE, **kwargs)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/dang-nhap")
    return response.status_code == 200


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def opens(app, cookie: str) -> bool:
    """Whether a copy of a session cookie, sent as the raw header by a new browser, is logged in
    (a client without a cookie jar: Werkzeug's would replace the header with its own)."""
    return logged_in(app.test_client(use_cookies=False), headers={"Cookie": f"session={cookie}"})


def rows(app, user_id: int) -> list[UserSession]:
    with app.app_context():
        found = _db.session.scalars(select(UserSession).where(UserSession.user_id == user_id)
                                    .order_by(UserSession.id)).all()
        _db.session.expunge_all()
        return found


def set_last_seen(app, user_id: int, when: datetime) -> None:
    with app.app_context():
        _db.session.execute(update(UserSession).where(UserSession.user_id == user_id).values(last_seen_at=when))
        _db.session.commit()


# Logout, login ---------------------------------------------------------------------------------

def test_a_copy_of_the_cookie_taken_before_logout_no_longer_works(app, client, auth, member):
    assert auth.login(PHONE).status_code == 302
    copy = session_cookie(client)
    assert opens(app, copy)  # the copy works while the session lives
    auth.logout()
    assert not opens(app, copy)
    (row,) = rows(app, member.id)
    assert row.end_reason == "logout" and row.ended_at is not None


def test_the_cookie_holds_a_token_and_the_table_only_its_hash(app, client, auth, member):
    auth.login(PHONE)
    with client.session_transaction() as cookie:
        token = cookie["sid"]
    (row,) = rows(app, member.id)
    assert len(token) >= 40 and token not in row.token_hash and row.token_hash == sessions.token_hash(token)
    assert row.ended_at is None and row.user_agent.startswith("Werkzeug")


def test_every_login_is_a_new_session_and_nothing_from_before_survives(app, client, auth, member):
    with client.session_transaction() as cookie:  # what a fixation attacker could plant
        cookie["sid"], cookie["planted"] = "planted-token", "x"
    auth.login(PHONE)
    with client.session_transaction() as cookie:
        first = cookie["sid"]
        assert first != "planted-token" and "planted" not in cookie
    auth.logout()
    auth.login(PHONE)
    with client.session_transaction() as cookie:
        assert cookie["sid"] != first
    assert [row.end_reason for row in rows(app, member.id)] == ["logout", None]


def test_a_remember_me_cookie_opens_nothing(app, member):
    with app.test_request_context():
        remembered = encode_cookie(str(member.id))
    client = app.test_client()
    client.set_cookie("remember_token", remembered)
    assert not logged_in(client)


def test_a_session_cookie_naming_another_account_opens_nothing(app, client, auth, member, make_user):
    other = make_user(phone="0912000999")
    auth.login(PHONE)
    with client.session_transaction() as cookie:
        cookie["_user_id"] = str(other.id)  # a (signed) cookie whose user and token disagree
    assert not logged_in(client)


# Ended by someone else, or everywhere -------------------------------------------------------------

def test_logout_everywhere_ends_every_session_this_one_included(app, member):
    here, elsewhere = app.test_client(), app.test_client()
    Auth(here).login(PHONE)
    Auth(elsewhere).login(PHONE)
    page = here.get(PROFILE).get_data(as_text=True)
    assert "đang đăng nhập trên 2 thiết bị" in page and "Đăng xuất mọi thiết bị" in page
    copy = session_cookie(here)
    response = post_form(here, ALL_DEVICES, {}, token_from=PROFILE, follow_redirects=True)
    assert response.request.path == "/dang-nhap"
    assert "Đã đăng xuất khỏi mọi thiết bị (2 phiên đăng nhập, kể cả phiên này)" in response.get_data(as_text=True)
    assert not logged_in(here) and not logged_in(elsewhere) and not opens(app, copy)
    assert [row.end_reason for row in rows(app, member.id)] == ["all_devices", "all_devices"]


def test_logout_everywhere_needs_the_csrf_token_and_a_login(app, client, auth, member):
    assert client.post(ALL_DEVICES).status_code == 400  # CSRFProtect, before anything else
    auth.login(PHONE)
    assert client.post(ALL_DEVICES, data={"csrf_token": "sai"}).status_code == 400
    assert logged_in(client) and [row.ended_at for row in rows(app, member.id)] == [None]


@pytest.fixture
def manager(make_unit, make_user, member):
    """The phone of a manager of the member's unit."""
    make_user(phone="0913000004", role="unit_manager", managed="ROOT", unit="ROOT")
    return "0913000004"


def test_a_lock_ends_the_members_sessions(app, member, manager):
    browser, boss = app.test_client(), app.test_client()
    Auth(browser).login(PHONE)
    Auth(boss).login(manager)
    assert post_form(boss, f"/quan-ly/thanh-vien/{member.id}/khoa", {},
                     token_from=f"/quan-ly/thanh-vien/{member.id}").status_code == 302
    assert not logged_in(browser)
    post_form(boss, f"/quan-ly/thanh-vien/{member.id}/mo-khoa", {}, token_from=f"/quan-ly/thanh-vien/{member.id}")
    assert not logged_in(browser)  # unlocking brings no old session back
    assert [row.end_reason for row in rows(app, member.id)] == ["locked"]


def test_a_reset_by_a_manager_or_the_command_line_ends_every_session(app, runner, member, manager):
    first, second, boss = app.test_client(), app.test_client(), app.test_client()
    Auth(first).login(PHONE)
    Auth(boss).login(manager)
    url = f"/quan-ly/thanh-vien/{member.id}/dat-lai-mat-khau"
    page = post_form(boss, url, {})
    assert page.status_code == 200 and not logged_in(first)
    password = re.search(r'id="temporary-password">([a-z0-9]+)<', page.get_data(as_text=True))
    assert password, page.get_data(as_text=True)
    Auth(second).login(PHONE, password.group(1))
    assert runner.invoke(args=["users", "reset-password", PHONE]).exit_code == 0
    assert not logged_in(second)
    assert [row.end_reason for row in rows(app, member.id)] == ["reset", "reset"]


# Idle time, autosave ----------------------------------------------------------------------------

def test_a_session_expires_after_the_idle_time(db, member):
    user = db.session.get(User, member.id)
    token = sessions.start(user, now=T)
    db.session.commit()
    assert sessions.current(token, now=T + DAY - timedelta(seconds=1)).user.id == member.id
    assert sessions.current(token, now=T + DAY) is None
    assert sessions.current(token, now=T + timedelta(hours=3), idle=timedelta(hours=2)) is None


def test_a_session_used_every_minute_never_expires_and_is_written_every_few_minutes(db, member):
    user = db.session.get(User, member.id)
    token = sessions.start(user, now=T)
    db.session.commit()
    writes = 0
    for minute in range(1, 3 * 24 * 60, 7):  # three days of autosaves, one every 7 minutes
        now = T + timedelta(minutes=minute)
        found = sessions.current(token, now=now)
        assert found is not None, now
        if sessions.stale(found, now=now):
            sessions.seen(found, now=now)
            db.session.commit()
            writes += 1
    assert 3 * 24 * 60 / 14 <= writes <= 3 * 24 * 60 / 7  # never on every request, never too rarely
    assert sessions.current(token, now=T + 3 * DAY + DAY) is None  # then a day of silence ends it


def test_an_attempt_started_near_the_idle_end_is_not_cut_short(db, member):
    """Logged in at T, silent for almost a day, then an attempt of the longest usual limit
    (the contest's default, 20 minutes) whose only request after the start is its last save."""
    limit = timedelta(seconds=Contest.__table__.c.time_limit_s.default.arg + 60)  # limit and grace
    user = db.session.get(User, member.id)
    token = sessions.start(user, now=T)
    db.session.commit()
    started = T + DAY - timedelta(minutes=1)
    found = sessions.current(token, now=started)  # the start request
    assert sessions.stale(found, now=started)
    sessions.seen(found, now=started)
    db.session.commit()
    assert sessions.current(token, now=started + limit) is not None  # the last save, past T + a day


def test_an_autosave_keeps_the_session_alive(app, client, auth, member, make_contest, monkeypatch):
    now = utcnow()
    contest = make_contest(round=[{"name": "Tuần 1", "opens": (now - timedelta(hours=1)).isoformat(),
                                   "closes": (now + timedelta(days=1)).isoformat()}])
    with app.app_context():
        slug = _db.session.get(Contest, contest).slug
    auth.login(PHONE)
    token = csrf_token(client, f"/cuoc-thi/{slug}/bat-dau")
    started = client.post(f"/cuoc-thi/{slug}/bat-dau", data={"csrf_token": token})
    attempt_url = started.headers["Location"]
    page_token = csrf_token(client, attempt_url)
    attempt_id = attempt_url.rsplit("/", 1)[1]
    set_last_seen(app, member.id, now - timedelta(hours=23))  # the session was last seen long ago
    saved = client.post(f"/api/luot-thi/{attempt_id}/luu", json={"answers": {}}, headers={"X-CSRFToken": page_token})
    assert saved.status_code == 200, saved.get_data(as_text=True)
    (row,) = rows(app, member.id)
    assert row.last_seen_at >= now - timedelta(seconds=5)  # the save marked it seen
    later = utcnow() + timedelta(hours=23, minutes=30)  # past the old mark's idle end
    monkeypatch.setattr("quiz.accounts.views.utcnow", lambda: later)
    assert logged_in(client)


def test_an_idle_session_is_logged_out_with_a_moved_clock(app, client, auth, member, monkeypatch):
    auth.login(PHONE)
    later = utcnow() + DAY + timedelta(minutes=1)
    monkeypatch.setattr("quiz.accounts.views.utcnow", lambda: later)
    assert not logged_in(client)


def test_the_idle_time_is_a_setting(member, database, tmp_path, config):
    app = create_app({"TESTING": True, "DATABASE_URL": database, "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "test", **config, "SESSION_IDLE_HOURS": 2})
    try:
        client = app.test_client()
        Auth(client).login(PHONE)
        set_last_seen(app, member.id, utcnow() - timedelta(hours=2, minutes=1))
        assert not logged_in(client)
    finally:
        with app.app_context():
            _db.engine.dispose()
    with pytest.raises(ValueError, match="QUIZ_SESSION_IDLE_HOURS"):
        create_app({"TESTING": True, "DATABASE_URL": database, "INSTANCE_PATH": str(tmp_path),
                    "SECRET_KEY": "test", "SESSION_IDLE_HOURS": 0})


# Two instances, one database ------------------------------------------------------------------------

@pytest.fixture
def second_app(app, database, config, tmp_path):
    other = create_app({"TESTING": True, "DATABASE_URL": database, "INSTANCE_PATH": str(tmp_path / "b"),
                        "SECRET_KEY": "test", **config})
    yield other
    with other.app_context():
        _db.session.remove()
        _db.engine.dispose()


def test_two_instances_see_the_same_logout_and_lock(app, second_app, member, manager):
    one = app.test_client()
    Auth(one).login(PHONE)
    copy = session_cookie(one)
    assert opens(second_app, copy)  # the session started on one works on the other
    Auth(one).logout()
    assert not opens(second_app, copy)
    again = second_app.test_client()
    Auth(again).login(PHONE)
    assert opens(app, session_cookie(again))
    boss = app.test_client()
    Auth(boss).login(manager)
    post_form(boss, f"/quan-ly/thanh-vien/{member.id}/khoa", {}, token_from=f"/quan-ly/thanh-vien/{member.id}")
    assert not logged_in(again)  # locked on the first, out on the second


# The hot path ---------------------------------------------------------------------------------------

def test_loading_the_user_is_one_statement_and_writes_only_when_stale(app, client, auth, member):
    auth.login(PHONE)
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = _db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/healthz")
        about_sessions = [s for s in seen if "user_sessions" in s]
        assert len(about_sessions) == 1 and "users" in about_sessions[0].split("user_sessions")[0]
        assert about_sessions[0].lstrip().upper().startswith("SELECT")
        set_last_seen(app, member.id, utcnow() - timedelta(minutes=6))
        seen.clear()
        client.get("/healthz")
        assert [s.split()[0].upper() for s in seen if "user_sessions" in s] == ["SELECT", "UPDATE"]
        seen.clear()
        client.get("/healthz")
        assert len([s for s in seen if "user_sessions" in s]) == 1  # marked: no write for a while
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


def test_marking_a_stale_session_seen_survives_a_concurrent_writer(app, client, auth, member, monkeypatch):
    """A page (GET: a deferred transaction on SQLite) whose session needs marking, while another
    connection writes between the loader's read and its write: the page answers, marked."""
    auth.login(PHONE)
    set_last_seen(app, member.id, utcnow() - timedelta(minutes=10))
    read = sessions.current

    def read_then_someone_writes(token, **kwargs):
        found = read(token, **kwargs)
        with _db.engine.begin() as other:  # another request, elsewhere, commits meanwhile
            other.execute(update(User).where(User.id == member.id).values(email="khac@example.vn"))
        return found

    monkeypatch.setattr(sessions, "current", read_then_someone_writes)
    assert logged_in(client)
    (row,) = rows(app, member.id)
    assert row.last_seen_at >= utcnow() - timedelta(seconds=5)


# Pruning ---------------------------------------------------------------------------------------------

def test_prune_deletes_ended_and_idle_sessions_only(app, runner, db, member):
    user = db.session.get(User, member.id)
    now = utcnow()
    live, ended, idle = (sessions.start(user, now=now) for _ in range(3))
    db.session.flush()
    sessions.end(ended, "logout", now=now)
    db.session.execute(update(UserSession).where(UserSession.token_hash == sessions.token_hash(idle))
                       .values(last_seen_at=now - DAY - timedelta(minutes=1)))
    db.session.commit()
    result = runner.invoke(args=["users", "prune-sessions"])
    assert result.exit_code == 0 and "Đã xoá 2 phiên" in result.output
    db.session.expire_all()
    assert list(db.session.scalars(select(UserSession.token_hash))) == [sessions.token_hash(live)]
