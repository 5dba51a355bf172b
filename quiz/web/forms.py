"""The base of every form (WTForms' built-in messages in Vietnamese) and the submit
lifecycle every form page shares.

WTForms ships no Vietnamese catalogue and Babel is not installed, so without this a
field that is too long or a choice that is not on the list answers in English
("Field cannot be longer than 120 characters.").
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from flask import flash, request
from flask_wtf import FlaskForm

from quiz.errors import DomainError
from quiz.extensions import db
from quiz.text import ascii_int

_LENGTH = {
    "Field must be at least %(min)d character long.": "Cần ít nhất %(min)d ký tự.",
    "Field cannot be longer than %(max)d character.": "Dài tối đa %(max)d ký tự.",
    "Field must be exactly %(max)d character long.": "Cần đúng %(max)d ký tự.",
}

MESSAGES = {
    "This field is required.": "Vui lòng nhập mục này.",
    "Invalid input.": "Giá trị không hợp lệ.",
    "Not a valid choice.": "Lựa chọn không hợp lệ. Vui lòng chọn trong danh sách.",
    "Invalid Choice: could not coerce.": "Lựa chọn không hợp lệ. Vui lòng chọn trong danh sách.",
    "Not a valid date value.": "Ngày không hợp lệ (ngày/tháng/năm, ví dụ 04/03/1995).",
    "Not a valid datetime value.": "Thời điểm không hợp lệ.",
    "Not a valid time value.": "Giờ không hợp lệ.",
    "Not a valid integer value.": "Vui lòng nhập một số nguyên.",
    "Not a valid decimal value.": "Vui lòng nhập một số.",
    "Not a valid float value.": "Vui lòng nhập một số.",
    "Invalid email address.": "Địa chỉ thư điện tử không hợp lệ.",
    "Field must be equal to %(other_name)s.": "Hai giá trị nhập không khớp.",
    "Field must be between %(min)d and %(max)d characters long.": "Cần từ %(min)d đến %(max)d ký tự.",
    **_LENGTH,
}


class VietnameseMessages:
    """A translations object (``gettext``/``ngettext``) for WTForms' own messages.

    A string it does not know (a field label, say) is returned unchanged.
    """

    def gettext(self, string: str) -> str:
        return MESSAGES.get(string, string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if singular in MESSAGES:
            return MESSAGES[singular]
        return singular if n == 1 else plural


_MESSAGES = VietnameseMessages()


class Form(FlaskForm):
    """FlaskForm (CSRF token included) whose built-in messages are Vietnamese."""

    class Meta:
        def get_translations(self, form):
            return _MESSAGES


@dataclass
class Outcome:
    """What happened to a submitted form: ``done`` with the service's ``value``, or not,
    with the HTTP status to answer the re-shown form with."""

    done: bool
    value: object = None
    status: int = 200


MAX_PAGE = 100_000


def page_number(raw: str | None) -> int:
    """A ``?trang=`` page number from the address: plain digits from 1 (capped); anything else is page 1."""
    value = ascii_int(raw, 6)
    return min(value, MAX_PAGE) if value else 1


def submit(form, action: Callable[[], object]) -> Outcome:
    """The lifecycle every form page shares: validate ``form``, run ``action`` (one service
    call), commit once; a refusal rolls back and is shown beside the field it names."""
    if not form.validate_on_submit():
        return Outcome(False, status=422 if request.method == "POST" else 200)
    try:
        value = action()
    except DomainError as error:
        db.session.rollback()
        show_refusal(form, error)
        return Outcome(False, status=error.status)
    db.session.commit()
    return Outcome(True, value)


SHOWN_WARNINGS = 5  # flashed one by one; the rest are counted (the session cookie is small)


def act(action: Callable[[], object], done) -> bool:
    """A one-button step (no form fields): run the service, commit once; a refusal is
    flashed. ``done``: the success message, which may use {value} (what the service
    returned), or a function of that value."""
    try:
        value = action()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return False
    db.session.commit()
    flash(done(value) if callable(done) else done.format(value=value), "success")
    return True


def flash_warnings(warnings: list) -> None:
    """An import's warnings (how cells were read) above the next page, the first few in full."""
    for warning in warnings[:SHOWN_WARNINGS]:
        flash(f"Lưu ý: {warning}", "warning")
    if len(warnings) > SHOWN_WARNINGS:
        flash(f"… và {len(warnings) - SHOWN_WARNINGS} lưu ý khác cùng loại.", "warning")


def show_refusal(form, error: DomainError) -> None:
    """A service's refusal beside the field it concerns (the unit picker's box for
    ``unit``), or above the form."""
    name = "unit_query" if error.field == "unit" else error.field
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
