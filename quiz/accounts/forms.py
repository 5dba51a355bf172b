from wtforms import DateField, EmailField, HiddenField, PasswordField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional
from wtforms.widgets import PasswordInput

from quiz.accounts.models import CATEGORIES, GENDERS, ROLE_LABELS
from quiz.accounts.services import MAX_PASSWORD, MIN_PASSWORD
from quiz.web.forms import Form

REQUIRED = "Vui lòng nhập mục này."
PASSWORD_LENGTH = f"Mật khẩu từ {MIN_PASSWORD} đến {MAX_PASSWORD} ký tự."


def choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labels.items()]


class UnitChoice:
    """The unit search box: the id the script picked (``unit_id``), the text typed
    (``unit_query``: a name to search, or a code) and, without JavaScript, the unit picked
    among the server's matches (``unit_pick``, radio buttons)."""

    unit_id = HiddenField()
    unit_query = StringField("Đơn vị", validators=[Length(max=255)])
    unit_pick = StringField(validators=[Length(max=12)])


class DetailsForm(UnitChoice, Form):
    """A person's details: the registration page and the correction by an administrator or manager."""

    full_name = StringField("Họ và tên", validators=[DataRequired(REQUIRED), Length(max=120)])
    birth_date = DateField("Ngày sinh", format=["%Y-%m-%d", "%d/%m/%Y"], validators=[Optional()])
    gender = SelectField("Giới tính", choices=choices(GENDERS), validators=[DataRequired(REQUIRED)])
    phone = TelField("Số điện thoại", validators=[DataRequired(REQUIRED), Length(max=20)])
    cccd = StringField("Số CCCD", validators=[DataRequired(REQUIRED), Length(max=20)])
    email = EmailField("Thư điện tử (không bắt buộc)", validators=[Optional(), Length(max=254)])
    category = SelectField("Đối tượng", choices=choices(CATEGORIES), validators=[DataRequired(REQUIRED)])


class RegistrationForm(DetailsForm):
    # The typed passwords are shown back when another field is refused (``hide_value=False``;
    # the register view blanks them when they are the fields at fault).
    password = PasswordField("Mật khẩu", widget=PasswordInput(hide_value=False), validators=[
        DataRequired(REQUIRED), Length(min=MIN_PASSWORD, max=MAX_PASSWORD, message=PASSWORD_LENGTH)])
    password2 = PasswordField("Nhập lại mật khẩu", widget=PasswordInput(hide_value=False), validators=[
        DataRequired(REQUIRED), EqualTo("password", message="Hai lần nhập mật khẩu không khớp.")])


class LoginForm(Form):
    identifier = StringField("Số điện thoại hoặc số CCCD", validators=[DataRequired(REQUIRED), Length(max=40)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD)])


class ChangePasswordForm(Form):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD)])
    password = PasswordField("Mật khẩu mới", validators=[
        DataRequired(REQUIRED), Length(min=MIN_PASSWORD, max=MAX_PASSWORD, message=PASSWORD_LENGTH)])
    password2 = PasswordField("Nhập lại mật khẩu mới", validators=[
        DataRequired(REQUIRED), EqualTo("password", message="Hai lần nhập mật khẩu không khớp.")])


class RoleForm(UnitChoice, Form):
    role = SelectField("Vai trò", choices=choices(ROLE_LABELS))
    unit_query = StringField("Đơn vị quản lý (với vai trò quản lý đơn vị)", validators=[Length(max=255)])


class EmptyForm(Form):
    """A form with only the CSRF token (log out, confirmations)."""
