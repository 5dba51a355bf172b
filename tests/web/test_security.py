"""CSRF refusals, security headers, and pages free of inline script and style."""
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from conftest import Auth
from quiz.accounts.models import User
from quiz.extensions import db

CSRF_MESSAGE = "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ"


@pytest.fixture
def root(make_unit):
    return make_unit("ROOT")


def count_users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


REGISTRATION = {
    "full_name": "Trần Thị Bích", "birth_date": "1995-03-04", "gender": "nu", "phone": "0912345678",
    "cccd": "001095000123", "unit_query": "ROOT", "category": "doan_vien", "password": "matkhau123",
    "password2": "matkhau123"}


@pytest.mark.parametrize("token", [None, "", "gia-mao", "IjEyMyI.aaaa.bbbb"])
def test_registration_without_a_valid_token_is_refused_and_writes_nothing(client, app, root, token):
    data = dict(REGISTRATION) if token is None else {**REGISTRATION, "csrf_token": token}
    r = client.post("/dang-ky", data=data)
    assert r.status_code == 400
    page = r.get_data(as_text=True)
    assert CSRF_MESSAGE in page and "Yêu cầu không hợp lệ" in page
    assert "CSRF" not in page  # the English reason stays in the log
    assert count_users(app) == 0
    assert client.get("/tai-khoan").status_code == 302


def test_login_without_the_token_is_refused(client, root, make_user):
    make_user(phone="0912345678")
    r = client.post("/dang-nhap", data={"identifier": "0912345678", "password": "matkhau123"})
    assert r.status_code == 400
    assert CSRF_MESSAGE in r.get_data(as_text=True)
    assert client.get("/tai-khoan").status_code == 302  # not logged in


def test_a_token_from_another_session_is_refused(app, root, make_user):
    from conftest import csrf_token

    make_user(phone="0912345678")
    attacker, victim = app.test_client(), app.test_client()
    stolen = csrf_token(attacker, "/dang-nhap")
    r = victim.post("/dang-nhap", data={"csrf_token": stolen, "identifier": "0912345678",
                                        "password": "matkhau123"})
    assert r.status_code == 400 and CSRF_MESSAGE in r.get_data(as_text=True)


def test_csrf_refusal_is_json_for_a_json_client(client):
    r = client.post("/dang-nhap", headers={"Accept": "application/json"})
    assert r.status_code == 400
    assert r.is_json and CSRF_MESSAGE in r.get_json()["error"]


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split(";") if d.strip()}
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["script-src"] == ["'self'"] and directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp and "*" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("url", ["/", "/dang-nhap", "/dang-ky", "/khong-co-trang-nay", "/api/khong-co",
                                 "/healthz", "/static/css/site.css", "/tai-khoan"])
def test_security_headers_on_every_answer(client, url):
    with client.get(url) as response:
        assert_security_headers(response)


def test_no_hsts_without_https(app):
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers


@pytest.fixture
def https_config(config):
    config["SESSION_COOKIE_SECURE"] = True
    return config


def test_hsts_when_cookies_are_https_only(https_config, app):
    assert app.config["SESSION_COOKIE_SECURE"]
    assert app.test_client().get("/").headers["Strict-Transport-Security"].startswith("max-age=")


class InlineCode(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style attributes and
    elements, event-handler attributes, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.tags = 0
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        self.tags += 1
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self._in_inline_script = True
            self.problems.append("<script> without src")
        if tag == "style":
            self.problems.append("<style> element")
        for name, value in attrs:
            if name == "style":
                self.problems.append(f"style= on <{tag}>")
            if name.startswith("on"):
                self.problems.append(f"{name}= on <{tag}>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_inline_script = False


def inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    assert parser.tags > 10, "not an HTML page"
    return parser.problems


def test_the_checker_finds_inline_code():
    page = ("<html><head><title>t</title><meta charset=utf-8><link rel=x href=y></head><body><p>1</p><p>2</p>"
            "<div style='color:red' onclick='x()'><a href='javascript:alert(1)'>a</a></div>"
            "<script>alert(1)</script><script src='/ok.js'></script><style>p{}</style><img src=x onerror=y>"
            "</body></html>")
    assert sorted(inline_code(page)) == sorted([
        "style= on <div>", "onclick= on <div>", "javascript: URL on <a>", "<script> without src",
        "<style> element", "onerror= on <img>"])


def page_urls(user_id):
    return ["/", "/dang-nhap", "/dang-ky", "/tai-khoan", "/tai-khoan/doi-mat-khau", "/quan-tri/tai-khoan",
            "/quan-tri/tai-khoan?q=An", f"/quan-tri/tai-khoan/{user_id}", "/quan-tri/don-vi", "/khong-co"]


def test_no_page_holds_inline_script_or_style(client, root, make_user, make_unit):
    make_unit("HU01")
    make_user(phone="0900000001", role="admin")
    manager = make_user(phone="0900000002", role="unit_manager", managed="HU01")
    anonymous = {url: client.get(url) for url in ["/", "/dang-nhap", "/dang-ky", "/khong-co"]}
    Auth(client).login("0900000001")
    logged_in = {url: client.get(url) for url in page_urls(manager.id)}
    logged_in["/dang-ky (refused)"] = client.post("/dang-ky")  # an error page
    for name, response in [*anonymous.items(), *logged_in.items()]:
        if response.status_code in (301, 302):
            continue
        assert response.mimetype == "text/html", name
        assert inline_code(response.get_data(as_text=True)) == [], name
    assert logged_in["/quan-tri/tai-khoan"].status_code == 200
    assert logged_in[f"/quan-tri/tai-khoan/{manager.id}"].status_code == 200


def test_pages_with_form_errors_hold_no_inline_code(client, root):
    from conftest import post_form

    r = post_form(client, "/dang-ky", {**REGISTRATION, "full_name": "<b onclick=x>", "password2": "khac"})
    assert r.status_code == 422
    assert inline_code(r.get_data(as_text=True)) == []
