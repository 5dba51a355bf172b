"""Login and registration are rate limited per address, with a Vietnamese 429 page."""
import pytest
from sqlalchemy import func, select

from conftest import post_form
from quiz.accounts.models import User
from quiz.extensions import db

LIMITED = "Bạn đã thử quá nhiều lần. Vui lòng chờ một lát rồi thử lại."


@pytest.fixture
def config(config):
    config.update(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="3 per minute", REGISTER_RATE_LIMIT="2 per minute")
    return config


@pytest.fixture
def root(make_unit):
    return make_unit("ROOT")


def login(client, password="saimatkhau"):
    return post_form(client, "/dang-nhap", {"identifier": "0912345678", "password": password})


def test_login_is_limited(client, root, make_user):
    make_user(phone="0912345678")
    for _ in range(3):
        assert login(client).status_code == 401
    r = login(client, "matkhau123")  # even the right password waits now
    assert r.status_code == 429
    page = r.get_data(as_text=True)
    assert LIMITED in page and "Thao tác quá nhanh" in page
    assert "Too Many Requests" not in page
    assert "Retry-After" in r.headers
    assert client.get("/tai-khoan").status_code == 302  # not logged in
    assert client.get("/dang-nhap").status_code == 200  # showing the form is not limited


def test_the_limit_is_per_address(app, root, make_user):
    make_user(phone="0912345678")
    first = app.test_client()
    for _ in range(3):
        login(first)
    assert login(first).status_code == 429
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    assert login(other, "matkhau123").status_code == 302


def test_rate_limit_answers_json_to_a_json_client(client, root, make_user):
    make_user(phone="0912345678")
    for _ in range(3):
        login(client)
    r = post_form(client, "/dang-nhap", {"identifier": "0912345678", "password": "x"},
                  headers={"Accept": "application/json"})
    assert r.status_code == 429 and r.get_json() == {"error": LIMITED}


def test_registration_is_limited(client, app, root):
    form = {"full_name": "Trần Thị Bích", "birth_date": "1995-03-04", "gender": "nu", "phone": "0912345678",
            "cccd": "001095000123", "unit_query": "ROOT", "category": "doan_vien", "password": "matkhau123",
            "password2": "khong-khop"}
    for _ in range(2):
        assert post_form(client, "/dang-ky", form).status_code == 422
    r = post_form(client, "/dang-ky", {**form, "password2": "matkhau123"})  # a valid one, too late
    assert r.status_code == 429
    assert LIMITED in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0
    assert client.get("/dang-ky").status_code == 200
