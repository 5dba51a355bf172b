"""After a reset: the old sessions end, the temporary password logs in once more and every
page leads to the change-password page until a new password is set; an attempt's autosave
is not redirected. ``quiz users reset-password`` does the same from the command line."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from conftest import Auth, csrf_token, post_form
from quiz.accounts.models import User
from quiz.audit.models import AuditEntry
from quiz.extensions import db

ADMIN, MEMBER = "0903000001", "0903000002"
CHANGE = "/tai-khoan/doi-mat-khau"


@pytest.fixture
def people(make_unit, make_user):
    make_unit("ROOT")
    return {"admin": make_user(phone=ADMIN, role="admin", full_name="Quản Trị Viên").id,
            "member": make_user(phone=MEMBER, full_name="Nguyễn Thị Hoa").id}


def reset_by_admin(app, member_id) -> str:
    admin = app.test_client()
    assert Auth(admin).login(ADMIN).status_code == 302
    r = post_form(admin, f"/quan-ly/thanh-vien/{member_id}/dat-lai-mat-khau", {})
    return re.search(r'id="temporary-password">([^<]+)<', r.get_data(as_text=True)).group(1)


def flag(app, user_id) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).must_change_password


def test_the_member_must_change_the_temporary_password(client, app, people):
    assert Auth(client).login(MEMBER).status_code == 302
    password = reset_by_admin(app, people["member"])
    r = client.get("/tai-khoan")                                   # the old session has ended
    assert r.status_code == 302 and r.headers["Location"].startswith("/dang-nhap")
    assert Auth(client).login(MEMBER).status_code == 401            # the old password is gone
    r = Auth(client).login(MEMBER, password)
    assert r.status_code == 302
    for url in ("/", "/tai-khoan", "/cuoc-thi", "/cuoc-thi/bat-ky/bat-dau", "/quan-ly/thanh-vien"):
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"] == CHANGE, url
    r = post_form(client, "/cuoc-thi/bat-ky/bat-dau", {}, token_from=CHANGE)  # starting an attempt too
    assert r.status_code == 302 and r.headers["Location"] == CHANGE
    page = client.get(CHANGE).get_data(as_text=True)
    assert "Bạn đang dùng mật khẩu tạm thời" in page and "Mật khẩu tạm thời (vừa dùng để đăng nhập)" in page
    r = post_form(client, CHANGE, {"current": password, "password": password, "password2": password})
    assert r.status_code == 400 and "Mật khẩu mới phải khác mật khẩu tạm thời." in r.get_data(as_text=True)
    r = post_form(client, CHANGE, {"current": password, "password": "matkhaumoi789", "password2": "matkhaumoi789"})
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert "Đã đặt mật khẩu mới." in client.get("/").get_data(as_text=True)
    assert client.get("/tai-khoan").status_code == 200
    assert not flag(app, people["member"])
    Auth(client).logout()
    assert Auth(client).login(MEMBER, password).status_code == 401
    assert Auth(client).login(MEMBER, "matkhaumoi789").status_code == 302


def test_logging_out_the_autosave_and_the_submit_are_not_redirected(client, app, people):
    password = reset_by_admin(app, people["member"])
    Auth(client).login(MEMBER, password)
    token = csrf_token(client, CHANGE)
    r = client.post("/api/luot-thi/123/luu", json={"answers": {}}, headers={"X-CSRFToken": token})
    assert r.status_code == 404 and r.is_json                       # answered by the attempts API itself
    r = client.post("/luot-thi/123/nop", data={"csrf_token": token})  # and the submit: no answer lost
    assert r.status_code == 404
    assert client.get("/api/don-vi?q=ro").status_code == 200
    with client.get("/static/css/site.css") as r:
        assert r.status_code == 200
    r = post_form(client, "/dang-xuat", {}, token_from=CHANGE)
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert flag(app, people["member"])                              # still to be changed at the next login


def test_cli_reset_password_prints_the_temporary_password_once(app, runner, people):
    result = runner.invoke(args=["users", "reset-password", "0903 000 002"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Mật khẩu tạm thời \(chỉ hiện một lần\): (\S+)", result.output).group(1)
    assert result.output.count(password) == 1
    assert "Nguyễn Thị Hoa (0903000002)" in result.output
    assert flag(app, people["member"])
    client = app.test_client()
    assert Auth(client).login(MEMBER, password).status_code == 302
    assert client.get("/").headers["Location"] == CHANGE
    with app.app_context():
        (entry,) = db.session.scalars(select(AuditEntry)).all()
        assert (entry.action, entry.actor_id, entry.target_user_id) == ("user.reset_password", None, people["member"])


@pytest.mark.parametrize("phone, message", [("0999999999", "Không tìm thấy tài khoản có số điện thoại này."),
                                            ("abc", "Số điện thoại không hợp lệ")])
def test_cli_reset_password_refusals(app, runner, people, phone, message):
    result = runner.invoke(args=["users", "reset-password", phone])
    assert result.exit_code == 1 and f"Lỗi: {message}" in result.output
    assert not flag(app, people["member"])


def test_cli_set_role_is_logged_with_no_actor(app, runner, people):
    assert runner.invoke(args=["users", "set-role", MEMBER, "organiser"]).exit_code == 0
    with app.app_context():
        (entry,) = db.session.scalars(select(AuditEntry)).all()
        assert (entry.action, entry.actor_id, entry.changes) == ("user.set_role", None,
                                                                 {"role": ["Thí sinh", "Ban tổ chức"]})
