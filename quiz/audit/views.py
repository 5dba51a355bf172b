"""The administrator's list of security events: ``/quan-tri/su-kien-bao-mat`` (``?loai=`` a kind,
``?q=`` the start of an account or an address, ``?trang=`` the page)."""
from __future__ import annotations

from flask import Blueprint, render_template, request

from quiz.accounts.access import roles_required
from quiz.accounts.models import Role
from quiz.audit import security
from quiz.web.forms import page_number

bp = Blueprint("audit", __name__)

PER_PAGE = 50


@bp.get("/quan-tri/su-kien-bao-mat")
@roles_required(Role.ADMIN)
def security_events():
    kind = request.args.get("loai", "")
    kind = kind if kind in security.KINDS else ""
    query = request.args.get("q", "")[:45]
    page = page_number(request.args.get("trang"))
    rows = security.events(kind=kind or None, query=query, offset=(page - 1) * PER_PAGE, limit=PER_PAGE + 1)
    return render_template("audit/security_events.html", rows=rows[:PER_PAGE], more=len(rows) > PER_PAGE,
                           page=page, kind=kind, query=query, kinds=security.KINDS)
