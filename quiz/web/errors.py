"""One place maps domain errors and HTTP errors to friendly Vietnamese answers."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from quiz.db import utcnow
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
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _note_refusal() -> None:
    """Every 403 is a security event (who, from where, which page); the request's own work is
    rolled back first, the event is written on its own."""
    from flask_login import current_user

    from quiz.accounts.throttle import address_key
    from quiz.audit import security

    db.session.rollback()
    user_id = current_user.id if current_user and current_user.is_authenticated else None
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

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(_error):
        return render_error(429)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        return render_error(error.code or 500)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("Unhandled error: %s", error)
        return render_error(500)
