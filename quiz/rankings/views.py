"""Results pages: the organiser's round results (preview, compute and freeze, compute again,
publish, withdraw, the standings by division, question statistics), the published page of a
round (winners by tier, the answer key, how many answered everything right, top units; once
withdrawn, that the results are under review and why) and the certificates. Freezing and
publishing (a round's or the whole contest's) each go through a confirmation page saying
what will happen and what becomes public; withdrawing asks for the reason. The rules live in
``quiz.rankings.services``; these views parse, call, commit."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from quiz.accounts.access import roles_required
from quiz.contests import services as contests
from quiz.contests.views import ORGANISERS, duration
from quiz.db import MAX_ID, utcnow
from quiz.errors import Forbidden, NotFound
from quiz.jobs.views import started
from quiz.rankings import collective, prizes, services, tasks
from quiz.rankings.criteria import CRITERIA, LAST_TIE
from quiz.reports import scope
from quiz.reports import tasks as report_tasks
from quiz.reports.sheets import duration_text
from quiz.web.forms import Form, act, page_number, submit
from quiz.units import services as units

bp = Blueprint("rankings", __name__)

ID = f"int(max={MAX_ID})"
PER_PAGE = 50


class WithdrawForm(Form):
    reason = TextAreaField("Lý do rút lại công bố", validators=[
        InputRequired("Vui lòng ghi lý do rút lại công bố (thí sinh sẽ đọc lý do này)."),
        Length(max=services.REASON_MAX)])


def _division(contest):
    """The division chosen with ``?bang=<id>`` (the first one by default; None without divisions)."""
    if not contest.divisions:
        return None
    chosen = units.as_id(request.args.get("bang"))
    return next((d for d in contest.divisions if d.id == chosen), contest.divisions[0])


def ms(value: int | None) -> str:
    """Time used, as the exports show it (``mm:ss.s``)."""
    return "" if value is None else duration_text(value)


# The organiser's round results ---------------------------------------------------------------------

@bp.get(f"/quan-tri/cuoc-thi/<{ID}:contest_id>/dot/<{ID}:round_id>/ket-qua")
@roles_required(*ORGANISERS)
def round_results(contest_id: int, round_id: int):
    contest = contests.get_contest(contest_id)
    round_ = contests.get_round(contest, round_id)
    now = utcnow()
    state = services.state(round_, now)
    division = _division(contest)
    page = page_number(request.args.get("trang"))
    frozen = state in ("frozen", "published")
    return render_template(
        "rankings/round.html", contest=contest, round=round_, state=state, states=services.STATES,
        division=division, page=page, per_page=PER_PAGE, ms=ms, criteria=CRITERIA, last_tie=LAST_TIE,
        standings=services.standings(round_, division.id if division else None, offset=(page - 1) * PER_PAGE,
                                     limit=PER_PAGE) if frozen else None,
        ranked=services.ranked_count(round_, division.id if division else None) if frozen else 0,
        preview=services.preview(round_, contest, now) if state == "closed" else None,
        roots=units.roots(),
        winners=services.winners(round_, contest) if frozen else [],
        key=services.answer_key(round_) if frozen else [])


#: The lifecycle's steps by their address.
STEP_OF = {"chot": "freeze", "tinh-lai": "reopen", "cong-bo": "publish"}
#: The steps asked for on a confirmation page first (its address is the step's, with GET).
CONFIRMED = {"chot": "freeze", "cong-bo": "publish"}


@bp.get(f"/quan-tri/cuoc-thi/<{ID}:contest_id>/dot/<{ID}:round_id>/ket-qua/<any({', '.join(map(repr, CONFIRMED))}):action>")
@roles_required(*ORGANISERS)
def round_confirm(contest_id: int, round_id: int, action: str):
    """Before freezing or publishing: what it will do and what becomes public."""
    contest = contests.get_contest(contest_id)
    round_ = contests.get_round(contest, round_id)
    step = CONFIRMED[action]
    return render_template(
        "rankings/confirm.html", step=step, contest=contest, round=round_, now=utcnow(),
        state=services.state(round_, utcnow()), states=services.STATES,
        action_url=url_for("rankings.round_action", contest_id=contest.id, round_id=round_.id, action=action),
        back_url=url_for("rankings.round_results", contest_id=contest.id, round_id=round_.id),
        published_url=url_for("rankings.published", slug=contest.slug, number=round_.number, _external=True),
        freezing=services.freezing(round_, contest) if step == "freeze" else None,
        publication=services.publication(round_, contest) if step == "publish" and round_.frozen_at else None)


@bp.post(f"/quan-tri/cuoc-thi/<{ID}:contest_id>/dot/<{ID}:round_id>/ket-qua/<any({', '.join(map(repr, STEP_OF))}):action>")
@roles_required(*ORGANISERS)
def round_action(contest_id: int, round_id: int, action: str):
    """Freezing and computing again run in the background (the job's page follows them);
    publishing is one quick step."""
    contest = contests.get_contest(contest_id)
    round_ = contests.get_round(contest, round_id)
    if action in BACKGROUND:
        return started(lambda now: BACKGROUND[action](round_, contest, current_user.id, now))
    _run(services.STEPS[STEP_OF[action]], round_, contest)
    return redirect(url_for("rankings.round_results", contest_id=contest_id, round_id=round_id))


@bp.route(f"/quan-tri/cuoc-thi/<{ID}:contest_id>/dot/<{ID}:round_id>/ket-qua/rut-lai", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def withdraw(contest_id: int, round_id: int):
    """Withdraw a round's publication, with the reason members will read."""
    contest = contests.get_contest(contest_id)
    round_ = contests.get_round(contest, round_id)
    form = WithdrawForm()
    back = url_for("rankings.round_results", contest_id=contest.id, round_id=round_.id)
    if form.is_submitted():
        outcome = submit(form, lambda: services.withdraw(round_, form.reason.data, now=utcnow(),
                                                         actor_id=current_user.id))
        if outcome.done:
            flash(f"Đã rút lại công bố kết quả {round_.name}. Trang kết quả báo đang xem xét lại, kèm lý do.",
                  "success")
            return redirect(back)
        status = outcome.status
    else:
        status = 200
    return render_template(
        "rankings/confirm.html", step="withdraw", contest=contest, round=round_, form=form, back_url=back,
        action_url=url_for("rankings.withdraw", contest_id=contest.id, round_id=round_.id),
        published_url=url_for("rankings.published", slug=contest.slug, number=round_.number, _external=True),
        publication=services.publication(round_, contest) if round_.frozen_at else None), status


#: The round's steps run as background jobs, by their address.
BACKGROUND = {"chot": tasks.start_freeze, "tinh-lai": tasks.start_recompute}


def _run(step: services.Step, round_, contest) -> None:
    """One lifecycle step, committed once; a refusal is flashed."""
    name = round_.name if round_ is not None else contest.title
    act(lambda: step.run(round_, contest, utcnow(), current_user.id),
        lambda value: step.done.format(name=name, value=value))


# The published page and certificates ---------------------------------------------------------------

def _published_round(slug: str, number: int):
    """The contest and its round numbered ``number``; before publication only organisers see it
    (as a preview)."""
    contest = contests.contest_by_slug(slug)
    round_ = contests.round_by_number(contest, number)
    organiser = current_user.is_authenticated and current_user.has_role(*ORGANISERS)
    if round_.published_at is None and not (organiser and round_.frozen_at is not None):
        raise NotFound(f"Kết quả {round_.name} chưa được công bố.")
    return contest, round_


@bp.get("/ket-qua/<slug>/<int(max=1000):number>")
def published(slug: str, number: int):
    """The round's published results; once withdrawn, a notice that they are being reviewed and
    why (organisers see it above their preview of the frozen results)."""
    contest = contests.contest_by_slug(slug)
    round_ = contests.round_by_number(contest, number)
    organiser = current_user.is_authenticated and current_user.has_role(*ORGANISERS)
    if round_.published_at is None and round_.withdrawn_at is not None and not (organiser and round_.frozen_at):
        return render_template("rankings/under_review.html", contest=contest, round=round_)
    contest, round_ = _published_round(slug, number)
    return render_template(
        "rankings/published.html", contest=contest, round=round_, ms=ms,
        collective=collective.standings(contest, round_) if contest.collective_metric else [],
        formulas=collective.FORMULAS, ties=collective.TIES, exact=collective.shown, changes=prizes.changes(round_),
        winners=services.winners(round_, contest), questions=services.questions_per_attempt(contest),
        key=services.answer_key(round_) if contest.show_answers == "after_close" else None,
        figures=round_.figures or {})


@bp.get("/ket-qua/<slug>")
def published_contest(slug: str):
    """The whole contest's results: collective prizes over every round, and each round's page."""
    contest = contests.contest_by_slug(slug)
    organiser = current_user.is_authenticated and current_user.has_role(*ORGANISERS)
    if contest.results_published_at is None and not (organiser and contest.results_frozen_at is not None):
        raise NotFound("Kết quả toàn cuộc thi chưa được công bố.")
    return render_template(
        "rankings/published_contest.html", contest=contest,
        collective=collective.standings(contest, None) if contest.collective_metric else [],
        formulas=collective.FORMULAS, ties=collective.TIES, exact=collective.shown,
        rounds=[r for r in contest.rounds if r.published_at is not None],
        figures=contest.results_figures or {})


CONTEST_STEP_OF = {"chot": "freeze", "tinh-lai": "reopen", "cong-bo": "publish"}


@bp.get(f"/quan-tri/cuoc-thi/<{ID}:contest_id>/ket-qua/<any({', '.join(map(repr, CONFIRMED))}):action>")
@roles_required(*ORGANISERS)
def contest_confirm(contest_id: int, action: str):
    """Before freezing or publishing the whole contest's results."""
    contest = contests.get_contest(contest_id)
    step = "contest_" + CONFIRMED[action]
    return render_template(
        "rankings/confirm.html", step=step, contest=contest, round=None,
        waiting=[r.name for r in contest.rounds if r.frozen_at is None],
        contest_state=services.contest_state(contest),
        action_url=url_for("rankings.contest_action", contest_id=contest.id, action=action),
        back_url=url_for("contests.show", contest_id=contest.id) + "#ket-qua",
        published_url=url_for("rankings.published_contest", slug=contest.slug, _external=True))


@bp.post(f"/quan-tri/cuoc-thi/<{ID}:contest_id>/ket-qua/<any({', '.join(map(repr, CONTEST_STEP_OF))}):action>")
@roles_required(*ORGANISERS)
def contest_action(contest_id: int, action: str):
    contest = contests.get_contest(contest_id)
    if action == "chot":
        return started(lambda now: tasks.start_contest_freeze(contest, current_user.id, now))
    _run(services.CONTEST_STEPS[CONTEST_STEP_OF[action]], None, contest)
    return redirect(url_for("contests.show", contest_id=contest_id) + "#ket-qua")


@bp.get("/ket-qua/<slug>/<int(max=1000):number>/giay-chung-nhan")
@login_required
def certificates(slug: str, number: int):
    """Print-ready certificates for the round's winners (and every participant when the
    contest says so): a unit's (``?don-vi=<id>``, within the viewer's scope; a manager's own
    unit by default), every one (organisers), or the member's own."""
    contest, round_ = _published_round(slug, number)
    unit = units.get(request.args["don-vi"]) if "don-vi" in request.args else scope.home(current_user)
    everyone = contest.certificates_for_all
    if unit is not None:
        found = services.winners(round_, contest, within=scope.check(current_user, unit), everyone=everyone)
    elif scope.sees_all(current_user):
        found = services.winners(round_, contest, everyone=everyone)
    else:
        found = services.winners(round_, contest, everyone=everyone, user_id=current_user.id)
    return render_template("rankings/certificates.html", contest=contest, round=round_, unit=unit,
                           winners=found, today=utcnow(), duration=duration,
                           bundle=round_.published_at is not None and (unit is not None or scope.sees_all(current_user)))


@bp.post("/ket-qua/<slug>/<int(max=1000):number>/giay-chung-nhan/tai-ve")
@login_required
def certificate_bundle(slug: str, number: int):
    """The unit's certificates (``?don-vi=<id>``, within the viewer's scope; a manager's own unit
    by default; every one for organisers) as one file, made in the background."""
    contest, round_ = _published_round(slug, number)
    if round_.published_at is None:
        raise NotFound(f"Kết quả {round_.name} chưa được công bố.")
    unit = units.get(request.args["don-vi"]) if "don-vi" in request.args else scope.home(current_user)
    if unit is not None:
        scope.check(current_user, unit)
    elif not scope.sees_all(current_user):
        raise Forbidden("Chỉ ban tổ chức và quản lý đơn vị tải được bộ giấy chứng nhận.")
    return started(lambda now: report_tasks.start_certificates(round_, contest, unit, actor_id=current_user.id,
                                                                   now=now))
