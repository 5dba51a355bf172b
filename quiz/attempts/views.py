"""The member's contest pages: the list, the rules, starting (after a confirmation), the
attempt page (a plain form that works without JavaScript; ``static/js/attempt.js`` adds
autosave), the JSON save, submit, and the result. Every rule lives in
``quiz.attempts.services``; these views parse, call one service with ``now``, commit once.

Nothing here puts the answer key in a page before the round closes: the attempt page
renders every option with the same markup, and the result shows the key only when the
contest says so and the round has closed."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from quiz.accounts import sessions
from quiz.accounts.access import checks_session_itself, signed_in, unauthorized, view_checks_session
from quiz.attempts import services
from quiz.contests.services import contest_by_slug
from quiz.contests.views import duration
from quiz.db import MAX_ID, utcnow
from quiz.errors import DomainError, NotFound
from quiz.extensions import db
from quiz.rankings import rules as results_rules
from quiz.rankings import services as rankings
from quiz.text import ascii_int
from quiz.web.templating import local

bp = Blueprint("attempts", __name__)

ID = f"int(max={MAX_ID})"
BAD_ANSWERS = "Dữ liệu câu trả lời không hợp lệ. Vui lòng tải lại trang."


@bp.before_request
def _members_only():
    """Every page here is for a logged-in member (the autosave checks it in its own statement)."""
    if not view_checks_session() and not current_user.is_authenticated:
        return unauthorized()
    return None


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def mm_ss(seconds: float) -> str:
    minutes, rest = divmod(max(0, int(seconds)), 60)
    return f"{minutes:02d}:{rest:02d}"


def _seconds_left(attempt, now: datetime) -> int:
    return max(0, int((attempt.deadline_at - now).total_seconds()))


# Parsing the member's answers -------------------------------------------------------------------

def _an_id(value) -> int:
    if isinstance(value, str):
        value = ascii_int(value, 10)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise DomainError(BAD_ANSWERS)
    return value


def _prediction(value) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = ascii_int(value.replace(".", "").replace(" ", ""), 13)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**12:
        raise DomainError("Số dự đoán phải là một số nguyên không âm, tối đa 12 chữ số.")
    return value


def _from_json() -> tuple[dict[int, int | None], int | None]:
    """``{"answers": {"<question id>": <option id or null>}, "prediction": <int or null>}``."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("answers", {}), dict):
        raise DomainError(BAD_ANSWERS)
    answers = {_an_id(q): (None if o is None else _an_id(o)) for q, o in body.get("answers", {}).items()}
    return answers, _prediction(body.get("prediction"))


def _from_form() -> tuple[dict[int, int | None], int | None]:
    """The plain form: a radio group ``q<question id>`` per question, and ``prediction``."""
    answers = {_an_id(name[1:]): _an_id(value) for name, value in request.form.items()
               if name.startswith("q") and name[1:].isascii() and name[1:].isdigit()}
    try:
        prediction = _prediction(request.form.get("prediction"))
    except DomainError:  # a final submit is not lost over a mistyped prediction
        prediction = None
    return answers, prediction


# The list, the rules, starting -------------------------------------------------------------------

@bp.get("/cuoc-thi")
def index():
    return render_template("attempts/index.html", contests=services.member_contests(current_user, utcnow()))


@bp.get("/cuoc-thi/<slug>")
def rules(slug: str):
    contest = contest_by_slug(slug)
    return render_template("attempts/rules.html", contest=contest, duration=duration,
                           entry=services.entry(current_user, contest, utcnow()),
                           results_rules=results_rules.describe(contest))


@bp.get("/cuoc-thi/<slug>/bat-dau")
def confirm(slug: str):
    contest = contest_by_slug(slug)
    return render_template("attempts/confirm.html", contest=contest, duration=duration,
                           entry=services.entry(current_user, contest, utcnow()))


@bp.post("/cuoc-thi/<slug>/bat-dau")
def start(slug: str):
    contest = contest_by_slug(slug)
    try:
        attempt = services.start(current_user, contest, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("attempts.rules", slug=slug))
    attempt_id = attempt.id
    db.session.commit()
    return redirect(url_for("attempts.take", attempt_id=attempt_id))


# Taking the attempt --------------------------------------------------------------------------------

def _closed_or_expired(attempt, contest, now: datetime):
    """Where to send the member instead of the attempt page: the result once the attempt
    has finished; an attempt whose grace has passed is finished first with its saved answers."""
    if attempt.finished_at is None and now > services.accepts_until(attempt, contest):
        services.submit(attempt, contest, now=now)
        db.session.commit()
    if attempt.finished_at is not None:
        return redirect(url_for("attempts.result", attempt_id=attempt.id))
    return None


def _checked(work, now: datetime):
    """``work(caller)``: a service whose one statement checks the login itself
    (``checks_session_itself``: the cookie's token and account, ``sessions.Key``). Returns (its
    result, None), or (None, the login page) when the cookie names no live login of an active
    account; NotFound, when the login is live, is someone else's attempt (404)."""
    caller = sessions.key(session.get("sid"), session.get("_user_id"), now=now)
    if caller is None:
        return None, unauthorized()
    try:
        return work(caller), None
    except NotFound:
        db.session.rollback()
        if not current_user.is_authenticated:  # Flask-Login's loader tells which
            return None, unauthorized()
        raise


def _page(read, attempt_id: int, now: datetime):
    """``_checked`` for a page: ``read`` also loads the account (``sessions.Current``, last),
    which becomes the request's ``current_user`` (``access.signed_in``). Returns (what it read,
    None), or (None, the answer instead: the login page, the change-password page)."""
    found, instead = _checked(lambda caller: read(caller, attempt_id), now)
    if instead is None:
        *found, signed = found
        instead = signed_in(signed, now=now)
    return found, instead


@bp.get(f"/luot-thi/<{ID}:attempt_id>")
@checks_session_itself
def take(attempt_id: int):
    """The attempt page: one statement checks the login and reads the attempt and its contest
    (``services.member_attempt``), one reads the sheet."""
    now = utcnow()
    found, instead = _page(services.member_attempt, attempt_id, now)
    if instead:
        return instead
    attempt, contest = found
    elsewhere = _closed_or_expired(attempt, contest, now)
    if elsewhere:
        return elsewhere
    questions = services.sheet(attempt, contest)
    seconds_left = _seconds_left(attempt, now)
    return render_template("attempts/take.html", attempt=attempt, contest=contest, questions=questions,
                           answered=sum(q.chosen is not None for q in questions),
                           seconds_left=seconds_left, clock=mm_ss(seconds_left))


@bp.post(f"/api/luot-thi/<{ID}:attempt_id>/luu")
@checks_session_itself
def save(attempt_id: int):
    """The autosave, the hottest request: one statement checks the login, finds and locks the
    attempt (``services.save_own``); the account is loaded only to tell a lost login from
    someone else's attempt."""
    now = utcnow()

    def save_answers(caller):
        answers, prediction = _from_json()
        return services.save_own(caller, attempt_id, answers, now=now, prediction=prediction)

    saved, instead = _checked(save_answers, now)
    if instead:
        return instead
    db.session.commit()
    return jsonify(saved=saved.count, server_time=local(now, _tz()).isoformat(timespec="seconds"),
                   seconds_left=_seconds_left(saved, now))


@bp.post(f"/luot-thi/<{ID}:attempt_id>/nop")
@checks_session_itself
def submit(attempt_id: int):
    """The final submit: one statement checks the login, finds and locks the attempt
    (``services.submit_own``), as the autosave's does."""
    now = utcnow()

    def submit_answers(caller):
        answers, prediction = _from_json() if request.is_json else _from_form()
        return services.submit_own(caller, attempt_id, now=now, answers=answers, prediction=prediction)

    _, instead = _checked(submit_answers, now)
    if instead:
        return instead
    db.session.commit()
    url = url_for("attempts.result", attempt_id=attempt_id)
    return jsonify(result_url=url) if request.is_json else redirect(url)


@bp.get(f"/luot-thi/<{ID}:attempt_id>/ket-qua")
@checks_session_itself
def result(attempt_id: int):
    """The result: one statement checks the login and reads what the page shows
    (``services.member_result``)."""
    now = utcnow()
    read, instead = _page(services.member_result, attempt_id, now)
    if instead:
        return instead
    found = read[0]
    attempt, contest, round_ = found.attempt, found.contest, found.round
    if attempt.finished_at is None:
        elsewhere = _closed_or_expired(attempt, contest, now)
        if elsewhere is None:
            return redirect(url_for("attempts.take", attempt_id=attempt_id))
    show_key = contest.show_answers == "after_close" and now >= round_.closes_at
    return render_template("attempts/result.html", attempt=attempt, contest=contest, round=round_,
                           total=found.total, used=mm_ss((attempt.time_used_ms or 0) / 1000),
                           room=found.allowance(now), round_open=round_.opens_at <= now < round_.closes_at,
                           place=rankings.place(round_, current_user.id) if round_.published_at else None,
                           questions=services.sheet(attempt, contest) if show_key else None)
