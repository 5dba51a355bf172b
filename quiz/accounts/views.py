"""Registration, login, profile; the administrator's accounts and roles page."""
from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from quiz.accounts import services
from quiz.accounts.access import roles_required
from quiz.accounts.forms import ChangePasswordForm, EmptyForm, LoginForm, RegistrationForm, RoleForm
from quiz.accounts.models import Role
from quiz.db import MAX_ID, utcnow
from quiz.errors import DomainError
from quiz.extensions import limiter
from quiz.units import services as units
from quiz.units.models import Unit
from quiz.web.forms import submit

bp = Blueprint("accounts", __name__)


def _start_session(user) -> None:
    """A new session for every login: nothing from before it survives (no fixation)."""
    session.clear()
    login_user(user)
    session["sid"] = secrets.token_urlsafe(16)


#: Browsers drop tabs and newlines from a URL and read a backslash as a slash, so
#: ``/\t/evil.example`` would reach ``//evil.example``, another site.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x20\x7f\\]")


def _safe_next(target: str | None) -> str:
    """Where to go after login: a path on this site, never another host."""
    if (target and target.startswith("/") and not target.startswith("//")
            and not _UNSAFE_IN_NEXT.search(target)):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("main.home")


def _unit_choice(form) -> Unit | None:
    """The unit a form chose: by the search box's id, else by the code typed in."""
    return units.resolve_choice(form.unit_id.data, form.unit_query.data)


@bp.route("/dang-ky", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    outcome = submit(form, lambda: services.register(services.Registration(
        full_name=form.full_name.data, birth_date=form.birth_date.data, gender=form.gender.data,
        phone=form.phone.data, cccd=form.cccd.data, email=form.email.data, unit=_unit_choice(form),
        category=form.category.data, password=form.password.data), now=utcnow()))
    if outcome.done:
        _start_session(outcome.value)
        flash("Đăng ký thành công. Chào mừng bạn!", "success")
        return redirect(url_for("main.home"))
    chosen = units.resolve_choice(form.unit_id.data, None)
    return render_template("accounts/register.html", form=form, chosen=chosen), outcome.status


@bp.route("/dang-nhap", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.identifier.data, form.password.data)
        except DomainError as error:
            flash(error.message, "error")
            status = 401
        else:
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.post("/dang-xuat")
def logout():
    EmptyForm().validate_on_submit()  # CSRF is checked by CSRFProtect before we get here
    logout_user()
    session.clear()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("main.home"))


@bp.get("/tai-khoan")
@login_required
def profile():
    path = units.ancestry(current_user.unit) if current_user.unit else []
    return render_template("accounts/profile.html", unit_path=path, logout_form=EmptyForm())


@bp.route("/tai-khoan/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    outcome = submit(form, lambda: services.change_password(user, form.current.data, form.password.data))
    if outcome.done:
        _start_session(user)
        flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất.", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form), outcome.status


@bp.get("/quan-tri/tai-khoan")
@roles_required(Role.ADMIN)
def admin_users():
    query = request.args.get("q", "")[:100]
    return render_template("accounts/admin_users.html", users=services.search_users(query), query=query)


@bp.route(f"/quan-tri/tai-khoan/<int(max={MAX_ID}):user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_user(user_id: int):
    user = services.get_user(user_id)
    form = RoleForm(obj=None if request.method == "POST" else user)
    if request.method == "GET" and user.managed_unit:
        form.unit_id.data, form.unit_query.data = str(user.managed_unit.id), user.managed_unit.name
    outcome = submit(form, lambda: services.set_role(user, form.role.data, _unit_choice(form)))
    if outcome.done:
        flash(f"Đã cập nhật vai trò của {user.full_name}.", "success")
        return redirect(url_for("accounts.admin_user", user_id=user.id))
    return render_template("accounts/admin_user.html", user=user, form=form), outcome.status
