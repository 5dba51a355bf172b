"""What someone else does to an account (``quiz.accounts.management``), with ``now`` injected:
reset the password, correct the details, move between units, lock and unlock, change the
role; who may act on whom; each action in the audit log, in its own transaction."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from quiz.accounts import management, services, sessions
from quiz.accounts.models import User, UserSession
from quiz.audit import services as audit
from quiz.audit.models import AuditEntry
from quiz.errors import Conflict, DomainError, Forbidden
from quiz.units.services import by_code

NOW = datetime(2026, 3, 4, 9, 30)


@pytest.fixture
def tree(make_unit):
    """TINH › HUYEN1 › XA1, TINH › HUYEN2: made before any account (see conftest.make_user)."""
    make_unit("TINH", name="Tỉnh ủy Bình An")
    make_unit("HUYEN1", "TINH", name="Huyện ủy Tân Phú")
    make_unit("XA1", "HUYEN1", name="Đảng bộ xã Phú Lộc")
    make_unit("HUYEN2", "TINH", name="Huyện ủy Đông Sơn")


@pytest.fixture
def people(tree, make_user):
    """An administrator, the manager of HUYEN1, members in XA1 and HUYEN2, an organiser in XA1."""
    return {
        "admin": make_user(phone="0901000001", role="admin", unit="TINH", full_name="Quản Trị Viên").id,
        "manager": make_user(phone="0901000002", role="unit_manager", unit="HUYEN1", managed="HUYEN1",
                             full_name="Lê Văn Quản").id,
        "member": make_user(phone="0901000003", unit="XA1", cccd="001090000003", full_name="Trần Thị Bình").id,
        "other": make_user(phone="0901000004", unit="HUYEN2", cccd="001090000004", full_name="Phạm Văn Khác").id,
        "organiser": make_user(phone="0901000005", role="organiser", unit="XA1", full_name="Đỗ Tổ Chức").id,
    }


def load(db, people, *names):
    return [db.session.get(User, people[name]) for name in names]


def entries(db, **where):
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(db.session.scalars(stmt))


def live_token(db, user: User) -> str:
    """A session of ``user`` opened just before NOW."""
    token = sessions.start(user, now=NOW)
    db.session.commit()
    assert sessions.current(token, now=NOW).user.id == user.id
    return token


def end_reasons(db, user: User) -> list[str | None]:
    return list(db.session.scalars(select(UserSession.end_reason).where(UserSession.user_id == user.id)))


def details_of(user: User, **changes) -> services.Details:
    values = {"full_name": user.full_name, "birth_date": user.birth_date, "gender": user.gender,
              "phone": user.phone, "cccd": user.cccd, "email": user.email, "unit": user.unit,
              "category": user.category}
    return services.Details(**{**values, **changes})


# Reset ---------------------------------------------------------------------------------------

def test_reset_gives_a_temporary_password_ends_sessions_and_is_logged(db, people):
    admin, member = load(db, people, "admin", "member")
    tokens = [live_token(db, member), live_token(db, member)]
    password = management.reset_password(admin, member, now=NOW)
    db.session.commit()
    assert len(password) == management.TEMPORARY_LENGTH and set(password) <= set(management.TEMPORARY_ALPHABET)
    assert check_password_hash(member.password_hash, password)
    assert not check_password_hash(member.password_hash, "matkhau123")
    assert member.must_change_password
    assert [sessions.current(token, now=NOW) for token in tokens] == [None, None]
    assert end_reasons(db, member) == ["reset", "reset"]
    (entry,) = entries(db, action="user.reset_password")
    assert (entry.actor_id, entry.target_user_id, entry.at) == (admin.id, member.id, NOW)
    assert "Trần Thị Bình" in entry.summary and password not in entry.summary + str(entry.changes)
    assert services.authenticate("0901000003", password).id == member.id


def test_temporary_passwords_differ(db, people):
    admin, member = load(db, people, "admin", "member")
    assert len({management.reset_password(admin, member, now=NOW) for _ in range(5)}) == 5


def test_a_unit_manager_resets_a_member_of_the_subtree(db, people):
    manager, member = load(db, people, "manager", "member")
    management.reset_password(manager, member, now=NOW)
    assert member.must_change_password
    assert entries(db, action="user.reset_password")[0].actor_id == manager.id


@pytest.mark.parametrize("target", ["other", "organiser", "admin", "manager"])
def test_a_unit_manager_cannot_reset_outside_the_subtree_nor_a_non_member(db, people, target):
    manager, user = load(db, people, "manager", target)
    before, token = user.password_hash, live_token(db, user)
    with pytest.raises(Forbidden) as refused:
        management.reset_password(manager, user, now=NOW)
    assert refused.value.status == 403 and "đơn vị mình quản lý" in refused.value.message
    assert user.password_hash == before and entries(db) == []
    assert sessions.current(token, now=NOW).user.id == user.id


@pytest.mark.parametrize("role", ["organiser", "member"])
def test_organisers_and_members_reset_nobody(db, people, role):
    actor, member = load(db, people, role, "member")
    with pytest.raises(Forbidden):
        management.reset_password(actor, member, now=NOW)


def test_nobody_resets_their_own_password_here(db, people):
    (admin,) = load(db, people, "admin")
    with pytest.raises(DomainError, match="Đổi mật khẩu"):
        management.reset_password(admin, admin, now=NOW)


def test_the_command_line_resets_with_no_actor(db, people):
    (member,) = load(db, people, "member")
    management.reset_password(None, member, now=NOW)
    assert entries(db)[0].actor_id is None


def test_changing_the_temporary_password_clears_the_flag(db, people):
    admin, member = load(db, people, "admin", "member")
    password = management.reset_password(admin, member, now=NOW)
    with pytest.raises(DomainError, match="khác mật khẩu tạm thời"):
        services.change_password(member, password, password, now=NOW)
    services.change_password(member, password, "matkhaumoi456", now=NOW)
    assert not member.must_change_password
    assert check_password_hash(member.password_hash, "matkhaumoi456")


def test_reset_does_not_commit(db, people):
    admin, member = load(db, people, "admin", "member")
    management.reset_password(admin, member, now=NOW)
    db.session.rollback()
    assert not db.session.get(User, people["member"]).must_change_password
    assert entries(db) == []


# Edit ----------------------------------------------------------------------------------------

def test_edit_normalises_and_logs_the_changed_fields(db, people):
    admin, member = load(db, people, "admin", "member")
    changes = management.edit(admin, member, details_of(
        member, full_name="  Trần   Thị Bình An ", phone="+84 901 000 099", cccd="001 090 000 099",
        birth_date=date(1991, 2, 3), category="doan_vien"), now=NOW)
    db.session.commit()
    assert (member.full_name, member.phone, member.cccd) == ("Trần Thị Bình An", "0901000099", "001090000099")
    assert changes == {"full_name": ["Trần Thị Bình", "Trần Thị Bình An"], "phone": ["0901000003", "0901000099"],
                       "cccd": ["001090000003", "001090000099"], "birth_date": ["01/01/1990", "03/02/1991"],
                       "category": ["Đảng viên", "Đoàn viên"]}
    (entry,) = entries(db, action="user.edit")
    assert (entry.actor_id, entry.target_user_id, entry.at, entry.changes) == (admin.id, member.id, NOW, changes)
    assert services.authenticate("0901 000 099", "matkhau123").id == member.id


def test_edit_without_a_change_logs_nothing(db, people):
    admin, member = load(db, people, "admin", "member")
    assert management.edit(admin, member, details_of(member, phone="0901.000.003"), now=NOW) == {}
    assert entries(db) == []


def test_edit_refuses_a_phone_and_a_cccd_of_another_account_at_once(db, people):
    admin, member, other = load(db, people, "admin", "member", "other")
    with pytest.raises(services.Invalid) as refused:
        management.edit(admin, member, details_of(member, phone="0901 000 004", cccd="001090000004"), now=NOW)
    assert refused.value.status == 409
    assert refused.value.fields == {"phone": "Số điện thoại này đã được dùng cho một tài khoản khác.",
                                    "cccd": "Số CCCD này đã được dùng cho một tài khoản khác."}
    db.session.rollback()
    assert db.session.get(User, people["member"]).phone == "0901000003" and entries(db) == []


def test_edit_lists_every_bad_field(db, people):
    admin, member = load(db, people, "admin", "member")
    with pytest.raises(services.Invalid) as refused:
        management.edit(admin, member, details_of(member, full_name="Bình 3", phone="123", cccd="12", unit=None,
                                                  email="khong-phai-thu", birth_date=date(2030, 1, 1)), now=NOW)
    assert set(refused.value.fields) == {"full_name", "phone", "cccd", "unit", "email", "birth_date"}
    assert refused.value.status == 400


def test_an_administrator_moves_a_member_anywhere(db, people):
    admin, member = load(db, people, "admin", "member")
    changes = management.edit(admin, member, details_of(member, unit=by_code("HUYEN2")), now=NOW)
    db.session.commit()
    assert member.unit.code == "HUYEN2"
    assert changes == {"unit": ["Đảng bộ xã Phú Lộc (XA1)", "Huyện ủy Đông Sơn (HUYEN2)"]}


def test_a_unit_manager_moves_a_member_within_the_subtree_only(db, people):
    manager, member = load(db, people, "manager", "member")
    management.edit(manager, member, details_of(member, unit=by_code("HUYEN1")), now=NOW)
    assert member.unit.code == "HUYEN1"
    with pytest.raises(Forbidden) as refused:
        management.edit(manager, member, details_of(member, unit=by_code("HUYEN2")), now=NOW)
    assert refused.value.field == "unit" and refused.value.status == 403


def test_a_unit_manager_cannot_edit_a_member_of_another_unit(db, people):
    manager, other = load(db, people, "manager", "other")
    with pytest.raises(Forbidden):
        management.edit(manager, other, details_of(other, full_name="Tên Khác"), now=NOW)
    assert other.full_name == "Phạm Văn Khác"


# Lock ----------------------------------------------------------------------------------------

def test_lock_blocks_login_ends_sessions_and_keeps_the_account(db, people):
    manager, member = load(db, people, "manager", "member")
    token = live_token(db, member)
    management.lock(manager, member, now=NOW)
    db.session.commit()
    assert not member.active
    with pytest.raises(DomainError, match="đã bị khóa"):
        services.authenticate("0901000003", "matkhau123")
    assert sessions.current(token, now=NOW) is None and end_reasons(db, member) == ["locked"]
    with pytest.raises(Conflict):
        management.lock(manager, member, now=NOW)
    management.unlock(manager, member, now=NOW)
    db.session.commit()
    assert services.authenticate("0901000003", "matkhau123").id == member.id
    assert sessions.current(token, now=NOW) is None  # the sessions before the lock stay ended
    assert [(e.action, e.actor_id, e.target_user_id) for e in entries(db)] == [
        ("user.lock", manager.id, member.id), ("user.unlock", manager.id, member.id)]
    with pytest.raises(Conflict):
        management.unlock(manager, member, now=NOW)


def test_lock_scope_and_self(db, people):
    manager, other, admin = load(db, people, "manager", "other", "admin")
    with pytest.raises(Forbidden):
        management.lock(manager, other, now=NOW)
    with pytest.raises(DomainError, match="tự khoá"):
        management.lock(admin, admin, now=NOW)
    assert other.active and admin.active


# Roles ---------------------------------------------------------------------------------------

def test_a_role_change_is_logged_with_what_changed(db, people):
    admin, member = load(db, people, "admin", "member")
    changes = management.change_role(admin, member, "unit_manager", by_code("XA1"), now=NOW)
    assert changes == {"role": ["Thí sinh", "Quản lý đơn vị"], "managed_unit": [None, "Đảng bộ xã Phú Lộc (XA1)"]}
    (entry,) = entries(db, action="user.set_role")
    assert (entry.actor_id, entry.target_user_id, entry.changes) == (admin.id, member.id, changes)
    assert management.change_role(admin, member, "unit_manager", by_code("XA1"), now=NOW) == {}
    assert len(entries(db)) == 1


def test_a_unit_manager_changes_no_role(db, people):
    manager, member = load(db, people, "manager", "member")
    with pytest.raises(Forbidden):
        management.change_role(manager, member, "organiser", None, now=NOW)
    assert member.role == "member"


# Reading the log -----------------------------------------------------------------------------

def test_the_whole_log_newest_first_with_names_and_pages(db, people):
    admin, member, other = load(db, people, "admin", "member", "other")
    management.lock(admin, member, now=NOW)
    management.edit(admin, other, details_of(other, full_name="Phạm Văn Mới"), now=NOW.replace(minute=31))
    audit.record("contest.create", "Tạo cuộc thi", actor_id=None, now=NOW.replace(minute=32))
    lines = management.log()
    assert [line.action for line in lines] == ["contest.create", "user.edit", "user.lock"]
    assert lines[0].actor == "Dòng lệnh trên máy chủ" and lines[0].target is None
    assert lines[1].actor == "Quản Trị Viên" and lines[1].target == "Phạm Văn Mới (0901000004)"
    assert lines[1].changes == ["Họ và tên: Phạm Văn Khác → Phạm Văn Mới"]
    assert lines[2].action_label == "khoá tài khoản"
    assert [line.action for line in management.log(offset=1, limit=1)] == ["user.edit"]
    assert [line.action for line in management.account_log(member)] == ["user.lock"]
