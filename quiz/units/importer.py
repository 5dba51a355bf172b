"""Import a unit tree from a table: columns code, name, parent code, kind, headcount.

The whole file is checked first (unknown parent, duplicate code, a cycle, empty name, bad
headcount ...). A file with any problem writes nothing and every problem is reported by
row. A code already in the tree updates that unit (its name, kind, headcount, parent); a
column the file does not have (only code and name are required) leaves that field as it is.
A cell Excel stored as a formula is read as the text typed, with a warning in the result; a
cell holding an Excel error value (``#NAME?`` …) is a problem (see ``quiz.tables``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select

from quiz.errors import InvalidFile, Problem
from quiz.extensions import db
from quiz.tables import Table, cell, map_columns, read_table
from quiz.text import ascii_int, clean, fold
from quiz.units.models import Unit
from quiz.units.services import rebuild_paths

COLUMNS = {
    "code": ["Mã đơn vị", "ma don vi", "ma", "code", "unit code"],
    "name": ["Tên đơn vị", "ten don vi", "ten", "name", "unit name"],
    "parent": ["Mã đơn vị cấp trên", "ma don vi cap tren", "ma cap tren", "don vi cap tren",
               "parent code", "parent", "parent_code"],
    "kind": ["Loại đơn vị", "loai don vi", "loai", "cap", "kind", "type"],
    "headcount": ["Số người", "so nguoi", "so luong", "so dang vien", "so doan vien", "so thanh vien",
                  "quan so", "headcount"],
}
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:[.,\s][0-9]{3}){1,4}")
MAX_HEADCOUNT = 2_147_483_647  # the database column is a 32-bit integer


@dataclass
class UnitRow:
    """One unit of the file. ``parent`` "" makes a root; ``parent``, ``kind`` or ``headcount``
    None (the file has no such column) keeps what a unit already in the tree has."""

    row: int
    code: str
    name: str
    parent: str | None
    kind: str | None
    headcount: int | None


@dataclass
class ImportResult:
    created: int
    updated: int
    unchanged: int
    warnings: list[Problem] = field(default_factory=list)  # how cells were read; nothing refused

    def summary(self) -> str:
        return (f"Đã nhập: {self.created} đơn vị mới, {self.updated} đơn vị cập nhật, "
                f"{self.unchanged} không đổi.")


def import_file(filename: str, data: bytes) -> ImportResult:
    return import_table(read_table(filename, data))


def import_table(table: Table) -> ImportResult:
    columns = map_columns(table, COLUMNS, required={"code", "name"})
    rows, problems = [], list(table.errors)
    for number, values in table.rows:
        parsed = _parse(number, values, columns, problems, table.sheet)
        if parsed:
            rows.append(parsed)
    result = import_rows(rows, problems, table.sheet)
    result.warnings = list(table.warnings)
    return result


def import_rows(rows: list[UnitRow], problems: list[Problem] | None = None,
                sheet: str | None = None) -> ImportResult:
    problems = list(problems or [])
    problems += check(rows, sheet)
    if problems:
        raise InvalidFile(sorted(problems, key=lambda p: (p.row or 0)))
    return _write(rows)


def _parse(number: int, values: list, columns: dict[str, int], problems: list[Problem],
           sheet: str | None) -> UnitRow | None:
    def get(name):
        return clean(cell(values, columns.get(name)))

    def optional(name):
        return get(name) if name in columns else None

    ok = True
    code, name, parent, kind = get("code"), get("name"), optional("parent"), optional("kind")
    if not code:
        problems.append(Problem(number, "Thiếu mã đơn vị.", sheet))
        ok = False
    elif len(code) > 50:
        problems.append(Problem(number, "Mã đơn vị dài quá 50 ký tự.", sheet))
        ok = False
    if not name:
        problems.append(Problem(number, f"Đơn vị “{code}” chưa có tên.", sheet))
        ok = False
    elif len(name) > 255:
        problems.append(Problem(number, "Tên đơn vị dài quá 255 ký tự.", sheet))
        ok = False
    if kind is not None and len(kind) > 100:
        problems.append(Problem(number, "Loại đơn vị dài quá 100 ký tự.", sheet))
        ok = False
    headcount = None
    if "headcount" in columns:
        headcount = _headcount(cell(values, columns["headcount"]))
        if headcount is None:
            problems.append(Problem(number, f"Số người “{get('headcount')}” không hợp lệ: "
                                            "cần một số nguyên không âm.", sheet))
            ok = False
        elif headcount > MAX_HEADCOUNT:
            problems.append(Problem(number, f"Số người “{get('headcount')}” quá lớn.", sheet))
            ok = False
    return UnitRow(number, code, name, parent, kind, headcount) if ok else None


def _headcount(raw) -> int | None:
    if raw is None or clean(raw) == "":
        return 0
    if isinstance(raw, bool):
        return None
    if isinstance(raw, (int, float)):
        return int(raw) if float(raw).is_integer() and raw >= 0 else None
    text = clean(raw)
    if ascii_int(text, 15) is not None:  # not "²" or "½", which isdigit() also accepts, nor 5,000 digits
        return ascii_int(text, 15)
    if _THOUSANDS.fullmatch(text):
        return int(re.sub(r"\D", "", text))
    return None


def check(rows: list[UnitRow], sheet: str | None = None) -> list[Problem]:
    """Every problem of the file as a whole: duplicates, unknown parents, cycles."""
    problems: list[Problem] = []
    first_row: dict[str, int] = {}
    for row in rows:
        if row.code in first_row:
            problems.append(Problem(row.row, f"Mã đơn vị “{row.code}” trùng với dòng {first_row[row.code]}.",
                                    sheet))
        else:
            first_row[row.code] = row.row
    existing = dict(db.session.execute(
        select(Unit.code, Unit.parent_id)).all())
    existing_codes = dict(db.session.execute(select(Unit.id, Unit.code)).all())
    parent_of = {code: existing_codes.get(pid) for code, pid in existing.items()}
    for row in rows:
        if row.parent is not None or row.code not in parent_of:  # None: keeps its parent
            parent_of[row.code] = row.parent or None
    for row in rows:
        if row.parent and row.parent not in parent_of:
            problems.append(Problem(row.row, f"Mã đơn vị cấp trên “{row.parent}” không có trong tệp "
                                             "lẫn trong hệ thống.", sheet))
        elif row.parent == row.code:
            problems.append(Problem(row.row, f"Đơn vị “{row.code}” không thể là cấp trên của chính nó.", sheet))
    cyclic = _cycles(parent_of)
    for row in rows:
        if row.code in cyclic and row.parent != row.code:
            problems.append(Problem(row.row, f"Vòng lặp cấp trên: {cyclic[row.code]}.", sheet))
    return problems


def _cycles(parent_of: dict[str, str | None]) -> dict[str, str]:
    """Codes that sit on a cycle of parent links, each with the cycle written out."""
    state: dict[str, int] = {}  # 1 = on the current walk, 2 = done
    found: dict[str, str] = {}
    for start in parent_of:
        walk = []
        code = start
        while code is not None and code in parent_of and state.get(code) is None:
            state[code] = 1
            walk.append(code)
            code = parent_of[code]
        if code is not None and state.get(code) == 1:
            loop = walk[walk.index(code):]
            text = " → ".join([*loop, code])
            for member in loop:
                found[member] = text
        for member in walk:
            state[member] = 2
    return found


def _write(rows: list[UnitRow]) -> ImportResult:
    units = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_([r.code for r in rows])))}
    created, changed = set(), set()
    for row in rows:
        values = {"name": row.name, "search_key": fold(f"{row.name} {row.code}")}
        if row.kind is not None:
            values["kind"] = row.kind
        if row.headcount is not None:
            values["headcount"] = row.headcount
        unit = units.get(row.code)
        if unit is None:
            units[row.code] = Unit(code=row.code, path=f"~{row.code}", depth=0,
                                   **{"kind": "", "headcount": 0, **values})
            db.session.add(units[row.code])
            created.add(row.code)
        elif any(getattr(unit, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(unit, key, value)
            changed.add(row.code)
    db.session.flush()  # new units get their ids
    outside = {r.parent for r in rows if r.parent} - units.keys()
    parents = {u.code: u for u in db.session.scalars(select(Unit).where(Unit.code.in_(outside)))}
    parents.update(units)
    for row in rows:
        if row.parent is None:  # no parent column: a new unit stays a root, others stay put
            continue
        unit = units[row.code]
        parent_id = parents[row.parent].id if row.parent else None
        if unit.parent_id != parent_id:
            unit.parent_id = parent_id
            changed.add(row.code)
    db.session.flush()
    rebuild_paths()
    db.session.expire_all()
    updated = len(changed - created)
    return ImportResult(len(created), updated, len(rows) - len(created) - updated)
