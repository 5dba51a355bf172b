"""Changing a password; every other session of the account ends."""
import pytest
from sqlalchemy import select

from conftest import Auth, post_form
from quiz.accounts.models import User, UserSession
from quiz.extensions import db

URL = "/tai-khoan/doi-mat-khau"


@pytest.fixture
def member(make_unit, make_user):
    make_unit("ROOT")  # first: make_user cannot create it on SQLite
    return make_user(phone="0912345678")


def change(client, current, new, again=None):
    return post_form(client, URL, {"current": current, "password": new, "password2": again or new})


def stored_hash(app, user_id):
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.id == user_id))


def test_needs_login(client):
    r = client.get(URL)
    assert r.status_code == 302 and r.headers["Location"].startswith("/dang-nhap")


def test_wrong_current_password_is_refused(client, app, auth, member):
    auth.login()
    before = stored_hash(app, member.id)
    r = change(client, "khongphaiday", "matkhaumoi456")
    assert r.status_code == 400
    assert "Mật khẩu hiện tại không đúng." in r.get_data(as_text=True)
    assert stored_hash(app, member.id) == before
    assert client.get("/tai-khoan").status_code == 200  # the refusal logs nobody out


@pytest.mark.parametrize("new, again, message", [
    ("ngan", None, "Mật khẩu từ 8 đến 128 ký tự."),
    ("matkhaumoi456", "matkhaumoi457", "Hai lần nhập mật khẩu không khớp."),
    ("x" * 10_000, None, "Mật khẩu từ 8 đến 128 ký tự."),
])
def test_bad_new_password_is_refused(client, app, auth, member, new, again, message):
    auth.login()
    before = stored_hash(app, member.id)
    r = change(client, "matkhau123", new, again)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert stored_hash(app, member.id) == before


def test_success_changes_the_password(client, app, auth, member):
    auth.login()
    r = change(client, "matkhau123", "matkhaumoi456")
    assert r.status_code == 302 and r.headers["Location"] == "/tai-khoan"
    page = client.get("/tai-khoan")
    assert page.status_code == 200  # this session goes on
    assert "Đã đổi mật khẩu." in page.get_data(as_text=True)
    auth.logout()
    assert auth.login(password="matkhau123").status_code == 401
    assert auth.login(password="matkhaumoi456").status_code == 302


def test_other_sessions_of_the_account_are_logged_out(app, member):
    here, elsewhere = app.test_client(), app.test_client()
    assert Auth(here).login().status_code == 302
    assert Auth(elsewhere).login().status_code == 302
    assert elsewhere.get("/tai-khoan").status_code == 200
    assert change(here, "matkhau123", "matkhaumoi456").status_code == 302
    r = elsewhere.get("/tai-khoan")
    assert r.status_code == 302 and r.headers["Location"].startswith("/dang-nhap")
    assert here.get("/tai-khoan").status_code == 200
    with app.app_context():
        reasons = db.session.scalars(select(UserSession.end_reason).where(UserSession.user_id == member.id)
                                     .order_by(UserSession.id))
        assert list(reasons) == [None, "password"]  # this one goes on, the other ended
