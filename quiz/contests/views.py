"""The organiser's contest pages: the list, set-up from a TOML specification (check, then
create), the contest page, extending a round, and importing the roster. The draw cannot be
changed once created."""
from __future__ import annotations

import re
import tomllib
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from quiz.accounts.access import roles_required
from quiz.accounts.models import CATEGORIES, Role
from quiz.banks.models import DIFFICULTIES
from quiz.config import ROOT
from quiz.contests import services
from quiz.contests import roster, schedule, setup
from quiz.contests.forms import MAX_SPEC, ExtendForm, RosterForm, SpecForm
from quiz.contests.setup import local_to_utc
from quiz.db import MAX_ID, utcnow
from quiz.errors import DomainError, InvalidFile
from quiz.rankings import rules as results_rules
from quiz.rankings import services as rankings
from quiz.rankings.collective import FORMULAS
from quiz.rankings.criteria import COUNTING, CRITERIA
from quiz.extensions import db
from quiz.web.forms import flash_warnings, submit
from quiz.web.templating import local

bp = Blueprint("contests", __name__, url_prefix="/quan-tri/cuoc-thi")

ORGANISERS = (Role.ADMIN, Role.ORGANISER)
ID = f"int(max={MAX_ID})"
EXAMPLE = ROOT / "docs" / "contest.example.toml"
_AT = re.compile(r"\(at line (\d+), column (\d+)\)")

#: The contest's settings in Vietnamese words.
LABELS = {
    "counting": {key: counting.label for key, counting in COUNTING.items()},
    "tie_break": {key: criterion.label for key, criterion in CRITERIA.items()},
    "prediction": {"all_correct": "số người trả lời đúng tất cả các câu", "participants": "tổng số người dự thi",
                   "attempts": "tổng số lượt thi trong đợt"},
    "show_answers": {"never": "không bao giờ", "after_close": "sau khi đợt thi đóng"},
    "eligibility": {"everyone": "mọi người đã đăng ký", "units": "thành viên các đơn vị được chọn",
                    "roster": "danh sách dự thi được nhập"},
    "collective": {key: formula.label for key, formula in FORMULAS.items()},
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


# List and set-up -----------------------------------------------------------------------------

@bp.get("")
@roles_required(*ORGANISERS)
def index():
    return render_template("contests/index.html", contests=services.contests_with_rounds())


def _read_spec(form: SpecForm) -> tuple[dict | None, str | None]:
    """The specification from the uploaded file (shown back in the text box) or the text
    box, parsed; or a message in Vietnamese saying why it cannot be read."""
    upload = form.file.data
    if upload and upload.filename:
        try:
            form.spec.data = upload.read(MAX_SPEC * 4 + 1).decode("utf-8-sig")
        except UnicodeDecodeError:
            return None, "Tệp tải lên không phải văn bản UTF-8. Hãy lưu tệp .toml với bảng mã UTF-8."
        if len(form.spec.data) > MAX_SPEC:
            return None, f"Tệp quá dài (tối đa {MAX_SPEC:,} ký tự).".replace(",", ".")
    text = (form.spec.data or "").replace("\r\n", "\n")
    if not text.strip():
        return None, "Vui lòng nhập đặc tả cuộc thi hoặc chọn tệp .toml."
    try:
        return tomllib.loads(text), None
    except tomllib.TOMLDecodeError as error:
        at = _AT.search(str(error))
        where = (f" ở dòng {at.group(1)}, cột {at.group(2)}" if at
                 else " ở cuối văn bản" if "end of document" in str(error) else "")
        return None, (f"Đặc tả sai cú pháp TOML{where}. Hãy kiểm tra: tên mục và dấu “=”, giá trị sau dấu “=”, "
                      "chữ đặt trong dấu ngoặc kép, ngoặc vuông của [[round]], [[draw]] đóng mở đủ.")


@bp.route("/moi", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def create():
    form = SpecForm()
    if not form.is_submitted():
        form.spec.data = EXAMPLE.read_text(encoding="utf-8")
        return render_template("contests/create.html", form=form, result=None, syntax=None)
    if not form.validate():
        return render_template("contests/create.html", form=form, result=None, syntax=None), 422
    spec, syntax = _read_spec(form)
    if spec is None:
        return render_template("contests/create.html", form=form, result=None, syntax=syntax), 422
    dry_run = not form.create.data
    result = setup.create(spec, tz=_tz(), dry_run=dry_run)
    if result.errors or dry_run:
        db.session.rollback()  # a check writes nothing
        return render_template("contests/create.html", form=form, result=result, syntax=None,
                               dry_run=dry_run), 422 if result.errors else 200
    contest_id, title = result.contest.id, result.contest.title
    db.session.commit()
    flash(f"Đã tạo cuộc thi “{title}”.", "success")
    for warning in result.warnings:
        flash(f"Lưu ý: {warning}", "warning")
    return redirect(url_for("contests.show", contest_id=contest_id))


# The contest page and extending a round ------------------------------------------------------

def _extend_form(round_, tz: ZoneInfo) -> ExtendForm:
    return ExtendForm(formdata=None, closes_at=local(round_.closes_at, tz).replace(tzinfo=None, second=0))


def _page(contest, failed: tuple[int, ExtendForm] | None = None, roster_form: RosterForm | None = None,
          problems=None):
    tz = _tz()
    forms = {r.id: _extend_form(r, tz) for r in contest.rounds}
    if failed:
        forms[failed[0]] = failed[1]
    return render_template("contests/show.html", contest=contest, draw=services.draw_with_banks(contest),
                           forms=forms, labels=LABELS, duration=duration, now=utcnow(), window=schedule.window,
                           units=services.eligible_units(contest), roster_size=roster.size(contest),
                           roster_form=roster_form or RosterForm(formdata=None), problems=problems,
                           results_rules=results_rules.describe(contest),
                           results_state=rankings.contest_state(contest))


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
        round_, local_to_utc(form.closes_at.data, _tz()), utcnow()))
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
        flash(f"Tệp hợp lệ (chưa ghi). {result.summary()}", "success")
        flash_warnings(result.warnings)
        return _page(contest, roster_form=form)
    db.session.commit()
    flash(result.summary(), "success")
    flash_warnings(result.warnings)
    return redirect(url_for("contests.show", contest_id=contest_id) + "#danh-sach")
