"""Friendly Vietnamese error pages (JSON under /api/), never a stack trace."""
import pytest

from conftest import Auth
from quiz.errors import Conflict, InvalidFile, Problem


@pytest.fixture
def config(config):
    config["PROPAGATE_EXCEPTIONS"] = False
    return config


@pytest.fixture
def app(app):
    """The app with routes that fail on purpose (added before its first request)."""
    def boom():
        raise RuntimeError("bí mật nội bộ: mật khẩu cơ sở dữ liệu")

    def conflict():
        raise Conflict("Lượt thi này đã được nộp.")

    def invalid_file():
        raise InvalidFile([Problem(3, "Thiếu mã đơn vị.", sheet="Đơn vị"), Problem(None, "<b>đậm</b>")])

    app.add_url_rule("/_test/loi", view_func=boom)
    app.add_url_rule("/api/_test/loi", endpoint="api_boom", view_func=boom)
    app.add_url_rule("/_test/xung-dot", view_func=conflict)
    app.add_url_rule("/_test/tep", view_func=invalid_file)
    return app


def text(response) -> str:
    return response.get_data(as_text=True)


def test_404_is_a_friendly_vietnamese_page(client):
    r = client.get("/khong-co-trang-nay")
    assert r.status_code == 404 and r.mimetype == "text/html"
    page = text(r)
    assert "Không tìm thấy trang" in page and "Lỗi 404" in page
    assert 'href="/"' in page  # a way back home
    assert "Not Found" not in page and '<html lang="vi">' in page


def test_404_is_json_under_api(client):
    r = client.get("/api/khong-co")
    assert r.status_code == 404 and r.is_json
    assert r.get_json() == {"error": "Trang bạn tìm không tồn tại hoặc đã được chuyển đi."}


def test_json_when_the_client_asks_for_it(client):
    r = client.get("/khong-co", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.is_json


def test_403_page(client, make_unit, make_user):
    make_unit("ROOT")
    make_user(phone="0912345678")
    Auth(client).login()
    r = client.get("/quan-tri/tai-khoan")
    assert r.status_code == 403
    page = text(r)
    assert "Không có quyền truy cập" in page and "Tài khoản của bạn không được xem trang này." in page
    assert "Forbidden" not in page


def test_405_page(client):
    r = client.get("/dang-xuat")
    assert r.status_code == 405
    assert "Thao tác không được phép" in text(r) and "Method Not Allowed" not in text(r)


def test_500_is_a_friendly_page_without_details(client, app, caplog):
    assert app.config["PROPAGATE_EXCEPTIONS"] is False
    r = client.get("/_test/loi")
    assert r.status_code == 500 and r.mimetype == "text/html"
    page = text(r)
    assert "Hệ thống gặp sự cố" in page and "dữ liệu của bạn không bị mất" in page
    assert "bí mật nội bộ" not in page and "Traceback" not in page and "RuntimeError" not in page
    # Alembic's fileConfig (quiz/migrations/env.py) disables loggers that exist when the
    # migrations run, so on the second backend the app's logger is off; switch it back on.
    app.logger.disabled = False
    client.get("/_test/loi")
    assert "Unhandled error" in caplog.text and "bí mật nội bộ" in caplog.text  # logged for the operator
    assert client.get("/").status_code == 200  # the app goes on


def test_500_is_json_under_api(client):
    r = client.get("/api/_test/loi")
    assert r.status_code == 500
    assert "Hệ thống gặp sự cố" not in r.get_json()["error"]
    assert "Đã có lỗi ở máy chủ" in r.get_json()["error"]


def test_a_domain_error_shows_its_own_message_and_status(client):
    r = client.get("/_test/xung-dot")
    assert r.status_code == 409
    assert "Lượt thi này đã được nộp." in text(r) and "Xung đột dữ liệu" in text(r)


def test_an_invalid_file_lists_every_problem_escaped(client):
    r = client.get("/_test/tep")
    assert r.status_code == 422
    page = text(r)
    assert "Tệp có 2 lỗi; chưa ghi gì vào hệ thống." in page
    assert "Trang tính “Đơn vị”, dòng 3: Thiếu mã đơn vị." in page
    assert "&lt;b&gt;đậm&lt;/b&gt;" in page and "<b>đậm</b>" not in page


def test_an_unknown_account_id_is_404(client, make_unit, make_user):
    make_unit("ROOT")
    make_user(phone="0900000001", role="admin")
    Auth(client).login("0900000001")
    r = client.get("/quan-tri/tai-khoan/424242")
    assert r.status_code == 404 and "Không tìm thấy tài khoản." in text(r)
