"""The result exports of a unit (its whole subtree), for one round or the whole contest, laid
out like an official report (see ``quiz.reports.sheets``):

- individual results: STT, họ và tên, ngày sinh, đơn vị with its full path, đối tượng,
  (bảng), đợt, lượt thi, điểm, thời gian làm bài, dự đoán, hạng, giải. A round whose results
  are frozen is listed in rank order, streamed from the database, each member as frozen
  (unit, đối tượng, division, rank, prize); a round still running (or
  closed, not yet computed) lists each member's counted attempt so far, sorted the Vietnamese
  way by given name, with no rank;
- a summary per unit of the subtree: participants, attempts, expected (headcount or roster),
  participation rate, average score, and the unit's rank among its siblings (as on the
  dashboard: ``quiz.reports.dashboard.rank``).

Callers check scope (``quiz.reports.scope``) before asking for a unit.
"""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from quiz.accounts.models import CATEGORIES, User
from quiz.contests.models import Contest, Round
from quiz.contests.schedule import local_time
from quiz.db import long_statements
from quiz.extensions import db
from quiz.rankings import services as rankings
from quiz.rankings.models import Result
from quiz.reports import dashboard
from quiz.reports.figures import participation
from quiz.reports.sheets import Column, Sheet, csv_bytes_iter, name_key, write_xlsx
from quiz.units.models import Unit
from quiz.units.services import ancestry, in_subtree

STREAM_ROWS = 10_000


def _columns(contest: Contest) -> list[Column]:
    return [Column("STT", "int"), Column("Họ và tên"), Column("Ngày sinh", "date"),
            Column("Đơn vị", width=50), Column("Đối tượng"),
            *([Column("Bảng")] if contest.divisions else []), Column("Đợt"),
            Column("Lượt thi", "int"), Column("Điểm", "int"), Column("Thời gian làm bài", "duration_ms"),
            Column("Dự đoán", "int"), Column("Hạng", "int"), Column("Giải")]


def _unit_paths(unit: Unit) -> dict[int, str]:
    """Every unit of the subtree with its full path from the root: ``Tỉnh ủy › Huyện ủy › Chi bộ``."""
    rows = db.session.execute(select(Unit.id, Unit.name, Unit.parent_id).where(in_subtree(unit))).all()
    names = {uid: (name, parent) for uid, name, parent in rows}
    above = " › ".join(u.name for u in ancestry(unit)[:-1])
    paths: dict[int, str] = {}

    def path(uid: int) -> str:
        if uid not in paths:
            name, parent = names[uid]
            prefix = path(parent) if parent in names else above
            paths[uid] = f"{prefix} › {name}" if prefix else name
        return paths[uid]

    for uid in names:
        path(uid)
    return paths


def _round_rows(contest: Contest, round_: Round, unit: Unit, paths: dict[int, str]) -> Iterator[tuple]:
    """(name, birth date, unit path, category, division, round, attempts, score, time, prediction,
    rank, prize) for one round, without the STT."""
    divisions = {d.id: d.name for d in contest.divisions}
    with_division = bool(contest.divisions)

    def row(name, born, unit_id, category, division_id, attempts, score, used, prediction, rank, prize):
        return (name, born, paths.get(unit_id, ""), CATEGORIES.get(category, category),
                *((divisions.get(division_id, ""),) if with_division else ()), round_.name, attempts, score, used,
                prediction, rank, prize)

    if round_.frozen_at is not None:
        query = (select(User.full_name, User.birth_date, Result.unit_id, Result.category, Result.division_id,
                        Result.attempts, Result.score, Result.time_used_ms, Result.prediction, Result.rank,
                        Result.prize)
                 .join(User, User.id == Result.user_id).join(Unit, Unit.id == Result.unit_id)
                 .where(Result.round_id == round_.id, in_subtree(unit))
                 .order_by(Result.division_id, Result.position))
        connection = db.session.connection()
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql("SET LOCAL cursor_tuple_fraction = 1")  # every row is wanted
        for found in connection.execute(query.execution_options(yield_per=STREAM_ROWS)):
            yield row(*found)
        return
    counted = rankings.ranked(round_, contest, None).subquery("counted")
    query = (select(User.full_name, User.birth_date, counted.c.unit_id, User.category, counted.c.division_id,
                    counted.c.attempts, counted.c.score, counted.c.time_used_ms, counted.c.prediction)
             .join(User, User.id == counted.c.user_id).join(Unit, Unit.id == counted.c.unit_id)
             .where(in_subtree(unit)))
    for found in sorted(db.session.execute(query).all(), key=lambda r: name_key(r[0])):
        yield row(*found, None, None)


def individual(contest: Contest, unit: Unit, round_: Round | None, now: datetime) -> Sheet:
    """The unit's individual results for ``round_`` (or every round of the contest). A province's
    export may read for longer than a request's statement timeout: the transaction gets the long one."""
    long_statements(db.session)
    paths = _unit_paths(unit)
    rounds = [round_] if round_ is not None else list(contest.rounds)

    def rows() -> Iterator[tuple]:
        number = 0
        for each in rounds:
            for found in _round_rows(contest, each, unit, paths):
                number += 1
                yield (number, *found)

    return Sheet("Kết quả cá nhân", _columns(contest), rows(),
                 _titles("KẾT QUẢ CÁ NHÂN", contest, unit, round_, now))


def summary(contest: Contest, unit: Unit, round_: Round | None, now: datetime) -> Sheet:
    """One row per unit of the subtree, in tree order, with its rolled-up figures."""
    long_statements(db.session)
    figures = participation(contest, round_, within=unit)
    children: dict[int | None, list] = {}
    for f in figures.values():
        children.setdefault(f.parent_id if f.parent_id in figures else None, []).append(f)
    place = {}
    for siblings in children.values():
        place.update({ranked.figures.id: ranked.rank for ranked in dashboard.rank(siblings)})
        siblings.sort(key=dashboard.unit_order)

    def walk(parent_id):
        for f in children.get(parent_id, []):
            yield f
            yield from walk(f.id)

    def rows():
        for number, f in enumerate(walk(None), start=1):
            total = f.total
            yield (number, f.code, "    " * (f.depth - unit.depth) + f.name, f.own.participants, total.participants,
                   total.attempts, total.expected, round(total.rate * 100, 1) if total.rate is not None else None,
                   round(total.average_score, 2) if total.average_score is not None else None, place.get(f.id))

    columns = [Column("STT", "int"), Column("Mã đơn vị"), Column("Tên đơn vị", width=45),
               Column("Người dự thi (riêng đơn vị)", "int"), Column("Người dự thi (cả cấp dưới)", "int"),
               Column("Lượt thi", "int"), Column("Số người cần dự thi", "int"), Column("Tỷ lệ tham gia (%)", "float"),
               Column("Điểm trung bình", "float"), Column("Hạng trong cấp", "int")]
    return Sheet("Tổng hợp theo đơn vị", columns, rows(), _titles("TỔNG HỢP THEO ĐƠN VỊ", contest, unit, round_, now))


def _titles(kind: str, contest: Contest, unit: Unit, round_: Round | None, now: datetime) -> list[str]:
    local = local_time(now, ZoneInfo(contest.time_zone))
    return [f"{kind} — {contest.title}", f"Đơn vị: {unit.name} ({unit.code}) và các đơn vị trực thuộc",
            f"{round_.name if round_ else 'Cả cuộc thi'} — số liệu lúc {local:%H:%M} ngày {local:%d/%m/%Y}"]


def xlsx(target, contest: Contest, unit: Unit, round_: Round | None, now: datetime) -> None:
    """Both sheets in one workbook."""
    write_xlsx(target, [individual(contest, unit, round_, now), summary(contest, unit, round_, now)])


def csv(contest: Contest, unit: Unit, round_: Round | None, now: datetime, *, kind: str = "ket-qua") -> Iterator[bytes]:
    """One sheet as CSV bytes (UTF-8 with BOM, for Excel): ``ket-qua`` or ``tong-hop``."""
    sheet = (summary if kind == "tong-hop" else individual)(contest, unit, round_, now)
    return csv_bytes_iter(sheet)
