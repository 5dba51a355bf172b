"""The unit dashboards: participation of a unit and of everything below it, for a contest or
one of its rounds. Organisers and administrators see every unit; a unit manager their own
unit's subtree and nothing else; members nobody's.

Every route parses its ids strictly (plain decimal digits, no sign, no leading zero, no
space, within a row id's range: anything else is 404), loads the unit and asks
``quiz.reports.scope.check`` before reading a figure, so however a unit's id is written a
manager cannot reach a unit outside their subtree (403). The queries live in
``quiz.reports.dashboard``; the charts are SVG from ``quiz.reports.charts``.
"""
from __future__ import annotations

import re

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from quiz.accounts.access import roles_required
from quiz.accounts.models import Role
from quiz.contests.services import get_contest, get_round
from quiz.db import MAX_ID
from quiz.errors import NotFound
from quiz.reports import charts, dashboard, scope
from quiz.units import services as units
from quiz.web.forms import page_number

bp = Blueprint("reports", __name__, url_prefix="/bao-cao-don-vi")

VIEWERS = (Role.ADMIN, Role.ORGANISER, Role.UNIT_MANAGER)
CHART_UNITS = 40            # child units drawn in the chart (the table lists them all)
_ID = re.compile(r"[1-9][0-9]{0,9}")


def _id(raw: str | None) -> int:
    """A row id written the one canonical way, or 404."""
    if raw is None or not _ID.fullmatch(raw) or int(raw) > MAX_ID:
        raise NotFound("Không tìm thấy trang: mã số không hợp lệ.")
    return int(raw)


def _unit(raw: str | None):
    """The unit named in the request, if the current user may see it (404, else 403)."""
    return scope.check(current_user, units.get(_id(raw)))


@bp.get("")
@roles_required(*VIEWERS)
def index():
    """A manager goes straight to their unit in the newest contest; an organiser chooses."""
    home = scope.home(current_user)
    newest = dashboard.newest_contest()
    if home is not None and newest is not None:
        scope.check(current_user, home)
        return redirect(url_for("reports.show", contest_id=newest.id, unit_id=home.id))
    return render_template("reports/index.html", contests=dashboard.contests(),
                           roots=units.roots() if home is None else [home])


@bp.get("/cuoc-thi/<contest_id>/tim")
@roles_required(*VIEWERS)
def find(contest_id: str):
    """The dashboard of the unit whose code was typed (``?ma=``)."""
    contest = get_contest(_id(contest_id))
    unit = units.by_code(request.args.get("ma", "")[:50])
    if unit is None:
        raise NotFound("Không có đơn vị mang mã này.")
    scope.check(current_user, unit)
    return redirect(url_for("reports.show", contest_id=contest.id, unit_id=unit.id))


@bp.get("/cuoc-thi/<contest_id>/don-vi/<unit_id>")
@roles_required(*VIEWERS)
def show(contest_id: str, unit_id: str):
    """Figures (own and rolled up), attempts per day, the child units ranked, the participants
    (``?trang=``) and, for a roster contest, who has not taken part (``?trang_chua=``); the
    whole contest or one round (``?dot=<round id>``)."""
    contest_key = _id(contest_id)
    unit = _unit(unit_id)
    contest = get_contest(contest_key)
    round_raw = request.args.get("dot")
    round_ = get_round(contest, _id(round_raw)) if round_raw else None
    page, missing_page = page_number(request.args.get("trang")), page_number(request.args.get("trang_chua"))

    overview = dashboard.overview(contest, unit, round_)
    per_day = dashboard.attempts_per_day(contest, unit, round_)
    roster = contest.eligibility == "roster"
    children = overview.children
    return render_template(
        "reports/show.html", contest=contest, unit=unit, round=round_, overview=overview,
        crumbs=dashboard.visible_ancestry(unit, scope.home(current_user)),
        contests=dashboard.contests(), per_day=per_day,
        day_chart=charts.daily_bars(per_day, "Số lượt thi theo ngày"),
        unit_chart=charts.unit_bars([(c.figures.name, c.figures.total.participants, c.figures.total.rate)
                                     for c in children[:CHART_UNITS]], "Số người tham gia của các đơn vị trực thuộc"),
        chart_units=CHART_UNITS, people=dashboard.participants(contest, unit, round_, page, figures=overview.units),
        missing=dashboard.non_participants(contest, unit, round_, missing_page) if roster else None,
        percent=charts.percent, roster=roster)
