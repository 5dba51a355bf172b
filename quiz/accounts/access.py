"""Guards for views: small decorators, one place that answers 401/403."""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user, login_required


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
