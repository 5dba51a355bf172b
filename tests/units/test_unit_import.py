"""Importing the unit tree from .csv and .xlsx: good files, re-imports, and every kind of
bad file, which must write nothing and say what is wrong on which row, in Vietnamese."""
from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from quiz.errors import InvalidFile
from quiz.units import importer, services
from quiz.units.models import Unit

VN_HEADER = "Mã đơn vị,Tên đơn vị,Mã đơn vị cấp trên,Loại đơn vị,Số người"
EN_HEADER = "code,name,parent code,kind,headcount"

TREE_ROWS = [
    ("TU", "Tỉnh ủy Quảng Nam", "", "Tỉnh ủy", "0"),
    ("HU1", "Huyện ủy Duy Xuyên", "TU", "Huyện ủy", "10"),
    ("HU2", "Huyện ủy Núi Thành", "TU", "Huyện ủy", "20"),
    ("DB1", "Đảng bộ xã Duy Hòa", "HU1", "Đảng bộ cơ sở", "30"),
    ("CB1", "Chi bộ thôn Phú Nham", "DB1", "Chi bộ", "7"),
]


def csv_bytes(header: str, rows, sep: str = ",", bom: bool = False, encoding: str = "utf-8") -> bytes:
    lines = [header.replace(",", sep)] + [sep.join(row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding, errors="replace")


def xlsx_bytes(rows, title: str = "Đơn vị") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def count_units(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Unit))


def tree(db) -> dict[str, tuple[str, int, str | None]]:
    """Every unit as code → (path written with codes, depth, parent code)."""
    units = list(db.session.scalars(select(Unit)))
    code_of = {u.id: u.code for u in units}
    return {u.code: ("/" + "/".join(code_of[int(i)] for i in u.path.strip("/").split("/")) + "/",
                     u.depth, code_of.get(u.parent_id)) for u in units}


def assert_paths_consistent(db):
    """Each path is the parent's path plus the unit's own id; each depth is the parent's plus one."""
    units = {u.id: u for u in db.session.scalars(select(Unit))}
    for unit in units.values():
        if unit.parent_id is None:
            assert (unit.path, unit.depth) == (f"/{unit.id}/", 0)
        else:
            parent = units[unit.parent_id]
            assert (unit.path, unit.depth) == (f"{parent.path}{unit.id}/", parent.depth + 1)


EXPECTED_TREE = {
    "TU": ("/TU/", 0, None),
    "HU1": ("/TU/HU1/", 1, "TU"),
    "HU2": ("/TU/HU2/", 1, "TU"),
    "DB1": ("/TU/HU1/DB1/", 2, "HU1"),
    "CB1": ("/TU/HU1/DB1/CB1/", 3, "DB1"),
}


# --- good files -------------------------------------------------------------------------

@pytest.mark.parametrize("header,sep,bom", [
    (VN_HEADER, ",", False),
    (VN_HEADER, ",", True),
    (VN_HEADER, ";", True),   # Excel "CSV UTF-8" in a Vietnamese locale
    (VN_HEADER, ";", False),
    (EN_HEADER, ",", False),
    (EN_HEADER, ";", True),
    (EN_HEADER, "\t", False),
    (VN_HEADER.replace(",", ", "), ",", False),  # "Mã đơn vị, Tên đơn vị, ...": spaces after commas
], ids=["vn-comma", "vn-comma-bom", "vn-semicolon-bom", "vn-semicolon", "en-comma", "en-semicolon-bom",
        "en-tab", "vn-comma-space"])
def test_good_csv(db, header, sep, bom):
    result = importer.import_file("don_vi.csv", csv_bytes(header, TREE_ROWS, sep=sep, bom=bom))
    db.session.commit()

    assert (result.created, result.updated, result.unchanged) == (5, 0, 0)
    assert result.summary() == "Đã nhập: 5 đơn vị mới, 0 đơn vị cập nhật, 0 không đổi."
    assert tree(db) == EXPECTED_TREE
    assert_paths_consistent(db)
    tu = services.by_code("TU")
    assert (tu.name, tu.kind, tu.headcount) == ("Tỉnh ủy Quảng Nam", "Tỉnh ủy", 0)
    db1 = services.by_code("DB1")
    assert (db1.name, db1.kind, db1.headcount) == ("Đảng bộ xã Duy Hòa", "Đảng bộ cơ sở", 30)
    assert db1.parent.code == "HU1"
    assert db1.search_key == "dang bo xa duy hoa db1"


def test_good_xlsx(db):
    rows = [VN_HEADER.split(","),
            ["TU", "Tỉnh ủy Quảng Nam", None, "Tỉnh ủy", None],
            ["HU1", "Huyện ủy Duy Xuyên", "TU", "Huyện ủy", 10],
            ["HU2", "Huyện ủy Núi Thành", "TU", "Huyện ủy", 20.0],  # Excel stores numbers as floats
            [None, None, None, None, None],                        # a blank row is skipped
            ["DB1", "Đảng bộ xã Duy Hòa", "HU1", "Đảng bộ cơ sở", "30"],
            ["CB1", "Chi bộ thôn Phú Nham", "DB1", "Chi bộ", 7]]
    result = importer.import_file("Danh sách.XLSX", xlsx_bytes(rows))
    db.session.commit()

    assert result.created == 5
    assert tree(db) == EXPECTED_TREE
    assert [services.by_code(c).headcount for c in ("TU", "HU1", "HU2", "DB1", "CB1")] == [0, 10, 20, 30, 7]


def test_numeric_codes_in_xlsx(db):
    """A code typed as a number in Excel (101, read back as 101 or 101.0) is the text "101"."""
    rows = [["code", "name", "parent code"], [101, "Gốc", None], [102.0, "Con", 101]]
    importer.import_file("units.xlsx", xlsx_bytes(rows))
    assert services.by_code("102").parent.code == "101"


def test_headcount_forms(db):
    rows = [("A", "Một", "", "", ""), ("B", "Hai", "A", "", " 12 "), ("C", "Ba", "A", "", "1.500"),
            ("D", "Bốn", "A", "", "2 000")]
    importer.import_file("u.csv", csv_bytes(VN_HEADER, rows, sep=";"))
    assert {c: services.by_code(c).headcount for c in "ABCD"} == {"A": 0, "B": 12, "C": 1500, "D": 2000}


def test_leading_blank_line_and_semicolons(db):
    """The separator is guessed from the first line that has something on it."""
    importer.import_file("u.csv", b"\r\n" + csv_bytes(VN_HEADER, TREE_ROWS[:2], sep=";"))
    assert services.by_code("HU1").parent.code == "TU"


def test_only_required_columns(db):
    importer.import_file("u.csv", "Tên đơn vị,Mã đơn vị\nGốc,R\n".encode())
    unit = services.by_code("R")
    assert (unit.name, unit.parent_id, unit.kind, unit.headcount, unit.depth) == ("Gốc", None, "", 0, 0)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_nfd_input_is_stored_nfc(db):
    header = nfd(VN_HEADER)
    rows = [(nfd("ĐBTỈNH"), nfd("Đảng bộ tỉnh Quảng Nam"), "", nfd("Tỉnh ủy"), "0"),
            ("CB", nfd("Chi bộ ấp Bắc"), "ĐBTỈNH", nfd("Chi bộ"), "9")]  # parent code typed in NFC
    assert rows[1][1] != "Chi bộ ấp Bắc"  # the input really is decomposed
    importer.import_file("u.csv", csv_bytes(header, rows))
    db.session.commit()

    root = services.by_code("ĐBTỈNH")
    assert root is not None and root.code == unicodedata.normalize("NFC", root.code)
    assert root.name == "Đảng bộ tỉnh Quảng Nam"
    assert unicodedata.is_normalized("NFC", root.name)
    cb = services.by_code(nfd("CB"))
    assert cb.name == "Chi bộ ấp Bắc" and cb.kind == "Chi bộ"
    assert cb.parent_id == root.id
    assert services.search("chi bo ap bac") == [cb]


def test_spaces_are_collapsed(db):
    importer.import_file("u.csv", csv_bytes(VN_HEADER, [("  R1 ", "  Đảng   bộ\u00a0xã  ", "", "", "")]))
    assert services.by_code("R1").name == "Đảng bộ xã"


def test_row_order_does_not_matter(db):
    """A child may come before its parent in the file."""
    importer.import_file("u.csv", csv_bytes(VN_HEADER, list(reversed(TREE_ROWS))))
    assert tree(db) == EXPECTED_TREE
    assert_paths_consistent(db)


def test_parent_already_in_the_tree(db, make_unit):
    make_unit("TU", name="Tỉnh ủy")
    importer.import_file("u.csv", csv_bytes(VN_HEADER, [("HU9", "Huyện ủy mới", "TU", "", "3")]))
    db.session.commit()
    assert tree(db)["HU9"] == ("/TU/HU9/", 1, "TU")


# --- re-import --------------------------------------------------------------------------

def test_reimport_updates_and_moves_a_subtree(db):
    importer.import_file("u.csv", csv_bytes(VN_HEADER, TREE_ROWS + [("CB2", "Chi bộ 2", "DB1", "", "1")]))
    db.session.commit()
    ids_before = {u.code: u.id for u in db.session.scalars(select(Unit))}

    second = [
        ("TU", "Tỉnh ủy Quảng Nam", "", "Tỉnh ủy", "0"),            # unchanged
        ("HU1", "Huyện ủy Duy Xuyên (mới)", "TU", "Huyện ủy", "11"),  # renamed, new headcount
        ("DB1", "Đảng bộ xã Duy Hòa", "HU2", "Đảng bộ cơ sở", "30"),  # moved with its subtree
        ("HU3", "Huyện ủy Tiên Phước", "TU", "Huyện ủy", "5"),      # new
    ]
    result = importer.import_file("u.csv", csv_bytes(VN_HEADER, second))
    db.session.commit()

    assert (result.created, result.updated, result.unchanged) == (1, 2, 1)
    assert {u.code: u.id for u in db.session.scalars(select(Unit)) if u.code != "HU3"} == ids_before
    hu1 = services.by_code("HU1")
    assert (hu1.name, hu1.headcount) == ("Huyện ủy Duy Xuyên (mới)", 11)
    assert hu1.search_key == "huyen uy duy xuyen (moi) hu1"
    assert tree(db) == {
        "TU": ("/TU/", 0, None),
        "HU1": ("/TU/HU1/", 1, "TU"),
        "HU2": ("/TU/HU2/", 1, "TU"),
        "HU3": ("/TU/HU3/", 1, "TU"),
        "DB1": ("/TU/HU2/DB1/", 2, "HU2"),
        "CB1": ("/TU/HU2/DB1/CB1/", 3, "DB1"),  # not in the file: moved along with its parent
        "CB2": ("/TU/HU2/DB1/CB2/", 3, "DB1"),
    }
    assert_paths_consistent(db)
    assert services.subtree_headcount(services.by_code("HU1")) == 11
    assert services.subtree_headcount(services.by_code("HU2")) == 20 + 30 + 7 + 1


def test_reimport_moves_a_subtree_up_and_down(db):
    importer.import_file("u.csv", csv_bytes(VN_HEADER, TREE_ROWS))
    db.session.commit()
    # DB1 becomes a root; HU1 goes under a brand-new unit created in the same file.
    importer.import_file("u.csv", csv_bytes(VN_HEADER, [
        ("DB1", "Đảng bộ xã Duy Hòa", "", "", "30"),
        ("KHOI", "Khối cơ quan", "TU", "", "0"),
        ("HU1", "Huyện ủy Duy Xuyên", "KHOI", "Huyện ủy", "10"),
    ]))
    db.session.commit()
    assert tree(db) == {
        "TU": ("/TU/", 0, None),
        "KHOI": ("/TU/KHOI/", 1, "TU"),
        "HU1": ("/TU/KHOI/HU1/", 2, "KHOI"),
        "HU2": ("/TU/HU2/", 1, "TU"),
        "DB1": ("/DB1/", 0, None),
        "CB1": ("/DB1/CB1/", 1, "DB1"),
    }
    assert_paths_consistent(db)


def test_reimport_of_the_same_file_changes_nothing(db):
    data = csv_bytes(VN_HEADER, TREE_ROWS)
    importer.import_file("u.csv", data)
    db.session.commit()
    before = {u.code: (u.id, u.path, u.name, u.headcount) for u in db.session.scalars(select(Unit))}
    result = importer.import_file("u.csv", data)
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (0, 0, 5)
    assert {u.code: (u.id, u.path, u.name, u.headcount) for u in db.session.scalars(select(Unit))} == before


def test_reimport_without_optional_columns_keeps_them(db):
    """A file of codes and names (to fix names) neither flattens the tree nor zeroes headcounts."""
    importer.import_file("u.csv", csv_bytes(VN_HEADER, TREE_ROWS))
    db.session.commit()
    result = importer.import_file("u.csv", "Mã đơn vị,Tên đơn vị\nDB1,Đảng bộ xã Duy Hòa (sửa)\n".encode())
    db.session.commit()
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    db1 = services.by_code("DB1")
    assert (db1.name, db1.kind, db1.headcount) == ("Đảng bộ xã Duy Hòa (sửa)", "Đảng bộ cơ sở", 30)
    assert tree(db) == EXPECTED_TREE


def test_a_cycle_through_units_already_in_the_tree(db):
    importer.import_file("u.csv", csv_bytes(VN_HEADER, TREE_ROWS))
    db.session.commit()
    before = tree(db)
    with pytest.raises(InvalidFile) as caught:
        importer.import_file("u.csv", csv_bytes(VN_HEADER, [("HU1", "Huyện ủy Duy Xuyên", "CB1", "", "")]))
    [problem] = caught.value.problems
    assert problem.row == 2
    assert problem.message.startswith("Vòng lặp cấp trên:")
    assert "HU1" in problem.message and "CB1" in problem.message
    assert tree(db) == before


# --- bad files: each writes nothing ------------------------------------------------------

@pytest.fixture
def existing(db, make_unit):
    """A unit already in the tree: bad files must neither add units nor change this one."""
    make_unit("TU", name="Tỉnh ủy", headcount=3)
    return db


def import_fails(db, filename: str, data: bytes) -> list:
    before = count_units(db)
    with pytest.raises(InvalidFile) as caught:
        importer.import_file(filename, data)
    assert count_units(db) == before
    db.session.rollback()
    assert count_units(db) == before
    tu = services.by_code("TU")
    assert (tu.name, tu.headcount) == ("Tỉnh ủy", 3)
    error = caught.value
    assert error.message == (f"Tệp có {len(error.problems)} lỗi; chưa ghi gì vào hệ thống. "
                             "Hãy sửa rồi tải lại.")
    return [(p.row, p.message) for p in error.problems]


# Every file also carries a valid row updating TU and a valid new unit, so a partial write shows.
GOOD_ROWS = [("TU", "Tỉnh ủy (đổi tên)", "", "", "99"), ("MOI", "Đơn vị mới", "TU", "", "1")]

BAD_ROWS = {
    "unknown-parent": ([("X", "Chi bộ X", "KHONGCO", "", "")],
                       [(4, "Mã đơn vị cấp trên “KHONGCO” không có trong tệp lẫn trong hệ thống.")]),
    "duplicate-code": ([("MOI", "Đơn vị mới lần hai", "TU", "", "")],
                       [(4, "Mã đơn vị “MOI” trùng với dòng 3.")]),
    "own-parent": ([("X", "Chi bộ X", "X", "", "")],
                   [(4, "Đơn vị “X” không thể là cấp trên của chính nó.")]),
    "cycle": ([("A", "Đơn vị A", "B", "", ""), ("B", "Đơn vị B", "A", "", "")],
              [(4, "Vòng lặp cấp trên: A → B → A."), (5, "Vòng lặp cấp trên: A → B → A.")]),
    "empty-name": ([("X", "", "TU", "", "")], [(4, "Đơn vị “X” chưa có tên.")]),
    "empty-code": ([("", "Chi bộ không mã", "TU", "", "")], [(4, "Thiếu mã đơn vị.")]),
    "negative-headcount": ([("X", "Chi bộ X", "TU", "", "-5")],
                           [(4, "Số người “-5” không hợp lệ: cần một số nguyên không âm.")]),
    "text-headcount": ([("X", "Chi bộ X", "TU", "", "nhiều")],
                       [(4, "Số người “nhiều” không hợp lệ: cần một số nguyên không âm.")]),
    "fraction-headcount": ([("X", "Chi bộ X", "TU", "", "1.5")],
                           [(4, "Số người “1.5” không hợp lệ: cần một số nguyên không âm.")]),
    "superscript-headcount": ([("X", "Chi bộ X", "TU", "", "²")],
                              [(4, "Số người “²” không hợp lệ: cần một số nguyên không âm.")]),
    "huge-headcount": ([("X", "Chi bộ X", "TU", "", "99999999999")],
                       [(4, "Số người “99999999999” quá lớn.")]),
    "long-code": ([("X" * 51, "Chi bộ X", "TU", "", "")], [(4, "Mã đơn vị dài quá 50 ký tự.")]),
    "long-name": ([("X", "T" * 256, "TU", "", "")], [(4, "Tên đơn vị dài quá 255 ký tự.")]),
}


@pytest.mark.parametrize("kind", list(BAD_ROWS))
def test_bad_csv_row(existing, kind):
    rows, expected = BAD_ROWS[kind]
    assert import_fails(existing, "u.csv", csv_bytes(VN_HEADER, GOOD_ROWS + rows)) == expected


def test_row_numbers_count_blank_lines(existing):
    data = f"{VN_HEADER}\n\nMOI,Mới,TU,,1\n\n\nX,Chi bộ X,KHONGCO,,\n".encode()
    assert import_fails(existing, "u.csv", data) == [
        (6, "Mã đơn vị cấp trên “KHONGCO” không có trong tệp lẫn trong hệ thống.")]


def test_several_errors_are_all_listed_in_row_order(existing):
    rows = GOOD_ROWS + [
        ("A", "", "TU", "", "-1"),                 # row 4: empty name and bad headcount
        ("B", "Đơn vị B", "C", "", ""),            # row 5: cycle B → C → B
        ("C", "Đơn vị C", "B", "", ""),            # row 6
        ("D", "Đơn vị D", "KHONGCO", "", ""),      # row 7: unknown parent
        ("MOI", "Trùng", "TU", "", ""),             # row 8: duplicate of row 3
        ("E", "Đơn vị E", "E", "", "một"),         # row 9: bad headcount, own parent
    ]
    problems = import_fails(existing, "u.csv", csv_bytes(VN_HEADER, rows, sep=";", bom=True))
    assert [row for row, _ in problems] == [4, 4, 5, 6, 7, 8, 9]
    messages = " | ".join(m for _, m in problems)
    for fragment in ("chưa có tên", "Số người “-1”", "Vòng lặp cấp trên: B → C → B", "“KHONGCO”",
                     "trùng với dòng 3", "Số người “một”"):
        assert fragment in messages
    assert len(problems) == 7


@pytest.mark.parametrize("header,missing", [
    ("Mã đơn vị,Mã đơn vị cấp trên,Số người", "“Tên đơn vị”"),
    ("name,parent code", "“Mã đơn vị”"),
    ("Đơn vị,Tên", "“Mã đơn vị”"),
])
def test_missing_required_column(existing, header, missing):
    data = (header + "\nTU,Tỉnh ủy (đổi tên),\n").encode()
    [(row, message)] = import_fails(existing, "u.csv", data)
    assert row == 1
    assert message.startswith(f"Thiếu cột {missing}. Dòng tiêu đề đang là:")


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n;;;;\r\n;;;;\r\n"], ids=["empty", "bom-only", "blank"])
def test_empty_csv(existing, data):
    assert import_fails(existing, "u.csv", data) == [(None, "Tệp trống: không có dòng tiêu đề và dữ liệu.")]


def test_empty_xlsx(existing):
    [(row, message)] = import_fails(existing, "u.xlsx", xlsx_bytes([]))
    assert (row, message) == (None, "Tệp trống: không có dòng tiêu đề và dữ liệu.")


@pytest.mark.parametrize("encoding", ["cp1258", "utf-16"])
def test_csv_not_in_utf8(existing, encoding):
    data = csv_bytes(VN_HEADER, GOOD_ROWS, encoding=encoding)
    [(row, message)] = import_fails(existing, "u.csv", data)
    assert row is None
    assert message.startswith("Tệp CSV không ở mã UTF-8.")


def zip_without_workbook() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    return out.getvalue()


def truncated_workbook() -> bytes:
    whole = xlsx_bytes([VN_HEADER.split(","), GOOD_ROWS[1]])
    return whole[: len(whole) // 2]


@pytest.mark.parametrize("make", [
    lambda: b"day khong phai tep Excel",
    lambda: b"PK\x03\x04" + b"\x00" * 60,  # looks like a zip, is not one
    zip_without_workbook,
    truncated_workbook,
], ids=["text", "zip-header", "zip-not-xlsx", "truncated"])
def test_corrupt_xlsx(existing, make):
    [(row, message)] = import_fails(existing, "u.xlsx", make())
    assert (row, message) == (None, "Không đọc được tệp Excel: tệp hỏng hoặc không phải .xlsx.")


@pytest.mark.parametrize("filename,shown", [("u.xls", ".xls"), ("u.pdf", ".pdf"), ("danh-sach", "danh-sach")])
def test_unsupported_extension(existing, filename, shown):
    [(row, message)] = import_fails(existing, filename, csv_bytes(VN_HEADER, GOOD_ROWS))
    assert row is None
    assert message == (f"Không nhận định dạng tệp “{shown}”: hãy dùng tệp Excel (.xlsx) hoặc CSV (.csv).")


def test_bad_xlsx_rows_name_the_sheet(existing):
    rows = [VN_HEADER.split(","), ["TU", "Tỉnh ủy (đổi tên)", None, None, 99],
            ["X", "Chi bộ X", "TU", None, -2], ["Y", "Chi bộ Y", "TU", None, 1.5],
            ["Z", "Chi bộ Z", "TU", None, True]]
    before = count_units(existing)
    with pytest.raises(InvalidFile) as caught:
        importer.import_file("u.xlsx", xlsx_bytes(rows, title="Danh sách"))
    assert count_units(existing) == before
    assert [str(p) for p in caught.value.problems] == [
        "Trang tính “Danh sách”, dòng 3: Số người “-2” không hợp lệ: cần một số nguyên không âm.",
        "Trang tính “Danh sách”, dòng 4: Số người “1.5” không hợp lệ: cần một số nguyên không âm.",
        "Trang tính “Danh sách”, dòng 5: Số người “True” không hợp lệ: cần một số nguyên không âm.",
    ]


# --- cells Excel stored as formulas or error values --------------------------------------

def test_a_cell_excel_stored_as_a_formula_reads_as_the_text_typed_with_a_warning(db):
    rows = [VN_HEADER.split(","), ["TU", "Tỉnh ủy Quảng Nam", None, "Tỉnh ủy", 5],
            ["CB1", "=- Chi bộ thôn Phú Nham", "TU", "Chi bộ", 7]]   # typed "- Chi bộ thôn Phú Nham"
    result = importer.import_file("u.xlsx", xlsx_bytes(rows))
    assert result.created == 2
    assert services.by_code("CB1").name == "- Chi bộ thôn Phú Nham"
    [warning] = result.warnings
    assert str(warning).startswith("Trang tính “Đơn vị”, dòng 3: Ô B3 (cột “Tên đơn vị”): Excel đã đổi chữ gõ "
                                   "“- Chi bộ thôn Phú Nham” thành công thức “=- Chi bộ thôn Phú Nham”")


def test_a_cell_holding_an_excel_error_value_is_refused_naming_it(existing):
    book = Workbook()
    sheet = book.active
    sheet.title = "Đơn vị"
    for row in [VN_HEADER.split(","), *GOOD_ROWS, ("X", None, "TU", "", "")]:
        sheet.append(list(row))
    sheet["B4"].value, sheet["B4"].data_type = "#NAME?", "e"
    out = io.BytesIO()
    book.save(out)
    [(row, message)] = import_fails(existing, "u.xlsx", out.getvalue())
    assert row == 4
    assert message.startswith("Ô B4 (cột “Tên đơn vị”) chứa giá trị lỗi của Excel “#NAME?”, không phải nội dung đã gõ")


@pytest.mark.parametrize("headcount, message", [("9" * 5000, "không hợp lệ"), ("9" * 13, "quá lớn"), ("²", "không hợp lệ"),
                                                ("１２", "không hợp lệ"), ("1.000." + "000." * 2000 + "000",
                                                                           "không hợp lệ")])
def test_hostile_headcounts_are_named_and_nothing_is_written(db, headcount, message):
    rows = [("A", "Một", "", "", "1"), ("B", "Hai", "A", "", headcount)]
    with pytest.raises(InvalidFile) as error:
        importer.import_file("u.csv", csv_bytes(VN_HEADER, rows, sep=";"))
    assert any(p.row == 3 and message in p.message for p in error.value.problems), error.value.problems
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 0
