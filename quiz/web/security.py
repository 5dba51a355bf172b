"""Security headers on every answer. No page needs inline script or a third-party host.

What no cache and no browser history may keep answers ``Cache-Control: no-store``: every
download (any answer sent as an attachment, so a new export is covered without a word) and
each page marked ``@no_store`` (personal data: a profile's CCCD and phone, the accounts pages,
a temporary password). No answer names the server's software (``Server``): the app sets
none, and ``gunicorn.conf.py`` replaces gunicorn's own.
"""
from functools import wraps

from flask import Flask, make_response

CSP = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])

NO_STORE = "no-store"


def no_store(view):
    """A view whose answers no cache or browser history keeps."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        response = make_response(view(*args, **kwargs))
        response.headers["Cache-Control"] = NO_STORE
        return response

    return wrapped


def register(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.headers.get("Content-Disposition", "").lower().startswith("attachment"):
            response.headers["Cache-Control"] = NO_STORE  # every export: results, banks, settings
        response.headers.pop("Server", None)
        return response
