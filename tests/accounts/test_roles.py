"""Roles: the administrator's accounts pages, and the ``set_role`` rules."""
import pytest
from sqlalchemy import select

from conftest import Auth, post_form
from quiz.accounts import services
from quiz.accounts.models import Role, User
from quiz.errors import Conflict, DomainError
from quiz.extensions import db
from quiz.units.services import by_code

ADMIN_PHONE = "0900000001"


@pytest.fixture
def units(make_unit):
    """Root units only, made before any account (``make_user`` cannot create them on SQLite)."""
    return {code: make_unit(code, name=f"Đơn vị {code}") for code in ("ROOT", "HU01", "HU02")}


@pytest.fixture
def admin(units, make_user):
    return make_user(phone=ADMIN_PHONE, role="admin", full_name="Quản Trị Viên")


@pytest.fixture
def member(units, make_user):
    return make_user(phone="0900000002", full_name="Phạm Thị Dung")


def as_admin(client):
    assert Auth(client).login(ADMIN_PHONE).status_code == 302
    return client


def role_of(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        return user.role, (user.managed_unit.code if user.managed_unit else None)


def set_role(client, user_id, role, unit_query="", unit_id=""):
    url = f"/quan-tri/tai-khoan/{user_id}"
    return post_form(client, url, {"role": role, "unit_id": unit_id, "unit_query": unit_query})


ADMIN_PAGES = ["/quan-tri/tai-khoan", "/quan-tri/tai-khoan/{id}", "/quan-tri/tai-khoan?q=Dung"]


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_anonymous_is_sent_to_login(client, member, page):
    r = client.get(page.format(id=member.id))
    assert r.status_code == 302
    assert r.headers["Location"].startswith("/dang-nhap?next=")


@pytest.mark.parametrize("role, managed", [("member", None), ("organiser", None), ("unit_manager", "HU01")])
@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_other_roles_get_403(client, units, make_user, member, role, managed, page):
    make_user(phone="0911111111", role=role, managed=managed)
    assert Auth(client).login("0911111111").status_code == 302
    r = client.get(page.format(id=member.id))
    assert r.status_code == 403
    assert "Không có quyền truy cập" in r.get_data(as_text=True)


@pytest.mark.parametrize("role, managed", [("member", None), ("organiser", None), ("unit_manager", "HU01")])
def test_other_roles_cannot_post_a_role_change(client, app, units, make_user, member, role, managed):
    make_user(phone="0911111111", role=role, managed=managed)
    Auth(client).login("0911111111")
    r = post_form(client, f"/quan-tri/tai-khoan/{member.id}", {"role": "admin"}, token_from="/tai-khoan")
    assert r.status_code == 403  # a valid token of their own session, still no right
    assert role_of(app, member.id) == ("member", None)


def test_admin_sees_and_searches_accounts(client, admin, member):
    def listed(query=""):  # the table only: the admin's own name is also in the menu
        page = client.get("/quan-tri/tai-khoan", query_string={"q": query})
        assert page.status_code == 200
        return page.get_data(as_text=True).split("<table", 1)[1]

    as_admin(client)
    page = listed()
    assert "Phạm Thị Dung" in page and "Quản Trị Viên" in page
    found = listed("Dung")
    assert "Phạm Thị Dung" in found and "Quản Trị Viên" not in found
    by_phone = listed("+84 900 000 002")
    assert "Phạm Thị Dung" in by_phone and "Quản Trị Viên" not in by_phone
    wildcard = listed("%")  # "%" is text to find, not a pattern matching everyone
    assert "Phạm Thị Dung" not in wildcard and "Không có tài khoản nào khớp." in wildcard
    assert "Phạm Thị Dung" not in listed("D_ng")  # nor "_" a wildcard
    assert "Không có tài khoản nào khớp." in listed("x" * 10_000)


def test_admin_pages_answer_404_for_an_unknown_account(client, admin):
    as_admin(client)
    for user_id in (999_999, 10**30):
        r = client.get(f"/quan-tri/tai-khoan/{user_id}")
        assert r.status_code == 404
        assert "Không tìm thấy" in r.get_data(as_text=True)


def test_admin_sets_a_role(client, app, admin, member):
    as_admin(client)
    r = set_role(client, member.id, "organiser")
    assert r.status_code == 302 and r.headers["Location"] == f"/quan-tri/tai-khoan/{member.id}"
    assert role_of(app, member.id) == ("organiser", None)
    assert "Đã cập nhật vai trò của Phạm Thị Dung." in client.get(r.headers["Location"]).get_data(as_text=True)


def test_admin_makes_a_unit_manager_by_unit_id_or_code(client, app, admin, member, units):
    as_admin(client)
    assert set_role(client, member.id, "unit_manager", unit_id=str(units["HU01"].id)).status_code == 302
    assert role_of(app, member.id) == ("unit_manager", "HU01")
    assert set_role(client, member.id, "unit_manager", unit_query="HU02").status_code == 302
    assert role_of(app, member.id) == ("unit_manager", "HU02")
    assert set_role(client, member.id, "member", unit_query="HU02").status_code == 302
    assert role_of(app, member.id) == ("member", None)  # a member manages nothing


@pytest.mark.parametrize("unit_id, unit_query", [("", ""), ("", "KHONG-CO"), ("9" * 40, ""), ("²", "")])
def test_unit_manager_without_a_unit_is_refused(client, app, admin, member, unit_id, unit_query):
    as_admin(client)
    r = set_role(client, member.id, "unit_manager", unit_query=unit_query, unit_id=unit_id)
    assert r.status_code == 400
    assert "Quản lý đơn vị phải gắn với một đơn vị." in r.get_data(as_text=True)
    assert role_of(app, member.id) == ("member", None)


def test_an_unknown_role_is_refused(client, app, admin, member):
    as_admin(client)
    r = set_role(client, member.id, "superuser")
    assert 400 <= r.status_code < 500
    assert "Lựa chọn không hợp lệ" in r.get_data(as_text=True)
    assert role_of(app, member.id) == ("member", None)


def test_the_last_admin_cannot_remove_their_own_admin_role(client, app, admin):
    as_admin(client)
    r = set_role(client, admin.id, "member")
    assert r.status_code == 409
    assert "Không thể bỏ quyền của quản trị viên cuối cùng." in r.get_data(as_text=True)
    assert role_of(app, admin.id) == ("admin", None)
    assert client.get("/quan-tri/tai-khoan").status_code == 200


def test_an_admin_may_step_down_when_another_remains(client, app, admin, make_user):
    make_user(phone="0900000009", role="admin")
    as_admin(client)
    assert set_role(client, admin.id, "member").status_code == 302
    assert role_of(app, admin.id) == ("member", None)
    assert client.get("/quan-tri/tai-khoan").status_code == 403


def test_menu_shows_the_accounts_page_only_to_admins(client, admin, member):
    Auth(client).login("0900000002")
    assert "/quan-tri/tai-khoan" not in client.get("/").get_data(as_text=True)
    Auth(client).logout()
    as_admin(client)
    assert "/quan-tri/tai-khoan" in client.get("/").get_data(as_text=True)


# The service itself (no HTTP): explicit arguments, the caller commits.

def test_set_role_refuses_an_unknown_role(db, admin, member):
    user = db.session.get(User, member.id)
    with pytest.raises(DomainError) as refused:
        services.set_role(user, "chu-tich")
    assert refused.value.field == "role" and refused.value.message == "Vai trò không hợp lệ."
    assert user.role == "member"


def test_set_role_needs_a_unit_for_a_unit_manager(db, admin, member):
    user = db.session.get(User, member.id)
    with pytest.raises(DomainError) as refused:
        services.set_role(user, Role.UNIT_MANAGER, None)
    assert refused.value.field == "unit"
    assert user.role == "member" and user.managed_unit is None


def test_set_role_keeps_the_last_admin(db, admin):
    user = db.session.get(User, admin.id)
    for role in ("member", "organiser", "unit_manager"):
        with pytest.raises(Conflict):
            services.set_role(user, role, by_code("HU01"))
    assert user.role == "admin"


def test_set_role_binds_and_unbinds_the_managed_unit(db, admin, member):
    user = db.session.get(User, member.id)
    services.set_role(user, "unit_manager", by_code("HU01"))
    db.session.commit()
    assert db.session.scalar(select(User.managed_unit_id).where(User.id == member.id)) == by_code("HU01").id
    services.set_role(user, "organiser", by_code("HU01"))
    db.session.commit()
    assert db.session.scalars(select(User).where(User.id == member.id)).one().managed_unit_id is None


def test_set_role_does_not_commit(app, db, admin, member):
    services.set_role(db.session.get(User, member.id), "organiser")
    db.session.rollback()
    assert db.session.get(User, member.id).role == "member"


def test_get_user_answers_not_found(db):
    with pytest.raises(DomainError) as refused:
        services.get_user(12345)
    assert refused.value.status == 404
