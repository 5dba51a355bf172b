"""The ``quiz`` command, through Flask's CLI runner: each command commits once; a broken rule
prints a Vietnamese message, writes nothing and exits non-zero."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from werkzeug.security import check_password_hash

from quiz.accounts.models import Role, User
from quiz.extensions import db as _db
from quiz.units.models import Unit


def count(app, model) -> int:
    with app.app_context():
        return _db.session.scalar(sa.select(sa.func.count()).select_from(model))


def user_by_phone(app, phone: str) -> User | None:
    with app.app_context():
        user = _db.session.scalars(sa.select(User).where(User.phone == phone)).first()
        if user is not None:
            _db.session.expunge(user)
        return user


def failed(result, message: str) -> None:
    """The command failed with ``message`` (in Vietnamese, after “Lỗi:”), not with a traceback."""
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Lỗi: " in result.output
    assert message in result.output, result.output
    assert "Traceback" not in result.output


# -- init ----------------------------------------------------------------------------------------

def test_init(runner):
    result = runner.invoke(args=["init"])
    assert result.exit_code == 0, result.output
    assert "Cơ sở dữ liệu đã ở lược đồ mới nhất." in result.output


def test_help_is_in_vietnamese(runner):
    result = runner.invoke(args=["users", "--help"])
    assert result.exit_code == 0
    assert "Tạo một tài khoản" in result.output and "Đặt vai trò" in result.output


# -- demo ----------------------------------------------------------------------------------------

DEMO_LOGINS = [("0900000001", "quantri2026", Role.ADMIN), ("0900000002", "bantochuc2026", Role.ORGANISER),
               ("0900000003", "donvi2026", Role.UNIT_MANAGER), ("0900000100", "thisinh2026", Role.MEMBER),
               ("0900000119", "thisinh2026", Role.MEMBER)]


def demo_state(app):
    with app.app_context():
        units = _db.session.execute(sa.select(Unit.code, Unit.path, Unit.depth, Unit.headcount, Unit.parent_id)
                                    .order_by(Unit.code)).all()
        users = _db.session.execute(sa.select(User.phone, User.cccd, User.role, User.unit_id, User.managed_unit_id,
                                              User.password_hash).order_by(User.phone)).all()
        return units, users


def test_demo_prints_the_logins_and_builds_the_province(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    for phone, password, _ in DEMO_LOGINS[:4]:
        assert f"{phone} / {password}" in result.output
    assert "0900000101 … 0900000119" in result.output and "mật khẩu thisinh2026" in result.output
    for label in ("Quản trị", "Ban tổ chức", "Quản lý đơn vị", "Thí sinh"):
        assert label in result.output

    with app.app_context():
        units = {u.code: u for u in _db.session.scalars(sa.select(Unit))}
        assert len(units) > 300
        assert max(u.depth for u in units.values()) >= 3  # four levels: tỉnh → huyện → xã → chi bộ
        roots = sorted(u.code for u in units.values() if u.parent_id is None)
        assert roots == ["LDLD", "TU"]  # the party committee tree and the labour federation tree
        by_id = {u.id: u for u in units.values()}
        for unit in units.values():  # paths agree with the parent links
            parent = by_id.get(unit.parent_id)
            assert unit.path == (parent.path if parent else "/") + f"{unit.id}/"
            assert unit.depth == (parent.depth + 1 if parent else 0)
        federation = [u for u in units.values() if u.path.startswith(units["LDLD"].path)]
        assert len(federation) > 20 and max(u.depth for u in federation) == 2
        assert {u.kind for u in federation} >= {"LĐLĐ tỉnh", "LĐLĐ huyện", "Công đoàn ngành", "Công đoàn cơ sở"}
        assert {u.kind for u in units.values() if u.path.startswith(units["TU"].path)} >= {
            "Tỉnh ủy", "Huyện ủy, thành ủy", "Đảng bộ cơ sở", "Chi bộ", "Đảng ủy trực thuộc"}
        assert sum(u.headcount for u in units.values()) > 0

        users = list(_db.session.scalars(sa.select(User)))
        assert len(users) == 23
        assert {u.role for u in users} == set(Role)
        by_phone = {u.phone: u for u in users}
        for phone, password, role in DEMO_LOGINS:
            assert by_phone[phone].role == role
            assert check_password_hash(by_phone[phone].password_hash, password)
        manager = by_phone["0900000003"]
        assert manager.managed_unit.code == "TU.H01" and manager.managed_unit.name == "Thành ủy Bình An"
        assert all(u.unit_id is not None for u in users)
        assert all(u.managed_unit_id is None for u in users if u.role != Role.UNIT_MANAGER)


def test_demo_logins_can_sign_in(app, runner):
    from quiz.accounts import services

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        for phone, password, role in DEMO_LOGINS:
            assert services.authenticate(phone, password).role == role


def test_demo_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    before = demo_state(app)
    counts = count(app, Unit), count(app, User)

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert (count(app, Unit), count(app, User)) == counts
    assert demo_state(app) == before
    assert second.output == first.output


def test_demo_beside_existing_data(app, runner, make_unit, make_user):
    """A database that already has units and accounts gets the demo added, nothing replaced."""
    make_unit("ROOT")
    make_user(phone="0912345678", unit="ROOT", cccd="001090123456")
    assert runner.invoke(args=["demo"]).exit_code == 0
    assert count(app, User) == 24
    assert user_by_phone(app, "0912345678").full_name == "Nguyễn Văn An"


# -- users create --------------------------------------------------------------------------------

@pytest.fixture
def units(make_unit):
    make_unit("TU", name="Tỉnh ủy Bình An")
    make_unit("TU.H01", parent="TU", name="Thành ủy Bình An")


def create(runner, *extra, phone="0987 654 321", cccd="001099000001", unit="TU", password="matkhau123", **kwargs):
    args = ["users", "create", "--name", "Lê Văn Tám", "--phone", phone, "--cccd", cccd, "--unit", unit]
    if password is not None:
        args += ["--password", password]
    return runner.invoke(args=args + list(extra), **kwargs)


def test_users_create_member(app, runner, units):
    result = create(runner)
    assert result.exit_code == 0, result.output
    assert "Đã tạo tài khoản Lê Văn Tám (0987654321), vai trò Thí sinh." in result.output
    user = user_by_phone(app, "0987654321")  # stored normalised
    assert user.role == Role.MEMBER and user.cccd == "001099000001"
    assert check_password_hash(user.password_hash, "matkhau123")
    assert user.password_hash.startswith("pbkdf2:sha256:1000")  # the configured hash method


def test_users_create_admin_with_international_phone(app, runner, units):
    result = create(runner, "--role", "admin", phone="+84 912 000 111")
    assert result.exit_code == 0, result.output
    assert "vai trò Quản trị" in result.output
    assert user_by_phone(app, "0912000111").role == Role.ADMIN


def test_users_create_unit_manager(app, runner, units):
    result = create(runner, "--role", "unit_manager", "--manages", "TU.H01")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = _db.session.scalars(sa.select(User).where(User.phone == "0987654321")).one()
        assert user.role == Role.UNIT_MANAGER and user.managed_unit.code == "TU.H01"


def test_users_create_prompts_for_the_password_twice(app, runner, units):
    result = create(runner, password=None, input="matkhau123\nmatkhau123\n")
    assert result.exit_code == 0, result.output
    assert check_password_hash(user_by_phone(app, "0987654321").password_hash, "matkhau123")


@pytest.mark.parametrize("extra, kwargs, message", [
    ((), {"unit": "KHONGCO"}, "Không có đơn vị mã “KHONGCO”."),
    (("--role", "unit_manager", "--manages", "KHONGCO"), {}, "Không có đơn vị mã “KHONGCO”."),
    (("--role", "unit_manager"), {}, "Quản lý đơn vị phải gắn với một đơn vị."),
    ((), {"password": "ngan"}, "Mật khẩu cần ít nhất 8 ký tự."),
    ((), {"phone": "12345"}, "Số điện thoại không hợp lệ"),
    ((), {"cccd": "123"}, "Số CCCD không hợp lệ"),
])
def test_users_create_errors_write_nothing(app, runner, units, extra, kwargs, message):
    failed(create(runner, *extra, **kwargs), message)
    assert count(app, User) == 0


def test_users_create_refuses_a_phone_or_cccd_already_used(app, runner, units):
    assert create(runner).exit_code == 0
    failed(create(runner, phone="0987.654.321", cccd="001099000002"), "Số điện thoại này đã được dùng")
    failed(create(runner, phone="0912000222", cccd="001099000001"), "Số CCCD này đã được dùng")
    assert count(app, User) == 1


# -- users set-role ------------------------------------------------------------------------------

@pytest.fixture
def member(make_unit, make_user):
    """An account 0912345678 in unit ROOT. The unit is made first: ``make_user`` making it
    itself, inside its own app context, waits on SQLite's write lock (see the report)."""
    make_unit("ROOT")
    return make_user(phone="0912345678", full_name="Trần Thị Bích")


def test_users_set_role(app, runner, member):
    assert member.role == Role.MEMBER
    result = runner.invoke(args=["users", "set-role", "0912 345 678", "organiser"])
    assert result.exit_code == 0, result.output
    assert "Trần Thị Bích: Ban tổ chức." in result.output
    assert user_by_phone(app, "0912345678").role == Role.ORGANISER


def test_users_set_role_unit_manager_and_back(app, runner, member, make_unit):
    make_unit("H01", parent="ROOT")
    result = runner.invoke(args=["users", "set-role", "0912345678", "unit_manager", "--manages", "H01"])
    assert result.exit_code == 0, result.output
    assert "Trần Thị Bích: Quản lý đơn vị." in result.output
    with app.app_context():
        user = _db.session.scalars(sa.select(User).where(User.phone == "0912345678")).one()
        assert user.role == Role.UNIT_MANAGER and user.managed_unit.code == "H01"
    result = runner.invoke(args=["users", "set-role", "0912345678", "member"])
    assert result.exit_code == 0, result.output
    user = user_by_phone(app, "0912345678")
    assert user.role == Role.MEMBER and user.managed_unit_id is None


@pytest.mark.parametrize("args, message", [
    (["0999999999", "admin"], "Không tìm thấy tài khoản có số điện thoại này."),
    (["abc", "admin"], "Số điện thoại không hợp lệ"),
    (["0912345678", "unit_manager"], "Quản lý đơn vị phải gắn với một đơn vị."),
    (["0912345678", "unit_manager", "--manages", "KHONGCO"], "Không có đơn vị mã “KHONGCO”."),
])
def test_users_set_role_errors_change_nothing(app, runner, member, args, message):
    failed(runner.invoke(args=["users", "set-role", *args]), message)
    assert user_by_phone(app, "0912345678").role == Role.MEMBER


def test_the_last_admin_keeps_the_role(app, runner, make_unit, make_user):
    make_unit("ROOT")
    make_user(phone="0912345678", role="admin")
    failed(runner.invoke(args=["users", "set-role", "0912345678", "member"]),
           "Không thể bỏ quyền của quản trị viên cuối cùng.")
    assert user_by_phone(app, "0912345678").role == Role.ADMIN
    make_user(phone="0912345679", role="admin")
    assert runner.invoke(args=["users", "set-role", "0912345678", "member"]).exit_code == 0
    assert user_by_phone(app, "0912345678").role == Role.MEMBER


def test_unknown_role_is_refused_by_click(app, runner, member):
    result = runner.invoke(args=["users", "set-role", "0912345678", "boss"])
    assert result.exit_code == 2  # a usage error, from click
    assert user_by_phone(app, "0912345678").role == Role.MEMBER


# -- units import --------------------------------------------------------------------------------

def test_units_import_and_dry_run(app, runner, tmp_path):
    csv = tmp_path / "don-vi.csv"
    csv.write_text("Mã đơn vị,Tên đơn vị,Mã đơn vị cấp trên,Số người\nTU,Tỉnh ủy,,0\nH01,Huyện ủy A,TU,25\n",
                   encoding="utf-8")
    dry = runner.invoke(args=["units", "import", "--dry-run", str(csv)])
    assert dry.exit_code == 0, dry.output
    assert "chạy thử" in dry.output and "2 đơn vị mới" in dry.output
    assert count(app, Unit) == 0
    real = runner.invoke(args=["units", "import", str(csv)])
    assert real.exit_code == 0, real.output
    assert "2 đơn vị mới" in real.output
    assert count(app, Unit) == 2


def test_units_import_lists_every_problem(app, runner, tmp_path):
    csv = tmp_path / "don-vi.csv"
    csv.write_text("Mã đơn vị,Tên đơn vị,Mã đơn vị cấp trên\nTU,Tỉnh ủy,\nH01,,TU\nH02,Huyện B,XX\n",
                   encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(csv)])
    failed(result, "Tệp có 2 lỗi")
    assert re.search(r"dòng 3: .*chưa có tên", result.output)
    assert re.search(r"dòng 4: .*“XX”", result.output)
    assert count(app, Unit) == 0
