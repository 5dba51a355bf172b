"""The organiser's contest pages: the list; the set-up form (rows added and removed, units
searched, errors beside their fields, without JavaScript) and its TOML import and export;
editing before and after the first attempt, copying, deleting; the contest page with its log;
extending a round; the roster; and who may see them."""
from __future__ import annotations

import io
import re
import tomllib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook
from sqlalchemy import delete as sa_delete
from sqlalchemy import func, select

from conftest import csrf_token, post_form
from form_helpers import fields_of, near, press, value_of
from quiz.audit import services as audit
from quiz.config import ROOT
from quiz.contests import services, setup
from quiz.contests.models import Contest, Round
from quiz.db import utcnow
from quiz.errors import DomainError
from quiz.extensions import db

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
EXAMPLE = (ROOT / "docs" / "contest.example.toml").read_text(encoding="utf-8")
NEW = "/quan-tri/cuoc-thi/moi"


def text(response) -> str:
    return response.get_data(as_text=True)


def count_contests(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Contest.id)))


def local_minute(delta: timedelta) -> datetime:
    """Now plus ``delta`` in local time, naive, to the minute."""
    return (datetime.now(TZ) + delta).replace(tzinfo=None, second=0, microsecond=0)


def to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=TZ).astimezone(timezone.utc).replace(tzinfo=None)


def running_spec(**changes) -> dict:
    """The shipped example with one round open now (closing in two days)."""
    spec = tomllib.loads(EXAMPLE)
    spec["round"] = [{"name": "Tuần 1", "opens": f"{local_minute(-timedelta(days=1)):%Y-%m-%d %H:%M}",
                      "closes": f"{local_minute(timedelta(days=2)):%Y-%m-%d %H:%M}"}]
    spec.update(changes)
    return spec


@pytest.fixture
def shipped(app):
    with app.app_context():
        from quiz.banks import shipped

        shipped.load(utcnow())
        db.session.commit()


@pytest.fixture
def contest(app, shipped):
    """A contest with one running round: (contest id, round id)."""
    with app.app_context():
        result = setup.create(running_spec(), tz=TZ)
        assert result.errors == []
        db.session.commit()
        return result.contest.id, result.contest.rounds[0].id


@pytest.fixture
def organiser(login_as):
    login_as("organiser")


def upload(client, data: bytes, filename: str = "cuoc-thi.toml", url: str = NEW + "/nhap"):
    """“Nhập từ tệp”: a TOML file read into the form."""
    return post_form(client, url, {"file": (io.BytesIO(data), filename)}, token_from=NEW,
                     content_type="multipart/form-data")


def toml_of(spec: dict) -> str:
    """A specification dict back as TOML (only the shapes the example uses: tables of scalars,
    lists and inline tables)."""
    def value(v):
        if isinstance(v, str):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{value(k)} = {value(x)}" for k, x in v.items()) + " }"
        return str(v).lower() if isinstance(v, bool) else str(v)

    lines = [f"{k} = {value(v)}" for k, v in spec.items() if not isinstance(v, (dict, list)) or
             (isinstance(v, list) and not any(isinstance(x, dict) for x in v))]
    for key, v in spec.items():
        if isinstance(v, dict):
            lines += [f"[{key}]", *(f"{k} = {value(x)}" for k, x in v.items())]
        elif isinstance(v, list) and any(isinstance(x, dict) for x in v):
            for entry in v:
                lines += [f"[[{key}]]", *(f"{k} = {value(x)}" for k, x in entry.items())]
    return "\n".join(lines) + "\n"


# --- Access ---------------------------------------------------------------------------------

def routes(contest_id: int, round_id: int) -> list[tuple[str, str]]:
    c = f"/quan-tri/cuoc-thi/{contest_id}"
    return [("GET", "/quan-tri/cuoc-thi"), ("GET", NEW), ("POST", NEW), ("POST", f"{NEW}/nhap"), ("GET", c),
            ("GET", f"{c}/sua"), ("POST", f"{c}/sua"), ("POST", f"{c}/sua/nhap"), ("GET", f"{c}/cau-hinh.toml"),
            ("GET", f"{c}/sao-chep"), ("POST", f"{c}/sao-chep"), ("GET", f"{c}/xoa"), ("POST", f"{c}/xoa"),
            ("GET", "/quan-tri/cuoc-thi/mau.toml"), ("POST", f"{c}/dot/{round_id}/gia-han"),
            ("POST", f"{c}/danh-sach"), ("POST", f"{c}/danh-sach/xac-nhan")]


def test_anonymous_goes_to_login(app, client, contest):
    token = csrf_token(client, "/dang-nhap")
    for method, url in routes(*contest):
        data = {"csrf_token": token} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        assert response.status_code == 302, (method, url, response.status_code)
        assert "/dang-nhap" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("role", ["member", "unit_manager"])
def test_members_and_unit_managers_are_refused(app, client, contest, login_as, role):
    login_as(role)
    token = csrf_token(client, "/tai-khoan")
    for method, url in routes(*contest):
        data = {"csrf_token": token, "title": "X", "action": "save", "first_opens": "01/01/2031 07:00",
                "closes_at": f"{local_minute(timedelta(days=9)):%Y-%m-%dT%H:%M}"} if method == "POST" else None
        response = client.open(url, method=method, data=data)
        assert response.status_code == 403, (role, method, url)
    assert count_contests(app) == 1
    assert "Cuộc thi</a>" not in text(client.get("/"))


@pytest.mark.parametrize("role", ["organiser", "admin"])
def test_organisers_and_admins_see_the_list_with_rounds_in_local_time(app, client, contest, login_as, role):
    login_as(role)
    page = client.get("/quan-tri/cuoc-thi")
    assert page.status_code == 200
    body = text(page)
    assert "Hội thi trực tuyến tìm hiểu Chuyên đề năm 2026" in body and "Tuần 1" in body
    with app.app_context():  # the round's own close (now + 2 days when made: a minute may have passed since)
        closes = db.session.get(Round, contest[1]).closes_at.replace(tzinfo=timezone.utc).astimezone(TZ)
    assert f"{closes:%H:%M %d/%m/%Y}" in body          # local time, as the ngay_gio filter writes it
    assert re.search(r'data-label="Câu mỗi lượt">20<', body)
    assert re.search(r'data-label="Lượt tối đa mỗi đợt">3<', body)
    assert 'href="/quan-tri/cuoc-thi"' in text(client.get("/"))  # the nav link


# --- The set-up form -------------------------------------------------------------------------

def visible(html: str) -> str:
    """The page's text as read (tags and attribute values left out)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def fill_two_rounds_two_banks(client) -> str:
    """The new page, with two rounds and two draw rows added (no JavaScript: the "+" buttons)."""
    html = text(client.get(NEW))
    html = text(press(client, NEW, html, "add:round"))
    html = text(press(client, NEW, html, "add:draw"))
    return html


TWO_ROUNDS = {"title": "Hội thi tìm hiểu Chuyên đề năm 2026", "max_attempts": "3", "time_limit_s": "20",
              "round-0-name": "Tuần 1", "round-0-opens": "01/12/2026 07:00", "round-0-closes": "07/12/2026 21:00",
              "round-1-name": "Tuần 2", "round-1-opens": "08/12/2026 07:00", "round-1-closes": "14/12/2026 21:00",
              "draw-0-bank": "Chuyên đề năm 2026 – Bắc Ninh", "draw-0-count": "12",
              "draw-1-bank": "Chỉ thị 05-CT/TW và Kết luận 01-KL/TW (chung)", "draw-1-count": "8"}


def test_the_new_page_is_a_form_in_vietnamese_with_the_defaults(client, shipped, organiser):
    body = text(client.get(NEW))
    for words in ("Tên cuộc thi", "Thể lệ", "Thời gian làm bài (phút)", "Đợt 1", "Mở lúc", "Đóng lúc",
                  "Khung giờ hằng ngày", "Rút đề", "Chuyên đề năm 2026 – Bắc Ninh (60 câu)", "Ai được dự thi",
                  "Bảng", "Thứ tự xếp hạng", "Số câu đúng", "Giải tập thể", "Mỗi người một giải",
                  "Địa danh trên giấy chứng nhận", "Chức danh người ký", "Họ tên người ký",
                  "+ Thêm đợt thi", "+ Thêm dòng rút đề", "Nhập từ tệp", "Kiểm tra", "Tạo cuộc thi"):
        assert words in body, words
    assert value_of(body, "time_limit_s") == "20" and value_of(body, "max_attempts") == "1"
    assert value_of(body, "tie_break-score") == "1" and value_of(body, "tie_break-submitted_at") == "4"
    assert 'style="' not in body and "<script>" not in body
    assert not re.search(r"time_limit_s|\[\[round\]\]|tie_break", visible(body))       # no file keys shown


def test_an_organiser_creates_two_rounds_and_a_two_bank_draw_without_javascript(app, client, shipped, organiser):
    html = fill_two_rounds_two_banks(client)
    assert value_of(html, "round-1-opens") == "" and value_of(html, "draw-1-count") == ""
    checked = press(client, NEW, html, "check", TWO_ROUNDS)
    assert checked.status_code == 200, text(checked)
    body = text(checked)
    assert "Cài đặt hợp lệ" in body and "chưa ghi gì" in body
    # each row says how many questions match; the pool warning has its numbers, beside its row
    assert "<strong>60</strong> câu phù hợp" in near(body, "draw-0-count")
    assert "6 lượt thi (3 lượt × 2 đợt) × 12 câu = 72 câu, nhưng chỉ có 60 câu" in near(body, "draw-0-count")
    assert count_contests(app) == 0
    saved = press(client, NEW, body, "save")
    assert saved.status_code == 302, text(saved)
    with app.app_context():
        contest = db.session.scalars(select(Contest)).one()
        assert saved.headers["Location"].endswith(f"/quan-tri/cuoc-thi/{contest.id}")
        assert contest.slug == "hoi-thi-tim-hieu-chuyen-de-nam-2026"              # made from the title
        assert [r.opens_at for r in contest.rounds] == [datetime(2026, 12, 1, 0, 0), datetime(2026, 12, 8, 0, 0)]
        assert [(r.count, r.position) for r in contest.draw_rules] == [(12, 1), (8, 2)]
        assert contest.time_limit_s == 1200 and contest.max_attempts == 3
        [entry] = audit.entries(contest_id=contest.id)
        assert entry[0].action == "contest.create" and entry[1] == "Nguyễn Văn An"
    page = text(client.get(saved.headers["Location"]))
    assert "Đã tạo cuộc thi" in page and "72 câu, nhưng chỉ có 60" in page
    assert "07:00 01/12/2026" in page and "21:00 14/12/2026" in page
    for words in ("20 phút", "15 giây", "lượt có kết quả cao nhất", "số câu đúng", "chênh lệch câu dự đoán",
                  "Chuyên đề năm 2026 – Bắc Ninh", "Chỉ thị 05-CT/TW và Kết luận 01-KL/TW (chung)",
                  "Nhật ký thay đổi", "tạo cuộc thi"):
        assert words in page, words


def test_errors_sit_beside_their_fields_in_plain_vietnamese_and_nothing_is_written(app, client, shipped, organiser):
    html = text(client.get(NEW))
    wrong = {"title": "Hội thi", "time_limit_s": "hai mươi", "round-0-opens": "07/12/2026 21:00",
             "round-0-closes": "01/12/2026 07:00", "draw-0-bank": "Chuyên đề năm 2026 – Bắc Ninh",
             "draw-0-count": "61", "tie_break-prediction": "1"}
    for button in ("check", "save"):
        response = press(client, NEW, html, button, wrong)
        assert response.status_code == 422, (button, text(response))
        body = text(response)
        assert "Còn 4 lỗi, chưa ghi gì" in body
        assert "Giờ đóng phải sau giờ mở." in near(body, "round-0-closes")
        assert "Cần 61 câu nhưng ngân hàng chỉ có 60 câu phù hợp." in near(body, "draw-0-count")
        assert "Cần một số phút lớn hơn 0" in near(body, "time_limit_s")
        assert "Hai tiêu chí cùng đứng thứ 1 (số câu đúng và chênh lệch câu dự đoán)" in near(body, "tie_break-submitted_at", 3000)
        assert value_of(body, "time_limit_s") == "hai mươi"                      # what was typed is shown back
        assert value_of(body, "round-0-opens") == "07/12/2026 21:00"
        assert "[[round]]" not in body and "closes" not in visible(body) and "count" not in visible(body)
    assert count_contests(app) == 0


def test_rows_are_added_and_removed_and_units_found_without_javascript(app, client, shipped, organiser, make_unit):
    make_unit("TU", name="Tỉnh ủy Bình An")
    make_unit("TU.H1", "TU", name="Huyện ủy Hòa Bình")
    html = text(press(client, NEW, text(client.get(NEW)), "add:round"))
    assert value_of(html, "round-1-row") == "1"
    html = text(press(client, NEW, html, "remove:round-1"))
    assert value_of(html, "round-1-row") is None and value_of(html, "round-0-row") == "1"
    found = press(client, NEW, html, "enter", {"unit_search": "hoa binh", "eligibility": "units"})
    body = text(found)
    assert found.status_code == 200 and "Huyện ủy Hòa Bình" in body
    assert 'name="units" value="TU.H1">' in body                               # offered, not yet ticked
    fields = {**TWO_ROUNDS, "round-1-name": None, "round-1-opens": None, "round-1-closes": None,
              "draw-1-bank": None, "draw-1-count": None, "units": ["TU.H1"], "unit_search": ""}
    saved = press(client, NEW, body, "save", fields)
    assert saved.status_code == 302, text(saved)
    with app.app_context():
        contest = db.session.scalars(select(Contest)).one()
        assert contest.eligibility == "units" and [u.code for u in services.eligible_units(contest)] == ["TU.H1"]
        assert len(contest.rounds) == 1
    assert "Huyện ủy Hòa Bình (TU.H1)" in text(client.get(saved.headers["Location"]))


def test_a_toml_file_is_read_into_the_form_then_saved_from_it(app, client, shipped, organiser):
    response = upload(client, EXAMPLE.encode())
    assert response.status_code == 200, text(response)
    body = text(response)
    assert "Đã đọc tệp “cuoc-thi.toml” vào biểu mẫu (chưa ghi gì)" in body
    assert value_of(body, "title") == "Hội thi trực tuyến tìm hiểu Chuyên đề năm 2026"
    assert value_of(body, "round-1-opens") == "08/12/2026 07:00" and value_of(body, "min_delay_s") == "10"
    assert value_of(body, "collective_points:Nhất") == "5" and value_of(body, "division-1-code") == "B"
    assert "72 câu, nhưng chỉ có 60" in body
    assert count_contests(app) == 0
    saved = press(client, NEW, body, "save")
    assert saved.status_code == 302, text(saved)
    with app.app_context():
        contest = db.session.scalars(select(Contest)).one()
        from_form = setup.of_contest(contest)
        direct = setup.create(dict(tomllib.loads(EXAMPLE), slug="truc-tiep"), tz=TZ).contest
        expected = setup.of_contest(direct)
        assert {**from_form, "slug": "truc-tiep"} == expected                      # the form lost nothing


@pytest.mark.parametrize("source, expected", [
    ('slug = "a"\ntitle = \n', "sai cú pháp TOML ở dòng 2"),
    ('[[round]\nname = "x"\n', "sai cú pháp TOML ở dòng 1"),
    ('slug = "a"\ntitle = ', "sai cú pháp TOML ở cuối văn bản"),
    ("  \n", "Tệp trống"),
])
def test_a_toml_syntax_error_is_a_vietnamese_message(app, client, shipped, organiser, source, expected):
    response = upload(client, source.encode())
    assert response.status_code == 422, text(response)
    assert expected in text(response)
    assert count_contests(app) == 0


@pytest.mark.parametrize("source, field, expected", [
    ('round = "Tuần 1"\n', "round", "Cần các mục đợt thi"),
    ('draw = [1, 2]\n', "draw", "Cần các mục dòng rút đề"),
    ('prediction = "đoán"\n', "prediction_metric", "Cần một bảng [prediction]"),
])
def test_valid_toml_of_the_wrong_shape_is_an_error_not_a_crash(app, client, shipped, organiser, source, field,
                                                               expected):
    response = upload(client, source.encode())
    assert response.status_code == 422, text(response)
    assert expected in text(response)
    assert count_contests(app) == 0


@pytest.mark.parametrize("source, expected", [
    ("a = " + "[" * 5000 + "]" * 5000, "lồng nhau quá sâu"),
    ("a = " + "{b = " * 3000 + "1" + "}" * 3000, "lồng nhau quá sâu"),
    ("time_limit_s = " + "9" * 5000, "số quá dài"),
    ('title = "Hội thi"\ntime_limit_s = ' + "9" * 4000 + "\ngrace_s = " + "9" * 400, "Thời gian làm bài"),
    ('title = "Hội thi"\n[collective]\nmetric = "weighted"\npoints = {"Nhất" = inf, "Nhì" = nan, "Ba" = '
     + "9" * 400 + "}\n", "Điểm của giải"),
    ('title = "Hội thi"\n[[round]]\nname = "Tuần 1"\nopens = 0001-01-01T00:00:00\ncloses = 0001-01-02T00:00:00\n',
     "Năm cần từ 2000"),
    ('title = "Hội thi"\n[[round]]\nname = "Tuần 1"\nopens = 0001-01-01T00:00:00+14:00\n'
     "closes = 9999-12-31T23:59:59-12:00\n", "Năm cần từ 2000"),
])
def test_hostile_toml_is_a_vietnamese_message_not_a_crash(app, client, shipped, organiser, source, expected):
    response = upload(client, source.encode())
    assert response.status_code == 422, text(response)[:500]
    assert expected in text(response)
    assert count_contests(app) == 0


def test_a_file_that_is_not_toml_or_not_utf8_is_refused(app, client, organiser):
    response = upload(client, b"x", "cuoc-thi.xlsx")
    assert response.status_code == 422 and "Chỉ nhận tệp .toml." in text(response)
    response = upload(client, 'title = "Hội thi"'.encode("utf-16"), "a.toml")
    assert response.status_code == 422 and "UTF-8" in text(response)
    assert count_contests(app) == 0


def test_the_configuration_downloads_as_toml_and_imports_again(app, client, contest, organiser):
    contest_id, _ = contest
    response = client.get(f"/quan-tri/cuoc-thi/{contest_id}/cau-hinh.toml")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="tim-hieu-chuyen-de-2026.toml"'
    raw = tomllib.loads(text(response))
    assert "# Thời gian làm bài" in text(response)
    with app.app_context():
        again = setup.create(dict(raw, slug="lan-hai"), tz=TZ)
        assert again.errors == [] and [str(w) for w in again.warnings if "không dùng" in str(w)] == []
        original = setup.of_contest(db.session.get(Contest, contest_id))
        assert {**setup.of_contest(again.contest), "slug": original["slug"]} == original
    example = client.get("/quan-tri/cuoc-thi/mau.toml")
    assert example.status_code == 200 and "certificate_signer_name" in text(example)


def test_the_form_exports_what_it_holds_as_toml(app, client, shipped, organiser):
    html = fill_two_rounds_two_banks(client)
    response = press(client, NEW, html, "export", TWO_ROUNDS)
    assert response.status_code == 200, text(response)
    assert response.headers["Content-Disposition"].endswith('filename="hoi-thi-tim-hieu-chuyen-de-nam-2026.toml"')
    raw = tomllib.loads(text(response))
    assert [r["opens"] for r in raw["round"]] == ["2026-12-01 07:00", "2026-12-08 07:00"]
    assert count_contests(app) == 0


# --- Editing, copying, deleting ---------------------------------------------------------------

def edit_url(contest_id: int) -> str:
    return f"/quan-tri/cuoc-thi/{contest_id}/sua"


def add_attempt(app, make_user, contest_id: int) -> None:
    """A member's finished attempt in the contest's first round."""
    from quiz.accounts.models import User
    from quiz.attempts.models import Attempt

    user_id = make_user(phone="0912999001").id
    with app.app_context():
        round_ = db.session.get(Contest, contest_id).rounds[0]
        start = round_.opens_at + timedelta(minutes=5)
        db.session.add(Attempt(contest_id=contest_id, round_id=round_.id, user_id=user_id, number=1, seed=1,
                               unit_id=db.session.get(User, user_id).unit_id, started_at=start,
                               deadline_at=start + timedelta(minutes=20), finished_at=start + timedelta(minutes=5),
                               score=10, time_used_ms=300_000))
        db.session.commit()


def test_a_typo_fixed_after_saving_is_in_the_contest_log_with_who_and_what(app, client, contest, organiser):
    contest_id, _ = contest
    html = text(client.get(edit_url(contest_id)))
    assert value_of(html, "title") == "Hội thi trực tuyến tìm hiểu Chuyên đề năm 2026"
    assert "Không sửa được nữa" not in html                                   # no attempt yet: all of it
    saved = press(client, edit_url(contest_id), html, "save", {"title": "Hội thi trực tuyến tìm hiểu Chuyên đề năm 2026 (sửa)"})
    assert saved.status_code == 302, text(saved)
    page = text(client.get(saved.headers["Location"]))
    assert "Đã lưu thay đổi: Tên cuộc thi." in page
    log = page[page.index("Nhật ký thay đổi"):]
    assert "Nguyễn Văn An" in log and "sửa cuộc thi" in log and "Sửa Tên cuộc thi" in log
    assert "Chuyên đề năm 2026 → Hội thi trực tuyến tìm hiểu Chuyên đề năm 2026 (sửa)" in log
    unchanged = press(client, edit_url(contest_id), text(client.get(edit_url(contest_id))), "save")
    assert "Không có thay đổi nào." in text(client.get(unchanged.headers["Location"]))
    with app.app_context():
        assert [e.action for e, _ in audit.entries(contest_id=contest_id)] == ["contest.edit"]


def test_once_attempts_exist_the_page_says_what_is_locked_and_why(app, client, shipped, organiser, make_user):
    with app.app_context():
        spec = running_spec()
        spec["round"].append({"name": "Tuần 2", "opens": f"{local_minute(timedelta(days=3)):%Y-%m-%d %H:%M}",
                              "closes": f"{local_minute(timedelta(days=9)):%Y-%m-%d %H:%M}"})
        contest_id = setup.create(spec, tz=TZ).contest.id
        db.session.commit()
    add_attempt(app, make_user, contest_id)
    html = text(client.get(edit_url(contest_id)))
    assert "Cuộc thi đã có lượt thi: cách rút đề" in html and "sao chép thành cuộc thi mới" in html
    assert "Không sửa được nữa: cuộc thi đã có lượt thi" in html
    inputs = fields_of(html)
    for locked in ("time_limit_s", "max_attempts", "counting", "draw-0-bank", "draw-0-count", "tie_break-score",
                   "division-0-name", "slug", "round-0-opens", "round-0-closes"):
        assert locked not in inputs, locked                                     # disabled: shown, not sent
    for free in ("title", "rules", "prize-0-name", "certificate_place", "round-0-name", "round-1-opens"):
        assert free in inputs, free
    assert "Đợt đã mở lúc" in html and "Gia hạn" in html
    later = local_minute(timedelta(days=10))
    changes = {"title": "Tên mới", "round-1-closes": f"{later:%d/%m/%Y %H:%M}", "prize-0-count": "2",
               "certificate_signer_name": "Nguyễn Văn Bình", "time_limit_s": "5"}   # the last one is not on the page
    saved = press(client, edit_url(contest_id), html, "save", changes)
    assert saved.status_code == 302, text(saved)
    with app.app_context():
        contest = db.session.get(Contest, contest_id)
        assert contest.title == "Tên mới" and contest.time_limit_s == 1200
        assert contest.rounds[1].closes_at == to_utc(later) and contest.prize_tiers[0].count == 2
        assert contest.certificate_signer_name == "Nguyễn Văn Bình"
    added = text(press(client, edit_url(contest_id), text(client.get(edit_url(contest_id))), "add:round"))
    opens, closes = local_minute(timedelta(days=11)), local_minute(timedelta(days=12))
    saved = press(client, edit_url(contest_id), added, "save",
                  {"round-2-opens": f"{opens:%d/%m/%Y %H:%M}", "round-2-closes": f"{closes:%d/%m/%Y %H:%M}"})
    assert saved.status_code == 302, text(saved)
    with app.app_context():
        assert [r.name for r in db.session.get(Contest, contest_id).rounds] == ["Tuần 1", "Tuần 2", "Đợt 3"]
    page = text(client.get(f"/quan-tri/cuoc-thi/{contest_id}"))
    assert f"/quan-tri/cuoc-thi/{contest_id}/xoa" not in page and "không xoá được" in page


def test_a_contest_is_copied_with_its_rounds_moved_and_nothing_opened(app, client, contest, organiser):
    contest_id, _ = contest
    url = f"/quan-tri/cuoc-thi/{contest_id}/sao-chep"
    form = text(client.get(url))
    assert "Hội thi trực tuyến tìm hiểu Chuyên đề năm 2026 (bản sao)" in form
    assert 'value="tim-hieu-chuyen-de-2026-ban-sao"' in form
    past = post_form(client, url, {"title": "Năm sau", "slug": "nam-sau", "first_opens": "01/01/2020 07:00"})
    assert past.status_code == 422 and "phải mở sau bây giờ" in text(past)
    taken = post_form(client, url, {"title": "Năm sau", "slug": "tim-hieu-chuyen-de-2026",
                                    "first_opens": "01/12/2030 07:00"})
    assert taken.status_code == 422 and "Đã có cuộc thi dùng tên ngắn" in text(taken)
    done = post_form(client, url, {"title": "Năm sau", "slug": "nam-sau", "first_opens": "01/12/2030 07:00"})
    assert done.status_code == 302, text(done)
    with app.app_context():
        old, new = db.session.get(Contest, contest_id), services.contest_by_slug("nam-sau")
        assert new.rounds[0].opens_at == datetime(2030, 12, 1, 0, 0)
        assert new.rounds[0].closes_at - new.rounds[0].opens_at == old.rounds[0].closes_at - old.rounds[0].opens_at
        assert [(r.count, r.bank_id) for r in new.draw_rules] == [(r.count, r.bank_id) for r in old.draw_rules]
        assert [e.action for e, _ in audit.entries(contest_id=new.id)] == ["contest.copy"]
    assert "Sao chép từ “Hội thi trực tuyến" in text(client.get(done.headers["Location"]))


def test_a_contest_without_attempts_is_deleted_after_confirming(app, client, contest, organiser):
    contest_id, _ = contest
    url = f"/quan-tri/cuoc-thi/{contest_id}/xoa"
    confirm = text(client.get(url))
    assert "Xoá hẳn cuộc thi" in confirm and "Không hoàn tác được" in confirm
    done = post_form(client, url, {})
    assert done.status_code == 302 and done.headers["Location"].endswith("/quan-tri/cuoc-thi")
    assert "Đã xoá cuộc thi" in text(client.get("/quan-tri/cuoc-thi"))
    assert count_contests(app) == 0
    with app.app_context():
        assert [e.action for e, _ in audit.entries()] == ["contest.delete"]
        assert db.session.scalar(select(func.count(Round.id))) == 0


def test_a_contest_with_attempts_is_not_deleted(app, client, contest, organiser, make_user):
    contest_id, _ = contest
    add_attempt(app, make_user, contest_id)
    url = f"/quan-tri/cuoc-thi/{contest_id}/xoa"
    assert "không xoá được" in text(client.get(url))
    refused = post_form(client, url, {}, token_from=f"/quan-tri/cuoc-thi/{contest_id}")   # a page sent earlier
    assert refused.status_code == 303
    assert "không xoá được" in text(client.get(refused.headers["Location"]))
    assert count_contests(app) == 1


def test_each_round_links_to_its_live_page_once_that_page_exists(app, client, contest, organiser):
    from flask import Blueprint

    contest_id, round_id = contest
    live = f"/quan-tri/cuoc-thi/{contest_id}/dot/{round_id}/theo-doi"
    if "control.round_page" not in app.view_functions:
        assert "Theo dõi, điều khiển đợt" not in text(client.get(f"/quan-tri/cuoc-thi/{contest_id}"))
        stand_in = Blueprint("control", __name__)
        stand_in.add_url_rule("/quan-tri/cuoc-thi/<int:contest_id>/dot/<int:round_id>/theo-doi", "round_page",
                              lambda contest_id, round_id: "")
        app.register_blueprint(stand_in)
    assert f'href="{live}">Theo dõi, điều khiển đợt →' in text(client.get(f"/quan-tri/cuoc-thi/{contest_id}"))


# --- The contest page -------------------------------------------------------------------------

def test_the_rules_text_is_text_never_markup(app, client, shipped, organiser):
    with app.app_context():
        contest_id = setup.create(running_spec(rules="Dòng một\n<script>alert(1)</script>\n<b>đậm</b>"),
                                  tz=TZ).contest.id
        db.session.commit()
    for url in (f"/quan-tri/cuoc-thi/{contest_id}", edit_url(contest_id)):
        body = text(client.get(url))
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;b&gt;đậm&lt;/b&gt;" in body
        assert "<script>alert(1)" not in body and "<b>đậm" not in body
    body = text(client.get(f"/quan-tri/cuoc-thi/{contest_id}"))
    assert 'class="rules-text">Dòng một\n&lt;script&gt;' in body        # line breaks kept (pre-line)


def test_an_unknown_contest_or_round_is_404(client, contest, organiser):
    contest_id, round_id = contest
    assert client.get("/quan-tri/cuoc-thi/999999").status_code == 404
    url = f"/quan-tri/cuoc-thi/999999/dot/{round_id}/gia-han"
    assert post_form(client, url, {"closes_at": "2030-01-01T00:00"}, token_from=NEW).status_code == 404


# --- Extending a round ------------------------------------------------------------------------

def extend(client, contest_id: int, round_id: int, value: str):
    return post_form(client, f"/quan-tri/cuoc-thi/{contest_id}/dot/{round_id}/gia-han", {"closes_at": value},
                     token_from=f"/quan-tri/cuoc-thi/{contest_id}")


def closes_at(app, round_id: int) -> datetime:
    with app.app_context():
        return db.session.get(Round, round_id).closes_at


def test_a_later_close_is_stored_in_utc(app, client, contest, organiser):
    contest_id, round_id = contest
    later = local_minute(timedelta(days=5)).replace(hour=6, minute=30)      # 06:30 local = 23:30 UTC the day before
    response = extend(client, contest_id, round_id, f"{later:%Y-%m-%dT%H:%M}")
    assert response.status_code == 302, text(response)
    assert closes_at(app, round_id) == to_utc(later)
    assert closes_at(app, round_id).hour == 23 and closes_at(app, round_id).minute == 30
    body = text(client.get(response.headers["Location"]))
    assert "Đã gia hạn" in body and f"{later:%H:%M %d/%m/%Y}" in body


@pytest.mark.parametrize("delta", [timedelta(days=-1), timedelta(minutes=-1), timedelta(0)])
def test_an_earlier_or_equal_close_is_refused(app, client, contest, organiser, delta):
    contest_id, round_id = contest
    before = closes_at(app, round_id)
    value = before.replace(tzinfo=timezone.utc).astimezone(TZ) + delta
    response = extend(client, contest_id, round_id, f"{value:%Y-%m-%dT%H:%M}")
    assert response.status_code == 400
    assert "Chỉ được gia hạn: giờ đóng mới phải sau giờ đóng hiện tại." in text(response)
    assert closes_at(app, round_id) == before


def test_a_close_that_is_not_a_time_is_refused(app, client, contest, organiser):
    contest_id, round_id = contest
    before = closes_at(app, round_id)
    response = extend(client, contest_id, round_id, "ngày mai")
    assert response.status_code == 422 and "Thời điểm không hợp lệ." in text(response)
    assert closes_at(app, round_id) == before


def test_extend_round_refuses_a_close_in_the_past(db, shipped):
    now = datetime(2027, 1, 10, 12, 0)
    round_ = Round(number=1, name="Tuần 1", opens_at=datetime(2027, 1, 1), closes_at=datetime(2027, 1, 5))
    with pytest.raises(DomainError, match="Chỉ được gia hạn"):
        services.extend_round(round_, datetime(2027, 1, 8), now)        # later than the close, but past
    with pytest.raises(DomainError, match="Chỉ được gia hạn"):
        services.extend_round(round_, datetime(2027, 1, 4), now)
    services.extend_round(round_, datetime(2027, 1, 12), now)
    assert round_.closes_at == datetime(2027, 1, 12)
    round_.frozen_at = now
    with pytest.raises(DomainError, match="đã chốt kết quả"):
        services.extend_round(round_, datetime(2027, 1, 20), now)


# --- The roster -------------------------------------------------------------------------------

@pytest.fixture
def roster_contest(app, shipped, make_unit):
    make_unit("TU")
    with app.app_context():
        result = setup.create(running_spec(eligibility="roster", slug="theo-danh-sach"), tz=TZ)
        db.session.commit()
        return result.contest.id


def upload_roster(client, contest_id: int, csv: str, button: str):
    url = f"/quan-tri/cuoc-thi/{contest_id}"
    return post_form(client, f"{url}/danh-sach", {"file": (io.BytesIO(csv.encode()), "ds.csv"), button: "1"},
                     token_from=url, content_type="multipart/form-data")


def test_the_roster_is_checked_then_imported_from_the_contest_page(app, client, roster_contest, organiser):
    from quiz.contests import roster

    page = text(client.get(f"/quan-tri/cuoc-thi/{roster_contest}"))
    assert "Chưa có danh sách" in page and "danh sách dự thi được nhập" in page
    good = "Họ và tên,Số điện thoại,Mã đơn vị\nNguyễn Văn An,0912000001,TU\nLê Thị Hoa,0912000002,TU\n"
    checked = upload_roster(client, roster_contest, good, "check")
    assert checked.status_code == 200 and "Tệp hợp lệ (chưa ghi)" in text(checked)
    with app.app_context():
        assert roster.size(db.session.get(Contest, roster_contest)) == 0
    done = upload_roster(client, roster_contest, good, "save")
    assert done.status_code == 302
    page = text(client.get(done.headers["Location"]))
    assert "2 người thuộc 1 đơn vị" in page and "<strong>2</strong> người trong danh sách" in page


def test_a_checked_roster_is_imported_from_the_check_without_reading_the_file_again(app, client, roster_contest,
                                                                                   organiser, make_unit, monkeypatch):
    from quiz.contests import roster

    good = "Họ và tên,Số điện thoại,Mã đơn vị\nNguyễn Văn An,0912000001,TU\nLê Thị Hoa,0912000002,TU\n"
    checked = upload_roster(client, roster_contest, good, "check")
    assert checked.status_code == 200 and "Nhập danh sách vừa kiểm tra" in text(checked)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text(checked)).group(1)
    monkeypatch.setattr(roster, "read_table", lambda *a, **k: pytest.fail("the file was read a second time"))
    url = f"/quan-tri/cuoc-thi/{roster_contest}"
    done = post_form(client, f"{url}/danh-sach/xac-nhan", {"token": token}, token_from=url)
    assert done.status_code == 302
    with app.app_context():
        assert roster.size(db.session.get(Contest, roster_contest)) == 2
    again = post_form(client, f"{url}/danh-sach/xac-nhan", {"token": token}, token_from=url)
    assert again.status_code == 410 and "Vui lòng tải tệp lên lại" in text(again)
    forged = post_form(client, f"{url}/danh-sach/xac-nhan", {"token": "A" * 32}, token_from=url)
    assert forged.status_code == 410


def test_a_checked_roster_whose_unit_was_removed_is_refused_and_writes_nothing(app, client, roster_contest,
                                                                              organiser, make_unit):
    from quiz.contests import roster
    from quiz.units.models import Unit

    make_unit("XA", "TU")
    checked = upload_roster(client, roster_contest, "Họ và tên,Số điện thoại,Mã đơn vị\nAn,0912000001,XA\n", "check")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', text(checked)).group(1)
    with app.app_context():
        db.session.execute(sa_delete(Unit).where(Unit.code == "XA"))
        db.session.commit()
    url = f"/quan-tri/cuoc-thi/{roster_contest}"
    refused = post_form(client, f"{url}/danh-sach/xac-nhan", {"token": token}, token_from=url)
    assert refused.status_code == 422 and "Cây đơn vị đã thay đổi" in text(refused)
    with app.app_context():
        assert roster.size(db.session.get(Contest, roster_contest)) == 0


def test_a_roster_check_shows_the_warning_of_a_cell_excel_stored_as_a_formula(client, roster_contest, organiser):
    book = Workbook()
    book.active.append(["Họ và tên", "Số điện thoại", "Mã đơn vị"])
    book.active.append(["Nguyễn Văn An", "=+84912345678", "TU"])
    data = io.BytesIO()
    book.save(data)
    url = f"/quan-tri/cuoc-thi/{roster_contest}"
    checked = post_form(client, f"{url}/danh-sach", {"file": (io.BytesIO(data.getvalue()), "ds.xlsx"), "check": "1"},
                        token_from=url, content_type="multipart/form-data")
    body = text(checked)
    assert checked.status_code == 200 and "Tệp hợp lệ (chưa ghi)" in body
    assert "Lưu ý: Trang tính “Sheet”, dòng 2: Ô B2 (cột “Số điện thoại”)" in body


def test_a_bad_roster_lists_its_problems_and_keeps_the_old_one(app, client, roster_contest, organiser):
    from quiz.contests import roster

    upload_roster(client, roster_contest, "Họ và tên,Số điện thoại,Mã đơn vị\nAn,0912000001,TU\n", "save")
    failed = upload_roster(client, roster_contest, "Họ và tên,Số điện thoại,Mã đơn vị\n<b>X</b>,abc,ZZ\n", "save")
    body = text(failed)
    assert failed.status_code == 422 and "dòng 2" in body and "ZZ" in body and "<b>X</b>" not in body
    with app.app_context():
        assert roster.size(db.session.get(Contest, roster_contest)) == 1


def test_a_roster_upload_to_an_everyone_contest_is_refused(client, contest, organiser):
    refused = upload_roster(client, contest[0], "Họ và tên,Số điện thoại,Mã đơn vị\nAn,0912000001,TU\n", "save")
    assert refused.status_code == 400 and "không dùng danh sách dự thi" in text(refused)
