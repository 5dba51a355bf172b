"""Importing a contest's roster: checked whole, nothing written on any problem, replaced whole."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from quiz.contests import roster
from quiz.contests.models import Contest, RosterEntry
from quiz.errors import DomainError, InvalidFile
from quiz.extensions import db as _db

HEADER = "Họ và tên,Số điện thoại,Số CCCD,Mã đơn vị\n"


@pytest.fixture
def contest(app, make_contest, make_unit):
    make_unit("TU")
    make_unit("TU.H1", "TU")
    with app.app_context():
        return make_contest(eligibility="roster")


def entries(contest_id: int) -> list[tuple]:
    return [tuple(row) for row in _db.session.execute(
        select(RosterEntry.full_name, RosterEntry.phone, RosterEntry.cccd).where(RosterEntry.contest_id == contest_id)
        .order_by(RosterEntry.id))]


def test_a_good_file_is_imported_with_numbers_normalised(ctx, contest):
    data = (HEADER + "Nguyễn Văn An,0912 345 678,,TU.H1\nLê Thị Hoa,+84 913 000 001,001090000001,TU\n"
            "Phạm Minh,,０１２３４５６７８９０１,TU\n").encode()
    result = roster.import_file(_db.session.get(Contest, contest), "ds.csv", data)
    assert (result.people, result.units, result.replaced) == (3, 2, 0)
    assert entries(contest) == [("Nguyễn Văn An", "0912345678", None), ("Lê Thị Hoa", "0913000001", "001090000001"),
                                ("Phạm Minh", None, "012345678901")]


def test_every_problem_is_named_by_row_and_nothing_is_written(ctx, contest):
    data = (HEADER + "Nguyễn Văn An,0912345678,,TU\n"       # fine
            ",0912000002,,TU\n"                               # 3: no name
            "Trần B,12345,,TU\n"                              # 4: not a phone
            "Lê C,,,TU\n"                                     # 5: no number at all
            "Đỗ D,0912000005,,KHONG-CO\n"                     # 6: unknown unit
            "Vũ E,0912 345 678,,TU\n").encode()               # 7: same phone as row 2
    with pytest.raises(InvalidFile) as caught:
        roster.import_file(_db.session.get(Contest, contest), "ds.csv", data)
    found = {p.row: p.message for p in caught.value.problems}
    assert set(found) == {3, 4, 5, 6, 7}
    assert "Thiếu họ và tên" in found[3] and "Số điện thoại không hợp lệ" in found[4]
    assert "chưa có số điện thoại hay số CCCD" in found[5] and "KHONG-CO" in found[6]
    assert "trùng với dòng 2" in found[7]
    assert entries(contest) == []


def test_a_file_without_a_phone_or_cccd_column_is_refused(ctx, contest):
    with pytest.raises(InvalidFile) as caught:
        roster.import_file(_db.session.get(Contest, contest), "ds.csv", "Họ và tên,Mã đơn vị\nAn,TU\n".encode())
    assert "Số điện thoại" in str(caught.value.problems[0])


def test_a_new_import_replaces_the_roster_and_a_dry_run_writes_nothing(ctx, contest):
    target = _db.session.get(Contest, contest)
    roster.import_file(target, "ds.csv", (HEADER + "An,0912000001,,TU\nBình,0912000002,,TU\n").encode())
    result = roster.import_file(target, "ds.csv", (HEADER + "Chi,0912000003,,TU\n").encode(), dry_run=True)
    assert result.replaced == 2 and len(entries(contest)) == 2
    roster.import_file(target, "ds.csv", (HEADER + "Chi,0912000003,,TU\n").encode())
    assert entries(contest) == [("Chi", "0912000003", None)]


def test_an_xlsx_roster_with_english_headers(ctx, contest):
    book = Workbook()
    sheet = book.active
    sheet.append(["Full name", "Phone", "Unit code"])
    sheet.append(["Hoàng Văn Em", 912000009, "TU.H1"])  # Excel dropped the leading zero
    buffer = io.BytesIO()
    book.save(buffer)
    roster.import_file(_db.session.get(Contest, contest), "ds.xlsx", buffer.getvalue())
    assert entries(contest) == [("Hoàng Văn Em", "0912000009", None)]


def roster_workbook(rows, error_cell: str | None = None) -> bytes:
    """A roster workbook; ``error_cell`` holds an Excel error value (its value in ``rows``)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append(["Họ và tên", "Số điện thoại", "Mã đơn vị"])
    for row in rows:
        sheet.append(row)
    if error_cell:
        sheet[error_cell].data_type = "e"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_phone_excel_stored_as_a_formula_reads_as_typed_with_a_warning(ctx, contest):
    data = roster_workbook([["Nguyễn Văn An", "=+84912345678", "TU"], ["Lê Thị Hoa", "0912000002", "TU"]])
    result = roster.import_file(_db.session.get(Contest, contest), "ds.xlsx", data)
    assert entries(contest) == [("Nguyễn Văn An", "0912345678", None), ("Lê Thị Hoa", "0912000002", None)]
    [warning] = result.warnings
    assert str(warning).startswith("Trang tính “Danh sách”, dòng 2: Ô B2 (cột “Số điện thoại”): Excel đã đổi "
                                   "chữ gõ “+84912345678” thành công thức “=+84912345678”")


def test_a_cell_holding_an_excel_error_value_is_refused_naming_it_and_nothing_is_written(ctx, contest):
    data = roster_workbook([["Nguyễn Văn An", "0912000001", "TU"], ["#NAME?", "0912000002", "TU"]], "A3")
    with pytest.raises(InvalidFile) as caught:
        roster.import_file(_db.session.get(Contest, contest), "ds.xlsx", data)
    [problem] = caught.value.problems
    assert str(problem).startswith("Trang tính “Danh sách”, dòng 3: Ô A3 (cột “Họ và tên”) chứa giá trị lỗi "
                                   "của Excel “#NAME?”, không phải nội dung đã gõ")
    assert entries(contest) == []


def test_cli_prints_the_warning_of_a_formula_cell(app, runner, contest, tmp_path):
    path = tmp_path / "ds.xlsx"
    path.write_bytes(roster_workbook([["Nguyễn Văn An", "=+84912345678", "TU"]]))
    with app.app_context():
        slug = _db.session.get(Contest, contest).slug
    done = runner.invoke(args=["contests", "roster", slug, str(path)])
    assert done.exit_code == 0, done.output
    assert "  lưu ý: Trang tính “Danh sách”, dòng 2: Ô B2 (cột “Số điện thoại”)" in done.output


def test_a_contest_open_to_everyone_has_no_roster(ctx, make_contest):
    cid = make_contest()
    with pytest.raises(DomainError, match="không dùng danh sách dự thi"):
        roster.import_file(_db.session.get(Contest, cid), "ds.csv", (HEADER + "An,0912000001,,TU\n").encode())


def test_cli_imports_a_roster(app, runner, contest, tmp_path):
    path = tmp_path / "ds.csv"
    path.write_text(HEADER + "An,0912000001,,TU\n", encoding="utf-8")
    with app.app_context():
        slug = _db.session.get(Contest, contest).slug
    checked = runner.invoke(args=["contests", "roster", slug, str(path), "--dry-run"])
    assert checked.exit_code == 0 and "chạy thử" in checked.output
    done = runner.invoke(args=["contests", "roster", slug, str(path)])
    assert done.exit_code == 0 and "1 người thuộc 1 đơn vị" in done.output
    path.write_text(HEADER + "An,123,,TU\n", encoding="utf-8")
    failed = runner.invoke(args=["contests", "roster", slug, str(path)])
    assert failed.exit_code == 1 and "dòng 2" in failed.output
    with app.app_context():
        assert len(entries(contest)) == 1
