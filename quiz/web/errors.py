"""One place maps domain errors and HTTP errors to friendly Vietnamese answers."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from quiz.db import unavailable, utcnow
from quiz.errors import DomainError, InvalidFile
from quiz.extensions import db

MESSAGES = {
    400: ("Yêu cầu không hợp lệ", "Dữ liệu gửi lên không đúng. Vui lòng thử lại."),
    403: ("Không có quyền truy cập", "Tài khoản của bạn không được xem trang này."),
    404: ("Không tìm thấy trang", "Trang bạn tìm không tồn tại hoặc đã được chuyển đi."),
    405: ("Thao tác không được phép", "Trang này không nhận thao tác bạn vừa gửi."),
    409: ("Xung đột dữ liệu", "Dữ liệu đã thay đổi. Vui lòng tải lại trang."),
    413: ("Tệp quá lớn", "Tệp tải lên vượt quá dung lượng cho phép."),
    422: ("Dữ liệu chưa hợp lệ", "Vui lòng kiểm tra lại dữ liệu."),
    429: ("Thao tác quá nhanh", "Bạn đã thử quá nhiều lần. Vui lòng chờ một lát rồi thử lại."),
    500: ("Hệ thống gặp sự cố", "Đã có lỗi ở máy chủ; dữ liệu của bạn không bị mất. "
                                "Vui lòng thử lại sau ít phút."),
    503: ("Hệ thống đang bận", "Hệ thống đang bận hoặc không kết nối được cơ sở dữ liệu. "
                               "Vui lòng thử lại sau ít phút; những gì bạn đã lưu không bị mất."),
}

#: Seconds a client is asked to wait before trying again after a 503.
RETRY_AFTER_S = 10


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _note_refusal() -> None:
    """Every 403 is a security event (who, from where, which page); the request's own work is
    rolled back first, the event is written on its own."""
    from flask_login import current_user

    from quiz.accounts.throttle import address_key
    from quiz.audit import security

    # The id is read before the rollback: afterwards the user row is expired and reading it
    # would begin a new transaction (on SQLite, for a POST, holding the write lock the event needs).
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    db.session.rollback()
    security.record("forbidden", now=utcnow(), ip=address_key(request.remote_addr), path=request.path,
                    user_id=user_id, detail=request.method)


def render_error(status: int, detail: str | None = None, problems=None):
    if status == 403:
        _note_refusal()
    title, default = MESSAGES.get(status, MESSAGES[400])
    message = detail or default
    if _wants_json():
        body = {"error": message}
        if problems:
            body["problems"] = [str(p) for p in problems]
        return jsonify(body), status
    return render_template("errors/error.html", status=status, title=title, message=message,
                           problems=problems), status


def render_unavailable():
    """The 503 answer when the database cannot serve: a page of its own that needs nothing from
    the database (the site's header would load the signed-in user), or JSON for API routes
    (the autosave keeps the answers in the browser and sends them again), with Retry-After."""
    title, message = MESSAGES[503]
    if _wants_json():
        response = jsonify(error=message, retry_after=RETRY_AFTER_S)
    else:
        # Flask-Login's template context loads the signed-in user unless it is known already:
        # the page is shown as to a visitor rather than asking the failing database again.
        if "_login_user" not in g:
            g._login_user = current_app.login_manager.anonymous_user()
        response = current_app.make_response(render_template("errors/unavailable.html", title=title,
                                                             message=message))
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _discard_session() -> None:
    """Roll the request's work back. A connection that broke has been invalidated already
    (closed, out of the pool), so the next request gets a new one."""
    try:
        db.session.rollback()
    except sa_exc.SQLAlchemyError as error:
        current_app.logger.warning("Rollback after a database failure failed too: %s", error)
    db.session.close()


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        db.session.rollback()
        problems = error.problems if isinstance(error, InvalidFile) else None
        return render_error(error.status, error.message, problems)

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        app.logger.info("CSRF refused: %s", error.description)
        return render_error(400, "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                                 "Vui lòng tải lại trang rồi gửi lại.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def database_error(error: sa_exc.SQLAlchemyError):
        if not unavailable(error):
            return unexpected(error)
        _discard_session()
        app.logger.warning("Database unavailable on %s %s: %s", request.method, request.path,
                           str(error).splitlines()[0])
        return render_unavailable()

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error: %s", error)
        return render_error(500)
