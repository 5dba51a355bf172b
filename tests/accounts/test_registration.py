"""Registration through the pages: one account per person, refusals write nothing."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from conftest import post_form
from quiz.accounts.models import User
from quiz.extensions import db

TEXT_FIELDS = ["full_name", "birth_date", "gender", "phone", "cccd", "email", "unit_id", "unit_query",
               "category", "password", "password2"]


@pytest.fixture
def unit(make_unit):
    return make_unit("ROOT", name="Đảng bộ tỉnh")


@pytest.fixture
def form(unit):
    """A registration a browser would send; tests change one field at a time."""
    return {
        "full_name": "Trần Thị Bích", "birth_date": "1995-03-04", "gender": "nu", "phone": "0912 345 678",
        "cccd": "001095000123", "email": "bich@example.vn", "unit_id": str(unit.id), "unit_query": unit.name,
        "category": "doan_vien", "password": "matkhau123", "password2": "matkhau123"}


@pytest.fixture
def accounts(app):
    """How many accounts the database holds now."""
    def read():
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(User))
    return read


def register(client, form, **changes):
    return post_form(client, "/dang-ky", {**form, **changes})


def text(response) -> str:
    return response.get_data(as_text=True)


def test_registration_logs_in_and_stores_normalised_identity(client, app, form, unit, accounts):
    r = register(client, form, phone="+84 912.345.678", cccd="001 095 000 123")
    assert r.status_code == 302 and r.headers["Location"] == "/"
    assert accounts() == 1
    profile = client.get("/tai-khoan")
    assert profile.status_code == 200
    page = text(profile)
    assert "Trần Thị Bích" in page and "04/03/1995" in page and unit.name in page
    with app.app_context():
        user = db.session.scalars(select(User)).one()
        assert (user.phone, user.cccd, user.unit_id, user.role) == ("0912345678", "001095000123", unit.id, "member")
        assert user.email == "bich@example.vn" and user.gender == "nu" and user.category == "doan_vien"


def test_password_is_stored_hashed(client, app, form):
    assert register(client, form).status_code == 302
    with app.app_context():
        stored = db.session.scalars(select(User.password_hash)).one()
    assert stored != "matkhau123" and "matkhau123" not in stored
    assert stored.startswith("pbkdf2:sha256:")
    assert check_password_hash(stored, "matkhau123")
    assert not check_password_hash(stored, "matkhau124")


def test_a_logged_in_person_is_sent_home_from_the_register_page(client, form):
    register(client, form)
    r = client.get("/dang-ky")
    assert r.status_code == 302 and r.headers["Location"] == "/"


def test_unit_chosen_by_typing_its_code(client, app, form, make_unit):
    branch = make_unit("CB01", name="Chi bộ ấp Bắc")
    r = register(client, form, unit_id="", unit_query="CB01")
    assert r.status_code == 302, text(r)
    with app.app_context():
        assert db.session.scalars(select(User.unit_id)).one() == branch.id


def test_duplicate_phone_written_another_way_is_refused(client, form, make_user, accounts):
    make_user(phone="0912345678", cccd="001090000001")
    r = register(client, form, phone="+84 912 345 678")
    assert r.status_code == 409
    assert "Số điện thoại này đã được dùng" in text(r)
    assert accounts() == 1


def test_duplicate_cccd_is_refused(client, form, make_user, accounts):
    make_user(phone="0987654321", cccd="001095000123")
    r = register(client, form, cccd="001.095.000.123")
    assert r.status_code == 409
    assert "Số CCCD này đã được dùng" in text(r)
    assert accounts() == 1


@pytest.mark.parametrize("changes", [
    {"unit_id": "", "unit_query": ""},
    {"unit_id": "", "unit_query": "KHONG-CO-MA-NAY"},
    {"unit_id": "999999", "unit_query": ""},
    {"unit_id": "²", "unit_query": ""},                 # str.isdigit() but not int()-able
    {"unit_id": "9" * 25, "unit_query": ""},            # too big for any id column
    {"unit_id": "9" * 10_000, "unit_query": ""},        # too long even for int()
], ids=["none", "unknown-code", "unknown-id", "superscript", "huge-id", "10k-digits"])
def test_missing_or_unknown_unit_is_refused(client, form, accounts, changes):
    r = register(client, form, **changes)
    assert r.status_code == 400
    assert "Vui lòng chọn đơn vị của bạn" in text(r)
    assert accounts() == 0


def test_script_in_name_is_refused_and_never_echoed_raw(client, form, accounts):
    r = register(client, form, full_name="<script>alert(1)</script>")
    assert r.status_code == 400
    page = text(r)
    assert "Họ và tên chỉ gồm chữ cái" in page
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown back, as text
    assert accounts() == 0


def test_script_in_other_fields_is_never_echoed_raw(client, form, accounts):
    attack = '"><script>alert(1)</script>'
    r = register(client, form, **{k: attack for k in ("phone", "cccd", "email", "unit_query")})
    assert 400 <= r.status_code < 500
    assert "<script>alert" not in text(r)
    assert accounts() == 0


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_ten_thousand_characters_in_a_field_give_a_message_not_500(client, form, accounts, field):
    r = register(client, form, **{field: "x" * 10_000})
    assert 400 <= r.status_code < 500, r.status_code
    page = text(r)
    assert 'class="error"' in page or 'class="flash error"' in page, "no message shown"
    assert "Field cannot be longer" not in page and "Not a valid" not in page  # Vietnamese only
    assert accounts() == 0


def test_ten_thousand_characters_in_every_field_at_once(client, form, accounts):
    r = register(client, form, **{field: "x" * 10_000 for field in TEXT_FIELDS})
    assert r.status_code == 422
    page = text(r)
    assert "Dài tối đa 120 ký tự." in page          # full name
    assert "Lựa chọn không hợp lệ" in page           # gender, category
    assert "Ngày không hợp lệ" in page               # birth date
    assert "Mật khẩu từ 8 đến 128 ký tự." in page
    assert "x" * 10_000 not in page.split("<form")[0]  # nothing echoed above the form
    assert accounts() == 0


def test_password_mismatch(client, form, accounts):
    r = register(client, form, password2="matkhau124")
    assert r.status_code == 422
    assert "Hai lần nhập mật khẩu không khớp." in text(r)
    assert accounts() == 0


def test_short_password(client, form, accounts):
    r = register(client, form, password="ngan", password2="ngan")
    assert r.status_code == 422
    assert "Mật khẩu từ 8 đến 128 ký tự." in text(r)
    assert accounts() == 0


def test_birth_date_in_the_future(client, form, accounts):
    future = date.today() + timedelta(days=2)
    r = register(client, form, birth_date=future.isoformat())
    assert r.status_code == 400
    assert "Ngày sinh không hợp lệ." in text(r)
    assert accounts() == 0


def test_birth_date_in_vietnamese_order_is_read(client, app, form):
    assert register(client, form, birth_date="04/03/1995").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(User.birth_date)).one() == date(1995, 3, 4)


@pytest.mark.parametrize("changes, message", [
    ({"phone": "12345"}, "Số điện thoại không hợp lệ"),
    ({"cccd": "0010950001"}, "Số CCCD không hợp lệ"),
    ({"email": "khong-phai-thu"}, "Địa chỉ thư điện tử không hợp lệ."),
    ({"full_name": ""}, "Vui lòng nhập mục này."),
    ({"full_name": "Nguyễn Văn 3"}, "Họ và tên chỉ gồm chữ cái"),
    ({"gender": "x"}, "Lựa chọn không hợp lệ"),
    ({"category": "x"}, "Lựa chọn không hợp lệ"),
    ({"birth_date": "1800-01-01"}, "Ngày sinh không hợp lệ."),
    ({"birth_date": "31/02/1990"}, "Ngày không hợp lệ"),
])
def test_each_bad_field_is_refused_in_vietnamese_and_writes_nothing(client, form, accounts, changes, message):
    r = register(client, form, **changes)
    assert 400 <= r.status_code < 500
    assert message in text(r)
    assert accounts() == 0


# Without JavaScript: the unit is searched when the form is sent; every problem at once ---------

@pytest.fixture
def cells(unit, make_unit):
    """Two cells named alike in two communes, and one other."""
    make_unit("X1", "ROOT", name="Đảng bộ xã Phú Lộc")
    make_unit("X2", "ROOT", name="Đảng bộ xã Tân Hòa")
    return {"loc": make_unit("X1.C1", "X1", name="Chi bộ ấp Bắc"), "hoa": make_unit("X2.C1", "X2", name="Chi bộ ấp Bắc"),
            "nam": make_unit("X2.C2", "X2", name="Chi bộ ấp Nam")}


def test_a_typed_unit_name_shows_the_matches_to_choose_from(client, app, form, cells, accounts):
    r = register(client, form, unit_id="", unit_query="ap bac")
    assert r.status_code == 400 and accounts() == 0
    page = text(r)
    assert "Vui lòng chọn đơn vị của bạn" in page
    assert "2 đơn vị khớp “ap bac”" in page
    assert f'name="unit_pick" value="{cells["loc"].id}"' in page and f'value="{cells["hoa"].id}"' in page
    assert "Đảng bộ xã Phú Lộc" in page and "Đảng bộ xã Tân Hòa" in page     # where each sits
    assert f'value="{cells["nam"].id}"' not in page
    assert page.count('value="matkhau123"') == 2                             # the passwords are kept
    assert 'value="Trần Thị Bích"' in page and 'value="0912 345 678"' in page
    assert r.headers["Cache-Control"] == "no-store"
    r = register(client, form, unit_id="", unit_query="ap bac", unit_pick=str(cells["hoa"].id))
    assert r.status_code == 302, text(r)
    with app.app_context():
        assert db.session.scalars(select(User.unit_id)).one() == cells["hoa"].id


def test_no_matching_unit_says_so(client, form, cells, accounts):
    r = register(client, form, unit_id="", unit_query="khong co don vi nay")
    assert r.status_code == 400
    assert "Không tìm thấy đơn vị nào khớp “khong co don vi nay”" in text(r)
    assert 'name="unit_pick"' not in text(r) and accounts() == 0


def test_a_picked_unit_stays_chosen_when_another_field_is_refused(client, app, form, cells, accounts):
    r = register(client, form, unit_id="", unit_query="ap bac", unit_pick=str(cells["loc"].id), phone="123")
    assert r.status_code == 400
    page = text(r)
    assert "Số điện thoại không hợp lệ" in page
    assert f'id="unit_id" name="unit_id" type="hidden" value="{cells["loc"].id}"' in page
    assert "Đã chọn: Chi bộ ấp Bắc (X1.C1)" in page and 'name="unit_pick"' not in page
    r = register(client, form, unit_id=str(cells["loc"].id), unit_query="ap bac")
    assert r.status_code == 302 and accounts() == 1


def test_every_problem_shows_at_once(client, form, accounts):
    r = register(client, form, full_name="Nguyễn Văn 3", phone="123", cccd="45", email="khong-phai-thu",
                 unit_id="", unit_query="", birth_date="1800-01-01")
    assert r.status_code == 400
    page = text(r)
    for message in ("Họ và tên chỉ gồm chữ cái", "Số điện thoại không hợp lệ", "Số CCCD không hợp lệ",
                    "Địa chỉ thư điện tử không hợp lệ.", "Vui lòng chọn đơn vị của bạn", "Ngày sinh không hợp lệ."):
        assert message in page, message
    assert page.count('value="matkhau123"') == 2
    assert accounts() == 0


def test_the_form_and_the_rules_are_checked_together(client, form, accounts):
    r = register(client, form, password2="matkhau124", phone="123", gender="x")
    assert r.status_code == 422
    page = text(r)
    assert "Hai lần nhập mật khẩu không khớp." in page and "Số điện thoại không hợp lệ" in page
    assert "Lựa chọn không hợp lệ" in page
    assert "matkhau12" not in page                                           # the passwords at fault are blanked
    assert accounts() == 0


def test_a_phone_and_a_cccd_both_taken_are_both_named(client, form, make_user, accounts):
    make_user(phone="0912345678", cccd="001090000001")
    make_user(phone="0987654321", cccd="001095000123")
    r = register(client, form)
    assert r.status_code == 409
    assert "Số điện thoại này đã được dùng" in text(r) and "Số CCCD này đã được dùng" in text(r)
    assert accounts() == 2
