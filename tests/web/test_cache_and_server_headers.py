"""``Cache-Control: no-store`` on pages with personal data and on every download; no answer
names the server's software (through the WSGI app, and through a real gunicorn with
``gunicorn.conf.py``)."""
from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from quiz.accounts.models import User
from quiz.banks.models import QuestionBank
from quiz.config import ROOT
from quiz.extensions import db

#: Every route that answers a file, and how the tests below reach it. A new export must be
#: added here (it is no-store already: any attachment is, in quiz.web.security).
DOWNLOADS = {"downloads.workbook", "downloads.table", "banks.export", "banks.template_file",
             "contests.download", "contests.example"}


def test_every_download_route_is_checked_here(app):
    files = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.rule.endswith((".xlsx", ".csv", ".toml", ".pdf", ".zip"))}
    assert files == DOWNLOADS


@pytest.fixture
def subject(app, closed_contest, make_contest):
    """A closed contest's id, its top unit's id, a bank's id; an administrator logged in."""
    from quiz.units.services import by_code

    cid, rid, _ = closed_contest
    with app.app_context():
        bank = db.session.scalar(select(QuestionBank.id).limit(1))
        return cid, rid, by_code("TU").id, bank


def test_every_download_is_no_store(client, login_as, subject):
    cid, rid, unit, bank = subject
    login_as("admin")
    urls = {
        "downloads.workbook": f"/bao-cao/{cid}/don-vi/{unit}/ket-qua.xlsx?dot={rid}",
        "downloads.table": f"/bao-cao/{cid}/don-vi/{unit}/tong-hop.csv",
        "banks.export": f"/quan-tri/ngan-hang/{bank}/xuat.xlsx",
        "banks.template_file": "/quan-tri/ngan-hang/tep-mau.xlsx",
        "contests.download": f"/quan-tri/cuoc-thi/{cid}/cau-hinh.toml",
        "contests.example": "/quan-tri/cuoc-thi/mau.toml",
    }
    assert set(urls) == DOWNLOADS
    for endpoint, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, (endpoint, response.status_code)
        assert response.headers["Content-Disposition"].startswith("attachment"), endpoint
        assert response.headers["Cache-Control"] == "no-store", endpoint
        response.close()
    csv = client.get(f"/bao-cao/{cid}/don-vi/{unit}/ket-qua.csv")  # the other CSV, streamed
    assert csv.headers["Cache-Control"] == "no-store"


def test_the_profile_is_no_store_and_the_home_page_is_not(client, login_as):
    login_as("member")
    profile = client.get("/tai-khoan")
    assert profile.status_code == 200 and "Số CCCD" in profile.get_data(as_text=True)
    assert profile.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")


def test_the_administrators_account_pages_are_no_store(app, client, login_as, make_user):
    member = make_user(phone="0912000333", unit="HU0")
    login_as("admin")
    for url in ("/quan-tri/tai-khoan", f"/quan-tri/tai-khoan/{member.id}", "/quan-tri/nhat-ky",
                f"/quan-ly/thanh-vien/{member.id}/sua", f"/quan-ly/thanh-vien/{member.id}/dat-lai-mat-khau"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url


def test_the_managers_account_pages_are_no_store(app, client, login_as, make_user):
    member = make_user(phone="0912000333", unit="HU0")
    login_as("unit_manager")
    for url in ("/quan-ly/thanh-vien", f"/quan-ly/thanh-vien/{member.id}", f"/quan-ly/thanh-vien/{member.id}/sua"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "0912000333" in response.get_data(as_text=True), url
        assert response.headers["Cache-Control"] == "no-store", url


def test_the_app_names_no_server_software(app, client, login_as):
    login_as("member")
    for url in ("/", "/tai-khoan", "/healthz", "/static/css/site.css", "/khong-co-trang-nay"):
        response = client.get(url)
        assert "Server" not in response.headers, url
        response.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_with_the_repositorys_config_names_no_software(tmp_path):
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed beside this Python")
    port = _free_port()
    env = {**os.environ, "QUIZ_BIND": f"127.0.0.1:{port}", "QUIZ_WORKERS": "1", "QUIZ_THREADS": "1",
           "QUIZ_ACCESS_LOG": "", "QUIZ_CONTROL_SOCKET": str(tmp_path / "g.ctl"),
           "QUIZ_INSTANCE_PATH": str(tmp_path), "QUIZ_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
           "QUIZ_SECRET_KEY": "test"}
    server = subprocess.Popen([gunicorn, "-c", str(ROOT / "gunicorn.conf.py"), "quiz:create_app()"], cwd=ROOT,
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                response = connection.getresponse()
                break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()
                assert time.monotonic() < deadline, "gunicorn did not answer in 30 s"
                time.sleep(0.2)
        assert response.status == 200
        headers = response.getheaders()
        connection.close()
        assert dict(headers).get("Server") == "-"
        assert not [value for name, value in headers if "gunicorn" in value.lower()]
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()
