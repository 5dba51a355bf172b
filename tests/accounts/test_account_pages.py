"""The pages an administrator and a unit manager use on other people's accounts: the lists,
an account's page, correcting details, resetting a password, locking; scope (403) and the
audit log pages. In Vietnamese, through the test client."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from conftest import Auth, post_form
from quiz.accounts.models import User
from quiz.audit.models import AuditEntry
from quiz.extensions import db

ADMIN, MANAGER, MEMBER, OTHER, ORGANISER = "0902000001", "0902000002", "0902000003", "0902000004", "0902000005"


@pytest.fixture
def people(make_unit, make_user):
    make_unit("TINH", name="Tỉnh ủy Bình An")
    make_unit("HUYEN1", "TINH", name="Huyện ủy Tân Phú")
    make_unit("XA1", "HUYEN1", name="Đảng bộ xã Phú Lộc")
    make_unit("HUYEN2", "TINH", name="Huyện ủy Đông Sơn")
    return {
        "admin": make_user(phone=ADMIN, role="admin", unit="TINH", full_name="Quản Trị Viên").id,
        "manager": make_user(phone=MANAGER, role="unit_manager", unit="HUYEN1", managed="HUYEN1",
                             full_name="Lê Văn Quản").id,
        "member": make_user(phone=MEMBER, unit="XA1", cccd="001090000003", full_name="Trần Thị Bình").id,
        "other": make_user(phone=OTHER, unit="HUYEN2", cccd="001090000004", full_name="Phạm Văn Khác").id,
        "organiser": make_user(phone=ORGANISER, role="organiser", unit="XA1", full_name="Đỗ Tổ Chức").id,
    }


def text(response) -> str:
    return response.get_data(as_text=True)


def account(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def log(app):
    with app.app_context():
        return [(e.action, e.actor_id, e.target_user_id, e.changes)
                for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def form_of(user: User, **changes) -> dict:
    return {"full_name": user.full_name, "birth_date": user.birth_date.isoformat() if user.birth_date else "",
            "gender": user.gender, "phone": user.phone, "cccd": user.cccd, "email": user.email or "",
            "unit_id": str(user.unit_id), "unit_query": "", "category": user.category, **changes}


def login(client, phone):
    assert Auth(client).login(phone).status_code == 302


def reset(client, user_id):
    url = f"/quan-ly/thanh-vien/{user_id}/dat-lai-mat-khau"
    return post_form(client, url, {})


def temporary_password(response) -> str:
    return re.search(r'id="temporary-password">([^<]+)<', text(response)).group(1)


# The administrator -----------------------------------------------------------------------------

def test_admin_resets_a_password_after_confirming_it_is_shown_once(client, app, people):
    login(client, ADMIN)
    page = client.get(f"/quan-tri/tai-khoan/{people['member']}")
    assert "Đặt lại mật khẩu" in text(page) and "Khoá tài khoản" in text(page)
    ask = client.get(f"/quan-ly/thanh-vien/{people['member']}/dat-lai-mat-khau")
    assert ask.status_code == 200 and "Đặt lại mật khẩu?" in text(ask)
    assert not account(app, people["member"]).must_change_password   # asking changes nothing
    done = reset(client, people["member"])
    assert done.status_code == 200 and done.headers["Cache-Control"] == "no-store"
    password = temporary_password(done)
    assert "chỉ hiện <strong>một lần</strong>" in text(done)
    with client.session_transaction() as stored:
        assert password not in str(dict(stored))                    # not kept in the cookie
    assert account(app, people["member"]).must_change_password
    assert log(app) == [("user.reset_password", people["admin"], people["member"], {})]
    shown = text(client.get(f"/quan-tri/tai-khoan/{people['member']}"))
    assert "Nhật ký tài khoản" in shown and "đặt lại mật khẩu" in shown and password not in shown
    assert "Mật khẩu tạm" in shown


def test_admin_corrects_details_and_moves_a_member(client, app, people):
    login(client, ADMIN)
    member = account(app, people["member"])
    url = f"/quan-ly/thanh-vien/{member.id}/sua"
    page = client.get(url)
    assert page.status_code == 200 and 'value="Trần Thị Bình"' in text(page) and "Đảng bộ xã Phú Lộc" in text(page)
    other_unit = account(app, people["other"]).unit_id
    r = post_form(client, url, form_of(member, full_name="Trần Thị Bình An", phone="+84 902 000 099",
                                       unit_id=str(other_unit)))
    assert r.status_code == 302 and r.headers["Location"] == f"/quan-tri/tai-khoan/{member.id}"
    changed = account(app, member.id)
    assert (changed.full_name, changed.phone, changed.unit_id) == ("Trần Thị Bình An", "0902000099", other_unit)
    ((action, actor, target, changes),) = log(app)
    assert (action, actor, target) == ("user.edit", people["admin"], member.id)
    assert set(changes) == {"full_name", "phone", "unit"}
    page = text(client.get(r.headers["Location"]))
    assert "Đã sửa thông tin của Trần Thị Bình An." in page
    assert "Số điện thoại: 0902000003 → 0902000099" in page


def test_a_correction_shows_every_problem_at_once_and_changes_nothing(client, app, people):
    login(client, ADMIN)
    member = account(app, people["member"])
    r = post_form(client, f"/quan-ly/thanh-vien/{member.id}/sua",
                  form_of(member, phone="0902 000 004", cccd="001.090.000.004"))
    assert r.status_code == 409
    page = text(r)
    assert "Số điện thoại này đã được dùng cho một tài khoản khác." in page
    assert "Số CCCD này đã được dùng cho một tài khoản khác." in page
    r = post_form(client, f"/quan-ly/thanh-vien/{member.id}/sua",
                  form_of(member, full_name="", phone="123", gender="x", unit_id="", unit_query=""))
    assert r.status_code == 422
    page = text(r)
    for message in ("Vui lòng nhập mục này.", "Số điện thoại không hợp lệ", "Lựa chọn không hợp lệ",
                    "Vui lòng chọn đơn vị trong danh sách."):
        assert message in page
    assert account(app, member.id).phone == MEMBER and log(app) == []


def test_a_unit_typed_by_name_is_chosen_among_matches_without_javascript(client, app, people):
    login(client, ADMIN)
    member = account(app, people["member"])
    url = f"/quan-ly/thanh-vien/{member.id}/sua"
    r = post_form(client, url, form_of(member, unit_id="", unit_query="dong son"))
    assert r.status_code == 400
    page = text(r)
    assert 'name="unit_pick"' in page and "Huyện ủy Đông Sơn" in page and "Tỉnh ủy Bình An" in page
    other_unit = account(app, people["other"]).unit_id
    assert f'value="{other_unit}"' in page
    r = post_form(client, url, form_of(member, unit_id="", unit_query="dong son", unit_pick=str(other_unit)))
    assert r.status_code == 302
    assert account(app, member.id).unit_id == other_unit


def test_admin_locks_and_unlocks_a_member(client, app, people):
    member = app.test_client()
    login(member, MEMBER)
    login(client, ADMIN)
    r = post_form(client, f"/quan-ly/thanh-vien/{people['member']}/khoa", {},
                  token_from=f"/quan-tri/tai-khoan/{people['member']}")
    assert r.status_code == 302
    page = text(client.get(r.headers["Location"]))
    assert "Đã khoá tài khoản của Trần Thị Bình" in page and "Mở khoá tài khoản" in page
    assert member.get("/tai-khoan").status_code == 302                      # the session ended
    assert Auth(member).login(MEMBER).status_code == 401
    assert "đã bị khóa" in text(Auth(member).login(MEMBER))
    assert "Đã khoá" in text(client.get("/quan-tri/tai-khoan?q=binh"))
    r = post_form(client, f"/quan-ly/thanh-vien/{people['member']}/mo-khoa", {},
                  token_from=f"/quan-tri/tai-khoan/{people['member']}")
    assert "Đã mở khoá tài khoản" in text(client.get(r.headers["Location"]))
    assert Auth(member).login(MEMBER).status_code == 302
    assert [entry[0] for entry in log(app)] == ["user.lock", "user.unlock"]


def test_admin_role_change_is_logged(client, app, people):
    login(client, ADMIN)
    r = post_form(client, f"/quan-tri/tai-khoan/{people['member']}", {"role": "organiser", "unit_id": "",
                                                                       "unit_query": ""})
    assert r.status_code == 302
    assert log(app) == [("user.set_role", people["admin"], people["member"], {"role": ["Thí sinh", "Ban tổ chức"]})]


def test_the_whole_log_page_newest_first_and_paged(client, app, people, monkeypatch):
    login(client, ADMIN)
    for user in ("member", "other"):
        reset(client, people[user])
    page = text(client.get("/quan-tri/nhat-ky"))
    assert "<h1>Nhật ký</h1>" in page
    assert page.index("Phạm Văn Khác (0902000004)") < page.index("Trần Thị Bình (0902000003)")
    assert "Quản Trị Viên" in page and "đặt lại mật khẩu" in page
    monkeypatch.setattr("quiz.accounts.views.PER_PAGE", 1)
    first = text(client.get("/quan-tri/nhat-ky"))
    assert "Phạm Văn Khác (0902000004)" in first and "Trần Thị Bình (0902000003)" not in first
    assert "?trang=2" in first
    second = text(client.get("/quan-tri/nhat-ky?trang=2"))
    assert "Trần Thị Bình (0902000003)" in second and "Phạm Văn Khác (0902000004)" not in second
    assert "/quan-tri/nhat-ky" in text(client.get("/quan-tri/tai-khoan"))


@pytest.mark.parametrize("phone", [MANAGER, ORGANISER, MEMBER])
def test_only_administrators_see_the_log(client, people, phone):
    login(client, phone)
    assert client.get("/quan-tri/nhat-ky").status_code == 403


def test_the_admin_list_is_paged(client, people, monkeypatch):
    login(client, ADMIN)
    monkeypatch.setattr("quiz.accounts.views.PER_PAGE", 2)
    first = text(client.get("/quan-tri/tai-khoan"))
    assert "trang=2" in first
    second = text(client.get("/quan-tri/tai-khoan?trang=2"))
    third = text(client.get("/quan-tri/tai-khoan?trang=3"))
    names = ["Trần Thị Bình", "Phạm Văn Khác", "Lê Văn Quản", "Đỗ Tổ Chức", "Quản Trị Viên"]
    table = lambda page: page.split("<table", 1)[1]  # noqa: E731
    assert sum(name in table(p) for p in (first, second, third) for name in names) == 5


# The unit manager ------------------------------------------------------------------------------

def test_the_manager_lists_and_searches_the_subtree_only(client, people):
    login(client, MANAGER)
    profile = text(client.get("/tai-khoan"))
    assert "/quan-ly/thanh-vien" in profile
    page = text(client.get("/quan-ly/thanh-vien"))
    assert "Thành viên của Huyện ủy Tân Phú" in page
    table = page.split("<table", 1)[1]
    assert "Trần Thị Bình" in table and "Đỗ Tổ Chức" in table and "Lê Văn Quản" in table
    assert "Phạm Văn Khác" not in table and "Quản Trị Viên" not in table
    assert f'/quan-ly/thanh-vien/{people["member"]}"' in table                      # a member: a link
    assert f'/quan-ly/thanh-vien/{people["organiser"]}"' not in table               # an organiser: none
    found = text(client.get("/quan-ly/thanh-vien?q=binh")).split("<table", 1)[1]
    assert "Trần Thị Bình" in found and "Lê Văn Quản" not in found
    assert "Phạm Văn Khác" not in text(client.get("/quan-ly/thanh-vien?q=0902000004")).split("<table", 1)[1]


def test_the_manager_resets_edits_and_locks_a_member_of_the_subtree(client, app, people):
    login(client, MANAGER)
    member_id = people["member"]
    page = text(client.get(f"/quan-ly/thanh-vien/{member_id}"))
    assert "Trần Thị Bình" in page and "Đặt lại mật khẩu" in page
    assert "Vai trò</h2>" not in page and "Nhật ký tài khoản" not in page        # no role form, no log
    password = temporary_password(reset(client, member_id))
    assert Auth(app.test_client()).login(MEMBER, password).status_code == 302
    member = account(app, member_id)
    huyen1 = account(app, people["manager"]).unit_id
    r = post_form(client, f"/quan-ly/thanh-vien/{member_id}/sua", form_of(member, unit_id=str(huyen1),
                                                                          category="doan_vien"))
    assert r.status_code == 302 and r.headers["Location"] == f"/quan-ly/thanh-vien/{member_id}"
    assert (account(app, member_id).unit_id, account(app, member_id).category) == (huyen1, "doan_vien")
    assert post_form(client, f"/quan-ly/thanh-vien/{member_id}/khoa", {},
                     token_from=f"/quan-ly/thanh-vien/{member_id}").status_code == 302
    assert not account(app, member_id).active
    assert [(a, actor) for a, actor, _t, _c in log(app)] == [
        ("user.reset_password", people["manager"]), ("user.edit", people["manager"]), ("user.lock", people["manager"])]


def test_the_manager_cannot_move_a_member_out_of_the_subtree(client, app, people):
    login(client, MANAGER)
    member = account(app, people["member"])
    elsewhere = account(app, people["other"]).unit_id
    r = post_form(client, f"/quan-ly/thanh-vien/{member.id}/sua", form_of(member, unit_id=str(elsewhere)))
    assert r.status_code == 403
    assert "Bạn chỉ chuyển được thành viên sang đơn vị thuộc phạm vi mình quản lý." in text(r)
    assert account(app, member.id).unit_id == member.unit_id and log(app) == []


@pytest.mark.parametrize("target", ["other", "organiser", "admin"])
@pytest.mark.parametrize("method, path", [
    ("get", ""), ("get", "/sua"), ("post", "/sua"), ("get", "/dat-lai-mat-khau"), ("post", "/dat-lai-mat-khau"),
    ("post", "/khoa"), ("post", "/mo-khoa"),
])
def test_the_manager_gets_403_outside_the_subtree_or_on_a_non_member(client, app, people, target, method, path):
    login(client, MANAGER)
    url = f"/quan-ly/thanh-vien/{people[target]}{path}"
    before = account(app, people[target])
    if method == "get":
        r = client.get(url)
    else:
        r = post_form(client, url, form_of(before, full_name="Tên Bị Sửa"), token_from="/tai-khoan")
    assert r.status_code == 403
    assert "đơn vị mình quản lý" in text(r)
    after = account(app, people[target])
    assert (after.full_name, after.password_hash, after.active) == (before.full_name, before.password_hash, True)
    assert log(app) == []


def test_the_manager_cannot_change_roles(client, app, people):
    login(client, MANAGER)
    r = post_form(client, f"/quan-tri/tai-khoan/{people['member']}", {"role": "organiser"}, token_from="/tai-khoan")
    assert r.status_code == 403
    assert account(app, people["member"]).role == "member"


@pytest.mark.parametrize("phone", [MEMBER, ORGANISER])
def test_members_and_organisers_manage_nobody(client, people, phone):
    login(client, phone)
    for url in ("/quan-ly/thanh-vien", f"/quan-ly/thanh-vien/{people['other']}",
                f"/quan-ly/thanh-vien/{people['other']}/dat-lai-mat-khau"):
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client, people):
    for url in ("/quan-ly/thanh-vien", f"/quan-ly/thanh-vien/{people['member']}/sua", "/quan-tri/nhat-ky"):
        r = client.get(url)
        assert r.status_code == 302 and r.headers["Location"].startswith("/dang-nhap?next=")


def test_an_admin_on_the_manager_pages_goes_to_the_admin_ones(client, people):
    login(client, ADMIN)
    assert client.get("/quan-ly/thanh-vien?q=binh").headers["Location"] == "/quan-tri/tai-khoan?q=binh"
    assert client.get(f"/quan-ly/thanh-vien/{people['member']}").headers["Location"] == \
        f"/quan-tri/tai-khoan/{people['member']}"


def test_unknown_accounts_answer_404(client, people):
    login(client, MANAGER)
    assert client.get("/quan-ly/thanh-vien/999999/sua").status_code == 404
    assert client.get(f"/quan-ly/thanh-vien/{10**30}").status_code == 404
