"""The unit search box's API and the administrator's unit tree page."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired

from quiz.accounts.access import roles_required
from quiz.accounts.models import Role
from quiz.errors import InvalidFile
from quiz.extensions import db
from quiz.units import importer, services
from quiz.web.forms import flash_warnings

bp = Blueprint("units", __name__)


class ImportForm(FlaskForm):
    file = FileField("Tệp danh sách đơn vị (.xlsx hoặc .csv)", validators=[
        FileRequired("Vui lòng chọn tệp."),
        FileAllowed(["xlsx", "csv"], "Chỉ nhận tệp .xlsx hoặc .csv.")])


@bp.get("/api/don-vi")
def search():
    """The registration page's unit search: up to 20 matches with their place in the tree."""
    found = services.search(request.args.get("q", "")[:100])
    labels = services.labels(found)
    return jsonify([{"id": u.id, "code": u.code, "name": u.name, "label": labels[u.id]} for u in found])


@bp.get("/quan-tri/don-vi")
@roles_required(Role.ADMIN, Role.ORGANISER)
def tree():
    parent_id = request.args.get("don_vi")
    parent = services.get(parent_id) if parent_id else None
    return render_template(
        "units/tree.html", parent=parent, path=services.ancestry(parent) if parent else [],
        children=services.children(parent), form=ImportForm(), problems=None,
        members=services.subtree_members(parent) if parent else None,
        headcount=services.subtree_headcount(parent) if parent else None)


@bp.post("/quan-tri/don-vi/nhap")
@roles_required(Role.ADMIN)
def import_units():
    form = ImportForm()
    problems = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            result = importer.import_file(upload.filename, upload.read())
        except InvalidFile as error:
            db.session.rollback()
            flash(error.message, "error")
            problems = error.problems
        else:
            db.session.commit()
            flash(result.summary(), "success")
            flash_warnings(result.warnings)
            return redirect(url_for("units.tree"))
    return render_template("units/tree.html", parent=None, path=[], children=services.children(None),
                           form=form, problems=problems, members=None, headcount=None), 422
