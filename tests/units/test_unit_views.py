"""The unit search API and the administrator's unit tree page (with its import form)."""
from __future__ import annotations

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from conftest import post_form
from quiz.extensions import db
from quiz.units.models import Unit

TREE_URL = "/quan-tri/don-vi"
IMPORT_URL = "/quan-tri/don-vi/nhap"
ADMIN_PHONE, ORGANISER_PHONE, MANAGER_PHONE, MEMBER_PHONE = "0911000001", "0911000002", "0911000003", "0911000004"

GOOD_CSV = ("Mã đơn vị,Tên đơn vị,Mã đơn vị cấp trên,Loại đơn vị,Số người\n"
            "HU1,Huyện ủy Duy Xuyên,ROOT,Huyện ủy,10\n"
            "CB1,Chi bộ ấp Bắc,HU1,Chi bộ,7\n").encode()
BAD_CSV = ("Mã đơn vị,Tên đơn vị,Mã đơn vị cấp trên,Loại đơn vị,Số người\n"
           "ROOT,Tên mới của gốc,,,\n"
           "HU1,Huyện ủy Duy Xuyên,KHONGCO,Huyện ủy,10\n"
           "CB1,,HU1,Chi bộ,một\n").encode()


def snapshot(app) -> dict[str, tuple]:
    with app.app_context():
        return {u.code: (u.name, u.path, u.headcount) for u in db.session.scalars(select(Unit))}


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def tree(make_unit):
    root = make_unit("ROOT", name="Tỉnh ủy Quảng Nam", headcount=1)
    make_unit("HU0", parent="ROOT", name="Huyện ủy Núi Thành", headcount=4)
    make_unit("CB0", parent="HU0", name="Chi bộ ấp Bắc", headcount=6)
    make_unit("CB9", parent="HU0", name="Chi bộ ấp Đông <b>", headcount=9)
    return root


@pytest.fixture
def as_role(tree, make_user, auth):
    """Log in with an account of the given role."""

    def login(role: str):
        phone = {"admin": ADMIN_PHONE, "organiser": ORGANISER_PHONE,
                 "unit_manager": MANAGER_PHONE, "member": MEMBER_PHONE}[role]
        make_user(phone=phone, role=role, managed="HU0" if role == "unit_manager" else None)
        response = auth.login(phone)
        assert response.status_code == 302, text(response)

    return login


def upload(client, filename: str, data: bytes, token_from: str = TREE_URL):
    return post_form(client, IMPORT_URL, {"file": (io.BytesIO(data), filename)}, token_from=token_from,
                     content_type="multipart/form-data")


# --- /api/don-vi ----------------------------------------------------------------------------

def test_search_api(client, tree):
    response = client.get("/api/don-vi", query_string={"q": "chi bo ap bac"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    [found] = response.get_json()
    assert found["code"] == "CB0"
    assert found["name"] == "Chi bộ ấp Bắc"
    assert found["label"] == "Chi bộ ấp Bắc › Huyện ủy Núi Thành › Tỉnh ủy Quảng Nam"
    assert isinstance(found["id"], int)


def test_search_api_by_code_and_empty(client, tree):
    assert [u["code"] for u in client.get("/api/don-vi?q=hu0").get_json()] == ["HU0"]
    assert [u["code"] for u in client.get("/api/don-vi?q=CHI%20B%E1%BB%98").get_json()] == ["CB0", "CB9"]
    assert client.get("/api/don-vi?q=").get_json() == []
    assert client.get("/api/don-vi").get_json() == []
    assert client.get("/api/don-vi?q=khong%20co%20dau").get_json() == []


def test_search_api_caps_the_query(client, tree):
    long_query = "chi " * 200
    response = client.get("/api/don-vi", query_string={"q": long_query})
    assert response.status_code == 200
    assert {u["code"] for u in response.get_json()} == {"CB0", "CB9"}


# --- /quan-tri/don-vi: access ---------------------------------------------------------------

def test_tree_page_needs_login(client, tree):
    response = client.get(TREE_URL)
    assert response.status_code == 302
    assert "/dang-nhap" in response.headers["Location"]


@pytest.mark.parametrize("role", ["member", "unit_manager"])
def test_tree_page_refuses_other_roles(client, as_role, role):
    as_role(role)
    response = client.get(TREE_URL)
    assert response.status_code == 403
    assert "Không có quyền truy cập" in text(response)
    assert "Huyện ủy Núi Thành" not in text(response)


@pytest.mark.parametrize("role", ["admin", "organiser"])
def test_tree_page(client, as_role, role):
    as_role(role)
    page = client.get(TREE_URL)
    assert page.status_code == 200
    body = text(page)
    assert "Tỉnh ủy Quảng Nam" in body
    assert "Huyện ủy Núi Thành" not in body  # only the roots at the top
    # the import form is for administrators only
    assert ("Nhập danh sách đơn vị" in body) == (role == "admin")


def test_tree_page_of_a_unit(app, client, as_role, make_user):
    make_user(unit="CB0")
    make_user(unit="CB9")
    make_user(unit="ROOT")
    as_role("admin")  # an account in ROOT, outside HU0
    with app.app_context():
        hu0 = db.session.scalars(select(Unit).where(Unit.code == "HU0")).one()
    body = text(client.get(TREE_URL, query_string={"don_vi": hu0.id}))
    assert "Chi bộ ấp Bắc" in body
    assert "Chi bộ ấp Đông &lt;b&gt;" in body  # names are escaped
    assert re.search(r"Số người \(đơn vị\)</dt><dd>\s*4\s*</dd>", body), body
    assert re.search(r"Số người \(cả cây\)</dt><dd>\s*19\s*</dd>", body), body
    assert re.search(r"Tài khoản đã đăng ký \(cả cây\)</dt><dd>\s*2\s*</dd>", body), body
    assert client.get(TREE_URL, query_string={"don_vi": 99999}).status_code == 404


# --- the import form ------------------------------------------------------------------------

def test_admin_imports_a_good_file(app, client, as_role):
    as_role("admin")
    response = upload(client, "don_vi.csv", GOOD_CSV)
    assert response.status_code == 302, text(response)
    assert response.headers["Location"].endswith(TREE_URL)
    units = snapshot(app)
    assert units["HU1"][0] == "Huyện ủy Duy Xuyên"
    assert units["CB1"][2] == 7
    assert units["CB1"][1].startswith(units["HU1"][1]) and units["HU1"][1].startswith(units["ROOT"][1])
    page = client.get(TREE_URL)
    assert "Đã nhập: 2 đơn vị mới, 0 đơn vị cập nhật, 0 không đổi." in text(page)


def test_admin_imports_an_xlsx_file(app, client, as_role):
    as_role("admin")
    book = Workbook()
    book.active.append(["code", "name", "parent code", "headcount"])
    book.active.append(["HU1", "Huyện ủy Duy Xuyên", "ROOT", 10])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, "don_vi.xlsx", out.getvalue())
    assert response.status_code == 302, text(response)
    assert snapshot(app)["HU1"][2] == 10


def test_the_warnings_of_cells_excel_stored_as_formulas_are_shown_the_first_few_in_full(app, client, as_role):
    as_role("admin")
    book = Workbook()
    book.active.append(["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"])
    for i in range(1, 8):
        book.active.append([f"CB{i}", f"=- Chi bộ {i}", "ROOT"])
    out = io.BytesIO()
    book.save(out)
    response = upload(client, "don_vi.xlsx", out.getvalue())
    assert response.status_code == 302, text(response)
    assert snapshot(app)["CB1"][0] == "- Chi bộ 1"
    body = text(client.get(TREE_URL))
    assert "Đã nhập: 7 đơn vị mới" in body
    shown = re.findall(r'<p class="flash warning" role="status">Lưu ý: (.*?)</p>', body)
    assert len(shown) == 5 and shown[0].startswith("Trang tính “Sheet”, dòng 2: Ô B2 (cột “Tên đơn vị”)")
    assert "… và 2 lưu ý khác cùng loại." in body


def test_admin_uploads_a_bad_file(app, client, as_role):
    as_role("admin")
    before = snapshot(app)
    response = upload(client, "don_vi.csv", BAD_CSV)
    assert response.status_code == 422
    body = text(response)
    assert "Tệp có 3 lỗi, chưa ghi gì" in body
    problems = re.findall(r"<li>(.*?)</li>", body.split('class="problems"', 1)[1].split("</ul>", 1)[0])
    assert problems == [
        "dòng 3: Mã đơn vị cấp trên “KHONGCO” không có trong tệp lẫn trong hệ thống.",
        "dòng 4: Đơn vị “CB1” chưa có tên.",
        "dòng 4: Số người “một” không hợp lệ: cần một số nguyên không âm.",
    ]
    assert snapshot(app) == before


@pytest.mark.parametrize("filename,data,message", [
    ("don_vi.pdf", GOOD_CSV, "Chỉ nhận tệp .xlsx hoặc .csv."),
    ("don_vi.xlsx", b"hong", "Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx."),
    ("don_vi.csv", b"", "Tệp trống: không có dòng tiêu đề và dữ liệu."),
])
def test_admin_uploads_an_unreadable_file(app, client, as_role, filename, data, message):
    as_role("admin")
    before = snapshot(app)
    response = upload(client, filename, data)
    assert response.status_code == 422
    assert message in text(response)
    assert snapshot(app) == before


def test_upload_without_a_file(app, client, as_role):
    as_role("admin")
    response = post_form(client, IMPORT_URL, {}, token_from=TREE_URL)
    assert response.status_code == 422
    assert "Vui lòng chọn tệp." in text(response)


@pytest.mark.parametrize("role", ["member", "unit_manager", "organiser"])
def test_only_admins_may_upload(app, client, as_role, role):
    as_role(role)
    before = snapshot(app)
    response = upload(client, "don_vi.csv", GOOD_CSV, token_from="/tai-khoan")
    assert response.status_code == 403
    assert snapshot(app) == before


def test_anonymous_upload_goes_to_login(app, client, tree):
    before = snapshot(app)
    response = upload(client, "don_vi.csv", GOOD_CSV, token_from="/dang-nhap")
    assert response.status_code == 302
    assert "/dang-nhap" in response.headers["Location"]
    assert snapshot(app) == before


def test_upload_needs_the_csrf_token(app, client, as_role):
    as_role("admin")
    before = snapshot(app)
    response = client.post(IMPORT_URL, data={"file": (io.BytesIO(GOOD_CSV), "don_vi.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert snapshot(app) == before


@pytest.mark.parametrize("raw", ["9" * 25, "²", "-1", "abc", "0"])
def test_tree_with_an_impossible_unit_id_is_404_not_500(client, make_user, auth, raw):
    make_user(phone="0911000001", role="admin")
    auth.login("0911000001")
    assert client.get(f"/quan-tri/don-vi?don_vi={raw}").status_code == 404


def test_tree_page_lists_units_in_vietnamese_order(client, as_role, make_unit):
    names = ["Xã Yên Lập", "Xã Đông Sơn", "xã ấp Bắc", "Xã An Khánh", "Xã Ân Thi"]
    for i, name in enumerate(names):
        make_unit(f"X{i}", parent="HU0", name=name)
    as_role("admin")
    with client.application.app_context():
        hu0 = db.session.scalars(select(Unit).where(Unit.code == "HU0")).one()
    body = text(client.get(TREE_URL, query_string={"don_vi": hu0.id}))
    listed = ["Chi bộ ấp Bắc", "Chi bộ ấp Đông &lt;b&gt;", "Xã An Khánh", "Xã Ân Thi", "xã ấp Bắc", "Xã Đông Sơn",
              "Xã Yên Lập"]
    positions = [body.index(f">{name}</a>") for name in listed]
    assert positions == sorted(positions)
