"""Login by phone (any spelling) or CCCD, sessions, ``next``, logout."""
import pytest
from sqlalchemy import update

from conftest import csrf_token, post_form
from quiz.accounts.models import User
from quiz.extensions import db


@pytest.fixture
def member(root, make_user):
    return make_user(phone="0912345678", cccd="001095000123", full_name="Lê Văn Cường")


def login(client, identifier, password="matkhau123", url="/dang-nhap"):
    return post_form(client, url, {"identifier": identifier, "password": password}, token_from="/dang-nhap")


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("identifier", [
    "0912345678", "0912 345 678", "0912.345.678", "+84912345678", "84 912 345 678", "0084912345678",
    "001095000123", "001 095 000 123",
])
def test_login_with_phone_in_any_spelling_or_cccd(client, member, identifier):
    r = login(client, identifier)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "Lê Văn Cường" in text(client.get("/tai-khoan"))


def test_login_with_old_cmnd(client, root, make_user):
    make_user(phone="0933333333", cccd="123456789")
    assert login(client, "123 456 789").status_code == 302


@pytest.mark.parametrize("identifier, password", [
    ("0912345678", "saimatkhau"),
    ("0999999999", "matkhau123"),      # no such account: same answer
    ("khong-phai-so", "matkhau123"),
])
def test_wrong_password_or_unknown_account(client, member, identifier, password):
    r = login(client, identifier, password)
    assert r.status_code == 401
    assert "Số điện thoại/CCCD hoặc mật khẩu không đúng." in text(r)
    assert client.get("/tai-khoan").status_code == 302  # still anonymous


def test_empty_or_huge_login_form_is_refused_in_vietnamese(client, member):
    r = login(client, "", "")
    assert r.status_code == 422 and "Vui lòng nhập mục này." in text(r)
    r = login(client, "0" * 10_000, "x" * 10_000)
    assert r.status_code == 422
    assert "Dài tối đa 40 ký tự." in text(r) and "Field cannot" not in text(r)


def test_inactive_account_is_refused(client, app, member):
    with app.app_context():
        db.session.execute(update(User).where(User.id == member.id).values(active=False))
        db.session.commit()
    r = login(client, "0912345678")
    assert r.status_code == 401
    assert "Tài khoản này đã bị khóa" in text(r)
    assert client.get("/tai-khoan").status_code == 302


def test_deactivating_an_account_ends_its_session(client, app, member):
    assert login(client, "0912345678").status_code == 302
    with app.app_context():
        db.session.execute(update(User).where(User.id == member.id).values(active=False))
        db.session.commit()
    assert client.get("/tai-khoan").status_code == 302


def test_the_session_changes_at_every_login(client, auth, member):
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"  # fixation: nothing from before login survives
    assert login(client, "0912345678").status_code == 302
    first_cookie = client.get_cookie("session").value
    with client.session_transaction() as s:
        first_sid = s["sid"]
        assert "planted" not in s
    assert auth.logout().status_code == 302
    with client.session_transaction() as s:
        assert "sid" not in s and "_user_id" not in s
    assert login(client, "001095000123").status_code == 302
    with client.session_transaction() as s:
        second_sid = s["sid"]
    assert first_sid and second_sid and first_sid != second_sid
    assert client.get_cookie("session").value != first_cookie


def test_session_cookie_is_httponly_and_lax(client, member):
    r = login(client, "0912345678")
    cookie = next(h for h in r.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_next_follows_a_local_path(client, member):
    r = login(client, "0912345678", url="/dang-nhap?next=/tai-khoan/doi-mat-khau")
    assert r.status_code == 302 and r.headers["Location"] == "/tai-khoan/doi-mat-khau"


@pytest.mark.parametrize("target", [
    "http://evil.example/",
    "https://evil.example/dang-nhap",
    "//evil.example",
    "/\\evil.example",
    "/%09/evil.example",     # a browser drops the tab: //evil.example
    "/%0a/evil.example",
    "/%0d/evil.example",
    "%2F%2Fevil.example",
    "javascript:alert(1)",
    "/ /evil.example",
])
def test_next_never_leaves_the_site(client, member, target):
    r = login(client, "0912345678", url=f"/dang-nhap?next={target}")
    assert r.status_code == 302
    assert r.headers["Location"] == "/"


def test_a_protected_page_sends_to_login_and_back(client, member):
    r = client.get("/tai-khoan/doi-mat-khau")
    assert r.status_code == 302 and r.headers["Location"].startswith("/dang-nhap?next=")
    r = login(client, "0912345678", url=r.headers["Location"])
    assert r.headers["Location"] == "/tai-khoan/doi-mat-khau"


def test_a_logged_in_person_is_sent_home_from_the_login_page(client, member):
    login(client, "0912345678")
    r = client.get("/dang-nhap")
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_logout_is_post_only(client, member):
    login(client, "0912345678")
    r = client.get("/dang-xuat")
    assert r.status_code == 405
    assert "Thao tác không được phép" in text(r)
    assert client.get("/tai-khoan").status_code == 200  # still logged in


def test_logout_needs_the_csrf_token(client, member):
    login(client, "0912345678")
    r = client.post("/dang-xuat")
    assert r.status_code == 400
    assert "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ" in text(r)
    r = client.post("/dang-xuat", data={"csrf_token": "gia-mao"})
    assert r.status_code == 400
    assert client.get("/tai-khoan").status_code == 200  # still logged in


def test_logout_with_the_token_ends_the_session(client, auth, member):
    login(client, "0912345678")
    token = csrf_token(client, "/tai-khoan")
    r = client.post("/dang-xuat", data={"csrf_token": token})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "Bạn đã đăng xuất." in text(client.get("/"))
    r = client.get("/tai-khoan")
    assert r.status_code == 302 and r.headers["Location"].startswith("/dang-nhap")
