"""The organiser's contest pages: the list; the set-up form (create, edit) with its TOML
import and export; copying and deleting a contest; the contest page (settings, rounds and
extending them, the roster, results, the audit log).

The form's inputs, checks and messages come from the declared specification
(``quiz.contests.spec``); each view parses, calls one service of ``quiz.contests.setup``
(or ``services``) and commits once."""
from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from quiz.accounts.access import roles_required
from quiz.accounts.models import CATEGORIES, Role
from quiz.audit import services as audit
from quiz.banks.models import DIFFICULTIES
from quiz.config import ROOT
from quiz.contests import roster, schedule, services, setup, spec
from quiz.contests.forms import (ContestForm, CopyForm, DeleteForm, ExtendForm, ImportForm, RosterConfirmForm,
                                 RosterForm)
from quiz.contests.setup import local_to_utc
from quiz.db import MAX_ID, utcnow
from quiz.errors import Conflict, DomainError, InvalidFile
from quiz.extensions import db
from quiz.rankings import rules as results_rules
from quiz.rankings import services as rankings
from quiz.units import services as units
from quiz.units.models import Unit
from quiz.web.forms import flash_warnings, submit
from quiz.web.templating import local
from quiz.web.uploads import UploadStore

bp = Blueprint("contests", __name__, url_prefix="/quan-tri/cuoc-thi")

ORGANISERS = (Role.ADMIN, Role.ORGANISER)
ID = f"int(max={MAX_ID})"
EXAMPLE = ROOT / "docs" / "contest.example.toml"
CONTROL = "control.round_page"  # the live page of a round (quiz.contests.control_views), when installed

#: The contest's settings in Vietnamese words (from the specification's declaration).
LABELS = {
    "counting": spec.COUNTING_LABELS,
    "tie_break": spec.CRITERIA_LABELS,
    "prediction": spec.PREDICTION_LABELS,
    "show_answers": spec.ANSWERS_LABELS,
    "eligibility": spec.ELIGIBILITY_LABELS,
    "collective": spec.FORMULA_LABELS,
    "categories": CATEGORIES,
    "difficulty": DIFFICULTIES,
}


def duration(seconds: int) -> str:
    """``1200`` → ``20 phút``; ``90`` → ``1 phút 30 giây``."""
    minutes, rest = divmod(seconds, 60)
    parts = ([f"{minutes} phút"] if minutes else []) + ([f"{rest} giây"] if rest or not minutes else [])
    return " ".join(parts)


def _tz() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


@bp.get("")
@roles_required(*ORGANISERS)
def index():
    return render_template("contests/index.html", contests=services.contests_with_rounds())


# The set-up form -----------------------------------------------------------------------------

def _units_of(codes: list[str]) -> list[tuple[Unit, str]]:
    found = list(db.session.scalars(select(Unit).where(Unit.code.in_(codes)))) if codes else []
    labels = units.labels(found)
    order = {code: i for i, code in enumerate(codes)}
    return [(unit, labels[unit.id]) for unit in sorted(found, key=lambda u: order[u.code])]


def _form_page(data: dict, *, contest=None, checked: spec.Checked | None = None, locks: spec.Locks | None = None,
               show_errors: bool = True, status: int = 200, import_form: ImportForm | None = None,
               file_error: str | None = None, dry_run: bool = False):
    """The set-up form showing ``data``, with ``checked``'s errors beside their inputs."""
    chosen = [code for code in data["units"]]
    query = data.get("unit_search", "").strip()
    results = [u for u in units.search(query) if u.code not in chosen] if len(query) >= 2 else []
    result_labels = units.labels(results)
    return render_template(
        "contests/form.html", data=data, contest=contest, spec=spec, checked=checked,
        errors=checked.by_field("errors") if checked and show_errors else {},
        warnings=checked.by_field("warnings") if checked else {},
        all_errors=checked.errors if checked and show_errors else [],
        all_warnings=checked.warnings if checked else [], show_errors=show_errors, dry_run=dry_run,
        locks=locks or spec.Locks(), banks=services.bank_choices(), chosen_units=_units_of(chosen),
        unit_results=[(u, result_labels[u.id]) for u in results], unit_query=query,
        form=ContestForm(formdata=None), import_form=import_form or ImportForm(formdata=None),
        file_error=file_error), status


def _base(contest, tz: ZoneInfo) -> dict:
    return spec.form_data(setup.of_contest(contest, tz), tz)


@bp.get("/moi")
@roles_required(*ORGANISERS)
def create():
    return _form_page(spec.form_data(spec.defaults(), _tz()))


@bp.get(f"/<{ID}:contest_id>/sua")
@roles_required(*ORGANISERS)
def edit(contest_id: int):
    contest = services.get_contest(contest_id)
    tz = _tz()
    raw = setup.of_contest(contest, tz)
    return _form_page(spec.form_data(raw, tz), contest=contest, locks=setup.locks_for(contest, utcnow()),
                      checked=spec.check(raw, tz=tz, contest_id=contest.id))


@bp.post("/moi")
@roles_required(*ORGANISERS)
def create_post():
    return _submit(None)


@bp.post(f"/<{ID}:contest_id>/sua")
@roles_required(*ORGANISERS)
def edit_post(contest_id: int):
    return _submit(services.get_contest(contest_id))


def _submit(contest):
    """The form's buttons: add or remove a row, search units (the page again); check (nothing
    written); export (the TOML file); save (create or edit, then the contest page)."""
    tz, now = _tz(), utcnow()
    data = spec.posted(request.form)
    locks = setup.locks_for(contest, now) if contest is not None else spec.Locks()
    if locks:
        spec.keep_locked(data, _base(contest, tz), locks)
    spec.fill_codes(data)
    contest_id = contest.id if contest is not None else None
    if not ContestForm().validate_on_submit():
        flash("Phiên làm việc đã hết hạn. Vui lòng bấm lại nút vừa bấm.", "error")
        return _form_page(data, contest=contest, locks=locks, status=400)
    action = request.form.get("action", "check")
    if action == "enter":  # the Enter key: search units if a search was typed, else check
        action = "search_units" if data["unit_search"].strip() else "check"
    if action.startswith(("add:", "remove:")) or action == "search_units":
        spec.apply_action(data, action)
        checked = spec.check(spec.raw_of(data), tz=tz, contest_id=contest_id)
        return _form_page(data, contest=contest, checked=checked, locks=locks, show_errors=False)
    raw = spec.raw_of(data)
    if action == "export":
        checked = spec.check(raw, tz=tz, contest_id=contest_id)
        if checked.errors:
            return _form_page(data, contest=contest, checked=checked, locks=locks, status=422)
        return _toml_download(spec.to_toml(spec.dump(checked.values), checked.values["title"]),
                              checked.values["slug"])
    dry_run = action != "save"
    if contest is None:
        result = setup.create_contest(raw, tz=tz, now=now, actor_id=current_user.id, dry_run=dry_run)
    else:
        result = setup.edit(contest, raw, tz=tz, now=now, actor_id=current_user.id, dry_run=dry_run)
    if result.errors or dry_run:
        db.session.rollback()  # a check writes nothing
        return _form_page(data, contest=contest, checked=result.checked, locks=locks, dry_run=dry_run,
                          status=422 if result.errors else 200)
    saved = result.contest
    contest_id, title = saved.id, saved.title
    db.session.commit()
    if contest is None:
        flash(f"Đã tạo cuộc thi “{title}”.", "success")
    elif result.changes:
        flash(f"Đã lưu thay đổi: {', '.join(list(result.changes)[:6])}"
              f"{'…' if len(result.changes) > 6 else ''}.", "success")
    else:
        flash("Không có thay đổi nào.", "success")
    for warning in result.warnings:
        flash(f"Lưu ý: {warning.shown()}", "warning")
    return redirect(url_for("contests.show", contest_id=contest_id))


@bp.post("/moi/nhap")
@roles_required(*ORGANISERS)
def import_new():
    return _import(None)


@bp.post(f"/<{ID}:contest_id>/sua/nhap")
@roles_required(*ORGANISERS)
def import_edit(contest_id: int):
    return _import(services.get_contest(contest_id))


def _import(contest):
    """"Nhập từ tệp": a TOML file's settings into the form, checked, nothing written yet."""
    tz, now = _tz(), utcnow()
    locks = setup.locks_for(contest, now) if contest is not None else spec.Locks()
    current = _base(contest, tz) if contest is not None else spec.form_data(spec.defaults(), tz)
    form = ImportForm()
    if not form.validate_on_submit():
        return _form_page(current, contest=contest, locks=locks, import_form=form, status=422)
    upload = form.file.data
    try:
        raw = setup.read_toml(upload.read(setup.MAX_TOML * 4 + 1))
    except spec.Invalid as problem:
        return _form_page(current, contest=contest, locks=locks, import_form=form, file_error=problem.message,
                          status=422)
    data = spec.form_data(raw, tz)
    if locks:
        spec.keep_locked(data, current, locks)
    checked = spec.check(raw, tz=tz, contest_id=contest.id if contest is not None else None)
    flash(f"Đã đọc tệp “{upload.filename}” vào biểu mẫu (chưa ghi gì): xem lại rồi bấm "
          f"“{'Lưu thay đổi' if contest is not None else 'Tạo cuộc thi'}”.", "success")
    return _form_page(data, contest=contest, checked=checked, locks=locks, status=422 if checked.errors else 200)


def _toml_download(text: str, slug: str) -> Response:
    response = Response(text, mimetype="application/toml")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug or "cuoc-thi"}.toml"'
    return response


@bp.get(f"/<{ID}:contest_id>/cau-hinh.toml")
@roles_required(*ORGANISERS)
def download(contest_id: int):
    """"Tải cấu hình": the contest as a TOML file, to import again or script."""
    contest = services.get_contest(contest_id)
    return _toml_download(setup.to_toml(contest), contest.slug)


@bp.get("/mau.toml")
@roles_required(*ORGANISERS)
def example():
    """The documented example file (every field, in Vietnamese)."""
    return _toml_download(EXAMPLE.read_text(encoding="utf-8"), "cuoc-thi-mau")


# Copy and delete -----------------------------------------------------------------------------

@bp.route(f"/<{ID}:contest_id>/sao-chep", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def copy(contest_id: int):
    contest = services.get_contest(contest_id)
    now = utcnow()
    if request.method == "GET":
        form = CopyForm(formdata=None, data=setup.copy_defaults(contest, now))
        return render_template("contests/copy.html", contest=contest, form=form)
    form = CopyForm()
    if not form.validate_on_submit():
        return render_template("contests/copy.html", contest=contest, form=form), 422
    result = setup.copy(contest, title=form.title.data or "", slug=form.slug.data or "",
                        first_opens=form.first_opens.data or "", tz=_tz(), now=now, actor_id=current_user.id)
    if result.errors:
        db.session.rollback()
        for issue in result.errors:
            target = getattr(form, issue.field, None) if issue.field in ("title", "slug", "first_opens") else None
            if target is not None:
                target.errors = [*target.errors, issue.message]
            else:
                flash(issue.shown(), "error")
        return render_template("contests/copy.html", contest=contest, form=form), 422
    new_id, title = result.contest.id, result.contest.title
    db.session.commit()
    flash(f"Đã sao chép thành cuộc thi “{title}”: xem lại các đợt thi và cài đặt.", "success")
    for warning in result.warnings:
        flash(f"Lưu ý: {warning.shown()}", "warning")
    return redirect(url_for("contests.show", contest_id=new_id))


@bp.route(f"/<{ID}:contest_id>/xoa", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def delete(contest_id: int):
    contest = services.get_contest(contest_id)
    if request.method == "GET" or not DeleteForm().validate_on_submit():
        return render_template("contests/delete.html", contest=contest, started=setup.has_attempts(contest),
                               refused=setup.DELETE_REFUSED, roster_size=roster.size(contest),
                               form=DeleteForm(formdata=None)), 200 if request.method == "GET" else 400
    try:
        title = setup.delete(contest, now=utcnow(), actor_id=current_user.id)
    except Conflict as error:
        db.session.rollback()
        flash(error.message, "error")
        return redirect(url_for("contests.show", contest_id=contest_id)), 303
    db.session.commit()
    flash(f"Đã xoá cuộc thi “{title}”.", "success")
    return redirect(url_for("contests.index"))


# The contest page and extending a round ------------------------------------------------------

def _extend_form(round_, tz: ZoneInfo) -> ExtendForm:
    return ExtendForm(formdata=None, closes_at=local(round_.closes_at, tz).replace(tzinfo=None, second=0))


def control_url(contest_id: int, round_id: int) -> str | None:
    """The round's live page (another blueprint), or None while it is not installed."""
    if CONTROL not in current_app.view_functions:
        return None
    return url_for(CONTROL, contest_id=contest_id, round_id=round_id)


def _page(contest, failed: tuple[int, ExtendForm] | None = None, roster_form: RosterForm | None = None,
          problems=None, roster_confirm: RosterConfirmForm | None = None):
    tz, now = _tz(), utcnow()
    forms = {r.id: _extend_form(r, tz) for r in contest.rounds}
    if failed:
        forms[failed[0]] = failed[1]
    return render_template("contests/show.html", contest=contest, draw=services.draw_with_banks(contest),
                           forms=forms, labels=LABELS, duration=duration, now=now, window=schedule.window,
                           units=services.eligible_units(contest), roster_size=roster.size(contest),
                           roster_form=roster_form or RosterForm(formdata=None), problems=problems,
                           roster_confirm=roster_confirm,
                           results_rules=results_rules.describe(contest),
                           results_state=rankings.contest_state(contest), locks=setup.locks_for(contest, now),
                           started=setup.has_attempts(contest), log=audit.entries(contest_id=contest.id),
                           actions=audit.ACTIONS, control_url=control_url, spec=spec)


@bp.get(f"/<{ID}:contest_id>")
@roles_required(*ORGANISERS)
def show(contest_id: int):
    return _page(services.get_contest(contest_id))


@bp.post(f"/<{ID}:contest_id>/dot/<{ID}:round_id>/gia-han")
@roles_required(*ORGANISERS)
def extend(contest_id: int, round_id: int):
    contest = services.get_contest(contest_id)
    round_ = services.get_round(contest, round_id)
    form = ExtendForm()
    outcome = submit(form, lambda: services.extend_round(
        round_, local_to_utc(form.closes_at.data, _tz()), utcnow(), actor_id=current_user.id))
    if outcome.done:
        flash(f"Đã gia hạn “{round_.name}” đến {local(round_.closes_at, _tz()):%H:%M %d/%m/%Y}.", "success")
        return redirect(url_for("contests.show", contest_id=contest.id))
    return _page(contest, (round_.id, form)), outcome.status


@bp.post(f"/<{ID}:contest_id>/danh-sach")
@roles_required(*ORGANISERS)
def import_roster(contest_id: int):
    """Check (nothing written) or import the list of people who may take the contest."""
    contest = services.get_contest(contest_id)
    form = RosterForm()
    if not form.validate_on_submit():
        return _page(contest, roster_form=form), 422
    dry_run = not form.save.data
    upload = form.file.data
    try:
        result = roster.import_file(contest, upload.filename, upload.read(), dry_run=dry_run)
    except InvalidFile as error:
        db.session.rollback()
        flash(error.message, "error")
        return _page(contest, roster_form=form, problems=error.problems), 422
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _page(contest, roster_form=form), error.status
    if dry_run:
        db.session.rollback()
        token = UploadStore.current().save(f"roster:{contest.id}", current_user.id, upload.filename or "", "",
                                           json.dumps(result.rows))
        flash(f"Tệp hợp lệ (chưa ghi). {result.summary()}", "success")
        flash_warnings(result.warnings)
        return _page(contest, roster_form=form, roster_confirm=RosterConfirmForm(formdata=None, token=token))
    db.session.commit()
    flash(result.summary(), "success")
    flash_warnings(result.warnings)
    return redirect(url_for("contests.show", contest_id=contest_id) + "#danh-sach")


@bp.post(f"/<{ID}:contest_id>/danh-sach/xac-nhan")
@roles_required(*ORGANISERS)
def confirm_roster(contest_id: int):
    """Import the list a check has just read (kept on the server), without reading the file again."""
    contest = services.get_contest(contest_id)
    form = RosterConfirmForm()
    stored = UploadStore.current().claim(form.token.data, f"roster:{contest.id}", current_user.id, json.loads) \
        if form.validate_on_submit() else None
    if stored is None or not isinstance(stored.value, list):
        flash("Danh sách đã kiểm tra không còn trên máy chủ (đã quá hạn, đã được nhập hoặc mã không đúng). "
              "Vui lòng tải tệp lên lại.", "error")
        return _page(contest), 410
    try:
        result = roster.import_checked(contest, stored.value)
    except InvalidFile as error:
        db.session.rollback()
        flash(error.message, "error")
        return _page(contest, problems=error.problems), 422
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _page(contest), error.status
    db.session.commit()
    flash(result.summary(), "success")
    return redirect(url_for("contests.show", contest_id=contest_id) + "#danh-sach")
