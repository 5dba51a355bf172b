"""A unit's large exports and its certificate bundle as background jobs (``quiz.jobs``): the
file is written under a temporary name, renamed when complete, kept under the instance folder
for ``QUIZ_JOB_FILE_KEEP_HOURS`` and given only to users whose scope covers the unit (the
managers of it or of a unit above it, organisers). Exports of up to ``QUIZ_EXPORT_DIRECT_ROWS``
attempts stay direct downloads (``quiz.reports.downloads``)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path

from flask import current_app, render_template, url_for
from sqlalchemy import func, select

from quiz.attempts.models import Attempt
from quiz.contests import services as contests
from quiz.contests.models import Contest, Round
from quiz.db import utcnow
from quiz.errors import DomainError
from quiz.extensions import db
from quiz.jobs import services as jobs
from quiz.jobs.models import Job
from quiz.rankings import services as rankings
from quiz.reports import exports, scope
from quiz.reports.sheets import csv_bytes_iter, write_xlsx
from quiz.units import services as units
from quiz.units.models import Unit

#: How often an export tells its progress (rows).
PROGRESS_ROWS = 5000


def attempts_within(contest: Contest, unit: Unit, round_: Round | None) -> int:
    """How many attempts the unit's subtree made (the rows an export may have at most)."""
    query = (select(func.count()).select_from(Attempt).join(Unit, Unit.id == Attempt.unit_id)
             .where(Attempt.contest_id == contest.id, units.in_subtree(unit)))
    if round_ is not None:
        query = query.where(Attempt.round_id == round_.id)
    return db.session.scalar(query)


def _in_scope(user, job: Job) -> bool:
    unit_id = job.params.get("unit_id")
    if unit_id is None:
        return scope.sees_all(user)
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        return False
    try:
        scope.check(user, unit)
    except DomainError:
        return False
    return True


def _subject(job: Job):
    contest = contests.get_contest(job.params["contest_id"])
    round_id = job.params.get("round_id")
    unit_id = job.params.get("unit_id")
    return (contest, units.get(unit_id) if unit_id is not None else None,
            contests.get_round(contest, round_id) if round_id else None)


def _counted(sheet, progress, total: int, label: str):
    def rows():
        for number, row in enumerate(sheet.rows, start=1):
            if number % PROGRESS_ROWS == 0:
                progress(min(number, total), total, label)
            yield row
    return replace(sheet, rows=rows())


# Exports -----------------------------------------------------------------------------------------

def start_export(contest: Contest, unit: Unit, round_: Round | None, fmt: str, download_name: str, *,
                 actor_id: int | None, now: datetime) -> Job:
    """Write the unit's export (``xlsx``, or ``ket-qua``/``tong-hop`` as CSV) in the background."""
    what = {"xlsx": "kết quả và tổng hợp (.xlsx)", "ket-qua": "kết quả cá nhân (.csv)",
            "tong-hop": "tổng hợp theo đơn vị (.csv)"}[fmt]
    title = f"Xuất {what}: {unit.name} — {round_.name if round_ else 'cả cuộc thi'} — {contest.title}"
    return jobs.start("export", f"export:{contest.id}:{unit.id}:{round_.id if round_ else 'all'}:{fmt}", title,
                      {"contest_id": contest.id, "unit_id": unit.id, "round_id": round_.id if round_ else None,
                       "format": fmt, "download_name": download_name}, actor_id=actor_id, now=now)


@jobs.kind("export", allowed=_in_scope)
def _export(job: Job, progress) -> str:
    contest, unit, round_ = _subject(job)
    fmt = job.params["format"]
    now = utcnow()
    total = attempts_within(contest, unit, round_)
    label = "Ghi kết quả cá nhân"
    progress(0, total, label)
    with jobs.output(job, job.params["download_name"]) as path:
        if fmt == "xlsx":
            individual = _counted(exports.individual(contest, unit, round_, now), progress, total, label)
            write_xlsx(str(path), [individual, exports.summary(contest, unit, round_, now)])
        else:
            sheet = (exports.summary if fmt == "tong-hop" else exports.individual)(contest, unit, round_, now)
            with open(path, "wb") as out:
                for chunk in csv_bytes_iter(_counted(sheet, progress, total, label)):
                    out.write(chunk)
    size = (jobs.folder() / job.file).stat().st_size
    return f"Tệp {job.file_name} đã sẵn sàng ({size:,} byte).".replace(",", ".")


# Certificates ------------------------------------------------------------------------------------

def start_certificates(round_: Round, contest: Contest, unit: Unit | None, *, actor_id: int | None,
                       now: datetime) -> Job:
    """The certificates of the round's winners of the unit's subtree (every winner: ``unit``
    None, for organisers) as one self-contained HTML file, to print or save as PDF."""
    who = f"{unit.name} và các đơn vị trực thuộc" if unit else "toàn cuộc thi"
    name = f"giay-chung-nhan-{contest.slug}-dot-{round_.number}-{unit.code if unit else 'tat-ca'}.html"
    return jobs.start("certificates", f"certificates:{round_.id}:{unit.id if unit else 'all'}",
                      f"Giấy chứng nhận {round_.name}: {who} — {contest.title}",
                      {"contest_id": contest.id, "round_id": round_.id, "unit_id": unit.id if unit else None,
                       "download_name": "".join(c if c.isalnum() or c in ".-" else "-" for c in name)},
                      actor_id=actor_id, now=now)


def _published_page(job: Job) -> str:
    contest = contests.get_contest(job.params["contest_id"])
    return url_for("rankings.published", slug=contest.slug, number=contests.get_round(contest, job.params["round_id"]).number)


@jobs.kind("certificates", allowed=_in_scope, back=_published_page)
def _certificates(job: Job, progress) -> str:
    contest, unit, round_ = _subject(job)
    if round_.published_at is None:
        raise DomainError(f"Kết quả {round_.name} chưa được công bố (hoặc đã rút lại): chưa in được giấy chứng nhận.")
    progress(0, 2, "Đọc danh sách người đoạt giải")
    found = rankings.winners(round_, contest, within=unit, everyone=contest.certificates_for_all)
    progress(1, 2, "Ghi tệp")
    css = (Path(current_app.static_folder) / "css" / "certificate.css").read_text(encoding="utf-8")
    html = render_template("rankings/certificates.html", contest=contest, round=round_, unit=unit, winners=found,
                           today=utcnow(), inline_css=css)
    with jobs.output(job, job.params["download_name"]) as path:
        path.write_text(html, encoding="utf-8")
    return f"{len(found)} giấy chứng nhận trong một tệp ({job.file_name}): mở bằng trình duyệt rồi In hoặc Lưu thành PDF."
