"""The organiser's forms for question banks: banks, topics, file import, one question."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from quiz.banks.formats import LABELS, LETTERS
from quiz.banks.models import DIFFICULTIES
from quiz.web.forms import Form

REQUIRED = "Vui lòng nhập mục này."
NO_TOPIC, NEW_TOPIC = "", "moi"
UPLOAD_EXTENSIONS = ["xlsx", "csv", "txt", "gift", "aiken"]


class TopicFields:
    """Year, title and issuer of a topic (new or edited)."""

    year = IntegerField("Năm", validators=[Optional()])
    title = StringField("Tên chuyên đề", validators=[Length(max=500)])
    issuer = StringField("Cơ quan ban hành", validators=[Length(max=255)])


class BankForm(TopicFields, Form):
    name = StringField("Tên ngân hàng", validators=[DataRequired(REQUIRED), Length(max=200)])
    topic = SelectField("Chuyên đề", choices=[], validate_choice=True)
    description = TextAreaField("Mô tả (không bắt buộc)", validators=[Length(max=2000)])

    def set_topics(self, topics) -> None:
        self.topic.choices = [
            SelectChoice(NO_TOPIC, "— Không gắn chuyên đề —"),
            *[SelectChoice(str(t.id), f"{t.year} – {t.title}" + (f" ({t.issuer})" if t.issuer else ""))
              for t in topics],
            SelectChoice(NEW_TOPIC, "+ Chuyên đề mới (nhập năm, tên, cơ quan bên dưới)")]


class TopicForm(TopicFields, Form):
    year = IntegerField("Năm", validators=[InputRequired(REQUIRED)])
    title = StringField("Tên chuyên đề", validators=[DataRequired(REQUIRED), Length(max=500)])


class UploadForm(Form):
    file = FileField("Tệp câu hỏi", validators=[
        FileRequired("Vui lòng chọn tệp."),
        FileAllowed(UPLOAD_EXTENSIONS, "Chỉ nhận tệp .xlsx, .csv (theo mẫu) hoặc .txt (Aiken, GIFT).")])
    format = SelectField("Định dạng", choices=[SelectChoice("", "Tự nhận dạng"),
                                               *[SelectChoice(k, v) for k, v in LABELS.items()]])


class ConfirmForm(Form):
    token = HiddenField(validators=[DataRequired("Thiếu mã tệp đã tải lên.")])


class ActionForm(Form):
    """Retire / restore: the CSRF token and where the list was (to go back to it)."""

    q = HiddenField()
    retired = HiddenField()
    page = HiddenField()


class QuestionForm(Form):
    text = TextAreaField("Câu hỏi", validators=[DataRequired(REQUIRED)])
    option_a = TextAreaField("Phương án A")
    option_b = TextAreaField("Phương án B")
    option_c = TextAreaField("Phương án C")
    option_d = TextAreaField("Phương án D")
    option_e = TextAreaField("Phương án E")
    option_f = TextAreaField("Phương án F")
    answer = SelectField("Đáp án đúng", choices=[SelectChoice(letter, letter) for letter in LETTERS])
    difficulty = SelectField("Mức độ", choices=[SelectChoice(k, v) for k, v in DIFFICULTIES.items()])
    tags = StringField("Chủ đề (ngăn bởi dấu ;)")
    source = TextAreaField("Nguồn")
    explanation = TextAreaField("Giải thích")

    @property
    def option_fields(self):
        return [self[f"option_{letter.lower()}"] for letter in LETTERS]

    def fill(self, question) -> None:
        """The form's values from a stored question (on the first GET)."""
        self.text.data = question.text
        for field, option in zip(self.option_fields, question.options):
            field.data = option.text
        self.answer.data = next((LETTERS[o.position] for o in question.options if o.is_correct), "A")
        self.difficulty.data = question.difficulty
        self.tags.data = question.tags
        self.source.data = question.source
        self.explanation.data = question.explanation
