"""One guard for what every request carries, before any view reads it.

- Text that no database can store: a NUL byte (PostgreSQL refuses it in any text value) or a
  lone surrogate (not UTF-8), in the address, the query string, a form field or its name, a
  file's name, a JSON string or the User-Agent (kept with a session), is refused with a 400
  that says so; nothing reaches a query. Other control characters are stored as they are.
- A JSON body is parsed once, here, by ``loads``: bounded in size and depth, a number of
  thousands of digits, a body nested 100,000 deep or one that is not an object (every JSON
  this app takes is an object) is a 400 JSON error, not a ``RecursionError`` in a view.

API routes (``/api/…``) and JSON requests get ``{"error": …}``; pages get the error page.
"""
from __future__ import annotations

import json
import re

from flask import Flask, jsonify, request
from flask.json.provider import DefaultJSONProvider

from quiz.web.errors import render_error

MAX_JSON_BYTES = 256 * 1024  # a save of every answer of a long attempt is a few kilobytes
MAX_JSON_DEPTH = 20
MAX_JSON_ITEMS = 10_000

BAD_TEXT = re.compile("[\x00\ud800-\udfff]")
BAD_TEXT_MESSAGE = ("Dữ liệu gửi lên chứa ký tự không hợp lệ (ký tự NUL hoặc mã ký tự hỏng). "
                    "Vui lòng xóa ký tự đó rồi gửi lại.")
BAD_JSON_MESSAGE = "Dữ liệu JSON gửi lên không hợp lệ (sai cú pháp, lồng quá sâu hoặc quá lớn)."


class BadJSON(ValueError):
    """A JSON body this app does not take; ``message`` says why, in Vietnamese."""


def _walk(value, depth: int = 0, count: list[int] | None = None) -> None:
    count = count if count is not None else [0]
    count[0] += 1
    if depth > MAX_JSON_DEPTH or count[0] > MAX_JSON_ITEMS:
        raise BadJSON(BAD_JSON_MESSAGE)
    if isinstance(value, str):
        if BAD_TEXT.search(value):
            raise BadJSON(BAD_TEXT_MESSAGE)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadJSON(BAD_JSON_MESSAGE)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(key, depth + 1, count)
            _walk(item, depth + 1, count)
    elif isinstance(value, list):
        for item in value:
            _walk(item, depth + 1, count)


def loads(data: str | bytes):
    """Parse a JSON text within the bounds above, or raise ``BadJSON`` (a ``ValueError``)."""
    if len(data) > MAX_JSON_BYTES:
        raise BadJSON("Dữ liệu JSON gửi lên quá lớn.")
    try:
        value = json.loads(data)
    except (RecursionError, ValueError, TypeError):  # too deep, bad syntax or encoding, too many digits
        raise BadJSON(BAD_JSON_MESSAGE) from None
    _walk(value)
    return value


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but every request body is read through ``loads``."""

    def loads(self, s, **kwargs):
        return loads(s)


def _refuse(message: str):
    if request.is_json:
        return jsonify(error=message), 400
    return render_error(400, message)


def _bad_text(values) -> bool:
    return any(BAD_TEXT.search(v) for v in values if isinstance(v, str))


def register(app: Flask) -> None:
    app.json = BoundedJSONProvider(app)

    @app.before_request
    def guard_input():
        texts = [request.path, request.headers.get("User-Agent", ""), *(request.view_args or {}).values()]
        texts += [t for key, value in request.args.items(multi=True) for t in (key, value)]
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            if request.is_json:
                body = request.get_data(cache=True)
                try:
                    value = loads(body) if body.strip() else None
                except BadJSON as error:
                    return _refuse(str(error))
                if value is not None and not isinstance(value, dict):
                    return _refuse(BAD_JSON_MESSAGE)
            else:
                texts += [t for key, value in request.form.items(multi=True) for t in (key, value)]
                texts += [f.filename for f in request.files.values()] + list(request.files.keys())
        if _bad_text(texts):
            return _refuse(BAD_TEXT_MESSAGE)
        return None
