"""A unit's exports: individual results (ranked when frozen, sorted by Vietnamese name while
running) and the per-unit summary, through the CLI and the download routes, within scope."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from quiz.contests.models import Contest
from quiz.db import utcnow
from quiz.extensions import db as _db
from quiz.rankings import services as rankings


def freeze(app, cid: int) -> None:
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        rankings.freeze(contest.rounds[0], contest, now=utcnow())
        _db.session.commit()


def slug_of(app, cid: int) -> str:
    with app.app_context():
        return _db.session.get(Contest, cid).slug


def rows_after_header(sheet, header_first: str = "STT") -> list[tuple]:
    rows = list(sheet.iter_rows(values_only=True))
    start = next(i for i, row in enumerate(rows) if row[0] == header_first)
    return rows[start + 1:]


def test_a_frozen_round_exports_in_rank_order_with_unit_paths_and_a_summary(app, runner, closed_contest, tmp_path):
    cid, rid, users = closed_contest
    freeze(app, cid)
    target = tmp_path / "tu.xlsx"
    done = runner.invoke(args=["export", "--contest", slug_of(app, cid), "--unit", "TU", "--round", "1", str(target)])
    assert done.exit_code == 0, done.output
    book = load_workbook(target)
    results, summary = book.worksheets
    assert results["A1"].value.startswith("KẾT QUẢ CÁ NHÂN") and "Đơn vị: Đơn vị TU (TU)" in results["A2"].value
    body = rows_after_header(results)
    assert [(r[0], r[1], r[3], r[7], r[10], r[11]) for r in body] == [
        (1, "Nguyễn Văn An", "Đơn vị TU › Huyện Một", 20, 1, "Nhất"),
        (2, "Trần Thị Bình", "Đơn vị TU › Huyện Hai", 18, 2, "Nhì"),
        (3, "Lê Văn Cường", "Đơn vị TU › Huyện Một", 15, 3, None)]
    figures = {r[1]: r for r in rows_after_header(summary)}
    assert figures["TU"][4:6] == (3, 3) and figures["H1"][4:6] == (2, 2) and figures["H2"][4] == 1
    assert figures["H1"][9] == 1 and figures["H2"][9] == 2          # H1 ranks first among siblings


def test_a_unit_sees_only_its_subtree(app, runner, closed_contest, tmp_path):
    cid, rid, users = closed_contest
    freeze(app, cid)
    target = tmp_path / "h1.csv"
    done = runner.invoke(args=["export", "--contest", slug_of(app, cid), "--unit", "H1", str(target)])
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert [r[1] for r in rows[1:]] == ["Nguyễn Văn An", "Lê Văn Cường"]


def test_a_running_round_lists_members_by_vietnamese_name(app, runner, make_contest, make_user, make_unit, tmp_path):
    from quiz.attempts import services as attempts
    from quiz.accounts.models import User

    make_unit("TU")
    names = ["Trần Văn Bình", "Nguyễn Thị An", "Lê Văn Đức", "Phạm Thị Ánh", "Đỗ Thị Dung"]
    people = [make_user(phone=f"09120009{i:02d}", unit="TU", full_name=n).id for i, n in enumerate(names)]
    now = utcnow()
    cid = make_contest(round=[{"name": "Tuần 1", "opens": (now - timedelta(days=1)).isoformat(),
                               "closes": (now + timedelta(days=1)).isoformat()}])
    with app.app_context():
        contest = _db.session.get(Contest, cid)
        for user_id in people:
            attempt = attempts.start(_db.session.get(User, user_id), contest, now=now)
            attempts.submit(attempt, contest, now=now + timedelta(seconds=30))
        _db.session.commit()
    target = tmp_path / "tu.csv"
    assert runner.invoke(args=["export", "--contest", slug_of(app, cid), "--unit", "TU", str(target)]).exit_code == 0
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig")), delimiter=";"))
    assert [r[1] for r in rows[1:]] == ["Nguyễn Thị An", "Phạm Thị Ánh", "Trần Văn Bình", "Đỗ Thị Dung", "Lê Văn Đức"]
    assert all(r[-2] == "" for r in rows[1:])                        # no rank before results are frozen


def test_a_name_that_looks_like_a_formula_is_escaped(app, runner, closed_contest, tmp_path):
    from sqlalchemy import update

    from quiz.accounts.models import User

    cid, rid, users = closed_contest
    with app.app_context():
        _db.session.execute(update(User).where(User.id == users[0]).values(full_name="=HYPERLINK(\"http://x\")"))
        _db.session.commit()
    freeze(app, cid)
    target = tmp_path / "tu.csv"
    runner.invoke(args=["export", "--contest", slug_of(app, cid), "--unit", "TU", "--round", "1", str(target)])
    assert "'=HYPERLINK" in target.read_text(encoding="utf-8-sig")


def test_bad_cli_arguments_are_vietnamese_errors(app, runner, closed_contest, tmp_path):
    cid, rid, users = closed_contest
    slug = slug_of(app, cid)
    for args, expected in ((["--unit", "KHONG"], "Không có đơn vị"), (["--unit", "TU", "--round", "9"], "đợt thi số 9")):
        failed = runner.invoke(args=["export", "--contest", slug, *args, str(tmp_path / "x.xlsx")])
        assert failed.exit_code == 1 and expected in failed.output
    failed = runner.invoke(args=["export", "--contest", slug, "--unit", "TU", str(tmp_path / "x.pdf")])
    assert failed.exit_code == 1 and ".xlsx hoặc .csv" in failed.output


def _unit_id(app, code: str) -> int:
    from quiz.units.services import by_code

    with app.app_context():
        return by_code(code).id


def test_downloads_within_scope(app, client, closed_contest, make_user, auth):
    cid, rid, users = closed_contest
    freeze(app, cid)
    h1, h2, tu = (_unit_id(app, code) for code in ("H1", "H2", "TU"))
    make_user(phone="0913200001", role="unit_manager", managed="H1", unit="H1")
    auth.login("0913200001")
    book = client.get(f"/bao-cao/{cid}/don-vi/{h1}/ket-qua.xlsx", query_string={"dot": rid})
    assert book.status_code == 200 and "attachment" in book.headers["Content-Disposition"]
    assert load_workbook(io.BytesIO(book.data)).worksheets[0].title == "Kết quả cá nhân"
    book.close()                                                     # the server closes the temporary file
    table = client.get(f"/bao-cao/{cid}/don-vi/{h1}/tong-hop.csv")
    assert table.status_code == 200 and table.data.startswith(b"\xef\xbb\xbf") and "Huyện Một" in table.text
    for raw in (str(h2), str(tu), f"0{tu}", f"{h2}.0", f"+{h2}", "99999999999", "abc"):
        for path in ("ket-qua.xlsx", "ket-qua.csv", "tong-hop.csv"):
            status = client.get(f"/bao-cao/{cid}/don-vi/{raw}/{path}").status_code
            assert status in (403, 404), (raw, path, status)
    assert client.get(f"/bao-cao/{cid}/don-vi/{h2}/ket-qua.csv").status_code == 403


@pytest.mark.parametrize("role, expected", [("member", 403), ("organiser", 200)])
def test_downloads_for_members_and_organisers(app, client, closed_contest, login_as, role, expected):
    cid, rid, users = closed_contest
    login_as(role)
    assert client.get(f"/bao-cao/{cid}/don-vi/{_unit_id(app, 'TU')}/ket-qua.csv").status_code == expected


def test_downloads_need_login(app, client, closed_contest):
    cid, rid, users = closed_contest
    response = client.get(f"/bao-cao/{cid}/don-vi/{_unit_id(app, 'TU')}/ket-qua.csv")
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


def test_a_frozen_round_exports_each_member_as_frozen(app, runner, closed_contest, tmp_path):
    """A later change of đối tượng or unit does not show in a frozen round's export."""
    from quiz.accounts.models import CATEGORIES, User
    from quiz.units.services import by_code

    cid, rid, users = closed_contest
    freeze(app, cid)
    with app.app_context():
        user = _db.session.get(User, users[0])
        was = CATEGORIES[user.category]
        user.category = "nhan_dan" if user.category != "nhan_dan" else "doan_vien"
        user.unit_id = by_code("H2").id
        _db.session.commit()
    target = tmp_path / "tu.xlsx"
    done = runner.invoke(args=["export", "--contest", slug_of(app, cid), "--unit", "TU", "--round", "1", str(target)])
    assert done.exit_code == 0, done.output
    first = rows_after_header(load_workbook(target).worksheets[0])[0]
    assert (first[1], first[3], first[4], first[10], first[11]) == (
        "Nguyễn Văn An", "Đơn vị TU › Huyện Một", was, 1, "Nhất")


def test_the_summary_lists_units_in_vietnamese_order(app, runner, make_unit, make_contest, tmp_path):
    """Siblings by name in Vietnamese order (a < ă < â … d < đ …, case ignored), each level
    word by word: "Xã Hoa Lư" before "Xã Hòa An" (the tone of "Hoa" decides first)."""
    make_unit("TU", name="Tỉnh ủy")
    for i, name in enumerate(["Yên Lập", "Đông Sơn", "ấp Bắc", "trường Tiểu học", "An Khánh", "Ân Thi"]):
        make_unit(f"U{i}", "TU", name=name)
    make_unit("U1A", "U1", name="Xã Hòa An")
    make_unit("U1B", "U1", name="Xã Hoa Lư")
    cid = make_contest()
    target = tmp_path / "tong-hop.xlsx"
    assert runner.invoke(args=["export", "--contest", slug_of(app, cid), "--unit", "TU", str(target)]).exit_code == 0
    summary = load_workbook(target).worksheets[1]
    assert [r[2].strip() for r in rows_after_header(summary)] == [
        "Tỉnh ủy", "An Khánh", "Ân Thi", "ấp Bắc", "Đông Sơn", "Xã Hoa Lư", "Xã Hòa An", "trường Tiểu học", "Yên Lập"]
