"""Security events: failed logins, lockouts and 403s are recorded (who, which account, which
address, when), in their own transaction, merged when repeated, never with the password;
an administrator lists them."""
import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from conftest import FAST_HASH, csrf_token, post_form
from quiz.accounts.models import User
from quiz.audit import security
from quiz.audit.models import SecurityEvent
from quiz.extensions import db as _db

T = datetime(2026, 12, 2, 3, 0, 5)
SECRET = "bimat-Zx81q"


@pytest.fixture
def config(config):
    config.update(RATELIMIT_ENABLED=True)
    return config


def all_events(app) -> list[SecurityEvent]:
    with app.app_context():
        rows = _db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)).all()
        _db.session.expunge_all()
        return rows


def login(client, identifier, password):
    return post_form(client, "/dang-nhap", {"identifier": identifier, "password": password})


def test_a_failed_login_is_recorded_without_the_password(app, client, root, make_user, caplog):
    make_user(phone="0912345678")
    caplog.set_level(logging.DEBUG)
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    assert login(client, "0912 345 678", SECRET).status_code == 401
    [event] = all_events(app)
    assert (event.kind, event.account, event.ip, event.path, event.count) == (
        "login_failed", "0912345678", "203.0.113.9", "/dang-nhap", 1)
    assert event.at is not None and event.user_id is None
    columns = [str(getattr(event, c.key)) for c in SecurityEvent.__table__.columns]
    assert not any(SECRET in value for value in columns)
    assert SECRET not in caplog.text


def test_a_lockout_is_recorded_and_logged_without_passwords(app, root, make_user, caplog):
    make_user(phone="0912345678")
    caplog.set_level(logging.DEBUG)
    for i in range(10):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{i + 1}"
        r = login(client, "0912345678", f"{SECRET}{i}")
    assert r.status_code == 429
    events = all_events(app)
    assert [e.kind for e in events].count("login_failed") == 10
    [locked] = [e for e in events if e.kind == "account_locked"]
    assert (locked.account, locked.ip, locked.detail) == ("0912345678", "198.51.100.10", "phải chờ 60 giây")
    r = login(app.test_client(), "0912345678", SECRET)  # refused before the password is checked
    assert r.status_code == 429
    assert [e.kind for e in all_events(app)][-1] == "login_refused"
    assert SECRET not in caplog.text and "locked for 60 s" in caplog.text


def test_a_refused_request_is_recorded_with_who_and_where(app, client, root, make_user, auth):
    member = make_user(phone="0912345678")
    assert auth.login().status_code == 302
    assert client.get("/quan-tri/tai-khoan").status_code == 403
    [event] = all_events(app)
    assert (event.kind, event.user_id, event.path, event.ip, event.detail) == (
        "forbidden", member.id, "/quan-tri/tai-khoan", "127.0.0.1", "GET")


@pytest.mark.parametrize("config", [{"PASSWORD_HASH_METHOD": FAST_HASH, "SQLITE_BUSY_TIMEOUT_MS": 100}])
def test_a_refused_form_is_recorded_without_waiting_for_its_own_request(app, client, root, make_user, auth):
    """A POST begins its transaction for writing (on SQLite, BEGIN IMMEDIATE): the refusal's
    event must not wait for the request's own lock (with a 0.1 s busy timeout it would be lost)."""
    member = make_user(phone="0912345678")
    assert auth.login().status_code == 302
    token = csrf_token(client, "/tai-khoan")
    assert client.post("/quan-tri/cuoc-thi/moi/nhap", data={"csrf_token": token}).status_code == 403
    [event] = all_events(app)
    assert (event.kind, event.user_id, event.detail) == ("forbidden", member.id, "POST")


def test_an_event_survives_the_rollback_of_its_request(app, ctx, root):
    if _db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite has one writer: the callers end their transaction before recording (see record)")
    _db.session.add(User(full_name="Chưa lưu", gender="nam", phone="0999999999", cccd="001099999999",
                         category="dang_vien", role="member", password_hash="x", created_at=T))
    _db.session.flush()
    security.record("forbidden", now=T, ip="10.0.0.1", path="/x")  # its own connection, its own commit
    _db.session.rollback()
    assert _db.session.scalar(select(func.count()).select_from(User)) == 0
    assert _db.session.scalar(select(func.count()).select_from(SecurityEvent)) == 1


def rows() -> list[tuple[int, str]]:
    """(count, path) of every event; the read's transaction ended (SQLite has one writer)."""
    found = [(e.count, e.path) for e in _db.session.scalars(select(SecurityEvent).order_by(SecurityEvent.id))]
    _db.session.rollback()
    return found


def test_a_flood_is_merged_per_address_and_path_per_minute(app, ctx):
    for second in range(0, 9):
        for _ in range(100):
            security.record("forbidden", now=T + timedelta(seconds=second), ip="10.0.0.1", path="/api/x")
    assert rows() == [(1, "/api/x")]  # repeats within 10 s wait in memory
    security.record("forbidden", now=T + timedelta(seconds=15), ip="10.0.0.1", path="/api/x")
    assert rows() == [(901, "/api/x")]
    security.record("forbidden", now=T + timedelta(seconds=16), ip="10.0.0.1", path="/api/x")
    security.record("forbidden", now=T + timedelta(seconds=60), ip="10.0.0.1", path="/api/x")  # a new minute
    assert rows() == [(902, "/api/x"), (1, "/api/x")]


def test_many_paths_from_one_address_merge_into_one_row(app, ctx):
    for i in range(500):
        security.record("forbidden", now=T, ip="10.0.0.1", path=f"/api/x/{i}")
    found = rows()
    assert len(found) == security.PATHS_PER_MINUTE + 1 and found[-1] == (1, "*")
    security.record("forbidden", now=T, ip="10.0.0.2", path="/api/x/1")  # another address: its own row
    assert len(rows()) == security.PATHS_PER_MINUTE + 2


def test_an_unknown_kind_is_a_bug(ctx):
    with pytest.raises(ValueError):
        security.record("nonsense", now=T, ip="10.0.0.1")


def test_the_administrator_lists_and_filters_the_events(app, client, login_as):
    with app.app_context():
        security.record("login_failed", now=T, ip="203.0.113.9", path="/dang-nhap", account="0912345678")
        security.record("forbidden", now=T + timedelta(minutes=1), ip="198.51.100.7", path="/quan-tri/tai-khoan")
    login_as("admin")
    page = client.get("/quan-tri/su-kien-bao-mat").get_data(as_text=True)
    assert "Sự kiện bảo mật" in page
    table = page[page.index("<tbody>"):]
    assert table.index("Yêu cầu bị từ chối (403)") < table.index("Đăng nhập sai mật khẩu")  # newest first
    assert "0912345678" in page and "203.0.113.9" in page and "198.51.100.7" in page
    page = client.get("/quan-tri/su-kien-bao-mat?loai=login_failed").get_data(as_text=True)
    assert "203.0.113.9" in page and "198.51.100.7" not in page
    page = client.get("/quan-tri/su-kien-bao-mat?q=198.51").get_data(as_text=True)
    assert "198.51.100.7" in page and "0912345678" not in page
    assert client.get("/quan-tri/su-kien-bao-mat?loai=<script>&q=%25&trang=x").status_code == 200
    assert "/quan-tri/su-kien-bao-mat" in client.get("/quan-tri/tai-khoan").get_data(as_text=True)
    assert "/quan-tri/su-kien-bao-mat" in client.get("/quan-tri/nhat-ky").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "unit_manager", "organiser"])
def test_only_an_administrator_sees_them(app, client, login_as, role):
    login_as(role)
    assert client.get("/quan-tri/su-kien-bao-mat").status_code == 403
