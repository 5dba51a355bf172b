from wtforms import DateField, EmailField, HiddenField, PasswordField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from quiz.accounts.models import CATEGORIES, GENDERS, ROLE_LABELS
from quiz.accounts.services import MAX_PASSWORD, MIN_PASSWORD
from quiz.web.forms import Form

REQUIRED = "Vui lòng nhập mục này."


def choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labels.items()]


class RegistrationForm(Form):
    full_name = StringField("Họ và tên", validators=[DataRequired(REQUIRED), Length(max=120)])
    birth_date = DateField("Ngày sinh", format=["%Y-%m-%d", "%d/%m/%Y"], validators=[Optional()])
    gender = SelectField("Giới tính", choices=choices(GENDERS), validators=[DataRequired(REQUIRED)])
    phone = TelField("Số điện thoại", validators=[DataRequired(REQUIRED), Length(max=20)])
    cccd = StringField("Số CCCD", validators=[DataRequired(REQUIRED), Length(max=20)])
    email = EmailField("Thư điện tử (không bắt buộc)", validators=[Optional(), Length(max=254)])
    unit_id = HiddenField()
    unit_query = StringField("Đơn vị", validators=[Length(max=255)])
    category = SelectField("Đối tượng", choices=choices(CATEGORIES), validators=[DataRequired(REQUIRED)])
    password = PasswordField("Mật khẩu", validators=[
        DataRequired(REQUIRED), Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
                                       message=f"Mật khẩu từ {MIN_PASSWORD} đến {MAX_PASSWORD} ký tự.")])
    password2 = PasswordField("Nhập lại mật khẩu", validators=[
        DataRequired(REQUIRED), EqualTo("password", message="Hai lần nhập mật khẩu không khớp.")])


class LoginForm(Form):
    identifier = StringField("Số điện thoại hoặc số CCCD", validators=[DataRequired(REQUIRED), Length(max=40)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD)])


class ChangePasswordForm(Form):
    current = PasswordField("Mật khẩu hiện tại", validators=[DataRequired(REQUIRED), Length(max=MAX_PASSWORD)])
    password = PasswordField("Mật khẩu mới", validators=[
        DataRequired(REQUIRED), Length(min=MIN_PASSWORD, max=MAX_PASSWORD,
                                       message=f"Mật khẩu từ {MIN_PASSWORD} đến {MAX_PASSWORD} ký tự.")])
    password2 = PasswordField("Nhập lại mật khẩu mới", validators=[
        DataRequired(REQUIRED), EqualTo("password", message="Hai lần nhập mật khẩu không khớp.")])


class RoleForm(Form):
    role = SelectField("Vai trò", choices=choices(ROLE_LABELS))
    unit_id = HiddenField()
    unit_query = StringField("Đơn vị quản lý (với vai trò quản lý đơn vị)", validators=[Length(max=255)])


class EmptyForm(Form):
    """A form with only the CSRF token (log out, confirmations)."""
