"""The request guard (quiz.web.input): text no database can store (NUL, lone surrogates) and
JSON bodies that are too deep, too large or not an object are a 400 with a Vietnamese message
(JSON for API routes) before any view or query runs, and nothing is written."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quiz.accounts.models import User
from quiz.extensions import db as _db
from quiz.web.input import BadJSON, loads
from conftest import csrf_token, post_form

NUL = "\x00"


def _count_users(app) -> int:
    with app.app_context():
        return _db.session.scalar(select(func.count()).select_from(User))


@pytest.mark.parametrize("query", [NUL, "Huyện\x00", "%00"])
def test_anonymous_unit_search_with_nul_is_400_json(client, make_unit, query):
    make_unit("ROOT")
    response = client.get("/api/don-vi", query_string={"q": query})
    if query == "%00":  # the literal text "%00" is an ordinary search
        assert response.status_code == 200 and response.get_json() == []
        return
    assert response.status_code == 400 and response.is_json
    assert "ký tự không hợp lệ" in response.get_json()["error"]


def test_a_nul_in_the_address_is_400(client):
    response = client.get("/ket-qua/%00")
    assert response.status_code == 400
    assert "ký tự không hợp lệ" in response.get_data(as_text=True)


@pytest.mark.parametrize("field", ["full_name", "phone", "cccd", "unit_query", "password", "csrf_x\x00"])
def test_registration_with_nul_is_400_and_writes_nothing(app, client, make_unit, field):
    make_unit("ROOT")
    before = _count_users(app)
    data = {"full_name": "Nguyễn Văn An", "birth_date": "1990-01-01", "gender": "nam", "phone": "0912345000",
            "cccd": "001090000001", "unit_query": "ROOT", "category": "dang_vien", "password": "matkhau123",
            "password2": "matkhau123"}
    if field in data:
        data[field] = data[field] + NUL
    else:
        data[field] = "x"
    response = post_form(client, "/dang-ky", data)
    assert response.status_code == 400
    assert "ký tự không hợp lệ" in response.get_data(as_text=True)
    assert _count_users(app) == before


@pytest.mark.parametrize("role, url", [("admin", "/quan-tri/tai-khoan"), ("unit_manager", "/quan-ly/thanh-vien"),
                                       ("organiser", "/quan-tri/ngan-hang/1"), ("organiser", "/quan-tri/don-vi")])
def test_admin_and_organiser_search_boxes_with_nul_are_400(client, login_as, role, url):
    login_as(role)
    response = client.get(url, query_string={"q": f"An{NUL}", "don_vi": NUL})
    assert response.status_code == 400
    assert "ký tự không hợp lệ" in response.get_data(as_text=True)


def test_an_organiser_form_with_nul_is_400_and_writes_nothing(app, client, login_as):
    from quiz.banks.models import Topic

    login_as("organiser")
    response = post_form(client, "/quan-tri/chuyen-de", {"year": "2026", "title": f"Chuyên đề{NUL}", "issuer": "TU"})
    assert response.status_code == 400
    with app.app_context():
        assert _db.session.scalar(select(func.count()).select_from(Topic)) == 0


@pytest.mark.parametrize("body", ["[" * 100_000 + "]" * 100_000, "{" * 50_000, '"x"', "[1, 2]", "1e999",
                                  "-" + "9" * 10_000, '{"a": "\\u0000"}', '{"a": "\\udc00"}', "{bad json"])
def test_a_hostile_json_body_to_any_route_is_400(client, make_unit, body):
    make_unit("ROOT")
    token = csrf_token(client, "/dang-ky")
    for url in ("/dang-ky", "/dang-nhap"):
        response = client.post(url, data=body, content_type="application/json", headers={"X-CSRFToken": token})
        assert response.status_code == 400 and response.is_json, (url, response.get_data(as_text=True)[:200])
        assert response.get_json()["error"]


def test_loads_bounds_depth_size_and_items():
    assert loads('{"answers": {"1": 2}, "prediction": 5}') == {"answers": {"1": 2}, "prediction": 5}
    for text in ("[" * 22 + "]" * 22, "[" + "1," * 20_000 + "1]", '"' + "x" * 300_000 + '"', "NaN", "[Infinity]"):
        with pytest.raises(BadJSON):
            loads(text)
    assert loads("[" * 20 + "]" * 20) == [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]


def test_a_user_agent_with_nul_is_400(client):
    response = client.get("/", headers={"User-Agent": "Mozilla\x00"})
    assert response.status_code == 400
    assert client.get("/", headers={"User-Agent": "Mozilla/5.0 (Linux; Android 14)"}).status_code == 200
