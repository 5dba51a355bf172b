"""Registration, login, profile; the administrator's accounts pages, a unit manager's list of
their members, and what either does to an account (correct, reset the password, lock), each
through one service of ``quiz.accounts.management``.

Pages (admin: administrators; manager: unit managers, for the members of their subtree):

- ``/quan-tri/tai-khoan`` (admin): accounts, searched by name or phone, paged;
  ``/quan-tri/tai-khoan/<id>``: an account, its role and its log; ``/quan-tri/nhat-ky``: the whole log.
- ``/quan-ly/thanh-vien`` (manager): the accounts of their subtree, searched and paged;
  ``/quan-ly/thanh-vien/<id>``: a member's page.
- ``/quan-ly/thanh-vien/<id>/sua`` (both): correct a member's details;
  ``…/dat-lai-mat-khau``: confirm, then a temporary password shown once; ``…/khoa``, ``…/mo-khoa``.

A member whose password was reset is sent to the change-password page from every page until
they change it (``_must_change_password``).

Sessions are known to the server (``quiz.accounts.sessions``): the cookie carries the token of
a live session, checked on every request (``load_user``, Flask-Login's loader); logging out,
"đăng xuất mọi thiết bị" (``/tai-khoan/dang-xuat-moi-thiet-bi``), a password change (the others),
a reset and a lock end them. Flask-Login's remember-me cookie is not used, and could open
nothing: without a live session token the loader finds no one.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import (Blueprint, flash, make_response, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user, login_required, login_user, logout_user

from quiz.accounts import hashing, management, services, sessions, throttle
from quiz.accounts.access import keep_alive, must_change_password_first, roles_required, view_checks_session
from quiz.accounts.forms import (ChangePasswordForm, DetailsForm, EmptyForm, LoginForm, RegistrationForm,
                                 RoleForm)
from quiz.accounts.models import Role
from quiz.db import MAX_ID, utcnow
from quiz.errors import DomainError
from quiz.extensions import db
from quiz.text import clean
from quiz.units import services as units
from quiz.units.models import Unit
from quiz.web.forms import Outcome, page_number, submit
from quiz.web.security import no_store

bp = Blueprint("accounts", __name__)

ID = f"int(max={MAX_ID})"
PER_PAGE = 50
#: What a member with a temporary password may still reach: the change itself, logging out,
#: static files (starting an attempt is not here). The views that check the login themselves
#: (``access.checks_session_itself``) are not sent by the hook below: the attempt page and the
#: result apply the rule themselves (``access.signed_in``); the autosave and the submit let an
#: attempt's answers through, so that none is lost to a reset.
MUST_CHANGE_ALLOWS = frozenset({"accounts.change_password", "accounts.logout", "static", "units.search"})


def load_user(user_id: str):
    """Flask-Login's loader: the account of this cookie's live session, or None (logged out).
    One statement reads both; the session is marked seen now and then (its own commit, made
    before the view's work: ``_load_user_first``)."""
    now = utcnow()
    found = sessions.current(session.get("sid"), now=now)
    if found is None or str(found.user.id) != user_id:
        return None
    keep_alive(found, now=now)
    return found.user


@bp.before_app_request
def _load_user_first():
    """Load the account before any view runs, so the loader's commit holds nothing of a view's
    (but for the views whose own statement checks the login: ``access.checks_session_itself``)."""
    if request.endpoint != "static" and not view_checks_session():
        current_user._get_current_object()


@bp.before_app_request
def _must_change_password():
    """After a reset, every page leads to the change-password page until the password is changed."""
    if request.endpoint in MUST_CHANGE_ALLOWS or request.endpoint is None or view_checks_session():
        return None  # (a view that checks the login itself applies this rule itself: ``access.signed_in``)
    if not (current_user.is_authenticated and current_user.must_change_password):
        return None
    return must_change_password_first()


def _start_session(user) -> None:
    """A new session for every login, known to the server: nothing from before it survives
    (no fixation), and only its token is in the cookie."""
    session.clear()
    token = sessions.start(user, now=utcnow(), ip=request.remote_addr or "", user_agent=request.user_agent.string)
    db.session.commit()
    login_user(user)
    session["sid"] = token


def _end_browser_session() -> None:
    logout_user()
    session.clear()


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
    """The unit a form chose: by the search box's id, or the match picked without JavaScript,
    else by the code typed in."""
    return units.resolve_choice(form.unit_id.data or form.unit_pick.data, form.unit_query.data)


def _unit_candidates(form, chosen: Unit | None) -> list[tuple[Unit, str]] | None:
    """Without JavaScript, a name typed in the unit box is searched when the form is sent: the
    matches to pick from (with where each sits), or a message beside the box when none match.
    Once a unit is chosen it stays chosen (its id goes back in the hidden field)."""
    if chosen is not None:
        form.unit_id.data = str(chosen.id)
        return None
    query = clean(form.unit_query.data)[:100]
    if not query or request.method != "POST":
        return None
    found = units.search(query)
    if not found:
        form.unit_query.errors = [*form.unit_query.errors,
                                  f"Không tìm thấy đơn vị nào khớp “{query}”. Hãy gõ ít chữ hơn "
                                  "(ví dụ: “ấp bắc”) hoặc nhập đúng mã đơn vị."]
        return []
    labels = units.labels(found)
    return [(unit, " › ".join(labels[unit.id].split(" › ")[1:])) for unit in found]


def _show(form, error: DomainError) -> None:
    """A service's refusal beside each field it names (the unit box for ``unit``), unless the
    form's own check already put a message there; the rest above the form."""
    problems = error.fields if isinstance(error, services.Invalid) else {error.field: error.message}
    for name, message in problems.items():
        field = getattr(form, "unit_query" if name == "unit" else name, None) if name else None
        if field is None:
            flash(message, "error")
        elif not field.errors:
            field.errors = [message]


def _submit_all(form, act, check) -> Outcome:
    """``quiz.web.forms.submit`` for forms of a person's details: the service's checks run even
    when the form's own fail (``check``, nothing written), so every problem shows at once."""
    if request.method != "POST":
        return Outcome(False)
    valid = form.validate_on_submit()
    try:
        value = act() if valid else check()
    except DomainError as error:
        db.session.rollback()
        _show(form, error)
        return Outcome(False, status=error.status if valid else 422)
    if not valid:
        db.session.rollback()
        return Outcome(False, status=422)
    db.session.commit()
    return Outcome(True, value)


def _details(form) -> services.Details:
    return services.Details(
        full_name=form.full_name.data, birth_date=form.birth_date.data, gender=form.gender.data,
        phone=form.phone.data, cccd=form.cccd.data, email=form.email.data, unit=_unit_choice(form),
        category=form.category.data)


def _no_store(response):
    """A page holding a password (typed, or a temporary one) is kept by no cache or history."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/dang-ky", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    now = utcnow()
    if request.method == "POST":
        try:
            throttle.registration_sent(request.remote_addr or "", path=request.path, now=now)
        except throttle.Throttled as error:
            flash(error.message, "error")
            return _no_store(make_response(render_template("accounts/register.html", form=form, chosen=None,
                                                           candidates=None), 429, _retry_after(error)))
    registration = services.Registration(**vars(_details(form)), password=form.password.data or "")
    outcome = _submit_all(form, lambda: services.register(registration, now=now),
                          lambda: services.check_registration(registration, now=now))
    if outcome.done:
        _start_session(outcome.value)
        flash("Đăng ký thành công. Chào mừng bạn!", "success")
        return redirect(url_for("main.home"))
    if form.password.errors or form.password2.errors:  # kept when another field is at fault
        form.password.data = form.password2.data = ""
    candidates = _unit_candidates(form, registration.unit)
    return _no_store(make_response(render_template(
        "accounts/register.html", form=form, chosen=registration.unit, candidates=candidates), outcome.status))


def _retry_after(error) -> dict:
    return {"Retry-After": str(error.retry_after)}


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    status, headers = 200, {}
    if form.validate_on_submit():
        try:
            user = throttle.login(form.identifier.data, form.password.data, address=request.remote_addr or "",
                                  path=request.path, now=utcnow())
        except (throttle.Throttled, hashing.Busy) as error:
            flash(error.message, "error")
            status, headers = error.status, _retry_after(error)
        except DomainError as error:
            flash(error.message, "error")
            status = 401
        else:
            _start_session(user)
            return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 422
    return render_template("accounts/login.html", form=form), status, headers


@bp.post("/dang-xuat")
def logout():
    """End this session on the server: a copy of the cookie opens nothing afterwards."""
    EmptyForm().validate_on_submit()  # CSRF is checked by CSRFProtect before we get here
    sessions.end(session.get("sid"), "logout", now=utcnow())
    db.session.commit()
    _end_browser_session()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("main.home"))


@bp.post("/tai-khoan/dang-xuat-moi-thiet-bi")
@login_required
def logout_everywhere():
    """End every session of this account, this one included (a phone lost, a shared computer)."""
    EmptyForm().validate_on_submit()  # CSRF is checked by CSRFProtect before we get here
    ended = sessions.end_all(current_user, "all_devices", now=utcnow())
    db.session.commit()
    _end_browser_session()
    flash(f"Đã đăng xuất khỏi mọi thiết bị ({ended} phiên đăng nhập, kể cả phiên này). "
          "Hãy đăng nhập lại trên thiết bị bạn đang dùng.", "success")
    return redirect(url_for("accounts.login"))


@bp.get("/tai-khoan")
@login_required
@no_store
def profile():
    path = units.ancestry(current_user.unit) if current_user.unit else []
    return render_template("accounts/profile.html", unit_path=path, logout_form=EmptyForm(),
                           devices=sessions.count_live(current_user, now=utcnow()))


@bp.route("/tai-khoan/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    user = current_user._get_current_object()
    temporary = user.must_change_password
    if temporary:
        form.current.label.text = "Mật khẩu tạm thời (vừa dùng để đăng nhập)"
    outcome = submit(form, lambda: services.change_password(user, form.current.data, form.password.data,
                                                             now=utcnow(), keep=session.get("sid")))
    if outcome.done:
        if temporary:
            flash("Đã đặt mật khẩu mới. Từ nay hãy đăng nhập bằng mật khẩu này.", "success")
            return redirect(url_for("main.home"))
        flash("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất." if outcome.value else
              "Đã đổi mật khẩu.", "success")
        return redirect(url_for("accounts.profile"))
    return render_template("accounts/change_password.html", form=form, temporary=temporary), outcome.status


# The administrator's and the unit manager's pages ------------------------------------------------

def _actor():
    return current_user._get_current_object()


def _listing(within: Unit | None):
    """One page of accounts for ``?q=`` and ``?trang=``: (query, rows, page number, more after)."""
    query = request.args.get("q", "")[:100]
    page = page_number(request.args.get("trang"))
    rows = services.search_users(query, PER_PAGE + 1, within=within, offset=(page - 1) * PER_PAGE)
    return query, rows[:PER_PAGE], page, len(rows) > PER_PAGE


@bp.get("/quan-tri/tai-khoan")
@roles_required(Role.ADMIN)
@no_store
def admin_users():
    query, users, page, more = _listing(None)
    return render_template("accounts/admin_users.html", users=users, query=query, page=page, more=more)


def _account_page(user) -> str:
    if current_user.has_role(Role.ADMIN):
        return url_for("accounts.admin_user", user_id=user.id)
    return url_for("accounts.member", user_id=user.id)


def _render_account(user, role_form=None, status=200):
    admin = current_user.has_role(Role.ADMIN)
    return render_template(
        "accounts/admin_user.html", user=user, form=role_form, admin=admin, action_form=EmptyForm(),
        manageable=management.can_manage(_actor(), user),
        unit_path=units.ancestry(user.unit) if user.unit else [],
        log=management.account_log(user) if admin else None,
        candidates=_unit_candidates(role_form, _unit_choice(role_form)) if role_form is not None and status != 200 else None,
    ), status


@bp.route(f"/quan-tri/tai-khoan/<{ID}:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@no_store
def admin_user(user_id: int):
    user = services.get_user(user_id)
    form = RoleForm(obj=None if request.method == "POST" else user)
    if request.method == "GET" and user.managed_unit:
        form.unit_id.data, form.unit_query.data = str(user.managed_unit.id), user.managed_unit.name
    outcome = submit(form, lambda: management.change_role(_actor(), user, form.role.data, _unit_choice(form),
                                                          now=utcnow()))
    if outcome.done:
        flash(f"Đã cập nhật vai trò của {user.full_name}." if outcome.value
              else f"Vai trò của {user.full_name} không thay đổi.", "success")
        return redirect(url_for("accounts.admin_user", user_id=user.id))
    return _render_account(user, form, outcome.status)


@bp.get("/quan-tri/nhat-ky")
@roles_required(Role.ADMIN)
@no_store
def audit_log():
    page = page_number(request.args.get("trang"))
    lines = management.log(offset=(page - 1) * PER_PAGE, limit=PER_PAGE + 1)
    return render_template("accounts/audit_log.html", lines=lines[:PER_PAGE], page=page,
                           more=len(lines) > PER_PAGE)


@bp.get("/quan-ly/thanh-vien")
@roles_required(Role.UNIT_MANAGER, Role.ADMIN)
@no_store
def members():
    if current_user.has_role(Role.ADMIN):
        return redirect(url_for("accounts.admin_users", **request.args))
    unit = current_user.managed_unit
    query, users, page, more = _listing(unit)
    return render_template("accounts/members.html", unit=unit, users=users, query=query, page=page, more=more,
                           can_manage=lambda user: management.can_manage(_actor(), user))


def _managed(user_id: int):
    """The account ``user_id`` if the current user may act on it (404 / 403 otherwise)."""
    return management.check_manages(_actor(), services.get_user(user_id))


@bp.get(f"/quan-ly/thanh-vien/<{ID}:user_id>")
@roles_required(Role.UNIT_MANAGER, Role.ADMIN)
@no_store
def member(user_id: int):
    user = _managed(user_id)
    if current_user.has_role(Role.ADMIN):
        return redirect(url_for("accounts.admin_user", user_id=user.id))
    return _render_account(user)


@bp.route(f"/quan-ly/thanh-vien/<{ID}:user_id>/sua", methods=["GET", "POST"])
@roles_required(Role.UNIT_MANAGER, Role.ADMIN)
@no_store
def edit_member(user_id: int):
    user = _managed(user_id)
    form = DetailsForm(obj=None if request.method == "POST" else user)
    if request.method == "GET" and user.unit:
        form.unit_id.data, form.unit_query.data = str(user.unit.id), user.unit.name
    details = _details(form)
    now = utcnow()
    outcome = _submit_all(form, lambda: management.edit(_actor(), user, details, now=now),
                          lambda: services.check_details(details, now=now, account=user))
    if outcome.done:
        flash(f"Đã sửa thông tin của {user.full_name}." if outcome.value else "Không có thông tin nào thay đổi.",
              "success")
        return redirect(_account_page(user))
    return render_template("accounts/edit_user.html", user=user, form=form, chosen=details.unit,
                           back=_account_page(user), candidates=_unit_candidates(form, details.unit)), outcome.status


@bp.route(f"/quan-ly/thanh-vien/<{ID}:user_id>/dat-lai-mat-khau", methods=["GET", "POST"])
@roles_required(Role.UNIT_MANAGER, Role.ADMIN)
def reset_password(user_id: int):
    """GET asks to confirm; POST resets and shows the temporary password, once (never stored
    in clear, never in a cookie, not kept by the browser's cache)."""
    user = _managed(user_id)
    form = EmptyForm()
    outcome = submit(form, lambda: management.reset_password(_actor(), user, now=utcnow()))
    if request.method == "POST" and not outcome.done:
        return redirect(_account_page(user))
    return _no_store(make_response(render_template(
        "accounts/reset_password.html", user=user, form=form, password=outcome.value, back=_account_page(user))))


def _account_action(user_id: int, action, done: str):
    user = _managed(user_id)
    if submit(EmptyForm(), lambda: action(_actor(), user, now=utcnow())).done:
        flash(done.format(name=user.full_name), "success")
    return redirect(_account_page(user))


@bp.post(f"/quan-ly/thanh-vien/<{ID}:user_id>/khoa")
@roles_required(Role.UNIT_MANAGER, Role.ADMIN)
def lock(user_id: int):
    return _account_action(user_id, management.lock,
                           "Đã khoá tài khoản của {name}: không đăng nhập được nữa; kết quả thi vẫn giữ nguyên.")


@bp.post(f"/quan-ly/thanh-vien/<{ID}:user_id>/mo-khoa")
@roles_required(Role.UNIT_MANAGER, Role.ADMIN)
def unlock(user_id: int):
    return _account_action(user_id, management.unlock, "Đã mở khoá tài khoản của {name}.")
