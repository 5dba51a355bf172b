"""The organiser's live page of a round and its controls: who is taking an attempt now, what
was submitted today and in the round, participants and the participation rate, attempts per
hour, the top-level units ranked by rate (the lagging ones marked), the recent log; and the
buttons: close now (after a confirmation page), pause, resume, extend (the contest pages'
own form), and the contest's announcement to members.

The figures part of the page is also served alone (``round_figures``): ``static/js/live.js``
fetches it every ``LIVE_REFRESH_S`` seconds (30 by default) and swaps it in, so the page is
never reloaded whole; without JavaScript the page has a refresh link. The figures come from
``quiz.contests.live`` (its docstring says why they stay cheap at full scale: the index of
open attempts, the covering index of attempts, a per-process ``Board`` kept ``LIVE_CACHE_S``
seconds). Only organisers and administrators see any of it (403 for everyone else). The views
parse, call one service of ``quiz.contests.control`` with the actor and ``now``, commit once.
"""
from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import Length

from quiz.accounts.access import roles_required
from quiz.audit import services as audit
from quiz.contests import control, live
from quiz.contests.schedule import accepting_until, window
from quiz.contests.services import get_contest, get_round
from quiz.contests.views import ORGANISERS
from quiz.db import MAX_ID, utcnow
from quiz.rankings import services as rankings
from quiz.reports.charts import percent
from quiz.units.services import as_id
from quiz.web.forms import Form, act
from quiz.web.templating import local

bp = Blueprint("control", __name__, url_prefix="/quan-tri/cuoc-thi")

ID = f"int(max={MAX_ID})"
ROUND = f"/<{ID}:contest_id>/dot/<{ID}:round_id>"
LOG_ENTRIES = 10


class AnnounceForm(Form):
    text = TextAreaField("Thông báo cho thí sinh", validators=[Length(max=control.ANNOUNCEMENT_MAX)])


def _board() -> live.Board:
    """This process's cache of the live figures (one per app)."""
    return current_app.extensions.setdefault("quiz.live", live.Board())


def _watch(contest, round_, now):
    return live.watch(contest, round_, now, board=_board(),
                      ttl=current_app.config.get("LIVE_CACHE_S", live.DEFAULT_TTL_S))


def _status(contest, round_, now) -> str:
    """The round's state as the page names it: upcoming, open, paused, outside its daily
    window, closed, frozen, published."""
    state = rankings.state(round_, now)
    if state == "open" and round_.paused_at is not None:
        return "paused"
    if state == "open" and accepting_until(contest, round_, now) is None:
        return "outside_window"
    return state


STATUS = {**rankings.STATES, "paused": "tạm dừng (không nhận lượt thi mới)",
          "outside_window": "đang mở, ngoài khung giờ thi hôm nay"}


def _clock(moment) -> str:
    """``HH:MM:SS`` in the display time zone (how fresh the figures are)."""
    return f"{local(moment, ZoneInfo(current_app.config['TIMEZONE'])):%H:%M:%S}"


def _figures_context(contest, round_, now) -> dict:
    return {"contest": contest, "round": round_, "now": now, "live": _watch(contest, round_, now),
            "status": _status(contest, round_, now), "statuses": STATUS, "percent": percent,
            "window": window(round_), "clock": _clock}


@bp.get(ROUND + "/theo-doi")
@roles_required(*ORGANISERS)
def round_page(contest_id: int, round_id: int):
    contest = get_contest(contest_id)
    round_ = get_round(contest, round_id)
    now = utcnow()
    return render_template(
        "contests/round_live.html", **_figures_context(contest, round_, now),
        refresh_s=current_app.config.get("LIVE_REFRESH_S", 30),
        closes_local=f"{local(round_.closes_at, ZoneInfo(current_app.config['TIMEZONE'])):%Y-%m-%dT%H:%M}",
        announce_form=AnnounceForm(formdata=None, text=contest.announcement),
        log=audit.entries(contest_id=contest.id, limit=LOG_ENTRIES), actions=audit.ACTIONS)


@bp.get(ROUND + "/theo-doi/so-lieu")
@roles_required(*ORGANISERS)
def round_figures(contest_id: int, round_id: int):
    """The figures part of the live page alone, for ``static/js/live.js``."""
    contest = get_contest(contest_id)
    round_ = get_round(contest, round_id)
    response = current_app.make_response(render_template("contests/_round_live_figures.html",
                                                         **_figures_context(contest, round_, utcnow())))
    response.headers["Cache-Control"] = "no-store"
    return response


def _back(contest_id: int, round_id: int):
    return redirect(url_for("control.round_page", contest_id=contest_id, round_id=round_id))


@bp.route(ROUND + "/dong-ngay", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def close_now(contest_id: int, round_id: int):
    """GET: the confirmation page (who is taking an attempt now); POST: close the round now."""
    contest = get_contest(contest_id)
    round_ = get_round(contest, round_id)
    if request.method == "GET":
        now = utcnow()
        return render_template("rankings/confirm.html", step="close_now", contest=contest, round=round_,
                               running=live.running(contest, round_, now),
                               action_url=url_for("control.close_now", contest_id=contest.id, round_id=round_.id),
                               back_url=url_for("control.round_page", contest_id=contest.id, round_id=round_.id))
    name = round_.name
    act(lambda: control.close_now(round_, contest, actor_id=current_user.id, now=utcnow()),
        f"Đã đóng {name}: {{value}} lượt đang làm kết thúc với các câu đã lưu; không nhận lượt thi mới.")
    return _back(contest_id, round_id)


@bp.post(ROUND + "/tam-dung")
@roles_required(*ORGANISERS)
def pause(contest_id: int, round_id: int):
    contest = get_contest(contest_id)
    round_ = get_round(contest, round_id)
    name = round_.name
    act(lambda: control.pause(round_, contest, actor_id=current_user.id, now=utcnow()),
        f"Đã tạm dừng {name}: không nhận lượt thi mới; {{value}} lượt đang làm tiếp tục.")
    return _back(contest_id, round_id)


@bp.post(ROUND + "/tiep-tuc")
@roles_required(*ORGANISERS)
def resume(contest_id: int, round_id: int):
    contest = get_contest(contest_id)
    round_ = get_round(contest, round_id)
    name = round_.name
    act(lambda: control.resume(round_, contest, actor_id=current_user.id, now=utcnow()),
        f"Đã cho {name} nhận lượt thi trở lại.")
    return _back(contest_id, round_id)


@bp.post(f"/<{ID}:contest_id>/thong-bao")
@roles_required(*ORGANISERS)
def announce(contest_id: int):
    """Set or remove the contest's announcement; back to the round page it was sent from
    (``dot``), or the contest page."""
    contest = get_contest(contest_id)
    form = AnnounceForm()
    round_id = as_id(request.form.get("dot"))
    back = (url_for("control.round_page", contest_id=contest.id, round_id=round_id) + "#thong-bao"
            if round_id and any(r.id == round_id for r in contest.rounds)
            else url_for("contests.show", contest_id=contest.id))
    if not form.validate_on_submit():
        for error in form.text.errors or ["Biểu mẫu không hợp lệ. Vui lòng tải lại trang rồi gửi lại."]:
            flash(error, "error")
        return redirect(back)
    text = form.text.data or ""
    act(lambda: control.announce(contest, text, actor_id=current_user.id, now=utcnow()),
        lambda changed: ("Thông báo không thay đổi." if not changed else
                         "Đã cập nhật thông báo cho thí sinh." if text.strip() else "Đã gỡ thông báo cho thí sinh."))
    return redirect(back)
