"""The organiser's contest pages: list, set-up from TOML (check, create), the contest page,
extending a round, and who may see them."""
from __future__ import annotations

import io
import re
import tomllib
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from markupsafe import escape
from openpyxl import Workbook
from sqlalchemy import func, select

from conftest import csrf_token, post_form
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


def send(client, data: dict, button: str = "check", file: tuple[bytes, str] | None = None):
    """Post the set-up form with the text box ``spec`` (or a file) and one of its buttons."""
    form = {"spec": data.get("spec", ""), button: "1"}
    if file:
        form["file"] = (io.BytesIO(file[0]), file[1])
    return post_form(client, NEW, form, content_type="multipart/form-data")


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
    return [("GET", "/quan-tri/cuoc-thi"), ("GET", NEW), ("POST", NEW), ("GET", c),
            ("POST", f"{c}/dot/{round_id}/gia-han"), ("POST", f"{c}/danh-sach")]


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
        data = {"csrf_token": token, "spec": EXAMPLE, "create": "1",
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
    closes = local_minute(timedelta(days=2))
    assert f"{closes:%H:%M %d/%m/%Y}" in body          # local time, as the ngay_gio filter writes it
    assert re.search(r'data-label="Câu mỗi lượt">20<', body)
    assert re.search(r'data-label="Lượt tối đa mỗi đợt">3<', body)
    assert 'href="/quan-tri/cuoc-thi"' in text(client.get("/"))  # the nav link


# --- Set-up from TOML -----------------------------------------------------------------------

def test_the_new_page_is_prefilled_with_the_example(client, organiser):
    body = text(client.get(NEW))
    assert "tim-hieu-chuyen-de-2026" in body and "[[draw]]" in body
    assert "Kiểm tra" in body and "Tạo cuộc thi" in body
    assert 'style="' not in body and "<script>" not in body


def test_check_shows_warnings_and_writes_nothing(app, client, shipped, organiser):
    response = send(client, {"spec": EXAMPLE}, "check")
    assert response.status_code == 200, text(response)
    body = text(response)
    assert "Đặc tả hợp lệ" in body and "chưa ghi gì" in body
    assert "72 câu, nhưng chỉ có 60" in body                   # the warning, with its numbers
    assert "tim-hieu-chuyen-de-2026" in body                  # the text box keeps what was sent
    assert count_contests(app) == 0


def test_create_makes_the_contest_and_flashes_the_warnings(app, client, shipped, organiser):
    response = send(client, {"spec": EXAMPLE}, "create")
    assert response.status_code == 302, text(response)
    with app.app_context():
        contest = db.session.scalars(select(Contest)).one()
        assert response.headers["Location"].endswith(f"/quan-tri/cuoc-thi/{contest.id}")
        assert [r.opens_at for r in contest.rounds] == [datetime(2026, 12, 1, 0, 0), datetime(2026, 12, 8, 0, 0)]
    page = client.get(response.headers["Location"])
    body = text(page)
    assert "Đã tạo cuộc thi" in body and "72 câu, nhưng chỉ có 60" in body
    assert "07:00 01/12/2026" in body and "21:00 07/12/2026" in body     # local times
    # settings in Vietnamese words
    for words in ("20 phút", "15 giây", "lượt có kết quả cao nhất", "10 phút", "số câu đúng",
                  "chênh lệch câu dự đoán", "thời gian làm bài", "thời điểm nộp bài",
                  "số người trả lời đúng tất cả các câu", "sau khi đợt thi đóng",
                  "Bảng A: cán bộ, đảng viên, công chức", "Đảng viên",
                  "Chuyên đề năm 2026 – Bắc Ninh", "Chỉ thị 05-CT/TW và Kết luận 01-KL/TW (chung)",
                  "không sửa được"):
        assert words in body, words
    assert body.index("số câu đúng") < body.index("chênh lệch câu dự đoán") < body.index("thời điểm nộp bài")


def test_create_from_an_uploaded_file(app, client, shipped, organiser):
    spec = running_spec(slug="tu-tep", max_attempts=0)
    response = send(client, {"spec": ""}, "create", file=(toml_of(spec).encode(), "cuoc-thi.toml"))
    assert response.status_code == 302, text(response)
    with app.app_context():
        contest = db.session.scalars(select(Contest)).one()
        assert contest.slug == "tu-tep" and contest.max_attempts is None
    assert "không giới hạn" in text(client.get(response.headers["Location"]))


def test_a_spec_with_errors_lists_every_one_and_writes_nothing(app, client, shipped, organiser):
    spec = tomllib.loads(EXAMPLE)
    spec["round"][1] = {"name": "Tuần 2", "opens": "2026-12-14 21:00", "closes": "2026-12-08 07:00"}
    spec["draw"][1]["bank"] = "Ngân hàng không có"
    spec["counting"] = "average"
    for button in ("check", "create"):
        response = send(client, {"spec": toml_of(spec)}, button)
        assert response.status_code == 422, (button, text(response))
        body = text(response)
        assert re.search(r"Đặc tả có lỗi, chưa ghi gì \((\d+)\)", body).group(1) == "3"
        assert "round 2: giờ đóng phải sau giờ mở." in body
        assert "không có ngân hàng “Ngân hàng không có”" in body
        assert "counting: cần một trong: best, most_correct, first, last." in body
    assert count_contests(app) == 0


@pytest.mark.parametrize("source, expected", [
    ('slug = "a"\ntitle = \n', "sai cú pháp TOML ở dòng 2"),
    ('[[round]\nname = "x"\n', "sai cú pháp TOML ở dòng 1"),
    ('slug = "a"\ntitle = ', "sai cú pháp TOML ở cuối văn bản"),
    ("", "Vui lòng nhập đặc tả"),
])
def test_a_toml_syntax_error_is_a_vietnamese_message(app, client, shipped, organiser, source, expected):
    for button in ("check", "create"):
        response = send(client, {"spec": source}, button)
        assert response.status_code == 422, text(response)
        assert expected in text(response)
        assert str(escape(source.split("\n")[0])) in text(response)   # what was sent is shown back to fix
    assert count_contests(app) == 0


@pytest.mark.parametrize("source, expected", [
    ('round = "Tuần 1"\n', "round: cần các mục đợt thi"),
    ('draw = [1, 2]\n', "draw: cần các mục dòng rút đề"),
    ('prediction = "đoán"\n', "prediction: cần một bảng"),
])
def test_valid_toml_of_the_wrong_shape_is_an_error_not_a_crash(app, client, shipped, organiser, source, expected):
    response = send(client, {"spec": source}, "create")
    assert response.status_code == 422, text(response)
    assert expected in text(response)
    assert count_contests(app) == 0


def test_a_file_that_is_not_toml_or_not_utf8_is_refused(app, client, organiser):
    response = send(client, {"spec": EXAMPLE}, "check", file=(b"x", "cuoc-thi.xlsx"))
    assert response.status_code == 422 and "Chỉ nhận tệp .toml." in text(response)
    response = send(client, {"spec": ""}, "check", file=('title = "Hội thi"'.encode("utf-16"), "a.toml"))
    assert response.status_code == 422 and "UTF-8" in text(response)
    assert count_contests(app) == 0


# --- The contest page -------------------------------------------------------------------------

def test_the_rules_text_is_text_never_markup(app, client, shipped, organiser):
    spec = running_spec(rules="Dòng một\n<script>alert(1)</script>\n<b>đậm</b>")
    response = send(client, {"spec": toml_of(spec)}, "create")
    assert response.status_code == 302, text(response)
    body = text(client.get(response.headers["Location"]))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;b&gt;đậm&lt;/b&gt;" in body
    assert "<script>alert(1)" not in body and "<b>đậm" not in body
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
