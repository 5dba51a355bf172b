"""The organiser's question bank pages: banks, topics, import with preview, browse, add or edit
one question."""
from __future__ import annotations

import io
import re

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from quiz.accounts.access import roles_required
from quiz.accounts.models import Role
from quiz.banks import formats, services
from quiz.banks.formats.template import example_xlsx, write_xlsx
from quiz.banks.forms import (NEW_TOPIC, NO_TOPIC, ActionForm, BankForm, ConfirmForm, QuestionForm, TopicForm,
                              UploadForm)
from quiz.banks.models import DIFFICULTIES
from quiz.banks.report import check_bank, percent
from quiz.db import MAX_ID, utcnow
from quiz.errors import DomainError, InvalidFile
from quiz.extensions import db
from quiz.text import fold
from quiz.web.forms import submit
from quiz.web.uploads import UploadStore

bp = Blueprint("banks", __name__, url_prefix="/quan-tri")

ORGANISERS = (Role.ADMIN, Role.ORGANISER)
PREVIEW_LIMIT = 200        # questions shown on the preview page (every problem is listed)
MAX_PAGE = 100_000
REPORT_SHOWN = 50          # questions or pairs listed per finding on the report page
ID = f"int(max={MAX_ID})"


# Banks and topics --------------------------------------------------------------------------

@bp.route("/ngan-hang", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def index():
    form = BankForm()
    form.set_topics(services.topics())
    choice = form.topic.data
    outcome = submit(form, lambda: services.create_bank_with_topic(
        form.name.data, form.description.data,
        topic_id=int(choice) if choice not in (NO_TOPIC, NEW_TOPIC) else None,
        new_topic=choice == NEW_TOPIC, year=form.year.data, title=form.title.data or "",
        issuer=form.issuer.data or ""))
    if outcome.done:
        flash(f"Đã tạo ngân hàng “{outcome.value.name}”. Hãy nhập câu hỏi cho ngân hàng.", "success")
        return redirect(url_for("banks.upload", bank_id=outcome.value.id))
    return render_template("banks/index.html", banks=services.banks_with_counts(), form=form), outcome.status


@bp.route("/chuyen-de", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def topics():
    form = TopicForm()
    outcome = submit(form, lambda: services.topic(form.year.data, form.title.data, form.issuer.data or ""))
    if outcome.done:
        flash(f"Đã lưu chuyên đề “{outcome.value.title}” ({outcome.value.year}).", "success")
        return redirect(url_for("banks.topics"))
    return render_template("banks/topics.html", topics=services.topics_with_counts(), form=form), outcome.status


@bp.route(f"/chuyen-de/<{ID}:topic_id>", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def edit_topic(topic_id: int):
    topic = services.get_topic(topic_id)
    form = TopicForm(obj=None if request.method == "POST" else topic)
    outcome = submit(form, lambda: services.update_topic(topic, form.year.data, form.title.data,
                                                         form.issuer.data or ""))
    if outcome.done:
        flash("Đã cập nhật chuyên đề.", "success")
        return redirect(url_for("banks.topics"))
    return render_template("banks/topic_edit.html", topic=topic, form=form), outcome.status


# Import: upload → preview → confirm ------------------------------------------------------

@bp.get(f"/ngan-hang/<{ID}:bank_id>/nhap")
@roles_required(*ORGANISERS)
def upload(bank_id: int):
    bank = services.get_bank(bank_id)
    return render_template("banks/upload.html", bank=bank, form=UploadForm(), problems=None)


@bp.post(f"/ngan-hang/<{ID}:bank_id>/nhap")
@roles_required(*ORGANISERS)
def preview(bank_id: int):
    bank = services.get_bank(bank_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("banks/upload.html", bank=bank, form=form, problems=None), 422
    upload, fmt = form.file.data, form.format.data or None
    filename, data = upload.filename or "", upload.read()
    try:
        inspection = services.inspect(bank, filename, data, fmt)
    except InvalidFile as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("banks/upload.html", bank=bank, form=form, problems=error.problems), 422
    db.session.rollback()  # a preview writes nothing
    token = None
    if inspection.can_import:
        token = UploadStore.current().save(f"bank:{bank.id}", current_user.id, filename, fmt or "",
                                           formats.dump(inspection.parsed))
    return render_template(
        "banks/preview.html", bank=bank, filename=filename, inspection=inspection, report=inspection.report,
        rows=inspection.rows(PREVIEW_LIMIT), limit=PREVIEW_LIMIT, confirm=ConfirmForm(formdata=None, token=token),
        form=UploadForm(formdata=None), difficulties=DIFFICULTIES), 200 if inspection.can_import else 422


@bp.post(f"/ngan-hang/<{ID}:bank_id>/nhap/xac-nhan")
@roles_required(*ORGANISERS)
def confirm(bank_id: int):
    bank = services.get_bank(bank_id)
    form = ConfirmForm()
    stored = UploadStore.current().claim(form.token.data, f"bank:{bank.id}", current_user.id, formats.load) \
        if form.validate_on_submit() else None
    if stored is None:
        flash("Tệp đã tải lên không còn trên máy chủ (đã quá hạn, đã được nhập hoặc mã không đúng). "
              "Vui lòng tải tệp lên lại.", "error")
        return render_template("banks/upload.html", bank=bank, form=UploadForm(), problems=None), 410
    try:
        summary = services.import_parsed(bank, stored.value, now=utcnow())
    except InvalidFile as error:
        db.session.rollback()
        flash(error.message, "error")
        return render_template("banks/upload.html", bank=bank, form=UploadForm(), problems=error.problems), 422
    db.session.commit()
    flash(f"{summary.message()} Ngân hàng “{bank.name}”.", "success")
    return redirect(url_for("banks.browse", bank_id=bank.id))


# Downloads ---------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/ngan-hang/tep-mau.xlsx")
@roles_required(*ORGANISERS)
def template_file():
    return send_file(io.BytesIO(example_xlsx()), mimetype=XLSX, as_attachment=True,
                     download_name="mau-ngan-hang-cau-hoi.xlsx")


@bp.get(f"/ngan-hang/<{ID}:bank_id>/xuat.xlsx")
@roles_required(*ORGANISERS)
def export(bank_id: int):
    bank = services.get_bank(bank_id)
    data = write_xlsx(services.questions_of(bank))
    slug = re.sub(r"[^a-z0-9]+", "-", fold(bank.name)).strip("-")[:60] or str(bank.id)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=f"ngan-hang-{slug}.xlsx")


# Browse, edit, retire ------------------------------------------------------------------------

def _list_args(q: str | None, retired: str | None, page: str | int | None) -> dict:
    """The browse page's query string, from request args or an action form."""
    args = {}
    if q:
        args["q"] = q[:100]
    if retired == "1":
        args["da_ngung"] = "1"
    page = int(page) if re.fullmatch(r"[0-9]{1,6}", str(page or "")) else 1
    if page > 1:
        args["trang"] = page
    return args


@bp.get(f"/ngan-hang/<{ID}:bank_id>/kiem-tra")
@roles_required(*ORGANISERS)
def report(bank_id: int):
    """The bank check report: what to fix before a contest uses the bank (``?du=1``: every item)."""
    bank = services.get_bank(bank_id)
    everything = request.args.get("du") == "1"
    return render_template("banks/report.html", bank=bank, report=check_bank(bank), difficulties=DIFFICULTIES,
                           shown=None if everything else REPORT_SHOWN, percent=percent)


@bp.get(f"/ngan-hang/<{ID}:bank_id>")
@roles_required(*ORGANISERS)
def browse(bank_id: int):
    bank = services.get_bank(bank_id)
    args = _list_args(request.args.get("q"), request.args.get("da_ngung"), request.args.get("trang"))
    query, retired, page = args.get("q", ""), "da_ngung" in args, min(args.get("trang", 1), MAX_PAGE)
    questions, total = services.search(bank, query, retired=retired, page=page)
    pages = max(1, -(-total // services.PAGE_SIZE))
    return render_template("banks/browse.html", bank=bank, questions=questions, total=total, query=query,
                           retired=retired, page=page, pages=pages, action=ActionForm(),
                           difficulties=DIFFICULTIES, first=(page - 1) * services.PAGE_SIZE)


def _question_page(bank, question, save):
    """The one-question form (add or edit): checked as a file import checks a row
    (``services.check_question``); every refusal is listed on the form, what was typed kept."""
    form = QuestionForm()
    if request.method == "GET" and question is not None:
        form.fill(question)
    status, refusal = 200, []
    if form.validate_on_submit():
        edited = services.edited_from_form(
            form.text.data, [f.data or "" for f in form.option_fields], form.answer.data, form.difficulty.data,
            form.tags.data or "", form.source.data or "", form.explanation.data or "")
        try:
            saved, warnings = save(edited)
        except services.QuestionRefused as error:
            db.session.rollback()
            refusal, status = error.problems, error.status
        except DomainError as error:
            db.session.rollback()
            refusal, status = [error.message], error.status
        else:
            retired = saved.retired_at is not None
            db.session.commit()
            flash("Đã lưu câu hỏi." if question is not None else "Đã thêm câu hỏi vào ngân hàng.", "success")
            if warnings:
                flash("Lưu ý: " + " ".join(warnings), "warning")
            return redirect(url_for("banks.browse", bank_id=bank.id, **_list_args(None, "1" if retired else None, None)))
    elif request.method == "POST":
        status = 422
    return render_template("banks/question_edit.html", bank=bank, question=question, form=form, refusal=refusal,
                           used=question is not None and services.is_used(question)), status


@bp.route(f"/ngan-hang/<{ID}:bank_id>/cau-hoi/moi", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def new_question(bank_id: int):
    bank = services.get_bank(bank_id)
    return _question_page(bank, None, lambda edited: services.add_question(bank, edited, now=utcnow()))


@bp.route(f"/ngan-hang/<{ID}:bank_id>/cau-hoi/<{ID}:question_id>", methods=["GET", "POST"])
@roles_required(*ORGANISERS)
def edit_question(bank_id: int, question_id: int):
    bank = services.get_bank(bank_id)
    question = services.get_question(question_id, bank)
    return _question_page(bank, question,
                          lambda edited: (question, services.update_question(question, edited, now=utcnow())))


def _question_action(bank_id: int, question_id: int, change, done: str):
    """Retire or restore one question, then back to the list where the organiser was."""
    bank = services.get_bank(bank_id)
    question = services.get_question(question_id, bank)
    form = ActionForm()
    if not form.validate_on_submit():
        return redirect(url_for("banks.browse", bank_id=bank.id))
    change(question)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("banks.browse", bank_id=bank.id,
                            **_list_args(form.q.data, form.retired.data, form.page.data)))


@bp.post(f"/ngan-hang/<{ID}:bank_id>/cau-hoi/<{ID}:question_id>/ngung-dung")
@roles_required(*ORGANISERS)
def retire(bank_id: int, question_id: int):
    return _question_action(bank_id, question_id, lambda q: services.retire(q, now=utcnow()),
                            "Đã ngừng dùng câu hỏi; các lượt thi đã dùng nó vẫn giữ nguyên.")


@bp.post(f"/ngan-hang/<{ID}:bank_id>/cau-hoi/<{ID}:question_id>/dung-lai")
@roles_required(*ORGANISERS)
def restore(bank_id: int, question_id: int):
    return _question_action(bank_id, question_id, services.restore, "Đã dùng lại câu hỏi.")
