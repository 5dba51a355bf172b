"""Light on slow links: fingerprinted static files cached for a year and served gzipped from
the files built at start; large pages gzipped with Vary; small pages, downloads and streamed
exports left alone; CSRF, sessions and the security headers unharmed."""
from __future__ import annotations

import gzip
import hashlib
import re
import shutil
from pathlib import Path

from quiz.config import ROOT
from quiz.web import assets
from quiz.web.security import CSP
from conftest import csrf_token

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
SITE_CSS = (ROOT / "static" / "css" / "site.css").read_bytes()
SITE_DIGEST = hashlib.sha256(SITE_CSS).hexdigest()[:12]
CSS_URL = f"/static/css/site.{SITE_DIGEST}.css"


def fetch(client, url: str, **kwargs):
    """A file answer, read whole and closed (its file is shut)."""
    response = client.get(url, **kwargs)
    response.get_data()
    response.close()
    return response


def built(app, name: str) -> Path:
    return Path(app.instance_path) / "static" / name


def test_pages_link_static_files_by_their_content_hash(client):
    page = client.get("/dang-nhap").text
    assert f'href="{CSS_URL}"' in page
    favicon = hashlib.sha256((ROOT / "static" / "favicon.svg").read_bytes()).hexdigest()[:12]
    assert f'href="/static/favicon.{favicon}.svg"' in page
    assert "/static/css/site.css" not in page


def test_fingerprinted_file_is_immutable_and_sent_precompressed(app, client):
    response = fetch(client, CSS_URL, headers=GZIP)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.vary
    assert response.mimetype == "text/css"
    assert "Content-Disposition" not in response.headers  # no "site….css.gz" to save as
    assert response.data == built(app, f"css/site.{SITE_DIGEST}.css.gz").read_bytes()
    assert gzip.decompress(response.data) == SITE_CSS
    assert len(response.data) < len(SITE_CSS) / 3

    plain = fetch(client, CSS_URL)  # a client that does not take gzip gets the file itself
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    assert plain.data == SITE_CSS and plain.headers["Cache-Control"] == response.headers["Cache-Control"]
    assert plain.headers["ETag"] != response.headers["ETag"]  # two representations, two tags

    again = fetch(client, CSS_URL, headers={**GZIP, "If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


def test_every_static_file_is_built_under_its_fingerprint(app):
    for path in (ROOT / "static").rglob("*"):
        if path.is_file():
            name = path.relative_to(ROOT / "static").as_posix()
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            assert built(app, assets.fingerprint(name, digest)).read_bytes() == path.read_bytes()
    assert gzip.decompress(built(app, f"css/site.{SITE_DIGEST}.css.gz").read_bytes()) == SITE_CSS


def test_without_the_built_files_the_originals_are_served(app, client):
    shutil.rmtree(Path(app.instance_path) / "static")
    response = fetch(client, CSS_URL, headers=GZIP)
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.data == SITE_CSS
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_plain_names_still_served_by_flask_and_revalidated(client):
    response = fetch(client, "/static/css/site.css", headers=GZIP)
    assert response.status_code == 200 and response.data == SITE_CSS
    assert "immutable" not in response.headers.get("Cache-Control", "")
    assert client.get("/static/css/site.000000000000.css").status_code == 404
    assert client.get("/static/../quiz/config.py").status_code == 404


def test_build_writes_each_file_once_and_compresses_only_what_shrinks(tmp_path):
    static, out = tmp_path / "static", tmp_path / "out"
    (static / "css").mkdir(parents=True)
    (static / "css" / "a.css").write_text("body { background: url(nen.png) }\n" * 100)
    (static / "css" / "nen.png").write_bytes(b"\x89PNG" + bytes(range(256)))  # named by a CSS url()
    (static / ".hidden").write_text("x")
    found = assets.scan(static, out)
    assert sorted(found) == ["css/a.css", "css/nen.png"]
    assets.build(found)
    css, png = found["css/a.css"], found["css/nen.png"]
    assert css.built.read_bytes() == (static / "css" / "a.css").read_bytes()
    assert gzip.decompress(css.gzipped.read_bytes()) == css.built.read_bytes()
    assert png.built.is_file() and not png.gzipped.exists()
    css.built.write_text("kept")  # a file already there is its content: it is not rewritten
    assets.build(found)
    assert css.built.read_text() == "kept"
    assert re.fullmatch(r"css/a\.[0-9a-f]{12}\.css", css.fingerprinted)


def test_a_large_page_is_gzipped_and_its_form_still_works(app, client, make_user, auth, make_contest):
    from datetime import timedelta

    from quiz.contests.models import Contest
    from quiz.db import utcnow
    from quiz.extensions import db

    make_user(phone="0912000333")
    auth.login("0912000333")
    cid = make_contest()
    with app.app_context():
        slug = db.session.get(Contest, cid).slug
    with app.app_context():  # make_contest's round opened at T0: move it around now
        round_ = db.session.get(Contest, cid).rounds[0]
        round_.opens_at, round_.closes_at = utcnow() - timedelta(hours=1), utcnow() + timedelta(days=1)
        db.session.commit()
    start = client.post(f"/cuoc-thi/{slug}/bat-dau", data={"csrf_token": csrf_token(client, f"/cuoc-thi/{slug}/bat-dau")})
    assert start.status_code == 302, start.text
    url = start.headers["Location"]

    plain = client.get(url)
    packed = client.get(url, headers=GZIP)
    assert packed.status_code == 200 and packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.vary and "Accept-Encoding" in plain.vary
    assert "Content-Encoding" not in plain.headers
    assert len(plain.data) > assets.MIN_GZIP_BYTES
    assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data) / 3
    assert packed.headers["Content-Security-Policy"] == CSP == plain.headers["Content-Security-Policy"]
    page = gzip.decompress(packed.data).decode()
    changing = re.compile(r'name="csrf_token" type="hidden" value="[^"]+"|data-seconds-left="\d+"')
    assert changing.sub("", page) == changing.sub("", plain.text)

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    question, option = re.search(r'name="q(\d+)" value="(\d+)"', page).groups()
    attempt_id = url.rsplit("/", 1)[1]
    saved = client.post(f"/api/luot-thi/{attempt_id}/luu", json={"answers": {question: int(option)}},
                        headers={"X-CSRFToken": token})
    assert saved.status_code == 200, saved.text  # the session and the token of the gzipped page hold
    assert f'value="{option}" checked' in client.get(url).text


def test_small_pages_are_not_compressed(client):
    response = client.get("/dang-nhap", headers=GZIP)
    assert response.status_code == 200 and len(response.data) < assets.MIN_GZIP_BYTES
    assert "Content-Encoding" not in response.headers and "Accept-Encoding" not in response.vary
    assert "</html>" in response.text


def test_downloads_and_streamed_exports_are_sent_as_they_are(app, client, closed_contest, login_as):
    from quiz.units.services import by_code

    cid, _, _ = closed_contest
    login_as("organiser")
    book = client.get("/quan-tri/ngan-hang/tep-mau.xlsx", headers=GZIP)
    assert book.status_code == 200 and book.data.startswith(b"PK")  # a zip already
    assert "Content-Encoding" not in book.headers
    book.close()
    with app.app_context():
        tu = by_code("TU").id
    table = client.get(f"/bao-cao/{cid}/don-vi/{tu}/ket-qua.csv", headers=GZIP)
    assert table.status_code == 200 and table.is_streamed
    assert "Content-Encoding" not in table.headers and table.data.startswith(b"\xef\xbb\xbf")


def test_debug_mode_links_plain_names(app, client):
    app.debug = True  # a file edited while `flask run --debug` runs must show at once
    assert 'href="/static/css/site.css"' in client.get("/dang-nhap").text


def test_static_files_do_not_vary_by_cookie(client, make_user, auth):
    make_user(phone="0912000334")
    auth.login("0912000334")
    page = client.get("/tai-khoan")
    assert page.status_code == 200 and "Cookie" in page.vary  # pages do
    for url in (CSS_URL, "/static/css/site.css"):
        response = fetch(client, url, headers=GZIP)
        assert response.status_code == 200, url
        assert "Cookie" not in response.vary and "Set-Cookie" not in response.headers, url
