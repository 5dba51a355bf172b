"""The organiser's question bank pages: banks, topics, upload → preview → confirm, browse,
search, edit, retire/restore, template and export downloads, and who may see them."""
from __future__ import annotations

import csv
import io
import os
import re
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from conftest import ROLE_PHONES, csrf_token, post_form
from quiz.banks import services
from quiz.banks.formats.template import HEADERS
from quiz.banks.models import Question, QuestionBank, Topic
from quiz.db import utcnow
from quiz.extensions import db

NASTY = '<html class="cool"> & <script>alert(1)</script>'
NASTY_ESCAPED = "&lt;html class=&#34;cool&#34;&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;"
TOKEN_FIELD = re.compile(r'name="token" type="hidden" value="([^"]*)"')


def text(response) -> str:
    return response.get_data(as_text=True)


def make_csv(rows: list[list[str]]) -> bytes:
    """A template CSV: each row is [question, A, B, C, D, answer, difficulty, tags, source]."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADERS)
    for number, (question, a, b, c, d, answer, level, tags, source) in enumerate(rows, start=1):
        writer.writerow([number, question, a, b, c, d, "", "", answer, level, tags, source, ""])
    return out.getvalue().encode()


GOOD = [["Chủ tịch Hồ Chí Minh sinh năm nào?", "1890", "1891", "1892", "1893", "A", "dễ", "Tiểu sử", "Tiểu sử Bác"],
        ["Chỉ thị 05-CT/TW ban hành năm nào?", "2014", "2016", "2018", "2021", "B", "trung bình", "", ""]]


def count_questions(app, bank_id: int | None = None) -> int:
    with app.app_context():
        stmt = select(func.count(Question.id))
        if bank_id is not None:
            stmt = stmt.where(Question.bank_id == bank_id)
        return db.session.scalar(stmt)


def uploads_dir(app) -> Path:
    return Path(app.instance_path) / "uploads"


@pytest.fixture
def bank(app):
    """A bank with two questions (one used by the edit/search tests)."""
    with app.app_context():
        topic = services.topic(2024, "Chuyên đề năm 2024", "Tỉnh ủy Sóc Trăng")
        new = services.create_bank("Ngân hàng thử", topic)
        services.import_file(new, "a.csv", make_csv(GOOD), now=utcnow())
        db.session.commit()
        return new.id


def question_ids(app, bank_id: int) -> dict[str, int]:
    with app.app_context():
        return {q.text: q.id for q in db.session.scalars(select(Question).where(Question.bank_id == bank_id))}


@pytest.fixture
def organiser(login_as):
    login_as("organiser")


def upload(client, bank_id: int, data: bytes, filename: str = "cau-hoi.csv", fmt: str = ""):
    url = f"/quan-tri/ngan-hang/{bank_id}/nhap"
    return post_form(client, url, {"file": (io.BytesIO(data), filename), "format": fmt},
                     content_type="multipart/form-data")


def confirm(client, bank_id: int, token: str):
    return post_form(client, f"/quan-tri/ngan-hang/{bank_id}/nhap/xac-nhan", {"token": token},
                     token_from=f"/quan-tri/ngan-hang/{bank_id}/nhap")


def token_of(page) -> str:
    match = TOKEN_FIELD.search(text(page))
    assert match, "no confirm token on the preview page"
    return match.group(1)


# --- Access ---------------------------------------------------------------------------------

def routes(bank_id: int, question_id: int, topic_id: int) -> list[tuple[str, str]]:
    b = f"/quan-tri/ngan-hang/{bank_id}"
    return [("GET", "/quan-tri/ngan-hang"), ("POST", "/quan-tri/ngan-hang"),
            ("GET", "/quan-tri/chuyen-de"), ("POST", "/quan-tri/chuyen-de"),
            ("GET", f"/quan-tri/chuyen-de/{topic_id}"), ("POST", f"/quan-tri/chuyen-de/{topic_id}"),
            ("GET", f"{b}/nhap"), ("POST", f"{b}/nhap"), ("POST", f"{b}/nhap/xac-nhan"),
            ("GET", "/quan-tri/ngan-hang/tep-mau.xlsx"), ("GET", f"{b}/xuat.xlsx"), ("GET", b),
            ("GET", f"{b}/cau-hoi/{question_id}"), ("POST", f"{b}/cau-hoi/{question_id}"),
            ("GET", f"{b}/cau-hoi/moi"), ("POST", f"{b}/cau-hoi/moi"),
            ("POST", f"{b}/cau-hoi/{question_id}/ngung-dung"), ("POST", f"{b}/cau-hoi/{question_id}/dung-lai")]


def every_route(app, bank_id):
    with app.app_context():
        question_id = min(question_ids(app, bank_id).values())
        topic_id = db.session.scalar(select(Topic.id))
    return routes(bank_id, question_id, topic_id)


def test_anonymous_goes_to_login(app, client, bank):
    token = csrf_token(client, "/dang-nhap")
    for method, url in every_route(app, bank):
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302, (method, url, response.status_code)
        assert "/dang-nhap" in response.headers["Location"], (method, url)
    assert count_questions(app) == 2


@pytest.mark.parametrize("role", ["member", "unit_manager"])
def test_other_roles_get_403(app, client, bank, login_as, role):
    login_as(role)
    token = csrf_token(client, "/tai-khoan")
    for method, url in every_route(app, bank):
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (method, url, response.status_code)
        assert "Ngân hàng thử" not in text(response)
    assert "Ngân hàng câu hỏi" not in text(client.get("/"))
    with app.app_context():
        assert db.session.scalar(select(func.count(Question.id)).where(Question.retired_at.is_not(None))) == 0


@pytest.mark.parametrize("role", ["organiser", "admin"])
def test_bank_list(client, bank, login_as, role):
    login_as(role)
    home = text(client.get("/"))
    assert "Ngân hàng câu hỏi" in home and "/quan-tri/ngan-hang" in home
    page = client.get("/quan-tri/ngan-hang")
    assert page.status_code == 200
    body = text(page)
    assert "Ngân hàng thử" in body
    assert "2024 – Chuyên đề năm 2024" in body and "Tỉnh ủy Sóc Trăng" in body
    assert re.search(r'data-label="Đang dùng">2<', body) and re.search(r'data-label="Ngừng dùng">0<', body)


def test_pages_use_no_inline_script_or_style(client, bank, organiser):
    for url in ["/quan-tri/ngan-hang", "/quan-tri/chuyen-de", f"/quan-tri/ngan-hang/{bank}",
                f"/quan-tri/ngan-hang/{bank}/nhap"]:
        body = text(client.get(url))
        assert "style=" not in body, url
        assert not re.search(r"<script(?![^>]*\bsrc=)", body), url
    assert re.search(r'src="/static/js/bank-upload\.[0-9a-f]{12}\.js"', text(client.get(f"/quan-tri/ngan-hang/{bank}/nhap")))
    with client.get("/static/js/bank-upload.js") as script:
        assert script.status_code == 200


# --- Banks and topics -------------------------------------------------------------------------

def test_create_bank_with_new_topic(app, client, organiser):
    response = post_form(client, "/quan-tri/ngan-hang", {
        "name": "  Bình Định 2025 ", "topic": "moi", "year": "2025", "title": "Chuyên đề năm 2025",
        "issuer": "Tỉnh ủy Bình Định", "description": ""})
    assert response.status_code == 302
    with app.app_context():
        created = db.session.scalars(select(QuestionBank)).one()
        assert created.name == "Bình Định 2025"
        assert (created.topic.year, created.topic.title, created.topic.issuer) == (2025, "Chuyên đề năm 2025",
                                                                                  "Tỉnh ủy Bình Định")
        assert response.headers["Location"].endswith(f"/quan-tri/ngan-hang/{created.id}/nhap")


def test_create_bank_on_existing_topic_or_none(app, client, bank, organiser):
    with app.app_context():
        topic_id = db.session.scalar(select(Topic.id))
    form = text(client.get("/quan-tri/ngan-hang"))
    assert f'value="{topic_id}"' in form
    assert post_form(client, "/quan-tri/ngan-hang", {"name": "Thứ hai", "topic": str(topic_id)}).status_code == 302
    assert post_form(client, "/quan-tri/ngan-hang", {"name": "Thứ ba", "topic": ""}).status_code == 302
    with app.app_context():
        found = {b.name: b.topic_id for b in db.session.scalars(select(QuestionBank))}
        assert found == {"Ngân hàng thử": topic_id, "Thứ hai": topic_id, "Thứ ba": None}
        assert db.session.scalar(select(func.count(Topic.id))) == 1


def test_create_bank_refusals(app, client, bank, organiser):
    duplicate = post_form(client, "/quan-tri/ngan-hang", {"name": "Ngân hàng thử", "topic": ""})
    assert duplicate.status_code == 409
    assert "Đã có ngân hàng tên “Ngân hàng thử”." in text(duplicate)
    no_year = post_form(client, "/quan-tri/ngan-hang", {"name": "Mới", "topic": "moi", "title": "Chuyên đề"})
    assert no_year.status_code == 400
    assert "Vui lòng nhập năm của chuyên đề." in text(no_year)
    bad_year = post_form(client, "/quan-tri/ngan-hang", {"name": "Mới", "topic": "moi", "year": "hai nghìn",
                                                         "title": "Chuyên đề"})
    assert bad_year.status_code == 422
    assert "Vui lòng nhập một số nguyên." in text(bad_year)
    unknown_topic = post_form(client, "/quan-tri/ngan-hang", {"name": "Mới", "topic": "999999"})
    assert unknown_topic.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count(QuestionBank.id))) == 1
        assert db.session.scalar(select(func.count(Topic.id))) == 1


def test_topics_add_and_edit(app, client, organiser):
    added = post_form(client, "/quan-tri/chuyen-de", {"year": "2022", "title": "Chuyên đề năm 2022",
                                                      "issuer": "Tỉnh ủy Cao Bằng"})
    assert added.status_code == 302
    post_form(client, "/quan-tri/chuyen-de", {"year": "2026", "title": "Chuyên đề năm 2026", "issuer": ""})
    listing = text(client.get("/quan-tri/chuyen-de"))
    assert "Chuyên đề năm 2022" in listing and "Tỉnh ủy Cao Bằng" in listing
    with app.app_context():
        ids = {t.year: t.id for t in db.session.scalars(select(Topic))}
    url = f"/quan-tri/chuyen-de/{ids[2022]}"
    assert 'value="Chuyên đề năm 2022"' in text(client.get(url))
    edited = post_form(client, url, {"year": "2023", "title": "Chuyên đề năm 2023", "issuer": "Tỉnh ủy Cao Bằng"})
    assert edited.status_code == 302
    clash = post_form(client, url, {"year": "2026", "title": "Chuyên đề năm 2026", "issuer": ""})
    assert clash.status_code == 409
    assert "Đã có một chuyên đề cùng năm, tên và cơ quan ban hành." in text(clash)
    out_of_range = post_form(client, url, {"year": "1700", "title": "Cũ", "issuer": ""})
    assert out_of_range.status_code == 400 and "Năm của chuyên đề không hợp lệ." in text(out_of_range)
    with app.app_context():
        assert {(t.year, t.title) for t in db.session.scalars(select(Topic))} == {
            (2023, "Chuyên đề năm 2023"), (2026, "Chuyên đề năm 2026")}
    assert client.get("/quan-tri/chuyen-de/999999").status_code == 404


# --- Import: upload → preview → confirm ---------------------------------------------------------

def test_upload_previews_then_confirm_imports(app, client, bank, organiser):
    rows = [["Bác Hồ ra đi tìm đường cứu nước năm nào?", "1911", "1920", "1930", "1945", "A", "dễ", "", ""],
            ["Quy định 144-QĐ/TW nói về điều gì?", "Chuẩn mực đạo đức", "Kỷ luật", "Tài chính", "Đất đai", "A",
             "khó", "Quy định 144", "Quy định 144-QĐ/TW"]]
    page = upload(client, bank, make_csv(rows))
    assert page.status_code == 200
    body = text(page)
    assert "Bác Hồ ra đi tìm đường cứu nước năm nào?" in body
    assert "Chuẩn mực đạo đức" in body and '<li class="correct">' in body
    assert "Chưa ghi nguồn" in body and 'class="row-warning"' in body  # the warning, on its row
    assert "Bấm nhập nghĩa là bạn đã xem và chấp nhận các lưu ý" in body
    assert count_questions(app, bank) == 2  # nothing written yet
    token = token_of(page)
    assert (uploads_dir(app) / token).exists()
    assert token not in client.get_cookie("session").value  # kept on the server, not in the cookie

    done = confirm(client, bank, token)
    assert done.status_code == 302
    assert done.headers["Location"].endswith(f"/quan-tri/ngan-hang/{bank}")
    assert count_questions(app, bank) == 4
    assert "Đã nhập 2 câu hỏi" in text(client.get(done.headers["Location"]))
    assert list(uploads_dir(app).iterdir()) == []  # the file is gone once imported
    again = confirm(client, bank, token)
    assert again.status_code == 410 and "Vui lòng tải tệp lên lại" in text(again)
    assert count_questions(app, bank) == 4


def test_upload_with_errors_cannot_be_confirmed(app, client, bank, organiser):
    rows = [["Câu hợp lệ?", "Có", "Không", "", "", "A", "", "", "Nguồn"],
            ["", "Có", "Không", "", "", "A", "", "", ""],                                # empty question
            ["Câu thiếu phương án?", "Một", "", "", "", "A", "", "", ""],                # 1 option
            ["Đáp án trỏ vào ô trống?", "Có", "Không", "", "", "D", "", "", ""],          # answer → empty
            ["Chủ tịch Hồ Chí Minh sinh năm nào?", "1", "2", "", "", "A", "", "", ""],    # already in bank
            ["Mức độ lạ?", "Có", "Không", "", "", "A", "siêu khó", "", ""]]
    page = upload(client, bank, make_csv(rows))
    assert page.status_code == 422
    body = text(page)
    assert "Tệp có 5 lỗi nên không nhập được." in body
    assert body.count('class="row-error"') == 5
    for message in ["dòng 3: Thiếu nội dung câu hỏi.", "dòng 4: Cần ít nhất 2 phương án trả lời.",
                    "dòng 5: Đáp án D trỏ tới phương án để trống.", "dòng 6: Câu hỏi đã có trong ngân hàng",
                    "dòng 7: Mức độ “siêu khó” không hợp lệ"]:
        assert message in body, message
    assert "Lỗi: Thiếu nội dung câu hỏi." in body  # also marked on its row
    assert not TOKEN_FIELD.search(body) and "/nhap/xac-nhan" not in body
    assert not uploads_dir(app).exists() or list(uploads_dir(app).iterdir()) == []
    assert count_questions(app, bank) == 2
    # a confirm made up by hand imports nothing
    forged = confirm(client, bank, "A" * 32)
    assert forged.status_code == 410
    assert count_questions(app, bank) == 2


def test_unreadable_or_wrong_files(app, client, bank, organiser):
    not_utf8 = upload(client, bank, "Câu hỏi;A".encode("utf-16"), "x.csv")
    assert not_utf8.status_code == 422
    assert "không ở mã UTF-8" in text(not_utf8)
    unknown = upload(client, bank, b"just some words", "ghi-chu.txt")
    assert unknown.status_code == 422 and "Không nhận ra định dạng tệp" in text(unknown)
    wrong_type = upload(client, bank, b"MZ\x90\x00", "virus.exe")
    assert wrong_type.status_code == 422 and "Chỉ nhận tệp .xlsx, .csv" in text(wrong_type)
    missing = post_form(client, f"/quan-tri/ngan-hang/{bank}/nhap", {}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Vui lòng chọn tệp." in text(missing)
    assert count_questions(app, bank) == 2


def test_aiken_upload_with_format_chosen(app, client, bank, organiser):
    aiken = "Năm nào Bác Hồ đọc Tuyên ngôn độc lập?\nA. 1945\nB. 1954\nANSWER: A\n".encode()
    page = upload(client, bank, aiken, "cau-hoi.txt", fmt="aiken")
    assert page.status_code == 200, text(page)
    assert confirm(client, bank, token_of(page)).status_code == 302
    assert "Năm nào Bác Hồ đọc Tuyên ngôn độc lập?" in question_ids(app, bank)


def test_large_file_preview_shows_200_questions_and_every_problem(app, client, bank, organiser):
    rows = [[f"Câu hỏi số {n}?", "Có", "Không", "", "", "A", "", "", "Nguồn"] for n in range(1, 251)]
    rows[239][5] = "Z"  # an error beyond the first 200 questions
    page = upload(client, bank, make_csv(rows))
    body = text(page)
    assert page.status_code == 422
    assert "Hiển thị 200 câu đầu trong 250 câu" in body
    assert "Câu hỏi số 200?" in body and "Câu hỏi số 201?" not in body
    assert "dòng 241: Đáp án “Z” không hợp lệ" in body


def test_expired_token(app, client, bank, organiser):
    page = upload(client, bank, make_csv([["Câu mới?", "Có", "Không", "", "", "A", "", "", "Nguồn"]]))
    token = token_of(page)
    old = time.time() - 3 * 3600
    os.utime(uploads_dir(app) / token, (old, old))
    response = confirm(client, bank, token)
    assert response.status_code == 410
    assert "Tệp đã tải lên không còn trên máy chủ (đã quá hạn" in text(response)
    assert count_questions(app, bank) == 2
    assert list(uploads_dir(app).iterdir()) == []
    for bad in ["", "../../etc/passwd", "x" * 500]:
        assert confirm(client, bank, bad).status_code == 410


def test_token_is_bound_to_its_bank(app, client, bank, organiser):
    with app.app_context():
        other = services.create_bank("Ngân hàng khác").id
        db.session.commit()
    page = upload(client, bank, make_csv([["Câu mới?", "Có", "Không", "", "", "A", "", "", "Nguồn"]]))
    assert confirm(client, other, token_of(page)).status_code == 410
    assert count_questions(app, other) == 0
    assert confirm(client, bank, token_of(page)).status_code == 302  # still usable for its own bank


def test_markup_in_questions_is_shown_as_text(app, client, bank, organiser):
    rows = [[NASTY, f"{NASTY} A", "<b>B</b>", "C", "D", "A", "", "", ""]]
    preview = upload(client, bank, make_csv(rows))
    for page in [preview]:
        body = text(page)
        assert "<script>alert(1)" not in body and '<html class="cool">' not in body and "<b>B</b>" not in body
        assert NASTY_ESCAPED in body and "&lt;b&gt;B&lt;/b&gt;" in body
    assert confirm(client, bank, token_of(preview)).status_code == 302
    question_id = question_ids(app, bank)[NASTY]
    for url in [f"/quan-tri/ngan-hang/{bank}", f"/quan-tri/ngan-hang/{bank}?q=script",
                f"/quan-tri/ngan-hang/{bank}/cau-hoi/{question_id}"]:
        body = text(client.get(url))
        assert "<script>alert(1)" not in body and '<html class="cool">' not in body, url
        assert NASTY_ESCAPED in body, url


# --- Browse, search, edit, retire ---------------------------------------------------------------

def test_browse_shows_options_and_answer(client, bank, organiser):
    body = text(client.get(f"/quan-tri/ngan-hang/{bank}"))
    assert "2 câu." in body
    assert re.search(r'<li class="correct"><span class="letter">B\.</span>\s*2016', body)
    assert "Chưa ghi nguồn." in body and "Tiểu sử" in body


def test_search_is_accent_insensitive(client, bank, organiser):
    body = text(client.get(f"/quan-tri/ngan-hang/{bank}", query_string={"q": "ho chi minh"}))
    assert "Chủ tịch Hồ Chí Minh sinh năm nào?" in body
    assert "Chỉ thị 05-CT/TW ban hành năm nào?" not in body
    assert "1 câu khớp “ho chi minh”" in body
    assert "Không có câu hỏi nào khớp." in text(client.get(f"/quan-tri/ngan-hang/{bank}?q=khong+co+dau"))
    for odd in ["?trang=abc", "?trang=-3", "?trang=99999999999999999999", "?trang=%C2%B2", "?q=" + "a" * 5000]:
        assert client.get(f"/quan-tri/ngan-hang/{bank}{odd}").status_code == 200, odd


def test_pagination(app, client, bank, organiser):
    rows = [[f"Câu phân trang {n}?", "Có", "Không", "", "", "A", "", "", "Nguồn"] for n in range(1, 61)]
    with app.app_context():
        services.import_file(services.get_bank(bank), "p.csv", make_csv(rows), now=utcnow())
        db.session.commit()
    first = text(client.get(f"/quan-tri/ngan-hang/{bank}"))
    assert "Trang 1 / 2" in first and "trang=2" in first
    second = text(client.get(f"/quan-tri/ngan-hang/{bank}?trang=2"))
    assert "Câu phân trang 60?" in second and "Câu phân trang 10?" not in second


def edit_data(**changes) -> dict:
    data = {"text": "Chủ tịch Hồ Chí Minh sinh năm nào?", "option_a": "1890", "option_b": "1891",
            "option_c": "1892", "option_d": "1893", "option_e": "", "option_f": "", "answer": "A",
            "difficulty": "de", "tags": "Tiểu sử", "source": "Tiểu sử Bác", "explanation": ""}
    return {**data, **changes}


def test_edit_question(app, client, bank, organiser):
    question_id = question_ids(app, bank)["Chủ tịch Hồ Chí Minh sinh năm nào?"]
    url = f"/quan-tri/ngan-hang/{bank}/cau-hoi/{question_id}"
    form = text(client.get(url))
    assert "Chủ tịch Hồ Chí Minh sinh năm nào?</textarea>" in form
    assert '<option selected value="A">A</option>' in form
    response = post_form(client, url, edit_data(text="Bác Hồ sinh năm nào?", option_b="1895", answer="A",
                                                difficulty="kho", tags="Tiểu sử; Bác Hồ"))
    assert response.status_code == 302
    with app.app_context():
        question = db.session.get(Question, question_id)
        assert question.text == "Bác Hồ sinh năm nào?"
        assert [o.text for o in question.options] == ["1890", "1895", "1892", "1893"]
        assert (question.difficulty, question.tags) == ("kho", "Tiểu sử; Bác Hồ")


def test_edit_refusals_are_shown_on_the_form(app, client, bank, organiser):
    ids = question_ids(app, bank)
    url = f"/quan-tri/ngan-hang/{bank}/cau-hoi/{ids['Chủ tịch Hồ Chí Minh sinh năm nào?']}"
    empty_key = post_form(client, url, edit_data(option_c="", option_d="", answer="D"))
    assert empty_key.status_code == 400
    assert "Chưa lưu:" in text(empty_key) and "Đáp án D trỏ tới phương án để trống." in text(empty_key)
    assert "1890</textarea>" in text(empty_key)  # what was typed is kept
    same = post_form(client, url, edit_data(text="Chỉ thị 05-CT/TW ban hành năm nào?"))
    assert same.status_code == 409
    assert "Câu hỏi đã có trong ngân hàng: “Chỉ thị 05-CT/TW ban hành năm nào?”." in text(same)
    twins = post_form(client, url, edit_data(option_b="1890"))
    assert "Hai phương án A và B giống nhau." in text(twins)
    with app.app_context():
        question = db.session.get(Question, ids["Chủ tịch Hồ Chí Minh sinh năm nào?"])
        assert [o.text for o in question.options] == ["1890", "1891", "1892", "1893"]
    other_bank_url = f"/quan-tri/ngan-hang/{bank + 1}/cau-hoi/{ids['Chủ tịch Hồ Chí Minh sinh năm nào?']}"
    assert client.get(other_bank_url).status_code == 404


def test_retire_and_restore(app, client, bank, organiser):
    question_id = question_ids(app, bank)["Chỉ thị 05-CT/TW ban hành năm nào?"]
    base = f"/quan-tri/ngan-hang/{bank}"
    retired = post_form(client, f"{base}/cau-hoi/{question_id}/ngung-dung", {"q": "chi thi", "retired": "",
                                                                              "page": "1"}, token_from=base)
    assert retired.status_code == 302
    assert retired.headers["Location"].endswith(f"{base}?q=chi+thi")
    with app.app_context():
        assert db.session.get(Question, question_id).retired_at is not None
    assert "Chỉ thị 05-CT/TW ban hành năm nào?" not in text(client.get(base))
    in_retired = text(client.get(f"{base}?da_ngung=1"))
    assert "Chỉ thị 05-CT/TW ban hành năm nào?" in in_retired and "Dùng lại" in in_retired
    assert re.search(r'data-label="Ngừng dùng">1<', text(client.get("/quan-tri/ngan-hang")))
    restored = post_form(client, f"{base}/cau-hoi/{question_id}/dung-lai", {"retired": "1"}, token_from=base)
    assert restored.headers["Location"].endswith(f"{base}?da_ngung=1")
    with app.app_context():
        assert db.session.get(Question, question_id).retired_at is None
    assert client.post(f"{base}/cau-hoi/{question_id}/ngung-dung").status_code == 400  # no CSRF token
    assert post_form(client, f"{base}/cau-hoi/999999/ngung-dung", {}, token_from=base).status_code == 404


# --- Downloads ------------------------------------------------------------------------------------

def test_template_download(app, client, bank, organiser):
    response = client.get("/quan-tri/ngan-hang/tep-mau.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    book.close()
    assert list(rows[0]) == HEADERS
    assert len(rows) == 3 and all(row[1] for row in rows[1:])
    # the template's example rows are themselves a valid file
    with app.app_context():
        report = services.preview(None, "mau.xlsx", response.data)
        assert not report.errors and len(report.questions) == 2


def test_export_reimports(app, client, bank, organiser):
    response = client.get(f"/quan-tri/ngan-hang/{bank}/xuat.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "ngan-hang-ngan-hang-thu.xlsx" in response.headers["Content-Disposition"]
    with app.app_context():
        copy = services.create_bank("Bản sao").id
        db.session.commit()
    page = upload(client, copy, response.data, "xuat.xlsx")
    assert page.status_code == 200, text(page)
    assert confirm(client, copy, token_of(page)).status_code == 302

    def content(bank_id):
        with app.app_context():
            return sorted((q.text, q.difficulty, q.tags, q.source, tuple((o.text, o.is_correct) for o in q.options))
                          for q in services.questions_of(services.get_bank(bank_id)))

    assert content(copy) == content(bank)
    assert client.get("/quan-tri/ngan-hang/999999/xuat.xlsx").status_code == 404


# --- In a phone browser: the upload progress bar ----------------------------------------------------

@pytest.mark.browser
def test_upload_with_progress_bar_in_browser(app, page, live_server, bank, make_user, make_unit):
    make_unit("ROOT")
    make_user(phone=ROLE_PHONES["organiser"], role="organiser")
    page.goto(f"{live_server}/dang-nhap")
    page.fill("#identifier", ROLE_PHONES["organiser"])
    page.fill("#password", "matkhau123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server}/")

    rows = [[f"Câu hỏi trên điện thoại số {n}? " + "chữ " * 60, "Có", "Không", "", "", "A", "", "", "Nguồn"]
            for n in range(1, 301)]
    data = make_csv(rows)
    page.goto(f"{live_server}/quan-tri/ngan-hang/{bank}/nhap")
    page.set_input_files("input[type=file]", files=[{"name": "lon.csv", "mimeType": "text/csv", "buffer": data}])
    page.evaluate("window.stillHere = true")  # survives only if the page is replaced by the script
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 20,
                                                  "downloadThroughput": 2_000_000,
                                                  "uploadThroughput": len(data) // 2})
    # every text the bar shows, recorded in the page as it changes (a poll from here can miss
    # a short "checking" on a busy machine)
    page.evaluate("""() => { const status = document.querySelector('.upload-progress .status');
        window.statuses = [];
        new MutationObserver(() => window.statuses.push(status.textContent))
            .observe(status, {childList: true, characterData: true, subtree: true}); }""")
    page.click("form.upload-form button[type=submit]")
    page.wait_for_selector(".upload-progress:not([hidden])")
    deadline = time.time() + 20
    while time.time() < deadline and not page.evaluate("document.body.innerText.includes('Đọc được')"):
        time.sleep(0.05)
    seen = {re.sub(r"[0-9]+%", "N%", status) for status in page.evaluate("window.statuses")}
    assert "Đang tải lên… N%" in seen and "Đang kiểm tra…" in seen, seen
    assert page.evaluate("window.stillHere === true")
    assert "Các câu hỏi đọc được" in page.inner_text("main")
    assert "Hiển thị 200 câu đầu trong 300 câu" in page.inner_text("main")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0, "downloadThroughput": -1,
                                                  "uploadThroughput": -1})
    page.click("text=Nhập 300 câu hỏi vào ngân hàng")
    page.wait_for_url(f"{live_server}/quan-tri/ngan-hang/{bank}")
    assert "Đã nhập 300 câu hỏi" in page.inner_text("main")
    assert count_questions(app, bank) == 302
    assert page.console_errors == []  # no CSP violation, no script error


def test_check_report_page(app, client, bank, organiser):
    with app.app_context():
        target = services.get_bank(bank)
        services.import_file(target, "b.csv", make_csv([
            ["Chu tich Ho Chi Minh sinh nam nao?", "1890", "1891", "1892", "1893", "B", "dễ", "", ""],
            ["<b>Ngắn</b>", "Có", "Không", "", "", "A", "dễ", "", ""],
        ]), now=utcnow())
        db.session.commit()
    page = client.get(f"/quan-tri/ngan-hang/{bank}/kiem-tra")
    body = text(page)
    assert page.status_code == 200
    assert "chỉ khác nhau ở dấu" in body            # the accents-only pair is an error
    assert "chưa ghi nguồn" in body and "quá ngắn" in body
    assert "&lt;b&gt;Ngắn&lt;/b&gt;" in body and "<b>Ngắn</b>" not in body
    assert f"/quan-tri/ngan-hang/{bank}/kiem-tra" in text(client.get(f"/quan-tri/ngan-hang/{bank}"))


def test_check_report_page_is_for_organisers(client, bank, login_as):
    login_as("member")
    assert client.get(f"/quan-tri/ngan-hang/{bank}/kiem-tra").status_code == 403


# --- One question through the form ----------------------------------------------------------------

def test_the_add_form_is_in_vietnamese_and_linked_from_the_bank(client, bank, organiser):
    assert f'href="/quan-tri/ngan-hang/{bank}/cau-hoi/moi"' in text(client.get(f"/quan-tri/ngan-hang/{bank}"))
    form = text(client.get(f"/quan-tri/ngan-hang/{bank}/cau-hoi/moi"))
    assert "<h1>Thêm câu hỏi</h1>" in form and "Phương án A" in form and "Đáp án đúng" in form
    assert "kiểm tra như khi nhập từ tệp" in form and 'name="csrf_token"' in form


def test_a_question_is_added_through_the_form(app, client, bank, organiser):
    url = f"/quan-tri/ngan-hang/{bank}/cau-hoi/moi"
    response = post_form(client, url, edit_data(text="Kết luận 01-KL/TW được ban hành năm nào?", option_a="2021",
                                                option_b="2016", option_c="", option_d="", answer="A",
                                                difficulty="trung_binh", tags="Kết luận 01; Văn bản",
                                                source="Kết luận 01-KL/TW ngày 18/5/2021"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/quan-tri/ngan-hang/{bank}")
    listing = text(client.get(response.headers["Location"]))
    assert "Đã thêm câu hỏi vào ngân hàng." in listing and "Kết luận 01-KL/TW được ban hành năm nào?" in listing
    with app.app_context():
        question = db.session.scalars(select(Question).where(Question.text.startswith("Kết luận 01"))).one()
        assert (question.bank_id, question.difficulty, question.tags) == (bank, "trung_binh", "Kết luận 01; Văn bản")
        assert [(o.text, o.is_correct) for o in question.options] == [("2021", True), ("2016", False)]
        assert services.search(services.get_bank(bank), "ket luan 01")[1] == 1
    assert count_questions(app, bank) == 3


def test_the_form_refuses_a_duplicate_as_the_file_import_does(app, client, bank, organiser):
    url = f"/quan-tri/ngan-hang/{bank}/cau-hoi/moi"
    typed = "  chủ tịch HỒ CHÍ MINH sinh năm nào ? "                    # the same once normalised
    refused = post_form(client, url, edit_data(text=typed))
    assert refused.status_code == 409
    body = text(refused)
    assert "Chưa lưu:" in body and "Câu hỏi đã có trong ngân hàng: “Chủ tịch Hồ Chí Minh sinh năm nào?”." in body
    assert "1890</textarea>" in body                                    # what was typed is kept
    assert count_questions(app, bank) == 2
    with app.app_context():                                            # the import says the very same
        report = services.preview(services.get_bank(bank), "a.csv", make_csv([[typed, "1890", "1891", "", "", "A",
                                                                                "", "", ""]]))
        assert [p.message for p in report.errors] == ["Câu hỏi đã có trong ngân hàng: “Chủ tịch Hồ Chí Minh sinh năm nào?”."]


def test_the_form_lists_every_problem_and_warns_of_a_near_duplicate(app, client, bank, organiser):
    url = f"/quan-tri/ngan-hang/{bank}/cau-hoi/moi"
    broken = post_form(client, url, edit_data(text="Câu có nhiều lỗi?", option_a="Có", option_b="có", option_c="",
                                              option_d="Bốn", answer="C"))
    assert broken.status_code == 400
    body = text(broken)
    for message in ("Phương án C để trống nhưng có phương án sau nó.", "Hai phương án A và B giống nhau.",
                    "Đáp án C trỏ tới phương án để trống."):
        assert f"<li>{message}</li>" in body, message
    near = post_form(client, url, edit_data(text="Chu tich Ho Chi Minh sinh nam nao", source=""))
    assert near.status_code == 302
    listing = text(client.get(near.headers["Location"]))
    assert "Lưu ý: Gần trùng với câu đã có trong ngân hàng: “Chủ tịch Hồ Chí Minh sinh năm nào?” (chỉ khác dấu)." in listing
    assert "Chưa ghi nguồn" in listing
    assert count_questions(app, bank) == 3


def test_editing_a_question_is_not_a_duplicate_of_itself(app, client, bank, organiser):
    question_id = question_ids(app, bank)["Chủ tịch Hồ Chí Minh sinh năm nào?"]
    url = f"/quan-tri/ngan-hang/{bank}/cau-hoi/{question_id}"
    assert "<h1>Sửa câu hỏi</h1>" in text(client.get(url))
    same_text = post_form(client, url, edit_data(difficulty="kho"))
    assert same_text.status_code == 302
    assert "Gần trùng" not in text(client.get(same_text.headers["Location"]))
    with app.app_context():
        assert db.session.get(Question, question_id).difficulty == "kho"


def test_the_check_report_lists_every_item_on_the_page_not_in_a_shell(app, client, bank, organiser, monkeypatch):
    from quiz.banks import views

    monkeypatch.setattr(views, "REPORT_SHOWN", 1)
    with app.app_context():
        services.import_file(services.get_bank(bank), "b.csv", make_csv([
            [f"Câu hỏi số {i} về Chỉ thị 05 được ban hành khi nào?", "A1", "B1", "", "", "A", "dễ", "", ""]
            for i in range(3)]), now=utcnow())
        db.session.commit()
    short = text(client.get(f"/quan-tri/ngan-hang/{bank}/kiem-tra"))
    assert "mục khác" in short and "quiz banks" not in short
    full = text(client.get(f"/quan-tri/ngan-hang/{bank}/kiem-tra?du=1"))
    assert "mục khác" not in full and all(f"Câu hỏi số {i} " in full for i in range(3))


def test_the_confirm_writes_what_the_preview_read_without_reading_the_file_again(app, client, bank, organiser,
                                                                                monkeypatch):
    from quiz.banks import formats

    rows = [["Câu hỏi một lần đọc?", "Có", "Không", "", "", "A", "", "", "Nguồn"]]
    page = upload(client, bank, make_csv(rows))
    assert page.status_code == 200
    token = token_of(page)
    assert "Câu hỏi một lần đọc?" in (uploads_dir(app) / token).read_text(encoding="utf-8")  # what was read
    monkeypatch.setattr(formats, "parse", lambda *a, **k: pytest.fail("the file was parsed a second time"))
    done = confirm(client, bank, token)
    assert done.status_code == 302
    assert "Câu hỏi một lần đọc?" in question_ids(app, bank)


def test_the_confirm_checks_again_against_the_bank_as_it_is_now(app, client, bank, organiser):
    rows = [["Câu hỏi được nhập hai lần?", "Có", "Không", "", "", "A", "", "", "Nguồn"]]
    first, second = upload(client, bank, make_csv(rows)), upload(client, bank, make_csv(rows))
    assert confirm(client, bank, token_of(first)).status_code == 302
    before = count_questions(app, bank)
    again = confirm(client, bank, token_of(second))
    assert again.status_code == 422 and "đã có trong ngân hàng" in text(again)
    assert count_questions(app, bank) == before


def test_a_decompression_bomb_is_refused_at_the_preview_saying_why(app, client, bank, organiser, monkeypatch):
    import zipfile

    import openpyxl

    from quiz.banks.formats.template import example_xlsx

    with zipfile.ZipFile(io.BytesIO(example_xlsx())) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    sheet = next(name for name in parts if name.startswith("xl/worksheets/"))
    parts[sheet] = parts[sheet].replace(b"</sheetData>", b"<row/>" * 3_000_000 + b"</sheetData>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert buffer.tell() < 500_000
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("the bomb was opened"))
    page = upload(client, bank, buffer.getvalue(), "bom.xlsx")
    assert page.status_code == 422
    assert "nén tới" in text(page) and "dòng trống" in text(page)
    assert not uploads_dir(app).exists() or list(uploads_dir(app).iterdir()) == []
