"""The base of every form: WTForms' built-in messages in Vietnamese.

WTForms ships no Vietnamese catalogue and Babel is not installed, so without this a
field that is too long or a choice that is not on the list answers in English
("Field cannot be longer than 120 characters.").
"""
from __future__ import annotations

from flask_wtf import FlaskForm

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
