"""Downloads of a unit's results (its subtree), for a round (``?dot=<round id>``) or the whole
contest: a workbook with both sheets, or either sheet as CSV. Scope is checked first, whichever
way the unit id was written; a unit manager gets 403 outside their subtree. A large export
(more than ``QUIZ_EXPORT_DIRECT_ROWS`` attempts) is made in the background: the answer is its
job's page, which gives the file when it is written (``quiz.reports.tasks``)."""
from __future__ import annotations

import re
import tempfile

from flask import Blueprint, Response, current_app, request, send_file, stream_with_context
from flask_login import current_user, login_required

from quiz.contests import services as contests
from quiz.db import MAX_ID, utcnow
from quiz.jobs.views import started
from quiz.reports import exports, scope, tasks
from quiz.units import services as units

bp = Blueprint("downloads", __name__, url_prefix="/bao-cao")

ID = f"int(max={MAX_ID})"
CSV_KINDS = ("ket-qua", "tong-hop")


@bp.before_request
@login_required
def _logged_in():
    """Every download needs an account; scope is checked in each view."""


def _subject(contest_id: int, unit_id: str):
    contest = contests.get_contest(contest_id)
    unit = scope.check(current_user, units.get(unit_id))
    round_ = contests.get_round(contest, units.as_id(request.args["dot"]) or 0) if request.args.get("dot") else None
    name = re.sub(r"[^A-Za-z0-9.-]+", "-", f"{contest.slug}-{unit.code}-{f'dot-{round_.number}' if round_ else 'ca-cuoc-thi'}")
    return contest, unit, round_, name


def _in_background(contest, unit, round_, fmt: str, download_name: str):
    """Past ``QUIZ_EXPORT_DIRECT_ROWS`` attempts the file is made by a background job: its page
    (progress, then the file) instead of the download. None: small enough to send now."""
    if tasks.attempts_within(contest, unit, round_) <= current_app.config["EXPORT_DIRECT_ROWS"]:
        return None
    return started(lambda now: tasks.start_export(contest, unit, round_, fmt, download_name,
                                                  actor_id=current_user.id, now=now))


@bp.get(f"/<{ID}:contest_id>/don-vi/<unit_id>/ket-qua.xlsx")
def workbook(contest_id: int, unit_id: str):
    contest, unit, round_, name = _subject(contest_id, unit_id)
    background = _in_background(contest, unit, round_, "xlsx", f"ket-qua-{name}.xlsx")
    if background is not None:
        return background
    out = tempfile.TemporaryFile()
    exports.xlsx(out, contest, unit, round_, utcnow())
    out.seek(0)
    return send_file(out, as_attachment=True, download_name=f"ket-qua-{name}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get(f"/<{ID}:contest_id>/don-vi/<unit_id>/<any({', '.join(map(repr, CSV_KINDS))}):kind>.csv")
def table(contest_id: int, unit_id: str, kind: str):
    contest, unit, round_, name = _subject(contest_id, unit_id)
    background = _in_background(contest, unit, round_, kind, f"{kind}-{name}.csv")
    if background is not None:
        return background
    chunks = exports.csv(contest, unit, round_, utcnow(), kind=kind)
    return Response(stream_with_context(chunks), mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{kind}-{name}.csv"'})
