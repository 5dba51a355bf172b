"""Account rules: registration, login, passwords, roles. No HTTP here; the caller commits.

A person's details (name, birth date, phone, CCCD, unit ...) are checked by one function,
``check_details``, for a registration and for a correction by an administrator or unit
manager alike; it reports every problem at once (``Invalid``). What someone else does to an
account (reset, edit, lock, role) is in ``quiz.accounts.management``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from quiz.accounts import hashing, sessions
from quiz.accounts.identity import lookup_keys, normalise_cccd, normalise_phone
from quiz.accounts.models import CATEGORIES, GENDERS, Role, User
from quiz.accounts.search import search_users  # noqa: F401  (the accounts pages' search)
from quiz.errors import Conflict, DomainError, NotFound
from quiz.extensions import db
from quiz.text import clean
from quiz.units.models import Unit

MIN_PASSWORD = 8
MAX_PASSWORD = 128
_NAME = re.compile(r"[^\W\d_]+(?:[ '’.\-][^\W\d_]+)*\.?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class BadCredentials(DomainError):
    """No account has this phone/CCCD and password (which of the two is wrong is not said)."""

    status = 401


class Invalid(DomainError):
    """Several fields refused at once. ``fields`` maps each field to its message; the
    message is all of them (for the command line). A refusal made only of identity numbers
    already in use answers 409, any other 400."""

    def __init__(self, problems: dict[str, DomainError]):
        self.fields = {name: error.message for name, error in problems.items()}
        super().__init__(" ".join(self.fields.values()), field=next(iter(problems)))
        self.status = 409 if all(isinstance(e, Conflict) for e in problems.values()) else 400


@dataclass
class Details:
    """A person's details as a form sends them (already parsed, not yet checked)."""

    full_name: str
    birth_date: date | None
    gender: str
    phone: str
    cccd: str
    email: str | None
    unit: Unit | None
    category: str


@dataclass
class Registration(Details):
    """What a person fills in to register: their details and a password."""

    password: str = ""


def hash_password(password: str) -> str:
    return hashing.make(password)


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise DomainError(f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự.", field="password")
    if len(password) > MAX_PASSWORD:
        raise DomainError(f"Mật khẩu dài tối đa {MAX_PASSWORD} ký tự.", field="password")


def check_full_name(raw: str) -> str:
    name = clean(raw)
    if not name:
        raise DomainError("Vui lòng nhập họ và tên.", field="full_name")
    if len(name) > 120:
        raise DomainError("Họ và tên dài tối đa 120 ký tự.", field="full_name")
    if not _NAME.fullmatch(name):
        raise DomainError("Họ và tên chỉ gồm chữ cái và khoảng trắng (ví dụ: Nguyễn Thị Minh Khai).",
                          field="full_name")
    return name


def check_email(raw: str | None) -> str | None:
    email = clean(raw).lower() or None
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        raise DomainError("Địa chỉ thư điện tử không hợp lệ.", field="email")
    return email


def find_by_identity(phone: str | None = None, cccd: str | None = None) -> User | None:
    conditions = []
    if phone:
        conditions.append(User.phone == phone)
    if cccd:
        conditions.append(User.cccd == cccd)
    if not conditions:
        return None
    return db.session.scalars(select(User).where(or_(*conditions)).limit(1)).first()


def check_details(details: Details, *, now: datetime, account: User | None = None,
                  password: str | None = None) -> dict:
    """The values to store for ``details`` (and ``password``, when given), every field checked:
    Invalid names each field at fault. A phone or CCCD held by an account other than
    ``account`` (the one being corrected; None for a registration) is refused."""
    problems: dict[str, DomainError] = {}

    def checked(field: str, check):
        try:
            return check()
        except DomainError as error:
            problems.setdefault(error.field or field, error)
            return None

    def refuse(field: str, message: str) -> None:
        problems.setdefault(field, DomainError(message, field=field))

    values = {
        "full_name": checked("full_name", lambda: check_full_name(details.full_name)),
        "phone": checked("phone", lambda: normalise_phone(details.phone)),
        "cccd": checked("cccd", lambda: normalise_cccd(details.cccd)),
        "email": checked("email", lambda: check_email(details.email)),
        "unit": details.unit, "gender": details.gender, "category": details.category,
        "birth_date": details.birth_date,
    }
    if details.unit is None:
        refuse("unit", "Vui lòng chọn đơn vị của bạn trong danh sách." if account is None
               else "Vui lòng chọn đơn vị trong danh sách.")
    if details.gender not in GENDERS:
        refuse("gender", "Vui lòng chọn giới tính.")
    if details.category not in CATEGORIES:
        refuse("category", "Vui lòng chọn đối tượng.")
    if details.birth_date is not None and not (date(1900, 1, 1) <= details.birth_date <= now.date()):
        refuse("birth_date", "Ngày sinh không hợp lệ.")
    if password is not None:
        checked("password", lambda: check_new_password(password))
    for field, error in _taken(values["phone"], values["cccd"], account).items():
        problems.setdefault(field, error)
    if problems:
        raise Invalid(problems)
    return values


def _taken(phone: str | None, cccd: str | None, account: User | None) -> dict[str, Conflict]:
    """The identity numbers another account already holds."""
    conditions = [column == value for column, value in ((User.phone, phone), (User.cccd, cccd)) if value]
    if not conditions:
        return {}
    stmt = select(User.phone, User.cccd).where(or_(*conditions)).limit(2)
    if account is not None:
        stmt = stmt.where(User.id != account.id)
    taken = {}
    for other_phone, other_cccd in db.session.execute(stmt):
        if phone and other_phone == phone:
            taken["phone"] = Conflict("Số điện thoại này đã được dùng để đăng ký một tài khoản. "
                                      "Nếu đó là bạn, hãy đăng nhập." if account is None else
                                      "Số điện thoại này đã được dùng cho một tài khoản khác.", field="phone")
        if cccd and other_cccd == cccd:
            taken["cccd"] = Conflict("Số CCCD này đã được dùng để đăng ký một tài khoản. "
                                     "Nếu đó là bạn, hãy đăng nhập." if account is None else
                                     "Số CCCD này đã được dùng cho một tài khoản khác.", field="cccd")
    return taken


def check_registration(form: Registration, *, now: datetime) -> dict:
    """Every problem of a registration at once (Invalid), or the values to store."""
    return check_details(form, now=now, password=form.password)


def register(form: Registration, *, now: datetime, role: str = Role.MEMBER) -> User:
    """Create a member's account; refuse a phone or CCCD that already has one."""
    values = check_registration(form, now=now)
    user = User(**values, role=role, password_hash=hash_password(form.password), created_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:  # a simultaneous registration won the race: the constraint decides
        raise Conflict("Số điện thoại hoặc số CCCD này đã được dùng để đăng ký một tài khoản khác.")
    return user


_DUMMY_HASH = None


def authenticate(identifier: str, password: str) -> User:
    """The account for a phone number or CCCD and its password, or a DomainError."""
    global _DUMMY_HASH
    phone, cccd = lookup_keys(identifier)
    user = find_by_identity(phone, cccd)
    if user is None:
        _DUMMY_HASH = _DUMMY_HASH or hash_password("không có tài khoản")
        hashing.check(_DUMMY_HASH, password or "")  # same work whether or not the account exists
    if user is None or not hashing.check(user.password_hash, password or ""):
        raise BadCredentials("Số điện thoại/CCCD hoặc mật khẩu không đúng.")
    if not user.active:
        raise DomainError("Tài khoản này đã bị khóa. Vui lòng liên hệ ban tổ chức.")
    return user


def change_password(user: User, current: str, new: str, *, now: datetime, keep: str | None = None) -> int:
    """Set a new password and end every other session of this account (all but the one of
    token ``keep``, the session making the change); the number of sessions ended."""
    if not hashing.check(user.password_hash, current or ""):
        raise DomainError("Mật khẩu hiện tại không đúng.", field="current")
    check_new_password(new)
    if hashing.check(user.password_hash, new) and user.must_change_password:
        raise DomainError("Mật khẩu mới phải khác mật khẩu tạm thời.", field="password")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    return sessions.end_all(user, "password", now=now, keep=keep)


def set_role(user: User, role: str, managed_unit: Unit | None = None) -> None:
    """Give an account a role; a unit manager is bound to the unit whose subtree they see."""
    try:
        role = Role(role)
    except ValueError:
        raise DomainError("Vai trò không hợp lệ.", field="role") from None
    if role is Role.UNIT_MANAGER and managed_unit is None:
        raise DomainError("Quản lý đơn vị phải gắn với một đơn vị.", field="unit")
    if user.role == Role.ADMIN and role is not Role.ADMIN and _admin_count() <= 1:
        raise Conflict("Không thể bỏ quyền của quản trị viên cuối cùng.")
    user.role = role
    user.managed_unit = managed_unit if role is Role.UNIT_MANAGER else None


def _admin_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN))


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Không tìm thấy tài khoản.")
    return user
