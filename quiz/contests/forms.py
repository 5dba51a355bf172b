"""The organiser's forms for contests: a TOML specification, extending a round, a roster."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateTimeLocalField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from quiz.web.forms import Form

MAX_SPEC = 200_000  # characters: a specification is a page of text, not a data file


class SpecForm(Form):
    spec = TextAreaField("Đặc tả cuộc thi (TOML)", validators=[Length(max=MAX_SPEC)])
    file = FileField("Hoặc tải lên tệp .toml", validators=[
        FileAllowed(["toml"], "Chỉ nhận tệp .toml.")])
    check = SubmitField("Kiểm tra")
    create = SubmitField("Tạo cuộc thi")


class ExtendForm(Form):
    closes_at = DateTimeLocalField("Giờ đóng mới", format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                   validators=[InputRequired("Vui lòng chọn giờ đóng mới.")])


class RosterForm(Form):
    file = FileField("Tệp danh sách dự thi (.xlsx hoặc .csv)", validators=[
        FileRequired("Vui lòng chọn tệp."), FileAllowed(["xlsx", "csv"], "Chỉ nhận tệp .xlsx hoặc .csv.")])
    check = SubmitField("Kiểm tra")
    save = SubmitField("Nhập danh sách")
