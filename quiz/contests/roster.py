"""A contest's roster: the imported list of the people eligible to take it (eligibility
"roster"), each counted under a unit for participation reports.

Columns: họ và tên, số điện thoại and/or CCCD (at least one per row), mã đơn vị. The whole
file is checked before anything is written (missing name, a number that is not a phone or a
CCCD, an unknown unit, the same person twice); a file with any problem writes nothing and
every problem is named by row. An import replaces the contest's whole roster. A cell Excel
stored as a formula (a phone typed ``+84…``) is read as the text typed, with a warning in the
result; a cell holding an Excel error value is a problem (see ``quiz.tables``).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, select

from quiz.accounts.identity import normalise_cccd, normalise_phone
from quiz.contests.models import Contest, RosterEntry
from quiz.errors import DomainError, InvalidFile, Problem
from quiz.extensions import db
from quiz.tables import Table, cell, map_columns, read_table
from quiz.text import clean
from quiz.units.models import Unit

COLUMNS = {
    "name": ["Họ và tên", "ho va ten", "ho ten", "ten", "full name", "name"],
    "phone": ["Số điện thoại", "so dien thoai", "dien thoai", "sdt", "so dt", "phone"],
    "cccd": ["Số CCCD", "so cccd", "cccd", "cmnd", "so dinh danh", "so dinh danh ca nhan", "id number"],
    "unit": ["Mã đơn vị", "ma don vi", "ma dv", "unit code", "unit"],
}


@dataclass
class RosterResult:
    people: int
    units: int
    replaced: int
    warnings: list[Problem] = field(default_factory=list)  # how cells were read; nothing refused
    rows: list[dict] = field(default_factory=list, repr=False)  # the checked rows (kept by a check)

    def summary(self) -> str:
        return (f"Danh sách dự thi: {self.people} người thuộc {self.units} đơn vị"
                + (f" (thay cho danh sách cũ {self.replaced} người)." if self.replaced else "."))


def import_file(contest: Contest, filename: str, data: bytes, *, dry_run: bool = False) -> RosterResult:
    return import_table(contest, read_table(filename, data), dry_run=dry_run)


def import_table(contest: Contest, table: Table, *, dry_run: bool = False) -> RosterResult:
    if contest.eligibility != "roster":
        raise DomainError("Cuộc thi này không dùng danh sách dự thi (eligibility khác “roster”).")
    columns = map_columns(table, COLUMNS, required={"name", "unit"})
    if "phone" not in columns and "cccd" not in columns:
        raise InvalidFile([Problem(1, "Thiếu cột “Số điện thoại” hoặc “Số CCCD”: cần ít nhất một cột "
                                      "để nhận ra người dự thi khi đăng nhập.", table.sheet)])
    units = dict(db.session.execute(select(Unit.code, Unit.id)).all())
    rows, problems = [], list(table.errors)
    first_row: dict[tuple[str, str], int] = {}
    for number, values in table.rows:
        def problem(message: str) -> None:
            problems.append(Problem(number, message, table.sheet))

        name, code = clean(cell(values, columns["name"])), clean(cell(values, columns["unit"]))
        raw_phone, raw_cccd = (_number_text(cell(values, columns.get(key)), width)
                               for key, width in (("phone", 10), ("cccd", 12)))
        phone = cccd = None
        try:
            phone = normalise_phone(raw_phone) if raw_phone else None
        except DomainError as error:
            problem(f"“{raw_phone}”: {error.message}")
        try:
            cccd = normalise_cccd(raw_cccd) if raw_cccd else None
        except DomainError as error:
            problem(f"“{raw_cccd}”: {error.message}")
        if not name:
            problem("Thiếu họ và tên.")
        elif len(name) > 200:
            problem("Họ và tên dài quá 200 ký tự.")
        if not raw_phone and not raw_cccd:
            problem(f"{name or 'Người này'} chưa có số điện thoại hay số CCCD.")
        if not code:
            problem("Thiếu mã đơn vị.")
        elif code not in units:
            problem(f"Không có đơn vị mã “{code}” trong cây đơn vị.")
        for kind, value, label in (("phone", phone, "Số điện thoại"), ("cccd", cccd, "Số CCCD")):
            if value and (kind, value) in first_row:
                problem(f"{label} {value} trùng với dòng {first_row[kind, value]}.")
            elif value:
                first_row[kind, value] = number
        rows.append({"contest_id": contest.id, "full_name": name, "phone": phone, "cccd": cccd,
                     "unit_id": units.get(code)})
    if problems:
        raise InvalidFile(sorted(problems, key=lambda p: p.row or 0))
    if not rows:
        raise InvalidFile([Problem(None, "Danh sách không có người nào.", table.sheet)])
    replaced = size(contest)
    if not dry_run:
        _write(contest, rows)
    return RosterResult(len(rows), len(Counter(row["unit_id"] for row in rows)), replaced, list(table.warnings),
                        rows)


def import_checked(contest: Contest, rows: list[dict]) -> RosterResult:
    """Write the rows a check read from a file (``RosterResult.rows``), without reading the
    file again: refused, writing nothing, if the contest no longer takes a roster or a unit
    named in it was removed since."""
    if contest.eligibility != "roster":
        raise DomainError("Cuộc thi này không dùng danh sách dự thi (eligibility khác “roster”).")
    unit_ids = {row["unit_id"] for row in rows}
    found = set(db.session.scalars(select(Unit.id).where(Unit.id.in_(unit_ids))))
    if not rows or found != unit_ids or any(row["contest_id"] != contest.id for row in rows):
        raise InvalidFile([Problem(None, "Cây đơn vị đã thay đổi từ lúc kiểm tra tệp; hãy tải tệp lên lại.")])
    replaced = size(contest)
    _write(contest, rows)
    return RosterResult(len(rows), len(unit_ids), replaced)


def _write(contest: Contest, rows: list[dict]) -> None:
    """Replace the contest's roster by ``rows``."""
    db.session.execute(delete(RosterEntry).where(RosterEntry.contest_id == contest.id))
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(RosterEntry), rows[start:start + 5000])


def _number_text(value, width: int) -> str:
    """A cell as text; a number Excel stored as a number lost its leading zero (every mobile
    number and every CCCD starts with 0), which is put back."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        digits = str(int(value))
        return "0" + digits if len(digits) == width - 1 else digits
    return clean(value)


def size(contest: Contest) -> int:
    return db.session.scalar(select(func.count()).select_from(RosterEntry)
                             .where(RosterEntry.contest_id == contest.id))
