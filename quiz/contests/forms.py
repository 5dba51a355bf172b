"""The organiser's forms for contests. The contest's own settings are not WTForms fields:
their inputs, checks and messages come from the declared specification
(``quiz.contests.spec``); these forms carry the CSRF token, the TOML upload, the copy and
the small per-round and roster forms."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateTimeLocalField, HiddenField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length

from quiz.web.forms import Form


class ContestForm(Form):
    """The set-up form: its inputs are the specification's (see ``templates/contests/form.html``)."""


class ImportForm(Form):
    file = FileField("Tệp cấu hình (.toml)", validators=[
        FileRequired("Vui lòng chọn tệp .toml."), FileAllowed(["toml"], "Chỉ nhận tệp .toml.")])


class CopyForm(Form):
    title = StringField("Tên cuộc thi mới", validators=[Length(max=300)])
    slug = StringField("Tên ngắn trong địa chỉ trang", validators=[Length(max=100)])
    first_opens = StringField("Đợt 1 của bản sao mở lúc (dd/mm/yyyy HH:MM)", validators=[Length(max=40)])


class DeleteForm(Form):
    """Deleting a contest: the confirmation button."""


class ExtendForm(Form):
    closes_at = DateTimeLocalField("Giờ đóng mới", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                   validators=[InputRequired("Vui lòng chọn giờ đóng mới.")])


class RosterForm(Form):
    file = FileField("Tệp danh sách dự thi (.xlsx hoặc .csv)", validators=[
        FileRequired("Vui lòng chọn tệp."), FileAllowed(["xlsx", "csv"], "Chỉ nhận tệp .xlsx hoặc .csv.")])
    check = SubmitField("Kiểm tra")
    save = SubmitField("Nhập danh sách")


class RosterConfirmForm(Form):
    """Import the list a check has just read: its token on the server."""
    token = HiddenField(validators=[DataRequired("Thiếu mã danh sách đã kiểm tra.")])
