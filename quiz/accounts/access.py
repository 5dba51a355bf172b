"""Guards for views: small decorators, one place that answers 401/403."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, g, redirect, request, url_for
from flask_login import current_user, login_required

from quiz.accounts import sessions
from quiz.extensions import db


def checks_session_itself(view):
    """Mark a hot view whose own statement checks the login (``quiz.accounts.sessions.checked``):
    no statement loads the account before it (``accounts.views._load_user_first`` and the
    blueprints' login guards skip it). The view answers ``unauthorized`` itself when its
    statement finds no live session (``quiz.attempts.views.save``)."""
    view.checks_session_itself = True
    return view


def view_checks_session() -> bool:
    """Whether the request's view is marked ``checks_session_itself``."""
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "checks_session_itself", False)


def signed_in(found: sessions.Current, *, now):
    """For a page whose own statement checked the login and loaded the account with its data
    (``checks_session_itself``): the account becomes the request's ``current_user``, as
    Flask-Login's loader (``accounts.views.load_user``) would make it, with the loader's other
    duties: the session's stale mark is written (``keep_alive``) and an account that must change
    its password is sent to do so. Returns that answer, or None to go on."""
    g._login_user = found.user
    keep_alive(found, now=now)
    return must_change_password_first() if found.user.must_change_password else None


def keep_alive(found: sessions.Current, *, now) -> None:
    """Write the session's mark when it is stale, committed on its own: the read ends first (on
    SQLite a write in a new transaction waits for the lock, where upgrading a read that another
    writer has overtaken fails at once)."""
    if sessions.stale(found, now=now):
        db.session.commit()
        sessions.seen(found, now=now)
        db.session.commit()


def must_change_password_first():
    """The answer to a request of an account with a temporary password: the change-password
    page (an API call: 403)."""
    if request.path.startswith("/api/"):
        abort(403)
    return redirect(url_for("accounts.change_password"))


def unauthorized():
    """The answer to a request without a live login (Flask-Login's: the login page)."""
    return current_app.login_manager.unauthorized()


def roles_required(*roles: str):
    """Only accounts holding one of ``roles``; others get 403, anonymous go to login."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
