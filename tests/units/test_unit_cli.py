"""`quiz units import FILE`: one transaction; a bad file prints its problems and writes nothing."""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from quiz.extensions import db
from quiz.units import services
from quiz.units.models import Unit

GOOD = ("Mã đơn vị;Tên đơn vị;Mã đơn vị cấp trên;Loại đơn vị;Số người\r\n"
        "TU;Tỉnh ủy Quảng Nam;;Tỉnh ủy;\r\n"
        "HU1;Huyện ủy Duy Xuyên;TU;Huyện ủy;10\r\n"
        "CB1;Chi bộ ấp Bắc;HU1;Chi bộ;1.200\r\n")
BAD = ("code,name,parent code,kind,headcount\n"
       "TU,Tỉnh ủy (đổi tên),,,\n"
       "HU1,Huyện ủy Duy Xuyên,KHONGCO,,10\n"
       "CB1,,TU,,-3\n")


def snapshot(app) -> dict[str, tuple]:
    with app.app_context():
        return {u.code: (u.name, u.path, u.headcount) for u in db.session.scalars(select(Unit))}


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Unit))


@pytest.fixture
def good_csv(tmp_path):
    path = tmp_path / "don_vi.csv"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    return path


@pytest.fixture
def bad_csv(tmp_path):
    path = tmp_path / "don_vi_loi.csv"
    path.write_text(BAD, encoding="utf-8")
    return path


def test_import_good_file(app, runner, good_csv):
    result = runner.invoke(args=["units", "import", str(good_csv)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Đã nhập: 3 đơn vị mới, 0 đơn vị cập nhật, 0 không đổi."
    with app.app_context():
        cb1 = services.by_code("CB1")
        assert (cb1.name, cb1.depth, cb1.headcount) == ("Chi bộ ấp Bắc", 2, 1200)
        assert [u.code for u in services.ancestry(cb1)] == ["TU", "HU1", "CB1"]

    again = runner.invoke(args=["units", "import", str(good_csv)])
    assert again.exit_code == 0, again.output
    assert "0 đơn vị mới, 0 đơn vị cập nhật, 3 không đổi" in again.output
    assert count(app) == 3


def test_import_xlsx(app, runner, tmp_path):
    book = Workbook()
    book.active.append(["Mã đơn vị", "Tên đơn vị", "Mã đơn vị cấp trên"])
    book.active.append(["TU", "Tỉnh ủy", None])
    book.active.append(["HU1", "Huyện ủy", "TU"])
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "don_vi.xlsx"
    path.write_bytes(out.getvalue())
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert snapshot(app)["HU1"][1].count("/") == 3  # "/<TU>/<HU1>/"


def test_import_prints_the_warning_of_a_cell_excel_stored_as_a_formula(app, runner, tmp_path):
    book = Workbook()
    book.active.title = "Đơn vị"
    book.active.append(["Mã đơn vị", "Tên đơn vị"])
    book.active.append(["TU", "=+Tỉnh ủy"])
    out = io.BytesIO()
    book.save(out)
    path = tmp_path / "don_vi.xlsx"
    path.write_bytes(out.getvalue())
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "  lưu ý: Trang tính “Đơn vị”, dòng 2: Ô B2 (cột “Tên đơn vị”)" in result.output
    assert snapshot(app)["TU"][0] == "+Tỉnh ủy"


def test_import_bad_file(app, runner, make_unit, bad_csv):
    make_unit("TU", name="Tỉnh ủy", headcount=5)
    before = snapshot(app)
    result = runner.invoke(args=["units", "import", str(bad_csv)])
    assert result.exit_code == 1
    assert "Lỗi: Tệp có 3 lỗi; chưa ghi gì vào hệ thống." in result.stderr
    problems = [line.strip() for line in result.stderr.splitlines() if line.startswith("  - ")]
    assert problems == [
        "- dòng 3: Mã đơn vị cấp trên “KHONGCO” không có trong tệp lẫn trong hệ thống.",
        "- dòng 4: Đơn vị “CB1” chưa có tên.",
        "- dòng 4: Số người “-3” không hợp lệ: cần một số nguyên không âm.",
    ]
    assert result.stdout == ""
    assert snapshot(app) == before


@pytest.mark.parametrize("name,data,message", [
    ("don_vi.xls", b"anything", "Không nhận định dạng tệp “.xls”"),
    ("don_vi.csv", "Mã,Tên\nA,Đơn vị".encode("utf-16"), "Tệp CSV không ở mã UTF-8."),
    ("don_vi.xlsx", b"not a workbook", "Không đọc được tệp Excel"),
    ("don_vi.csv", b"", "Tệp trống"),
])
def test_import_unreadable_file(app, runner, tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 1
    assert "Lỗi: Tệp có 1 lỗi" in result.stderr
    assert message in result.stderr
    assert count(app) == 0


def test_dry_run_writes_nothing(app, runner, make_unit, good_csv):
    make_unit("TU", name="Tỉnh ủy (tên cũ)")
    before = snapshot(app)
    result = runner.invoke(args=["units", "import", "--dry-run", str(good_csv)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("Tệp hợp lệ (chạy thử, chưa ghi). "
                                     "Đã nhập: 2 đơn vị mới, 1 đơn vị cập nhật, 0 không đổi.")
    assert snapshot(app) == before


def test_dry_run_of_a_bad_file(app, runner, bad_csv):
    result = runner.invoke(args=["units", "import", "--dry-run", str(bad_csv)])
    assert result.exit_code == 1
    assert "dòng 3: Mã đơn vị cấp trên “KHONGCO”" in result.stderr
    assert count(app) == 0


def test_missing_file(app, runner, tmp_path):
    result = runner.invoke(args=["units", "import", str(tmp_path / "khong_co.csv")])
    assert result.exit_code == 2
    assert count(app) == 0
