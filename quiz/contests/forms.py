"""The organiser's forms for contests: a TOML specification, extending a round."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField
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
